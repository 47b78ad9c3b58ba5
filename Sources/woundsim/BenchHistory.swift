import Artifacts
import Dispatch
import Foundation

/// Benchmark history across commits (`Benchmarks/history.jsonl`, one JSON line per measurement).
///
/// Wall-clock throughput depends on the machine and on whoever else uses it, so every line also
/// carries a reference kernel measured in the same process right before and right after the
/// figures: a streaming triad (`a[i] = b[i] + s c[i]` over three arrays of 4 Mi doubles, 96 MB,
/// far beyond any cache here), whose speed is the machine's memory bandwidth at that moment. Each
/// throughput figure divided by the triad's bandwidth in GB/s is the line's *normalised* figure:
/// lines from noisy or different machines compare through it. An older build without the
/// reference is measured as a child process (`bench --of-binary`) between two reference
/// measurements by this binary, on the same machine.
///
/// A second reference, a dependent integer chain (multiply, add, shift, xor: one step cannot start
/// before the last ends), is the speed of one core at that moment, untouched by memory. A machine
/// that slows down for everyone (a busy neighbour, a shared core) slows the chain with the figures,
/// while the triad may not move; a slower build does not move the chain.
enum BenchHistory {
    /// Figures that are throughputs (kernel_Nt), the ones normalised and compared.
    static func isThroughput(_ key: String) -> Bool {
        guard let i = key.lastIndex(of: "_") else { return false }
        let tail = key[key.index(after: i)...]
        return tail.hasSuffix("t") && Int(tail.dropLast()) != nil
    }

