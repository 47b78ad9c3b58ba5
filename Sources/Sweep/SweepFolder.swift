import Artifacts
import Foundation
import Glibc
import Scenario
import SimCore

/// A sweep's folder (DESIGN.md "Sweep folder"):
/// `plan.json`, `scenarios/ID.yaml`, `runs/ID/` (each run's run folder), `status/ID.json` (the
/// outcome of each finished run), `logs/ID.log`, and when every run is done `runs.csv` and
/// `summary.csv`. Every file is written to a temporary name and renamed.
public struct SweepFolder: Sendable {
    public let url: URL
    public init(path: String) { url = URL(fileURLWithPath: path).standardizedFileURL }

    public var planURL: URL { url.appendingPathComponent("plan.json") }
    public func scenarioURL(_ id: String) -> URL { url.appendingPathComponent("scenarios/\(id).yaml") }
    public func runURL(_ id: String) -> URL { url.appendingPathComponent("runs/\(id)") }
    public func statusURL(_ id: String) -> URL { url.appendingPathComponent("status/\(id).json") }
    public func logURL(_ id: String) -> URL { url.appendingPathComponent("logs/\(id).log") }

    /// Writes `data` at `relative`, atomically (temporary name in the same folder, then rename).
    public func write(_ relative: String, _ data: Data) throws(OutputError) {
        try AtomicFile.write(data, to: url.appendingPathComponent(relative))
    }

    /// Saves the plan and the runs' scenarios. An existing plan must be the same sweep, or
    /// (`extending`) an earlier plan of a sweep of the same name, which this one replaces: its
    /// finished runs count wherever the new plan has the same run id (the hash of the run's
    /// resolved scenario).
    public func save(_ plan: SweepPlan, scenarios: [String: String], extending: Bool = false) throws(SweepError) {
        if let existing = try loadPlanIfPresent() {
            guard existing.hash == plan.hash || (extending && existing.name == plan.name) else {
                throw .badInput("\(url.path) holds another sweep (\(existing.name), plan \(existing.hash)); this one is \(plan.name), plan \(plan.hash). Give another --out, or --force to start over")
            }
        }
        do {
            for (id, text) in scenarios.sorted(by: { $0.key < $1.key }) where !FileManager.default.fileExists(atPath: scenarioURL(id).path) {
                try write("scenarios/\(id).yaml", Data(text.utf8))
            }
            try write("plan.json", PlanJSON.encode(plan).data)
        } catch { throw .io(error.description) }
    }

    /// The planning lock's file name: `.plan.lock` in the folder, held (an exclusive `flock`)
    /// while a process looks at the folder and saves its plan.
    public static let planLockName = ".plan.lock"

    /// Takes the folder's planning lock, waiting while another process holds it, and makes the
    /// folder first. Two processes planning the same new folder at once (two terminals, the
    /// validation targets' two workers) otherwise see each other's half-written folder: scenarios
    /// saved and no plan.json yet, which is not a sweep folder. Returns the lock's descriptor, to
    /// `close` when the plan is saved.
    public func lockPlanning() throws(SweepError) -> Int32 {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        catch { throw .io("could not make \(url.path): \(error.localizedDescription)") }
        // A blocking lock returns a descriptor or throws.
        return try Self.lock(url.appendingPathComponent(Self.planLockName).path, wait: true)!
    }

    /// An exclusive `flock` on the file at `path` (made if missing): its descriptor, to `close`
    /// to release it; nil when another process holds it and `wait` is false. A file system
    /// without locks is an error (`Executor.lockProblem`), not a busy lock.
    static func lock(_ path: String, wait: Bool) throws(SweepError) -> Int32? {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("could not write \(path): \(String(cString: strerror(errno)))") }
        while flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            if wait && error == EINTR { continue }
            close(fd)
            if let problem = Executor.lockProblem(error, path: path) { throw problem }
            return nil
        }
        return fd
    }

    /// The saved plan, if the folder has one.
    public func loadPlanIfPresent() throws(SweepError) -> SweepPlan? {
        guard let data = FileManager.default.contents(atPath: planURL.path) else { return nil }
        return try PlanJSON.decode(data, path: planURL.path)
    }

    public func loadPlan() throws(SweepError) -> SweepPlan {
        guard let plan = try loadPlanIfPresent() else { throw .badInput("\(url.path) is not a sweep folder (no plan.json)") }
        return plan
    }

    /// The recorded outcome of a run, if it finished.
    public func status(_ id: String) -> RunStatus? {
        guard let data = FileManager.default.contents(atPath: statusURL(id).path) else { return nil }
        return RunStatus(json: data)
    }

    public func record(_ status: RunStatus) throws(OutputError) {
        try write("status/\(status.id).json", status.json.data)
    }
}

/// Problems of a sweep: bad input (exit 2) or a file that could not be written (exit 1).
public enum SweepError: Error, CustomStringConvertible, Sendable {
    case badInput(String)
    case io(String)
    public var description: String {
        switch self {
        case let .badInput(s), let .io(s): return s
        }
    }
}

/// The outcome of one run of a sweep.
public struct RunStatus: Sendable, Equatable {
    /// How a run ended (written to `status/ID.json` as its raw value).
    public enum Outcome: String, Sendable {
        case ok, failed
    }

    public var id: String
    public var status: Outcome
    public var exitCode: Int
    /// The error (last lines of the run's log) for a failed run.
    public var error: String
    /// Metric name -> value (nil: not reached, e.g. a wound that did not close).
    public var metrics: [String: Double?]
    public var wallSeconds: Double
    /// The woundsim that ran it (version and build revision): a finished run is reused only by
    /// the same build, since another may compute it differently.
    public var woundsim: String

