import Foundation
import SimCore
import StrictYAML

public enum SweepFile {
    static let topKeys = ["sweep", "description", "base", "set", "control", "parameters", "design", "samples", "levels", "design_seed", "seeds", "replicates", "metrics"]

    /// Reads and validates a sweep file.
    /// - Throws: `InputErrors` with every problem (file, line, key, hint).
    public static func load(_ path: String) throws(InputErrors) -> SweepSpec {
        let file = URL(fileURLWithPath: path).standardizedFileURL.path
        if let attributes = try? FileManager.default.attributesOfItem(atPath: file),
           attributes[.type] as? FileAttributeType != .typeRegular || ((attributes[.size] as? NSNumber)?.intValue ?? 0) > 4 << 20 {
            throw InputErrors(issues: [InputIssue(location: .commandLine(path), key: "", message: "\"\(path)\" is not a regular file of at most 4 MB", hint: "give the path of a sweep YAML file")])
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw InputErrors(issues: [InputIssue(location: .commandLine(path), key: "", message: "cannot read the sweep file \"\(path)\"", hint: "give the path of a sweep YAML file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputErrors(issues: [InputIssue(location: SourceLocation(file: file, line: 1, column: 1), key: "", message: "is not UTF-8 text", hint: "give a YAML sweep file")])
        }
        return try parse(text, file: file)
    }

    /// Parses sweep YAML text (`file` names it in messages and anchors a relative `base:`).
    public static func parse(_ text: String, file: String) throws(InputErrors) -> SweepSpec {
        var parseIssues: [InputIssue] = []
        guard let root = YNode.parse(text, file: file, issues: &parseIssues) else { throw InputErrors(issues: parseIssues) }
        let r = Reader()
        r.issues = parseIssues
        guard let top = r.map(root, "", allowed: topKeys, required: ["sweep", "base", "parameters"]) else { throw InputErrors(issues: r.issues) }
        let name = r.string(top["sweep"], "sweep") ?? "sweep"
        if !isPlainName(name) {
            r.fail(top["sweep"], "sweep", "\"\(name)\" must be a plain name (letters, digits, dots, dashes, underscores)", hint: "it names the output folder")
        }
        let description = r.string(top["description"], "description") ?? ""
        let base = r.string(top["base"], "base") ?? ""
        let baseLocation = top["base"]?.location ?? root.location

        var sets: [(String, YNode)] = []
        if let s = r.mapInOrder(top["set"], "set") {
            for e in s {
                if let problem = keyProblem(e.key) { r.fail(nil, "set.\(e.key)", problem, at: e.keyLocation) } else { sets.append((e.key, e.value)) }
            }
        }

        var control: [(String, YNode)] = []
        if let c = r.mapInOrder(top["control"], "control") {
            if c.isEmpty { r.fail(top["control"], "control", "is empty", hint: "give the values of the control arm, e.g. `secretome.profile: control`") }
            for e in c {
                if let problem = keyProblem(e.key) { r.fail(nil, "control.\(e.key)", problem, at: e.keyLocation) } else { control.append((e.key, e.value)) }
            }
        }

        let design = (top["design"].flatMap { r.choice($0, "design", SweepSpec.Design.allCases.map(\.rawValue)) }).flatMap(SweepSpec.Design.init(rawValue:)) ?? .grid
        var parameters: [SweepSpec.Parameter] = []
        if let p = r.mapInOrder(top["parameters"], "parameters") {
            if p.isEmpty { r.fail(top["parameters"], "parameters", "is empty", hint: "name at least one dotted scenario key with its values") }
            for entry in p {
                let key = entry.key, node = entry.value, path = "parameters.\(key)"
                if let problem = keyProblem(key) { r.fail(nil, path, problem, at: entry.keyLocation); continue }
                if let domain = self.domain(node, path, design: design, r: r) {
                    parameters.append(SweepSpec.Parameter(key: key, domain: domain, location: node.location))
                }
            }
            for (key, node) in sets where parameters.contains(where: { $0.key == key }) {
                r.fail(node, "set.\(key)", "is also a swept parameter", hint: "remove it from `set:` or from `parameters:`")
            }
        }

        var samples = 0
        if design != .grid {
            if top["samples"] == nil {
                r.fail(root, "samples", "is missing", hint: design == .morris ? "the number of Morris trajectories, e.g. `samples: 10`" : "the number of samples, e.g. `samples: 32`")
            } else {
                samples = r.integer(top["samples"], "samples", min: design == .latinHypercube ? 2 : 1, max: 100_000) ?? 0
            }
        } else if let s = top["samples"] {
            r.fail(s, "samples", "is not used by a grid (its size is the product of the parameters' values)", hint: "remove it, or choose `design: latin-hypercube`")
        }
        var levels = 4
        if let l = top["levels"] {
            if design != .morris { r.fail(l, "levels", "is used only by `design: morris`", hint: "remove it") }
            else if let v = r.integer(l, "levels", min: 2, max: 100) {
                if v % 2 != 0 { r.fail(l, "levels", "\(v) must be even (Morris' step is p / (2 (p - 1)))", hint: "4 is usual") } else { levels = v }
            }
        }
        if design == .sobol, parameters.count > 20 {
            r.fail(top["parameters"], "parameters", "a Sobol design takes at most 20 parameters (GSL's Sobol sequence has 40 dimensions, two per parameter)")
        }
        let designSeed = r.integer(top["design_seed"], "design_seed", min: 0).map { UInt64($0) } ?? 1

        var seeds: [UInt64] = []
        switch (top["seeds"], top["replicates"]) {
        case let (s?, r2?):
            r.fail(r2, "replicates", "is given together with `seeds:`", hint: "give either the seeds or their number")
            _ = s
        case let (s?, nil):
            if let list = r.list(s, "seeds") {
                for (i, n) in list.enumerated() { if let v = r.integer(n, "seeds[\(i)]", min: 0) { seeds.append(UInt64(v)) } }
                if list.isEmpty { r.fail(s, "seeds", "is empty: a sweep needs at least one replicate", hint: "for example seeds: [1, 2, 3]") }
                if Set(seeds).count != seeds.count { r.fail(s, "seeds", "repeats a seed", hint: "replicates need different seeds") }
            }
        case let (nil, n?):
            if let count = r.integer(n, "replicates", max: 10_000) {
                if count < 1 { r.fail(n, "replicates", "\(count) replicates: a sweep needs at least one", hint: "for example replicates: 5 (seeds 1 to 5)") }
                else { seeds = (1...count).map { UInt64($0) } }
            }
        case (nil, nil):
            seeds = [1]
        }

        var metrics = SweepMetrics.defaults
        if let m = top["metrics"], let list = r.list(m, "metrics") {
            metrics = []
            for (i, n) in list.enumerated() {
                var metricName: String? = nil
                if case let .map(entries) = n.value {
                    // `{closure_pct_at: "12 h"}`: a timeseries column at any time of the run.
                    let keys = SweepMetrics.seriesColumns.map { $0 + "_at" } + ["F_mean_ngml_at", "F_interval_mean_ngml_at (F a factor)"]
                    if entries.count == 1, entries[0].key.hasSuffix("_at"), SweepMetrics.isSeriesColumn(String(entries[0].key.dropLast(3))) {
                        if let minutes = r.quantity(entries[0].value, "metrics[\(i)].\(entries[0].key)", .time) {
                            metricName = SweepMetrics.reading(String(entries[0].key.dropLast(3)), hours: minutes / 60)
                        }
                    } else {
                        r.fail(n, "metrics[\(i)]", "a metric with a value is written as {closure_pct_at: \"12 h\"}", hint: "the metrics with a value are \(keys.joined(separator: ", "))")
                    }
                    guard metricName != nil else { continue }
                }
                guard let name = metricName ?? r.string(n, "metrics[\(i)]") else { continue }
                if SweepMetrics.isKnown(name) {
                    if metrics.contains(name) { r.fail(n, "metrics[\(i)]", "\"\(name)\" is listed twice") } else { metrics.append(name) }
                } else {
                    let all = SweepMetrics.fixed + ["closure_pct_day7"]
                    let close = all.min { editDistance($0, name) < editDistance($1, name) }
                    let hint = close.flatMap { editDistance($0, name) <= 4 ? "did you mean `\($0)`?" : nil } ?? "the metrics are: \(SweepMetrics.fixed.joined(separator: ", ")), closure_pct_dayN, {closure_pct_at: \"12 h\"}"
                    r.fail(n, "metrics[\(i)]", "\"\(name)\" is not a metric", hint: hint)
                }
            }
            if list.isEmpty { r.fail(m, "metrics", "is empty", hint: "for example [closure_time_h, closure_pct_day7]") }
        }
        if !r.issues.isEmpty { throw InputErrors(issues: r.issues) }
        return SweepSpec(name: name, description: description, file: file, base: base, baseLocation: baseLocation, sets: sets,
                         parameters: parameters, design: design, samples: samples, levels: levels, designSeed: designSeed,
                         seeds: seeds, metrics: metrics, control: control)
    }

    /// A plain name: letters, digits, `.`, `-`, `_`, not starting with a dot; at most 100 characters.
    public static func isPlainName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 100, !name.hasPrefix(".") else { return false }
        return name.unicodeScalars.allSatisfy { ($0.isASCII && (CharacterSet.alphanumerics.contains($0))) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    static func keyProblem(_ key: String) -> String? {
        guard case let .success(path) = KeyPath.parse(key) else {
            return "is not a dotted scenario key (such as secretome.dose, or cells.keratinocyte.responses[factor=EGF,behaviour=migration].ec50)"
        }
        if ["name", "seed", "extends"].contains(path.components[0].key) { return "cannot be swept (the sweep sets the seed and the run's name itself)" }
        return nil
    }

    /// A parameter's values: a list, `{range: [min, max], steps, scale}` or `{distribution: ...}`.
    static func domain(_ node: YNode, _ path: String, design: SweepSpec.Design, r: Reader) -> SweepSpec.Domain? {
        switch node.value {
        case let .list(items):
            var values: [String] = []
            for (i, item) in items.enumerated() {
                if let s = r.scalar(item, "\(path)[\(i)]") { values.append(s) }
            }
            if items.isEmpty { r.fail(node, path, "is an empty list", hint: "give at least one value") ; return nil }
            if Set(values).count != values.count { r.fail(node, path, "repeats a value") ; return nil }
            return values.count == items.count ? .list(values) : nil
        case .map:
            guard let m = r.map(node, path, allowed: ["range", "steps", "scale", "distribution", "min", "max", "mean", "sd"]) else { return nil }
            if let range = m["range"] {
                for extra in ["distribution", "min", "max", "mean", "sd"] where m[extra] != nil {
                    r.fail(m[extra], "\(path).\(extra)", "does not go with `range:`", hint: "give either range: [min, max] or distribution: with its values")
                }
                guard let bounds = r.list(range, "\(path).range") else { return nil }
                guard bounds.count == 2 else { r.fail(range, "\(path).range", "needs two values [min, max], got \(bounds.count)"); return nil }
                let scale = m["scale"].flatMap { r.choice($0, "\(path).scale", ["linear", "log"]) }.flatMap(SweepSpec.Scale.init(rawValue:)) ?? .linear
                let steps = m["steps"].flatMap { r.integer($0, "\(path).steps", min: 2, max: 10_000) }
                if design == .grid, m["steps"] == nil {
                    r.fail(node, "\(path).steps", "is missing: a grid needs the number of values of a range", hint: "add `steps: 3`")
                }
                if design != .grid, let s = m["steps"] {
                    r.fail(s, "\(path).steps", "is used only by a grid (the \(design.rawValue) design draws from the whole range)", hint: "remove it")
                }
                guard let (lo, hi, unit) = bounded(bounds[0], bounds[1], "\(path).range", r: r) else { return nil }
                if scale == .log, lo <= 0 { r.fail(bounds[0], "\(path).range", "a log range needs min > 0"); return nil }
                return .range(min: lo, max: hi, unit: unit, scale: scale, steps: steps)
            }
            guard let d = m["distribution"] else {
                r.fail(node, path, "needs `range: [min, max]` or `distribution:`", hint: "or give a list of values")
                return nil
            }
            for extra in ["steps", "scale"] where m[extra] != nil {
                r.fail(m[extra], "\(path).\(extra)", "does not go with `distribution:`", hint: "remove it")
            }
            guard let kind = r.choice(d, "\(path).distribution", ["uniform", "log-uniform", "normal"]) else { return nil }
            if design == .grid {
                r.fail(d, "\(path).distribution", "a grid cannot sample a distribution", hint: "give a list or a range with steps, or choose `design: latin-hypercube`")
                return nil
            }
            switch kind {
            case "normal":
                for k in ["min", "max"] where m[k] != nil { r.fail(m[k], "\(path).\(k)", "does not go with a normal distribution", hint: "give mean and sd") }
                guard let mean = m["mean"], let sd = m["sd"] else { r.fail(node, path, "a normal distribution needs `mean:` and `sd:`"); return nil }
                guard let (mu, s, unit) = quantities(mean, sd, "\(path)", names: ("mean", "sd"), r: r) else { return nil }
                guard s > 0 else { r.fail(sd, "\(path).sd", "must be greater than zero"); return nil }
                return .normal(mean: mu, sd: s, unit: unit)
            default:
                for k in ["mean", "sd"] where m[k] != nil { r.fail(m[k], "\(path).\(k)", "does not go with a \(kind) distribution", hint: "give min and max") }
                guard let lo = m["min"], let hi = m["max"] else { r.fail(node, path, "a \(kind) distribution needs `min:` and `max:`"); return nil }
                guard let (a, b, unit) = bounded(lo, hi, path, r: r, names: ("min", "max")) else { return nil }
                if kind == "log-uniform", a <= 0 { r.fail(lo, "\(path).min", "a log-uniform distribution needs min > 0"); return nil }
                return .range(min: a, max: b, unit: unit, scale: kind == "log-uniform" ? .log : .linear, steps: nil)
            }
        default:
            r.fail(node, path, "must be a list of values, a range or a distribution, not \(node.kindName)",
                   hint: "for example [0.5, 1, 2], {range: [\"10 ng/mL\", \"100 ng/mL\"], steps: 3, scale: log}")
            return nil
        }
    }

    /// Two values with the same kind of unit, the second converted to the first one's unit; min < max.
    static func bounded(_ a: YNode, _ b: YNode, _ path: String, r: Reader, names: (String, String) = ("min", "max")) -> (Double, Double, String)? {
        guard let (lo, hi, unit) = quantities(a, b, path, names: names, r: r) else { return nil }
        if !(lo < hi) {
            r.fail(a, path, "\(names.0) \(format(lo, unit)) is not below \(names.1) \(format(hi, unit))", hint: "give the smaller value first")
            return nil
        }
        return (lo, hi, unit)
    }

    /// Reads two numbers with (or without) units of the same kind; the second in the first's unit.
    static func quantities(_ a: YNode, _ b: YNode, _ path: String, names: (String, String), r: Reader) -> (Double, Double, String)? {
        guard let ta = r.scalar(a, "\(path).\(names.0)"), let tb = r.scalar(b, "\(path).\(names.1)") else { return nil }
        guard let (va, ua) = split(ta) else { r.fail(a, "\(path).\(names.0)", "\"\(ta)\" does not start with a number", hint: "for example \"10 ng/mL\""); return nil }
        guard let (vb, ub) = split(tb) else { r.fail(b, "\(path).\(names.1)", "\"\(tb)\" does not start with a number", hint: "for example \"10 ng/mL\""); return nil }
        if ua.isEmpty != ub.isEmpty {
            let (node, which, text) = ua.isEmpty ? (a, names.0, ta) : (b, names.1, tb)
            r.fail(node, "\(path).\(which)", "\"\(text)\" has no unit but \(ua.isEmpty ? names.1 : names.0) has one", hint: "write both with a unit, e.g. \"\(format(ua.isEmpty ? va : vb, ua.isEmpty ? ub : ua))\"")
            return nil
        }
        if ua.isEmpty { return (va, vb, "") }
        if ua == ub { guard unitKind(ua) != nil else { r.fail(a, "\(path).\(names.0)", "\"\(ta)\": unknown unit \"\(ua)\""); return nil }; return (va, vb, ua) }
        guard let kind = unitKind(ua), let scaleA = try? Units.parse("1 \(ua)", as: kind), let scaleB = try? Units.parse("1 \(ub)", as: kind) else {
            r.fail(b, "\(path).\(names.1)", "\"\(tb)\" and \"\(ta)\" are not the same kind of quantity", hint: "give both in one unit")
            return nil
        }
        return (va, vb * scaleB / scaleA, ua)
    }

    /// Splits "0.5 ng/mL" into (0.5, "ng/mL"); a plain number has the unit "".
    static func split(_ text: String) -> (Double, String)? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let v = Double(t), v.isFinite { return (v, "") }
        guard let space = t.firstIndex(where: { $0 == " " }), let v = Double(t[..<space]), v.isFinite else { return nil }
        return (v, t[space...].trimmingCharacters(in: .whitespaces))
    }

    /// The kind of quantity a unit measures, if any.
    static func unitKind(_ unit: String) -> QuantityKind? {
        QuantityKind.allCases.first { $0 != .dimensionless && (try? Units.parse("1 \(unit)", as: $0)) != nil }
    }

    /// A value as the scenario text it becomes (six significant digits, with its unit).
    public static func format(_ v: Double, _ unit: String) -> String {
        let s = String(format: "%.6g", v)
        return unit.isEmpty ? s : "\(s) \(unit)"
    }
}
