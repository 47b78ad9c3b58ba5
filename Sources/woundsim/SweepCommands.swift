import ArgumentParser
import Foundation
import Output
import Scenario
import SimCore
import Sweep

/// `woundsim sweep`: parameter sweeps (DESIGN.md "Sweeps").
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a parameter sweep locally or on a Slurm cluster, merge shards, analyse sensitivity.",
        discussion: "`woundsim sweep SWEEP.yaml --out DIR` is `woundsim sweep run`. Rerunning the same command skips finished runs.",
        subcommands: [SweepRun.self, SweepMerge.self, SweepAnalyze.self, SweepSlurm.self],
        defaultSubcommand: SweepRun.self
    )
}

/// Options shared by the commands that plan a sweep from its file.
struct SweepPlanOptions: ParsableArguments {
    @Option(name: .long, help: "Sweep folder (default: sweeps/NAME).")
    var out: String?

    @Flag(name: .long, help: "Empty an existing sweep folder that holds another sweep and start over.")
    var force = false

    /// Reads the sweep file (or, without one, the plan saved in --out) and saves the plan.
    func prepare(_ file: String?) throws -> (SweepPlan, SweepFolder) {
        guard let file else {
            guard let out else { throw ValidationError("give a sweep file, or --out DIR of a planned sweep") }
            let folder = SweepFolder(path: out)
            do { return (try folder.loadPlan(), folder) } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
        }
        let spec: SweepSpec
        do { spec = try SweepFile.load(file) } catch {
            fail("woundsim: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(file):\n\(error.description)")
            throw ExitCode(2)
        }
        let started = Date()
        let plan: SweepPlan, scenarios: [String: String]
        do { (plan, scenarios) = try Planner.plan(spec) } catch {
            fail("woundsim: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(file):\n\(error.description)")
            throw ExitCode(2)
        }
        let folder = SweepFolder(path: out ?? "sweeps/\(spec.name)")
        let fm = FileManager.default
        if let items = try? fm.contentsOfDirectory(atPath: folder.url.path), !items.isEmpty {
            guard fm.fileExists(atPath: folder.planURL.path) else {
                fail("woundsim: \(folder.url.path) exists and is not a sweep folder; give another --out")
                throw ExitCode(2)
            }
            if force, let existing = try? folder.loadPlanIfPresent(), existing.hash != plan.hash {
                for item in items { try? fm.removeItem(at: folder.url.appendingPathComponent(item)) }
            }
        }
        do {
            try folder.save(plan, scenarios: scenarios)
            if let text = fm.contents(atPath: spec.file) { try folder.write("sweep.yaml", text) }
        } catch let e as SweepError {
            fail("woundsim: \(e)")
            if case .badInput = e { throw ExitCode(2) }
            throw ExitCode(1)
        } catch {
            fail("woundsim: \(error)")
            throw ExitCode(1)
        }
        let distinct = plan.uniqueRunIDs.count
        warn("woundsim: sweep \(plan.name): \(plan.points.count) design points (\(plan.design)) x \(plan.seeds.count) seeds = \(plan.runs.count) runs (\(distinct) distinct), planned in \(String(format: "%.2f", Date().timeIntervalSince(started))) s; folder \(folder.url.path)")
        return (plan, folder)
    }
}

/// Every recorded outcome of a plan's runs.
func statuses(_ plan: SweepPlan, _ folder: SweepFolder) -> [String: RunStatus] {
    var out: [String: RunStatus] = [:]
    for id in plan.uniqueRunIDs { if let s = folder.status(id) { out[id] = s } }
    return out
}

/// Writes runs.csv and summary.csv (and sensitivity.csv for Morris and Sobol designs).
/// - Returns: the number of runs still without a result.
@discardableResult
func writeResults(_ plan: SweepPlan, _ folder: SweepFolder, quiet: Bool) throws -> Int {
    let s = statuses(plan, folder)
    let pending = plan.uniqueRunIDs.count - s.count
    do {
        try folder.write("runs.csv", Data(Results.runsCSV(plan, statuses: s).utf8))
        try folder.write("summary.csv", Data(Results.summaryCSV(plan, statuses: s).utf8))
        if pending == 0, plan.design == "morris" || plan.design == "sobol" {
            try folder.write("sensitivity.csv", Data(Analysis.csv(try Analysis.analyze(plan, statuses: s), plan: plan).utf8))
        }
        try SweepReport.write(plan, folder: folder, statuses: s)
    } catch {
        fail("woundsim: \(error)")
        throw ExitCode(1)
    }
    if !quiet && pending == 0 { print(summaryTable(plan, statuses: s), terminator: "") }
    return pending
}

