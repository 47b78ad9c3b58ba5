import Artifacts
import Foundation

/// The outputs of a calibration: `calibration.json` (estimates, standard errors, 95 % intervals,
/// correlations, chi^2), `fit.csv` (every observation beside the fitted model) and `report.html`
/// (the fitted curves over the data, the estimates and the residuals).
public enum CalibrationReport {
    public static func write(_ c: Calibrator, _ r: Calibrator.Result, to url: URL) throws(OutputError) {
        let spec = c.spec
        let p = spec.parameters
        func num(_ x: Double) -> JSONValue { x.isFinite ? .number(x) : .null }
        let json: JSONValue = .object([
            "calibration": .string(spec.name),
            "base": .string(spec.base),
            "seeds": .array(spec.seeds.map { .number(Double($0)) }),
            "parameters": .array(p.indices.map { i in .object([
                "key": .string(p[i].key), "unit": .string(p[i].unit), "scale": .string(p[i].scale.rawValue),
                "estimate": num(r.estimates[i]), "standard_error": num(r.standardErrors[i]),
                "ci95": .array([num(r.intervals[i].0), num(r.intervals[i].1)]),
                "range": .array([num(p[i].min), num(p[i].max)]),
                "arms": .array(spec.arms.map(\.name).filter(p[i].applies(to:)).map { .string($0) }),
            ]) }),
            "correlation": .array(r.correlation.map { .array($0.map(num)) }),
            "chi_squared": num(r.chiSquared), "degrees_of_freedom": .number(Double(r.degreesOfFreedom)),
            "iterations": .number(Double(r.iterations)), "converged": .bool(r.convergence != 0),
            "model_evaluations": .number(Double(r.evaluations)),
            "refused_steps": .array(r.refusals.map { .string($0) }),
            "warnings": .array(warnings(spec, r).map { .string($0) }),
        ])
        var csv = "arm,time_h,metric,observed,sigma,model,residual\n"
        for (i, o) in spec.observations.enumerated() {
            csv += "\(o.armLabel),\(fmt(o.hours)),\(o.metric),\(fmt(c.observed[i])),\(fmt(o.sigma)),\(fmt(r.model[i])),\(fmt(r.residuals[i]))\n"
        }
        try AtomicFile.write(json.data, to: url.appendingPathComponent("calibration.json"))
        try AtomicFile.write(Data(csv.utf8), to: url.appendingPathComponent("fit.csv"))
        try AtomicFile.write(Data(html(c, r).utf8), to: url.appendingPathComponent("report.html"))
    }

    static func fmt(_ x: Double) -> String { String(format: "%.6g", x) }

    /// What the data leave undetermined: a 95 % interval that reaches beyond the parameter's
    /// range, and pairs of estimates correlated beyond 0.95 (the data fix a combination of them,
    /// not each one; more observations, or other metrics, would separate them).
    public static func warnings(_ spec: CalibrationSpec, _ r: Calibrator.Result) -> [String] {
        let p = spec.parameters
        var out: [String] = []
        for (i, q) in p.enumerated() where r.intervals[i].0 < q.min || r.intervals[i].1 > q.max {
            out.append("\(q.key): the 95 % interval (\(q.text(r.intervals[i].0)) to \(q.text(r.intervals[i].1))) reaches beyond the range \(q.text(q.min)) to \(q.text(q.max)): the data do not determine it")
        }
        for i in p.indices { for j in p.indices where j > i && abs(r.correlation[i][j]) > 0.95 {
            out.append("\(p[i].key) and \(p[j].key) are correlated \(String(format: "%+.3f", r.correlation[i][j])): the data fix a combination of the two, not each")
        } }
        return out + r.atRefusedEdge
    }

    /// The mean over seeds of one timeseries column of the runs `ids`: (time [h], value) pairs.
    static func curve(_ c: Calibrator, ids: [String], column: String) -> [(Double, Double)] {
        var sum: [Double] = [], times: [Double] = []
        var n = 0
        for id in ids {
            guard let s = try? Results.closureSeries(c.folder.runURL(id), column: column), !s.time.isEmpty else { continue }
            if times.isEmpty { times = s.time; sum = s.closure } else if s.time.count == times.count { for k in sum.indices { sum[k] += s.closure[k] } } else { continue }
            n += 1
        }
        return n == 0 ? [] : zip(times, sum.map { $0 / Double(n) }).map { ($0, $1) }
    }

