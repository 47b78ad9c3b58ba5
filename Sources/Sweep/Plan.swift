import Artifacts
import Foundation
import Scenario
import SimCore
import Simulation
import StrictYAML

/// A sweep laid out: design points (unit-cube coordinates and the values they become), the runs
/// (one per point and seed, each with a stable id: the hash of its resolved scenario) and the
/// resolved scenario of every run. Written to the sweep folder as `plan.json` and
/// `scenarios/ID.yaml`; shards, resumes and merges read it back from there.
public struct SweepPlan: Sendable, Equatable {
    public static let format = "woundsim-sweep-plan/1"

    public struct Parameter: Sendable, Equatable {
        /// Dotted scenario key.
        public var key: String
        /// Unit of the values ("" for plain numbers and lists).
        public var unit: String
        /// "list", "range" or "normal".
        public var domain: String
        /// "linear" or "log" (ranges).
        public var scale: String
        /// The values of a list parameter.
        public var categories: [String]
        public init(key: String, unit: String, domain: String, scale: String, categories: [String]) {
            self.key = key; self.unit = unit; self.domain = domain; self.scale = scale; self.categories = categories
        }
        /// Column title with the unit, e.g. `factors.EGF.decay [/h]`.
        public var title: String { unit.isEmpty ? key : "\(key) [\(unit)]" }
    }

    public struct Point: Sendable, Equatable {
        public var index: Int
        /// Sobol: base sample j; Morris: trajectory; otherwise the point itself.
        public var group: Int
        /// What the point is for in its design (written to plan.json as its text).
        public var role: PointRole
        /// Morris: the parameter changed from the previous point of the trajectory.
        public var changed: Int?
        /// Coordinates in the unit cube, one per parameter.
        public var u: [Double]
        /// The values set in the scenario, as written.
        public var values: [String]
        /// The control point this point is compared with (grid designs: the control matched to
        /// this point's other settings; other designs: the one control arm); nil without control.
        public var control: Int? = nil

        public init(index: Int, group: Int, role: PointRole, changed: Int?, u: [Double], values: [String], control: Int? = nil) {
            self.index = index; self.group = group; self.role = role; self.changed = changed; self.u = u; self.values = values; self.control = control
        }
    }

    public struct Run: Sendable, Equatable {
        public var id: String
        public var point: Int
        public var seed: UInt64
        public init(id: String, point: Int, seed: UInt64) { self.id = id; self.point = point; self.seed = seed }
    }

    public var name: String
    public var description: String
    public var design: SweepSpec.Design
    public var samples: Int
    public var levels: Int
    public var designSeed: UInt64
    public var seeds: [UInt64]
    public var metrics: [String]
    public var parameters: [Parameter]
    public var points: [Point]
    public var runs: [Run]
    /// Scenario duration [h] (metrics at later days are refused).
    public var durationHours: Double

    public init(name: String, description: String, design: SweepSpec.Design, samples: Int, levels: Int, designSeed: UInt64, seeds: [UInt64],
                metrics: [String], parameters: [Parameter], points: [Point], runs: [Run], durationHours: Double) {
        self.name = name; self.description = description; self.design = design; self.samples = samples; self.levels = levels
        self.designSeed = designSeed; self.seeds = seeds; self.metrics = metrics; self.parameters = parameters; self.points = points
        self.runs = runs; self.durationHours = durationHours
    }

    /// Identifies the sweep: the hash of its runs, metrics and parameters.
    public var hash: String {
        var text = "\(Self.format)\n\(name)\n\(design)\n\(metrics.joined(separator: ","))\n"
        text += parameters.map { "\($0.key) \($0.unit)" }.joined(separator: "\n") + "\n"
        for r in runs { text += "\(r.id) \(r.point) \(r.seed)\n" }
        return String(SHA256.hex(Data(text.utf8)).prefix(16))
    }

    /// Each distinct run once, in plan order (two design points may resolve to one scenario).
    public var uniqueRunIDs: [String] {
        var seen = Set<String>()
        return runs.compactMap { seen.insert($0.id).inserted ? $0.id : nil }
    }

    /// The distinct runs shard `index` (1...count) of `count` executes: every count-th, round robin.
    public func shard(_ index: Int, of count: Int) -> [String] {
        uniqueRunIDs.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }
}

