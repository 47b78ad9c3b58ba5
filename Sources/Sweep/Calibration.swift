import Artifacts
import Foundation
import Scenario
import SimCore
import StrictYAML

/// Fits a calibration file's parameters to its observations (DESIGN.md "Calibration").
///
/// Residual i is `(model_i - observed_i) / sigma_i`, the model value being the mean over the
/// replicate seeds (the same seeds for every evaluation: common random numbers) of the run's
/// timeseries column at the observation's time; for a ratio of two arms, the mean over the seeds
/// of each seed's ratio. GSL's `gsl_multifit_nlinear` (trust region with
/// Levenberg-Marquardt steps) minimises the sum of squares over bounded coordinates: each
/// parameter's value, or its logarithm on a log scale, is mapped from the whole real line by
/// `w = lo + (hi - lo) (1 + sin z) / 2`. The Jacobian is the tool's own: central differences with
/// a step of `step` (a few percent) of each range, all parameters' perturbed points run as one
/// batch (forward differences of a few percent were biased on the lumpy surface of a small
/// lattice: 6 % low in the recovery check). Every evaluation is a set of runs of the sweep executor in `DIR/evaluations` (a sweep
/// folder), named by the hash of their resolved scenario, so a rerun of the same calibration
/// reuses every finished run and a stopped one continues where it was.
///
/// Uncertainty: the covariance of the coordinates is (J^T J)^-1 at the optimum, each residual's
/// sigma^2 increased by the variance of the model's seed mean there, scaled by max(1, chi^2 /
/// dof) (the model's own noise and any misfit widen it); 95 % intervals are
/// w +- t(0.975, dof) SE on the fitted scale, mapped back (so a log-scale interval is asymmetric).
public final class Calibrator {
    public let spec: CalibrationSpec
    public let folder: SweepFolder
    public let options: Executor.Options
    let base: YNode
    let message: (String) -> Void
    /// Every point evaluated so far, in order, with its runs by arm and seed.
    public private(set) var evaluated: [(values: [Double], runs: [String: [String]])] = []
    var plan: SweepPlan
    var scenarios: [String: String] = [:]
    /// Observed values used as data (replaced by synthetic data sets in recovery checks).
    public var observed: [Double]

    public init(_ spec: CalibrationSpec, folder: URL, options: Executor.Options, notes: inout [String], message: @escaping (String) -> Void) throws(InputErrors) {
        self.spec = spec
        self.folder = SweepFolder(path: folder.appendingPathComponent("evaluations").path)
        self.options = options
        self.message = message
        base = try ScenarioLoader.baseTree(spec.base, at: spec.baseLocation, notes: &notes)
        observed = spec.observations.map(\.mean)
        var metrics: [String] = []
        for o in spec.observations where !metrics.contains(o.reading) { metrics.append(o.reading) }
        plan = SweepPlan(name: spec.name, description: "model evaluations of calibration \(spec.name)", design: .grid, samples: 0, levels: 0,
                         designSeed: 0, seeds: spec.seeds, metrics: metrics,
                         parameters: spec.parameters.map { .init(key: $0.key, unit: $0.unit, domain: "range", scale: $0.scale.rawValue, categories: []) },
                         points: [], runs: [], durationHours: 0)
        // The first point is checked at once, so a bad key or value is an input error (exit 2).
        let start = spec.parameters.map { $0.start ?? $0.value(($0.lower + $0.upper) / 2) }
        try scenariosOf(start)
        // Each end of each range is tried too, the others at the start: a fit may step anywhere
        // in the ranges, and a value the scenario refuses there (a hop probability above 1 per
        // step, say) cannot be run. A warning, not an error: a wide range is a fair prior and a
        // fit may never go near its end, and the fit takes a refused trial step as a rejected one
        // (it used to stop the fit: a neutrophil fit's trial step to 160 um/h stopped it after 47
        // minutes).
        for (i, p) in spec.parameters.enumerated() {
            for end in [p.min, p.max] {
                var v = start
                v[i] = end
                do { try scenariosOf(v) } catch {
                    notes.append("warning: parameters.\(p.key).range reaches \(p.text(end)), where the scenario is refused (the other parameters at their start): \(error.issues.map(\.message).joined(separator: "; ")); a trial step there is taken as a rejected step and a Jacobian probe there is one-sided, so a range the scenario accepts throughout fits more surely")
                }
            }
        }
    }

