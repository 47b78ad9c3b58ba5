import Foundation
import XCTest

/// Issue 7: checkpoints and exact resume after SIGKILL, damaged checkpoints, treatment arms forked
/// from one state, the numerical guard, full disks and unwritable folders, hostile names.
final class ReliabilityTests: XCTestCase {
    /// The scratch assay, 48 h, a checkpoint every 4 h and snapshots every 12 h (about 3 s); rows
    /// every 6 h, so that most checkpoints fall inside an averaging interval of the timeseries.
    static let runArgs = ["run", "scratch-assay", "--quiet", "--threads", "2", "--set", "time.checkpoint_every=\"4 h\"", "--set", "time.snapshot_every=\"12 h\"",
                          "--set", "time.output_every=\"6 h\""]

    /// Every output file of a run folder (relative path -> bytes), without what legitimately
    /// differs between an interrupted and an uninterrupted run: wall times and commands
    /// (manifest.json, report.html, summary.json: compared by `metrics`) and checkpoints.
    static func outputs(_ folder: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let fm = FileManager.default
        for case let relative as String in fm.enumerator(atPath: folder.path)! {
            if relative.hasPrefix("checkpoint") || ["manifest.json", "report.html", "summary.json"].contains(relative) { continue }
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: folder.appendingPathComponent(relative).path, isDirectory: &isDirectory), !isDirectory.boolValue { out[relative] = try Data(contentsOf: folder.appendingPathComponent(relative)) }
        }
        return out
    }

    /// The summary's model results (not wall times, rates, profile, threads or warnings' positions).
    static func metrics(_ folder: URL) throws -> NSDictionary {
        var s = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
        for k in ["wall_time_s", "profile", "cell_updates_per_s", "voxel_factor_updates_per_s", "threads", "warnings"] { s[k] = nil }
        return s as NSDictionary
    }

    func assertSameRun(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try Self.outputs(a), y = try Self.outputs(b)
        XCTAssertEqual(Set(x.keys), Set(y.keys), file: file, line: line)
        for (k, v) in x where y[k] != v { XCTFail("\(k) differs", file: file, line: line) }
        XCTAssertEqual(try Self.metrics(a), try Self.metrics(b), file: file, line: line)
        XCTAssertTrue(FileManager.default.fileExists(atPath: b.appendingPathComponent("manifest.json").path), file: file, line: line)
    }

    static func start(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Kill a run (and then its resumes) with SIGKILL at random moments; the resumed outputs
    /// equal the uninterrupted run's byte for byte.
    func testKilledRunsResumeToIdenticalOutputs() throws {
        let root = CLI.temporaryRoot("resume")
        let reference = root.appendingPathComponent("reference")
        XCTAssertEqual(try CLI.run(Self.runArgs + ["--out", reference.path]).status, 0)
        var generator = SystemRandomNumberGenerator()
        var kills = 0, resumedFromCheckpoint = 0
        for trial in 0..<4 {
            let out = root.appendingPathComponent("killed-\(trial)")
            var p = try Self.start(Self.runArgs + ["--out", out.path])
            if trial >= 2 {
                // Half the trials kill only after the first checkpoint is on disk, so a resume from
                // a checkpoint is tested however slow the machine's start-up is.
                let folder = out.appendingPathComponent("checkpoint")
                let deadline = Date().addingTimeInterval(60)
                while p.isRunning, Date() < deadline, ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter({ $0.hasSuffix(".wsck") }).isEmpty {
                    Thread.sleep(forTimeInterval: 0.01)
                }
            }
            Thread.sleep(forTimeInterval: Double.random(in: trial >= 2 ? 0..<0.2 : 0.15..<0.6, using: &generator))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
            // Kill a resume too, once per trial, then resume to the end.
            p = try Self.start(["resume", out.path, "--quiet"])
            Thread.sleep(forTimeInterval: Double.random(in: 0.05..<0.3, using: &generator))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
            let r = try CLI.run(["resume", out.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            if r.stderr.contains("resuming scratch-assay from step-") { resumedFromCheckpoint += 1 }
            try assertSameRun(reference, out)
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
            for (path, sum) in manifest["sha256"] as! [String: String] where !path.hasPrefix("report") {
                XCTAssertEqual(sum, CLI.sha256(out.appendingPathComponent(path)), path)
            }
        }
        XCTAssertGreaterThanOrEqual(kills, 5, "kills that hit a running process")
        XCTAssertGreaterThanOrEqual(resumedFromCheckpoint, 1)
        print("resume: \(kills) kills survived with identical outputs, \(resumedFromCheckpoint) resumes from a checkpoint")
        try? FileManager.default.removeItem(at: root)
    }

    /// Damaged newest checkpoints: each is reported and the previous one used; the result is
    /// still identical. With no valid checkpoint the run starts again.
    func testDamagedCheckpointsFallBackToThePreviousOne() throws {
        let root = CLI.temporaryRoot("damaged")
        let reference = root.appendingPathComponent("reference")
        XCTAssertEqual(try CLI.run(Self.runArgs + ["--out", reference.path]).status, 0)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: reference.appendingPathComponent("checkpoint").path).sorted()
        XCTAssertEqual(checkpoints.count, 2, "the newest two are kept")
        let good = try Data(contentsOf: reference.appendingPathComponent("checkpoint/\(checkpoints[1])"))
        func flipped(_ at: Int) -> Data { var d = good; d[at] ^= 0x5A; return d }
        var version = good; version[16] = 7
        var otherScenario = good; otherScenario[40] ^= 0xFF
        let damages: [(String, Data, String)] = [
            ("empty", Data(), "truncated"),
            ("10 bytes", good.prefix(10), "truncated"),
            ("header only", good.prefix(104), "truncated or padded"),
            ("half", good.prefix(good.count / 2), "truncated or padded"),
            ("one byte short", good.prefix(good.count - 1), "truncated or padded"),
            ("one byte more", good + Data([0]), "truncated or padded"),
            ("byte flipped in the state", flipped(good.count - 1000), "checksum mismatch"),
            ("byte flipped in the series", flipped(200), "checksum mismatch"),
            ("wrong magic", flipped(0), "not a woundsim checkpoint"),
            ("other format version", version, "checkpoint format 7"),
            ("other scenario", otherScenario, "belongs to another scenario"),
        ]
        for (what, bytes, message) in damages {
            let out = root.appendingPathComponent("case")
            try? FileManager.default.removeItem(at: out)
            try FileManager.default.copyItem(at: reference, to: out)
            for f in ["manifest.json", "summary.json", "report.html", "timeseries.csv"] { try FileManager.default.removeItem(at: out.appendingPathComponent(f)) }
            try bytes.write(to: out.appendingPathComponent("checkpoint/\(checkpoints[1])"))
            let damaged = root.appendingPathComponent("damaged.wsck")
            try bytes.write(to: damaged)
            let r = try CLI.run(["resume", out.path])
            XCTAssertEqual(r.status, 0, "\(what): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message) && r.stderr.contains("trying the previous one"), "\(what): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("from \(checkpoints[0])"), "\(what): \(r.stderr)")
            try assertSameRun(reference, out)
            // As the start of an arm, a damaged checkpoint is bad input.
            let fork = try CLI.run(["run", "scratch-assay", "--from", damaged.path, "--out", root.appendingPathComponent("fork").path, "--force"])
            if what != "other scenario" { XCTAssertEqual(fork.status, 2, "\(what): \(fork.stderr)") }
        }
        // Both damaged: start again from the beginning, same result.
        let out = root.appendingPathComponent("both")
        try FileManager.default.copyItem(at: reference, to: out)
        for f in ["manifest.json", "summary.json", "report.html"] { try FileManager.default.removeItem(at: out.appendingPathComponent(f)) }
        for c in checkpoints { try good.prefix(50).write(to: out.appendingPathComponent("checkpoint/\(c)")) }
        let r = try CLI.run(["resume", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("starting again from the beginning"), r.stderr)
        try assertSameRun(reference, out)
        print("damaged checkpoints: \(damages.count + 1) cases, each reported and recovered")
        try? FileManager.default.removeItem(at: root)
    }

    /// Treatment arms forked from one saved state share the pre-treatment wound exactly.
    func testArmsForkedFromOneCheckpoint() throws {
        let root = CLI.temporaryRoot("arms")
        let parent = root.appendingPathComponent("control")
        let common = ["run", "excisional-wound-control", "--quiet", "--days", "2", "--set", "lattice.size=[100, 100]", "--set", "wound.diameter=\"1 mm\"",
                      "--set", "time.snapshot_every=~", "--set", "time.output_every=\"2 h\"", "--set", "time.checkpoint_every=\"24 h\""]
        XCTAssertEqual(try CLI.run(common + ["--out", parent.path]).status, 0)
        let checkpoint = parent.appendingPathComponent("checkpoint/step-0000000720.wsck")  // 24 h
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path))
        var series: [[Substring]] = []
        for (i, profile) in ["asc-monolayer", "asc-spheroid"].enumerated() {
            let arm = root.appendingPathComponent("arm-\(i)")
            let r = try CLI.run(common + ["--out", arm.path, "--from", checkpoint.path, "--set", "secretome.profile=\(profile)"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let rows = try String(contentsOf: arm.appendingPathComponent("timeseries.csv"), encoding: .utf8).split(separator: "\n")
            series.append(rows)
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: arm.appendingPathComponent("manifest.json"))) as! [String: Any]
            let forked = try XCTUnwrap(manifest["forked_from"] as? [String: Any])
            XCTAssertEqual(forked["step"] as? Int, 720)
            XCTAssertEqual(forked["sha256"] as? String, CLI.sha256(checkpoint))
            XCTAssertNotNil((try JSONSerialization.jsonObject(with: Data(contentsOf: arm.appendingPathComponent("summary.json"))) as! [String: Any])["forked_from"])
            XCTAssertTrue(try String(contentsOf: arm.appendingPathComponent("scenario.resolved.yaml"), encoding: .utf8).contains("profile: \(profile)"))
        }
        let parentRows = try String(contentsOf: parent.appendingPathComponent("timeseries.csv"), encoding: .utf8).split(separator: "\n")
        // Header and rows at 0, 2, ..., 24 h: the same in the parent and both arms.
        XCTAssertEqual(Array(series[0].prefix(14)), Array(parentRows.prefix(14)))
        XCTAssertEqual(Array(series[1].prefix(14)), Array(parentRows.prefix(14)))
        XCTAssertEqual(series[0].count, parentRows.count)
        XCTAssertNotEqual(series[0].suffix(5), series[1].suffix(5), "different media after the fork")
        // A checkpoint does not fit a scenario with another lattice.
        let r = try CLI.run(common + ["--out", root.appendingPathComponent("bad").path, "--from", checkpoint.path, "--set", "lattice.size=[90, 100]"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("100 x 100 x 2 lattice, the scenario has 90 x 100 x 2"), r.stderr)
        try? FileManager.default.removeItem(at: root)
    }

    /// A non-finite field value stops the run with the step, factor and site; what was written
    /// stays valid.
    func testNumericalGuardStopsTheRun() throws {
        let out = CLI.temporaryFolder("guard")
        let r = try CLI.run(Self.runArgs + ["--out", out.path, "--debug-inject-nan", "400"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("stopped by the numerical guard at step 420 (t = 14.00 h): factor EGF is nan ng/mL at site "), r.stderr)
        XCTAssertTrue(r.stderr.contains("layer 0)"), r.stderr)
        let csv = try String(contentsOf: out.appendingPathComponent("timeseries.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 3, "rows at 0, 6, 12 h")
        XCTAssertFalse(csv.joined().contains("nan"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("fields/EGF_t00720min.npy").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.json").path))
        let files = try FileManager.default.subpathsOfDirectory(atPath: out.path)
        XCTAssertFalse(files.contains { $0.contains(".tmp-") }, "no half-written file")
        try? FileManager.default.removeItem(at: out)
    }

    /// A file-size limit (a full disk, a quota) and an unwritable folder: exit 1 naming the file;
    /// what was written before is intact, and the run resumes from its checkpoint once there is room.
    func testFullDiskAndUnwritableFolders() throws {
        let root = CLI.temporaryRoot("disk")
        let reference = root.appendingPathComponent("reference")
        XCTAssertEqual(try CLI.run(Self.runArgs + ["--out", reference.path]).status, 0)
        let out = root.appendingPathComponent("limited")
        // ulimit -f counts 1024-byte blocks in bash: 834,560 bytes hold every snapshot file and
        // the early checkpoints (828,622 bytes at 4 h, 829,717 at 24 h) but not the later ones
        // (841,818 at 40 h): the cells multiply. The run fails part way, at a checkpoint.
        let command = "ulimit -f 815; exec '\(CLI.binary.path)' " + (Self.runArgs + ["--out", out.path]).map { "'\($0)'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", command]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 1, stderr)
        XCTAssertTrue(stderr.contains("could not write \(out.path)/checkpoint/step-"), stderr)
        XCTAssertGreaterThanOrEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("checkpoint").path).filter { $0.hasSuffix(".wsck") }.count, 1)
        let files = try FileManager.default.subpathsOfDirectory(atPath: out.path)
        XCTAssertFalse(files.contains { $0.contains(".tmp-") }, "no half-written file: \(files)")
        // Every file that is there is whole: equal to the reference's.
        let written = try Self.outputs(out), expected = try Self.outputs(reference)
        XCTAssertFalse(written.isEmpty)
        for (k, v) in written { XCTAssertEqual(v, expected[k], k) }
        // With room again, the run resumes and ends as if nothing happened.
        let r = try CLI.run(["resume", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertSameRun(reference, out)

        // An --out that cannot be made is bad input (exit 2), said in woundsim's words.
        for bad in ["/dev/null/run", reference.appendingPathComponent("timeseries.csv").appendingPathComponent("sub").path] {
            let r = try CLI.run(Self.runArgs + ["--out", bad])
            XCTAssertEqual(r.status, 2, bad)
            XCTAssertTrue(r.stderr.contains("cannot make the output folder") && r.stderr.contains("is a file, not a folder"), r.stderr)
        }
        try? FileManager.default.removeItem(at: root)
    }

    /// Scenario and sweep names cannot make woundsim write outside the output folder or run a
    /// command; each hostile name is refused or kept inside runs/.
    func testHostileNames() throws {
        let root = CLI.temporaryRoot("names")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let marker = root.appendingPathComponent("pwned")
        let names = ["../escape", "../../escape", "/abs/olute", ".hidden", "a/b", "..", "$(touch \(marker.path))", "`touch \(marker.path)`",
                     "it's", "sp ace", "semi;colon", "new\\nline", "\\u0000nul", "-rf", "--out=/tmp"]
        var refused = 0, contained = 0
        for name in names {
            let file = root.appendingPathComponent("s.yaml")
            try "extends: scratch-assay\nname: \"\(name)\"\ntime: { duration: \"1 h\" }\n".write(to: file, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = ["run", file.path, "--quiet", "--set", "time.snapshot_every=~", "--set", "time.checkpoint_every=~"]
            p.currentDirectoryURL = root
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run(); p.waitUntilExit()
            if p.terminationStatus == 2 { refused += 1; continue }
            XCTAssertEqual(p.terminationStatus, 0, name)
            let runs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("runs").path)
            XCTAssertEqual(runs.count, 1, "\(name): \(runs)")
            try FileManager.default.removeItem(at: root.appendingPathComponent("runs"))
            contained += 1
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.deletingLastPathComponent().appendingPathComponent("escape").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(), ["s.yaml"])
        // Sweep names name folders too: only plain names pass.
        for name in ["../up", "a b", "$(x)", ".dot"] {
            let file = root.appendingPathComponent("w.yaml")
            try "sweep: \"\(name)\"\nbase: scratch-assay\nparameters: { secretome.dose: [1] }\n".write(to: file, atomically: true, encoding: .utf8)
            XCTAssertEqual(try CLI.run(["sweep", file.path]).status, 2, name)
            refused += 1
        }
        print("hostile names: \(names.count + 4) tried, \(refused) refused, \(contained) kept inside runs/")
        try? FileManager.default.removeItem(at: root)
    }
}
