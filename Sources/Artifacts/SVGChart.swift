import Foundation

/// Charts drawn as inline SVG for the HTML reports: no scripts, no network, no fonts beyond the
/// browser's default. Every drawn datum carries `class="datum"`, and each chart records how many
/// it drew in `data-points`, so a browser check can tell an empty chart from a drawn one.
public struct SVGChart {
    public struct Series {
        public var name: String
        public var color: String
        /// (x, y) pairs; drawn as a line, or as dots when `dots`.
        public var points: [(Double, Double)]
        public var dots: Bool
        public var dashed: Bool
        /// An optional band around the line: (x, low, high).
        public var band: [(Double, Double, Double)]
        public init(name: String, color: String, points: [(Double, Double)], dots: Bool = false, dashed: Bool = false, band: [(Double, Double, Double)] = []) {
            self.name = name; self.color = color; self.points = points; self.dots = dots; self.dashed = dashed; self.band = band
        }
    }

    /// A shaded rectangle in data coordinates (reference ranges).
    public struct Shade {
        public var x0, x1, y0, y1: Double
        public var color: String
        public var label: String
        public init(x0: Double, x1: Double, y0: Double, y1: Double, color: String, label: String) {
            self.x0 = x0; self.x1 = x1; self.y0 = y0; self.y1 = y1; self.color = color; self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var shades: [Shade] = []
    /// Vertical lines: (x, label, colour).
    public var vlines: [(Double, String, String)] = []
    /// Horizontal lines: (y, label, colour).
    public var hlines: [(Double, String, String)] = []
    /// Category names for x = 0, 1, 2, ... (a categorical axis).
    public var xCategories: [String]? = nil
    /// A logarithmic x axis (positive x only).
    public var xLog = false
    public var yMin: Double? = nil
    public var yMax: Double? = nil
    public var width = 540.0
    public var height = 300.0

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
    }

    /// "Nice" tick positions covering [lo, hi].
    public static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var t = ceil(lo / step - 1e-9) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    public static func label(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e6 { return String(Int(v)) }
        return String(format: "%.3g", v)
    }

