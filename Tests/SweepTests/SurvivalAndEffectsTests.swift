import Foundation
import Glibc
import XCTest
import Sweep

/// Censored closure times, paired effects against matched controls, and lock errors (issue 17).
final class SurvivalAndEffectsTests: XCTestCase {
    /// The "maintained" arm of the AML trial (Miller 1981; R's `survival::aml`): 9, 13, 13+, 18,
    /// 23, 28+, 31, 34, 45+, 48, 161+ weeks. R's survfit: median 31, 95 % CI 18 to NA.
    func testKaplanMeierMatchesRsSurvfit() {
        let obs: [Survival.Observation] = [(9, true), (13, true), (13, false), (18, true), (23, true), (28, false), (31, true),
                                           (34, true), (45, false), (48, true), (161, false)]
        let e = Survival.kaplanMeier(obs)
        XCTAssertEqual(e.n, 11)
        XCTAssertEqual(e.events, 7)
        XCTAssertEqual(e.median, 31)
        XCTAssertEqual(e.low, 18)
        XCTAssertNil(e.high)
        // The "nonmaintained" arm: 5, 5, 8, 8, 12, 16+, 23, 27, 30, 33, 43, 45: median 23, CI 8 to NA.
        let other = Survival.kaplanMeier([(5, true), (5, true), (8, true), (8, true), (12, true), (16, false), (23, true), (27, true),
                                          (30, true), (33, true), (43, true), (45, true)])
        XCTAssertEqual(other.median, 23)
        XCTAssertEqual(other.low, 8)
    }

    /// Without censoring the KM median is an order statistic; with fewer than half the events it
    /// is not reached; all censored gives nothing.
    func testKaplanMeierEdgeCases() {
        XCTAssertEqual(Survival.kaplanMeier([(1, true), (2, true), (3, true)]).median, 2)
        let few = Survival.kaplanMeier([(10, true), (100, false), (100, false), (100, false)])
        XCTAssertNil(few.median)
        XCTAssertEqual(few.events, 1)
        XCTAssertNil(Survival.kaplanMeier([(100, false), (100, false)]).median)
        XCTAssertNil(Survival.kaplanMeier([]).median)
        XCTAssertEqual(Effects.median(few), "not reached (1/4 closed)")
    }

    /// A curve exactly at one half: the middle of the flat stretch, as R (and the sample median).
    func testKaplanMeierMedianAtExactlyOneHalf() {
        XCTAssertEqual(Survival.kaplanMeier([(1, true), (2, true), (3, true), (4, true)]).median, 2.5)
        XCTAssertEqual(Survival.kaplanMeier([(10, true), (12, true), (20, false), (20, false)]).median, 12, "flat at 1/2 to the end")
    }

    /// Effects pair each treated point with its control seed by seed: a plan with known values.
    func testPairedEffectsAgainstTheMatchedControl() {
        var plan = SweepPlan(name: "t", description: "", design: .grid, samples: 0, levels: 4, designSeed: 1, seeds: [1, 2, 3],
                             metrics: ["m", "closure_time_h"], parameters: [.init(key: "secretome.dose", unit: "", domain: "list", scale: "linear", categories: ["1"])],
                             points: [], runs: [], durationHours: 100)
        plan.points = [.init(index: 0, group: 0, role: .plain, changed: nil, u: [0], values: ["1"], control: 1),
                       .init(index: 1, group: -1, role: .control, changed: nil, u: [0], values: ["1"])]
        var statuses: [String: RunStatus] = [:]
        let treated: [Double?] = [12, 14, nil], control: [Double?] = [10, 11, 15]
        for (i, seed) in plan.seeds.enumerated() {
            for (point, v) in [(0, treated[i]), (1, control[i])] {
                let id = String(format: "%016x", point * 10 + Int(seed))
                plan.runs.append(.init(id: id, point: point, seed: seed))
                statuses[id] = RunStatus(id: id, status: .ok, exitCode: 0, error: "", metrics: ["m": v, "closure_time_h": v], wallSeconds: 1)
            }
        }
        let rows = Effects.rows(plan, statuses: statuses)
        XCTAssertEqual(rows.count, 2)
        let m = rows[0]
        XCTAssertEqual(m.n, 2, "the seed the treated arm did not reach is left out of the pairs")
        XCTAssertEqual(m.mean!, 2.5, accuracy: 1e-12)          // (2 + 3) / 2
        XCTAssertEqual(m.controlMean!, 10.5, accuracy: 1e-12)
        XCTAssertEqual(m.relativePercent!, 100 * 2.5 / 10.5, accuracy: 1e-9)
        // t(0.975, 1) = 12.706; sd of (2, 3) = 0.7071; half width = 12.706 * 0.7071 / sqrt(2) = 6.353.
        XCTAssertEqual(m.ci95!.high - m.mean!, 6.353, accuracy: 1e-3)
        XCTAssertEqual(m.notReachedTreated, 1)
        let c = rows[1]
        XCTAssertEqual(c.treatedSurvival?.events, 2)
        XCTAssertEqual(c.treatedSurvival?.median, 14, "12, 14 and one censored at 100 h")
        XCTAssertEqual(c.controlSurvival?.median, 11)
    }

