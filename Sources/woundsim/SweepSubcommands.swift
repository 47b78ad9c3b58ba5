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
        StopSignal.install()
        do {
            outcome = try Executor.run(ids, plan: plan, folder: folder,
                                       options: .init(jobs: jobs, threads: threads, executable: Executor.currentExecutable, retryFailed: retryFailed, verbose: !quiet,
                                                      woundsim: buildIdentity),
                                       message: { warn($0) })
        } catch {
            fail("woundsim: \(error)")
            throw ExitCode(1)
        }
        let busyCores = outcome.wallSeconds > 0 ? outcome.childCPUSeconds / outcome.wallSeconds : 0
        let overhead = outcome.runWallSeconds > 0 ? (outcome.wallSeconds * Double(min(jobs, max(1, outcome.ran))) - outcome.runWallSeconds) / outcome.runWallSeconds : 0
        warn("woundsim: ran \(outcome.ran) (\(outcome.failed) failed), skipped \(outcome.skipped) finished\(outcome.busy > 0 ? ", \(outcome.busy) being run elsewhere" : "") in \(String(format: "%.1f", outcome.wallSeconds)) s with \(jobs) jobs x \(threads) threads; \(String(format: "%.2f", busyCores)) cores busy on average; overhead \(String(format: "%.1f", 100 * overhead)) % over the runs' own time")
        if StopSignal.received != 0 {
            fail("woundsim: sweep stopped by \(StopSignal.name(StopSignal.received)); \(outcome.interrupted) run\(outcome.interrupted == 1 ? " was" : "s were") stopped and stay pending. Rerun the same command to continue")
            throw ExitCode(StopSignal.exitCode(StopSignal.received))
        }
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

    @Option(name: .long, help: "The number of shards the sweep ran in (as the Slurm merge job passes): name the shards that left runs without a result or with a failure.")
    var shards: Int?

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
        if let shards {
            let incomplete = Slurm.incompleteShards(plan, count: shards, statuses: statuses(plan, folder))
            for (i, p, f) in incomplete {
                fail("woundsim: shard \(i)/\(shards): \(p.count) run\(p.count == 1 ? "" : "s") without a result, \(f.count) failed (its log: \(folder.url.appendingPathComponent("slurm/shard-\(i).log").path))")
            }
            if !incomplete.isEmpty {
                fail("woundsim: \(incomplete.count) of \(shards) shards did not complete; `woundsim sweep run --out \(folder.url.path)` runs what is missing (add --retry-failed for the failures), then merge again")
                throw ExitCode(1)
            }
        }
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
        abstract: "Print treated-against-control effects (effects.csv) and, for Morris or Sobol designs, sensitivity indices (sensitivity.csv).",
        discussion: "Effects: for each treated point and metric, the paired differences treated minus control over the shared seeds (mean, 95 % CI, % of control), and for closure time the Kaplan-Meier medians with the unclosed runs censored."
    )

    @Argument(help: "The sweep folder.")
    var dir: String

    func run() throws {
        let folder = SweepFolder(path: dir)
        let plan: SweepPlan
        do { plan = try folder.loadPlan() } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
        let s = statuses(plan, folder)
        let sensitivity = plan.design == .morris || plan.design == .sobol
        let hasControl = plan.points.contains { $0.control != nil }
        guard sensitivity || hasControl else {
            fail("woundsim: \(plan.name) is a \(plan.design.rawValue) design without a control arm: nothing to analyse beyond summary.csv (means and CIs per point). Add `control: { secretome.profile: control }` to the sweep file for treated-against-control effects, or use a morris or sobol design for sensitivity")
            throw ExitCode(2)
        }
        let missing = plan.uniqueRunIDs.count - s.values.filter { $0.status == .ok }.count
        if missing > 0 { warn("warning: \(missing) of \(plan.uniqueRunIDs.count) runs have no result (pending or failed); the estimates leave out the points they touch") }
        if hasControl {
            let rows = Effects.rows(plan, statuses: s)
            print("Treated against control (paired over the shared seeds):")
            print(Effects.table(rows, plan: plan))
            do { try folder.write("effects.csv", Data(Effects.csv(rows, plan: plan).utf8)) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        }
        if sensitivity {
            let rows: [Analysis.Row]
            do { rows = try Analysis.analyze(plan, statuses: s) } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
            print(Analysis.table(rows, plan: plan), terminator: "")
            do { try folder.write("sensitivity.csv", Data(Analysis.csv(rows, plan: plan).utf8)) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        }
    }
}
