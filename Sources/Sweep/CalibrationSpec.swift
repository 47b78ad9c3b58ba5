import Foundation
import SimCore
import StrictYAML

/// A calibration file (DESIGN.md "Calibration"): the base scenario and the values every run
/// shares, the parameters to fit (any dotted key, list entries included, with bounds and a linear
/// or log scale), the arms (values that differ between the measured conditions), the replicate
/// seeds every evaluation shares (common random numbers), and the observations: a CSV of arm,
/// time, metric, mean and sd (or sd and n). Strict like scenarios and sweeps.
public struct CalibrationSpec: Sendable {
    public struct Parameter: Sendable {
        public var key: String
        /// Bounds in `unit` (as written; "" for a plain number).
        public var min: Double, max: Double
        public var unit: String
        public var scale: SweepSpec.Scale
        /// Where the fit starts, in `unit`; nil: the middle of the range on its scale.
        public var start: Double?
        /// The arms the value is set in (`arms: [diabetic]`); nil: every arm. The other arms keep
        /// the base's value (or their own), so one fit can hold a value shared by every arm and one
        /// that only some measured conditions have (a condition's multiplier beside a normal arm).
        public var arms: [String]? = nil
        public var location: SourceLocation

        /// Whether the parameter is set in the arm named `arm`.
        public func applies(to arm: String) -> Bool { arms?.contains(arm) ?? true }

        /// The fitted coordinate of a value: its logarithm on a log scale.
        public func coordinate(_ v: Double) -> Double { scale == .log ? Foundation.log(v) : v }
        public func value(_ w: Double) -> Double { scale == .log ? Foundation.exp(w) : w }
        public var lower: Double { coordinate(min) }
        public var upper: Double { coordinate(max) }
        /// The value as a scenario takes it (`"42.5 um/h"`).
        public func text(_ v: Double) -> String { SweepFile.format(v, unit) }
    }

    public struct Observation: Sendable, Equatable {
        /// The arm whose runs give the value; for a ratio, its numerator.
        public var arm: String
        /// For a ratio of two arms (`depleted/with` in the file's arm column), the denominator
        /// arm: the value is then each common seed's numerator over its denominator, averaged
        /// over the seeds (dimensionless). Treated against control is how most papers report.
        public var denominator: String? = nil
        /// The arm column as written (`with`, or `depleted/with`).
        public var armLabel: String { denominator.map { "\(arm)/\($0)" } ?? arm }
        /// The observation's time since wounding [h].
        public var hours: Double
        /// A timeseries column (`SweepMetrics.seriesColumns`).
        public var metric: String
        public var mean: Double
        /// The standard error the residual is scaled by: sd, or sd / sqrt(n) when n is given.
        public var sigma: Double
        /// The sweep metric that reads it (`closure_pct_at_72h`).
        public var reading: String { SweepMetrics.reading(metric, hours: hours) }
    }

    public var name: String
    public var description: String
    public var file: String
    public var base: String
    public var baseLocation: SourceLocation
    public var sets: [(key: String, node: YNode)]
    public var parameters: [Parameter]
    /// Named arms with their own values; one arm `base` without values when none is given.
    public var arms: [(name: String, sets: [(key: String, node: YNode)])]
    public var seeds: [UInt64]
    public var observations: [Observation]
    public var observationsFile: String
    /// Finite step of the Jacobian, as a fraction of each parameter's range on its scale.
    public var step: Double
    public var maxIterations: Int
}

public enum CalibrationFile {
    static let topKeys = ["calibration", "description", "base", "set", "parameters", "arms", "seeds", "replicates", "observations", "step", "max_iterations"]

    /// Reads and validates a calibration file and its observations.
    public static func load(_ path: String) throws(InputErrors) -> CalibrationSpec {
        let file = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let data = FileManager.default.contents(atPath: file), data.count <= 4 << 20, let text = String(data: data, encoding: .utf8) else {
            throw InputErrors(issues: [InputIssue(location: .commandLine(path), key: "", message: "cannot read the calibration file \"\(path)\"", hint: "give the path of a calibration YAML file")])
        }
        return try parse(text, file: file)
    }