    public func svg() -> String {
        let left = 60.0, right = 165.0, top = 30.0, bottom = 46.0
        let pw = width - left - right, ph = height - top - bottom
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            xs += s.points.map(\.0); ys += s.points.map(\.1)
            xs += s.band.map(\.0); ys += s.band.flatMap { [$0.1, $0.2] }
        }
        for sh in shades { xs += [sh.x0, sh.x1]; ys += [sh.y0, sh.y1] }
        xs += vlines.map(\.0); ys += hlines.map(\.0)
        xs = xs.filter(\.isFinite); ys = ys.filter(\.isFinite)
        let logX = xLog && xCategories == nil && !xs.isEmpty && xs.allSatisfy { $0 > 0 }
        func tx(_ x: Double) -> Double { logX ? log10(x) : x }
        var x0 = xs.map(tx).min() ?? 0, x1 = xs.map(tx).max() ?? 1
        if let c = xCategories { x0 = -0.5; x1 = Double(c.count) - 0.5 }
        if x1 <= x0 { x0 -= 0.5; x1 += 0.5 }
        if logX { let pad = (x1 - x0) * 0.04; x0 -= pad; x1 += pad }
        var y0 = yMin ?? min(0, ys.min() ?? 0), y1 = yMax ?? (ys.max() ?? 1)
        if y1 <= y0 { y1 = y0 + 1 }
        if yMax == nil { y1 += (y1 - y0) * 0.05 }
        func px(_ x: Double) -> Double { left + (tx(x) - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { top + ph - (y - y0) / (y1 - y0) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var drawn = 0
        var body = ""
        body += "<text x=\"\(f(left))\" y=\"18\" class=\"title\">\(htmlEscape(title))</text>\n"
        for sh in shades {
            body += "<rect x=\"\(f(px(sh.x0)))\" y=\"\(f(py(sh.y1)))\" width=\"\(f(px(sh.x1) - px(sh.x0)))\" height=\"\(f(py(sh.y0) - py(sh.y1)))\" fill=\"\(sh.color)\" opacity=\"0.35\"><title>\(htmlEscape(sh.label))</title></rect>\n"
        }
        // Axes and grid.
        for t in Self.ticks(y0, y1) {
            body += "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(py(t)))\" y2=\"\(f(py(t)))\" class=\"grid\"/><text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" class=\"tick\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        if let cats = xCategories {
            for (i, c) in cats.enumerated() {
                body += "<text x=\"\(f(px(Double(i))))\" y=\"\(f(top + ph + 16))\" class=\"tick\" text-anchor=\"middle\">\(htmlEscape(c))</text>\n"
            }
        } else {
            let xticks = logX ? (Int(floor(x0))...Int(ceil(x1))).flatMap { e in [1.0, 2, 5].map { $0 * pow(10, Double(e)) } }.filter { tx($0) >= x0 && tx($0) <= x1 } : Self.ticks(x0, x1)
            for t in xticks {
                body += "<line x1=\"\(f(px(t)))\" x2=\"\(f(px(t)))\" y1=\"\(f(top + ph))\" y2=\"\(f(top + ph + 4))\" class=\"axis\"/><text x=\"\(f(px(t)))\" y=\"\(f(top + ph + 16))\" class=\"tick\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
            }
        }
        body += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" class=\"frame\"/>\n"
        body += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" class=\"label\" text-anchor=\"middle\">\(htmlEscape(xLabel))</text>\n"
        body += "<text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" class=\"label\" text-anchor=\"middle\">\(htmlEscape(yLabel))</text>\n"
        for (y, text, color) in hlines {
            body += "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(py(y)))\" y2=\"\(f(py(y)))\" stroke=\"\(color)\" stroke-dasharray=\"4 3\"/><text x=\"\(f(left + pw - 4))\" y=\"\(f(py(y) - 4))\" class=\"tick\" text-anchor=\"end\" fill=\"\(color)\">\(htmlEscape(text))</text>\n"
        }
        for (x, text, color) in vlines {
            body += "<line x1=\"\(f(px(x)))\" x2=\"\(f(px(x)))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"\(color)\" stroke-width=\"1.5\"/><text x=\"\(f(px(x) + 4))\" y=\"\(f(top + 12))\" class=\"tick\" fill=\"\(color)\">\(htmlEscape(text))</text>\n"
        }
        // Data.
        for s in series {
            let band = s.band.filter { $0.0.isFinite && $0.1.isFinite && $0.2.isFinite }
            if band.count > 1 {
                let upper = band.map { "\(f(px($0.0))),\(f(py($0.2)))" }, lower = band.reversed().map { "\(f(px($0.0))),\(f(py($0.1)))" }
                body += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(s.color)\" opacity=\"0.18\"><title>\(htmlEscape(s.name)): 95 % CI</title></polygon>\n"
            } else if band.count == 1 {
                let b = band[0]
                body += "<line x1=\"\(f(px(b.0)))\" x2=\"\(f(px(b.0)))\" y1=\"\(f(py(b.1)))\" y2=\"\(f(py(b.2)))\" stroke=\"\(s.color)\" stroke-width=\"2\" opacity=\"0.6\"/>\n"
            }
            let pts = s.points.filter { $0.0.isFinite && $0.1.isFinite }
            if s.dots || pts.count == 1 {
                for p in pts {
                    body += "<circle class=\"datum\" cx=\"\(f(px(p.0)))\" cy=\"\(f(py(p.1)))\" r=\"3.5\" fill=\"\(s.color)\"><title>\(htmlEscape(s.name)): \(Self.label(p.0)), \(String(format: "%.4g", p.1))</title></circle>\n"
                }
            } else if !pts.isEmpty {
                body += "<polyline class=\"datum\" points=\"\(pts.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")><title>\(htmlEscape(s.name))</title></polyline>\n"
            }
            drawn += pts.count
        }
        // Legend.
        var ly = top + 6
        for s in series {
            body += "<line x1=\"\(f(left + pw + 12))\" x2=\"\(f(left + pw + 30))\" y1=\"\(f(ly))\" y2=\"\(f(ly))\" stroke=\"\(s.color)\" stroke-width=\"3\"\(s.dashed ? " stroke-dasharray=\"4 3\"" : "")/><text x=\"\(f(left + pw + 34))\" y=\"\(f(ly + 4))\" class=\"tick\">\(htmlEscape(s.name))</text>\n"
            ly += 16
        }
        for sh in shades where !sh.label.isEmpty && !body.contains("legend-shade-\(sh.color)") {
            body += "<rect id=\"legend-shade-\(sh.color)\" x=\"\(f(left + pw + 12))\" y=\"\(f(ly - 6))\" width=\"18\" height=\"10\" fill=\"\(sh.color)\" opacity=\"0.35\"/><text x=\"\(f(left + pw + 34))\" y=\"\(f(ly + 4))\" class=\"tick\">\(htmlEscape(sh.label))</text>\n"
            ly += 16
        }
        return "<svg class=\"chart\" data-points=\"\(drawn)\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"\(htmlEscape(title))\">\n\(body)</svg>"
    }
}

/// Grouped vertical bars with optional error bars: (category, value, low, high) per group.
public struct SVGBars {
    public struct Group {
        public var name: String
        public var color: String
        public var values: [Double?]
        public var intervals: [(Double, Double)?]
        /// A colour per category, overriding `color` (e.g. the control arm in grey).
        public var colors: [String]
        public init(name: String, color: String, values: [Double?], intervals: [(Double, Double)?] = [], colors: [String] = []) {
            self.name = name; self.color = color; self.values = values; self.intervals = intervals; self.colors = colors
        }
    }

