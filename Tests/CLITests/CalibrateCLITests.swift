import Foundation
import XCTest

/// `woundsim calibrate` end to end on a tiny scratch: the outputs, the reuse of finished runs by
/// a rerun, and the recovery check's table.
final class CalibrateCLITests: XCTestCase {
    func testFitWritesItsOutputsAndARerunReusesTheRuns() throws {
        let root = CLI.temporaryRoot("calibrate")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("cal.yaml")
        try """
        calibration: tiny
        base: scratch-assay
        set: { lattice.size: [40, 20], wound.width: "200 um", time.duration: "12 h", time.output_every: "4 h", time.snapshot_every: ~, time.checkpoint_every: ~ }
        arms: { cm: { secretome.dose: 10 }, control: { secretome.profile: control } }
        parameters:
          cells.keratinocyte.migration.speed: { range: ["10 um/h", "160 um/h"], scale: log, start: "40 um/h" }
        seeds: [1, 2]
        observations: obs.csv
        max_iterations: 5

        """.write(to: file, atomically: true, encoding: .utf8)
        try "arm,time_h,metric,mean,sd\ncm,4,gap_closure_pct,10,5\ncm,8,gap_closure_pct,30,5\ncm,12,gap_closure_pct,50,5\ncm,12,keratinocytes,1000,100\ncontrol,12,keratinocytes,1000,100\ncm/control,12,keratinocytes,1,0.1\n"
            .write(to: root.appendingPathComponent("obs.csv"), atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("out")
        var r = try CLI.run(["calibrate", file.path, "--out", out.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("cells.keratinocyte.migration.speed = ") && r.stdout.contains("95 % CI"), r.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("calibration.json"))) as! [String: Any]
        let p = (json["parameters"] as! [[String: Any]])[0]
        let estimate = (p["estimate"] as! NSNumber).doubleValue
        let ci = (p["ci95"] as! [NSNumber]).map(\.doubleValue)
        XCTAssertTrue(ci[0] <= estimate && estimate <= ci[1] && estimate >= 10 && estimate <= 160, "\(estimate) \(ci)")
        let fit = try String(contentsOf: out.appendingPathComponent("fit.csv"), encoding: .utf8)
        XCTAssertTrue(fit.hasPrefix("arm,time_h,metric,observed,sigma,model,residual\ncm,4,gap_closure_pct,10,5,"), fit)
        // The ratio row: each seed's cm count over its control count, averaged over the seeds;
        // near the ratio of the two arms' seed means (equal for one seed).
        func model(_ prefix: String) throws -> Double {
            let row = try XCTUnwrap(fit.split(separator: "\n").first { $0.hasPrefix(prefix) }, prefix)
            return try XCTUnwrap(Double(row.split(separator: ",")[5]))
        }
        XCTAssertTrue(fit.contains("\ncm/control,12,keratinocytes,1,0.1,"), fit)
        let ratio = try model("cm,12,keratinocytes,") / model("control,12,keratinocytes,")
        XCTAssertEqual(try model("cm/control,12,keratinocytes,"), ratio, accuracy: 0.01 * ratio)
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("Fitted curves over the data") && report.contains("class=\"datum\""), "the report draws the curves")
        let runs = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("evaluations/runs").path).count
        XCTAssertGreaterThan(runs, 2)

        // A rerun reuses every run and gives the same estimate.
        r = try CLI.run(["calibrate", file.path, "--out", out.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("evaluations/runs").path).count, runs)
        let again = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("calibration.json"))) as! [String: Any]
        XCTAssertEqual(((again["parameters"] as! [[String: Any]])[0]["estimate"] as! NSNumber).doubleValue, estimate)

        // Recovery: one synthetic data set, its table.
        r = try CLI.run(["calibrate", "recovery", file.path, "--out", root.appendingPathComponent("rec").path, "--data-sets", "1", "--minimum-coverage", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let table = try String(contentsOf: root.appendingPathComponent("rec/recovery.csv"), encoding: .utf8)
        XCTAssertTrue(table.hasPrefix("data_set,cells.keratinocyte.migration.speed,"), table)
        XCTAssertEqual(table.split(separator: "\n").count, 2)

        // A bad file exits 2 with its line.
        try "calibration: bad\nbase: scratch-assay\nparameters: {}\nobservations: obs.csv\n".write(to: file, atomically: true, encoding: .utf8)
        r = try CLI.run(["calibrate", file.path, "--out", root.appendingPathComponent("bad").path])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("cal.yaml:3") && r.stderr.contains("parameters"), r.stderr)
    }

    /// Data that ask for a speed the lattice refuses (above about 63 um/h on the scratch's
    /// lattice at a 2 min step): the fit's trial steps there are refused, not run, and taken as
    /// rejected steps; the fit ends inside the allowed values and says how many it refused.
    func testARefusedTrialStepDoesNotStopTheFit() throws {
        let root = CLI.temporaryRoot("calibrate-refused")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("cal.yaml")
        try """
        calibration: fast
        base: scratch-assay
        set: { lattice.size: [40, 20], wound.width: "200 um", time.duration: "12 h", time.output_every: "4 h", time.snapshot_every: ~, time.checkpoint_every: ~, secretome.dose: 10 }
        parameters:
          cells.keratinocyte.migration.speed: { range: ["10 um/h", "400 um/h"], scale: log, start: "50 um/h" }
        seeds: [1]
        observations: obs.csv
        max_iterations: 4

        """.write(to: file, atomically: true, encoding: .utf8)
        try "arm,time_h,metric,mean,sd\nbase,4,gap_closure_pct,60,5\nbase,8,gap_closure_pct,100,5\nbase,12,gap_closure_pct,100,5\n"
            .write(to: root.appendingPathComponent("obs.csv"), atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("out")
        let r = try CLI.run(["calibrate", file.path, "--out", out.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("range reaches 400 um/h, where the scenario is refused"), r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("calibration.json"))) as! [String: Any]
        let refused = try XCTUnwrap(json["refused_steps"] as? [String])
        XCTAssertFalse(refused.isEmpty, "no trial step was refused: \(r.stderr)")
        XCTAssertTrue(refused.allSatisfy { $0.contains("cells.keratinocyte.migration.speed") && $0.contains("per step") }, "\(refused)")
        XCTAssertTrue(refused.contains { $0.hasPrefix("trial step to ") }, "no trial step among the refusals: \(refused)")
        XCTAssertEqual(Set(refused).count, refused.count, "\(refused)")
        let warnings = try XCTUnwrap(json["warnings"] as? [String])
        XCTAssertTrue(warnings.contains { $0.contains("held by what the lattice allows") }, "\(warnings)")
        let estimate = ((json["parameters"] as! [[String: Any]])[0]["estimate"] as! NSNumber).doubleValue
        XCTAssertTrue(estimate > 50 && estimate < 64, "\(estimate)")
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("trial steps or probes the scenario refused"))
    }
}
