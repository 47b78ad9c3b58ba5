import ArgumentParser
import Artifacts
import BuildInfo
import Foundation
import Run
import Scenario
import SimCore
import StrictYAML
import Sweep

/// `woundsim sweep`: parameter sweeps (DESIGN.md "Sweeps").
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a parameter sweep locally or on a Slurm cluster, merge shards, analyse sensitivity.",
        discussion: "`woundsim sweep SWEEP.yaml --out DIR` is `woundsim sweep run`. Rerunning the same command skips finished runs.",
        subcommands: [SweepRun.self, SweepMerge.self, SweepAnalyze.self, SweepSlurm.self, SweepCheck.self],
        defaultSubcommand: SweepRun.self
    )
}

/// Options shared by the commands that plan a sweep from its file.
struct SweepPlanOptions: ParsableArguments {
    @Option(name: .long, help: "Sweep folder (default: sweeps/NAME).")
    var out: String?

    @Flag(name: .long, help: "Empty an existing sweep folder that holds another plan and start over (without it, a changed plan of the same sweep extends the folder, reusing its finished runs).")
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
        var notes: [String] = []
        defer { for n in notes { warn(n.hasPrefix("warning: ") ? n : "woundsim: \(n)") } }
        do { (plan, scenarios) = try Planner.plan(spec, notes: &notes) } catch {
            fail("woundsim: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(file):\n\(error.description)")
            throw ExitCode(2)
        }
        let folder = SweepFolder(path: out ?? "sweeps/\(spec.name)")
        let fm = FileManager.default
        var extending = false
        do { try checkOutputFolder(folder.url, createParents: out == nil) } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
        // One process at a time looks at the folder and saves its plan (SweepFolder.lockPlanning).
        let planLock: Int32
        do { planLock = try folder.lockPlanning() } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        defer { close(planLock) }
        let items = ((try? fm.contentsOfDirectory(atPath: folder.url.path)) ?? []).filter { $0 != SweepFolder.planLockName }
        if !items.isEmpty {
            guard fm.fileExists(atPath: folder.planURL.path) else {
                fail("woundsim: \(folder.url.path) exists and is not a sweep folder; give another --out")
                throw ExitCode(2)
            }
            if let existing = try? folder.loadPlanIfPresent(), existing.hash != plan.hash {
                if force {
                    for item in items { try? fm.removeItem(at: folder.url.appendingPathComponent(item)) }
                } else if existing.name == plan.name {
                    // The same sweep with more seeds, points or parameters: runs are named by the
                    // hash of their resolved scenario, so every finished run the new plan still
                    // holds is kept (when this build ran it) and only the new ones run.
                    let old = Set(existing.uniqueRunIDs)
                    let kept = plan.uniqueRunIDs.filter { old.contains($0) && folder.status($0)?.woundsim == buildIdentity }.count
                    warn("woundsim: extending sweep \(plan.name) in \(folder.url.path): \(kept) of its \(plan.uniqueRunIDs.count) runs are done already (plan \(existing.hash) -> \(plan.hash))")
                    extending = true
                }
            }
        }
        do {
            try folder.save(plan, scenarios: scenarios, extending: extending)
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
        warn("woundsim: sweep \(plan.name): \(plan.points.count) design points (\(plan.design.rawValue)) x \(plan.seeds.count) seeds = \(plan.runs.count) runs (\(distinct) distinct), planned in \(String(format: "%.2f", Date().timeIntervalSince(started))) s; folder \(folder.url.path)")
        return (plan, folder)
    }
}

/// The build that runs a sweep's runs, recorded in each run's status: a finished run is reused
/// only by the same build. What a finished run's reuse asks of the build that ran it: the version, the revision and, for
/// a build with uncommitted changes, a hash of them (two such builds of one revision may compute
/// differently).
let buildIdentity = "\(BuildInfo.version) \(BuildInfo.gitRevision)\(BuildInfo.dirty ? "+dirty.\(BuildInfo.changes)" : "")"

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
        if pending == 0, plan.design == .morris || plan.design == .sobol {
            try folder.write("sensitivity.csv", Data(Analysis.csv(try Analysis.analyze(plan, statuses: s), plan: plan).utf8))
        }
        if plan.points.contains(where: { $0.control != nil }) {
            try folder.write("effects.csv", Data(Effects.csv(Effects.rows(plan, statuses: s), plan: plan).utf8))
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
    var doneAt = [Int](repeating: 0, count: plan.points.count)
    for run in plan.runs where statuses[run.id]?.status == .ok { doneAt[run.point] += 1 }
    func survival(_ point: Int) -> Survival.Estimate { Effects.closureSurvival(plan, statuses: statuses, point: point) }
    var header = ["point"] + plan.parameters.map(\.title) + plan.metrics.map { "\($0) mean [95% CI] (n)" }
    var rows: [[String]] = []
    for p in plan.points {
        var row = [p.role == .control ? "\(p.index) control" : String(p.index)] + p.values
        for m in plan.metrics {
            let done = doneAt[p.index]
            if m == "closure_time_h", done > 0, (stats[p.index][m]?.n ?? 0) < done {
                // Some wounds did not close: a mean of the others would flatter the point.
                row.append("KM " + Effects.median(survival(p.index)))
            } else if let s = stats[p.index][m] {
                let ci = s.ci95.map { String(format: " [%.4g, %.4g]", $0.low, $0.high) } ?? ""
                row.append(String(format: "%.4g", s.mean) + ci + " (\(s.n))")
            } else {
                row.append(done == 0 ? "no run done" : "not reached (0 of \(done))")
            }
        }
        rows.append(row)
    }
    if rows.count > 60 { rows = Array(rows.prefix(60)); header[0] += " (first 60)" }
    let widths = header.indices.map { i in max(header[i].count, rows.map { $0[i].count }.max() ?? 0) }
    func line(_ r: [String]) -> String { zip(r, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n" }
    return line(header) + rows.map(line).joined()
}
