import Foundation
import Scenario
import SimCore
import StrictYAML
import XCTest
import Sweep

/// Sweep files, designs, plans, statistics and sensitivity estimators (issue 6).
final class SweepTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func parse(_ text: String) throws -> SweepSpec {
        try SweepFile.parse(text, file: Self.repoRoot.appendingPathComponent("Scenarios/sweeps/test.yaml").path)
    }

    /// Every problem of a bad sweep, each as "KEY: message" with its line.
    func problems(_ text: String) -> [InputIssue] {
        do {
            let spec = try parse(text)
            _ = try Planner.plan(spec)
            XCTFail("accepted:\n\(text)")
            return []
        } catch let e as InputErrors { return e.issues } catch { XCTFail("\(error)"); return [] }
    }

    func testBundledSweepsParseAndPlan() throws {
        let folder = Self.repoRoot.appendingPathComponent("Scenarios/sweeps")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(files, ["cm-dose-scratch.yaml", "cm-dose-wound.yaml", "diabetic-wound.yaml", "inflammation-cm.yaml", "inflammation-wound.yaml", "lags-morris.yaml", "macrophage-maturation-daley.yaml", "macrophage-recruitment-dipietro.yaml", "macrophage-switch-daley.yaml", "neutrophil-lifespan-diabetic.yaml", "neutrophil-lifespan-normal.yaml", "neutrophil-nets-diabetic.yaml", "neutrophil-nets.yaml", "scratch-dose.yaml"])
        for f in files {
            let spec = try SweepFile.load(folder.appendingPathComponent(f).path)
            let (plan, scenarios) = try Planner.plan(spec)
            XCTAssertEqual(Set(plan.runs.map(\.id)).count, scenarios.count, f)
            XCTAssertEqual(plan.runs.count, plan.points.count * spec.seeds.count, f)
        }
        // The recruitment sweep's diagonal: the bundled pair before and since 2026-12-06 give the
        // same rate at saturating chemokine within 1 % (basal x fold, about 0.1 /h per vessel site), so the sweep
        // separates the basal rate from the saturated one.
        let recruitment = try SweepFile.load(folder.appendingPathComponent("macrophage-recruitment-dipietro.yaml").path)
        let (_, recruitmentRuns) = try Planner.plan(recruitment)
        XCTAssertEqual(recruitmentRuns.count, 20)
        XCTAssertEqual(recruitment.parameters.map(\.domain), [.list(["0.0005 /h", "0.00015 /h"]), .list(["200", "663"])])
        if case let .list(basals) = recruitment.parameters[0].domain, case let .list(folds) = recruitment.parameters[1].domain {
            for (basal, fold) in zip(basals, folds) {
                let perHour = try XCTUnwrap(Double(basal.replacingOccurrences(of: " /h", with: "")), basal)
                XCTAssertEqual(perHour * (try XCTUnwrap(Double(fold), fold)), 0.1, accuracy: 0.001, "the diagonal holds the rate at saturation [1/h]")
            }
        }
        let bundled = try String(contentsOf: Self.repoRoot.appendingPathComponent("Scenarios/excisional-wound-inflammation-control.yaml"), encoding: .utf8)
        XCTAssertTrue(bundled.contains("recruitment: { rate: \"0.00015 /h\""), "the bundled basal rate is the sweep's second value")
        XCTAssertTrue(bundled.contains("factor: CCL2, ec50: \"10 ng/mL\", max_fold: 663,"), "the bundled fold is the sweep's second value")
    }

    /// The validation sweeps of `make validate-inflammation` (and `validate-mechanics`, `validate-diabetic`) plan, each with 5 common seeds, on the
    /// 40 um lattice (the same skin as the bundled wounds) that the spacing-halving check covers.
    /// The field-step check (`make check-field-dt`) plans its two field steps on the bundled 20 um
    /// lattice, 4 common seeds, each seed's two runs differing only in `field_dt`.
    func testValidationSweepsParseAndPlan() throws {
        let folder = Self.repoRoot.appendingPathComponent("Scenarios/validation")
        let all = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(all, ["field-dt-check.yaml", "inflammation-control.yaml", "inflammation-diabetic-no-anti-inflammatory.yaml", "inflammation-diabetic.yaml",
                             "inflammation-media-no-anti-inflammatory.yaml", "inflammation-media-no-egf.yaml", "inflammation-media-no-hgf.yaml",
                             "inflammation-media.yaml", "inflammation-no-fibroblasts.yaml", "mechanics-unsplinted.yaml"])
        let check = try SweepFile.load(folder.appendingPathComponent("field-dt-check.yaml").path)
        XCTAssertEqual(check.seeds, [1, 2, 3, 4])
        let (checkPlan, checkScenarios) = try Planner.plan(check)
        XCTAssertEqual(checkPlan.runs.count, 8)
        let steps = checkScenarios.values.map { $0.contains("field_dt: \"4 min\"") }
        XCTAssertEqual(steps.filter { $0 }.count, 4, "four runs step their fields every 4 min, four every step")
        for yaml in checkScenarios.values {
            XCTAssertTrue(yaml.contains("spacing: \"20 um\""))
            XCTAssertTrue(yaml.contains("size: [500, 500]"))
        }
        let files = all.filter { $0 != "field-dt-check.yaml" }
        for f in files {
            let spec = try SweepFile.load(folder.appendingPathComponent(f).path)
            XCTAssertEqual(spec.seeds, [1, 2, 3, 4, 5], f)
            let (plan, scenarios) = try Planner.plan(spec)
            XCTAssertEqual(plan.runs.count, plan.points.count * 5, f)
            for yaml in scenarios.values {
                XCTAssertTrue(yaml.contains("spacing: \"40 um\""), f)
                XCTAssertTrue(yaml.contains("size: [250, 250]"), f)
            }
        }
    }

    /// Two profiles x three doses x five seeds: 30 runs, each a distinct scenario, plus the control
    /// arm (profile control, dose 1) at the same seeds; the same file planned twice gives the same ids (the resume and
    /// shard contract).
    func testGridPlanAndStableIDs() throws {
        let spec = try SweepFile.load(Self.repoRoot.appendingPathComponent("Scenarios/sweeps/cm-dose-scratch.yaml").path)
        let (plan, scenarios) = try Planner.plan(spec)
        XCTAssertEqual(plan.points.count, 6 + 1)
        XCTAssertEqual(plan.runs.count, 35)
        XCTAssertEqual(plan.uniqueRunIDs.count, 35)
        XCTAssertEqual(plan.points.map { $0.values }, [["asc-monolayer", "1"], ["asc-monolayer", "10"], ["asc-monolayer", "100"],
                                                        ["asc-spheroid", "1"], ["asc-spheroid", "10"], ["asc-spheroid", "100"], ["control", "1"]])
        // The control fixes profile and dose: one control arm, matched to every treated point.
        XCTAssertEqual(plan.points.dropLast().map(\.control), [Int?](repeating: 6, count: 6))
        XCTAssertEqual(plan.points.last?.role, .control)
        XCTAssertEqual(plan.runs.filter { $0.point == 6 }.map(\.seed), [1, 2, 3, 4, 5])
        let again = try Planner.plan(spec).plan
        XCTAssertEqual(again.hash, plan.hash)
        XCTAssertEqual(again.runs, plan.runs)
        // The id is the resolved scenario's hash, and that scenario carries the seed and values.
        let first = plan.runs[0]
        let yaml = try XCTUnwrap(scenarios[first.id])
        XCTAssertTrue(yaml.contains("seed: 1\n"), yaml)
        XCTAssertTrue(yaml.contains("profile: asc-monolayer"), yaml)
        // Shards partition the runs.
        let shards = (1...4).map { plan.shard($0, of: 4) }
        XCTAssertEqual(shards.flatMap { $0 }.sorted(), plan.uniqueRunIDs.sorted())
        XCTAssertEqual(shards.map(\.count), [9, 9, 9, 8])
    }

    /// A sweep varies a list entry (here the EC50 of EGF on keratinocyte proliferation, chosen
    /// by its keys): each point's resolved scenario carries its value, the other entries keep
    /// theirs, and a selector that matches nothing is reported at its line.
    func testSweepOverAListEntry() throws {
        let key = "cells.keratinocyte.responses[behaviour=proliferation,factor=EGF].ec50"
        let spec = try parse(header + "parameters:\n  \(key): [\"0.25 ng/mL\", \"4 ng/mL\"]\nseeds: [1]\n")
        let (plan, scenarios) = try Planner.plan(spec)
        XCTAssertEqual(plan.points.map(\.values), [["0.25 ng/mL"], ["4 ng/mL"]])
        let texts = plan.runs.map { scenarios[$0.id]! }
        XCTAssertEqual(Set(plan.runs.map(\.id)).count, 2)
        XCTAssertTrue(texts[0].contains("ec50: \"0.25 ng/mL\"") || texts[0].contains("0.25 ng/mL"), texts[0])
        XCTAssertTrue(texts[1].contains("4 ng/mL"), texts[1])
        let bad = try parse(header + "parameters:\n  cells.keratinocyte.responses[factor=TNF].ec50: [\"1 ng/mL\", \"2 ng/mL\"]\n")
        XCTAssertThrowsError(try Planner.plan(bad)) { error in
            XCTAssertTrue("\(error)".contains("no entry of `responses` has factor=TNF"), "\(error)")
            XCTAssertTrue("\(error)".contains(":4:"), "reported at the parameter's line: \(error)")
        }
    }

    func testPlanJSONRoundTrips() throws {
        let spec = try SweepFile.load(Self.repoRoot.appendingPathComponent("Scenarios/sweeps/lags-morris.yaml").path)
        let plan = try Planner.plan(spec).plan
        let decoded = try PlanJSON.decode(PlanJSON.encode(plan).data, path: "plan.json")
        XCTAssertEqual(decoded, plan)
        // A damaged plan is refused, not half-read.
        var text = String(decoding: PlanJSON.encode(plan).data, as: UTF8.self)
        text = text.replacingOccurrences(of: plan.runs[0].id, with: "../../etc/passwd")
        XCTAssertThrowsError(try PlanJSON.decode(Data(text.utf8), path: "plan.json"))
    }

    let header = "sweep: t\nbase: scratch-assay\n"

    /// Bad input: each problem named with its key and line.
    func testBadSweepFiles() {
        func check(_ body: String, key: String, message: String, line: Int? = nil, file: StaticString = #filePath, lineNo: UInt = #line) {
            let issues = problems(body)
            XCTAssertTrue(issues.contains { $0.key == key && (message.isEmpty || $0.message.contains(message)) && (line == nil || $0.location.line == line) },
                          "expected \(key): \(message) at line \(line ?? -1); got:\n\(issues.map(\.description).joined(separator: "\n"))", file: file, line: lineNo)
        }
        check(header + "parameters: { secretome.dose: [1, 2] }\nreplicate: 3\n", key: "replicate", message: "unknown key", line: 4)
        check(header + "parameters: { secretome.dosage: [1, 2] }\n", key: "secretome.dosage", message: "unknown key", line: 3)
        check(header + "parameters:\n  wound.width: { range: [300, 600], steps: 2 }\n", key: "wound.width", message: "", line: 4)
        check(header + "parameters:\n  wound.width: { range: [\"600 um\", \"300 um\"], steps: 2 }\n", key: "parameters.wound.width.range", message: "is not below", line: 4)
        check(header + "parameters:\n  wound.width: { range: [\"300 um\", 600], steps: 2 }\n", key: "parameters.wound.width.range.max", message: "has no unit", line: 4)
        check(header + "parameters: { secretome.dose: [1, 2] }\nreplicates: 0\n", key: "replicates", message: "at least one", line: 4)
        check(header + "parameters: { secretome.dose: [1, 2] }\nseeds: []\n", key: "seeds", message: "is empty", line: 4)
        check(header + "parameters: { secretome.dose: { distribution: uniform, min: 1, max: 2 } }\n", key: "parameters.secretome.dose.distribution", message: "a grid cannot sample")
        check(header + "parameters: { secretome.dose: { range: [1, 2] } }\n", key: "parameters.secretome.dose.steps", message: "is missing")
        check(header + "parameters: { secretome.dose: [1, 2] }\nmetrics: [closure_tme_h]\n", key: "metrics[0]", message: "not a metric", line: 4)
        check(header + "parameters: { secretome.dose: [1, 2] }\nmetrics: [closure_pct_day3]\n", key: "metrics", message: "after the scenario's end")
        check(header + "parameters: { secretome.dose: [1, 2] }\ndesign: latin-hypercube\n", key: "samples", message: "is missing")
        check(header + "parameters: { seed: [1, 2] }\n", key: "parameters.seed", message: "cannot be swept")
        check("sweep: ../evil\nbase: scratch-assay\nparameters: { secretome.dose: [1, 2] }\n", key: "sweep", message: "plain name", line: 1)
        check(header + "parameters: { secretome.dose: [-1, 2] }\n", key: "secretome.dose", message: "")
        check(header + "parameters: { secretome.profile: [asc-monolayer, asc-monolayr] }\n", key: "secretome.profile", message: "")
        // A value the scenario accepts but the model cannot step: reported while planning.
        check(header + "parameters:\n  cells.keratinocyte.migration.speed: { range: [\"30 um/h\", \"120 um/h\"], steps: 2 }\n",
              key: "cells.keratinocyte.migration", message: "cells.keratinocyte.migration.speed = 120 um/h")
        check("sweep: t\nbase: no-such-scenario\nparameters: { secretome.dose: [1, 2] }\n", key: "extends", message: "no scenario")
    }

    /// Latin hypercube: each parameter has exactly one point in each of the n strata.
    func testLatinHypercubeIsStratified() throws {
        let spec = try parse(header + "parameters:\n  secretome.dose: { range: [1, 2] }\n  wound.width: { distribution: log-uniform, min: \"100 um\", max: \"1 mm\" }\ndesign: latin-hypercube\nsamples: 16\n")
        let points = try Designs.points(spec)
        XCTAssertEqual(points.count, 16)
        for j in 0..<2 {
            XCTAssertEqual(Set(points.map { Int($0.u[j] * 16) }), Set(0..<16))
        }
        let plan = try Planner.plan(spec).plan
        // log-uniform values within [100, 1000] um (written in um, the min's unit).
        for p in plan.points {
            let v = Double(p.values[1].split(separator: " ")[0])!
            XCTAssertTrue(v >= 100 && v <= 1000, p.values[1])
            XCTAssertTrue(p.values[1].hasSuffix(" um"))
        }
    }

    /// Sobol (Saltelli): N (k + 2) points; AB_i equals A except in column i, taken from B.
    func testSobolSaltelliLayout() throws {
        let spec = try parse(header + "parameters:\n  secretome.dose: { range: [1, 2] }\n  wound.width: { range: [\"100 um\", \"1 mm\"] }\n  lattice.spacing: { range: [\"15 um\", \"25 um\"] }\ndesign: sobol\nsamples: 8\n")
        let points = try Designs.points(spec)
        XCTAssertEqual(points.count, 8 * 5)
        for j in 0..<8 {
            let a = points[5 * j].u, b = points[5 * j + 1].u
            for i in 0..<3 {
                let ab = points[5 * j + 2 + i].u
                for c in 0..<3 { XCTAssertEqual(ab[c], c == i ? b[c] : a[c]) }
            }
        }
    }

    /// Morris: trajectories of k + 1 points, each step moves one coordinate by p / (2 (p - 1)).
    func testMorrisTrajectories() throws {
        let spec = try parse(header + "parameters:\n  secretome.dose: { range: [1, 2] }\n  wound.width: { range: [\"100 um\", \"1 mm\"] }\ndesign: morris\nsamples: 6\nlevels: 4\n")
        let points = try Designs.points(spec)
        XCTAssertEqual(points.count, 6 * 3)
        let delta = 4.0 / 6.0
        for t in 0..<6 {
            var changed = Set<Int>()
            for s in 1...2 {
                let a = points[3 * t + s - 1].u, b = points[3 * t + s].u
                let diffs = zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }
                XCTAssertEqual(diffs.count, 1)
                XCTAssertEqual(diffs[0].element.1 - diffs[0].element.0, delta, accuracy: 1e-12)
                changed.insert(diffs[0].offset)
                XCTAssertTrue(b.allSatisfy { $0 >= 0 && $0 <= 1 + 1e-12 })
            }
            XCTAssertEqual(changed, [0, 1])
        }
    }

    /// The 95 % CI: mean +- t(0.975, n - 1) sd / sqrt(n), from GSL.
    func testStatistics() throws {
        let s = try XCTUnwrap(Results.stat([1, 2, 3, 4, 5]))
        XCTAssertEqual(s.mean, 3, accuracy: 1e-12)
        XCTAssertEqual(s.sd, 1.5811388300841898, accuracy: 1e-12)
        XCTAssertEqual(s.ci95!.high - 3, 2.7764451051977987 * 1.5811388300841898 / 5.0.squareRoot(), accuracy: 1e-9)
        XCTAssertNil(Results.stat([7])!.ci95)
        XCTAssertNil(Results.stat([]))
    }

    /// Fake outcomes from known functions of the unit coordinates: f = 3 u0 (Morris: mu* = 3
    /// for u0, 0 for u1) and f = u0 + 2 u1 (Sobol: S1 = 1/5 and 4/5, ST = S1).
    func testSensitivityEstimatorsOnKnownFunctions() throws {
        func outcomes(_ plan: SweepPlan, _ f: ([Double]) -> Double) -> [String: RunStatus] {
            var s: [String: RunStatus] = [:]
            for r in plan.runs {
                s[r.id] = RunStatus(id: r.id, status: .ok, exitCode: 0, error: "", metrics: ["closure_pct_final": f(plan.points[r.point].u)], wallSeconds: 0)
            }
            return s
        }
        let morris = try Planner.plan(parse(header + "parameters:\n  secretome.dose: { range: [1, 2] }\n  wound.width: { range: [\"100 um\", \"1 mm\"] }\ndesign: morris\nsamples: 5\nmetrics: [closure_pct_final]\n")).plan
        let m = try Analysis.analyze(morris, statuses: outcomes(morris) { 3 * $0[0] })
        XCTAssertEqual(m[0].values["mu_star"]!, 3, accuracy: 1e-9)
        XCTAssertEqual(m[0].values["mu"]!, 3, accuracy: 1e-9)
        XCTAssertEqual(m[1].values["mu_star"]!, 0, accuracy: 1e-9)
        XCTAssertEqual(m[0].n, 5)

        let sobol = try Planner.plan(parse(header + "parameters:\n  secretome.dose: { range: [1, 2] }\n  wound.width: { range: [\"100 um\", \"1 mm\"] }\ndesign: sobol\nsamples: 512\nmetrics: [closure_pct_final]\n")).plan
        let s = try Analysis.analyze(sobol, statuses: outcomes(sobol) { $0[0] + 2 * $0[1] })
        XCTAssertEqual(s[0].values["S1"]!, 0.2, accuracy: 0.03)
        XCTAssertEqual(s[1].values["S1"]!, 0.8, accuracy: 0.03)
        XCTAssertEqual(s[0].values["ST"]!, 0.2, accuracy: 0.03)
        XCTAssertEqual(s[1].values["ST"]!, 0.8, accuracy: 0.03)
        XCTAssertTrue(Analysis.table(s, plan: sobol).contains("S1"))
    }

    /// Sobol indices of the Ishigami function (Ishigami & Homma 1990; Saltelli et al. 2008,
    /// Global Sensitivity Analysis, p. 179), f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on
    /// [-pi, pi]^3 with a = 7, b = 0.1: x3 acts only through its interaction with x1, so its total
    /// index (0.244) differs from its first-order index (0), as x1's do (0.558 against 0.314). An
    /// estimator that returned S1 for ST, or dropped the interaction, fails here; an additive
    /// function could not tell.
    func testSobolIndicesOfTheIshigamiFunction() throws {
        let a = 7.0, b = 0.1, pi = Double.pi
        let v1 = 0.5 * (1 + b * pow(pi, 4) / 5) * (1 + b * pow(pi, 4) / 5), v2 = a * a / 8, v13 = 8 * b * b * pow(pi, 8) / 225
        let v = v1 + v2 + v13
        let expectedS1 = [v1 / v, v2 / v, 0], expectedST = [(v1 + v13) / v, v2 / v, v13 / v]
        XCTAssertEqual(expectedS1[0], 0.3139, accuracy: 1e-4)
        XCTAssertEqual(expectedST[2], 0.2437, accuracy: 1e-4)
        let plan = try Planner.plan(parse(header + "parameters:\n  secretome.dose: { range: [1, 2] }\n  wound.width: { range: [\"100 um\", \"1 mm\"] }\n  factors.EGF.decay: { range: [\"0.1 /h\", \"0.5 /h\"] }\ndesign: sobol\nsamples: 1024\nmetrics: [closure_pct_final]\n")).plan
        var statuses: [String: RunStatus] = [:]
        for r in plan.runs {
            let x = plan.points[r.point].u.map { -pi + 2 * pi * $0 }
            let f = sin(x[0]) + a * sin(x[1]) * sin(x[1]) + b * pow(x[2], 4) * sin(x[0])
            statuses[r.id] = RunStatus(id: r.id, status: .ok, exitCode: 0, error: "", metrics: ["closure_pct_final": f], wallSeconds: 0)
        }
        let rows = try Analysis.analyze(plan, statuses: statuses)
        XCTAssertEqual(rows.count, 3)
        for i in 0..<3 {
            XCTAssertEqual(rows[i].values["S1"]!, expectedS1[i], accuracy: 0.04, "S1 of x\(i + 1)")
            XCTAssertEqual(rows[i].values["ST"]!, expectedST[i], accuracy: 0.04, "ST of x\(i + 1)")
        }
        XCTAssertGreaterThan(rows[2].values["ST"]! - rows[2].values["S1"]!, 0.15, "x3's interaction with x1")
    }

    /// A shell word survives any characters: sh prints back exactly what was quoted.
    func testShellQuoting() throws {
        for hostile in ["plain", "with space", "it's", "$(touch /tmp/pwned)", "`id`", "a\"b", "semi;colon", "new\nline", "'", "--opt", "$HOME"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "printf %s " + Slurm.quote(hostile)]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(out, hostile)
        }
    }

    func testCSVQuoting() {
        XCTAssertEqual(Results.csv("a,b"), "\"a,b\"")
        XCTAssertEqual(Results.csv("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(Results.csv("plain"), "plain")
    }
}
