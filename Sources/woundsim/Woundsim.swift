import ArgumentParser
import CWoundsimOS
import Cells
import Foundation
import Logging
import Output
import Scenario
import SimCore
import Simulation
import Verification

/// `woundsim`: the command-line front end. Exit codes: 0 done, 1 run failed, 2 bad input.
@main
struct Woundsim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "woundsim",
        abstract: "Agent-based simulation of skin-wound repair under cell-free (secretome) therapy.",
        version: WoundsimVersion.string,
        subcommands: [Run.self, Resume.self, Check.self, Scenarios.self, SweepCommand.self, ReportCommand.self, Verify.self, BenchCommand.self]
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

enum WoundsimVersion {
    static let string = Version.string
}

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

/// `woundsim run`: one wound simulation into a run folder.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
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
            if case .exists = error { throw ExitCode(2) }
            throw ExitCode(1)
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

/// `woundsim bench`: kernel throughput for users, with a JSON line for a history file.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the diffusion, cell and full-step kernels; print a table or one JSON line.",
        discussion: "Each figure is the median of 9 steps after a warm-up. --compare OLD.json prints each figure's ratio to the last line of OLD.json."
    )

    @Option(name: .long, help: "Largest lattice, NxN sites (default 500x500); the scaling fit also runs at about 1/4 and 1/2 of its sites.")
    var size: String = "500x500"

    @Option(name: .long, help: "Thread counts to measure, comma-separated (default: 1 and all cores).")
    var threads: String?

    @Flag(name: .long, help: "Print one JSON line instead of the table.")
    var json = false

    @Option(name: .long, help: "An earlier JSON line (file) to compare with.")
    var compare: String?

    func parsedSize() throws -> Int {
        let parts = size.lowercased().split(separator: "x")
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a == b, a >= 40, a <= 4000 else {
            throw ValidationError("--size \(size): give a square size NxN between 40x40 and 4000x4000")
        }
        return a
    }

    func parsedThreads() throws -> [Int] {
        guard let threads else { return Array(Set([1, defaultThreadCount])).sorted() }
        let list = threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 >= 1 && $0 <= 256 }) else { throw ValidationError("--threads \(threads): give thread counts such as 1,2") }
        return list
    }

    func validate() throws { _ = try parsedSize(); _ = try parsedThreads() }

    func run() throws {
        let n = try parsedSize()
        let threadList = try parsedThreads()
        var rows: [Bench.Row] = []
        for t in threadList {
            rows.append(try Bench.diffusion(n: n, threads: t))
            rows.append(try Bench.cells(n: n, threads: t))
            rows.append(try Bench.step(n: n, threads: t))
        }
        // Scaling at one thread: three sizes.
        let sizes = [max(40, n / 2), max(40, Int(Double(n) / 2.squareRoot())), n]
        let diffusionScaling = try sizes.map { try Bench.diffusion(n: $0, threads: 1) }
        let cellScaling = try sizes.map { try Bench.cells(n: $0, threads: 1) }
        let pSites = Bench.exponent(diffusionScaling), pCells = Bench.exponent(cellScaling)
        var figures: [String: Double] = [:]
        for r in rows { figures["\(r.kernel)_\(r.threads)t"] = r.throughput }
        figures["scaling_exponent_sites"] = pSites
        figures["scaling_exponent_cells"] = pCells
        figures["bytes_per_site"] = Double(Bench.bytesPerSite(factors: 4))
        figures["bytes_per_cell"] = Double(CellPopulation.bytesPerCell)
        if json {
            var object: [String: JSONValue] = [
                "version": .string(Version.string), "git_revision": .string(Version.gitRevision), "machine": .string(Bench.machine),
                "threads": .array(threadList.map { .number(Double($0)) }), "size": .number(Double(n)),
                "date": .string(ISO8601DateFormatter().string(from: Date())),
            ]
            object["figures"] = .object(figures.mapValues { .number($0) })
            print(String(decoding: JSONValue.object(object).compactData, as: UTF8.self))
        } else {
            print("kernel     size  threads   throughput (updates/s)   step (ms)")
            for r in rows {
                print(String(format: "%-9@ %5d  %7d   %22.3g   %9.3f", r.kernel as NSString, r.size, r.threads, r.throughput, r.seconds * 1e3))
            }
            print(String(format: "scaling at 1 thread over %d, %d, %d sites per side: time ~ sites^%.2f (diffusion), ~ cells^%.2f (cells)", sizes[0], sizes[1], sizes[2], pSites, pCells))
            print("memory: \(Bench.bytesPerSite(factors: 4)) bytes per site (4 factors, tissue, site index), \(CellPopulation.bytesPerCell) bytes per cell")
        }
        if let compare {
            guard let text = try? String(contentsOfFile: compare, encoding: .utf8),
                  let line = text.split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }),
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let old = object["figures"] as? [String: Double] else {
                fail("woundsim: cannot read a bench JSON line from \(compare)")
                throw ExitCode(2)
            }
            print("figure                      now          before       ratio")
            for key in figures.keys.sorted() {
                guard let before = old[key], let now = figures[key] else { continue }
                print(String(format: "%-26@ %12.4g %12.4g %8.3f", key as NSString, now, before, before != 0 ? now / before : .nan))
            }
        }
    }
}
