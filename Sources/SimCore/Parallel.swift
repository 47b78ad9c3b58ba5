import Foundation
import Dispatch

/// Runs `body(chunk)` for every chunk in `0..<chunks` on `threads` workers.
///
/// Chunks are dealt round-robin to a fixed number of workers through one
/// `DispatchQueue.concurrentPerform`, so the width is `threads`, not the machine's core count.
/// `body` must write only to the range its chunk owns; then the result is the same for any
/// thread count. With one thread (or one chunk) everything runs inline on the caller.
/// Every chunk runs with subnormal numbers flushed to zero (`withSubnormalsFlushed`), on the
/// caller as on a worker, so that the mode cannot depend on the thread count.
@inlinable
public func parallelFor(chunks: Int, threads: Int, _ body: (Int) -> Void) {
    guard chunks > 0 else { return }
    let workers = max(1, min(threads, chunks))
    if workers == 1 {
        withSubnormalsFlushed { for c in 0..<chunks { body(c) } }
        return
    }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            withSubnormalsFlushed {
                var c = w
                while c < chunks {
                    box.value(c)
                    c &+= workers
                }
            }
        }
    }
}

/// Carries a value into a `concurrentPerform` body. Safe only when every chunk touches a disjoint
/// part of what the value points to.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}

/// The number of cores Dispatch will use by default.
public var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
