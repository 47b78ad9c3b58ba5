import ArgumentParser
import Artifacts
import Foundation
import Run
import Scenario
import SimCore
import StrictYAML
import Sweep

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
        let missing = plan.uniqueRunIDs.count - s.values.filter { $0.status == .ok }.count
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
