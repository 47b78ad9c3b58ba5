import SimCore
import XCTest

/// Half the smallest normal double through a call the optimiser cannot fold: subnormal under
/// IEEE gradual underflow, 0 when results are flushed.
@inline(never) private func halve(_ values: [Double], _ i: Int) -> Double { values[i] * 0.5 }
/// `values[i] * k` through a call the optimiser cannot fold.
@inline(never) private func times(_ values: [Double], _ i: Int, _ k: Double) -> Double { values[i] * k }

final class FloatingPointModeTests: XCTestCase {
    private let smallest = [Double.leastNormalMagnitude]

    func testFlushedOnlyInsideAndRestoredAfter() {
        XCTAssertFalse(subnormalsFlushed, "the test thread starts with gradual underflow")
        XCTAssertGreaterThan(halve(smallest, 0), 0)
        let inside = withSubnormalsFlushed { (halve(smallest, 0), subnormalsFlushed) }
        XCTAssertEqual(inside.0, 0, "a subnormal result is flushed to zero")
        XCTAssertTrue(inside.1)
        XCTAssertFalse(subnormalsFlushed, "the previous mode is restored")
        XCTAssertGreaterThan(halve(smallest, 0), 0)
        // Nested: the inner call leaves the outer mode as it found it.
        withSubnormalsFlushed {
            withSubnormalsFlushed {}
            XCTAssertTrue(subnormalsFlushed)
        }
        XCTAssertFalse(subnormalsFlushed)
    }

    func testSubnormalOperandsReadAsZero() {
        let sub = [Double.leastNormalMagnitude / 4]
        XCTAssertTrue(sub[0].isSubnormal)
        // A subnormal times 8 is a normal number (2 x the smallest normal), so only reading the
        // operand as zero (DAZ), not flushing the result (FTZ), can make it 0.
        XCTAssertEqual(times(sub, 0, 8), 2 * Double.leastNormalMagnitude)
        let scaled = withSubnormalsFlushed { times(sub, 0, 8) }
        XCTAssertEqual(scaled, 0, "a subnormal operand is read as zero")
    }

    /// Every chunk runs flushed, inline and on workers alike, so the mode cannot depend on the
    /// thread count; the caller's mode is untouched.
    func testParallelForFlushesEveryChunkAtAnyThreadCount() {
        for threads in [1, 2, 4] {
            let chunks = 16
            let seen = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
            defer { seen.deallocate() }
            let flagged = UnsafeMutablePointer<Bool>.allocate(capacity: chunks)
            defer { flagged.deallocate() }
            let out = UncheckedSendable((seen, flagged, smallest))
            parallelFor(chunks: chunks, threads: threads) { c in
                out.value.0[c] = halve(out.value.2, 0)
                out.value.1[c] = subnormalsFlushed
            }
            for c in 0..<chunks {
                XCTAssertEqual(seen[c], 0, "threads \(threads), chunk \(c)")
                XCTAssertTrue(flagged[c], "threads \(threads), chunk \(c)")
            }
            XCTAssertFalse(subnormalsFlushed)
        }
    }

    /// With `flushingSubnormals: false` (encoding outputs) every chunk keeps gradual underflow,
    /// even when called from flushed code (its inline chunks) and on workers that inherited a
    /// flushed mode.
    func testParallelForCanKeepTheDefaultMode() {
        for (threads, fromFlushed) in [(1, false), (2, false), (4, false), (1, true), (2, true)] {
            let chunks = 16
            let flagged = UnsafeMutablePointer<Bool>.allocate(capacity: chunks)
            defer { flagged.deallocate() }
            flagged.initialize(repeating: true, count: chunks)
            let out = UncheckedSendable(flagged)
            let run = { parallelFor(chunks: chunks, threads: threads, flushingSubnormals: false) { c in out.value[c] = subnormalsFlushed } }
            if fromFlushed { withSubnormalsFlushed(run) } else { run() }
            for c in 0..<chunks { XCTAssertFalse(flagged[c], "threads \(threads), from flushed \(fromFlushed), chunk \(c)") }
        }
    }

    /// Why the kept mode is set, not assumed: a thread created by a flushed thread starts
    /// flushed (pthread_create copies the floating-point environment), and `withSubnormalsKept`
    /// undoes it inside and restores it after.
    func testANewThreadInheritsTheFlushedModeAndKeptUndoesIt() {
        let seen = UnsafeMutablePointer<Bool>.allocate(capacity: 4)
        defer { seen.deallocate() }
        let out = UncheckedSendable(seen)
        let done = DispatchSemaphore(value: 0)
        let smallest = smallest
        withSubnormalsFlushed {
            let thread = Thread {
                out.value[0] = subnormalsFlushed
                withSubnormalsKept {
                    out.value[1] = subnormalsFlushed
                    out.value[2] = halve(smallest, 0) > 0
                }
                out.value[3] = subnormalsFlushed
                done.signal()
            }
            thread.start()
        }
        done.wait()
        XCTAssertTrue(seen[0], "the new thread inherited the flushed mode")
        XCTAssertFalse(seen[1])
        XCTAssertTrue(seen[2], "a subnormal result is kept")
        XCTAssertTrue(seen[3], "the inherited mode is restored after")
        XCTAssertFalse(subnormalsFlushed)
    }
}
