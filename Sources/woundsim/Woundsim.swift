import ArgumentParser
import Foundation
import SimCore
import Verification

/// `woundsim`: the command-line front end. Exit codes: 0 done, 1 run failed, 2 bad input.
@main
struct Woundsim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "woundsim",
        abstract: "Agent-based simulation of skin-wound repair under cell-free (secretome) therapy.",
        version: WoundsimVersion.string,
        subcommands: [Verify.self]
    )

    /// Parses and runs, mapping argument errors to exit code 2 (bad input) as DESIGN.md says.
    static func main() {
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

enum WoundsimVersion {
    static let string = "0.1.0"
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

/// `woundsim verify`: the field solver against analytic solutions (VALIDATION.md section 1).
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the numerics against analytic solutions and print error norms, orders and pass/fail.",
        discussion: "Cases: \(Verification.caseNames.joined(separator: ", ")). Exits 1 when any case fails."
    )

    @OptionGroup var threadOptions: ThreadOptions

    @Option(name: .customLong("case"), help: "Run only this case (repeatable).")
    var cases: [String] = []

    func validate() throws {
        for c in cases where !Verification.caseNames.contains(c) {
            let closest = Verification.caseNames.min { editDistance($0, c) < editDistance($1, c) }
            let hint = closest.flatMap { editDistance($0, c) <= 3 ? " (did you mean \"\($0)\"?)" : nil } ?? ""
            throw ValidationError("--case \(c): no such verification case\(hint); the cases are \(Verification.caseNames.joined(separator: ", "))")
        }
    }

    func run() throws {
        let names = cases.isEmpty ? Verification.caseNames : cases
        var results: [VerificationResult] = []
        let start = Date()
        for name in names {
            results.append(try Verification.run(name, threads: threadOptions.resolved))
        }
        print(verificationTable(results), terminator: "")
        let failed = results.filter { !$0.passed }.count
        print("\(results.count - failed) passed, \(failed) failed (\(String(format: "%.1f", Date().timeIntervalSince(start))) s, \(threadOptions.resolved) threads)")
        if failed > 0 { throw ExitCode(1) }
    }
}
