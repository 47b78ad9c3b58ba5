import Artifacts
import Foundation
import Scenario

/// `report.html` of a sweep folder: each headline metric against each swept parameter with 95 %
/// CI bands, the treated arms beside the control arm, and the sensitivity indices as bars.
public enum SweepReport {
    /// The metrics drawn first: closure time and closure at days 7 and 14.
    static let headline = ["closure_time_h", "closure_pct_day7", "closure_pct_day14"]

    public static func write(_ plan: SweepPlan, folder: SweepFolder, statuses: [String: RunStatus]) throws(OutputError) {
        try folder.write("report.html", Data(html(plan, statuses: statuses).utf8))
    }

    static func metricTitle(_ m: String) -> String {
        if m == "closure_time_h" { return "closure time [h]" }
        if let d = SweepMetrics.day(of: m) { return "closure at day \(d) [%]" }
        return "\(m) [\(SweepMetrics.unit(m))]"
    }

    public static func html(_ plan: SweepPlan, statuses: [String: RunStatus]) -> String {
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
                let arms = [control] + design
                let labels = arms.map { a in a.role == .control ? "control" : zip(plan.parameters, a.values).map { "\($0.1)" }.joined(separator: ", ") }
                let values = arms.map { stats[$0.index][m]?.mean }
                let intervals = arms.map { stats[$0.index][m]?.ci95.map { ($0.low, $0.high) } }
                var bars = SVGBars(title: "\(metricTitle(m)): control and each treated arm", yLabel: metricTitle(m), categories: labels,
                                   groups: [.init(name: "mean, 95 % CI", color: chartColors[0], values: values, intervals: intervals,
                                                  colors: ["#999999"] + [String](repeating: chartColors[0], count: design.count))])
                bars.height = 320
                out += bars.svg() + "\n"
            }
            out += "</div>\n<p class=\"note\">Grey: the control arm (\(control.values.enumerated().filter { !$0.element.isEmpty }.map { "\(plan.parameters[$0.offset].key) = \($0.element)" }.joined(separator: ", ")), same seeds); blue: each treated design point; whiskers: 95 % CI of the mean.</p>\n"
        } else {
            out += "<p class=\"note\">This sweep has no control arm. Add <code>control: { secretome.profile: control }</code> to the sweep file to run an untreated arm with the same seeds and see it here beside the treated ones.</p>\n"
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
                if let s = stats[p.index][m] {
                    out += "<td>\(String(format: "%.4g", s.mean))\(s.ci95.map { String(format: " [%.4g, %.4g]", $0.low, $0.high) } ?? "") (\(s.n))</td>"
                } else { out += "<td>-</td>" }
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
