import Foundation
import Scenario
import SimCore

/// Sensitivity of each metric to each parameter: Morris elementary effects (design `morris`) or
/// first-order and total Sobol indices (design `sobol`, Saltelli's scheme). Each design point's
/// metric is first averaged over its seeds (common random numbers across points).
public enum Analysis {
    public struct Row: Sendable {
        public var metric: String
        public var parameter: String
        /// Morris: mean, mean of absolute values and sd of the elementary effects [metric unit per
        /// parameter range]; Sobol: first-order (S1) and total (ST) indices.
        public var values: [String: Double]
        /// Elementary effects (Morris) or base samples (Sobol) that counted.
        public var n: Int
    }

    public static func analyze(_ plan: SweepPlan, statuses: [String: RunStatus]) throws(SweepError) -> [Row] {
        let stats = Results.pointStats(plan, statuses: statuses)
        func f(_ point: Int, _ metric: String) -> Double? { stats[point][metric]?.mean }
        var rows: [Row] = []
        switch plan.design {
        case .morris:
            let delta = Designs.morrisDelta(levels: plan.levels)
            for m in plan.metrics {
                var effects = [[Double]](repeating: [], count: plan.parameters.count)
                for p in plan.points where p.role == .morrisStep {
                    guard let i = p.changed, p.index > 0, let a = f(p.index - 1, m), let b = f(p.index, m) else { continue }
                    effects[i].append((b - a) / delta)
                }
                for (i, e) in effects.enumerated() {
                    let (mu, sd) = e.isEmpty ? (Double.nan, Double.nan) : GSL.meanAndStandardDeviation(e)
                    let muStar = e.isEmpty ? Double.nan : e.map(abs).reduce(0, +) / Double(e.count)
                    rows.append(Row(metric: m, parameter: plan.parameters[i].key, values: ["mu": mu, "mu_star": muStar, "sigma": sd], n: e.count))
                }
            }
        case .sobol:
            let k = plan.parameters.count
            var byGroup: [Int: [PointRole: Int]] = [:]
            for p in plan.points { byGroup[p.group, default: [:]][p.role] = p.index }
            for m in plan.metrics {
                var fa: [Double] = [], fb: [Double] = [], fab = [[Double]](repeating: [], count: k)
                for (_, roles) in byGroup.sorted(by: { $0.key < $1.key }) {
                    guard let a = roles[.sobolA].flatMap({ f($0, m) }), let b = roles[.sobolB].flatMap({ f($0, m) }) else { continue }
                    let ab = (0..<k).map { i in roles[.sobolAB(i)].flatMap { f($0, m) } }
                    if ab.contains(where: { $0 == nil }) { continue }
                    fa.append(a); fb.append(b)
                    for i in 0..<k { fab[i].append(ab[i]!) }
                }
                let variance = GSL.meanAndStandardDeviation(fa + fb).sd
                let v = variance * variance
                for i in 0..<k {
                    var s1 = Double.nan, st = Double.nan
                    if v > 0, !fa.isEmpty {
                        let n = Double(fa.count)
                        // Saltelli et al. 2010 (Comput Phys Commun 181:259), table 2: (b) and (f).
                        s1 = zip(fb, zip(fab[i], fa)).map { $0 * ($1.0 - $1.1) }.reduce(0, +) / n / v
                        st = zip(fa, fab[i]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / (2 * n) / v
                    }
                    rows.append(Row(metric: m, parameter: plan.parameters[i].key, values: ["S1": s1, "ST": st], n: fa.count))
                }
            }
        default:
            throw .badInput("sweep analyze needs a `morris` or `sobol` design; \(plan.name) is a \(plan.design.rawValue) design (its summary.csv has the means and CIs per point)")
        }
        return rows
    }

    /// The rows as a text table, one block per metric.
    public static func table(_ rows: [Row], plan: SweepPlan) -> String {
        let morris = plan.design == .morris
        let width = max(12, plan.parameters.map(\.key.count).max() ?? 0)
        var out = ""
        for m in plan.metrics {
            let mine = rows.filter { $0.metric == m }
            let seeds = plan.seeds.count
            if morris {
                out += "\(m) [\(SweepMetrics.unit(m))]: Morris elementary effects (\(plan.samples) trajectories, \(plan.levels) levels, means over \(seeds) seed\(seeds == 1 ? "" : "s")); effect of a parameter's whole range\n"
                out += "parameter".padding(toLength: width, withPad: " ", startingAt: 0) + "          mu         mu*       sigma   n\n"
                for r in mine.sorted(by: { ($0.values["mu_star"] ?? 0) > ($1.values["mu_star"] ?? 0) }) {
                    out += r.parameter.padding(toLength: width, withPad: " ", startingAt: 0)
                    out += String(format: "  %10.4g  %10.4g  %10.4g  %2d\n", r.values["mu"] ?? .nan, r.values["mu_star"] ?? .nan, r.values["sigma"] ?? .nan, r.n)
                }
            } else {
                out += "\(m): first-order (S1) and total (ST) Sobol indices (Saltelli 2010; \(mine.first?.n ?? 0) base samples, means over \(seeds) seed\(seeds == 1 ? "" : "s"))\n"
                out += "parameter".padding(toLength: width, withPad: " ", startingAt: 0) + "          S1          ST\n"
                for r in mine.sorted(by: { ($0.values["ST"] ?? 0) > ($1.values["ST"] ?? 0) }) {
                    out += r.parameter.padding(toLength: width, withPad: " ", startingAt: 0)
                    out += String(format: "  %10.3f  %10.3f\n", r.values["S1"] ?? .nan, r.values["ST"] ?? .nan)
                }
            }
            out += "\n"
        }
        return out
    }

    /// The rows as CSV (`sensitivity.csv`).
    public static func csv(_ rows: [Row], plan: SweepPlan) -> String {
        let keys = plan.design == .morris ? ["mu", "mu_star", "sigma"] : ["S1", "ST"]
        var out = (["metric", "parameter"] + keys + ["n"]).joined(separator: ",") + "\n"
        for r in rows {
            out += ([Results.csv(r.metric), Results.csv(r.parameter)] + keys.map { r.values[$0].map { $0.isFinite ? "\($0)" : "" } ?? "" } + [String(r.n)]).joined(separator: ",") + "\n"
        }
        return out
    }
}
