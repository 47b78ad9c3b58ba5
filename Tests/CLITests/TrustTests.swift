import Foundation
import XCTest

/// Issue 17, through the built binary: the parameter reference, marked overrides and the forms
/// of one quantity, `extends:` next to the file first, plausibility warnings, clean stops on
/// SIGINT and SIGTERM, `--from` a run folder, extending a finished run.
final class TrustTests: XCTestCase {
    func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    static var repo: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// `woundsim keys`: every key with what it takes, its meaning, default and source.
    func testKeysAndShow() throws {
        var r = try CLI.run(["keys", "cells.keratinocyte.migration.speed"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for piece in ["cells.keratinocyte.migration.speed", "crawling speed", "takes: speed", "default: 60 um/h", "source: single cell with factors (Fang 1998) [seen]"] {
            XCTAssertTrue(r.stdout.contains(piece), "\(piece) in\n\(r.stdout)")
        }
        r = try CLI.run(["keys"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let keys = r.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        XCTAssertGreaterThan(keys.count, 100)
        XCTAssertFalse(r.stdout.contains("(no description)"), "a key without a meaning")
        for key in ["lattice.spacing", "time.dt", "wound.diameter", "wound.width", "factors.HGF.molar_mass", "secretome.delivery.half_life",
                    "cells.fibroblast.proliferation.doubling", "cells.fibroblast.proliferation.rate", "cells.keratinocyte.migration.hop_rate",
                    "cells.fibroblast.responses[i].ec50", "injury.half_life"] {
            XCTAssertTrue(keys.contains(Substring(key)), key)
        }
        // The retracted lag is credited to its (retracted) source.
        r = try CLI.run(["keys", "cells.keratinocyte.migration.lag"])
        XCTAssertTrue(r.stdout.contains("default: 24 h") && r.stdout.contains("retracted"), r.stdout)
        r = try CLI.run(["keys", "cells.keratinocite"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("did you mean"), r.stderr)

        // `woundsim show`: the bundled file as written, comments and all.
        r = try CLI.run(["show", "excisional-wound-control"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, try read(Self.repo.appendingPathComponent("Scenarios/excisional-wound-control.yaml")))
        r = try CLI.run(["show", "scratch-asay"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("did you mean `scratch-assay`?"), r.stderr)
    }

    /// A value set by --set or the user's file is marked in the resolved scenario and the report;
    /// a later layer's form of a quantity replaces an earlier one's.
    func testOverridesAreMarkedAndFormsReplaced() throws {
        let root = CLI.temporaryRoot("overrides")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("run")
        var r = try CLI.run(["run", "scratch-assay", "--quiet", "--days", "0.1", "--out", out.path,
                             "--set", "cells.keratinocyte.migration.hop_rate=\"0.1 /min\"", "--set", "secretome.dose=3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let resolved = try read(out.appendingPathComponent("scenario.resolved.yaml"))
        let lines = resolved.split(separator: "\n")
        // The keratinocyte's hop rate is the one set, not the one the inherited speed gives.
        let kerat = lines.firstIndex { $0.hasPrefix("  keratinocyte:") }!
        let hop = lines[kerat...].first { $0.contains("hop_rate:") }!
        XCTAssertEqual(hop, "      hop_rate: \"0.1 /min\"  # set by --set")
        XCTAssertTrue(lines.contains("  dose: 3  # set by --set"), resolved)
        XCTAssertEqual(lines.filter { $0.contains("# set") }.count, 2, resolved)
        let report = try read(out.appendingPathComponent("report.html"))
        XCTAssertTrue(report.contains("set by --set"), "the report credits the user")
        XCTAssertTrue(report.contains("2 set by the user"), "the report counts the overrides")

        // A file's own values are marked with its name.
        let mine = root.appendingPathComponent("mine.yaml")
        try "extends: scratch-assay\nname: mine\ncells:\n  keratinocyte:\n    proliferation: { rate: \"0.02 /h\" }\n".write(to: mine, atomically: true, encoding: .utf8)
        r = try CLI.run(["run", mine.path, "--quiet", "--days", "0.1", "--out", root.appendingPathComponent("mine").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let mineLines = try read(root.appendingPathComponent("mine/scenario.resolved.yaml")).split(separator: "\n")
        let mineKerat = mineLines.firstIndex { $0.hasPrefix("  keratinocyte:") }!
        XCTAssertTrue(mineLines[mineKerat...].first { $0.contains("proliferation:") }!.hasSuffix("  # set in mine.yaml: rate"), mineLines.joined(separator: "\n"))
        XCTAssertEqual(mineLines.filter { $0.contains("# set") }.count, 1)

        // Two forms in one layer: refused, in a file or on the command line.
        let two = root.appendingPathComponent("two.yaml")
        try "extends: scratch-assay\nname: two\ncells:\n  keratinocyte:\n    proliferation: { rate: \"0.02 /h\", doubling: \"30 h\" }\n".write(to: two, atomically: true, encoding: .utf8)
        r = try CLI.run(["check", two.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("two.yaml:5:") && r.stderr.contains("two forms of the division rate"), r.stderr)
        r = try CLI.run(["check", "scratch-assay", "--set", "cells.fibroblast.migration.hop_rate=\"0.1 /min\"", "--set", "cells.fibroblast.migration.speed=\"10 um/h\""])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("two forms of one quantity: speed, and hop_rate"), r.stderr)
    }

    /// `extends: NAME` takes NAME.yaml next to the file before the bundled scenario, and says which.
    func testExtendsPrefersTheFileNextToIt() throws {
        let root = CLI.temporaryRoot("extends")
        defer { try? FileManager.default.removeItem(at: root) }
        let bundled = try read(Self.repo.appendingPathComponent("Scenarios/excisional-wound-asc-cm.yaml"))
        XCTAssertFalse(bundled.contains("\nseed:"))
        try (bundled + "seed: 77\n").write(to: root.appendingPathComponent("excisional-wound-asc-cm.yaml"), atomically: true, encoding: .utf8)
        let mine = root.appendingPathComponent("mine.yaml")
        try "extends: excisional-wound-asc-cm\nname: mine\n".write(to: mine, atomically: true, encoding: .utf8)
        var r = try CLI.run(["check", mine.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("seed: 77"), "the local file's value")
        XCTAssertTrue(r.stderr.contains("using \(root.appendingPathComponent("excisional-wound-asc-cm.yaml").path)") && r.stderr.contains("not the bundled scenario"), r.stderr)
        try FileManager.default.removeItem(at: root.appendingPathComponent("excisional-wound-asc-cm.yaml"))
        r = try CLI.run(["check", mine.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("seed: 1\n"))
        XCTAssertTrue(r.stderr.contains("using the bundled scenario"), r.stderr)
        // Warnings about bundled values name them as bundled, not as a path that does not exist.
        XCTAssertTrue(r.stderr.contains("[bundled] "), r.stderr)
        XCTAssertFalse(r.stderr.contains("Scenarios/"), r.stderr)
    }

    /// Values far outside any plausible range pass with a warning naming the range.
    func testImplausibleValuesAreWarnedAbout() throws {
        var r = try CLI.run(["check", "scratch-assay", "--set", "factors.EGF.diffusion=\"60 m^2/s\""])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: --set factors.EGF.diffusion=\"60 m^2/s\": factors.EGF.diffusion: \"60 m^2/s\" is far outside the plausible range of a diffusivity (0.01 to 1e5 um^2/s)"), r.stderr)
        r = try CLI.run(["check", "scratch-assay"])
        XCTAssertFalse(r.stderr.contains("plausible"), "the bundled values are plausible: \(r.stderr)")
    }

    /// SIGINT and SIGTERM stop a run between steps with a checkpoint and a message naming
    /// `woundsim resume`; the resumed outputs equal an uninterrupted run's.
    func testSignalsStopCleanlyAndResumeExactly() throws {
        let root = CLI.temporaryRoot("signals")
        defer { try? FileManager.default.removeItem(at: root) }
        let args = ["run", "scratch-assay", "--quiet", "--threads", "1", "--days", "6", "--set", "time.snapshot_every=\"1 d\""]
        let reference = root.appendingPathComponent("reference")
        XCTAssertEqual(try CLI.run(args + ["--out", reference.path]).status, 0)
        for (signal, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let out = root.appendingPathComponent("stopped-\(signal)")
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = args + ["--out", out.path]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: 0.6)
            XCTAssertTrue(p.isRunning, "the run ended before the signal")
            kill(p.processIdentifier, signal)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, code, stderr)
            XCTAssertTrue(stderr.contains("stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM")") && stderr.contains("woundsim resume \(out.path)"), stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.json").path))
            let r = try CLI.run(["resume", out.path, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let a = try ReliabilityTests.outputs(reference), b = try ReliabilityTests.outputs(out)
            XCTAssertEqual(Set(a.keys), Set(b.keys))
            for (k, v) in a where b[k] != v { XCTFail("\(k) differs after a stop by signal \(signal)") }
            XCTAssertEqual(try ReliabilityTests.metrics(reference), try ReliabilityTests.metrics(out))
        }
    }

    /// A finished run ends with a checkpoint; `resume --days` extends it, and the extension's
    /// outputs equal those of a run that was that long from the start. `--from` takes a run
    /// folder (its newest checkpoint).
    func testExtendAFinishedRunAndForkFromAFolder() throws {
        let root = CLI.temporaryRoot("extend")
        defer { try? FileManager.default.removeItem(at: root) }
        let base = ["run", "scratch-assay", "--quiet", "--set", "time.snapshot_every=\"12 h\""]
        let long = root.appendingPathComponent("two-days")
        XCTAssertEqual(try CLI.run(base + ["--days", "2", "--out", long.path]).status, 0)
        let short = root.appendingPathComponent("extended")
        XCTAssertEqual(try CLI.run(base + ["--days", "1", "--out", short.path]).status, 0)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: short.appendingPathComponent("checkpoint").path).sorted()
        XCTAssertEqual(checkpoints.last, "step-0000000720.wsck", "a checkpoint at the end (1 d in steps of 2 min)")
        var r = try CLI.run(["resume", short.path, "--days", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("extending scratch-assay from step-0000000720.wsck"), r.stderr)
        let a = try ReliabilityTests.outputs(long), b = try ReliabilityTests.outputs(short)
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (k, v) in a where b[k] != v { XCTFail("\(k) differs between the extended run and the two-day run") }
        XCTAssertEqual(try ReliabilityTests.metrics(long), try ReliabilityTests.metrics(short))
        r = try CLI.run(["resume", short.path, "--days", "1"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("already covers 2 days"), r.stderr)

        // --from a run folder: its newest checkpoint (the end of the two-day run).
        let fork = root.appendingPathComponent("fork")
        r = try CLI.run(["run", "scratch-assay", "--quiet", "--days", "3", "--from", long.path, "--out", fork.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: fork.appendingPathComponent("summary.json"))) as! [String: Any]
        let from = summary["forked_from"] as! [String: Any]
        XCTAssertEqual(from["checkpoint"] as? String, long.appendingPathComponent("checkpoint/step-0000001440.wsck").path)
        r = try CLI.run(["run", "scratch-assay", "--quiet", "--from", root.path, "--out", root.appendingPathComponent("nothing").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("holds no checkpoint"), r.stderr)
    }
}
