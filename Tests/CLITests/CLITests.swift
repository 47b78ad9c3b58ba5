import Foundation
import XCTest

/// Runs the built `woundsim` binary end to end and checks its output and exit code.
final class CLITests: XCTestCase {
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) { try CLI.run(arguments) }

    func testVerifyPrintsTableAndExitsZero() throws {
        let r = try run(["verify", "--case", "gaussian-2d", "--case", "dirichlet", "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("case"), r.stdout)
        XCTAssertTrue(r.stdout.contains("gaussian-2d"))
        XCTAssertTrue(r.stdout.contains("rel L2"))
        XCTAssertTrue(r.stdout.contains("2 passed, 0 failed"), r.stdout)
    }

    func testUnknownCaseIsBadInput() throws {
        let r = try run(["verify", "--case", "periodik"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("did you mean \"periodic\""), r.stderr)
    }

    func testBadThreadsIsBadInput() throws {
        let r = try run(["verify", "--threads", "0"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--threads 0"), r.stderr)
    }

    func testUnknownCommandIsBadInput() throws {
        let r = try run(["frobnicate"])
        XCTAssertEqual(r.status, 2, r.stderr)
    }

    func temporaryFolder(_ name: String) -> URL { CLI.temporaryFolder(name) }

    /// A short scratch-assay run: exit 0, every file of the run folder, checksums that match.
    func testRunWritesTheRunFolder() throws {
        let out = temporaryFolder("run")
        let r = try run(["run", "scratch-assay", "--days", "0.25", "--set", "time.snapshot_every=\"3 h\"", "--out", out.path, "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("outputs in"), r.stdout)
        for f in ["scenario.resolved.yaml", "timeseries.csv", "summary.json", "manifest.json", "fields/EGF_t00000min.npy",
                  "fields/HGF_t00360min.npy", "cells/cells_t00180min.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), f)
        }
        let csv = try String(contentsOf: out.appendingPathComponent("timeseries.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("time_h,wound_area_mm2,closure_pct,keratinocytes,fibroblasts,myofibroblasts,endothelial,keratinocytes_in_wound,fibroblasts_in_wound,endothelial_in_wound,collagen_in_wound,EGF_mean_ngml,bFGF_mean_ngml,VEGF_mean_ngml,HGF_mean_ngml"))
        XCTAssertEqual(csv.split(separator: "\n").count, 1 + 4)  // t = 0, 2, 4, 6 h
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
        let sums = manifest["sha256"] as! [String: String]
        // Snapshots at 0, 3, 6 h, each: 4 fields, cells, 5 frames, .vti, .vtp; then resolved, timeseries, summary, report.
        XCTAssertEqual(sums.count, 3 * 12 + 4)
        for (path, sum) in sums where path.hasSuffix(".csv") {
            // Spot-check with sha256sum from coreutils.
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["sha256sum", out.appendingPathComponent(path).path]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run(); p.waitUntilExit()
            let line = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertEqual(String(line.prefix(64)), sum, path)
        }  // snapshots at 0, 3, 6 h x (4 fields + cells); resolved, timeseries, summary
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertTrue(summary["closure_time_h"] is NSNull, "a 6 h scratch assay has not closed: censored, not zero")
        XCTAssertNotNil(summary["profile"])
        // The same command again refuses to overwrite, and with --force it does.
        XCTAssertEqual(try run(["run", "scratch-assay", "--days", "0.05", "--out", out.path]).status, 2)
        XCTAssertEqual(try run(["run", "scratch-assay", "--days", "0.05", "--out", out.path, "--force", "--quiet"]).status, 0)
        try? FileManager.default.removeItem(at: out)
    }

    /// `--force` replaces only an empty folder or one woundsim wrote (its marker, or a manifest of
    /// an older woundsim). A folder with a file of the user's, or `--out .`, is refused with exit 2
    /// and left byte for byte as it was; a killed run's folder (marker only, or only the marker's
    /// temporary) is replaced.
    func testForceRefusesAFolderWoundsimDidNotWrite() throws {
        let fm = FileManager.default
        let mine = temporaryFolder("force-foreign")
        try fm.createDirectory(at: mine.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "my notes\n".write(to: mine.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try Data([0, 1, 2, 255]).write(to: mine.appendingPathComponent("sub/data.bin"))
        defer { try? fm.removeItem(at: mine) }
        func listing(_ url: URL) throws -> [String: Data] {
            var out: [String: Data] = [:]
            for case let relative as String in fm.enumerator(atPath: url.path)! {
                var isDirectory: ObjCBool = false
                _ = fm.fileExists(atPath: url.appendingPathComponent(relative).path, isDirectory: &isDirectory)
                out[relative] = isDirectory.boolValue ? Data() : try Data(contentsOf: url.appendingPathComponent(relative))
            }
            return out
        }
        let before = try listing(mine)
        let r = try run(["run", "scratch-assay", "--days", "0.05", "--quiet", "--out", mine.path, "--force"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("that woundsim did not write") && r.stderr.contains("Nothing was touched"), r.stderr)
        XCTAssertEqual(try listing(mine), before, "the foreign folder must be left as it was")

        // A run folder (with its marker) is replaced; so is one a killed run left (marker only).
        let runFolder = temporaryFolder("force-run")
        defer { try? fm.removeItem(at: runFolder) }
        XCTAssertEqual(try run(["run", "scratch-assay", "--days", "0.05", "--quiet", "--out", runFolder.path]).status, 0)
        XCTAssertTrue(fm.fileExists(atPath: runFolder.appendingPathComponent(".woundsim-run").path))
        XCTAssertEqual(try run(["run", "scratch-assay", "--days", "0.05", "--quiet", "--out", runFolder.path, "--force"]).status, 0)
        let killed = temporaryFolder("force-killed")
        defer { try? fm.removeItem(at: killed) }
        try fm.createDirectory(at: killed.appendingPathComponent("fields"), withIntermediateDirectories: true)
        try Data().write(to: killed.appendingPathComponent(".woundsim-run"))
        try Data("half".utf8).write(to: killed.appendingPathComponent("fields/EGF_t00000min.npy"))
        XCTAssertEqual(try run(["run", "scratch-assay", "--days", "0.05", "--quiet", "--out", killed.path, "--force"]).status, 0)
        XCTAssertNotEqual(try Data(contentsOf: killed.appendingPathComponent("fields/EGF_t00000min.npy")), Data("half".utf8))
        // A run killed while writing its marker leaves only the marker's temporary: replaced too
        // (a killed sweep reruns such a run with --force).
        let markerless = temporaryFolder("force-marker-temporary")
        defer { try? fm.removeItem(at: markerless) }
        try fm.createDirectory(at: markerless, withIntermediateDirectories: true)
        try Data("woundsim".utf8).write(to: markerless.appendingPathComponent("..woundsim-run.tmp-4242"))
        let m = try run(["run", "scratch-assay", "--days", "0.05", "--quiet", "--out", markerless.path, "--force"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertFalse(fm.fileExists(atPath: markerless.appendingPathComponent("..woundsim-run.tmp-4242").path))
        // Only that temporary: beside a file of the user's, or a hidden folder of the user's that
        // merely looks like a temporary, the folder is refused and left as it was.
        for extra in ["notes.txt", ".notes.tmp-old/"] {
            let mixed = temporaryFolder("force-marker-temporary-mixed")
            defer { try? fm.removeItem(at: mixed) }
            try fm.createDirectory(at: mixed, withIntermediateDirectories: true)
            if extra.hasSuffix("/") {
                try fm.createDirectory(at: mixed.appendingPathComponent(extra), withIntermediateDirectories: true)
                try Data("mine".utf8).write(to: mixed.appendingPathComponent(extra + "data"))
            } else {
                try Data("woundsim".utf8).write(to: mixed.appendingPathComponent("..woundsim-run.tmp-4242"))
                try Data("mine".utf8).write(to: mixed.appendingPathComponent(extra))
            }
            let before = try listing(mixed)
            XCTAssertEqual(try run(["run", "scratch-assay", "--days", "0.05", "--quiet", "--out", mixed.path, "--force"]).status, 2, extra)
            XCTAssertEqual(try listing(mixed), before, extra)
        }
        // An empty folder is fine with --force.
        let empty = temporaryFolder("force-empty")
        defer { try? fm.removeItem(at: empty) }
        try fm.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertEqual(try run(["run", "scratch-assay", "--days", "0.05", "--quiet", "--out", empty.path, "--force"]).status, 0)
    }

    /// Bad input exits 2, names the file, line and key, and leaves no run folder behind.
    func testBadScenarioExitsTwoWithoutAFolder() throws {
        let folder = temporaryFolder("bad")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("bad.yaml")
        try "extends: scratch-assay\nname: bad\nfactors:\n  EGF: { decay: \"5 um\" }\n".write(to: file, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let r = try run(["run", file.path, "--out", out.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad.yaml:4:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("factors.EGF.decay"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        XCTAssertEqual(try run(["check", "scratch-assay"]).status, 0)
        XCTAssertEqual(try run(["check", "no-such-scenario"]).status, 2)
        let list = try run(["scenarios"])
        XCTAssertTrue(list.stdout.contains("excisional-wound-asc-cm"))
        try? FileManager.default.removeItem(at: folder)
    }

    func testVersionAndHelp() throws {
        XCTAssertEqual(try run(["--version"]).status, 0)
        let help = try run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("verify"))
    }
}

/// Runs the built binary.
extension XCTestCase {
    /// `CLI.temporaryRoot(name)`, removed with everything in it when the test ends.
    func temporaryRoot(_ name: String) -> URL {
        let root = CLI.temporaryRoot(name)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        return root
    }
}

enum CLI {
    static var binary: URL {
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("woundsim")
        }
        #endif
        return Bundle.main.bundleURL.appendingPathComponent("woundsim")
    }

    /// Runs the binary to its end; `environment` adds to (or replaces in) this process's.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// SHA-256 of a file, by coreutils' sha256sum.
    static func sha256(_ url: URL) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", url.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try? p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return String(out.prefix(64))
    }

    static func temporaryFolder(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-cli-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        return url
    }

    /// A new empty folder to hold a test's files and output folders (`--out` makes only the
    /// last folder of its path).
    static func temporaryRoot(_ name: String) -> URL {
        let url = temporaryFolder(name)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

}

final class BenchCommandTests: XCTestCase {
    /// `woundsim bench` prints its table, a JSON line, and compares with an earlier line.
    func testBenchTableJSONAndCompare() throws {
        let table = try CLI.run(["bench", "--size", "60x60", "--threads", "1,2"])
        XCTAssertEqual(table.status, 0, table.stderr)
        for word in ["diffusion", "cells", "step", "scaling", "bytes per cell"] { XCTAssertTrue(table.stdout.contains(word), table.stdout) }
        let json = try CLI.run(["bench", "--size", "60x60", "--threads", "1", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let line = json.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(line.contains("\n"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let figures = try XCTUnwrap(object["figures"] as? [String: Double])
        XCTAssertGreaterThan(figures["diffusion_1t"] ?? 0, 0)
        XCTAssertNotNil(object["git_revision"])
        let file = CLI.temporaryFolder("bench").appendingPathExtension("json")
        try (line + "\n").write(to: file, atomically: true, encoding: .utf8)
        let compared = try CLI.run(["bench", "--size", "60x60", "--threads", "1", "--compare", file.path])
        XCTAssertEqual(compared.status, 0, compared.stderr)
        XCTAssertTrue(compared.stdout.contains("ratio"), compared.stdout)
        XCTAssertEqual(try CLI.run(["bench", "--size", "7x9"]).status, 2)
        try? FileManager.default.removeItem(at: file)
    }
}

/// The binary names the commit it was built from. SwiftPM runs the stamp's prebuild command only
/// when it plans a build afresh (swiftlang/swift-package-manager#5476), so an incremental build
/// after a commit kept the earlier revision's stamp, and a sweep reused runs of another build;
/// `make build` and `make test` now rewrite the stamp first (scripts/build-stamp.sh).
final class BuildStampTests: XCTestCase {
    func testTheRunManifestNamesTheCheckoutsRevision() throws {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", package.path, "rev-parse", "HEAD"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        try git.run()
        let head = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        git.waitUntilExit()
        let out = CLI.temporaryFolder("stamp")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["run", "scratch-assay", "--days", "0.01", "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
        // Outside a git checkout (a source archive) the stamp says so.
        let expected = git.terminationStatus == 0 ? head : "unknown"
        XCTAssertEqual(manifest["git_revision"] as? String, expected,
                       "the binary's stamp is not the checkout's: build with make (or touch Package.swift) so the stamp is rewritten")
    }
}