/// The summary as a text table: each point's values, then each metric's mean and 95 % CI.
func summaryTable(_ plan: SweepPlan, statuses: [String: RunStatus]) -> String {
    let stats = Results.pointStats(plan, statuses: statuses)
    var header = ["point"] + plan.parameters.map(\.title) + plan.metrics.map { "\($0) mean [95% CI] (n)" }
    var rows: [[String]] = []
    for p in plan.points {
        var row = [p.role == "control" ? "\(p.index) control" : String(p.index)] + p.values
        for m in plan.metrics {
            if let s = stats[p.index][m] {
                let ci = s.ci95.map { String(format: " [%.4g, %.4g]", $0.low, $0.high) } ?? ""
                row.append(String(format: "%.4g", s.mean) + ci + " (\(s.n))")
            } else { row.append("- (0)") }
        }
        rows.append(row)
    }
    if rows.count > 60 { rows = Array(rows.prefix(60)); header[0] += " (first 60)" }
    let widths = header.indices.map { i in max(header[i].count, rows.map { $0[i].count }.max() ?? 0) }
    func line(_ r: [String]) -> String { zip(r, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n" }
    return line(header) + rows.map(line).joined()
}

/// `woundsim sweep run`.
struct SweepRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep's runs, N at a time in separate processes; rerun to resume.",
        discussion: "Without SWEEP.yaml, continues the sweep planned in --out. Each run's folder is DIR/runs/ID, its outcome DIR/status/ID.json; runs.csv and summary.csv are written when every run has a result."
    )

    @Argument(help: "Sweep file (YAML).")
    var sweep: String?

    @OptionGroup var planOptions: SweepPlanOptions

    @Option(name: .long, help: "Simulations at a time (default: one per core).")
    var jobs: Int?

    @Option(name: .long, help: "Threads of each simulation (default: cores / jobs).")
    var threads: Int?

    @Option(name: .long, help: "Run only share I of N of the runs (I in 1...N), as a Slurm array task does.")
    var shard: String?

    @Flag(name: .long, help: "Run again the runs recorded as failed.")
    var retryFailed = false

    @Flag(name: .long, help: "Print only errors.")
    var quiet = false

    func parsedShard() throws -> (Int, Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else {
            throw ValidationError("--shard \(shard): give I/N with 1 <= I <= N, e.g. --shard 2/8")
        }
        return (i, n)
    }

    func validate() throws {
        if let j = jobs, j < 1 || j > 1024 { throw ValidationError("--jobs \(j): give 1 to 1024 simulations at a time") }
        if let t = threads, t < 1 || t > 1024 { throw ValidationError("--threads \(t): give at least 1 thread") }
        _ = try parsedShard()
    }

    func run() throws {
        if quiet { Log.logger.logLevel = .error }
        let (plan, folder) = try planOptions.prepare(sweep)
        let cores = defaultThreadCount
        let jobs = self.jobs ?? cores
        let threads = self.threads ?? max(1, cores / jobs)
        var ids = plan.uniqueRunIDs
        if let (i, n) = try parsedShard() { ids = plan.shard(i, of: n) }
        let outcome: Executor.Outcome
        do {
            outcome = try Executor.run(ids, plan: plan, folder: folder,
                                       options: .init(jobs: jobs, threads: threads, executable: Executor.currentExecutable, retryFailed: retryFailed, verbose: !quiet),
                                       message: { warn($0) })
        } catch {
            fail("woundsim: \(error)")
            throw ExitCode(1)
        }
        let busyCores = outcome.wallSeconds > 0 ? outcome.childCPUSeconds / outcome.wallSeconds : 0
        let overhead = outcome.runWallSeconds > 0 ? (outcome.wallSeconds * Double(min(jobs, max(1, outcome.ran))) - outcome.runWallSeconds) / outcome.runWallSeconds : 0
        warn("woundsim: ran \(outcome.ran) (\(outcome.failed) failed), skipped \(outcome.skipped) finished\(outcome.busy > 0 ? ", \(outcome.busy) being run elsewhere" : "") in \(String(format: "%.1f", outcome.wallSeconds)) s with \(jobs) jobs x \(threads) threads; \(String(format: "%.2f", busyCores)) cores busy on average; overhead \(String(format: "%.1f", 100 * overhead)) % over the runs' own time")
        if outcome.failed > 0 { warn("warning: \(outcome.failed) run\(outcome.failed == 1 ? "" : "s") failed; their errors are in \(folder.url.path)/runs.csv once the sweep is complete, and in status/ID.json") }
        let pending = try writeResults(plan, folder, quiet: quiet)
        if pending > 0 {
            warn("woundsim: \(pending) of \(plan.uniqueRunIDs.count) runs have no result yet\(shard != nil ? " (other shards)" : ""); `woundsim sweep merge \(folder.url.path)` writes the tables when they are done")
        } else if !quiet {
            print("results: \(folder.url.appendingPathComponent("runs.csv").path), \(folder.url.appendingPathComponent("summary.csv").path)")
        }
    }
}