    /// Parses calibration YAML (`file` names it in messages and anchors relative paths); the
    /// observations are read from their CSV unless `observations` is given.
    public static func parse(_ text: String, file: String, observations given: [CalibrationSpec.Observation]? = nil) throws(InputErrors) -> CalibrationSpec {
        var parseIssues: [InputIssue] = []
        guard let root = YNode.parse(text, file: file, issues: &parseIssues) else { throw InputErrors(issues: parseIssues) }
        let r = Reader()
        r.issues = parseIssues
        guard let top = r.map(root, "", allowed: topKeys, required: ["calibration", "base", "parameters", "observations"]) else { throw InputErrors(issues: r.issues) }
        let name = r.string(top["calibration"], "calibration") ?? "calibration"
        if !SweepFile.isPlainName(name) { r.fail(top["calibration"], "calibration", "\"\(name)\" must be a plain name (letters, digits, dots, dashes, underscores)") }
        let description = r.string(top["description"], "description") ?? ""
        let base = r.string(top["base"], "base") ?? ""
        func entries(_ node: YNode?, _ key: String) -> [(String, YNode)] {
            var out: [(String, YNode)] = []
            for e in r.mapInOrder(node, key) ?? [] {
                if let problem = SweepFile.keyProblem(e.key) { r.fail(nil, "\(key).\(e.key)", problem, at: e.keyLocation) } else { out.append((e.key, e.value)) }
            }
            return out
        }
        let sets = entries(top["set"], "set")
        var parameters: [CalibrationSpec.Parameter] = []
        var armsNodes: [String: YNode] = [:]   // each parameter's `arms:` node, for its messages
        for e in r.mapInOrder(top["parameters"], "parameters") ?? [] {
            let path = "parameters.\(e.key)"
            if let problem = SweepFile.keyProblem(e.key) { r.fail(nil, path, problem, at: e.keyLocation); continue }
            guard let m = r.map(e.value, path, allowed: ["range", "scale", "start", "arms"], required: ["range"]),
                  let bounds = r.list(m["range"], "\(path).range") else { continue }
            guard bounds.count == 2 else { r.fail(m["range"], "\(path).range", "needs two values [min, max], got \(bounds.count)"); continue }
            guard let (lo, hi, unit) = SweepFile.bounded(bounds[0], bounds[1], "\(path).range", r: r) else { continue }
            let scale = r.choice(m["scale"], "\(path).scale", ["linear", "log"]).flatMap(SweepSpec.Scale.init(rawValue:)) ?? .linear
            if scale == .log, lo <= 0 { r.fail(bounds[0], "\(path).range", "a log range needs min > 0"); continue }
            var start: Double?
            if let s = m["start"] {
                // In the range's unit (converted when written in another of the same kind).
                if let (_, v, _) = SweepFile.quantities(bounds[0], s, "\(path)", names: ("range", "start"), r: r) {
                    if v <= lo || v >= hi { r.fail(s, "\(path).start", "must lie inside the range (\(SweepFile.format(lo, unit)) to \(SweepFile.format(hi, unit)))") }
                    else { start = v }
                }
            }
            var only: [String]?
            if let a = m["arms"] {
                // Checked against the arms once they are read (below).
                armsNodes[e.key] = a
                guard let list = r.list(a, "\(path).arms") else { continue }
                let names = list.enumerated().compactMap { r.string($0.element, "\(path).arms[\($0.offset)]") }
                if list.isEmpty { r.fail(a, "\(path).arms", "is empty", hint: "name the arms the value is set in, or leave `arms` out for every arm") }
                if Set(names).count != names.count { r.fail(a, "\(path).arms", "names an arm twice") }
                only = names
            }
            var parameter = CalibrationSpec.Parameter(key: e.key, min: lo, max: hi, unit: unit, scale: scale, start: start, location: e.value.location)
            parameter.arms = only
            parameters.append(parameter)
        }
        if parameters.isEmpty, top["parameters"] != nil { r.fail(top["parameters"], "parameters", "is empty", hint: "name at least one dotted scenario key with its range") }
        for (key, node) in sets where parameters.contains(where: { $0.key == key }) {
            r.fail(node, "set.\(key)", "is also a fitted parameter", hint: "remove it from `set:` or from `parameters:`")
        }
        var arms: [(String, [(String, YNode)])] = []
        if let a = top["arms"] {
            for e in r.mapInOrder(a, "arms") ?? [] {
                if !SweepFile.isPlainName(e.key) { r.fail(nil, "arms.\(e.key)", "must be a plain name", at: e.keyLocation) }
                if case .map = e.value.value { arms.append((e.key, entries(e.value, "arms.\(e.key)"))) }
                else if case .null = e.value.value { arms.append((e.key, [])) }
                else { r.fail(e.value, "arms.\(e.key)", "must be a mapping of dotted keys to values (or {} for none)") }
            }
            if arms.isEmpty { r.fail(a, "arms", "is empty", hint: "name the measured conditions, e.g. `control: {}`") }
        } else {
            arms = [("base", [])]
        }
        let armNames = Set(arms.map(\.0))
        for p in parameters {
            if let only = p.arms {
                if top["arms"] == nil {
                    r.fail(armsNodes[p.key], "parameters.\(p.key).arms", "names arms, but the file defines none", hint: "define them under `arms:`, or leave `arms` out")
                } else if let unknown = only.first(where: { !armNames.contains($0) }) {
                    r.fail(armsNodes[p.key], "parameters.\(p.key).arms", "names the arm \"\(unknown)\", which the file does not define", hint: "the arms are \(arms.map(\.0).joined(separator: ", "))")
                }
            }
            // An arm's own value of a key fitted in that arm would be overwritten by the fit.
            for (name, sets) in arms where p.applies(to: name) {
                if let (_, n) = sets.first(where: { $0.0 == p.key }) {
                    r.fail(n, "arms.\(name).\(p.key)", "is also a fitted parameter in this arm", hint: "remove it from the arm, or fit it only in the other arms (`arms:` of the parameter)")
                }
            }
        }
        var seeds: [UInt64] = []
        if let s = top["seeds"] {
            for (i, n) in (r.list(s, "seeds") ?? []).enumerated() { if let v = r.integer(n, "seeds[\(i)]", min: 0) { seeds.append(UInt64(v)) } }
            if top["replicates"] != nil { r.fail(top["replicates"], "replicates", "is given together with `seeds:`") }
        } else if let n = r.integer(top["replicates"], "replicates", min: 1, max: 1000) {
            seeds = (1...n).map { UInt64($0) }
        } else {
            seeds = [1]
        }
        if Set(seeds).count != seeds.count { r.fail(top["seeds"], "seeds", "lists a seed twice") }
        let step = r.number(top["step"], "step", positive: true) ?? 0.05
        if step > 0.25 { r.fail(top["step"], "step", "\(step) of the range is too coarse for a derivative", hint: "a few percent, e.g. 0.05") }
        let maxIterations = r.integer(top["max_iterations"], "max_iterations", min: 1, max: 1000) ?? 20
        var observationsFile = ""
        var observations: [CalibrationSpec.Observation] = given ?? []
        if let o = r.string(top["observations"], "observations") {
            observationsFile = o.hasPrefix("/") ? o : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(o).standardizedFileURL.path
            if given == nil {
                if let text = try? String(contentsOfFile: observationsFile, encoding: .utf8) {
                    observations = readObservations(text, file: observationsFile, arms: arms.map(\.0), r: r)
                } else {
                    r.fail(top["observations"], "observations", "cannot read \(observationsFile)", hint: "a CSV with columns arm, time_h, metric, mean, sd (and n)")
                }
            }
        }
        // A parameter set only in arms no observation reads (directly or in a ratio) has no
        // bearing on the data: its Jacobian column would be 0 and the fit singular.
        if !observations.isEmpty {
            let read = Set(observations.flatMap { [$0.arm] + ($0.denominator.map { [$0] } ?? []) })
            for p in parameters {
                if let only = p.arms, !only.isEmpty, read.isDisjoint(with: only), armNames.isSuperset(of: only) {
                    r.fail(armsNodes[p.key], "parameters.\(p.key).arms", "sets it only in arms no observation reads (\(only.joined(separator: ", "))), so the data cannot fit it",
                           hint: "observe one of these arms, or set the parameter in an observed one")
                }
            }
        }
        if !parameters.isEmpty, !observations.isEmpty, observations.count < parameters.count {
            r.fail(top["observations"], "observations", "\(observations.count) observations cannot fit \(parameters.count) parameters", hint: "a fit needs at least as many observations as parameters")
        }
        if !r.issues.isEmpty { throw InputErrors(issues: r.issues) }
        return CalibrationSpec(name: name, description: description, file: file, base: base, baseLocation: top["base"]?.location ?? root.location,
                               sets: sets, parameters: parameters, arms: arms.map { (name: $0.0, sets: $0.1.map { (key: $0.0, node: $0.1) }) },
                               seeds: seeds, observations: observations, observationsFile: observationsFile, step: step, maxIterations: maxIterations)
    }

