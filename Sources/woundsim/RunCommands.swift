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

/// `woundsim run`: one wound simulation into a run folder.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a wound scenario and write its outputs to a run folder.",
        discussion: "With no scenario, runs the bundled excisional-wound-asc-cm. SCENARIO is a YAML file or a bundled name (see `woundsim scenarios`)."
    )

    @Argument(help: "Scenario file or bundled scenario name.")
    var scenario: String = "excisional-wound-asc-cm"

    @Option(name: .long, help: "Run folder (default: runs/NAME-seedN). An existing folder needs --force.")
    var out: String?

    @Option(name: .long, help: "Random seed (overrides the scenario's).")
    var seed: UInt64?

    @OptionGroup var threadOptions: ThreadOptions

    @Option(name: .customLong("set"), help: "Override a scenario value, KEY=VALUE with a dotted key (repeatable).")
    var sets: [String] = []

    @Option(name: .long, help: "Simulated days (overrides time.duration).")
    var days: Double?

    @Flag(name: .long, help: "Print only errors.")
    var quiet = false

    @Flag(name: .long, help: "Print the per-phase profile.")
    var profile = false

    @Flag(name: .long, help: "Overwrite an existing run folder.")
    var force = false

    @Option(name: .customLong("from"), help: "Start from this checkpoint (a treatment arm forked from a saved state); the scenario may change the treatment, not the lattice or factors.")
    var from: String?

    /// Testing only: poison a field value after this step (exercises the numerical guard).
    @Option(name: .customLong("debug-inject-nan"), help: .hidden)
    var injectNaN: Int?

    /// Set by `woundsim sweep` for the runs it starts: die with the sweep (Linux).
    @Option(name: .customLong("parent-pid"), help: .hidden)
    var parentPID: Int32?

    func validate() throws {
        if let d = days, !(d > 0 && d.isFinite) { throw ValidationError("--days \(d): give a positive number of days") }
    }

    func run() throws {
        if let parentPID {
            // The sweep may have been killed before the signal was armed: then stop now.
            _ = woundsim_die_with_parent()
            if getppid() != parentPID { throw ExitCode(1) }
        }
        if quiet { Log.logger.logLevel = .error }
        var (scenario, tree) = try loadScenario(self.scenario, sets: sets)
        if let seed { scenario.model.seed = seed }
        if let days { scenario.model.duration = days * 1440 }
        for w in scenario.warnings { warn("warning: \(w)") }
        let world = try buildWorld(scenario, tree: tree, reference: self.scenario)
        var begin: Runner.Start? = nil
        if let from {
            let url = URL(fileURLWithPath: from).standardizedFileURL
            let loaded: Checkpoint.Loaded
            do { loaded = try Checkpoint.load(url) } catch { fail("woundsim: --from \(from): \(error)"); throw ExitCode(2) }
            do { try world.restoreState(loaded.state) } catch { fail("woundsim: --from \(from): \(error)"); throw ExitCode(2) }
            guard Double(loaded.step) * scenario.model.dt < scenario.model.duration else {
                fail("woundsim: --from \(from): the checkpoint is at step \(loaded.step), at or after the scenario's end")
                throw ExitCode(2)
            }
            begin = Runner.Start(timeseries: loaded.timeseries, forkedFrom: [
                "checkpoint": .string(url.path), "sha256": .string(loaded.fileHash), "step": .number(Double(loaded.step)),
                "time_h": .number(Double(loaded.step) * scenario.model.dt / 60), "parent_scenario_sha256": .string(loaded.scenarioHash),
            ])
        }
        let path = out ?? "runs/\(scenario.model.name)-seed\(scenario.model.seed)"
        let folder: RunFolder
        do { folder = try RunFolder(path: path, force: force) } catch {
            fail("woundsim: \(error)")
            switch error {
            case .exists, .notARunFolder: throw ExitCode(2)
            default: throw ExitCode(1)
            }
        }
        do {
            warn("woundsim: \(scenario.model.name): \(world.lattice), \(world.cells.count) cells, \(Int(scenario.model.duration / 60)) h in steps of \(scenario.model.dt) min, \(threadOptions.resolved) threads")
        }
        let command = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let result: Runner.Result
        do {
            result = try Runner.run(scenario, world: world, folder: folder,
                                    options: .init(threads: threadOptions.resolved, command: command, progress: !quiet, injectNaNAtStep: injectNaN), from: begin)
        } catch {
            fail("woundsim: run failed: \(error)")
            throw ExitCode(1)
        }
        if profile {
            let total = result.profile.reduce(0) { $0 + $1.seconds }
            print("phase     seconds   share")
            for (phase, seconds) in result.profile {
                print(String(format: "%-8@ %8.2f  %5.1f %%", phase as NSString, seconds, total > 0 ? 100 * seconds / total : 0))
            }
            print(String(format: "cells: %.3g cell updates/s; diffuse: %.3g voxel-factor updates/s", result.cellUpdatesPerSecond, result.voxelFactorUpdatesPerSecond))
        }
        if !quiet {
            let closure: String
            if case let .number(h)? = result.summary["closure_time_h"] { closure = String(format: "closed (95 %%) at %.1f h", h) }
            else if case let .number(p)? = result.summary["closure_pct_final"] { closure = String(format: "not closed: %.1f %% at the end", p) }
            else { closure = "" }
            print("\(scenario.model.name): \(closure); wall time \(String(format: "%.1f", result.wallSeconds)) s")
            print("outputs in \(folder.url.path)")
        }
    }
}