    static func html(_ c: Calibrator, _ r: Calibrator.Result) -> String {
        let spec = c.spec
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
        var out = "<!doctype html><html><head><meta charset=\"utf-8\"><title>calibration \(htmlEscape(spec.name))</title><style>\(HTMLPage.style)</style></head><body>\n"
        out += "<h1>Calibration \(htmlEscape(spec.name))</h1><p class=\"sub\">\(htmlEscape(spec.description)) Base scenario <code>\(htmlEscape(spec.base))</code>, \(spec.seeds.count) common seeds, \(spec.observations.count) observations.</p>\n"
        out += "<div class=\"facts\"><div class=\"fact\"><b>" + String(format: "%.4g", r.chiSquared) + "</b>chi&sup2; (\(r.degreesOfFreedom) degrees of freedom)</div>"
        out += "<div class=\"fact\"><b>\(r.iterations)</b>iterations (\(r.convergence != 0 ? "converged" : "not converged: iteration limit or no better step"))</div>"
        out += "<div class=\"fact\"><b>\(r.evaluations)</b>model evaluations of \(spec.arms.count * spec.seeds.count) runs</div>"
        if !r.refusals.isEmpty { out += "<div class=\"fact\"><b>\(r.refusals.count)</b>trial steps or probes the scenario refused (not run)</div>" }
        out += "</div>\n"
        out += "<h2>Fitted curves over the data</h2><div class=\"charts\">\n"
        var metrics: [String] = []
        for o in spec.observations where !metrics.contains(o.metric) { metrics.append(o.metric) }
        for m in metrics {
            var series: [SVGChart.Series] = []
            for (k, arm) in spec.arms.enumerated() {
                let color = colors[k % colors.count]
                let obs = spec.observations.enumerated().filter { $0.element.arm == arm.name && $0.element.denominator == nil && $0.element.metric == m }
                if obs.isEmpty { continue }
                let line = curve(c, ids: r.runs[arm.name] ?? [], column: m)
                if !line.isEmpty { series.append(.init(name: "\(arm.name): model", color: color, points: line)) }
                series.append(.init(name: "\(arm.name): data", color: color, points: obs.map { ($0.element.hours, c.observed[$0.offset]) }, dots: true,
                                    band: obs.map { ($0.element.hours, c.observed[$0.offset] - 1.96 * $0.element.sigma, c.observed[$0.offset] + 1.96 * $0.element.sigma) }))
            }
            out += SVGChart(title: m, xLabel: "time [h]", yLabel: m, series: series).svg() + "\n"
        }
        out += "</div><p class=\"note\">Dots: the observations, with 95 % bands (1.96 sigma); lines: the model's mean over the seeds at the estimates.</p>\n"
        out += "<h2>Estimates</h2><table><tr><th>parameter</th><th>estimate</th><th>standard error</th><th>95 % interval</th><th>range</th><th>scale</th></tr>\n"
        for (i, q) in spec.parameters.enumerated() {
            let only = q.arms.map { " <span class=\"note\">(in \(htmlEscape($0.joined(separator: ", "))) only)</span>" } ?? ""
            out += "<tr><td><code>\(htmlEscape(q.key))</code>\(only)</td><td>\(htmlEscape(q.text(r.estimates[i])))</td><td>\(htmlEscape(q.text(r.standardErrors[i])))</td>"
            out += "<td>\(htmlEscape(q.text(r.intervals[i].0))) to \(htmlEscape(q.text(r.intervals[i].1)))</td><td>\(htmlEscape(q.text(q.min))) to \(htmlEscape(q.text(q.max)))</td><td>\(q.scale.rawValue)</td></tr>\n"
        }
        out += "</table>\n" + warnings(spec, r).map { "<p class=\"warning\">\(htmlEscape($0))</p>\n" }.joined()
        out += "<h2>Correlations of the estimates</h2><table><tr><th></th>" + spec.parameters.map { "<th>\(htmlEscape(String($0.key.split(separator: ".").last ?? "")))</th>" }.joined() + "</tr>\n"
        for (i, q) in spec.parameters.enumerated() {
            out += "<tr><th>\(htmlEscape(q.key))</th>" + r.correlation[i].map { "<td>" + String(format: "%.3f", $0) + "</td>" }.joined() + "</tr>\n"
        }
        out += "</table><h2>Residuals</h2><table><tr><th>arm</th><th>time [h]</th><th>metric</th><th>observed</th><th>sigma</th><th>model</th><th>(model - observed) / sigma</th></tr>\n"
        for (i, o) in spec.observations.enumerated() {
            out += "<tr><td>\(htmlEscape(o.armLabel))</td><td>\(fmt(o.hours))</td><td>\(o.metric)</td><td>\(fmt(c.observed[i]))</td><td>\(fmt(o.sigma))</td><td>\(fmt(r.model[i]))</td><td>" + String(format: "%+.2f", r.residuals[i]) + "</td></tr>\n"
        }
        out += "</table><p class=\"note\">Standard errors from the Jacobian at the estimates, (J<sup>T</sup>J)<sup>-1</sup> scaled by max(1, chi&sup2;/dof); intervals are symmetric on the fitted scale (the logarithm for log-scale parameters).</p>\n"
        out += "<script>\(HTMLPage.selfCheckScript)</script></body></html>\n"
        return out
    }
}
