import Artifacts
import Foundation
import Scenario

/// `report.html` of a sweep folder: each headline metric against each swept parameter with 95 %
/// CI bands, the treated arms beside the control arm, and the sensitivity indices as bars.
public enum SweepReport {
    /// The metrics drawn first: closure time and closure at days 7 and 14.
    static let headline = ["closure_time_h", "closure_pct_day7", "closure_pct_day14"]

    public static func write(_ plan: SweepPlan, folder: SweepFolder, statuses: [String: RunStatus]) throws(OutputError) {
        try folder.write("report.html", Data(html(plan, statuses: statuses, curves: closureCurves(plan, folder: folder, statuses: statuses)).utf8))
    }

    /// A point's mean closure curve over its finished seeds: (time [h], mean, 95 % CI low, high).
    public typealias Curve = [(time: Double, mean: Double, low: Double, high: Double)]

    /// The mean closure curve of each arm (the control arms and at most 7 treated points, in
    /// plan order), read from the runs' timeseries.csv at the times every run has.
    static func closureCurves(_ plan: SweepPlan, folder: SweepFolder, statuses: [String: RunStatus]) -> [Int: Curve] {
        let controls = plan.points.filter { $0.role == .control }.map(\.index)
        let treated = plan.points.filter { $0.role != .control }.prefix(max(0, 8 - controls.count)).map(\.index)
        var curves: [Int: Curve] = [:]
        for point in (controls + treated).prefix(8) {
            var series: [(time: [Double], closure: [Double])] = []
            for run in plan.runs where run.point == point && statuses[run.id]?.status == .ok {
                if let s = try? Results.closureSeries(folder.runURL(run.id)) { series.append(s) }
            }
            guard let first = series.first, !first.time.isEmpty else { continue }
            var curve: Curve = []
            for (k, t) in first.time.enumerated() where series.allSatisfy({ $0.time.count > k && abs($0.time[k] - t) < 1e-9 }) {
                guard let s = Results.stat(series.map { $0.closure[k] }) else { continue }
                curve.append((t, s.mean, s.ci95?.low ?? s.mean, s.ci95?.high ?? s.mean))
            }
            curves[point] = curve
        }
        return curves
    }

    static func armLabel(_ plan: SweepPlan, _ p: SweepPlan.Point) -> String {
        let values = zip(plan.parameters, p.values).filter { !$0.1.isEmpty }.map { "\($0.0.key.split(separator: ".").last!)=\($0.1)" }.joined(separator: ", ")
        return p.role == .control ? "control" + (values.isEmpty ? "" : " (\(values))") : values
    }

    static func metricTitle(_ m: String) -> String {
        if m == "closure_time_h" { return "closure time [h]" }
        if let d = SweepMetrics.day(of: m) { return "closure at day \(d) [%]" }
        if let h = SweepMetrics.hours(of: m) { return "closure at \(String(format: "%g", h)) h [%]" }
        if let (c, h) = SweepMetrics.series(of: m) { return "\(c.replacingOccurrences(of: "_", with: " ")) at \(String(format: "%g", h)) h [\(SweepMetrics.unit(m))]" }
        return "\(m) [\(SweepMetrics.unit(m))]"
    }

