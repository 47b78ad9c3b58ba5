import Artifacts
import BuildInfo
import Foundation
import Scenario
import SimCore
import StrictYAML

/// `report.html`: one self-contained page per run folder (charts as inline SVG, pictures as data
/// URIs, no network), built only from the folder's files, so `woundsim report DIR` rebuilds the
/// same bytes.
public enum Report {
    /// Reference ranges of PARAMETERS.md "Outcomes to compare with" for excisional mouse wounds.
    public struct Reference {
        /// "6 mm control wound, rough": (day, low %, high %) [lit].
        public static let controlRanges: [(Double, Double, Double)] = [(3, 30, 50), (7, 60, 80), (14, 90, 100)]
        /// Galiano 2004 (Wound Repair Regen 12:485, Fig 2; read off the figure, rough): closure % by day.
        public static let galianoControl: [(Double, Double)] = [(0, 0), (3, 25), (7, 65), (10, 85), (14, 95), (21, 100), (28, 100)]
        public static let galianoDiabetic: [(Double, Double)] = [(0, 0), (3, 5), (7, 18), (10, 35), (14, 55), (21, 80), (28, 92)]
    }

    /// A CSV with a header of names and numeric rows.
    public struct Table {
        public var columns: [String: [Double]] = [:]
        public var count = 0
        public init(csv text: String) {
            let lines = text.split(separator: "\n")
            guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else { return }
            var cols = [[Double]](repeating: [], count: header.count)
            for line in lines.dropFirst() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                for i in header.indices { cols[i].append(i < f.count ? Double(f[i]) ?? .nan : .nan) }
                count += 1
            }
            for (i, h) in header.enumerated() { columns[h] = cols[i] }
        }
        public subscript(_ name: String) -> [Double]? { columns[name] }
    }

    static let playerScript = """
    (function () {
      var frames = Array.prototype.slice.call(document.querySelectorAll('img[data-frame]'));
      var view = document.getElementById('player-image'), slider = document.getElementById('player-slider');
      var label = document.getElementById('player-label'), button = document.getElementById('player-play');
      if (!view || frames.length === 0) { return; }
      var timer = null;
      function show(i) { view.src = frames[i].src; label.textContent = frames[i].getAttribute('data-frame'); slider.value = String(i); }
      slider.max = String(frames.length - 1);
      slider.addEventListener('input', function () { show(parseInt(slider.value, 10)); });
      button.addEventListener('click', function () {
        if (timer) { clearInterval(timer); timer = null; button.textContent = 'Play'; return; }
        button.textContent = 'Pause';
        timer = setInterval(function () { show((parseInt(slider.value, 10) + 1) % frames.length); }, 700);
      });
      show(0);
    })();
    """

    /// Writes `report.html` into the run folder at `url` (atomically).
    public static func writeRun(_ url: URL) throws(OutputError) {
        let text = try run(url)
        try AtomicFile.write(Data(text.utf8), to: url.appendingPathComponent("report.html"))
    }

    /// The HTML of a run folder's report.
    public static func run(_ url: URL) throws(OutputError) -> String {
        func read(_ name: String) -> String? { try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8) }
        guard let summaryText = read("summary.json"), let summary = try? JSONSerialization.jsonObject(with: Data(summaryText.utf8)) as? [String: Any] else {
            throw .notWritable(url.appendingPathComponent("report.html").path, "\(url.path) is not a finished run folder (no summary.json)")
        }
        let series = Table(csv: read("timeseries.csv") ?? "")
        let resolved = read("scenario.resolved.yaml") ?? ""
        var issues: [InputIssue] = []
        let tree = YNode.parse(resolved, file: "scenario.resolved.yaml", issues: &issues)
        let name = summary["scenario"] as? String ?? "run"
        let closure = (summary["closure_time_h"] as? NSNumber)?.doubleValue
        let finalPct = (summary["closure_pct_final"] as? NSNumber)?.doubleValue ?? .nan
        let simulated = (summary["simulated_h"] as? NSNumber)?.doubleValue ?? 0
        let days = (series["time_h"] ?? []).map { $0 / 24 }
        let excisional = tree?["wound"]?["shape"].flatMap { if case let .scalar(s, _) = $0.value { return s } else { return nil } } == "circle"
        let description = tree?["description"].flatMap { if case let .scalar(s, _) = $0.value { return s } else { return nil } } ?? ""

        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
        out += "<title>woundsim: \(htmlEscape(name))</title>\n<style>\(HTMLPage.style)</style>\n<script>\(HTMLPage.selfCheckScript)</script></head><body>\n"
        out += "<h1>\(htmlEscape(name))</h1>\n<p class=\"sub\">\(htmlEscape(description))</p>\n<div class=\"facts\">"
        out += "<div class=\"fact\">closure (95 %)<b>\(closure.map { String(format: "%.1f h (day %.1f)", $0, $0 / 24) } ?? "not closed")</b></div>"
        out += "<div class=\"fact\">closed at the end<b>\(String(format: "%.1f %%", finalPct))</b></div>"
        out += "<div class=\"fact\">simulated<b>\(String(format: "%.0f h", simulated))</b></div>"
        out += "<div class=\"fact\">seed<b>\(summary["seed"].map { "\($0)" } ?? "?")</b></div>"
        out += "<div class=\"fact\">wall time<b>\(String(format: "%.1f s", (summary["wall_time_s"] as? NSNumber)?.doubleValue ?? 0)) on \((summary["threads"] as? NSNumber)?.intValue ?? 1) threads</b></div></div>\n"

        // Closure with the reference ranges.
        out += "<h2>Closure</h2>\n"
        var chart = SVGChart(title: "Wound closure (re-epithelialisation)", xLabel: "time [days]", yLabel: "closure [%]",
                             series: [.init(name: "this run", color: chartColors[0], points: Array(zip(days, series["closure_pct"] ?? [])))])
        chart.yMin = 0; chart.yMax = 100
        chart.hlines = [(95, "95 %: closed", "#777")]
        if let c = closure { chart.vlines = [(c / 24, String(format: "closed %.1f d", c / 24), chartColors[0])] }
        if excisional {
            let end = max(simulated / 24, 1)
            chart.shades = Reference.controlRanges.filter { $0.0 <= end + 0.5 }.map { .init(x0: $0.0 - 0.4, x1: $0.0 + 0.4, y0: $0.1, y1: $0.2, color: "#8fbc8f", label: "6 mm control, rough [lit]") }
            chart.series.append(.init(name: "Galiano 2004 control", color: "#444", points: Reference.galianoControl.filter { $0.0 <= end + 0.5 }, dots: true))
            chart.series.append(.init(name: "Galiano 2004 db/db", color: "#999", points: Reference.galianoDiabetic.filter { $0.0 <= end + 0.5 }, dots: true))
        }
        let mechanics = series["contraction_pct"] != nil
        if mechanics {
            chart.series.append(.init(name: "closure in space (with contraction)", color: chartColors[1], points: Array(zip(days, series["closure_with_contraction_pct"] ?? []))))
            chart.series.append(.init(name: "contraction", color: chartColors[2], points: Array(zip(days, series["contraction_pct"] ?? []))))
        }
        out += chart.svg() + "\n"
        out += excisional
            ? "<p class=\"note\">Shaded: 6 mm control wounds, 30-50 % closed at day 3, 60-80 % at day 7, 90-100 % at day 14 (rough, [lit]); dots: Galiano 2004 (Fig 2, read off the figure by others, rough), control and diabetic db/db mice. Galiano's wounds were splinted and measured by re-epithelialisation." + (mechanics ? " Contraction: the loss of area inside the wound's moved edge; closure in space: the open surface weighted by the tissue's areal stretch (PARAMETERS.md \"Tissue mechanics\"; the cells do not yet feel the contraction)." : " This run has no mechanics: unsplinted wounds also close by contraction.") + "</p>\n"
            : "<p class=\"note\">No in-vivo reference drawn: this is not an excisional wound. Scratch assays: front speed 2 sqrt(D r), about 10-18 um/h for the Simpson lab's values (PARAMETERS.md).</p>\n"

        // Cells, matrix, factors.
        out += "<h2>Cells, matrix and factors in the wound</h2>\n<div class=\"charts\">"
        let cellSeries: [(String, String)] = [("keratinocytes_in_wound", "keratinocytes"), ("fibroblasts_in_wound", "fibroblasts"), ("endothelial_in_wound", "endothelial cells")]
        out += SVGChart(title: "Cells inside the wound", xLabel: "time [days]", yLabel: "cells",
                        series: cellSeries.enumerated().map { i, c in .init(name: c.1, color: chartColors[i], points: Array(zip(days, series[c.0] ?? []))) }).svg() + "\n"
        if series["macrophages"] != nil {
            let states: [(String, String)] = [("macrophages_inflammatory", "pro-inflammatory"), ("macrophages_repair", "pro-repair"), ("macrophages_in_wound", "in the wound")]
            out += SVGChart(title: "Macrophages by state", xLabel: "time [days]", yLabel: "cells",
                            series: states.enumerated().map { i, c in .init(name: c.1, color: chartColors[(i + 4) % chartColors.count], points: Array(zip(days, series[c.0] ?? []))) }).svg() + "\n"
        }
        if series["neutrophils"] != nil {
            let kinds: [(String, String)] = [("neutrophils", "all"), ("neutrophils_in_wound", "in the wound")]
            out += SVGChart(title: "Neutrophils", xLabel: "time [days]", yLabel: "cells",
                            series: kinds.enumerated().map { i, c in .init(name: c.1, color: chartColors[(i + 1) % chartColors.count], points: Array(zip(days, series[c.0] ?? []))) }).svg() + "\n"
        }
        out += SVGChart(title: "Collagen and vessels in the wound", xLabel: "time [days]", yLabel: "fraction",
                        series: [.init(name: "collagen (of intact dermis)", color: chartColors[2], points: Array(zip(days, series["collagen_in_wound"] ?? []))),
                                 .init(name: "vessel density", color: chartColors[1], points: Array(zip(days, series["vessel_density_in_wound"] ?? [])))]).svg() + "\n"
        // Averaged over each output interval, so that doses between samples show (older run
        // folders have only the sampled means).
        let suffix = series.columns.keys.contains { $0.hasSuffix("_interval_mean_ngml") } ? "_interval_mean_ngml" : "_mean_ngml"
        let allFactorColumns = series.columns.keys.filter { $0.hasSuffix(suffix) }.sorted { a, b in
            let order = ["EGF", "bFGF", "VEGF", "HGF"]
            return (order.firstIndex(of: String(a.dropLast(suffix.count))) ?? 99, a) < (order.firstIndex(of: String(b.dropLast(suffix.count))) ?? 99, b)
        }
        // Quasi-steady factors (oxygen: tens of uM, a thousand ng/mL) get a chart of their own in
        // uM, so that the growth factors' tenths of a ng/mL stay readable.
        let steady = Self.quasiSteadyFactors(tree)
        let factorColumns = allFactorColumns.filter { steady[String($0.dropLast(suffix.count))] == nil }
        out += SVGChart(title: "Growth factors over the wound, mean over each output interval", xLabel: "time [days]", yLabel: "ng/mL",
                        series: factorColumns.enumerated().map { i, c in .init(name: String(c.dropLast(suffix.count)), color: chartColors[(i + 3) % chartColors.count], points: Array(zip(days, series[c] ?? []))) }).svg() + "\n"
        let steadyColumns = allFactorColumns.filter { steady[String($0.dropLast(suffix.count))] != nil }
        if !steadyColumns.isEmpty {
            out += SVGChart(title: "Quasi-steady factors over the wound, mean over each output interval", xLabel: "time [days]", yLabel: "uM",
                            series: steadyColumns.enumerated().map { i, c in
                                let name = String(c.dropLast(suffix.count))
                                // 1 ng/mL is 1 ug/L; over g/mol that is umol/L.
                                let perUM = 1 / steady[name]!
                                return .init(name: name, color: chartColors[(i + 6) % chartColors.count], points: zip(days, series[c] ?? []).map { ($0, $1 * perUM) })
                            }).svg() + "\n"
        }
        out += "</div>\n"

        // Migration onset against the configured lags.
        out += "<h2>Migration onset</h2>\n" + onsetChart(summary: summary, tree: tree) + "\n"
        out += "<p class=\"note\">Observed: first time 10 % of a kind's cells within 500 um of the wound edge migrate. Configured: the kind's lag after activation. The 4 h / 12 h / 24 h lags come from a retracted source (Hu 2013): priors, not facts.</p>\n"

        // Snapshots and the frame player.
        out += snapshots(url)

        // Parameters and profile.
        out += "<h2>Parameters</h2>\n" + parameterTable(tree, text: resolved)
        out += "<h2>Where the time went</h2>\n" + profileTable(summary)
        out += "<p class=\"note\">woundsim \(htmlEscape(BuildInfo.version)); files: <code>timeseries.csv</code>, <code>summary.json</code>, <code>scenario.resolved.yaml</code>, <code>fields/</code>, \(FileManager.default.fileExists(atPath: url.appendingPathComponent("tissue").path) ? "<code>tissue/</code>, " : "")<code>vtk/</code> beside this page.</p>\n"
        out += "</body></html>\n"
        return out
    }

    /// The factors the resolved scenario solves quasi-steadily, with their molar masses [g/mol].
    /// A factor whose molar mass does not read stays on the ng/mL chart (no uM without it).
    static func quasiSteadyFactors(_ tree: YNode?) -> [String: Double] {
        guard let factors = tree?["factors"], case let .map(entries) = factors.value else { return [:] }
        var result: [String: Double] = [:]
        for entry in entries where entry.value["quasi_steady"] != nil {
            if let text = scalarText(entry.value["molar_mass"]), let mass = try? Units.parse(text, as: .molarMass), mass > 0 {
                result[entry.key] = mass
            }
        }
        return result
    }

    static func scalarText(_ node: YNode?) -> String? {
        guard let node, case let .scalar(s, _) = node.value else { return nil }
        return s
    }

    /// One row per kind: the observed onset (bar) and the configured lag (diamond).
    static func onsetChart(summary: [String: Any], tree: YNode?) -> String {
        let onset = summary["migration_onset_h"] as? [String: Any] ?? [:]
        let kinds = ["keratinocyte", "fibroblast", "endothelial"]
        var lags: [String: Double] = [:]
        for k in kinds {
            if let text = scalarText(tree?["cells"]?[k]?["migration"]?["lag"]), let v = Double(text.split(separator: " ").first ?? "") { lags[k] = v / 60 }
        }
        let values = kinds.compactMap { (onset[$0] as? NSNumber)?.doubleValue } + kinds.compactMap { lags[$0] }
        let xMax = max(6, (values.max() ?? 24) * 1.15)
        let width = 680.0, left = 110.0, right = 150.0, rowH = 34.0, top = 30.0
        let pw = width - left - right, height = top + rowH * Double(kinds.count) + 40
        func px(_ x: Double) -> Double { left + x / xMax * pw }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var body = "<text x=\"\(f(left))\" y=\"18\" class=\"title\">Migration onset per kind</text>\n"
        var drawn = 0
        for t in SVGChart.ticks(0, xMax) {
            body += "<line x1=\"\(f(px(t)))\" x2=\"\(f(px(t)))\" y1=\"\(f(top))\" y2=\"\(f(top + rowH * 3))\" class=\"grid\"/><text x=\"\(f(px(t)))\" y=\"\(f(top + rowH * 3 + 14))\" class=\"tick\" text-anchor=\"middle\">\(SVGChart.label(t))</text>\n"
        }
        for (i, k) in kinds.enumerated() {
            let y = top + rowH * (Double(i) + 0.5)
            body += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" class=\"tick\" text-anchor=\"end\">\(k)</text>\n"
            if let o = (onset[k] as? NSNumber)?.doubleValue {
                body += "<rect class=\"datum\" x=\"\(f(px(0)))\" y=\"\(f(y - 8))\" width=\"\(f(px(o) - px(0)))\" height=\"16\" fill=\"\(chartColors[i])\" opacity=\"0.8\"><title>\(k): onset \(String(format: "%.2f", o)) h</title></rect>\n"
                body += "<text x=\"\(f(px(o) + 4))\" y=\"\(f(y + 4))\" class=\"tick\">\(String(format: "%.1f h", o))</text>\n"
                drawn += 1
            } else {
                body += "<text x=\"\(f(px(0) + 4))\" y=\"\(f(y + 4))\" class=\"tick\">no onset (no cells or not activated)</text>\n"
            }
            if let lag = lags[k] {
                body += "<path class=\"datum\" d=\"M\(f(px(lag))) \(f(y - 12)) l7 12 l-7 12 l-7 -12 z\" fill=\"none\" stroke=\"#222\" stroke-width=\"2\"><title>\(k): configured lag \(String(format: "%.1f", lag)) h (retracted prior)</title></path>\n"
                drawn += 1
            }
        }
        body += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 6))\" class=\"label\" text-anchor=\"middle\">time after wounding [h]</text>\n"
        body += "<rect x=\"\(f(left + pw + 12))\" y=\"\(f(top))\" width=\"18\" height=\"10\" fill=\"\(chartColors[0])\"/><text x=\"\(f(left + pw + 34))\" y=\"\(f(top + 9))\" class=\"tick\">observed onset</text>\n"
        body += "<path d=\"M\(f(left + pw + 21)) \(f(top + 16)) l6 8 l-6 8 l-6 -8 z\" fill=\"none\" stroke=\"#222\" stroke-width=\"2\"/><text x=\"\(f(left + pw + 34))\" y=\"\(f(top + 28))\" class=\"tick\">configured lag</text>\n"
        return "<svg class=\"chart\" data-points=\"\(drawn)\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Migration onset\">\n\(body)</svg>"
    }

    /// The snapshot strip (cells and each factor at up to eight times) and a player over every
    /// cells frame.
    static func snapshots(_ url: URL) -> String {
        let frames = url.appendingPathComponent("frames")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: frames.path)) ?? []).filter { $0.hasSuffix(".png") && !$0.hasPrefix(".") }.sorted()
        guard !files.isEmpty else {
            return "<h2>Snapshots</h2>\n<p class=\"note\">This run wrote no snapshots (<code>time.snapshot_every</code> not set).</p>\n"
        }
        // name_tNNNNNmin.png -> (name, stamp)
        var byStamp: [String: [String: String]] = [:]
        var names: [String] = []
        for f in files {
            guard let r = f.range(of: "_t", options: .backwards) else { continue }
            let name = String(f[..<r.lowerBound]), stamp = String(f[r.upperBound...].dropLast(4))
            byStamp[stamp, default: [:]][name] = f
            if !names.contains(name) { names.append(name) }
        }
        // Cells, then the factors (the secretome's four first), then the tissue's maps.
        let tissue = Formats.tissueMapMeanings.map(\.name)
        func rank(_ n: String) -> (Int, Int, String) {
            if n == "cells" { return (0, 0, n) }
            if let t = tissue.firstIndex(of: n) { return (2, t, n) }
            return (1, ["EGF", "bFGF", "VEGF", "HGF"].firstIndex(of: n) ?? 9, n)
        }
        names.sort { rank($0) < rank($1) }
        func title(_ n: String) -> String {
            if n == "cells" { return "cells by kind" }
            return Formats.tissueMapMeanings.first { $0.name == n }?.meaning ?? "\(n) [ng/mL]"
        }
        let stamps = byStamp.keys.sorted()
        var chosen = stamps
        if stamps.count > 8 { chosen = (0..<8).map { stamps[Int((Double($0) * Double(stamps.count - 1) / 7).rounded())] } }
        func hours(_ stamp: String) -> String { Int(stamp.dropLast(3)).map { String(format: "%.0f h", Double($0) / 60) } ?? stamp }
        var cache: [String: String] = [:]
        func uri(_ file: String) -> String {
            if let c = cache[file] { return c }
            let data = (try? Data(contentsOf: frames.appendingPathComponent(file))) ?? Data()
            let s = "data:image/png;base64," + data.base64EncodedString()
            cache[file] = s
            return s
        }
        var out = "<h2>Snapshots</h2>\n<div class=\"strip\"><table><tr><th></th>" + chosen.map { "<th>\(hours($0))</th>" }.joined() + "</tr>\n"
        for n in names {
            out += "<tr><th>\(htmlEscape(title(n)))</th>"
            for s in chosen {
                if let f = byStamp[s]?[n] {
                    let frameAttribute = n == "cells" ? " data-frame=\"t = \(hours(s))\"" : ""
                    out += "<td><img alt=\"\(htmlEscape(n)) at \(hours(s))\" src=\"\(uri(f))\"\(frameAttribute)></td>"
                } else { out += "<td></td>" }
            }
            out += "</tr>\n"
        }
        out += "</table></div>\n<p class=\"note\">Cells: K keratinocyte, F fibroblast, M myofibroblast, E endothelial, V vessel; factors as heat maps scaled to each picture's maximum (colour bar in ng/mL)\(names.contains("collagen") ? "; the dermis's collagen on a fixed 0-1 scale (a fraction of intact dermis), and its vessel and myofibroblast sites (files in <code>tissue/</code>)" : "").</p>\n"
        // The player also shows frames the strip left out.
        let hidden = stamps.filter { !chosen.contains($0) }.compactMap { s in byStamp[s]?["cells"].map { (s, $0) } }
        if !hidden.isEmpty {
            out += "<div style=\"display:none\">" + hidden.map { "<img alt=\"cells at \(hours($0.0))\" src=\"\(uri($0.1))\" data-frame=\"t = \(hours($0.0))\">" }.joined() + "</div>\n"
        }
        out += "<h2>Frames</h2>\n<div class=\"player\"><button id=\"player-play\" type=\"button\">Play</button> <input id=\"player-slider\" type=\"range\" min=\"0\" value=\"0\" step=\"1\" style=\"width:60%\"> <span id=\"player-label\"></span><br>"
        out += "<img id=\"player-image\" alt=\"cells frame\" src=\"\(byStamp[stamps[0]]?["cells"].map(uri) ?? uri(files[0]))\"></div>\n<script>\(playerScript)</script>\n"
        return out
    }

    /// Every value of the resolved scenario with its unit and, where given, its source; rows
    /// citing a retracted source are flagged.
    static func parameterTable(_ tree: YNode?, text: String) -> String {
        guard let tree else { return "<p class=\"note\">scenario.resolved.yaml is missing or unreadable.</p>\n" }
        var rows: [(String, String, String)] = []
        // A value the user set (`# set by --set`, `# set in FILE` on its line) is credited to
        // them, not to the source of the value it replaced.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        /// The mark of a value on its line: "by --set" or "in FILE"; a line holding several
        /// values names those that were set (`# set by --set: ec50`).
        func mark(_ node: YNode, key: String) -> String? {
            let line = node.location.line
            guard line > 0, line <= lines.count, let r = lines[line - 1].range(of: "  # set ") else { return nil }
            for part in lines[line - 1][r.upperBound...].components(separatedBy: "; ") {
                let text = part.hasPrefix("set ") ? String(part.dropFirst(4)) : part
                guard let colon = text.range(of: ": ") else { return text }
                if text[colon.upperBound...].components(separatedBy: ", ").contains(key) { return String(text[..<colon.lowerBound]) }
            }
            return nil
        }
        var overridden = 0
        func walk(_ node: YNode, _ path: String) {
            switch node.value {
            case let .map(entries):
                let common = entries.first { $0.key == "source" }.flatMap { scalarText($0.value) } ?? ""
                let lagSource = entries.first { $0.key == "lag_source" }.flatMap { scalarText($0.value) }
                for e in entries where e.key != "source" && e.key != "lag_source" {
                    let p = path.isEmpty ? e.key : "\(path).\(e.key)"
                    var source = e.key == "lag" ? (lagSource ?? common) : common
                    var leaf = false
                    if case .scalar = e.value.value { leaf = true }
                    if case let .list(items) = e.value.value, items.allSatisfy({ if case .scalar = $0.value { return true } else { return false } }) { leaf = true }
                    if leaf, let m = mark(e.value, key: e.key) {
                        overridden += 1
                        source = "set \(m)" + (source.isEmpty ? "" : " (replacing a value cited to: \(source))")
                    }
                    if case .scalar = e.value.value { rows.append((p, scalarText(e.value) ?? "", source)) }
                    else if case let .list(items) = e.value.value, items.allSatisfy({ if case .scalar = $0.value { return true } else { return false } }) {
                        rows.append((p, "[" + items.compactMap(scalarText).joined(separator: ", ") + "]", source))
                    } else { walk(e.value, p) }
                }
            case let .list(items):
                for (i, item) in items.enumerated() { walk(item, "\(path)[\(i)]") }
            default:
                rows.append((path, scalarText(node) ?? "", ""))
            }
        }
        walk(tree, "")
        let retracted = rows.filter { !$0.2.hasPrefix("set ") && $0.2.lowercased().contains("retracted") }.count
        var out = "<p class=\"note\">\(rows.count) values in internal units (um, min, ng/mL) as the run used them; \(overridden) set by the user (--set or their own file); \(retracted) rest on a retracted source (flagged: priors to vary in a sweep, not facts).</p>\n"
        out += "<table><tr><th>key</th><th>value</th><th>source</th></tr>\n"
        for (k, v, s) in rows {
            let flagged = !s.hasPrefix("set ") && s.lowercased().contains("retracted")
            out += "<tr\(flagged ? " class=\"retracted\"" : "")><td><code>\(htmlEscape(k))</code></td><td>\(htmlEscape(v))</td><td>\(flagged ? "<span class=\"flag\">retracted</span> " : "")\(htmlEscape(s))</td></tr>\n"
        }
        return out + "</table>\n"
    }

    static func profileTable(_ summary: [String: Any]) -> String {
        let profile = summary["profile"] as? [[String: Any]] ?? []
        guard !profile.isEmpty else { return "<p class=\"note\">No profile recorded.</p>\n" }
        let names = profile.compactMap { $0["phase"] as? String }
        let seconds = profile.map { ($0["seconds"] as? NSNumber)?.doubleValue }
        var bars = SVGBars(title: "Seconds per phase", yLabel: "s", categories: names, groups: [.init(name: "wall time", color: chartColors[0], values: seconds)])
        bars.height = 240
        var out = bars.svg() + "\n<table><tr><th>phase</th><th>seconds</th><th>share</th></tr>\n"
        for p in profile {
            out += "<tr><td>\(htmlEscape(p["phase"] as? String ?? ""))</td><td>\(String(format: "%.2f", (p["seconds"] as? NSNumber)?.doubleValue ?? 0))</td><td>\(String(format: "%.1f %%", 100 * ((p["share"] as? NSNumber)?.doubleValue ?? 0)))</td></tr>\n"
        }
        out += "</table>\n<p class=\"note\">cells: \(String(format: "%.3g", (summary["cell_updates_per_s"] as? NSNumber)?.doubleValue ?? 0)) cell updates/s; diffusion: \(String(format: "%.3g", (summary["voxel_factor_updates_per_s"] as? NSNumber)?.doubleValue ?? 0)) voxel-factor updates/s.</p>\n"
        return out
    }
}
