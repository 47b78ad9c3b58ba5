import Foundation
import Scenario
import SimCore

/// Metrics from a finished run folder, and the sweep's tables.
public enum Results {
    /// Reads `metrics` from a run folder's `summary.json` (and `timeseries.csv` for
    /// `closure_pct_dayN`, interpolated linearly in time). A metric the run did not reach (a
    /// wound that never closed) is nil.
    public static func metrics(_ names: [String], runFolder: URL) throws(SweepError) -> [String: Double?] {
        guard let data = FileManager.default.contents(atPath: runFolder.appendingPathComponent("summary.json").path),
              let summary = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .io("\(runFolder.path)/summary.json is missing or unreadable")
        }
        var columns: [String: (time: [Double], closure: [Double])] = [:]
        var out: [String: Double?] = [:]
        for name in names {
            if let (column, hours) = SweepMetrics.series(of: name) {
                if columns[column] == nil { columns[column] = try closureSeries(runFolder, column: column) }
                let s = columns[column]!
                out[name] = interpolate(s.time, s.closure, at: hours)
                continue
            }
            let value: Any?
            switch name {
            case "keratinocytes_in_wound_final", "fibroblasts_in_wound_final", "endothelial_in_wound_final":
                value = (summary["final_counts"] as? [String: Any])?[String(name.dropLast("_final".count))]
            case let n where n.hasPrefix("migration_onset_h."):
                value = (summary["migration_onset_h"] as? [String: Any])?[String(n.dropFirst("migration_onset_h.".count))]
            default:
                value = summary[name]
            }
            out[name] = (value as? NSNumber)?.doubleValue
        }
        return out
    }

    /// The time [h] and one column (default `closure_pct`) of a run's timeseries; empty when the
    /// run has no such column (a gap metric of a wound that is not a scratch).
    static func closureSeries(_ runFolder: URL, column: String = "closure_pct") throws(SweepError) -> (time: [Double], closure: [Double]) {
        guard let text = try? String(contentsOf: runFolder.appendingPathComponent("timeseries.csv"), encoding: .utf8) else {
            throw .io("\(runFolder.path)/timeseries.csv is missing or unreadable")
        }
        let lines = text.split(separator: "\n")
        guard let header = lines.first?.split(separator: ","), let ti = header.firstIndex(of: "time_h") else {
            throw .io("\(runFolder.path)/timeseries.csv has no time_h column")
        }
        guard let ci = header.firstIndex(where: { $0 == column }) else { return ([], []) }
        var t: [Double] = [], c: [Double] = []
        for line in lines.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            if f.count > max(ti, ci), let a = Double(f[ti]), let b = Double(f[ci]) { t.append(a); c.append(b) }
        }
        return (t, c)
    }

    static func interpolate(_ t: [Double], _ y: [Double], at x: Double) -> Double? {
        guard let last = t.last, x <= last + 1e-9, !t.isEmpty else { return nil }
        guard let j = t.firstIndex(where: { $0 >= x - 1e-9 }) else { return nil }
        if j == 0 || abs(t[j] - x) < 1e-9 { return y[j] }
        let w = (x - t[j - 1]) / (t[j] - t[j - 1])
        return y[j - 1] + w * (y[j] - y[j - 1])
    }

    /// One row per run (point x seed): point, seed, run id, the parameters (values as set, unit
    /// in the column title), each metric, status and error. Deterministic: no wall times.
    public static func runsCSV(_ plan: SweepPlan, statuses: [String: RunStatus]) -> String {
        var out = (["point", "seed", "run_id"] + plan.parameters.map(\.title) + plan.metrics + ["status", "error"]).map(csv).joined(separator: ",") + "\n"
        for run in plan.runs {
            let s = statuses[run.id]
            let point = plan.points[run.point]
            var fields = [String(run.point), String(run.seed), run.id]
            fields += zip(plan.parameters, point.values).map(bare)
            for m in plan.metrics { fields.append(s.flatMap { $0.metrics[m] ?? nil }.map(number) ?? "") }
            fields.append(s?.status.rawValue ?? "pending")
            fields.append(s?.error ?? "")
            out += fields.map(csv).joined(separator: ",") + "\n"
        }
        return out
    }

    /// Statistics of one metric at one design point over its seeds.
    public struct Stat: Sendable {
        public var n: Int
        public var mean: Double
        public var sd: Double
        /// 95 % confidence interval of the mean (Student t, n - 1 degrees of freedom); nil for n < 2.
        public var ci95: (low: Double, high: Double)?
    }

    /// Mean, standard deviation and 95 % CI (GSL statistics and t quantile) of `values`.
    public static func stat(_ values: [Double]) -> Stat? {
        guard !values.isEmpty else { return nil }
        let (mean, sd) = GSL.meanAndStandardDeviation(values)
        guard values.count > 1 else { return Stat(n: 1, mean: mean, sd: 0, ci95: nil) }
        let half = GSL.studentTQuantile(0.975, degreesOfFreedom: Double(values.count - 1)) * sd / Double(values.count).squareRoot()
        return Stat(n: values.count, mean: mean, sd: sd, ci95: (mean - half, mean + half))
    }

    /// Per design point and metric, over the point's seeds (runs that failed or did not reach a
    /// metric are left out; `n` says how many counted).
    public static func pointStats(_ plan: SweepPlan, statuses: [String: RunStatus]) -> [[String: Stat]] {
        var values = [[String: [Double]]](repeating: [:], count: plan.points.count)
        for run in plan.runs {
            guard let s = statuses[run.id], s.status == .ok else { continue }
            for m in plan.metrics { if let v = s.metrics[m] ?? nil { values[run.point][m, default: []].append(v) } }
        }
        return values.map { $0.compactMapValues(stat) }
    }

    /// One row per design point: its parameters, runs done and failed, and for each metric n,
    /// mean, sd and the 95 % CI of the mean.
    public static func summaryCSV(_ plan: SweepPlan, statuses: [String: RunStatus]) -> String {
        var header = ["point"] + plan.parameters.map(\.title) + ["runs", "failed"]
        for m in plan.metrics {
            header += ["\(m)_n", "\(m)_mean", "\(m)_sd", "\(m)_ci95_low", "\(m)_ci95_high"]
            // Closure time is censored: the mean is over the runs that closed; the Kaplan-Meier
            // median counts the others too.
            if m == "closure_time_h" { header += ["closure_time_h_closed", "closure_time_h_runs", "closure_time_h_km_median", "closure_time_h_km_ci95_low", "closure_time_h_km_ci95_high"] }
        }
        var out = header.map(csv).joined(separator: ",") + "\n"
        let stats = pointStats(plan, statuses: statuses)
        var runsAt = [Int](repeating: 0, count: plan.points.count), failedAt = runsAt
        for run in plan.runs {
            runsAt[run.point] += 1
            if statuses[run.id]?.status == .failed { failedAt[run.point] += 1 }
        }
        for point in plan.points {
            var fields = [String(point.index)]
            fields += zip(plan.parameters, point.values).map(bare)
            fields += [String(runsAt[point.index]), String(failedAt[point.index])]
            for m in plan.metrics {
                if let s = stats[point.index][m] {
                    fields += [String(s.n), number(s.mean), s.n > 1 ? number(s.sd) : "", s.ci95.map { number($0.low) } ?? "", s.ci95.map { number($0.high) } ?? ""]
                } else {
                    fields += ["0", "", "", "", ""]
                }
                if m == "closure_time_h" {
                    let km = Effects.closureSurvival(plan, statuses: statuses, point: point.index)
                    fields += [String(km.events), String(km.n), km.median.map(number) ?? "", km.low.map(number) ?? "", km.high.map(number) ?? ""]
                }
            }
            out += fields.map(csv).joined(separator: ",") + "\n"
        }
        return out
    }

    /// A parameter's value without its unit (the unit is in the column title).
    static func bare(_ p: SweepPlan.Parameter, _ v: String) -> String {
        p.unit.isEmpty || !v.hasSuffix(p.unit) ? v : String(v.dropLast(p.unit.count)).trimmingCharacters(in: .whitespaces)
    }

    /// A number for a CSV (shortest round-trip form).
    static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)" }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    public static func csv(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
