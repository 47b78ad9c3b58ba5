import Foundation
import XCTest

/// Issue 4's catalogue of bad input: every case exits 2, names the file, line and key (or the
/// --set that caused it), never crashes, and leaves no run folder behind.
final class MalformedCatalogTests: XCTestCase {
    struct Case {
        let name: String
        /// File content; nil runs the bundled scratch-assay with `sets` only.
        let yaml: String?
        var sets: [String] = []
        /// Fragments the message must contain; "@L" stands for "bad.yaml:L:".
        let expect: [String]
    }

    static let base = "extends: scratch-assay\nname: bad\n"

    static let cases: [Case] = [
        Case(name: "empty file", yaml: "", expect: ["bad.yaml:1:", "is empty"]),
        Case(name: "not YAML", yaml: "name: [unclosed\nlattice: {", expect: ["bad.yaml:", "is not valid YAML"]),
        Case(name: "a list where a map belongs", yaml: "- name: x\n- lattice: y\n", expect: ["bad.yaml:1:", "must be a mapping"]),
        Case(name: "unknown key", yaml: base + "colour: red\n", expect: ["@3", "colour: unknown key"]),
        Case(name: "misspelt key", yaml: base + "latice:\n  spacing: \"20 um\"\n", expect: ["@3", "latice: unknown key", "did you mean `lattice`?"]),
        Case(name: "misspelt nested key", yaml: base + "time:\n  durration: \"2 d\"\n", expect: ["@4", "time.durration", "did you mean `duration`?"]),
        Case(name: "duplicated key", yaml: base + "seed: 1\nseed: 2\n", expect: ["@4", "seed: is given twice"]),
        Case(name: "missing unit", yaml: base + "lattice:\n  spacing: 20\n", expect: ["@4", "lattice.spacing", "has no unit"]),
        Case(name: "wrong unit kind", yaml: base + "factors:\n  EGF: { decay: \"5 um\" }\n", expect: ["@4", "factors.EGF.decay", "is a length, but a rate is expected"]),
        Case(name: "unknown unit", yaml: base + "time:\n  dt: \"2 fortnights\"\n", expect: ["@4", "time.dt", "unknown unit"]),
        Case(name: "zero spacing", yaml: base + "lattice:\n  spacing: \"0 um\"\n", expect: ["@4", "lattice.spacing", "greater than zero"]),
        Case(name: "negative dt", yaml: base + "time:\n  dt: \"-2 min\"\n", expect: ["@4", "time.dt", "greater than zero"]),
        Case(name: "negative diffusion", yaml: base + "factors:\n  EGF: { diffusion: \"-60 um^2/s\" }\n", expect: ["@4", "factors.EGF.diffusion", "must not be negative"]),
        Case(name: "NaN", yaml: base + "factors:\n  VEGF: { decay: \"nan /h\" }\n", expect: ["@4", "factors.VEGF.decay", "not a finite number"]),
        Case(name: "infinity", yaml: base + "factors:\n  HGF: { diffusion: \"inf um^2/s\" }\n", expect: ["@4", "factors.HGF.diffusion", "not a finite number"]),
        Case(name: "number too large", yaml: base + "factors:\n  EGF: { decay: \"1e400 /h\" }\n", expect: ["@4", "factors.EGF.decay", "too large"]),
        Case(name: "too many steps", yaml: base + "time:\n  duration: \"1e12 d\"\n", expect: ["@4", "time.duration", "too many"]),
        Case(name: "lattice too large for memory", yaml: base + "lattice:\n  size: [100000, 100000]\n", expect: ["@4", "lattice.size", "need an estimated", "GiB"]),
        Case(name: "wound outside the lattice", yaml: base + "wound:\n  width: \"5 mm\"\n", expect: ["@4", "wound.width", "does not fit"]),
        Case(name: "wound key of another shape", yaml: base + "wound:\n  diameter: \"1 mm\"\n", expect: ["@4", "wound.diameter", "does not apply to a scratch"]),
        Case(name: "unknown wound shape", yaml: base + "wound:\n  shape: triangle\n", expect: ["@4", "wound.shape", "not one of"]),
        Case(name: "unknown factor in a response", yaml: base + "cells:\n  keratinocyte:\n    responses:\n      - { behaviour: migration, factor: EFG, ec50: \"1 ng/mL\", max_fold: 2 }\n",
             expect: ["@6", "cells.keratinocyte.responses[0].factor", "did you mean `EGF`?"]),
        Case(name: "unknown behaviour", yaml: base + "cells:\n  keratinocyte:\n    responses:\n      - { behaviour: dancing, factor: EGF, ec50: \"1 ng/mL\", max_fold: 2 }\n",
             expect: ["@6", "responses[0].behaviour", "not one of"]),
        Case(name: "EC50 without a concentration unit", yaml: base + "cells:\n  keratinocyte:\n    responses:\n      - { behaviour: migration, factor: EGF, ec50: 1, max_fold: 2 }\n",
             expect: ["@6", "responses[0].ec50", "has no unit"]),
        Case(name: "a factor named like a tissue map", yaml: base + "factors:\n  collagen: { diffusion: \"10 um^2/s\", decay: \"1 /h\" }\n",
             expect: ["@4", "factors.collagen", "names a picture of the run folder"]),
        Case(name: "unknown cell kind", yaml: base + "cells:\n  melanocyte: { density: 0.1 }\n", expect: ["@4", "cells.melanocyte: unknown key"]),
        Case(name: "density above one per site", yaml: base + "cells:\n  keratinocyte: { density: 2 }\n", expect: ["@4", "cells.keratinocyte.density", "at most 1"]),
        Case(name: "negative lag", yaml: "extends: excisional-wound-control\nname: bad\n" + "cells:\n  keratinocyte:\n    migration: { lag: \"-4 h\" }\n", expect: ["@5", "cells.keratinocyte.migration.lag", "must not be negative"]),
        Case(name: "unknown secretome profile", yaml: base + "secretome:\n  profile: asc-monolyer\n", expect: ["@4", "secretome.profile", "did you mean `asc-monolayer`?"]),
        Case(name: "dose not a number", yaml: base + "secretome:\n  dose: ten\n", expect: ["@4", "secretome.dose", "not a number"]),
        Case(name: "a scalar where a list belongs", yaml: base + "lattice:\n  size: 500\n", expect: ["@4", "lattice.size", "must be a list"]),
        Case(name: "a list of the wrong length", yaml: base + "lattice:\n  size: [500]\n", expect: ["@4", "lattice.size", "needs two numbers"]),
        Case(name: "fixed value on a periodic axis", yaml: base + "factors:\n  EGF:\n    boundary: { x_low: periodic, x_high: { fixed: \"1 ng/mL\" }, y_low: no-flux, y_high: no-flux }\n",
             expect: ["@5", "factors.EGF.boundary.x_high", "periodic"]),
        Case(name: "hop probability above one", yaml: base + "cells:\n  keratinocyte:\n    migration: { speed: \"2 mm/h\" }\n",
             expect: ["@5", "cells.keratinocyte.migration", "the largest dt that fits"]),
        Case(name: "a molar concentration without a molar mass", yaml: base + "factors:\n  HGF: { molar_mass: ~, initial: \"0.01 nM\" }\n",
             expect: ["@4", "factors.HGF.initial", "molar concentration", "molar mass"]),
        Case(name: "a speed without its persistence", yaml: base + "cells:\n  keratinocyte:\n    migration: { persistence: ~, speed: \"30 um/h\" }\n",
             expect: ["@5", "cells.keratinocyte.migration.persistence", "is missing"]),
        Case(name: "an injury without its half-life", yaml: base + "injury:\n  half_life: ~\n", expect: ["injury.half_life", "is missing"]),
        Case(name: "a name that would leave the output folder", yaml: "extends: scratch-assay\nname: ../../evil\n", expect: ["@2", "name", "plain name"]),
        Case(name: "extends a missing file", yaml: "extends: ./nowhere.yaml\nname: bad\n", expect: ["@1", "extends", "cannot read"]),
        Case(name: "extends a missing bundled scenario", yaml: "extends: excisional-wound\nname: bad\n", expect: ["@1", "did you mean"]),
        Case(name: "extends itself", yaml: "extends: ./bad.yaml\nname: bad\n", expect: ["extends form a cycle"]),
        Case(name: "--set of an unknown key", yaml: nil, sets: ["cells.keratinocyte.speed=\"1 um/h\""], expect: ["--set cells.keratinocyte.speed", "unknown key"]),
        Case(name: "--set of a bad value", yaml: nil, sets: ["secretome.dose=-1"], expect: ["--set secretome.dose=-1", "must not be negative"]),
        Case(name: "--set without =", yaml: nil, sets: ["seed"], expect: ["--set seed", "KEY=VALUE"]),
        // Issue 17's messages.
        Case(name: "a tab in the indentation", yaml: base + "time:\n\tdt: \"2 min\"\n", expect: ["@4", "a tab in the indentation", "spaces only"]),
        Case(name: "two forms of one quantity in a file", yaml: base + "cells:\n  keratinocyte:\n    proliferation: { rate: \"0.02 /h\", doubling: \"30 h\" }\n",
             expect: ["@5", "cells.keratinocyte.proliferation", "two forms of the division rate"]),
        Case(name: "two forms of one quantity in --set", yaml: nil, sets: ["cells.keratinocyte.migration.hop_rate=\"0.1 /min\"", "cells.keratinocyte.migration.persistence=\"1 h\""],
             expect: ["--set", "cells.keratinocyte.migration", "two forms of one quantity"]),
        Case(name: "a swapped factor name", yaml: nil, sets: ["secretome.deplete=[HFG]"], expect: ["secretome.deplete[0]", "did you mean `HGF`?"]),
    ]

