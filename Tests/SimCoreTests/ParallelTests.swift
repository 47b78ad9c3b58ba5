import SimCore
import XCTest

/// `parallelFor`'s claiming and `CompletionCounts` (SimCore, Parallel.swift).
final class ParallelTests: XCTestCase {
    /// Chunks are claimed, not dealt: each runs exactly once whatever their cost, and a worker
    /// waiting on `CompletionCounts` for parts claimed before it sees every write of them.
    func testEveryChunkRunsOnceAndCompletionCountsOrderWrites() {
        for threads in [1, 2, 3, 4] {
            let chunks = 97
            let runs = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
            defer { runs.deallocate() }
            runs.initialize(repeating: 0, count: chunks)
            let out = UncheckedSendable(runs)
            parallelFor(chunks: chunks, threads: threads) { c in
                // Uneven work: every seventh chunk is much longer.
                var x = 0.0
                for i in 0..<(c % 7 == 0 ? 200_000 : 1_000) { x += Double(i & 3) }
                out.value[c] += x > 0 ? 1 : 0
            }
            for c in 0..<chunks { XCTAssertEqual(runs[c], 1, "threads \(threads), chunk \(c)") }

            // Items 0..<8 are written in 16 parts each; a final entry per item sums its parts once all are done.
            let parts = UnsafeMutablePointer<Int>.allocate(capacity: 8 * 16)
            defer { parts.deallocate() }
            parts.initialize(repeating: 0, count: 8 * 16)
            let done = CompletionCounts(count: 8)
            let sums = UnsafeMutablePointer<Int>.allocate(capacity: 8)
            defer { sums.deallocate() }
            sums.initialize(repeating: 0, count: 8)
            // Claim order: item i's 16 parts, then the sum of item i - 1 (as the solver's schedule).
            var order: [(item: Int, part: Int)] = []
            for i in 0..<8 {
                for p in 0..<16 { order.append((i, p)) }
                if i > 0 { order.append((i - 1, -1)) }
            }
            order.append((7, -1))
            let context = UncheckedSendable((parts, sums, done, order))
            parallelFor(chunks: order.count, threads: threads) { c in
                let (parts, sums, done, order) = context.value
                let (i, p) = order[c]
                if p >= 0 {
                    parts[i * 16 + p] = i * 100 + p
                    done.finish(i)
                } else {
                    done.wait(i, until: 16)
                    sums[i] = (0..<16).reduce(0) { $0 + parts[i * 16 + $1] }
                }
            }
            for i in 0..<8 { XCTAssertEqual(sums[i], 16 * i * 100 + 120, "threads \(threads), item \(i)") }
        }
    }
}
