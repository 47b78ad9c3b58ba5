import Foundation
import StrictYAML
import Sweep
import XCTest

/// Calibration files are strict: each problem names its file, line and key.
final class CalibrationFileTests: XCTestCase {
    static let good = """
    calibration: c
    base: scratch-assay
    arms: { control: { secretome.profile: control }, cm: {} }
    parameters:
      cells.keratinocyte.migration.speed: { range: ["10 um/h", "100 um/h"], scale: log, start: "40 um/h" }
      cells.keratinocyte.responses[behaviour=migration,factor=EGF].ec50: { range: ["0.1 ng/mL", "10 ng/mL"], scale: log }
    seeds: [1, 2]
    observations: obs.csv
    """
    static let csv = "arm,time_h,metric,mean,sd,n\ncontrol,12,gap_closure_pct,10,4,4\ncm,12,gap_closure_pct,30,4,\ncm,24,keratinocytes,900,20,\n"

    func write(_ yaml: String, csv: String = CalibrationFileTests.csv) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-cal-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try csv.write(to: dir.appendingPathComponent("obs.csv"), atomically: true, encoding: .utf8)
        let file = dir.appendingPathComponent("cal.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// Observations may read a factor's columns; one the base scenario lacks is an input error
    /// when the calibrator is made, before any run.
    func testFactorColumnsAreChecked() throws {
        let options = Executor.Options(jobs: 1, threads: 1, executable: "/nonexistent", retryFailed: false, verbose: false)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-calf-\(getpid())")
        var notes: [String] = []
        let good = try CalibrationFile.load(try write(Self.good, csv: Self.csv + "cm,12,EGF_interval_mean_ngml,1,0.5,\n"))
        XCTAssertNoThrow(try Calibrator(good, folder: out, options: options, notes: &notes, message: { _ in }))
        let typo = try CalibrationFile.load(try write(Self.good, csv: Self.csv + "cm,12,EFG_interval_mean_ngml,1,0.5,\n"))
        XCTAssertThrowsError(try Calibrator(typo, folder: out, options: options, notes: &notes, message: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("EFG_interval_mean_ngml reads a factor the scenario does not have"), "\(error)")
        }
        try? FileManager.default.removeItem(at: out)
    }

    /// Every bundled calibration file loads, its observations name its arms, each arm and seed
    /// decodes at the starting values (what `Calibrator` checks before any run), and only the
    /// recovery check's ranges reach values a run would refuse.
    func testTheBundledCalibrationFilesLoad() throws {
        let dir = SweepTests.repoRoot.appendingPathComponent("Scenarios/calibrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 6)
        let options = Executor.Options(jobs: 1, threads: 1, executable: "/nonexistent", retryFailed: false, verbose: false)
        for name in files {
            let spec = try CalibrationFile.load(dir.appendingPathComponent(name).path)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-calb-\(getpid())-\(name)")
            defer { try? FileManager.default.removeItem(at: out) }
            var notes: [String] = []
            XCTAssertNoThrow(try Calibrator(spec, folder: out, options: options, notes: &notes, message: { _ in }), name)
            // A range end the scenario refuses is a warning. The recovery check's speed range
            // reaches 160 um/h, past one hop per step in its 10x medium (its fits stay near 40).
            let refused = notes.filter { $0.contains("range reaches") }
            if name == "recovery-scratch.yaml" {
                XCTAssertEqual(refused.count, 1, "\(notes)")
                XCTAssertTrue(refused.first?.contains("speed.range reaches 160 um/h") ?? false, "\(notes)")
            } else {
                XCTAssertEqual(refused, [], name)
            }
        }
    }

    func testAGoodFile() throws {
        let spec = try CalibrationFile.load(try write(Self.good))
        XCTAssertEqual(spec.parameters.map(\.key), ["cells.keratinocyte.migration.speed", "cells.keratinocyte.responses[behaviour=migration,factor=EGF].ec50"])
        XCTAssertEqual(spec.parameters[0].start, 40)
        XCTAssertNil(spec.parameters[1].start)
        XCTAssertEqual(spec.arms.map(\.name), ["control", "cm"])
        XCTAssertEqual(spec.observations.count, 3)
        XCTAssertEqual(spec.observations[0].sigma, 2, accuracy: 1e-12, "sd / sqrt(n)")
        XCTAssertEqual(spec.observations[1].sigma, 4)
        XCTAssertEqual(spec.observations[2].reading, "keratinocytes_at_24h")
        let ratio = try CalibrationFile.load(try write(Self.good, csv: Self.csv + "cm/control,12,gap_closure_pct,1.9,0.35,\n")).observations[3]
        XCTAssertEqual(ratio.arm, "cm")
        XCTAssertEqual(ratio.denominator, "control")
        XCTAssertEqual(ratio.armLabel, "cm/control")
        XCTAssertNil(spec.observations[0].denominator)
    }

    /// A parameter with `arms:` is set in those arms only; the others keep the base's value, so
    /// its Jacobian probes leave their runs (the same resolved scenarios) as they were.
    func testAParameterMayBeSetInSomeArmsOnly() throws {
        let yaml = Self.good.replacingOccurrences(of: "scale: log }", with: "scale: log, arms: [cm] }")
        let spec = try CalibrationFile.load(try write(yaml))
        XCTAssertNil(spec.parameters[0].arms)
        XCTAssertEqual(spec.parameters[1].arms, ["cm"])
        XCTAssertTrue(spec.parameters[1].applies(to: "cm"))
        XCTAssertFalse(spec.parameters[1].applies(to: "control"))
        let options = Executor.Options(jobs: 1, threads: 1, executable: "/nonexistent", retryFailed: false, verbose: false)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-cala-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        var notes: [String] = []
        let c = try Calibrator(spec, folder: out, options: options, notes: &notes, message: { _ in })
        let control = spec.arms[0], cm = spec.arms[1]
        XCTAssertEqual(try c.resolved([40, 0.5], arm: control, seed: 1).id, try c.resolved([40, 2], arm: control, seed: 1).id)
        XCTAssertNotEqual(try c.resolved([40, 0.5], arm: cm, seed: 1).id, try c.resolved([40, 2], arm: cm, seed: 1).id)
        XCTAssertNotEqual(try c.resolved([40, 0.5], arm: control, seed: 1).id, try c.resolved([50, 0.5], arm: control, seed: 1).id)
        XCTAssertTrue(try c.resolved([40, 2], arm: cm, seed: 1).yaml.contains("ec50: \"2 ng/mL\""))
        XCTAssertFalse(try c.resolved([40, 2], arm: control, seed: 1).yaml.contains("ec50: \"2 ng/mL\""))

        func issues(_ yaml: String, csv: String = CalibrationFileTests.csv) throws -> String {
            do { _ = try CalibrationFile.load(try write(yaml, csv: csv)); XCTFail("accepted"); return "" } catch { return "\(error)" }
        }
        var e = try issues(Self.good.replacingOccurrences(of: "scale: log }", with: "scale: log, arms: [treated] }"))
        XCTAssertTrue(e.contains("cal.yaml:6") && e.contains("arm \"treated\"") && e.contains("control, cm"), e)
        e = try issues(Self.good.replacingOccurrences(of: "scale: log }", with: "scale: log, arms: [] }"))
        XCTAssertTrue(e.contains("arms") && e.contains("is empty"), e)
        // Set only where no observation looks: the data cannot fit it.
        e = try issues(Self.good.replacingOccurrences(of: "scale: log }", with: "scale: log, arms: [control] }"),
                       csv: "arm,time_h,metric,mean,sd\ncm,12,gap_closure_pct,30,4\ncm,24,gap_closure_pct,50,4\n")
        XCTAssertTrue(e.contains("cal.yaml:6") && e.contains("no observation reads (control)"), e)
        XCTAssertNoThrow(try CalibrationFile.load(try write(Self.good.replacingOccurrences(of: "scale: log }", with: "scale: log, arms: [control] }"),
                                                          csv: "arm,time_h,metric,mean,sd\ncm/control,12,gap_closure_pct,3,1\ncm,24,gap_closure_pct,50,4\n")))
        e = try issues(Self.good.replacingOccurrences(of: "arms: { control: { secretome.profile: control }, cm: {} }\n", with: "")
                         .replacingOccurrences(of: "scale: log }", with: "scale: log, arms: [cm] }"))
        XCTAssertTrue(e.contains("names arms, but the file defines none"), e)
        // An arm's own value of a key fitted in that arm would be overwritten: an error; fitted
        // only in the other arms, the arm may hold its own.
        let pinned = Self.good.replacingOccurrences(of: "arms: { control: { secretome.profile: control }, cm: {} }", with: """
            arms:
              control: { secretome.profile: control }
              cm:
                cells.keratinocyte.responses[behaviour=migration,factor=EGF].ec50: "1 ng/mL"
            """)
        e = try issues(pinned)
        XCTAssertTrue(e.contains("arms.cm.cells.keratinocyte.responses[behaviour=migration,factor=EGF].ec50") && e.contains("also a fitted parameter in this arm"), e)
        XCTAssertNoThrow(try CalibrationFile.load(try write(pinned.replacingOccurrences(of: "scale: log }", with: "scale: log, arms: [control] }"))))
    }

    func testProblemsAreLocated() throws {
        func issues(_ yaml: String, csv: String = CalibrationFileTests.csv) throws -> String {
            do { _ = try CalibrationFile.load(try write(yaml, csv: csv)); XCTFail("accepted"); return "" } catch { return "\(error)" }
        }
        var e = try issues(Self.good.replacingOccurrences(of: "start: \"40 um/h\"", with: "start: \"400 um/h\""))
        XCTAssertTrue(e.contains("cal.yaml:5") && e.contains("must lie inside the range"), e)
        e = try issues(Self.good.replacingOccurrences(of: "scale: log, start", with: "scale: cubic, start"))
        XCTAssertTrue(e.contains("parameters.cells.keratinocyte.migration.speed.scale"), e)
        e = try issues(Self.good, csv: "arm,time_h,metric,mean\ncm,1,closure_pct,1\n")
        XCTAssertTrue(e.contains("obs.csv:1") && e.contains("no `sd` column"), e)
        e = try issues(Self.good, csv: "arm,time_h,metric,mean,sd\ntreated,1,closure_pct,1,1\n")
        XCTAssertTrue(e.contains("obs.csv:2") && e.contains("arm \"treated\"") && e.contains("control, cm"), e)
        e = try issues(Self.good, csv: "arm,time_h,metric,mean,sd\ncm/treated,1,closure_pct,1,1\ncm/cm,1,closure_pct,1,1\ncm/control/cm,1,closure_pct,1,1\n")
        XCTAssertTrue(e.contains("obs.csv:2") && e.contains("arm \"treated\""), e)
        XCTAssertTrue(e.contains("obs.csv:3") && e.contains("by itself"), e)
        XCTAssertTrue(e.contains("obs.csv:4") && e.contains("a ratio of two arms"), e)
        // Lines are numbered as in the file: comment and blank lines count, CRLF ends a line.
        e = try issues(Self.good, csv: "# Source: a paper\r\n# sd: assumed\r\n\r\narm,time_h,metric,mean\r\ncm,1,closure_pct,1\r\n")
        XCTAssertTrue(e.contains("obs.csv:4") && e.contains("no `sd` column"), e)
        e = try issues(Self.good, csv: "# Source: a paper\narm,time_h,metric,mean,sd\ncm,1,closure_pct,1,1\n\n# the treated arm\ntreated,1,closure_pct,1,1\n")
        XCTAssertTrue(e.contains("obs.csv:6") && e.contains("arm \"treated\""), e)
        e = try issues(Self.good, csv: "arm,time_h,metric,mean,sd\ncm,1,closure_time_h,1,1\ncm,2,closure_pct,1,1\ncm,3,closure_pct,1,1\n")
        XCTAssertTrue(e.contains("obs.csv:2") && e.contains("not a timeseries metric"), e)
        e = try issues(Self.good, csv: "arm,time_h,metric,mean,sd\ncm,1,closure_pct,1,1\n")
        XCTAssertTrue(e.contains("cannot fit 2 parameters"), e)
        e = try issues(Self.good.replacingOccurrences(of: "seeds: [1, 2]", with: "seeds: [1, 2]\nstep: 0.5"))
        XCTAssertTrue(e.contains("step") && e.contains("too coarse"), e)
    }
}