    /// A plan.json written before points named their control: every design point gets the one
    /// control arm, so `sweep analyze` still finds it.
    func testPlansWithoutControlIndicesStillPairWithTheirControl() throws {
        let spec = try SweepFile.load(SweepTests.repoRoot.appendingPathComponent("Scenarios/sweeps/cm-dose-scratch.yaml").path)
        let plan = try Planner.plan(spec).plan
        var json = try JSONSerialization.jsonObject(with: PlanJSON.encode(plan).data) as! [String: Any]
        json["points"] = (json["points"] as! [[String: Any]]).map { var p = $0; p["control"] = nil; return p }
        let old = try PlanJSON.decode(JSONSerialization.data(withJSONObject: json), path: "plan.json")
        XCTAssertEqual(old.points.map(\.control), plan.points.map(\.control))
    }

    /// Matched controls: a control fixing a key that is not swept gives every grid point a
    /// control with its own settings; a control fixing a swept key at one of its values makes
    /// that point a control itself (no effect against itself).
    func testControlsAreMatchedToEachPointsOtherSettings() throws {
        let file = SweepTests.repoRoot.appendingPathComponent("Scenarios/sweeps/t.yaml").path
        var spec = try SweepFile.parse("sweep: t\nbase: scratch-assay\ncontrol: { secretome.profile: control }\nparameters:\n  secretome.dose: [1, 10]\nseeds: [1, 2]\n", file: file)
        var plan = try Planner.plan(spec).plan
        XCTAssertEqual(plan.points.map(\.role.description), ["", "", "control", "control"])
        XCTAssertEqual(plan.points.map(\.control), [2, 3, nil, nil])
        XCTAssertEqual(plan.points[2].values, ["1"])
        XCTAssertEqual(plan.runs.count, 8)
        spec = try SweepFile.parse("sweep: t\nbase: scratch-assay\ncontrol: { secretome.profile: control }\nparameters:\n  secretome.profile: [control, asc-monolayer]\n  secretome.dose: [1, 10]\nseeds: [1]\n", file: file)
        plan = try Planner.plan(spec).plan
        let treated = plan.points.filter { $0.role != .control }
        XCTAssertEqual(treated.filter { $0.values[0] == "control" }.map(\.control), [nil, nil])
        XCTAssertEqual(treated.filter { $0.values[0] == "asc-monolayer" }.compactMap(\.control).map { plan.points[$0].values }, [["control", "1"], ["control", "10"]])
    }

    /// Only "held by another process" is busy; other flock errors stop the sweep.
    func testLockErrorsOtherThanBusyAreErrors() {
        XCTAssertNil(Executor.lockProblem(EWOULDBLOCK, path: "l"))
        XCTAssertNil(Executor.lockProblem(EINTR, path: "l"))
        for e in [ENOLCK, ENOSYS, EINVAL, EBADF] {
            let p = Executor.lockProblem(e, path: "locks/x.lock")
            XCTAssertNotNil(p, "errno \(e)")
            XCTAssertTrue(p!.description.contains("could not lock locks/x.lock") && p!.description.contains("flock"), p!.description)
        }
    }

