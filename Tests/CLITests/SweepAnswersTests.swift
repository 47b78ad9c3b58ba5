import Foundation
import XCTest

/// Issue 17's sweeps, through the built binary: checking a sweep file, extending a finished
/// sweep, treated-against-control effects with matched controls, censored closure times,
/// closure at any time, a stopped sweep, and the Slurm scripts' options and refusals.
final class SweepAnswersTests: XCTestCase {
    func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// 2 doses x `seeds` seeds on the scratch assay with an untreated control that fixes only the
    /// profile (so each dose gets its own matched control arm), `hours` long.
    static func sweepFile(_ folder: URL, seeds: [Int], hours: Int = 12, name: String = "answers") throws -> URL {
        let url = folder.appendingPathComponent("\(name).yaml")
        try """
        sweep: \(name)
        base: scratch-assay
        set:
          time.duration: "\(hours) h"
          time.snapshot_every: ~
          time.checkpoint_every: ~
        control: { secretome.profile: control }
        parameters:
          secretome.profile: [asc-monolayer]
          secretome.dose: [1, 100]
        seeds: [\(seeds.map(String.init).joined(separator: ", "))]
        metrics: [closure_time_h, closure_pct_final, {closure_pct_at: "5 h"}, keratinocytes_in_wound_final]

        """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testCheckExtendAndEffects() throws {
        let root = CLI.temporaryRoot("answers")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try Self.sweepFile(root, seeds: [1, 2])
        let out = root.appendingPathComponent("sweep")

        // Checked without running or writing anything; `check` on a sweep file does the same.
        var r = try CLI.run(["sweep", "check", file.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("sweep answers is valid") && r.stdout.contains("2 points + 2 control arms") && r.stdout.contains("8 runs"), r.stdout)
        XCTAssertTrue(r.stdout.contains("closure_pct_at_5h"), r.stdout)
        r = try CLI.run(["check", file.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("is a sweep file") && r.stdout.contains("is valid"), r.stderr)
        XCTAssertFalse(r.stderr.contains("unknown key"))
        let bad = root.appendingPathComponent("bad.yaml")
        try (try read(file)).replacingOccurrences(of: "seeds:", with: "sedes:").write(to: bad, atomically: true, encoding: .utf8)
        r = try CLI.run(["sweep", "check", bad.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad.yaml:11:1: sedes: unknown key"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(), ["answers.yaml", "bad.yaml"], "check writes nothing")

        r = try CLI.run(["sweep", file.path, "--out", out.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // 12 h: no wound closes. The summary says so instead of "- (0)".
        XCTAssertTrue(r.stdout.contains("KM not reached (0/2 closed)"), r.stdout)
        XCTAssertFalse(r.stdout.contains("- (0)"), r.stdout)

        // Matched controls: each dose's control arm has the same dose and the control profile.
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("plan.json"))) as! [String: Any]
        let points = plan["points"] as! [[String: Any]]
        XCTAssertEqual(points.count, 4)
        for p in points where p["role"] as? String == "" {
            let c = points[(p["control"] as! NSNumber).intValue]
            XCTAssertEqual(c["role"] as? String, "control")
            XCTAssertEqual(c["values"] as? [String], ["control", (p["values"] as! [String])[1]])
        }

        // Effects: paired treated - control per seed, recomputed here from runs.csv.
        let runs = try read(out.appendingPathComponent("runs.csv")).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = runs[0]
        let col = { (name: String) in header.firstIndex(of: name)! }
        func value(_ point: Int, _ seed: Int, _ metric: String) -> Double {
            Double(runs.first { $0[0] == "\(point)" && $0[1] == "\(seed)" }![col(metric)])!
        }
        let effects = try read(out.appendingPathComponent("effects.csv")).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let eh = effects[0]
        XCTAssertEqual(effects.count, 1 + 2 * 4)
        for row in effects.dropFirst() where row[eh.firstIndex(of: "metric")!] == "keratinocytes_in_wound_final" {
            let p = Int(row[0])!, c = Int(row[1])!
            let d = [1, 2].map { value(p, $0, "keratinocytes_in_wound_final") - value(c, $0, "keratinocytes_in_wound_final") }
            XCTAssertEqual(Double(row[eh.firstIndex(of: "difference_mean")!])!, (d[0] + d[1]) / 2, accuracy: 1e-9)
            XCTAssertEqual(row[eh.firstIndex(of: "n_paired")!], "2")
        }
        for row in effects.dropFirst() where row[eh.firstIndex(of: "metric")!] == "closure_time_h" {
            XCTAssertEqual(row[eh.firstIndex(of: "not_reached_treated")!], "2")
            XCTAssertEqual(row[eh.firstIndex(of: "n_paired")!], "0")
            XCTAssertEqual(row[eh.firstIndex(of: "km_median_treated")!], "", "not reached: no median")
        }
        // closure_pct_at_5h is the timeseries at 5 h (rows every 2 h: interpolated between 4 and 6 h).
        let someRun = runs[1][col("run_id")]
        let series = try read(out.appendingPathComponent("runs/\(someRun)/timeseries.csv")).split(separator: "\n").map { $0.split(separator: ",") }
        let at4 = Double(series.first { $0[0] == "4" }![2])!, at6 = Double(series.first { $0[0] == "6" }![2])!
        XCTAssertEqual(Double(runs[1][col("closure_pct_at_5h")])!, (at4 + at6) / 2, accuracy: 1e-9)

        // `sweep analyze` answers a grid with a control.
        r = try CLI.run(["sweep", "analyze", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Treated against control") && r.stdout.contains("% of control"), r.stdout)
        let report = try read(out.appendingPathComponent("report.html"))
        XCTAssertTrue(report.contains("Closure over time") && report.contains("Effects: treated minus control"))

        // Extend: a third seed reuses the eight finished runs and runs four new ones.
        let more = try Self.sweepFile(root, seeds: [1, 2, 3])
        r = try CLI.run(["sweep", more.path, "--out", out.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("extending sweep answers") && r.stderr.contains("8 of its 12 runs are done already"), r.stderr)
        XCTAssertTrue(r.stderr.contains("ran 4 (0 failed), skipped 8 finished"), r.stderr)
        XCTAssertEqual(try read(out.appendingPathComponent("runs.csv")).split(separator: "\n").count, 1 + 12)
        // A metric added later is read from the finished runs' folders, not by running them again.
        let withMetric = root.appendingPathComponent("answers.yaml")
        try (try read(more)).replacingOccurrences(of: "keratinocytes_in_wound_final]", with: "keratinocytes_in_wound_final, fibroblasts_in_wound_final]")
            .write(to: withMetric, atomically: true, encoding: .utf8)
        r = try CLI.run(["sweep", withMetric.path, "--out", out.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("ran 0 (0 failed), skipped 12 finished"), r.stderr)
        let extended = try read(out.appendingPathComponent("runs.csv")).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let fi = extended[0].firstIndex(of: "fibroblasts_in_wound_final")!
        XCTAssertTrue(extended.dropFirst().allSatisfy { !$0[fi].isEmpty }, "every run has the new metric")
        // Another sweep's file into the same folder is still refused.
        let other = try Self.sweepFile(root, seeds: [1], name: "other")
        r = try CLI.run(["sweep", other.path, "--out", out.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("holds another sweep"), r.stderr)
    }

    /// Closure times: a narrow scratch closes in every seed, a wide one in none within the day;
    /// summary.csv counts the closed runs and gives the Kaplan-Meier median (the sample median
    /// when all closed; none when fewer than half did).
    func testCensoredClosureTimesInTheTables() throws {
        let root = CLI.temporaryRoot("censored")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("closing.yaml")
        try """
        sweep: closing
        base: scratch-assay
        set: { time.duration: "1 d", time.snapshot_every: ~, time.checkpoint_every: ~, cells.keratinocyte.migration.requires_activation: false }
        parameters:
          wound.width: ["40 um", "300 um"]
        seeds: [1, 2, 3]
        metrics: [closure_time_h]

        """.write(to: file, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("sweep")
        let r = try CLI.run(["sweep", file.path, "--out", out.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try read(out.appendingPathComponent("summary.csv")).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let h = rows[0]
        func cell(_ row: Int, _ name: String) -> String { rows[row][h.firstIndex(of: name)!] }
        let times = try read(out.appendingPathComponent("runs.csv")).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }.filter { $0[0] == "0" }.map { Double($0[4])! }.sorted()
        XCTAssertEqual(times.count, 3)
        XCTAssertEqual(cell(1, "closure_time_h_closed"), "3")
        XCTAssertEqual(Double(cell(1, "closure_time_h_km_median"))!, times[1], accuracy: 1e-9)
        XCTAssertEqual(cell(2, "closure_time_h_closed"), "0")
        XCTAssertEqual(cell(2, "closure_time_h_runs"), "3")
        XCTAssertEqual(cell(2, "closure_time_h_km_median"), "")
        XCTAssertTrue(r.stdout.contains("KM not reached (0/3 closed)"), r.stdout)
        XCTAssertTrue(try read(out.appendingPathComponent("report.html")).contains("KM median not reached (0/3 closed)"))
    }

    /// A sweep may vary the other form of a quantity than the base scenario uses (the base gives
    /// speed and doubling; the sweep varies hop_rate and rate): the swept form replaces it.
    func testSweepOverTheOtherFormOfAQuantity() throws {
        let root = CLI.temporaryRoot("forms")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("forms.yaml")
        try """
        sweep: forms
        base: scratch-assay
        parameters:
          cells.keratinocyte.migration.hop_rate: ["0.05 /min", "0.1 /min"]
          cells.keratinocyte.proliferation.rate: ["0.01 /h"]
        seeds: [1]

        """.write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sweep", "check", file.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("2 points"), r.stdout)
    }

    /// A file system without flock: the sweep stops with the error instead of calling every run
    /// busy and exiting 0 (flock made to fail with ENOLCK by an LD_PRELOAD library built here).
    func testLockErrorsStopTheSweep() throws {
        let root = CLI.temporaryRoot("nolock")
        defer { try? FileManager.default.removeItem(at: root) }
        let source = root.appendingPathComponent("nolock.c"), library = root.appendingPathComponent("nolock.so")
        try "#include <errno.h>\nint flock(int fd, int op) { (void)fd; (void)op; errno = ENOLCK; return -1; }\n".write(to: source, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SweepCLITests.shell(["-c", "cc -shared -fPIC -o '\(library.path)' '\(source.path)'"], cwd: root, env: [:]), 0, "cc")
        let file = try Self.sweepFile(root, seeds: [1])
        let r = try CLI.run(["sweep", file.path, "--out", root.appendingPathComponent("sweep").path], environment: ["LD_PRELOAD": library.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("could not lock") && r.stderr.contains("No locks available"), r.stderr)
    }

    /// SIGTERM to a sweep (Ctrl-C, a Slurm time limit): the runs stop, none is recorded as failed,
    /// the stopped ones stay pending and a rerun completes the sweep with the same results.
    func testAStoppedSweepLeavesItsRunsToBeRerun() throws {
        let root = CLI.temporaryRoot("sweep-stop")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try Self.sweepFile(root, seeds: [1, 2], hours: 72)
        let reference = root.appendingPathComponent("reference")
        XCTAssertEqual(try CLI.run(["sweep", file.path, "--out", reference.path, "--jobs", "2", "--quiet"]).status, 0)
        let out = root.appendingPathComponent("stopped")
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["sweep", file.path, "--out", out.path, "--jobs", "2"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1.0)
        XCTAssertTrue(p.isRunning)
        kill(p.processIdentifier, SIGTERM)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 143, stderr)
        XCTAssertTrue(stderr.contains("sweep stopped by SIGTERM") && stderr.contains("stay pending"), stderr)
        let statuses = (try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("status").path)) ?? []
        XCTAssertLessThan(statuses.count, 8)
        for s in statuses { XCTAssertFalse(try read(out.appendingPathComponent("status/\(s)")).contains("\"failed\""), s) }
        // The runs stopped part way hold the checkpoint they saved.
        let stopped = ((try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("runs").path)) ?? []).filter { id in
            FileManager.default.fileExists(atPath: out.appendingPathComponent("runs/\(id)/checkpoint").path)
                && !FileManager.default.fileExists(atPath: out.appendingPathComponent("runs/\(id)/manifest.json").path)
        }
        XCTAssertFalse(stopped.isEmpty, "a run stopped part way with a checkpoint")
        let r = try CLI.run(["sweep", file.path, "--out", out.path, "--jobs", "2", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try read(out.appendingPathComponent("runs.csv")), try read(reference.appendingPathComponent("runs.csv")))
        // ... and continued from it rather than starting again.
        for id in stopped {
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("runs/\(id)/manifest.json"))) as! [String: Any]
            XCTAssertNotNil(manifest["resumed_at_step"], id)
        }
    }

    /// The Slurm scripts: the binary staged, --setup sourced, --account/--mem/--sbatch-arg on
    /// #SBATCH lines, the merge after any outcome naming incomplete shards, node-local refused.
    func testSlurmScriptsForARealCluster() throws {
        let root = CLI.temporaryRoot("slurm-options")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try Self.sweepFile(root, seeds: [1])
        let setup = root.appendingPathComponent("setup.sh")
        try "export WOUNDSIM_SETUP_RAN=1\n".write(to: setup, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("sweep")
        var r = try CLI.run(["sweep", "slurm", file.path, "--out", out.path])
        XCTAssertEqual(r.status, 2, "a folder under /tmp is node-local")
        XCTAssertTrue(r.stderr.contains("usually private to each node"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        r = try CLI.run(["sweep", "slurm", file.path, "--out", out.path, "--allow-node-local", "--array-size", "3", "--account", "lab42",
                         "--mem", "4G", "--sbatch-arg=--qos=short", "--setup", setup.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let slurm = out.appendingPathComponent("slurm")
        let array = try read(slurm.appendingPathComponent("array.sbatch")), merge = try read(slurm.appendingPathComponent("merge.sbatch"))
        let submit = try read(slurm.appendingPathComponent("submit.sh"))
        for line in ["#SBATCH --account=lab42", "#SBATCH --mem=4G", "#SBATCH --qos=short", ". '\(slurm.path)/setup.sh'", "exec '\(slurm.path)/woundsim' sweep run"] {
            XCTAssertTrue(array.contains(line), "\(line) in\n\(array)")
        }
        XCTAssertTrue(merge.contains("sweep merge '\(out.path)' --shards 3"), merge)
        XCTAssertTrue(submit.contains("--dependency=afterany:"), submit)
        XCTAssertEqual(FileManager.default.contents(atPath: slurm.appendingPathComponent("woundsim").path), FileManager.default.contents(atPath: CLI.binary.path))
        XCTAssertEqual(try read(slurm.appendingPathComponent("setup.sh")), "export WOUNDSIM_SETUP_RAN=1\n")
        for bad in [["--mem", "lots"], ["--account", "a b"], ["--sbatch-arg", "qos=x"], ["--setup", root.appendingPathComponent("none.sh").path]] {
            r = try CLI.run(["sweep", "slurm", file.path, "--out", out.path, "--allow-node-local"] + bad)
            XCTAssertEqual(r.status, 2, "\(bad): \(r.stderr)")
        }
        // Tasks 1 and 3 run, task 2 never does: the merge names shard 2 and exits 1.
        for task in [1, 3] {
            XCTAssertEqual(try SweepCLITests.shell([slurm.appendingPathComponent("array.sbatch").path], cwd: out,
                                                   env: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_CPUS_PER_TASK": "1"]), 0)
        }
        r = try CLI.run(["sweep", "merge", out.path, "--shards", "3"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("shard 2/3:") && r.stderr.contains("without a result"), r.stderr)
        XCTAssertFalse(r.stderr.contains("shard 1/3") || r.stderr.contains("shard 3/3"), r.stderr)
    }
}