    public static func html(_ plan: SweepPlan, statuses: [String: RunStatus], curves: [Int: Curve] = [:]) -> String {
        let stats = Results.pointStats(plan, statuses: statuses)
        let ok = statuses.values.filter { $0.status == .ok }.count, failed = statuses.values.filter { $0.status == .failed }.count
        let distinct = plan.uniqueRunIDs.count
        // The headline metrics first, then the others, four at most.
        let metrics = Array((headline.filter(plan.metrics.contains) + plan.metrics.filter { !headline.contains($0) }).prefix(4))
        let design = plan.points.filter { $0.role != .control }
        let control = plan.points.first { $0.role == .control }

        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
        out += "<title>woundsim sweep: \(htmlEscape(plan.name))</title>\n<style>\(HTMLPage.style)</style>\n<script>\(HTMLPage.selfCheckScript)</script></head><body>\n"
        out += "<h1>Sweep \(htmlEscape(plan.name))</h1>\n<p class=\"sub\">\(htmlEscape(plan.description))</p>\n<div class=\"facts\">"
        out += "<div class=\"fact\">design<b>\(htmlEscape(plan.design.rawValue)), \(design.count) points</b></div>"
        out += "<div class=\"fact\">replicate seeds<b>\(plan.seeds.count)</b></div>"
        out += "<div class=\"fact\">runs done<b>\(ok) of \(distinct)</b></div>"
        out += "<div class=\"fact\">failed<b>\(failed)</b></div>"
        out += "<div class=\"fact\">plan<b>\(plan.hash)</b></div></div>\n"
        if ok + failed < distinct { out += "<p class=\"note\">\(distinct - ok - failed) runs have no result yet: the charts show what has finished.</p>\n" }

        // Each headline metric against each parameter.
        out += "<h2>Metrics against each parameter</h2>\n<p class=\"note\">Means over the replicate seeds with 95 % confidence intervals (Student t), drawn as bands around the lines of a grid. Lines join the points of a grid that differ only in this parameter; other designs show each point as a dot.</p>\n"
        out += "<div class=\"charts\">"
        for m in metrics {
            if !design.contains(where: { stats[$0.index][m] != nil }) {
                out += "<p class=\"note\">No run has a value of <code>\(htmlEscape(m))</code> yet (for closure time: no wound reached 95 % in the simulated time; the value is censored, not zero).</p>\n"
                continue
            }
            for pi in plan.parameters.indices {
                out += parameterChart(plan, stats: stats, metric: m, parameter: pi, points: design).svg() + "\n"
            }
        }
        out += "</div>\n"

        // Treated versus control.
        out += "<h2>Treated versus control</h2>\n"
        if let control {
            out += "<div class=\"charts\">"
            for m in metrics where ([control] + design).contains(where: { stats[$0.index][m] != nil }) {
                let controls = plan.points.filter { $0.role == .control }
                let arms = controls + design
                let labels = arms.map { a in controls.count == 1 && a.role == .control ? "control" : armLabel(plan, a) }
                let values = arms.map { stats[$0.index][m]?.mean }
                let intervals = arms.map { stats[$0.index][m]?.ci95.map { ($0.low, $0.high) } }
                var bars = SVGBars(title: "\(metricTitle(m)): control and each treated arm", yLabel: metricTitle(m), categories: labels,
                                   groups: [.init(name: "mean, 95 % CI", color: chartColors[0], values: values, intervals: intervals,
                                                  colors: [String](repeating: "#999999", count: controls.count) + [String](repeating: chartColors[0], count: design.count))])
                bars.height = 320
                out += bars.svg() + "\n"
            }
            let controlCount = plan.points.filter { $0.role == .control }.count
            out += "</div>\n<p class=\"note\">Grey: the control arm\(controlCount > 1 ? "s, one per setting of the parameters the control does not fix" : " (\(control.values.enumerated().filter { !$0.element.isEmpty }.map { "\(plan.parameters[$0.offset].key) = \($0.element)" }.joined(separator: ", ")))") (same seeds); blue: each treated design point; whiskers: 95 % CI of the mean.</p>\n"
        } else {
            out += "<p class=\"note\">This sweep has no control arm. Add <code>control: { secretome.profile: control }</code> to the sweep file to run an untreated arm with the same seeds and see it here beside the treated ones.</p>\n"
        }

        // Closure over time, and the paired effects.
        if !curves.isEmpty {
            out += "<h2>Closure over time</h2>\n<div class=\"charts\">"
            var series: [SVGChart.Series] = []
            for (i, (point, curve)) in curves.sorted(by: { $0.key < $1.key }).enumerated() {
                let p = plan.points[point]
                series.append(.init(name: armLabel(plan, p), color: p.role == .control ? "#777777" : chartColors[i % chartColors.count],
                                    points: curve.map { ($0.time, $0.mean) }, dashed: p.role == .control, band: curve.map { ($0.time, $0.low, $0.high) }))
            }
            var chart = SVGChart(title: "Mean wound closure per arm", xLabel: "time [h]", yLabel: "closure [%]", series: series)
            chart.yMin = 0; chart.yMax = 100
            out += chart.svg() + "\n</div>\n<p class=\"note\">Means over each arm's replicate seeds with 95 % CI bands (Student t); dashed grey: control\(plan.points.count - curves.count > 0 ? "; \(curves.count) of \(plan.points.count) arms drawn" : "").</p>\n"
        }
        let effects = Effects.rows(plan, statuses: statuses)
        if !effects.isEmpty {
            out += "<h2>Effects: treated minus control</h2>\n<p class=\"note\">For each treated point and metric: the differences treated minus its matched control over the seeds both reached (common random numbers make them paired), their mean and 95 % CI, and the mean as a share of the control's. For closure time, Kaplan-Meier medians: wounds that did not close count as censored at the end of the run, not as missing. Also in <code>effects.csv</code>.</p>\n"
            out += "<table><tr><th>point</th>" + plan.parameters.map { "<th>\(htmlEscape($0.title))</th>" }.joined()
            out += "<th>metric</th><th>treated &minus; control [95 % CI] (pairs)</th><th>% of control</th><th>KM median closure [h], treated / control</th></tr>\n"
            for r in effects.prefix(400) {
                out += "<tr><td>\(r.point)</td>" + plan.points[r.point].values.map { "<td>\(htmlEscape($0))</td>" }.joined()
                out += "<td>\(htmlEscape(metricTitle(r.metric)))</td><td>\(htmlEscape(Effects.interval(r.mean, r.ci95))) (\(r.n))</td>"
                out += "<td>\(r.relativePercent.map { String(format: "%+.1f %%", $0) } ?? "-")</td>"
                out += "<td>\(r.treatedSurvival.map { htmlEscape(Effects.median($0)) + " / " + htmlEscape(r.controlSurvival.map(Effects.median) ?? "") } ?? "")</td></tr>\n"
            }
            out += "</table>\n"
        }

        // Sensitivity.
        out += "<h2>Sensitivity</h2>\n"
        if plan.design == .morris || plan.design == .sobol, let rows = try? Analysis.analyze(plan, statuses: statuses) {
            for m in plan.metrics where rows.contains(where: { $0.metric == m && ($0.values.values.contains { $0.isFinite }) }) {
                let mine = rows.filter { $0.metric == m }
                let keys = plan.design == .morris ? [("mu_star", "mu* (mean |effect|)"), ("sigma", "sigma (interaction, non-linearity)")] : [("S1", "S1 first order"), ("ST", "ST total")]
                let groups = keys.enumerated().map { i, k in SVGBars.Group(name: k.1, color: chartColors[i], values: mine.map { r in r.values[k.0].flatMap { $0.isFinite ? $0 : nil } }) }
                out += SVGBars(title: "\(metricTitle(m)): \(plan.design == .morris ? "Morris elementary effects" : "Sobol indices")",
                               yLabel: plan.design == .morris ? "effect over the range [\(SweepMetrics.unit(m))]" : "index", categories: mine.map(\.parameter), groups: groups).svg() + "\n"
            }
            out += "<p class=\"note\">The same numbers as <code>woundsim sweep analyze</code> and <code>sensitivity.csv</code>.</p>\n"
        } else {
            out += "<p class=\"note\">Sensitivity indices need a <code>morris</code> or <code>sobol</code> design; this is a \(htmlEscape(plan.design.rawValue)) design.</p>\n"
        }

        // The summary table.
        out += "<h2>Summary</h2>\n<table><tr><th>point</th>" + plan.parameters.map { "<th>\(htmlEscape($0.title))</th>" }.joined()
        out += plan.metrics.map { "<th>\(htmlEscape(metricTitle($0)))<br>mean [95 % CI] (n)</th>" }.joined() + "</tr>\n"
        for p in plan.points.prefix(200) {
            out += "<tr><td>\(p.index)\(p.role == .control ? " control" : "")</td>" + p.values.map { "<td>\(htmlEscape($0))</td>" }.joined()
            for m in plan.metrics {
                let done = plan.runs.filter { $0.point == p.index && statuses[$0.id]?.status == .ok }.count
                if m == "closure_time_h", done > 0, (stats[p.index][m]?.n ?? 0) < done {
                    // Some wounds did not close: the Kaplan-Meier median, not the mean of the closed.
                    out += "<td>KM median \(htmlEscape(Effects.median(Effects.closureSurvival(plan, statuses: statuses, point: p.index))))</td>"
                } else if let s = stats[p.index][m] {
                    out += "<td>\(String(format: "%.4g", s.mean))\(s.ci95.map { String(format: " [%.4g, %.4g]", $0.low, $0.high) } ?? "") (\(s.n))</td>"
                } else { out += "<td>\(done == 0 ? "no run done" : "not reached (0 of \(done))")</td>" }
            }
            out += "</tr>\n"
        }
        out += "</table>\n<p class=\"note\">Files beside this page: <code>runs.csv</code>, <code>summary.csv</code>, <code>plan.json</code>, and each run's folder (with its own report) under <code>runs/</code>.</p>\n</body></html>\n"
        return out
    }