    /// The resolved scenario of one arm and seed at parameter values `v` [their units], and its run id.
    public func resolved(_ v: [Double], arm: (name: String, sets: [(key: String, node: YNode)]), seed: UInt64) throws(InputErrors) -> (id: String, yaml: String) {
        let yaml = ScenarioWriter.yaml(try decoded(v, arm: arm, seed: seed))
        return (String(SHA256.hex(Data(yaml.utf8)).prefix(16)), yaml)
    }

    /// The scenario of one arm and seed at parameter values `v` [their units].
    func decoded(_ v: [Double], arm: (name: String, sets: [(key: String, node: YNode)]), seed: UInt64) throws(InputErrors) -> Scenario {
        try decodedTree(v, arm: arm, seed: seed).scenario
    }

    /// The scenario and its tree (for locating a problem) of one arm and seed at parameter values
    /// `v` [their units].
    func decodedTree(_ v: [Double], arm: (name: String, sets: [(key: String, node: YNode)]), seed: UInt64) throws(InputErrors) -> (scenario: Scenario, tree: YNode) {
        var nodes = spec.sets + arm.sets
        for (p, value) in zip(spec.parameters, v) where p.applies(to: arm.name) {
            nodes.append((p.key, YNode(.scalar(p.text(value), quoted: false), p.location)))
        }
        nodes.append(("seed", YNode(.scalar(String(seed), quoted: false), spec.baseLocation)))
        let decoded = try ScenarioLoader.decode(base, setting: nodes)
        plan.durationHours = max(plan.durationHours, decoded.scenario.model.duration / 60)
        return decoded
    }

    /// Checks that every arm and seed decodes at `v` and passes the checks a run makes of its
    /// cells before it starts, and that every factor column the
    /// observations read names one of its factors (a typo would read as missing): input errors.
    func scenariosOf(_ v: [Double]) throws(InputErrors) {
        for arm in spec.arms { for seed in spec.seeds {
            let (scenario, tree) = try decodedTree(v, arm: arm, seed: seed)
            // What a run would stop at: its cells' hop and division probabilities per step.
            if let issue = Planner.modelProblem(scenario, tree: tree, buildWorld: false) { throw InputErrors(issues: [issue]) }
            let factors = scenario.model.factors.map(\.name)
            for o in spec.observations {
                if let factor = SweepMetrics.factor(ofColumn: o.metric), !factors.contains(factor) {
                    throw InputErrors(issues: [InputIssue(location: SourceLocation(file: spec.file, line: 0, column: 0), key: "observations",
                                                          message: "\(o.metric) reads a factor the scenario does not have", hint: "its factors are \(factors.joined(separator: ", "))")])
                }
            }
        } }
    }

    /// Why a run would refuse `w` (bounded coordinates) in some arm or seed: the checks a run
    /// makes of its cells before it starts (a hop or division probability above 1 per step).
    /// nil when every run would start, or when the point does not decode (that error stops the
    /// fit where its runs are made, as before).
    func refusal(atW w: [Double]) -> String? {
        let v = values(fromW: w)
        for arm in spec.arms { for seed in spec.seeds {
            guard let (scenario, tree) = try? decodedTree(v, arm: arm, seed: seed) else { return nil }
            if let issue = Planner.modelProblem(scenario, tree: tree, buildWorld: false) { return issue.message }
        } }
        return nil
    }