/// `woundsim sweep merge`.
struct SweepMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the results of a sweep's shards into DIR/runs.csv and DIR/summary.csv.",
        discussion: "Shards that ran into DIR need only DIR. Shards run into other folders (OTHER...) of the same sweep are copied in first. Exit 1 when runs have no result yet."
    )

    @Argument(help: "The sweep folder.")
    var dir: String

    @Argument(help: "Further folders holding shards of the same sweep.")
    var others: [String] = []

    @Flag(name: .long, help: "Print only errors.")
    var quiet = false

    func run() throws {
        if quiet { Log.logger.logLevel = .error }
        let folder = SweepFolder(path: dir)
        let plan: SweepPlan
        do { plan = try folder.loadPlan() } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
        let fm = FileManager.default
        for other in others {
            let source = SweepFolder(path: other)
            let theirs: SweepPlan
            do { theirs = try source.loadPlan() } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
            guard theirs.hash == plan.hash else {
                fail("woundsim: \(source.url.path) holds another sweep (\(theirs.name), plan \(theirs.hash)) than \(folder.url.path) (\(plan.name), plan \(plan.hash)); only shards of one sweep can be merged")
                throw ExitCode(2)
            }
            var copied = 0
            for id in plan.uniqueRunIDs where folder.status(id) == nil {
                guard let s = source.status(id) else { continue }
                do {
                    for (from, to) in [(source.runURL(id), folder.runURL(id)), (source.logURL(id), folder.logURL(id))] where fm.fileExists(atPath: from.path) {
                        try? fm.removeItem(at: to)
                        try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                        try fm.copyItem(at: from, to: to)
                    }
                    try folder.record(s)
                    copied += 1
                } catch {
                    fail("woundsim: could not copy run \(id) from \(source.url.path): \(error)")
                    throw ExitCode(1)
                }
            }
            warn("woundsim: \(copied) runs joined from \(source.url.path)")
        }
        let pending = try writeResults(plan, folder, quiet: quiet)
        if pending > 0 {
            fail("woundsim: \(pending) of \(plan.uniqueRunIDs.count) runs of \(plan.name) have no result yet; runs.csv lists them as pending")
            throw ExitCode(1)
        }
        if !quiet { print("results: \(folder.url.appendingPathComponent("runs.csv").path), \(folder.url.appendingPathComponent("summary.csv").path)") }
    }
}

/// `woundsim sweep analyze`.
struct SweepAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Print Morris elementary effects or Sobol indices of each metric (and write DIR/sensitivity.csv)."
    )

    @Argument(help: "The sweep folder.")
    var dir: String

    func run() throws {
        let folder = SweepFolder(path: dir)
        let plan: SweepPlan
        do { plan = try folder.loadPlan() } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
        let s = statuses(plan, folder)
        let rows: [Analysis.Row]
        do { rows = try Analysis.analyze(plan, statuses: s) } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
        let missing = plan.uniqueRunIDs.count - s.values.filter { $0.status == "ok" }.count
        if missing > 0 { warn("warning: \(missing) of \(plan.uniqueRunIDs.count) runs have no result (pending or failed); the estimates leave out the points they touch") }
        print(Analysis.table(rows, plan: plan), terminator: "")
        do { try folder.write("sensitivity.csv", Data(Analysis.csv(rows, plan: plan).utf8)) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
    }
}