/// Builds plans from sweep files.
public enum Planner {
    /// Lays out `spec`: the design's points, every point's scenario at every seed (decoded, so
    /// a bad value is reported at its line in the sweep file), and the runs' ids.
    /// - Returns: the plan and the resolved scenario text of every distinct run id.
    /// - Throws: `InputErrors` (bad input: exit 2).
    public static func plan(_ spec: SweepSpec) throws(InputErrors) -> (plan: SweepPlan, scenarios: [String: String]) {
        var notes: [String] = []
        return try plan(spec, notes: &notes)
    }

    /// The same, with `notes`: which file each `base:`/`extends:` name used, and the warnings
    /// (retracted sources, implausible values) of the runs' scenarios, each once.
    public static func plan(_ spec: SweepSpec, notes: inout [String]) throws(InputErrors) -> (plan: SweepPlan, scenarios: [String: String]) {
        let base = try ScenarioLoader.baseTree(spec.base, at: spec.baseLocation, notes: &notes)
        var warned = Set<String>()
        func note(_ scenario: Scenario) {
            for w in scenario.warnings where warned.insert(w.description).inserted && !w.message.contains("retracted") { notes.append("warning: \(w)") }
        }
        let coordinates: [(u: [Double], group: Int, role: PointRole, changed: Int?)]
        do { coordinates = try Designs.points(spec) } catch {
            throw InputErrors(issues: [InputIssue(location: SourceLocation(file: spec.file, line: 0, column: 0), key: "design", message: "\(error)")])
        }
        var points: [SweepPlan.Point] = []
        var runs: [SweepPlan.Run] = []
        var scenarios: [String: String] = [:]
        var issues: [InputIssue] = []
        var duration = 0.0
        var factorNames = Set<String>()
        // Resolved scenarios depend on the values, not on the point: resolve each combination once.
        var cache: [[String]: [UInt64: String]] = [:]
        for (index, c) in coordinates.enumerated() {
            let values = zip(spec.parameters, c.u).map { Designs.value($0.0, u: $0.1, grid: spec.design == .grid) }
            points.append(SweepPlan.Point(index: index, group: c.group, role: c.role, changed: c.changed, u: c.u, values: values))
            if let known = cache[values] {
                for seed in spec.seeds { runs.append(SweepPlan.Run(id: known[seed]!, point: index, seed: seed)) }
                continue
            }
            var ids: [UInt64: String] = [:]
            for seed in spec.seeds {
                var nodes = spec.sets
                for (p, v) in zip(spec.parameters, values) { nodes.append((p.key, YNode(.scalar(v, quoted: false), p.location))) }
                nodes.append(("seed", YNode(.scalar(String(seed), quoted: false), spec.baseLocation)))
                do throws(InputErrors) {
                    let (scenario, tree) = try ScenarioLoader.decode(base, setting: nodes)
                    note(scenario)
                    if let problem = modelProblem(scenario, tree: tree, buildWorld: index == 0 && seed == spec.seeds[0]) {
                        var issue = problem
                        issue.message += " (at point \(index): " + zip(spec.parameters, values).map { "\($0.0.key) = \($0.1)" }.joined(separator: ", ") + ")"
                        throw InputErrors(issues: [issue])
                    }
                    let yaml = ScenarioWriter.yaml(scenario)
                    let id = String(SHA256.hex(Data(yaml.utf8)).prefix(16))
                    scenarios[id] = yaml
                    ids[seed] = id
                    runs.append(SweepPlan.Run(id: id, point: index, seed: seed))
                    duration = scenario.model.duration / 60
                    factorNames = Set(scenario.model.factors.map(\.name))
                } catch {
                    for issue in error.issues where !issues.contains(issue) { issues.append(issue) }
                }
            }
            if !issues.isEmpty { break }
            cache[values] = ids
        }
        if issues.isEmpty, !spec.control.isEmpty {
            // The control arm, after the design's points (so trajectories stay whole). A grid
            // gets one control per setting of the parameters the control does not fix, so each
            // treated point is compared with the control that shares its other settings
            // (`dose: 10` against the untreated arm at `dose: 10` when the control fixes only the
            // profile); other designs get one control arm at the base values.
            let fixed = spec.parameters.map { p in spec.control.first { $0.key == p.key }.flatMap { c -> String? in
                if case let .scalar(v, _) = c.node.value { return v } else { return nil } } }
            var controlOf: [[String]: Int] = [:]
            let controlIsSwept = spec.control.allSatisfy { c in spec.parameters.contains { $0.key == c.key } }
            let design = points
            for point in design {
                let values = spec.parameters.indices.map { i in fixed[i] ?? (spec.design == .grid ? point.values[i] : "") }
                // A grid point that already has the control's settings (every key the control
                // sets is a swept parameter, at the control's value) is a control itself: no
                // effect against itself.
                if spec.design == .grid && controlIsSwept && values == point.values { continue }
                if let c = controlOf[values] { points[point.index].control = c; continue }
                let index = points.count
                controlOf[values] = index
                points[point.index].control = index
                points.append(SweepPlan.Point(index: index, group: -1, role: .control, changed: nil, u: [Double](repeating: 0, count: spec.parameters.count), values: values))
                var nodes = spec.sets
                if spec.design == .grid {
                    for (i, p) in spec.parameters.enumerated() where fixed[i] == nil { nodes.append((p.key, YNode(.scalar(values[i], quoted: false), p.location))) }
                }
                nodes += spec.control
                for seed in spec.seeds {
                    let seeded = nodes + [("seed", YNode(.scalar(String(seed), quoted: false), spec.baseLocation))]
                    do {
                        let (scenario, _) = try ScenarioLoader.decode(base, setting: seeded)
                        let yaml = ScenarioWriter.yaml(scenario)
                        let id = String(SHA256.hex(Data(yaml.utf8)).prefix(16))
                        scenarios[id] = yaml
                        runs.append(SweepPlan.Run(id: id, point: index, seed: seed))
                    } catch {
                        for issue in error.issues where !issues.contains(issue) { issues.append(issue) }
                    }
                }
                if !issues.isEmpty { break }
            }
        }
        if issues.isEmpty {
            for m in spec.metrics {
                // A factor column must name one of the scenario's factors (a typo would read as missing everywhere).
                if let (c, _) = SweepMetrics.series(of: m), let factor = SweepMetrics.factor(ofColumn: c), !factorNames.contains(factor) {
                    issues.append(InputIssue(location: SourceLocation(file: spec.file, line: 0, column: 0), key: "metrics",
                                             message: "\(m) reads a factor the scenario does not have", hint: "its factors are \(factorNames.sorted().joined(separator: ", "))"))
                }
                if let h = SweepMetrics.readingHours(m), h > duration + 1e-9 {
                    issues.append(InputIssue(location: SourceLocation(file: spec.file, line: 0, column: 0), key: "metrics",
                                                message: "\(m) is after the scenario's end (\(SweepFile.format(duration, "h")))", hint: "choose a day within the run, or lengthen time.duration in `set:`"))
                }
            }
        }
        if !issues.isEmpty { throw InputErrors(issues: issues) }
        let parameters = spec.parameters.map { p -> SweepPlan.Parameter in
            switch p.domain {
            case let .list(values): return .init(key: p.key, unit: "", domain: "list", scale: "linear", categories: values)
            case let .range(_, _, unit, scale, _): return .init(key: p.key, unit: unit, domain: "range", scale: scale.rawValue, categories: [])
            case let .normal(_, _, unit): return .init(key: p.key, unit: unit, domain: "normal", scale: "linear", categories: [])
            }
        }
        let plan = SweepPlan(name: spec.name, description: spec.description, design: spec.design, samples: spec.samples,
                             levels: spec.levels, designSeed: spec.designSeed, seeds: spec.seeds, metrics: spec.metrics,
                             parameters: parameters, points: points, runs: runs, durationHours: duration)
        return (plan, scenarios)
    }
}

extension Planner {
    /// A model-level problem a run would stop at, found while planning: every point's cell
    /// parameters are checked against its dt (hop and division probabilities per step);
    /// the first point's world is built in full (lattice, wound, regions). Problems only a full
    /// build of a later point would show are recorded as that run's failure.
    static func modelProblem(_ scenario: Scenario, tree: YNode, buildWorld: Bool) -> InputIssue? {
        let model = scenario.model.conditioned()  // the values the run simulates (a swept multiplier may break them)
        for setup in model.cells {
            do { try setup.parameters.validate(dt: model.dt, factorCount: model.factors.count) } catch {
                return ScenarioLoader.issue(for: error, in: tree)
            }
        }
        if buildWorld {
            do { _ = try World(model) } catch { return ScenarioLoader.issue(for: error, in: tree) }
        }
        return nil
    }
}