/// `woundsim resume`: continue a killed run from its newest valid checkpoint.
struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a run from its newest valid checkpoint (DIR/checkpoint/); the outputs equal an uninterrupted run's.",
        discussion: "A damaged checkpoint (truncated, corrupted, another format version, another scenario) is reported and the previous one tried; with none valid the run starts again from the beginning."
    )

    @Argument(help: "The run folder.")
    var dir: String

    @OptionGroup var threadOptions: ThreadOptions

    @Flag(name: .long, help: "Print only errors.")
    var quiet = false

    func run() throws {
        if quiet { Log.logger.logLevel = .error }
        let url = URL(fileURLWithPath: dir).standardizedFileURL
        let resolvedURL = url.appendingPathComponent("scenario.resolved.yaml")
        guard let text = try? String(contentsOf: resolvedURL, encoding: .utf8) else {
            fail("woundsim: \(url.path) is not a run folder (no scenario.resolved.yaml)")
            throw ExitCode(2)
        }
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("manifest.json").path) {
            if !quiet { print("\(url.path): the run is complete; nothing to resume") }
            return
        }
        let (scenario, tree) = try loadScenario(resolvedURL.path, sets: [])
        let world = try buildWorld(scenario, tree: tree, reference: resolvedURL.path)
        let hash = Checkpoint.scenarioHash(text)
        var begin: Runner.Start? = nil
        for candidate in Checkpoint.list(url) {
            do {
                let loaded = try Checkpoint.load(candidate)
                guard loaded.scenarioHash == hash else {
                    warn("woundsim: checkpoint \(candidate.lastPathComponent) belongs to another scenario; trying the previous one")
                    continue
                }
                try world.restoreState(loaded.state)
                begin = Runner.Start(timeseries: loaded.timeseries, forkedFrom: nil)
                warn("woundsim: resuming \(scenario.model.name) from \(candidate.lastPathComponent) (t = \(String(format: "%.1f", world.time / 60)) h)")
                break
            } catch {
                warn("woundsim: checkpoint \(error); trying the previous one")
            }
        }
        if begin == nil { warn("warning: no valid checkpoint in \(url.path); starting again from the beginning") }
        let folder: RunFolder
        do { folder = try RunFolder(existing: url.path) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        let command = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let result: Runner.Result
        do {
            result = try Runner.run(scenario, world: world, folder: folder, options: .init(threads: threadOptions.resolved, command: command, progress: !quiet), from: begin)
        } catch {
            fail("woundsim: run failed: \(error)")
            throw ExitCode(1)
        }
        if !quiet { print("\(scenario.model.name): done; wall time \(String(format: "%.1f", result.wallSeconds)) s; outputs in \(url.path)") }
    }
}