    /// Command lines that are bad input: exit 2, a message in woundsim's words, no folder left.
    func testBadCommandLinesExitTwo() throws {
        let folder = CLI.temporaryRoot("catalogue-commands")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("a-file")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let sweep = folder.appendingPathComponent("s.yaml")
        try "sweep: s\nbase: scratch-assay\nparameters: { secretome.dose: [1] }\n".write(to: sweep, atomically: true, encoding: .utf8)
        let deep = folder.appendingPathComponent("no/such/dir")
        let cases: [(String, [String], [String])] = [
            ("a negative seed", ["run", "scratch-assay", "--seed", "-1", "--out", folder.appendingPathComponent("o").path], ["--seed -1", "whole number", "not negative"]),
            ("a value split at a space", ["run", "scratch-assay", "--set", "time.duration=2", "h", "--out", folder.appendingPathComponent("o").path],
             ["split by the shell at a space", "--set 'time.duration=2 h'"]),
            ("--out under missing folders", ["run", "scratch-assay", "--out", deep.path], ["cannot make the output folder", "\(folder.path)/no does not exist"]),
            ("--out under a file", ["run", "scratch-assay", "--out", file.appendingPathComponent("x").path], ["is a file, not a folder"]),
            ("a sweep's --out under missing folders", ["sweep", sweep.path, "--out", deep.path], ["does not exist"]),
        ]
        for (name, arguments, expect) in cases {
            let r = try CLI.run(arguments)
            XCTAssertEqual(r.status, 2, "\(name): exit \(r.status)\n\(r.stderr)")
            for piece in expect { XCTAssertTrue(r.stderr.contains(piece), "\(name): expected \"\(piece)\" in\n\(r.stderr)") }
            XCTAssertFalse(r.stderr.contains("Missing value") || r.stderr.contains("The operation could not be completed"), "\(name): \(r.stderr)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["a-file", "s.yaml"], "nothing was created")
    }

    func testEveryMalformedScenarioExitsTwoWithFileLineAndKey() throws {
        XCTAssertGreaterThanOrEqual(Self.cases.count, 30)
        let folder = CLI.temporaryFolder("catalogue")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for c in Self.cases {
            let file = folder.appendingPathComponent("bad.yaml")
            var arguments = ["run"]
            if let yaml = c.yaml {
                try yaml.write(to: file, atomically: true, encoding: .utf8)
                arguments.append(file.path)
            } else {
                arguments.append("scratch-assay")
            }
            let out = folder.appendingPathComponent("out")
            arguments += ["--out", out.path, "--quiet"] + c.sets.flatMap { ["--set", $0] }
            let r = try CLI.run(arguments)
            XCTAssertEqual(r.status, 2, "\(c.name): exit \(r.status)\n\(r.stderr)")
            for fragment in c.expect {
                let wanted = fragment.hasPrefix("@") ? "bad.yaml:\(fragment.dropFirst()):" : fragment
                XCTAssertTrue(r.stderr.contains(wanted), "\(c.name): expected \"\(wanted)\" in\n\(r.stderr)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(c.name): a run folder was left behind")
        }
        // Binary garbage.
        let garbage = folder.appendingPathComponent("garbage.yaml")
        try Data((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37) }).write(to: garbage)
        let r = try CLI.run(["run", garbage.path, "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("garbage.yaml:1:"), r.stderr)
    }
}
