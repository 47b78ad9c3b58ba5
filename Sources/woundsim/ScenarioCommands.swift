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

/// `woundsim check`: validate a scenario and print it resolved, with units.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a scenario and print it fully resolved, with units.")

    @Argument(help: "Scenario file or bundled scenario name.")
    var scenario: String

    @Option(name: .customLong("set"), help: "Override a scenario value, KEY=VALUE (repeatable).")
    var sets: [String] = []

    func run() throws {
        let (s, tree) = try loadScenario(scenario, sets: sets)
        _ = try buildWorld(s, tree: tree, reference: scenario)
        print(ScenarioWriter.yaml(s), terminator: "")
        for w in s.warnings { warn("warning: \(w)") }
    }
}

/// `woundsim scenarios`: the bundled scenarios.
struct Scenarios: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the bundled scenarios.")
    func run() throws {
        let names = ScenarioLoader.bundledNames
        let width = names.map(\.count).max() ?? 0
        for n in names { print(n.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + ScenarioLoader.bundledDescription(n)) }
    }
}
