#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT (Ctrl-C) and SIGTERM (`kill`, Slurm's time limit) as a request to stop cleanly: the
/// handler only records the signal; the run loop and the sweep executor look at `received`
/// between steps, save what they need and end with `exitCode`.
public enum StopSignal {
    /// The signal received (SIGINT or SIGTERM), 0 while none. Written only by the handler.
    nonisolated(unsafe) public private(set) static var received: Int32 = 0

    /// Installs the handlers (idempotent). Call before the work that should stop cleanly.
    public static func install() {
        received = 0  // initialises the storage before a handler can touch it
        for s in [SIGINT, SIGTERM] {
            signal(s) { number in StopSignal.received = number }
            // Interrupt blocking calls (waitpid) instead of restarting them, so a waiting sweep
            // sees the request at once.
            siginterrupt(s, 1)
        }
    }

    /// The signal's usual name.
    public static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)" }

    /// The shell's exit status for a process ended by `number`: 128 + number.
    public static func exitCode(_ number: Int32) -> Int32 { 128 + number }

    /// Whether an exit status is that of a process stopped by SIGINT or SIGTERM (its own clean
    /// stop, 128 + n, or the signal itself).
    public static func isStop(exitCode: Int) -> Bool { exitCode == 128 + Int(SIGINT) || exitCode == 128 + Int(SIGTERM) }
}
