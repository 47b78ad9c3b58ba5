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
        if sets.isEmpty, isSweepFile(scenario) {
            warn("woundsim: \(scenario) is a sweep file (it starts with `sweep:`); checking it as one (`woundsim sweep check`)")
            try checkSweepFile(scenario)
            return
        }
        let (s, tree) = try loadScenario(scenario, sets: sets)
        for n in s.notes { warn("woundsim: \(n)") }
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

/// Whether `path` is a YAML file whose first key is `sweep:`.
func isSweepFile(_ path: String) -> Bool {
    guard path.hasSuffix(".yaml") || path.hasSuffix(".yml"), let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
    for line in text.split(separator: "\n") {
        let t = line.trimmingCharacters(in: .whitespaces)
        if t.isEmpty || t.hasPrefix("#") || t == "---" { continue }
        return t.hasPrefix("sweep:")
    }
    return false
}

/// `woundsim keys`: the parameter reference.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every key a scenario or --set may set: what it takes, what it means, its default and source.",
        discussion: "Defaults are the values of the bundled base scenario (excisional-wound-control; `woundsim show NAME` prints any bundled scenario). PARAMETERS.md has the sources in full."
    )

    @Argument(help: "Only keys starting with this (e.g. cells.keratinocyte.migration).")
    var prefix: String = ""

    func run() throws {
        let entries = KeyReference.entries(prefix: prefix)
        guard !entries.isEmpty else {
            let all = KeyReference.entries().map(\.key)
            let close = all.min { editDistance($0, prefix) < editDistance($1, prefix) }
            fail("woundsim: no key starts with \"\(prefix)\"\(close.map { "; did you mean `\($0)`?" } ?? "")")
            throw ExitCode(2)
        }
        for e in entries {
            print(e.key)
            print("    \(e.meaning.isEmpty ? "(no description)" : e.meaning)")
            print("    takes: \(e.type)")
            if !e.defaults.isEmpty { print("    default: \(e.defaults.joined(separator: "; "))") }
            if !e.source.isEmpty { print("    source: \(e.source)") }
        }
    }
}

/// `woundsim show`: a bundled scenario as written.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a bundled scenario as its commented YAML (to copy and edit, or to read the sources).")

    @Argument(help: "Bundled scenario name (see `woundsim scenarios`).")
    var name: String

    func run() throws {
        guard let text = ScenarioLoader.bundledText(name) else {
            let close = ScenarioLoader.bundledNames.min { editDistance($0, name) < editDistance($1, name) }
            fail("woundsim: no bundled scenario named \"\(name)\"\(close.map { "; did you mean `\($0)`?" } ?? ""). Bundled: \(ScenarioLoader.bundledNames.joined(separator: ", "))")
            throw ExitCode(2)
        }
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
    }
}
