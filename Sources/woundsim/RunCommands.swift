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
        discussion: "With no scenario, runs the bundled excisional-wound-inflammation-asc-cm (clot, macrophages, ASC-CM). SCENARIO is a YAML file or a bundled name (see `woundsim scenarios`)."
    )

    @Argument(help: "Scenario file or bundled scenario name.")
    var scenario: String = "excisional-wound-inflammation-asc-cm"

    @Option(name: .long, help: "Run folder (default: runs/NAME-seedN). An existing folder needs --force.")
    var out: String?

    @Option(name: .customLong("seed"), parsing: .unconditional, help: "Random seed, a whole number from 0 to 2^64 - 1 (overrides the scenario's).")
    var seedText: String?

    /// The seed given with --seed (validated).
    var seed: UInt64? { seedText.flatMap { UInt64($0) } }

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

    @Option(name: .customLong("from"), help: "Start from this checkpoint, or from the newest valid checkpoint of this run folder (a treatment arm forked from a saved state); the scenario may change the treatment, not the lattice or factors.")
    var from: String?

    /// Testing only: poison a field value after this step (exercises the numerical guard).
    @Option(name: .customLong("debug-inject-nan"), help: .hidden)
    var injectNaN: Int?

    /// Set by `woundsim sweep` for the runs it starts: die with the sweep (Linux).
    @Option(name: .customLong("parent-pid"), help: .hidden)
    var parentPID: Int32?

    func validate() throws {
        if let s = seedText, UInt64(s) == nil {
            throw ValidationError("--seed \(s): give a whole number from 0 to 18446744073709551615 (seeds are not negative)")
        }
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
        for n in scenario.notes { warn("woundsim: \(n)") }
        for w in scenario.warnings { warn("warning: \(w)") }
        let world = try buildWorld(scenario, tree: tree, reference: self.scenario)
        var begin: Runner.Start? = nil
        if let from {
            let loaded: Checkpoint.Loaded
            do { loaded = try newestCheckpoint(from) } catch { fail("woundsim: --from \(from): \(error)"); throw ExitCode(2) }
            let url = loaded.url
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
        do { folder = try RunFolder(path: path, force: force, createParents: out == nil) } catch {
            fail("woundsim: \(error)")
            switch error {
            case .exists, .notARunFolder, .badOutputFolder: throw ExitCode(2)
            default: throw ExitCode(1)
            }
        }
        do {
            warn("woundsim: \(scenario.model.name): \(world.lattice), \(world.cells.count) cells, \(Int(scenario.model.duration / 60)) h in steps of \(scenario.model.dt) min\(scenario.model.fieldSteps > 1 ? " (fields every \(scenario.model.fieldDt) min)" : ""), \(threadOptions.resolved) threads")
        }
        let command = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let result: Runner.Result
        StopSignal.install()
        do {
            result = try Runner.run(scenario, world: world, folder: folder,
                                    options: .init(threads: threadOptions.resolved, command: command, progress: !quiet, injectNaNAtStep: injectNaN), from: begin)
        } catch {
            if case let .interrupted(signal, _) = error { fail("woundsim: \(error)"); throw ExitCode(StopSignal.exitCode(signal)) }
            fail("woundsim: run failed: \(error)")
            throw ExitCode(1)
        }
        if profile {
            let total = result.profile.reduce(0) { $0 + $1.seconds }
            print("phase     seconds   share")
            for (phase, seconds) in result.profile {
                print(String(format: "%-8@ %8.2f  %5.1f %%", phase as NSString, seconds, total > 0 ? 100 * seconds / total : 0))
            }
            print(String(format: "cells: %.3g cell updates/s; diffuse: %.3g voxel-factor updates/s; %.0f %% of tile visits skipped as quiet",
                         result.cellUpdatesPerSecond, result.voxelFactorUpdatesPerSecond, 100 * result.skippedTileShare))
        }
        if !quiet {
            let closure: String
            if case .none = scenario.model.wound, case let .object(counts)? = result.summary["final_counts"] {
                let total = ["keratinocytes", "fibroblasts", "myofibroblasts", "endothelial"].reduce(0.0) {
                    if case let .number(n)? = counts[$1] { return $0 + n }; return $0
                }
                closure = String(format: "no wound; %.0f cells at the end", total)
            } else if case let .number(h)? = result.summary["closure_time_h"] { closure = String(format: "closed (95 %%) at %.1f h", h) }
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

    @Option(name: .long, help: "Extend a finished run to this many simulated days in all (from its final checkpoint).")
    var days: Double?

    @OptionGroup var threadOptions: ThreadOptions

    @Flag(name: .long, help: "Print only errors.")
    var quiet = false

    /// Set by `woundsim sweep` when it continues a stopped run: die with the sweep (Linux).
    @Option(name: .customLong("parent-pid"), help: .hidden)
    var parentPID: Int32?

    func validate() throws {
        if let d = days, !(d > 0 && d.isFinite) { throw ValidationError("--days \(d): give a positive number of days") }
    }

    func run() throws {
        if let parentPID {
            _ = woundsim_die_with_parent()
            if getppid() != parentPID { throw ExitCode(1) }
        }
        if quiet { Log.logger.logLevel = .error }
        let url = URL(fileURLWithPath: dir).standardizedFileURL
        let resolvedURL = url.appendingPathComponent("scenario.resolved.yaml")
        guard let text = try? String(contentsOf: resolvedURL, encoding: .utf8) else {
            fail("woundsim: \(url.path) is not a run folder (no scenario.resolved.yaml)")
            throw ExitCode(2)
        }
        let manifestURL = url.appendingPathComponent("manifest.json")
        let complete = FileManager.default.fileExists(atPath: manifestURL.path)
        var (scenario, tree) = try loadScenario(resolvedURL.path, sets: [])
        if complete {
            guard let days else {
                if !quiet { print("\(url.path): the run is complete; nothing to resume (--days D extends it to D days)") }
                return
            }
            guard days * 1440 > scenario.model.duration + 1e-9 else {
                fail("woundsim: --days \(days): the run already covers \(String(format: "%g", scenario.model.duration / 1440)) days; give more to extend it")
                throw ExitCode(2)
            }
            guard let newest = Checkpoint.list(url).first, (try? Checkpoint.load(newest))?.step == Int((scenario.model.duration / scenario.model.dt).rounded()) else {
                fail("woundsim: \(url.path) has no checkpoint at its end (runs with time.checkpoint_every write one); rerun it with checkpoints to extend it")
                throw ExitCode(2)
            }
        } else if days != nil {
            fail("woundsim: \(url.path): the run is not finished; resume it first, then extend it with --days")
            throw ExitCode(2)
        }
        let world = try buildWorld(scenario, tree: tree, reference: resolvedURL.path)
        let hash = Checkpoint.scenarioHash(text)
        var begin: Runner.Start? = nil
        var from: Checkpoint.Loaded? = nil
        for candidate in Checkpoint.list(url) {
            do {
                let loaded = try Checkpoint.load(candidate)
                guard loaded.scenarioHash == hash else {
                    warn("woundsim: checkpoint \(candidate.lastPathComponent) belongs to another scenario; trying the previous one")
                    continue
                }
                try world.restoreState(loaded.state)
                begin = Runner.Start(timeseries: loaded.timeseries, forkedFrom: nil)
                from = loaded
                warn("woundsim: \(days == nil ? "resuming" : "extending") \(scenario.model.name) from \(candidate.lastPathComponent) (t = \(String(format: "%.1f", world.time / 60)) h)")
                break
            } catch {
                warn("woundsim: checkpoint \(error); trying the previous one")
            }
        }
        if begin == nil {
            if days != nil { fail("woundsim: \(url.path): its final checkpoint is damaged; cannot extend"); throw ExitCode(1) }
            warn("warning: no valid checkpoint in \(url.path); starting again from the beginning")
        }
        let folder: RunFolder
        do { folder = try RunFolder(existing: url.path) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        if let days {
            // The extended run is a new scenario (a longer duration): its resolved file says so,
            // and the run is incomplete (no manifest) until the extension ends.
            scenario.model.duration = days * 1440
            // The same text with the new duration (its marks of user-set values kept).
            let fresh = ScenarioWriter.yaml(scenario).split(separator: "\n", omittingEmptySubsequences: false)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let newLine = fresh.first(where: { $0.hasPrefix("  duration: ") }),
                  let i = lines.firstIndex(where: { $0.hasPrefix("  duration: ") }) else {
                fail("woundsim: \(resolvedURL.path) has no time.duration line to extend"); throw ExitCode(1)
            }
            let comment = lines[i].range(of: "  # ").map { String(lines[i][$0.lowerBound...]) } ?? ""
            lines[i] = String(newLine) + comment
            let newText = lines.joined(separator: "\n")
            guard let final = from else { fail("woundsim: \(url.path): no final checkpoint"); throw ExitCode(1) }
            // The old end's output row and snapshot were written because it was the end; a run
            // that long from the start has them only at multiples of the intervals.
            let model = scenario.model
            let outputEvery = max(1, Int((model.outputEvery / model.dt).rounded()))
            let snapshotEvery = scenario.snapshotEvery.map { max(1, Int(($0 / model.dt).rounded())) }
            if final.step % outputEvery != 0 || (snapshotEvery.map { final.step % $0 != 0 } ?? false) {
                warn("warning: the run ended at \(String(format: "%g", Double(final.step) * model.dt / 60)) h, not a multiple of time.output_every or time.snapshot_every: its row and snapshot at that time stay, which a run this long from the start would not have")
            }
            // The final state again, under the new scenario text, so that a resume after a stop
            // of the extension starts from it; then the run is incomplete until the extension ends.
            let data = Checkpoint.encode(step: final.step, scenarioText: newText, timeseries: final.timeseries, state: final.state)
            do {
                try folder.write("scenario.resolved.yaml", text: newText)
                try Checkpoint.write(url, step: final.step, data: data)
                try FileManager.default.removeItem(at: manifestURL)
            } catch { fail("woundsim: could not update \(url.path): \(error)"); throw ExitCode(1) }
        }
        guard let resolvedText = try? String(contentsOf: resolvedURL, encoding: .utf8) else {
            fail("woundsim: cannot read \(resolvedURL.path)"); throw ExitCode(1)
        }
        StopSignal.install()
        let command = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let result: Runner.Result
        do {
            result = try Runner.run(scenario, world: world, folder: folder,
                                    options: .init(threads: threadOptions.resolved, command: command, progress: !quiet, resolvedText: resolvedText), from: begin)
        } catch {
            if case let .interrupted(signal, _) = error { fail("woundsim: \(error)"); throw ExitCode(StopSignal.exitCode(signal)) }
            fail("woundsim: run failed: \(error)")
            throw ExitCode(1)
        }
        if !quiet { print("\(scenario.model.name): done; wall time \(String(format: "%.1f", result.wallSeconds)) s; outputs in \(url.path)") }
    }
}

/// A checkpoint file, or the newest valid checkpoint of a run folder.
func newestCheckpoint(_ path: String) throws -> Checkpoint.Loaded {
    let url = URL(fileURLWithPath: path).standardizedFileURL
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { throw BadInput(description: "no such file or folder") }
    guard isDirectory.boolValue else { return try Checkpoint.load(url) }
    var problems: [String] = []
    for candidate in Checkpoint.list(url) {
        do { return try Checkpoint.load(candidate) } catch { problems.append(error.description) }
    }
    throw BadInput(description: problems.isEmpty ? "\(url.path) holds no checkpoint (checkpoint/step-*.wsck); runs with time.checkpoint_every write them"
                                                 : "no valid checkpoint in \(url.path): \(problems.joined(separator: "; "))")
}

