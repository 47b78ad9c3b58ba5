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
        subcommands: [RunCommand.self, Resume.self, Check.self, Scenarios.self, Keys.self, Show.self, SweepCommand.self, CalibrateCommand.self, ReportCommand.self, Verify.self, BenchCommand.self]
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
            var message = fullMessage(for: error)
            if let hint = unquotedValueHint(message, arguments: Array(CommandLine.arguments.dropFirst())) { message = hint + "\n" + message }
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

/// "Unexpected argument 'h'" right after `--set KEY=2`: the shell split an unquoted value with a
/// space (`--set time.duration=2 h`). Says so, with the quoted form.
func unquotedValueHint(_ message: String, arguments: [String]) -> String? {
    guard let range = message.range(of: "Unexpected argument '"), let end = message[range.upperBound...].firstIndex(of: "'") else { return nil }
    let word = String(message[range.upperBound..<end])
    guard let i = arguments.firstIndex(of: word), i >= 2, arguments[i - 2] == "--set" || arguments[i - 2] == "-s",
          arguments[i - 1].contains("=") else { return nil }
    let assignment = arguments[i - 1]
    let eq = assignment.firstIndex(of: "=")!
    let key = assignment[..<eq], value = assignment[assignment.index(after: eq)...]
    return "the value of --set \(key) was split by the shell at a space: quote it, as --set '\(key)=\(value) \(word)' or --set \(key)=\"\(value) \(word)\""
}