    /// Runs the points not yet run (one batch through the executor) and returns the model value
    /// of every observation at each point.
    public func evaluate(_ points: [[Double]]) throws -> [[Double]] {
        var batch: [String] = []
        var runsOf: [[String: [String]]] = []
        for v in points {
            var runs: [String: [String]] = [:]
            let index = plan.points.count
            plan.points.append(SweepPlan.Point(index: index, group: index, role: .plain, changed: nil, u: v,
                                               values: zip(spec.parameters, v).map { $0.0.text($0.1) }))
            for arm in spec.arms {
                // Seeds in order: the ids were made seed by seed.
                var ids: [String] = []
                for seed in spec.seeds {
                    let (id, yaml): (String, String)
                    do { (id, yaml) = try resolved(v, arm: arm, seed: seed) } catch { throw LeastSquares.Stop("\(error)") }
                    scenarios[id] = yaml
                    ids.append(id)
                    plan.runs.append(SweepPlan.Run(id: id, point: index, seed: seed))
                    if !batch.contains(id) { batch.append(id) }
                }
                runs[arm.name] = ids
            }
            runsOf.append(runs)
            evaluated.append((v, runs))
        }
        // Only this batch's scenarios are written (the folder keeps the earlier ones); the whole
        // plan is written by `savePlan` at the end, not re-encoded at every evaluation.
        var batchPlan = plan
        batchPlan.runs = plan.runs.filter { batch.contains($0.id) }
        try folder.save(batchPlan, scenarios: scenarios.filter { batch.contains($0.key) }, extending: true)
        scenarios = [:]
        let outcome = try Executor.run(batch, plan: plan, folder: folder, options: options, message: message)
        if outcome.interrupted > 0 { throw LeastSquares.Stop("stopped: \(outcome.interrupted) runs were interrupted; rerun the same command to continue") }
        return try runsOf.map { try values(runs: $0) }
    }

    /// Writes the plan of every evaluation so far into the evaluations folder (`woundsim sweep`
    /// tools read it).
    public func savePlan() throws {
        try folder.save(plan, scenarios: [:], extending: true)
    }

    /// The observations' model values (seed means) from finished runs.
    func values(runs: [String: [String]]) throws -> [Double] { try seedValues(runs: runs).map { $0.reduce(0, +) / Double($0.count) } }

    /// Each observation's value in each seed's run.
    func seedValues(runs: [String: [String]]) throws -> [[Double]] {
        try spec.observations.map { o in
            let numerator = try readings(o, ids: runs[o.arm]!)
            guard let d = o.denominator else { return numerator }
            // Seeds pair up: both arms' ids were made seed by seed.
            return try zip(numerator, readings(o, ids: runs[d]!)).map { n, d in
                guard d != 0 else { throw LeastSquares.Stop("observation \(o.armLabel) at \(o.hours) h divides by a run whose \(o.reading) is 0") }
                return n / d
            }
        }
    }

    /// One observation's metric in each of the runs `ids`.
    func readings(_ o: CalibrationSpec.Observation, ids: [String]) throws -> [Double] {
        try ids.map { id in
            guard let s = folder.status(id) else { throw LeastSquares.Stop("run \(id) has no result") }
            guard s.status == .ok else { throw LeastSquares.Stop("run \(id) failed: \(s.error) (log: \(folder.logURL(id).path))") }
            guard let value = s.metrics[o.reading] ?? nil else {
                throw LeastSquares.Stop("run \(id) has no \(o.reading) (the run is shorter than \(o.hours) h, or the metric does not exist for its wound)")
            }
            return value
        }
    }

    // The bounded coordinates.
    func w(fromZ z: [Double]) -> [Double] {
        zip(spec.parameters, z).map { p, z in p.lower + (p.upper - p.lower) * (1 + sin(z)) / 2 }
    }
    func z(fromW w: [Double]) -> [Double] {
        zip(spec.parameters, w).map { p, w in asin(Swift.max(-1, Swift.min(1, 2 * (w - p.lower) / (p.upper - p.lower) - 1))) }
    }
    func values(fromW w: [Double]) -> [Double] { zip(spec.parameters, w).map { $0.value($1) } }

