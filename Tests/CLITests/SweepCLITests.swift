import Foundation
import XCTest

/// `woundsim sweep` end to end: local runs, resume after SIGKILL, shards and merge, Slurm
/// scripts run as Slurm would run them, and bad input (issue 6).
final class SweepCLITests: XCTestCase {
    /// A small sweep on the scratch assay: 2 media x 2 doses x `seeds` seeds, `hours` long.
    static func sweepFile(_ folder: URL, name: String = "quick", doses: String = "[1, 10]", seeds: Int = 2, hours: Int = 12) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("\(name).yaml")
        let text = """
        sweep: \(name)
        base: scratch-assay
        set:
          time.duration: "\(hours) h"
          time.output_every: "1 h"
          time.snapshot_every: ~
          time.checkpoint_every: ~
        parameters:
          secretome.profile: [asc-monolayer, asc-spheroid]
          secretome.dose: \(doses)
        seeds: [\((1...seeds).map(String.init).joined(separator: ", "))]
        metrics: [closure_pct_final, keratinocytes_in_wound_final, closure_pct_day0]

        """
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    func testLocalRunResumeShardsAndMerge() throws {
        let root = CLI.temporaryRoot("sweep")
        let file = try Self.sweepFile(root)
        let a = root.appendingPathComponent("local")
        var r = try CLI.run(["sweep", file.path, "--out", a.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let runs = try read(a.appendingPathComponent("runs.csv"))
        let lines = runs.split(separator: "\n")
        XCTAssertEqual(lines.first, "point,seed,run_id,secretome.profile,secretome.dose,closure_pct_final,keratinocytes_in_wound_final,closure_pct_day0,status,error")
        XCTAssertEqual(lines.count, 1 + 8)
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.hasSuffix(",ok,") }, runs)
        XCTAssertEqual(Set(lines.dropFirst().map { $0.split(separator: ",")[2] }).count, 8)
        let summary = try read(a.appendingPathComponent("summary.csv"))
        XCTAssertEqual(summary.split(separator: "\n").count, 1 + 4)
        XCTAssertTrue(summary.hasPrefix("point,secretome.profile,secretome.dose,runs,failed,closure_pct_final_n,closure_pct_final_mean,closure_pct_final_sd,closure_pct_final_ci95_low,closure_pct_final_ci95_high"), summary)
        XCTAssertTrue(r.stdout.contains("closure_pct_final mean [95% CI] (n)"), r.stdout)

        // Rerun: nothing runs again, the tables are the same.
        r = try CLI.run(["sweep", file.path, "--out", a.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("ran 0 (0 failed), skipped 8 finished"), r.stderr)
        XCTAssertEqual(try read(a.appendingPathComponent("runs.csv")), runs)

        // Three shards into one folder (as array tasks on a shared file system): same tables.
        let b = root.appendingPathComponent("shared")
        for i in 1...3 {
            r = try CLI.run(["sweep", "run", file.path, "--out", b.path, "--shard", "\(i)/3", "--jobs", "1"])
            XCTAssertEqual(r.status, 0, r.stderr)
            if i < 3 { XCTAssertTrue(r.stderr.contains("have no result yet"), r.stderr) }
        }
        XCTAssertEqual(try read(b.appendingPathComponent("runs.csv")), runs)
        XCTAssertEqual(try read(b.appendingPathComponent("summary.csv")), summary)

        // Two shards in two folders, joined by merge.
        let c1 = root.appendingPathComponent("c1"), c2 = root.appendingPathComponent("c2")
        XCTAssertEqual(try CLI.run(["sweep", file.path, "--out", c1.path, "--shard", "1/2"]).status, 0)
        XCTAssertEqual(try CLI.run(["sweep", file.path, "--out", c2.path, "--shard", "2/2"]).status, 0)
        r = try CLI.run(["sweep", "merge", c1.path])
        XCTAssertEqual(r.status, 1, "merging one shard of two leaves runs pending")
        XCTAssertTrue(r.stderr.contains("4 of 8 runs"), r.stderr)
        r = try CLI.run(["sweep", "merge", c1.path, c2.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try read(c1.appendingPathComponent("runs.csv")), runs)
        XCTAssertEqual(try read(c1.appendingPathComponent("summary.csv")), summary)

        // Folders of different sweeps do not merge.
        let other = try Self.sweepFile(root, name: "other", doses: "[1, 100]")
        let d = root.appendingPathComponent("d")
        XCTAssertEqual(try CLI.run(["sweep", other.path, "--out", d.path, "--shard", "1/4"]).status, 0)
        r = try CLI.run(["sweep", "merge", a.path, d.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("holds another sweep"), r.stderr)
        // Nor does another sweep go into an existing sweep's folder (without --force).
        r = try CLI.run(["sweep", other.path, "--out", a.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("holds another sweep"), r.stderr)
        try? FileManager.default.removeItem(at: root)
    }

    /// Kill the sweep with SIGKILL at random moments, rerun each time: the final tables equal the
    /// uninterrupted sweep's, every run has one folder and one result, no run outlives a kill.
    /// Planning a folder is exclusive (`.plan.lock`): a sweep started while another process
    /// holds the lock waits, then plans; two sweeps started together on a new folder (as the
    /// validation targets' two workers are) both finish, each run once, the tables as one
    /// process makes them. Without the lock the second could find the first's scenarios saved and
    /// its plan.json not yet, and stop with "not a sweep folder".
    func testPlanningAFolderIsExclusive() throws {
        let root = CLI.temporaryRoot("sweep-plan-lock")
        let file = try Self.sweepFile(root, name: "lock", doses: "[1]", seeds: 2, hours: 1)
        let reference = root.appendingPathComponent("reference")
        XCTAssertEqual(try CLI.run(["sweep", file.path, "--out", reference.path, "--jobs", "1"]).status, 0)
        let expected = try read(reference.appendingPathComponent("runs.csv"))

        func start(_ out: URL) throws -> Process {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = ["sweep", "run", file.path, "--out", out.path, "--jobs", "1", "--quiet"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        // Held by this process: the sweep waits without planning.
        let held = root.appendingPathComponent("held")
        try FileManager.default.createDirectory(at: held, withIntermediateDirectories: true)
        let fd = open(held.appendingPathComponent(".plan.lock").path, O_CREAT | O_RDWR, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        let waiting = try start(held)
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(waiting.isRunning, "the sweep did not wait for the planning lock")
        XCTAssertFalse(FileManager.default.fileExists(atPath: held.appendingPathComponent("plan.json").path))
        flock(fd, LOCK_UN); close(fd)
        waiting.waitUntilExit()
        XCTAssertEqual(waiting.terminationStatus, 0)
        XCTAssertEqual(try read(held.appendingPathComponent("runs.csv")), expected)

        // Two at once on a new folder, a few times.
        for i in 1...4 {
            let out = root.appendingPathComponent("together-\(i)")
            let a = try start(out), b = try start(out)
            a.waitUntilExit(); b.waitUntilExit()
            XCTAssertEqual([a.terminationStatus, b.terminationStatus], [0, 0], "attempt \(i)")
            XCTAssertEqual(try read(out.appendingPathComponent("runs.csv")), expected, "attempt \(i)")
            let statuses = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("status").path).filter { $0.hasSuffix(".json") }
            XCTAssertEqual(statuses.count, 4, "attempt \(i)")   // 2 media x 1 dose x 2 seeds
        }
        try? FileManager.default.removeItem(at: root)
    }

    func testKilledSweepLosesAndDuplicatesNothing() throws {
        let root = CLI.temporaryRoot("sweep-kill")
        let file = try Self.sweepFile(root, name: "kill", seeds: 5, hours: 24)
        let reference = root.appendingPathComponent("reference")
        XCTAssertEqual(try CLI.run(["sweep", file.path, "--out", reference.path, "--jobs", "2"]).status, 0)
        let expected = try read(reference.appendingPathComponent("runs.csv"))

        let killed = root.appendingPathComponent("killed")
        var generator = SystemRandomNumberGenerator()
        var kills = 0, attempts = 0
        while kills < 4 && attempts < 10 {
            attempts += 1
            let delay = Double.random(in: 0.15..<0.9, using: &generator)   // seconds after the start
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = ["sweep", file.path, "--out", killed.path, "--jobs", "2", "--quiet"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
            // The runs it started die with it (parent-death signal).
            Thread.sleep(forTimeInterval: 0.3)
            XCTAssertEqual(Self.processes(mentioning: killed.path), [], "a run outlived the killed sweep")
        }
        XCTAssertEqual(kills, 4, "the sweep finished before it could be killed four times")
        let r = try CLI.run(["sweep", file.path, "--out", killed.path, "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try read(killed.appendingPathComponent("runs.csv")), expected)
        let ids = try FileManager.default.contentsOfDirectory(atPath: killed.appendingPathComponent("runs").path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(ids.count, 20)
        for id in ids {
            XCTAssertTrue(FileManager.default.fileExists(atPath: killed.appendingPathComponent("runs/\(id)/manifest.json").path), id)
            // The run folder holds exactly one run's files (no temporaries, no second copy) and
            // the marker that lets `--force` replace it.
            let files = try FileManager.default.contentsOfDirectory(atPath: killed.appendingPathComponent("runs/\(id)").path).sorted()
            XCTAssertEqual(files, [".woundsim-run", "manifest.json", "report.html", "scenario.resolved.yaml", "summary.json", "timeseries.csv"], id)
        }
        let statuses = try FileManager.default.contentsOfDirectory(atPath: killed.appendingPathComponent("status").path)
        XCTAssertEqual(statuses.filter { $0.hasSuffix(".json") }.count, 20)
        XCTAssertTrue(statuses.allSatisfy { !$0.hasPrefix(".") }, "no half-written status file: \(statuses)")
        try? FileManager.default.removeItem(at: root)
    }

    /// Process ids whose command line mentions `text`.
    static func processes(mentioning text: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { e -> Int32? in
            guard let pid = Int32(e), pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(e)/cmdline") else { return nil }
            let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmd.contains(text) ? pid : nil
        }
    }

    /// The Slurm scripts for a sweep folder with a hostile name, run the way Slurm runs them
    /// (array tasks with SLURM_ARRAY_TASK_ID, then the merge job), from the sweep folder.
    func testSlurmScriptsQuoteHostilePaths() throws {
        let root = CLI.temporaryRoot("sweep-slurm")
        let file = try Self.sweepFile(root, name: "slurmish")
        let reference = root.appendingPathComponent("reference")
        XCTAssertEqual(try CLI.run(["sweep", file.path, "--out", reference.path]).status, 0)
        let marker = root.appendingPathComponent("pwned")
        let hostile = root.appendingPathComponent("it's a \"sweep\" $(touch \(marker.path)) `touch \(marker.path)`; dir")
        // The marker's path has slashes, so the hostile name spans folders: --out makes only the last.
        try FileManager.default.createDirectory(at: hostile.deletingLastPathComponent(), withIntermediateDirectories: true)
        var r = try CLI.run(["sweep", "slurm", file.path, "--out", hostile.path, "--array-size", "3", "--cpus-per-task", "1", "--allow-node-local"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("3 array tasks for 8 runs"), r.stdout)
        let slurm = hostile.appendingPathComponent("slurm")
        let array = try read(slurm.appendingPathComponent("array.sbatch"))
        XCTAssertTrue(array.contains("#SBATCH --array=1-3"), array)
        for name in ["array.sbatch", "merge.sbatch", "submit.sh"] {
            XCTAssertEqual(try Self.shell(["-n", slurm.appendingPathComponent(name).path], cwd: hostile, env: [:]), 0, name)
        }
        for task in 1...3 {
            XCTAssertEqual(try Self.shell([slurm.appendingPathComponent("array.sbatch").path], cwd: hostile,
                                          env: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_CPUS_PER_TASK": "1"]), 0)
        }
        XCTAssertEqual(try Self.shell([slurm.appendingPathComponent("merge.sbatch").path], cwd: hostile, env: [:]), 0)
        XCTAssertEqual(try read(hostile.appendingPathComponent("runs.csv")), try read(reference.appendingPathComponent("runs.csv")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "a path was run as a command")
        r = try CLI.run(["sweep", "slurm", file.path, "--out", hostile.path, "--partition", "debug\n#SBATCH --x", "--allow-node-local"])
        XCTAssertEqual(r.status, 2)
        try? FileManager.default.removeItem(at: root)
    }

    static func shell(_ args: [String], cwd: URL, env: [String: String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = args
        p.currentDirectoryURL = cwd
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Bad input: exit 2 with a message naming the problem.
    func testBadSweepInputExitsTwo() throws {
        let root = CLI.temporaryRoot("sweep-bad")
        let file = try Self.sweepFile(root)
        let cases: [([String], String)] = [
            (["sweep", file.path, "--out", root.appendingPathComponent("x").path, "--shard", "0/3"], "--shard 0/3"),
            (["sweep", file.path, "--out", root.appendingPathComponent("x").path, "--shard", "4/3"], "--shard 4/3"),
            (["sweep", file.path, "--out", root.appendingPathComponent("x").path, "--shard", "two"], "--shard two"),
            (["sweep", root.appendingPathComponent("missing.yaml").path], "cannot read the sweep file"),
            (["sweep", "merge", root.path], "not a sweep folder"),
            (["sweep", "analyze", root.path], "not a sweep folder"),
            (["sweep", file.path, "--out", root.path], "is not a sweep folder"),
        ]
        for (args, message) in cases {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        let bad = root.appendingPathComponent("bad.yaml")
        try "sweep: bad\nbase: scratch-assay\nparameters:\n  secretome.dosage: [1, 2]\n  wound.width: { range: [\"600 um\", \"300 um\"], steps: 2 }\nreplicates: 0\nmetrix: []\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sweep", bad.path, "--out", root.appendingPathComponent("y").path])
        XCTAssertEqual(r.status, 2)
        for piece in ["bad.yaml:7:1: metrix: unknown key", "did you mean `metrics`?", "bad.yaml:5:", "is not below", "bad.yaml:6:13: replicates: 0 replicates"] {
            XCTAssertTrue(r.stderr.contains(piece), "\(piece) in:\n\(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("y").path), "no folder for a refused sweep")
        try? FileManager.default.removeItem(at: root)
    }
}