    public var title: String
    public var yLabel: String
    public var categories: [String]
    public var groups: [Group]
    public var width = 540.0
    public var height = 300.0

    public init(title: String, yLabel: String, categories: [String], groups: [Group]) {
        self.title = title; self.yLabel = yLabel; self.categories = categories; self.groups = groups
    }

    public func svg() -> String {
        let left = 60.0, right = 130.0, top = 30.0, bottom = 80.0
        let pw = width - left - right, ph = height - top - bottom
        var all: [Double] = [0]
        for g in groups { all += g.values.compactMap { $0 }.filter(\.isFinite); all += g.intervals.compactMap { $0 }.flatMap { [$0.0, $0.1] }.filter(\.isFinite) }
        var y0 = all.min()!, y1 = all.max()!
        if y1 <= y0 { y1 = y0 + 1 }
        y1 += (y1 - y0) * 0.05
        func py(_ y: Double) -> Double { top + ph - (y - y0) / (y1 - y0) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let slot = pw / Double(max(1, categories.count))
        let barWidth = slot * 0.8 / Double(max(1, groups.count))
        var body = "<text x=\"\(f(left))\" y=\"18\" class=\"title\">\(htmlEscape(title))</text>\n"
        for t in SVGChart.ticks(y0, y1) {
            body += "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(py(t)))\" y2=\"\(f(py(t)))\" class=\"grid\"/><text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" class=\"tick\" text-anchor=\"end\">\(SVGChart.label(t))</text>\n"
        }
        var drawn = 0
        for (c, name) in categories.enumerated() {
            let cx = left + slot * (Double(c) + 0.5)
            body += "<text transform=\"translate(\(f(cx)),\(f(top + ph + 12))) rotate(20)\" class=\"tick\">\(htmlEscape(name))</text>\n"
            for (gi, g) in groups.enumerated() {
                guard c < g.values.count, let v = g.values[c], v.isFinite else { continue }
                let x = cx - slot * 0.4 + barWidth * Double(gi)
                let yTop = py(max(v, 0)), yBottom = py(min(v, 0))
                body += "<rect class=\"datum\" x=\"\(f(x))\" y=\"\(f(yTop))\" width=\"\(f(barWidth * 0.92))\" height=\"\(f(max(0.5, yBottom - yTop)))\" fill=\"\(c < g.colors.count ? g.colors[c] : g.color)\"><title>\(htmlEscape(g.name)) \(htmlEscape(name)): \(String(format: "%.4g", v))</title></rect>\n"
                if c < g.intervals.count, let (lo, hi) = g.intervals[c] {
                    let mx = x + barWidth * 0.46
                    body += "<line x1=\"\(f(mx))\" x2=\"\(f(mx))\" y1=\"\(f(py(lo)))\" y2=\"\(f(py(hi)))\" stroke=\"#222\" stroke-width=\"1.5\"/>\n"
                }
                drawn += 1
            }
        }
        body += "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(py(0)))\" y2=\"\(f(py(0)))\" class=\"axis\"/>\n"
        body += "<text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" class=\"label\" text-anchor=\"middle\">\(htmlEscape(yLabel))</text>\n"
        var ly = top + 6
        for g in groups {
            body += "<rect x=\"\(f(left + pw + 12))\" y=\"\(f(ly - 6))\" width=\"18\" height=\"10\" fill=\"\(g.color)\"/><text x=\"\(f(left + pw + 34))\" y=\"\(f(ly + 4))\" class=\"tick\">\(htmlEscape(g.name))</text>\n"
            ly += 16
        }
        return "<svg class=\"chart\" data-points=\"\(drawn)\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"\(htmlEscape(title))\">\n\(body)</svg>"
    }
}


/// Colours for series (colour-blind safe, Okabe-Ito).
public let chartColors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
