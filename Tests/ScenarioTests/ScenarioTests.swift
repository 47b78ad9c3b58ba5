import Foundation
import Scenario
import Simulation
import XCTest

final class ScenarioTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every file in Scenarios/ is embedded unchanged (run `make scenarios` after editing one).
    func testEmbeddedScenariosMatchTheFiles() throws {
        let folder = Self.repoRoot.appendingPathComponent("Scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(files.map { String($0.dropLast(5)) }.sorted(), ScenarioLoader.bundledNames)
        for f in files {
            let text = try String(contentsOf: folder.appendingPathComponent(f), encoding: .utf8)
            XCTAssertEqual(ScenarioLoader.bundledText(String(f.dropLast(5)))?.trimmingCharacters(in: .newlines),
                           text.trimmingCharacters(in: .newlines), "\(f) differs from its embedded copy: run make scenarios")
        }
    }

    /// Every bundled scenario loads, validates, builds its world and runs a few steps.
    func testEveryBundledScenarioLoadsAndRuns() throws {
        for name in ScenarioLoader.bundledNames {
            let shrink = name.contains("scratch") ? "wound.width=\"200 um\"" : name.hasPrefix("proliferation") ? "seed=1" : "wound.diameter=\"0.6 mm\""
            let s = try ScenarioLoader.load(name, sets: ["lattice.size=[60, 60]", shrink]).scenario
            let world = try World(s.model)
            for _ in 0..<5 { world.advance(threads: 2) }
            XCTAssertNil(world.cells.invariantViolation(), name)
            XCTAssertGreaterThan(world.cells.count, 0, name)
        }
    }

    /// Issue 13: a sample every 24 h falls just before each daily dose, so the sampled factor
    /// means miss the medium; the interval means are the average of the per-step wound means over
    /// each output interval (checked against that average) and show the doses.
    func testIntervalMeansShowDosesBetweenSamples() throws {
        let s = try ScenarioLoader.load("excisional-wound-asc-cm", sets: ["lattice.size=[60, 60]", "wound.diameter=\"0.6 mm\""]).scenario
        let world = try World(s.model)
        let perSample = Int((24 * 60 / s.model.dt).rounded())
        let start = world.observation()
        XCTAssertEqual(start.factorIntervalMeans, start.factorMeans, "at t = 0 the interval mean is the value")
        let hgf = try XCTUnwrap(s.model.factors.firstIndex { $0.name == "HGF" })
        var previous = start.factorMeans[hgf]
        for day in 1...2 {
            var average = [Double](repeating: 0, count: s.model.factors.count)
            for _ in 0..<perSample {
                world.advance(threads: 2)
                let m = world.observation().factorMeans
                for f in m.indices { average[f] += m[f] / Double(perSample) }
            }
            let o = world.observation()
            for f in average.indices { XCTAssertEqual(o.factorIntervalMeans[f], average[f], accuracy: 1e-12 * max(1e-30, average[f]), "day \(day), factor \(f)") }
            // Both samples that bound the day miss the dose given right after the first of them.
            XCTAssertGreaterThan(o.factorIntervalMeans[hgf], 1.5 * max(previous, o.factorMeans[hgf]), "day \(day): the day's dose shows in the interval mean, not in the samples")
            previous = o.factorMeans[hgf]
            world.startInterval()
        }
    }

    /// The bundled excisional wounds hold the values PARAMETERS.md gives, and their retracted
    /// lags are flagged as warnings.
    func testBundledValuesAndRetractionWarnings() throws {
        let s = try ScenarioLoader.load("excisional-wound-asc-cm").scenario
        XCTAssertEqual(s.model.nx, 500)
        XCTAssertEqual(s.model.factors.map(\.name), ["EGF", "bFGF", "VEGF", "HGF"])
        XCTAssertEqual(s.model.factors[0].diffusion, 3600, accuracy: 1e-9)       // 60 um^2/s
        XCTAssertEqual(s.model.factors[2].decay, 0.92 / 60, accuracy: 1e-12)      // 0.92 /h
        XCTAssertEqual(s.model.secretome.profile, "asc-monolayer")
        XCTAssertEqual(s.model.secretome.concentrations, [0.1, 0.1, 0.3, 1.2])
        XCTAssertEqual(s.model.duration, 14 * 1440)
        let lags = s.model.cells.compactMap { $0.parameters.activation?.lag }
        XCTAssertEqual(lags, [24 * 60, 12 * 60, 4 * 60])
        XCTAssertTrue(s.warnings.contains { $0.key == "cells.keratinocyte.migration.lag_source" && $0.message.contains("retracted") })
        let depleted = try ScenarioLoader.load("excisional-wound-hgf-depleted").scenario
        XCTAssertEqual(depleted.model.secretome.concentrations, [0.1, 0.1, 0.3, 0])
        let spheroid = try ScenarioLoader.load("excisional-wound-spheroid-cm").scenario
        XCTAssertGreaterThan(spheroid.model.secretome.concentrations[3], depleted.model.secretome.concentrations[3])
    }

    /// The resolved YAML reads back to the same scenario: every decoded value (model, intervals,
    /// sources) equal, not merely the same text from the same writer. Overrides that exercise the
    /// less common forms (molar units, a Hill coefficient, a sustained delivery, a rectangle) are
    /// included, so a value the writer drops or rounds fails here.
    func testResolvedScenarioRoundTrips() throws {
        let variants: [(String, [String])] = ScenarioLoader.bundledNames.map { ($0, []) } + [
            ("excisional-wound-asc-cm", ["factors.HGF.initial=\"0.01 nM\"", "secretome.delivery={kind: sustained, half_life: \"12 h\"}",
                                         "wound.shape=rectangle", "wound.diameter=~", "wound.width=\"2 mm\"", "wound.height=\"3 mm\"", "wound.center=[0.4, 0.6]",
                                         "time.snapshot_every=~", "secretome.dose=2.5"]),
            ("scratch-assay", ["cells.keratinocyte.migration.speed=\"37 um/h\"", "seed=12345"]),
            ("excisional-wound-control", ["condition={profile: aged, production: {EGF: 0.5}, keratinocyte: {response: 0.5}, source: 'a \"quoted\" \\ source'}"]),
            ("excisional-wound-control", ["condition.fibroblast.migration=0.5"]),
            ("excisional-wound-control", ["injury=~", "clot={amounts: {EGF: \"3 ng/mL\", VEGF: \"0.1 ng/mL\"}, half_life: \"5 h\", half_lives: {VEGF: \"30 h\"}, source: \"probe\"}",
                                          "cells.macrophage={density: 0.001, migration: {hop_rate: \"0.05 /min\", requires_activation: false}, apoptosis: {rate: \"0.6 /d\"}, recruitment: {rate: \"0.001 /h\", source: \"r\"}, polarization: {rate: \"1 /d\", secretion: [{factor: VEGF, rate: \"0.01 ng/mL/h\"}, {factor: EGF, rate: \"0.02 ng/mL/h\"}], source: \"p\"}, secretion: [{factor: bFGF, rate: \"0.01 ng/mL/h\", only_when_migratory: false}], responses: [{behaviour: recruitment, factor: EGF, ec50: \"0.2 ng/mL\", max_fold: 10}, {behaviour: polarization, factor: HGF, ec50: \"2 ng/mL\", hill: 2, max_fold: 3, source: \"s\"}]}",
                                          "condition=diabetic"]),
        ]
        for (i, (name, sets)) in variants.enumerated() {
            let s = try ScenarioLoader.load(name, sets: sets).scenario
            let text = ScenarioWriter.yaml(s)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("resolved-\(i)-\(getpid()).yaml")
            try text.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let again = try ScenarioLoader.load(file.path).scenario
            XCTAssertEqual(again.model, s.model, "\(name) \(sets)")
            XCTAssertEqual(again.snapshotEvery, s.snapshotEvery, name)
            XCTAssertEqual(again.checkpointEvery, s.checkpointEvery, name)
            XCTAssertEqual(again.description, s.description, name)
        }
        // The comparison can fail: a changed value is seen.
        let s = try ScenarioLoader.load("scratch-assay").scenario
        var changed = s.model
        changed.factors[0].decay *= 1 + 1e-12
        XCTAssertNotEqual(changed, s.model)
    }

    /// Optional sections may be left out: a secretome without `delivery:` is a bolus, and a
    /// scenario without `secretome:`, `injury:` or `vessels:` loads (control, none, none).
    func testOptionalSectionsMayBeAbsent() throws {
        let s = try ScenarioLoader.load("scratch-assay", sets: ["secretome.delivery=~", "injury=~", "vessels=~"]).scenario
        XCTAssertEqual(s.model.secretome.delivery, .bolus)
        XCTAssertEqual(s.model.injuryRelease, [0, 0, 0, 0])
        let bare = try ScenarioLoader.load("scratch-assay", sets: ["secretome=~"]).scenario
        XCTAssertEqual(bare.model.secretome.profile, "control")
    }

    func testSetOverridesAndItsErrors() throws {
        let s = try ScenarioLoader.load("scratch-assay", sets: ["factors.EGF.decay=\"0.5 /h\"", "seed=7", "secretome.profile=control"]).scenario
        XCTAssertEqual(s.model.factors[0].decay, 0.5 / 60, accuracy: 1e-12)
        XCTAssertEqual(s.model.seed, 7)
        XCTAssertEqual(s.model.secretome.concentrations, [0, 0, 0, 0])
        XCTAssertThrowsError(try ScenarioLoader.load("scratch-assay", sets: ["cells.keratinocyte.densty=0.5"])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("--set cells.keratinocyte.densty=0.5: cells.keratinocyte.densty: unknown key"), text)
            XCTAssertTrue(text.contains("did you mean `density`?"), text)
        }
        XCTAssertThrowsError(try ScenarioLoader.load("scratch-assay", sets: ["factors.EGF.decay=\"5 um\""])) { error in
            XCTAssertTrue("\(error)".contains("factors.EGF.decay"), "\(error)")
        }
        XCTAssertThrowsError(try ScenarioLoader.load("scratch-assay", sets: ["nonsense"]))
    }

    /// List entries are addressable by `--set` (and so by sweeps and calibration): by position,
    /// or by the values of their keys, which survives reordering. A selector that matches no entry
    /// or several, an index past the end, and a malformed path are errors naming the list.
    func testSetReachesListEntries() throws {
        let base = try ScenarioLoader.load("excisional-wound-control").scenario
        let kerat = { (s: Scenario) in s.model.cells.first { $0.parameters.kind == .keratinocyte }!.parameters }
        XCTAssertEqual(kerat(base).proliferation.responses[0].ec50, 0.5, accuracy: 1e-12)
        let byIndex = try ScenarioLoader.load("excisional-wound-control", sets: ["cells.keratinocyte.responses[2].ec50=\"2 ng/mL\""]).scenario
        XCTAssertEqual(kerat(byIndex).proliferation.responses[0].ec50, 2, accuracy: 1e-12, "entry 2 is the EGF proliferation response")
        XCTAssertEqual(kerat(byIndex).motility.responses[0].ec50, 0.5, accuracy: 1e-12, "entry 0 untouched")
        let byMatch = try ScenarioLoader.load("excisional-wound-control", sets: [
            "cells.keratinocyte.responses[behaviour=proliferation,factor=EGF].max_fold=5",
            "cells.fibroblast.uptake[factor=bFGF].rate=\"0.12 /h\"",
        ]).scenario
        XCTAssertEqual(kerat(byMatch).proliferation.responses[0].maxFold, 5)
        XCTAssertEqual(kerat(byMatch).motility.responses.map(\.maxFold), kerat(base).motility.responses.map(\.maxFold))
        let fibroblast = byMatch.model.cells.first { $0.parameters.kind == .fibroblast }!.parameters
        XCTAssertEqual(fibroblast.uptake.first?.rate ?? 0, 0.12 / 60, accuracy: 1e-12)
        for (set, fragment) in [
            ("cells.keratinocyte.responses[7].ec50=\"1 ng/mL\"", "has 3 entries, so [7] is past its end"),
            ("cells.keratinocyte.responses[factor=EGF].ec50=\"1 ng/mL\"", "2 entries of `responses` have factor=EGF"),
            ("cells.keratinocyte.responses[factor=TNF].ec50=\"1 ng/mL\"", "no entry of `responses` has factor=TNF"),
            ("cells.keratinocyte.density[0]=1", "not a list"),
            ("cells.keratinocyte.responses[factor].ec50=1", "write an index such as [0]"),
            ("cells..density=1", "has an empty part"),
        ] {
            XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-control", sets: [set]), set) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(set): \(error)")
            }
        }
    }
}