    /// The observations CSV: a header with `arm, time_h, metric, mean, sd` and optionally `n`.
    static func readObservations(_ text: String, file: String, arms: [String], r: Reader) -> [CalibrationSpec.Observation] {
        // Each kept line with its number in the file (1-based, comment and blank lines counted),
        // so that a message points at the line a user sees in an editor.
        let numbered = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { (number: $0.offset + 1, text: String($0.element)) }
            .filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty && !$0.text.hasPrefix("#") }
        let lines = numbered.map(\.text)
        let headerLine = numbered.first?.number ?? 1
        func fail(_ line: Int, _ message: String, _ hint: String = "") {
            r.issues.append(InputIssue(location: SourceLocation(file: file, line: line, column: 1), key: "observations", message: message, hint: hint))
        }
        guard let header = lines.first?.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) else { fail(1, "is empty"); return [] }
        var column: [String: Int] = [:]
        for name in ["arm", "time_h", "metric", "mean", "sd", "n"] { column[name] = header.firstIndex(of: name) }
        for name in ["arm", "time_h", "metric", "mean", "sd"] where column[name] == nil {
            fail(headerLine, "has no `\(name)` column", "the header must name arm, time_h, metric, mean, sd (and optionally n)")
        }
        guard column.count >= 5 else { return [] }
        var out: [CalibrationSpec.Observation] = []
        for (k, line) in lines.enumerated().dropFirst() {
            let number = numbered[k].number
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == header.count else { fail(number, "has \(f.count) fields, the header \(header.count)"); continue }
            let label = f[column["arm"]!], metric = f[column["metric"]!]
            // `a/b`: the ratio of arm a's value to arm b's, seed by seed.
            let parts = label.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2 else { fail(number, "names \"\(label)\": an arm, or a ratio of two arms `a/b`"); continue }
            if let missing = parts.first(where: { !arms.contains($0) }) {
                fail(number, "names the arm \"\(missing)\", which the file does not define", "the arms are \(arms.joined(separator: ", ")); a ratio is `a/b`"); continue
            }
            if parts.count == 2, parts[0] == parts[1] { fail(number, "divides the arm \"\(parts[0])\" by itself"); continue }
            let arm = parts[0], denominator = parts.count == 2 ? parts[1] : nil
            guard SweepMetrics.isSeriesColumn(metric) else {
                fail(number, "\"\(metric)\" is not a timeseries metric", "one of \(SweepMetrics.seriesColumns.joined(separator: ", ")), or a factor's F_mean_ngml or F_interval_mean_ngml"); continue
            }
            guard let t = Double(f[column["time_h"]!]), t >= 0, let mean = Double(f[column["mean"]!]), mean.isFinite,
                  let sd = Double(f[column["sd"]!]), sd > 0, sd.isFinite else {
                fail(number, "needs a time >= 0, a finite mean and an sd > 0"); continue
            }
            var sigma = sd
            if let nc = column["n"], !f[nc].isEmpty {
                guard let n = Double(f[nc]), n >= 1 else { fail(number, "n must be a number >= 1"); continue }
                sigma = sd / n.squareRoot()
            }
            out.append(.init(arm: arm, denominator: denominator, hours: t, metric: metric, mean: mean, sigma: sigma))
        }
        if out.isEmpty, r.issues.isEmpty { fail(1, "holds no observation") }
        return out
    }
}
