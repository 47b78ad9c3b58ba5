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

/// Bad input: a message for stderr, exit code 2.
struct BadInput: Error, CustomStringConvertible {
    let description: String
}

/// Messages to the user go through swift-log, printed plainly on stderr: "woundsim: ..." for
/// errors and notices, "warning: ..." for warnings. `--quiet` keeps errors only.
struct PlainStderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let text = "\(event.message)"
        let line = event.level == .warning && !text.hasPrefix("warning:") ? "warning: \(text)" : text
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

enum Log {
    nonisolated(unsafe) static var logger: Logger = {
        LoggingSystem.bootstrap { _ in PlainStderrLogHandler() }
        return Logger(label: "woundsim")
    }()
}

/// An error on stderr (through swift-log), shown even with --quiet.
func fail(_ text: String) { Log.logger.error("\(text)") }

/// Prints a message on stderr (through swift-log): errors and notices.
func warn(_ text: String) {
    if text.hasPrefix("warning: ") { Log.logger.warning("\(text)") }
    else if text.hasPrefix("woundsim: ") && !text.contains("problem") && !text.contains("failed") && !text.contains("could not") && !text.contains("exists") { Log.logger.notice("\(text)") }
    else { Log.logger.error("\(text)") }
}

/// Loads a scenario for `run` and `check`, turning every problem into exit code 2.
func loadScenario(_ reference: String, sets: [String]) throws -> (scenario: Scenario, tree: YNode) {
    do { return try ScenarioLoader.load(reference, sets: sets) } catch {
        fail("woundsim: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(reference):\n\(error.description)")
        throw ExitCode(2)
    }
}

/// Builds the world, reporting a model-level problem at its file, line and key (exit code 2).
func buildWorld(_ scenario: Scenario, tree: YNode, reference: String) throws -> World {
    do { return try World(scenario.model) } catch {
        fail("woundsim: 1 problem in \(reference):\n\(ScenarioLoader.issue(for: error, in: tree))")
        throw ExitCode(2)
    }
}