    public init(id: String, status: Outcome, exitCode: Int, error: String, metrics: [String: Double?], wallSeconds: Double, woundsim: String = "") {
        self.id = id; self.status = status; self.exitCode = exitCode; self.error = error; self.metrics = metrics; self.wallSeconds = wallSeconds
        self.woundsim = woundsim
    }

    public var json: JSONValue {
        .object([
            "id": .string(id), "status": .string(status.rawValue), "exit_code": .number(Double(exitCode)), "error": .string(error),
            "metrics": .object(metrics.mapValues { $0.map { .number($0) } ?? .null }), "wall_time_s": .number(wallSeconds),
            "woundsim": .string(woundsim),
        ])
    }

    public init?(json data: Data) {
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let id = o["id"] as? String, let status = (o["status"] as? String).flatMap(Outcome.init(rawValue:)) else { return nil }
        self.id = id
        self.status = status
        exitCode = (o["exit_code"] as? NSNumber)?.intValue ?? 0
        error = o["error"] as? String ?? ""
        var m: [String: Double?] = [:]
        for (k, v) in (o["metrics"] as? [String: Any]) ?? [:] { m[k] = (v as? NSNumber)?.doubleValue }
        metrics = m
        wallSeconds = (o["wall_time_s"] as? NSNumber)?.doubleValue ?? 0
        woundsim = o["woundsim"] as? String ?? ""
    }
}

/// `plan.json` reading and writing.
public enum PlanJSON {
    public static func encode(_ p: SweepPlan) -> JSONValue {
        func nums(_ a: [Double]) -> JSONValue { .array(a.map { .number($0) }) }
        return .object([
            "format": .string(SweepPlan.format), "sweep": .string(p.name), "description": .string(p.description),
            "design": .string(p.design.rawValue), "samples": .number(Double(p.samples)), "levels": .number(Double(p.levels)),
            "design_seed": .number(Double(p.designSeed)), "seeds": .array(p.seeds.map { .number(Double($0)) }),
            "metrics": .array(p.metrics.map { .string($0) }), "duration_h": .number(p.durationHours), "plan_hash": .string(p.hash),
            "parameters": .array(p.parameters.map {
                .object(["key": .string($0.key), "unit": .string($0.unit), "domain": .string($0.domain), "scale": .string($0.scale),
                         "categories": .array($0.categories.map { .string($0) })])
            }),
            "points": .array(p.points.map {
                .object(["index": .number(Double($0.index)), "group": .number(Double($0.group)), "role": .string($0.role.description),
                         "changed": $0.changed.map { .number(Double($0)) } ?? .null, "u": nums($0.u),
                         "values": .array($0.values.map { .string($0) }), "control": $0.control.map { .number(Double($0)) } ?? .null])
            }),
            "runs": .array(p.runs.map { .object(["id": .string($0.id), "point": .number(Double($0.point)), "seed": .number(Double($0.seed))]) }),
        ])
    }

    public static func decode(_ data: Data, path: String) throws(SweepError) -> SweepPlan {
        let bad = SweepError.badInput("\(path) is not a woundsim sweep plan (damaged or from another version)")
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any], o["format"] as? String == SweepPlan.format,
              let name = o["sweep"] as? String, let design = (o["design"] as? String).flatMap(SweepSpec.Design.init(rawValue:)),
              let params = o["parameters"] as? [[String: Any]], let points = o["points"] as? [[String: Any]],
              let runs = o["runs"] as? [[String: Any]], let metrics = o["metrics"] as? [String] else { throw bad }
        func int(_ x: Any?) -> Int? { (x as? NSNumber)?.intValue }
        var plan = SweepPlan(name: name, description: o["description"] as? String ?? "", design: design,
                             samples: int(o["samples"]) ?? 0, levels: int(o["levels"]) ?? 4,
                             designSeed: UInt64(int(o["design_seed"]) ?? 1),
                             seeds: ((o["seeds"] as? [NSNumber]) ?? []).map { $0.uint64Value }, metrics: metrics,
                             parameters: [], points: [], runs: [], durationHours: (o["duration_h"] as? NSNumber)?.doubleValue ?? 0)
        for p in params {
            guard let key = p["key"] as? String else { throw bad }
            plan.parameters.append(.init(key: key, unit: p["unit"] as? String ?? "", domain: p["domain"] as? String ?? "list",
                                         scale: p["scale"] as? String ?? "linear", categories: p["categories"] as? [String] ?? []))
        }
        for p in points {
            guard let index = int(p["index"]), let u = (p["u"] as? [NSNumber])?.map(\.doubleValue), let values = p["values"] as? [String],
                  let role = PointRole(p["role"] as? String ?? ""),
                  u.count == plan.parameters.count, values.count == u.count else { throw bad }
            plan.points.append(.init(index: index, group: int(p["group"]) ?? index, role: role,
                                     changed: int(p["changed"]), u: u, values: values, control: int(p["control"])))
        }
        for r in runs {
            guard let id = r["id"] as? String, let point = int(r["point"]), point >= 0, point < plan.points.count,
                  let seed = (r["seed"] as? NSNumber)?.uint64Value, id.count == 16, id.allSatisfy(\.isHexDigit) else { throw bad }
            plan.runs.append(.init(id: id, point: point, seed: seed))
        }
        if plan.points.contains(where: { p in p.control.map { $0 < 0 || $0 >= plan.points.count } ?? false }) { throw bad }
        // Plans written before points named their control had one control arm for all.
        if !points.contains(where: { $0["control"] != nil }), let c = plan.points.first(where: { $0.role == .control })?.index {
            for i in plan.points.indices where plan.points[i].role != .control { plan.points[i].control = c }
        }
        if let h = o["plan_hash"] as? String, h != plan.hash { throw bad }
        return plan
    }
}