    func residuals(_ model: [Double]) -> [Double] {
        zip(zip(model, observed), spec.observations).map { ($0.0 - $0.1) / $1.sigma }
    }

    /// The inverse of a small symmetric positive matrix (Gauss-Jordan with partial pivoting); nil
    /// when it is singular.
    static func inverse(_ a: [[Double]]) -> [[Double]]? {
        let n = a.count
        var m = a.enumerated().map { i, row in row + (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        let largest = a.flatMap { $0 }.map(abs).max() ?? 0
        for c in 0..<n {
            let pivot = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
            guard abs(m[pivot][c]) > 1e-12 * largest else { return nil }
            m.swapAt(c, pivot)
            let d = m[c][c]
            for k in 0..<(2 * n) { m[c][k] /= d }
            for r in 0..<n where r != c {
                let f = m[r][c]
                if f != 0 { for k in 0..<(2 * n) { m[r][k] -= f * m[c][k] } }
            }
        }
        return m.map { Array($0[n...]) }
    }

    /// The result of a fit.
    public struct Result: Sendable {
        public var estimates: [Double]
        /// Standard errors on the fitted scale (of the logarithm on a log scale).
        public var coordinateSE: [Double]
        /// Standard errors of the values (delta method).
        public var standardErrors: [Double]
        public var intervals: [(Double, Double)]
        public var correlation: [[Double]]
        public var chiSquared: Double
        public var degreesOfFreedom: Int
        public var model: [Double]
        public var residuals: [Double]
        public var iterations: Int
        public var convergence: Int
        public var evaluations: Int
        /// The runs of the best point, by arm.
        public var runs: [String: [String]]
        /// Each refused trial step and Jacobian probe, once, in the order met, with why ("trial
        /// step to ...: ..." is taken as a rejected step; "Jacobian probe at ...: ..." makes that
        /// difference one-sided).
        public var refusals: [String] = []
        /// Parameters whose estimate sits next to values the scenario refuses, with why.
        public var atRefusedEdge: [String] = []
    }

    /// Fits from `start` (values in their units; default: each parameter's `start` or the middle
    /// of its range on its scale).
    public func fit(start: [Double]? = nil) throws -> Result {
        let p = spec.parameters
        let v0 = start ?? p.map { $0.start ?? $0.value(($0.lower + $0.upper) / 2) }
        let z0 = z(fromW: zip(p, v0).map { $0.coordinate($1) })
        var evaluations = 0
        var cache: [[Double]: [Double]] = [:]
        func model(atW w: [Double]) throws -> [Double] {
            if let m = cache[w] { return m }
            let m = try evaluate([values(fromW: w)])[0]
            evaluations += 1
            cache[w] = m
            return m
        }
        // GSL's trust region stops when no step lowers the cost (on a stochastic model's lumpy
        // surface that can be early): start it again from where it stopped, with a fresh
        // Jacobian and trust region, while that still lowers chi^2 by more than 0.5 % and 0.1.
        // An iteration that lowers chi^2 by less than 1 % or 0.1 ends a run: a change of 0.1 in
        // chi^2 moves the estimates by about a third of a standard error.
        // Refused trial steps and Jacobian probes, in the order met, each once (a restart
        // recomputes the Jacobian at the same point and meets the same refused probe again).
        var refusals: [String] = []
        func refused(_ entry: String) { if !refusals.contains(entry) { refusals.append(entry) } }
        // The parameters whose Jacobian probe was refused at the last point a Jacobian was made.
        var oneSided: (w: [Double], parameters: [Int]) = ([], [])
        var fit = try run(from: z0)
        var restarts = 0
        while restarts < 4 {
            let again = try run(from: fit.x)
            restarts += 1
            let better = fit.chiSquared - again.chiSquared > Swift.max(0.005 * fit.chiSquared, 0.1)
            if again.chiSquared <= fit.chiSquared { let iterations = fit.iterations + again.iterations; fit = again; fit.iterations = iterations }
            if !better { break }
        }
        func run(from z0: [Double]) throws -> LeastSquares.Fit {
          try LeastSquares.fit(
            start: z0, residualCount: spec.observations.count, maxIterations: spec.maxIterations, ftol: 0.01, chiTolerance: 0.1,
            residuals: { z in
                let w = self.w(fromZ: z)
                // A trial step to values the scenario refuses (a hop probability above 1 per step):
                // no run; the trust region takes it as a rejected step and tries a shorter one.
                if cache[w] == nil, let why = self.refusal(atW: w) {
                    let at = zip(p, self.values(fromW: w)).map { "\($0.0.key) = \($0.0.text($0.1))" }.joined(separator: ", ")
                    self.message("  a trial step to \(at) is refused (\(why)): taken as a rejected step")
                    refused("trial step to \(at): \(why)")
                    throw LeastSquares.Refused("\(at): \(why)")
                }
                return self.residuals(try model(atW: w))
            },
            jacobian: { z, r in
                let w = self.w(fromZ: z)
                // Central differences with steps of `step` of each range (one-sided at a bound),
                // every perturbed point in one batch.
                var plus: [[Double]] = [], minus: [[Double]] = [], widths: [Double] = []
                oneSided = (w, [])
                for (j, q) in p.enumerated() {
                    let h = self.spec.step * (q.upper - q.lower)
                    var up = w, down = w
                    up[j] = Swift.min(q.upper, w[j] + h)
                    down[j] = Swift.max(q.lower, w[j] - h)
                    // A probe the scenario refuses: the difference is one-sided on the other side.
                    for side in [0, 1] {
                        let pt = side == 0 ? up : down
                        guard pt != w, cache[pt] == nil, let why = self.refusal(atW: pt) else { continue }
                        let at = "\(q.key) = \(q.text(pt[j]))"
                        self.message("  a Jacobian probe at \(at) is refused (\(why)): the difference is one-sided")
                        refused("Jacobian probe at \(at): \(why)")
                        if !oneSided.parameters.contains(j) { oneSided.parameters.append(j) }
                        if side == 0 { up = w } else { down = w }
                    }
                    guard up != down else { throw LeastSquares.Stop("parameters.\(q.key): no Jacobian probe around \(q.text(w[j])) can be run (a step of \(self.spec.step) of the range is refused by the scenario or beyond the range's end); narrow the range or the step") }
                    plus.append(up); minus.append(down); widths.append(up[j] - down[j])
                }
                var fresh: [[Double]] = []
                for pt in plus + minus where pt != w && cache[pt] == nil && !fresh.contains(pt) { fresh.append(pt) }
                if !fresh.isEmpty {
                    let models = try self.evaluate(fresh.map { self.values(fromW: $0) })
                    evaluations += fresh.count
                    for (pt, m) in zip(fresh, models) { cache[pt] = m }
                }
                var J = [[Double]](repeating: [Double](repeating: 0, count: p.count), count: r.count)
                for j in 0..<p.count {
                    let rPlus = plus[j] == w ? r : self.residuals(cache[plus[j]]!)
                    let rMinus = minus[j] == w ? r : self.residuals(cache[minus[j]]!)
                    // dw/dz, kept away from 0 at the bounds so the step stays defined.
                    let dwdz = (p[j].upper - p[j].lower) / 2 * Swift.max(1e-3, abs(cos(z[j])))
                    for i in 0..<r.count { J[i][j] = (rPlus[i] - rMinus[i]) / widths[j] * dwdz }
                }
                return J
            },
            iteration: { z, chi2, k in
                let v = self.values(fromW: self.w(fromZ: z))
                self.message(String(format: "  iteration %d: chi^2 %.4g at ", k, chi2) + zip(p, v).map { "\($0.0.key) = \($0.0.text($0.1))" }.joined(separator: ", "))
            })
        }
        let wHat = w(fromZ: fit.x)
        let n = spec.observations.count, dof = n - p.count
        let t = dof > 0 ? GSL.studentTQuantile(0.975, degreesOfFreedom: Double(dof)) : GSL.normalQuantile(0.975)
        // The model's own noise: the variance of its seed mean at the estimate, added to each
        // observation's sigma^2 (a different parameter value draws other random paths, so the
        // fit sees that noise too); the Jacobian's rows are reweighted to the combined sigma.
        let bestRunsForNoise = evaluated.last { $0.values == values(fromW: wHat) }?.runs
        var inflation = [Double](repeating: 1, count: n)
        if let runs = bestRunsForNoise, spec.seeds.count > 1 {
            let perSeed = try seedValues(runs: runs)
            for (i, v) in perSeed.enumerated() {
                let m = v.reduce(0, +) / Double(v.count)
                let varianceOfMean = v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1) / Double(v.count)
                let sigma = spec.observations[i].sigma
                inflation[i] = (sigma * sigma + varianceOfMean) / (sigma * sigma)
            }
        }
        var jtj = [[Double]](repeating: [Double](repeating: 0, count: p.count), count: p.count)
        for i in 0..<n { for a in 0..<p.count { for b in 0..<p.count { jtj[a][b] += fit.jacobian[i][a] * fit.jacobian[i][b] / inflation[i] } } }
        let chiCombined = zip(fit.residuals, inflation).reduce(0) { $0 + $1.0 * $1.0 / $1.1 }
        let scale = dof > 0 ? Swift.max(1, chiCombined / Double(dof)) : 1
        let covZ = Self.inverse(jtj) ?? fit.covariance
        var covW = [[Double]](repeating: [Double](repeating: 0, count: p.count), count: p.count)
        let d = zip(p, fit.x).map { q, z in (q.upper - q.lower) / 2 * cos(z) }
        for i in 0..<p.count { for j in 0..<p.count { covW[i][j] = d[i] * covZ[i][j] * d[j] * scale } }
        let se = (0..<p.count).map { covW[$0][$0] > 0 ? covW[$0][$0].squareRoot() : 0 }
        let estimates = values(fromW: wHat)
        let intervals = (0..<p.count).map { (p[$0].value(wHat[$0] - t * se[$0]), p[$0].value(wHat[$0] + t * se[$0])) }
        let valueSE = (0..<p.count).map { p[$0].scale == .log ? estimates[$0] * se[$0] : se[$0] }
        // An estimate held by values the scenario refuses rather than by the data: its last
        // Jacobian was one-sided for a refused probe, or its 95 % interval reaches refused values.
        var atRefusedEdge: [String] = []
        for i in p.indices {
            var why = oneSided.w == wHat && oneSided.parameters.contains(i) ? "a Jacobian probe next to it is refused" : nil
            for end in [Swift.max(p[i].lower, wHat[i] - t * se[i]), Swift.min(p[i].upper, wHat[i] + t * se[i])] where why == nil {
                var at = wHat
                at[i] = end
                if let reason = refusal(atW: at) { why = "its 95 % interval reaches \(p[i].text(end)), which the scenario refuses (\(reason))" }
            }
            if let why { atRefusedEdge.append("\(p[i].key): \(why): the estimate may be held by what the lattice allows, not by the data") }
        }
        let correlation = (0..<p.count).map { i in (0..<p.count).map { j in se[i] > 0 && se[j] > 0 ? covW[i][j] / (se[i] * se[j]) : (i == j ? 1 : 0) } }
        let best = try model(atW: wHat)
        let bestRuns = evaluated.last { $0.values == values(fromW: wHat) }?.runs ?? [:]
        return Result(estimates: estimates, coordinateSE: se, standardErrors: valueSE, intervals: intervals, correlation: correlation,
                      chiSquared: fit.chiSquared, degreesOfFreedom: dof, model: best, residuals: residuals(best), iterations: fit.iterations,
                      convergence: fit.convergence, evaluations: evaluations, runs: bestRuns, refusals: refusals,
                      atRefusedEdge: atRefusedEdge)
    }
}
