import ArgumentParser
import Artifacts
import BuildInfo
import Cells
import CWoundsimOS
import Foundation
import Logging
import Run
import Scenario
import SimCore
import Simulation
import StrictYAML
import Verification

/// `woundsim`: the command-line front end. Exit codes: 0 done, 1 run failed, 2 bad input.
@main
struct Woundsim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "woundsim",
        abstract: "Agent-based simulation of skin-wound repair under cell-free (secretome) therapy.",
        version: BuildInfo.version,
        subcommands: [RunCommand.self, Resume.self, Check.self, Scenarios.self, SweepCommand.self, ReportCommand.self, Verify.self, BenchCommand.self]
    )

    /// Parses and runs, mapping argument errors to exit code 2 (bad input) as DESIGN.md says.
    static func main() {
        // A file-size limit (ulimit -f) makes writes fail with EFBIG instead of killing us, so a
        // full disk or quota is reported with the file that could not be written.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            FileHandle.standardError.write(Data(("woundsim: " + message + "\n").utf8))
            if code == .validationFailure { Foundation.exit(2) }
            Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}

/// Shared flags.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    mutating func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads \(t): give at least 1 thread") }
    }

    var resolved: Int { threads ?? defaultThreadCount }
}
