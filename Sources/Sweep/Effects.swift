import Foundation
import SimCore

/// Treated against control, the question most sweeps ask ("does it help, by how much, how
/// sure"): for each treated design point and metric, the differences treated minus control over
/// the replicate seeds both arms share (common random numbers make them paired), their mean and
/// 95 % CI, and the same relative to the control's mean. Closure times a run never reached are
/// censored, so they are compared by Kaplan-Meier medians instead (`Survival`).
public enum Effects {
    public struct Row: Sendable {
        public var point: Int
        public var control: Int
        public var metric: String
        /// Seeds with a value in both arms.
        public var n: Int
        /// Mean of treated minus control [metric unit], and its 95 % CI (Student t; nil for n < 2).
        public var mean: Double?
        public var ci95: (low: Double, high: Double)?
        /// The control arm's mean over the same seeds; the effect in % of it.
        public var controlMean: Double?
        public var relativePercent: Double?
        /// Runs of each arm that did not reach the metric (a wound that never closed).
        public var notReachedTreated: Int, notReachedControl: Int
        /// For closure time: each arm's Kaplan-Meier median with the runs that did not close
        /// censored at the end of the run.
        public var treatedSurvival: Survival.Estimate?, controlSurvival: Survival.Estimate?
    }

    /// Every treated point's rows, in plan order; empty without a control arm.
    public static func rows(_ plan: SweepPlan, statuses: [String: RunStatus]) -> [Row] {
        var bySeed = [[UInt64: RunStatus]](repeating: [:], count: plan.points.count)
        for run in plan.runs { if let s = statuses[run.id], s.status == .ok { bySeed[run.point][run.seed] = s } }
        var rows: [Row] = []
        for point in plan.points where point.role != .control {
            guard let c = point.control else { continue }
            for m in plan.metrics {
                var differences: [Double] = [], controls: [Double] = []
                var missingT = 0, missingC = 0
                var obsT: [Survival.Observation] = [], obsC: [Survival.Observation] = []
                for seed in plan.seeds {
                    let t = bySeed[point.index][seed], k = bySeed[c][seed]
                    let tv = t.flatMap { $0.metrics[m] ?? nil }, cv = k.flatMap { $0.metrics[m] ?? nil }
                    if t != nil && tv == nil { missingT += 1 }
                    if k != nil && cv == nil { missingC += 1 }
                    if m == "closure_time_h" {
                        if t != nil { obsT.append((tv ?? plan.durationHours, tv != nil)) }
                        if k != nil { obsC.append((cv ?? plan.durationHours, cv != nil)) }
                    }
                    if let tv, let cv { differences.append(tv - cv); controls.append(cv) }
                }
                var stat = Results.stat(differences)
                // Differences that cancel exactly leave rounding noise (1e-21) in the mean.
                if let m = stat?.mean, let scale = differences.map(abs).max(), abs(m) <= 1e-12 * scale { stat?.mean = 0 }
                let controlMean = controls.isEmpty ? nil : controls.reduce(0, +) / Double(controls.count)
                var row = Row(point: point.index, control: c, metric: m, n: differences.count, mean: stat?.mean, ci95: stat?.ci95,
                              controlMean: controlMean, relativePercent: nil, notReachedTreated: missingT, notReachedControl: missingC)
                if let mean = stat?.mean, let cm = controlMean, cm != 0 { row.relativePercent = 100 * mean / abs(cm) }
                if m == "closure_time_h" {
                    row.treatedSurvival = Survival.kaplanMeier(obsT)
                    row.controlSurvival = Survival.kaplanMeier(obsC)
                }
                rows.append(row)
            }
        }
        return rows
    }

    /// The Kaplan-Meier estimate of a point's closure time over its finished runs: a run that did
    /// not close is censored at the end of the simulated time.
    public static func closureSurvival(_ plan: SweepPlan, statuses: [String: RunStatus], point: Int) -> Survival.Estimate {
        Survival.kaplanMeier(plan.runs.filter { $0.point == point }.compactMap { run in
            guard let s = statuses[run.id], s.status == .ok else { return nil }
            let t = s.metrics["closure_time_h"] ?? nil
            return (t ?? plan.durationHours, t != nil)
        })
    }

    /// `effects.csv`: one row per treated point and metric.
    public static func csv(_ rows: [Row], plan: SweepPlan) -> String {
        var header = ["point", "control_point"] + plan.parameters.map(\.title)
        header += ["metric", "n_paired", "difference_mean", "difference_ci95_low", "difference_ci95_high", "control_mean", "difference_pct_of_control",
                   "not_reached_treated", "not_reached_control", "km_median_treated", "km_median_treated_ci95_low", "km_median_treated_ci95_high",
                   "km_median_control", "km_median_control_ci95_low", "km_median_control_ci95_high"]
        var out = header.map(Results.csv).joined(separator: ",") + "\n"
        func n(_ x: Double?) -> String { x.map(Results.number) ?? "" }
        for r in rows {
            var f = [String(r.point), String(r.control)] + zip(plan.parameters, plan.points[r.point].values).map(Results.bare)
            f += [r.metric, String(r.n), n(r.mean), n(r.ci95?.low), n(r.ci95?.high), n(r.controlMean), n(r.relativePercent),
                  String(r.notReachedTreated), String(r.notReachedControl)]
            for s in [r.treatedSurvival, r.controlSurvival] { f += [n(s?.median), n(s?.low), n(s?.high)] }
            out += f.map(Results.csv).joined(separator: ",") + "\n"
        }
        return out
    }

    /// A metric's value for a table: "12.3 [10.1, 14.5]"; "not reached" for nil.
    static func interval(_ mean: Double?, _ ci: (low: Double, high: Double)?) -> String {
        guard let mean else { return "-" }
        return String(format: "%+.4g", mean) + (ci.map { String(format: " [%+.4g, %+.4g]", $0.low, $0.high) } ?? "")
    }

    /// A Kaplan-Meier median for a table: "31.5 h [28, 40] (5/5 closed)", "not reached (2/5 closed)".
    public static func median(_ s: Survival.Estimate) -> String {
        func t(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "not reached" }
        let closed = "(\(s.events)/\(s.n) closed)"
        guard let m = s.median else { return "not reached \(closed)" }
        return "\(t(m)) [\(t(s.low)), \(t(s.high))] \(closed)"
    }

    /// The effects as a text table (`woundsim sweep analyze` on a grid with a control).
    public static func table(_ rows: [Row], plan: SweepPlan) -> String {
        var header = ["point"] + plan.parameters.map(\.title) + ["metric", "treated - control: mean [95% CI] (n pairs)", "% of control"]
        let hasClosure = rows.contains { $0.treatedSurvival != nil }
        if hasClosure { header += ["KM median treated [95% CI]", "KM median control"] }
        var lines: [[String]] = []
        for r in rows {
            var l = [String(r.point)] + plan.points[r.point].values + [r.metric, interval(r.mean, r.ci95) + " (\(r.n))",
                                                                     r.relativePercent.map { String(format: "%+.1f %%", $0) } ?? "-"]
            if hasClosure { l += [r.treatedSurvival.map(median) ?? "", r.controlSurvival.map(median) ?? ""] }
            lines.append(l)
        }
        let widths = header.indices.map { i in max(header[i].count, lines.map { $0[i].count }.max() ?? 0) }
        func line(_ r: [String]) -> String { zip(r, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n" }
        return line(header) + lines.map(line).joined()
    }
}
