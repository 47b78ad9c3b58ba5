import Foundation
import Dispatch
import CWoundsimOS

/// Runs `body(chunk)` for every chunk in `0..<chunks` on `threads` workers.
///
/// `threads` workers enter one `DispatchQueue.concurrentPerform`, so the width is `threads`, not
/// the machine's core count, and each claims the next unclaimed chunk, in order, whenever it is
/// free. `body` must write only to the range its chunk owns; then the result is the same for any
/// thread count and whichever worker runs a chunk. With one thread (or one chunk) everything
/// runs inline on the caller.
/// Claiming rather than dealing the chunks round-robin: on a shared machine one worker is often
/// slower than the other (its core taken by another process for a while), and the work of a
/// chunk varies (busy tiles at the wound's edge, factors with region-dependent coefficients);
/// a fixed deal makes the faster worker wait at the end of every parallel phase. Measured
/// within one run, alternating the two every 30 steps (3-D wound, 2 threads, 6 h from day 14):
/// cells 8.22 -> 7.30 s, diffusion 10.55 -> 8.40 s (DESIGN.md "Parallelism and determinism").
/// Every chunk runs with subnormal numbers flushed to zero (`withSubnormalsFlushed`), on the
/// caller as on a worker, so that the mode cannot depend on the thread count; with
/// `flushingSubnormals` false (encoding outputs) the mode is left alone: a worker's default
/// (gradual underflow), and the caller's own inline.
@inlinable
public func parallelFor(chunks: Int, threads: Int, flushingSubnormals: Bool = true, _ body: (Int) -> Void) {
    guard chunks > 0 else { return }
    let workers = max(1, min(threads, chunks))
    if workers == 1 {
        if flushingSubnormals {
            withSubnormalsFlushed { for c in 0..<chunks { body(c) } }
        } else {
            withSubnormalsKept { for c in 0..<chunks { body(c) } }
        }
        return
    }
    var claimed = 0
    withUnsafeMutablePointer(to: &claimed) { counter in
        let next = UncheckedSendable(counter)
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let claimAll = {
                    while true {
                        let c = claimChunk(next.value)
                        if c >= chunks { break }
                        box.value(c)
                    }
                }
                // Set either way: a worker's mode is whatever its thread was left in or inherited.
                if flushingSubnormals { withSubnormalsFlushed(claimAll) } else { withSubnormalsKept(claimAll) }
            }
        }
    }
}

/// `body(i)` for every i in `0..<count` on `threads` workers, the results in the order of i; the
/// first error thrown (by index) is rethrown once all have run. For whole, independent
/// computations side by side, such as worlds of several seeds in a test: a world's bits do not
/// depend on what runs beside it (each owns its state and random streams), so running seeds side
/// by side, one thread each, changes nothing but the wall time (two worlds at one thread each
/// use two cores fully; one world at two threads gains about 1.2x on its memory-bound loops).
/// The floating-point mode is left as the caller's would be (`flushingSubnormals: false`).
public func parallelMap<T>(_ count: Int, threads: Int, _ body: (Int) throws -> T) throws -> [T] {
    var results = [Result<T, any Error>?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { buffer in
        let out = UncheckedSendable(buffer)
        parallelFor(chunks: count, threads: threads, flushingSubnormals: false) { i in
            out.value[i] = Result { try body(i) }
        }
    }
    return try results.map { try $0!.get() }
}

/// The next chunk index from a `parallelFor` counter (an atomic fetch-and-add of 1).
@usableFromInline
func claimChunk(_ counter: UnsafeMutablePointer<Int>) -> Int { woundsim_fetch_add(counter, 1) }

/// Carries a value into a `concurrentPerform` body. Safe only when every chunk touches a disjoint
/// part of what the value points to.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}

/// The number of cores Dispatch will use by default.
public var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

/// Per-item completion counts that one worker of a `parallelFor` waits on while another fills
/// them: `finish(i)` after writing item i's part, `wait(i, until:)` before reading it. The
/// waiting worker spins, yielding its core after a while, so it must wait only on work that a
/// running worker has already claimed (then it cannot wait for ever).
public final class CompletionCounts: @unchecked Sendable {
    private let counts: UnsafeMutablePointer<Int>
    public let count: Int

    public init(count: Int) {
        self.count = count
        counts = .allocate(capacity: max(1, count))
        counts.initialize(repeating: 0, count: max(1, count))
    }

    deinit { counts.deallocate() }

    /// Sets every count to 0 (between parallel phases, not during one).
    public func reset() { counts.update(repeating: 0, count: count) }

    /// One more part of item `i` is written (release: visible to a thread that then sees the count).
    public func finish(_ i: Int) { woundsim_increment_release(counts + i) }

    /// Returns once item `i` has `target` finished parts (acquire: their writes are visible).
    public func wait(_ i: Int, until target: Int) {
        var spins = 0
        while woundsim_load_acquire(counts + i) < target {
            spins &+= 1
            if spins > 1000 { sched_yield() }
        }
    }
}

