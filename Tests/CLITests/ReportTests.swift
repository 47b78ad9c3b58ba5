import Foundation
import XCTest

/// report.html of runs and sweeps (issue 8): self-contained, every chart drawn, rebuilt the same.
final class ReportTests: XCTestCase {
    func checkSelfContained(_ page: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>"), file: file, line: line)
        for banned in ["src=\"http", "href=\"http", "<link", "@import", "url(http", "<iframe"] {
            XCTAssertFalse(page.contains(banned), "the page loads \(banned)", file: file, line: line)
        }
        let sources = page.components(separatedBy: "<img ").dropFirst().map { $0.components(separatedBy: "src=\"")[1].prefix(22) }
        XCTAssertTrue(sources.allSatisfy { $0 == "data:image/png;base64," }, "every picture embedded", file: file, line: line)
        let charts = page.components(separatedBy: "<svg class=\"chart\" data-points=\"").dropFirst().map { Int($0.prefix { $0.isNumber })! }
        XCTAssertFalse(charts.isEmpty, file: file, line: line)
        XCTAssertFalse(charts.contains(0), "a chart without data: \(charts)", file: file, line: line)
    }

    func testRunReport() throws {
        let out = CLI.temporaryFolder("report-run")
        var r = try CLI.run(["run", "excisional-wound-asc-cm", "--days", "3.5", "--set", "lattice.size=[100, 100]", "--set", "wound.diameter=\"1 mm\"",
                             "--set", "time.snapshot_every=\"24 h\"", "--set", "time.output_every=\"3 h\"", "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = out.appendingPathComponent("report.html")
        let page = try String(contentsOf: report, encoding: .utf8)
        checkSelfContained(page)
        // Closure with the reference ranges, cells, matrix, factors, onsets, profile: 6 charts.
        XCTAssertEqual(page.components(separatedBy: "<svg class=\"chart\"").count - 1, 6)
        for piece in ["Wound closure", "6 mm control, rough", "Galiano 2004", "Cells inside the wound", "Collagen and vessels",
                      "Growth factors over the wound, mean over each output interval", "Migration onset per kind", "configured lag", "cells by kind", "EGF [ng/mL]",
                      "player-slider", "class=\"retracted\"", "Hu 2013", "Seconds per phase", "factors.EGF.diffusion"] {
            XCTAssertTrue(page.contains(piece), piece)
        }
        // Snapshots at 0, 24, 48, 72 and 84 h: every frame in the strip, and the player.
        let frames = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("frames").path).filter { $0.hasSuffix(".png") }
        // Each snapshot: cells, 4 factors, and the skin's collagen, vessel and myofibroblast maps.
        XCTAssertEqual(frames.count, 5 * 8)
        XCTAssertEqual(page.components(separatedBy: "<img ").count - 1, frames.count + 1)
        // The manifest's checksum covers the report, and `woundsim report` rebuilds the same bytes.
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
        XCTAssertNotNil((manifest["sha256"] as! [String: String])["report.html"])
        let before = try Data(contentsOf: report)
        r = try CLI.run(["report", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Data(contentsOf: report), before)
        XCTAssertEqual(try CLI.run(["report", FileManager.default.temporaryDirectory.path]).status, 2)
        try? FileManager.default.removeItem(at: out)
    }

    /// Oxygen (about 1,700 ng/mL in blood) is drawn in uM on a chart of its own, so that the
    /// growth factors' chart keeps a scale of ng/mL tenths.
    func testQuasiSteadyFactorsChartedApart() throws {
        let out = CLI.temporaryFolder("report-oxygen")
        let r = try CLI.run(["run", "excisional-wound-inflammation-asc-cm", "--days", "0.5", "--set", "lattice.size=[60, 60]", "--set", "lattice.spacing=\"40 um\"",
                             "--set", "wound.diameter=\"1 mm\"", "--set", "time.snapshot_every=~", "--set", "time.output_every=\"3 h\"", "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        checkSelfContained(page)
        func chart(_ title: String) -> String? {
            guard let start = page.range(of: title) else { return nil }
            return page[start.lowerBound...].components(separatedBy: "</svg>").first
        }
        let growth = try XCTUnwrap(chart("Growth factors over the wound"))
        let steady = try XCTUnwrap(chart("Quasi-steady factors over the wound"))
        XCTAssertFalse(growth.contains(">oxygen<"), "oxygen left in the growth factors' chart")
        for name in ["EGF", "PGE2"] { XCTAssertTrue(growth.contains(">\(name)<"), name) }
        XCTAssertTrue(steady.contains(">oxygen<") && steady.contains(">uM<"), steady.prefix(300).description)
        try? FileManager.default.removeItem(at: out)
    }

    func testSweepReport() throws {
        let root = CLI.temporaryRoot("report-sweep")
        let file = try SweepCLITests.sweepFile(root, name: "rep")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "parameters:\n", with: "control: { secretome.profile: control }\nparameters:\n")
        // closure_time_h: no 12-hour scratch closes, so the report says so instead of drawing an empty chart.
        text = text.replacingOccurrences(of: "metrics: [", with: "metrics: [closure_time_h, ")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("sweep")
        let r = try CLI.run(["sweep", file.path, "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        checkSelfContained(page)
        for piece in ["Metrics against each parameter", "against secretome.dose", "Treated versus control", "control and each treated arm", "Summary",
                      "No run has a value of <code>closure_time_h</code>"] {
            XCTAssertTrue(page.contains(piece), piece)
        }
        try? FileManager.default.removeItem(at: root)
    }
}