    /// A metric against one parameter: lines with CI bands through grid points that differ only
    /// in this parameter (one line per setting of the others, at most 8), dots otherwise.
    static func parameterChart(_ plan: SweepPlan, stats: [[String: Results.Stat]], metric m: String, parameter pi: Int, points: [SweepPlan.Point]) -> SVGChart {
        let p = plan.parameters[pi]
        // x: the numeric value, or the category's index.
        let numeric = points.allSatisfy { Double($0.values[pi].split(separator: " ").first ?? "") != nil }
        var categories: [String] = []
        if !numeric { for pt in points where !categories.contains(pt.values[pi]) { categories.append(pt.values[pi]) } }
        func x(_ pt: SweepPlan.Point) -> Double { numeric ? Double(pt.values[pi].split(separator: " ").first!)! : Double(categories.firstIndex(of: pt.values[pi])!) }
        var series: [SVGChart.Series] = []
        if plan.design == .grid {
            var groups: [[String]: [SweepPlan.Point]] = [:]
            var order: [[String]] = []
            for pt in points {
                var key = pt.values; key.remove(at: pi)
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(pt)
            }
            for (gi, key) in order.prefix(8).enumerated() {
                let pts = groups[key]!.sorted { x($0) < x($1) }
                let name = key.isEmpty ? "mean" : zip(plan.parameters.enumerated().filter { $0.offset != pi }.map(\.element), key).map { "\($0.0.key.split(separator: ".").last!)=\($0.1)" }.joined(separator: ", ")
                let line = pts.compactMap { pt in stats[pt.index][m].map { (x(pt), $0.mean) } }
                let band = pts.compactMap { pt in stats[pt.index][m]?.ci95.map { (x(pt), $0.low, $0.high) } }
                series.append(.init(name: name, color: chartColors[gi % chartColors.count], points: line, band: band))
            }
        } else {
            let dots = points.compactMap { pt in stats[pt.index][m].map { (x(pt), $0.mean) } }
            series.append(.init(name: "design points", color: chartColors[0], points: dots, dots: true))
        }
        var chart = SVGChart(title: "\(metricTitle(m)) against \(p.key)", xLabel: p.title, yLabel: metricTitle(m), series: series)
        if !numeric { chart.xCategories = categories }
        let xs = points.map(x)
        if numeric, let lo = xs.min(), let hi = xs.max(), lo > 0, hi / lo >= 20 { chart.xLog = true }
        if m.hasPrefix("closure_pct") { chart.yMin = 0; chart.yMax = 100 }
        return chart
    }
}