    /// `{closure_pct_at: "12 h"}` in a sweep file is the metric `closure_pct_at_12h`.
    func testClosureAtAnyTime() throws {
        let spec = try SweepFile.parse("sweep: t\nbase: scratch-assay\nparameters: { secretome.dose: [1] }\nmetrics: [closure_time_h, {closure_pct_at: \"90 min\"}, closure_pct_at_12h]\n",
                                       file: SweepTests.repoRoot.appendingPathComponent("Scenarios/sweeps/t.yaml").path)
        XCTAssertEqual(spec.metrics, ["closure_time_h", "closure_pct_at_1.5h", "closure_pct_at_12h"])
        XCTAssertEqual(SweepMetrics.hours(of: "closure_pct_at_1.5h"), 1.5)
        XCTAssertNil(SweepMetrics.hours(of: "closure_pct_at_h"))
        XCTAssertThrowsError(try SweepFile.parse("sweep: t\nbase: scratch-assay\nparameters: { secretome.dose: [1] }\nmetrics: [{closure_pct_at: \"12 um\"}]\n",
                                                 file: "t.yaml"))
    }

    /// A factor's sampled and interval means are series metrics too, read in ng/mL.
    func testFactorColumnsAtAnyTime() throws {
        let spec = try SweepFile.parse("sweep: t\nbase: scratch-assay\nparameters: { secretome.dose: [1] }\nmetrics: [{EGF_interval_mean_ngml_at: \"1 d\"}, VEGF_mean_ngml_at_6h]\n",
                                       file: SweepTests.repoRoot.appendingPathComponent("Scenarios/sweeps/t.yaml").path)
        XCTAssertEqual(spec.metrics, ["EGF_interval_mean_ngml_at_24h", "VEGF_mean_ngml_at_6h"])
        XCTAssertEqual(SweepMetrics.series(of: "EGF_interval_mean_ngml_at_24h")?.column, "EGF_interval_mean_ngml")
        XCTAssertEqual(SweepMetrics.unit("EGF_interval_mean_ngml_at_24h"), "ng/mL")
        XCTAssertEqual(SweepMetrics.series(of: "gap_closure_pct_at_2.5h")?.hours, 2.5)
        // The recruited kinds' counts: neutrophils (issue 13) beside the macrophages.
        XCTAssertEqual(SweepMetrics.series(of: "neutrophils_in_wound_at_24h")?.column, "neutrophils_in_wound")
        XCTAssertEqual(SweepMetrics.series(of: "macrophages_at_168h")?.column, "macrophages")
        XCTAssertEqual(SweepMetrics.unit("neutrophils_at_24h"), "cells")
        for bad in ["_mean_ngml_at_24h", "EGF mean_ngml_at_24h", "EGF_median_ngml_at_24h", "EGF_interval_mean_ngml_at_xh"] {
            XCTAssertNil(SweepMetrics.series(of: bad), bad)
        }
        XCTAssertThrowsError(try SweepFile.parse("sweep: t\nbase: scratch-assay\nparameters: { secretome.dose: [1] }\nmetrics: [{EGF_median_ngml_at: \"12 h\"}]\n",
                                                 file: "t.yaml"))
        // A factor the scenario does not have is an input error when the sweep is planned.
        let typo = try SweepFile.parse("sweep: t\nbase: scratch-assay\nparameters: { secretome.dose: [1] }\nmetrics: [{EFG_interval_mean_ngml_at: \"1 d\"}]\n",
                                       file: SweepTests.repoRoot.appendingPathComponent("Scenarios/sweeps/t.yaml").path)
        XCTAssertThrowsError(try Planner.plan(typo)) { error in
            XCTAssertTrue("\(error)".contains("EFG_interval_mean_ngml_at_24h reads a factor the scenario does not have"), "\(error)")
        }
        XCTAssertNoThrow(try Planner.plan(spec))
    }
}