    /// The streaming triad's bandwidth [bytes/s]: median of `repeats` passes, 24 bytes moved per
    /// element (two reads, one write), one thread.
    static func triadBytesPerSecond(repeats: Int = 9) -> Double {
        let n = 1 << 22
        let a = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let b = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let c = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        a.initialize(repeating: 0, count: n)
        for i in 0..<n { b[i] = Double(i & 1023); c[i] = Double(i & 511) }
        let scale = 1.5
        var times: [Double] = []
        var check = 0.0
        for r in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            for i in 0..<n { a[i] = b[i] + scale * c[i] }
            let t = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            check += a[r & (n - 1)]
            if r > 0 { times.append(t) }  // the first pass warms the pages up
        }
        precondition(check.isFinite)
        times.sort()
        return Double(24 * n) / times[times.count / 2]
    }

    /// The dependent chain's speed [steps/s]: median of `repeats` passes of 2^24 steps, one thread.
    /// Each step is a 64-bit multiply-add and a shift-xor on the last step's result, so neither the
    /// compiler nor the core can overlap or vectorise steps: its time is the core's latency.
    static func chainStepsPerSecond(repeats: Int = 9) -> Double {
        let n = 1 << 24
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        var times: [Double] = []
        for r in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<n {
                x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                x ^= x >> 29
            }
            let t = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            if r > 0 { times.append(t) }
        }
        // The chain's last value is read, so the loop cannot be optimised away.
        precondition(x != 0 || times.count > 0)
        times.sort()
        return Double(n) / times[times.count / 2]
    }

    /// One line of the history.
    struct Line {
        var commit: String
        var date: String
        var machine: String
        var version: String
        var figures: [String: Double]
        /// Triad bandwidth [bytes/s] measured around the figures.
        var reference: Double
        /// Dependent-chain speed [steps/s] measured with the triad; 0 on lines recorded before it.
        var chain: Double = 0
        /// Who measured the reference ("self", or the build that measured it for an older binary).
        var referenceBy: String
        /// Lattice side of the largest measurement (NxN sites).
        var size: Int = 0

        /// Throughput per GB/s of triad bandwidth.
        var normalised: [String: Double] {
            var out: [String: Double] = [:]
            for (k, v) in figures where BenchHistory.isThroughput(k) && reference > 0 { out[k] = v / (reference / 1e9) }
            return out
        }

        /// Throughput per G steps/s of the dependent chain (empty when the line has no chain).
        var perChain: [String: Double] {
            var out: [String: Double] = [:]
            for (k, v) in figures where BenchHistory.isThroughput(k) && chain > 0 { out[k] = v / (chain / 1e9) }
            return out
        }

        var json: JSONValue {
            .object([
                "commit": .string(commit), "date": .string(date), "machine": .string(machine), "version": .string(version),
                "figures": .object(figures.mapValues { .number($0) }),
                "reference": .object(["triad_bytes_per_s": .number(reference), "chain_steps_per_s": .number(chain),
                                      "measured_by": .string(referenceBy)]),
                "normalised": .object(normalised.mapValues { .number($0) }),
                "size": .number(Double(size)),
            ])
        }

        init(commit: String, date: String, machine: String, version: String, figures: [String: Double], reference: Double, referenceBy: String) {
            self.commit = commit; self.date = date; self.machine = machine; self.version = version
            self.figures = figures; self.reference = reference; self.referenceBy = referenceBy
        }

        /// Reads a history line; nil when it is not one.
        init?(_ text: Substring) {
            guard let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let figures = o["figures"] as? [String: Any] else { return nil }
            var f: [String: Double] = [:]
            for (k, v) in figures { if let x = (v as? NSNumber)?.doubleValue { f[k] = x } }
            let ref = o["reference"] as? [String: Any]
            commit = o["commit"] as? String ?? o["git_revision"] as? String ?? "unknown"
            date = o["date"] as? String ?? ""
            machine = o["machine"] as? String ?? ""
            version = o["version"] as? String ?? ""
            self.figures = f
            reference = (ref?["triad_bytes_per_s"] as? NSNumber)?.doubleValue ?? 0
            chain = (ref?["chain_steps_per_s"] as? NSNumber)?.doubleValue ?? 0
            referenceBy = ref?["measured_by"] as? String ?? ""
            size = (o["size"] as? NSNumber)?.intValue ?? 0
        }
    }

    enum Problem: Error, CustomStringConvertible {
        case unreadable(String), empty(String)
        var description: String {
            switch self {
            case let .unreadable(path): return "cannot read \(path)"
            case let .empty(path): return "\(path) holds no benchmark line"
            }
        }
    }

    /// Every readable line of a history file, oldest first.
    static func read(_ path: String) throws(Problem) -> [Line] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
        let lines = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.compactMap { Line($0) }
        if lines.isEmpty { throw .empty(path) }
        return lines
    }

    /// Appends one line (creating the file).
    static func append(_ line: Line, to path: String) throws {
        var data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        if let last = data.last, last != UInt8(ascii: "\n") { data.append(UInt8(ascii: "\n")) }
        data.append(line.json.compactData)
        data.append(UInt8(ascii: "\n"))
        try AtomicFile.write(data, to: URL(fileURLWithPath: path))
    }

    /// The best of one or more measurements of this build: each figure's highest normalised value and,
    /// separately, its highest raw value and highest value per chain speed (a check keeps all three:
    /// a fall must last).
    struct Best {
        var normalised: [String: Double]
        var raw: [String: Double]
        var perChain: [String: Double]
        var reference: Double
        var chain: Double
        var machine: String

        init(_ line: Line) {
            normalised = line.normalised; raw = line.figures; perChain = line.perChain
            reference = line.reference; chain = line.chain; machine = line.machine
        }

        mutating func keep(_ line: Line) {
            for (k, v) in line.normalised where v > (normalised[k] ?? 0) { normalised[k] = v }
            for (k, v) in line.figures where v > (raw[k] ?? 0) { raw[k] = v }
            for (k, v) in line.perChain where v > (perChain[k] ?? 0) { perChain[k] = v }
        }
    }

    /// The comparison of `now` with `before` over their common normalised figures: a table, and the
    /// figures that fell more than `tolerance` (a fraction) below. When both lines were measured on
    /// the same machine description, a figure counts as fallen only when its raw throughput fell
    /// beyond the tolerance too: on one machine kind the reference's own noise (triad medians of
    /// 17.5 to 27 GB/s were measured here a day apart, with the step figures within 12 % of each
    /// other) must not fail a build by itself. When both lines carry the chain reference, the figure
    /// per chain speed must have fallen beyond the tolerance as well, on any machine: a whole machine
    /// slowed (CI once measured every raw figure at 0.59-0.84 of the last line's, the triad at 0.87)
    /// moves the chain with the figures, a slower build does not. Across machine kinds without the
    /// chain the normalised figure decides.
    static func compare(_ now: Best, with before: Line, tolerance: Double) -> (table: String, fallen: [String], compared: Int) {
        let a = now.normalised, b = before.normalised
        let sameMachine = !now.machine.isEmpty && now.machine == before.machine
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        let withChain = before.chain > 0 && now.chain > 0
        var table = pad("normalised figure (per GB/s triad)", 36) + pad("now", 13) + pad(String(before.commit.prefix(12)), 13) + "ratio"
            + (sameMachine ? "  raw ratio" : "") + (withChain ? "  chain ratio" : "") + "\n"
        var fallen: [String] = []
        var compared = 0
        for key in a.keys.sorted() {
            guard let x = a[key], let y = b[key], y > 0 else { continue }
            compared += 1
            let ratio = x / y
            var rawRatio: Double?
            if sameMachine, let u = now.raw[key], let v = before.figures[key], v > 0 { rawRatio = u / v }
            var chainRatio: Double?
            if withChain, let u = now.perChain[key], let v = before.perChain[key], v > 0 { chainRatio = u / v }
            let flag = ratio < 1 - tolerance && (rawRatio.map { $0 < 1 - tolerance } ?? true)
                && (chainRatio.map { $0 < 1 - tolerance } ?? true)
            if flag { fallen.append(key) }
            table += pad(key, 36) + String(format: "%-12.4g %-12.4g %.3f", x, y, ratio)
                + (rawRatio.map { String(format: "  %.3f    ", $0) } ?? (sameMachine ? "  -        " : ""))
                + (chainRatio.map { String(format: "  %.3f", $0) } ?? (withChain ? "  -" : ""))
                + (flag ? "  below the limit" : "") + "\n"
        }
        table += String(format: "triad bandwidth: now %.2f GB/s, then %.2f GB/s\n", now.reference / 1e9, before.reference / 1e9)
        if withChain {
            table += String(format: "dependent chain: now %.3g steps/s, then %.3g steps/s; a fall counts when the figure per chain speed fell beyond the limit too\n", now.chain, before.chain)
        }
        if sameMachine { table += "same machine kind (\(before.machine)): a fall counts when the raw figure fell beyond the limit too\n" }
        return (table, fallen, compared)
    }

    /// An HTML page charting each kernel's normalised figures over the lines of the history.
    static func chartPage(_ lines: [Line], source: String) -> String {
        let labels = lines.map { String($0.commit.prefix(7)) }
        let kernels = Array(Set(lines.flatMap { $0.normalised.keys.map { String($0[..<$0.lastIndex(of: "_")!]) } })).sorted()
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
        var charts = ""
        for kernel in kernels {
            let keys = Array(Set(lines.flatMap { $0.normalised.keys.filter { $0.hasPrefix(kernel + "_") } })).sorted()
            let series = keys.enumerated().map { i, key in
                SVGChart.Series(name: key, color: colours[i % colours.count],
                                points: lines.enumerated().compactMap { x, line in line.normalised[key].map { (Double(x), $0) } }, dots: true)
            }
            var chart = SVGChart(title: "\(kernel): throughput per GB/s of triad bandwidth", xLabel: "commit (oldest first)",
                                 yLabel: "updates/s per GB/s", series: series)
            chart.xCategories = labels
            charts += chart.svg() + "\n"
        }
        var rows = ""
        for line in lines {
            let figures = line.normalised.keys.sorted().map { "\($0) \(String(format: "%.4g", line.normalised[$0]!))" }.joined(separator: ", ")
            rows += "<tr><td><code>\(htmlEscape(line.commit))</code></td><td>\(htmlEscape(line.date))</td><td>\(htmlEscape(line.machine))</td>"
                + "<td>\(String(format: "%.2f", line.reference / 1e9)) (\(htmlEscape(line.referenceBy)))</td><td>\(htmlEscape(figures))</td></tr>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>woundsim benchmark history</title>
        <style>\(HTMLPage.style)</style><script>\(HTMLPage.selfCheckScript)</script></head>
        <body>
        <h1>Benchmark history</h1>
        <p class="sub">\(lines.count) lines of <code>\(htmlEscape(source))</code>. Each figure is a throughput divided by the
        bandwidth of a streaming triad measured in the same process (or, for an older build, by the newer build on the same
        machine right before and after), so that lines from noisy or different machines compare.</p>
        <div class="charts">
        \(charts)</div>
        <h2>Lines</h2>
        <table><tr><th>commit</th><th>date</th><th>machine</th><th>triad GB/s (measured by)</th><th>normalised figures</th></tr>
        \(rows)</table>
        </body></html>

        """
    }
}