/// `woundsim sweep slurm`.
struct SweepSlurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Plan a sweep and write Slurm scripts: a job array (one shard per task) and a dependent merge job.",
        discussion: "Writes DIR/slurm/array.sbatch, merge.sbatch and submit.sh; `sh DIR/slurm/submit.sh` (or --submit) submits both. The sweep folder must be on a file system every node sees."
    )

    @Argument(help: "Sweep file (YAML).")
    var sweep: String

    @OptionGroup var planOptions: SweepPlanOptions

    @Option(name: .long, help: "Array tasks (shards); default: one per run, at most 100.")
    var arraySize: Int?

    @Option(name: .long, help: "CPUs (threads) per array task (default 1).")
    var cpusPerTask: Int = 1

    @Option(name: .long, help: "Slurm partition.")
    var partition: String?

    @Option(name: .long, help: "Time limit per array task (Slurm's format, e.g. 2:00:00).")
    var time: String?

    @Flag(name: .long, help: "Submit with sbatch right away and print the job ids.")
    var submit = false

    func validate() throws {
        if let n = arraySize, n < 1 || n > 100_000 { throw ValidationError("--array-size \(n): give 1 to 100000 tasks") }
        if cpusPerTask < 1 || cpusPerTask > 1024 { throw ValidationError("--cpus-per-task \(cpusPerTask): give at least 1") }
        if let p = partition, p.isEmpty || !p.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.,".contains($0)) }) {
            throw ValidationError("--partition \(p): give a partition name (letters, digits, - _ . ,)")
        }
        if let t = time, t.isEmpty || !t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ":" || $0 == "-") }) {
            throw ValidationError("--time \(t): give a Slurm time such as 2:00:00 or 1-12:00:00")
        }
    }

    func run() throws {
        let (plan, folder) = try planOptions.prepare(sweep)
        let size = min(arraySize ?? min(plan.uniqueRunIDs.count, 100), plan.uniqueRunIDs.count)
        let scripts = Slurm.scripts(plan: plan, folder: folder, options: .init(arraySize: size, cpusPerTask: cpusPerTask, partition: partition,
                                                                               timeLimit: time, executable: Executor.currentExecutable))
        do {
            for (name, text) in scripts {
                try folder.write("slurm/\(name)", Data(text.utf8))
                chmod(folder.url.appendingPathComponent("slurm/\(name)").path, 0o755)
            }
        } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        let submitPath = folder.url.appendingPathComponent("slurm/submit.sh").path
        guard submit else {
            print("wrote \(folder.url.appendingPathComponent("slurm").path)/{array.sbatch,merge.sbatch,submit.sh}: \(size) array tasks for \(plan.uniqueRunIDs.count) runs")
            print("submit with: sh \(Slurm.quote(submitPath))")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [submitPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { fail("woundsim: could not run \(submitPath): \(error)"); throw ExitCode(1) }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { fail("woundsim: sbatch failed (exit \(process.terminationStatus))"); throw ExitCode(1) }
        print("submitted: array job and merge job \(output)")
    }
}

/// `woundsim report`: (re)builds the report of a run folder or a sweep folder.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Build DIR/report.html for a run folder or a sweep folder (one self-contained page).",
        discussion: "Runs and sweeps write their report themselves; this rebuilds it, e.g. after a sweep's shards were merged by hand."
    )

    @Argument(help: "A run folder or a sweep folder.")
    var dir: String

    func run() throws {
        let url = URL(fileURLWithPath: dir).standardizedFileURL
        let fm = FileManager.default
        if fm.fileExists(atPath: url.appendingPathComponent("plan.json").path) {
            let folder = SweepFolder(path: dir)
            let plan: SweepPlan
            do { plan = try folder.loadPlan() } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
            do { try SweepReport.write(plan, folder: folder, statuses: statuses(plan, folder)) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        } else if fm.fileExists(atPath: url.appendingPathComponent("summary.json").path) {
            do { try Report.writeRun(url) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        } else {
            fail("woundsim: \(url.path) is neither a run folder (summary.json) nor a sweep folder (plan.json)")
            throw ExitCode(2)
        }
        print("report: \(url.appendingPathComponent("report.html").path)")
    }
}
