import Cells
import Foundation
import Scenario
import Simulation
import XCTest

/// Wound conditions (issue 13): a named, cited impairment profile multiplies the scenario's
/// normal values once, when the world is built; overrides reach every multiplier.
final class ConditionTests: XCTestCase {
    private func kind(_ m: ModelConfig, _ k: CellKind) -> KindParameters { m.cells.first { $0.parameters.kind == k }!.parameters }

    /// The condition a resolved scenario's text loads back as (written to a file and read again).
    private func reloadedCondition(_ yaml: String, _ name: String) throws -> Condition {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid()).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try ScenarioLoader.load(file.path).scenario.model.condition
    }

    func testTheDiabeticWoundIsTheNormalOneWithItsCitedImpairments() throws {
        let normal = try ScenarioLoader.load("excisional-wound-inflammation-control").scenario.model
        let diabetic = try ScenarioLoader.load("excisional-wound-diabetic-control").scenario.model
        XCTAssertEqual(diabetic.condition, .diabetic)
        XCTAssertEqual(diabetic.cells, normal.cells, "the scenario keeps the normal values; the condition is applied when the world is built")
        XCTAssertEqual(diabetic.duration, 28 * 1440)
        let applied = diabetic.conditioned()
        XCTAssertEqual(kind(applied, .fibroblast).motility.basal, 0.25 * kind(normal, .fibroblast).motility.basal, accuracy: 1e-15)
        XCTAssertEqual(kind(applied, .fibroblast).proliferation.basal, 0.6 * kind(normal, .fibroblast).proliferation.basal, accuracy: 1e-15)
        XCTAssertEqual(kind(applied, .keratinocyte).proliferation.basal, 0.67 * kind(normal, .keratinocyte).proliferation.basal, accuracy: 1e-15)
        // Lerman 2003: the db/db fibroblasts' slower migration also slows their influx from the
        // fascia, and their VEGF (0.13x) does not rise in hypoxia.
        XCTAssertEqual(kind(applied, .fibroblast).recruitment.basal, 0.25 * kind(normal, .fibroblast).recruitment.basal, accuracy: 1e-18)
        XCTAssertGreaterThan(kind(normal, .fibroblast).recruitment.basal, 0)
        let vegf = normal.factors.firstIndex { $0.name == "VEGF" }!
        let fVEGF = kind(applied, .fibroblast).secretion.first { $0.factor == vegf }!.rate
        let fVEGF0 = kind(normal, .fibroblast).secretion.first { $0.factor == vegf }!.rate
        XCTAssertEqual(fVEGF.basal, 0.13 * fVEGF0.basal, accuracy: 1e-18)
        XCTAssertFalse(fVEGF0.responses.isEmpty, "the normal fibroblasts' VEGF rises in hypoxia")
        XCTAssertEqual(fVEGF.responses.map(\.maxFold), fVEGF0.responses.map { _ in 1 }, "db/db fibroblasts' VEGF does not")
        XCTAssertEqual(fVEGF.responses.map(\.ec50), fVEGF0.responses.map(\.ec50))
        XCTAssertEqual(kind(applied, .keratinocyte).motility, kind(normal, .keratinocyte).motility, "db/db wounds re-epithelialise at the normal rate (Michaels 2007)")
        XCTAssertEqual(kind(applied, .endothelial), kind(normal, .endothelial))
        XCTAssertEqual(applied.injuryRelease, normal.injuryRelease)
        // The world simulates the conditioned values.
        let small = try ScenarioLoader.load("excisional-wound-diabetic-control", sets: ["lattice.size=[40, 40]", "wound.diameter=\"0.4 mm\""]).scenario.model
        XCTAssertEqual(try World(small).config, small.conditioned())
        // A neutral condition is the scenario itself, bit for bit.
        XCTAssertEqual(normal.conditioned(), normal)
        var neutral = diabetic
        neutral.condition = Condition(name: "diabetic", production: ["VEGF": 1], kinds: [.fibroblast: .init()])
        XCTAssertTrue(neutral.condition.isNeutral)
        XCTAssertEqual(neutral.conditioned(), neutral)
    }

    /// Production scales a factor's injury release and every kind's secretion of it; a response
    /// multiplier scales the excess fold of migration and proliferation responses.
    func testProductionAndResponsivenessScaleWhatTheyName() throws {
        let normal = try ScenarioLoader.load("excisional-wound-control").scenario.model
        let aged = try ScenarioLoader.load("excisional-wound-control", sets: ["condition=aged"]).scenario.model
        XCTAssertEqual(aged.condition, .aged)
        let a = aged.conditioned()
        let vegf = normal.factors.firstIndex { $0.name == "VEGF" }!
        for f in normal.factors.indices {
            XCTAssertEqual(a.injuryRelease[f], normal.injuryRelease[f] * (f == vegf ? 0.33 : 1), accuracy: 1e-15)
        }
        let kVEGF = kind(a, .keratinocyte).secretion.first { $0.factor == vegf }!.rate.basal
        XCTAssertEqual(kVEGF, 0.33 * kind(normal, .keratinocyte).secretion.first { $0.factor == vegf }!.rate.basal, accuracy: 1e-18)
        XCTAssertEqual(kind(a, .endothelial).motility.basal, 0.47 * kind(normal, .endothelial).motility.basal, accuracy: 1e-15)

        let deaf = try ScenarioLoader.load("excisional-wound-diabetic-control", sets: [
            "condition.keratinocyte.response=0.5", "condition.fibroblast.migration=0.5", "condition.production.EGF=0",
        ]).scenario.model.conditioned()
        let k = kind(deaf, .keratinocyte), k0 = kind(normal, .keratinocyte)
        for (r, r0) in zip(k.motility.responses + k.proliferation.responses, k0.motility.responses + k0.proliferation.responses) {
            XCTAssertEqual(r.maxFold - 1, 0.5 * (r0.maxFold - 1), accuracy: 1e-15)
            XCTAssertEqual(r.ec50, r0.ec50)
        }
        XCTAssertEqual(kind(deaf, .fibroblast).motility.basal, 0.5 * kind(normal, .fibroblast).motility.basal, accuracy: 1e-15, "an override replaces the profile's value")
        XCTAssertEqual(kind(deaf, .fibroblast).proliferation.basal, 0.6 * kind(normal, .fibroblast).proliferation.basal, accuracy: 1e-15, "the rest of the profile stays")
        XCTAssertEqual(deaf.injuryRelease[normal.factors.firstIndex { $0.name == "EGF" }!], 0)
        let inflammation = try ScenarioLoader.load("excisional-wound-inflammation-control").scenario.model  // the db/db wound's normal values
        XCTAssertEqual(kind(deaf, .keratinocyte).secretion.map(\.rate.responses), kind(inflammation, .keratinocyte).secretion.map(\.rate.responses),
                       "`response` leaves the secretion responses")
    }

    /// `secretion_response` scales the excess fold of every secretion response of its kind, leaves
    /// the migration and division responses, and survives the resolved scenario's round trip.
    func testSecretionResponseScalesTheSecretionResponsesOnly() throws {
        let loaded = try ScenarioLoader.load("excisional-wound-inflammation-control", sets: ["condition.keratinocyte.secretion_response=0.5"]).scenario
        let normal = try ScenarioLoader.load("excisional-wound-inflammation-control").scenario.model
        let k = kind(loaded.model.conditioned(), .keratinocyte), k0 = kind(normal, .keratinocyte)
        let pairs = zip(k.secretion + k.repairSecretion, k0.secretion + k0.repairSecretion).flatMap { zip($0.rate.responses, $1.rate.responses) }
        XCTAssertFalse(pairs.isEmpty, "the keratinocytes' VEGF responds to oxygen in this scenario")
        for (r, r0) in pairs {
            XCTAssertEqual(r.maxFold - 1, 0.5 * (r0.maxFold - 1), accuracy: 1e-15)
            XCTAssertEqual(r.ec50, r0.ec50)
        }
        XCTAssertEqual(zip(k.secretion, k0.secretion).map { $0.rate.basal == $1.rate.basal }, k.secretion.map { _ in true })
        XCTAssertEqual(k.motility, k0.motility)
        XCTAssertEqual(k.proliferation, k0.proliferation)
        let yaml = ScenarioWriter.yaml(loaded)
        XCTAssertTrue(yaml.contains("keratinocyte: {migration: 1, proliferation: 1, secretion: 1, response: 1, secretion_response: 0.5}\n"), yaml)
        XCTAssertEqual(try reloadedCondition(yaml, "secretion-response"), loaded.model.condition)
        XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-inflammation-control", sets: ["condition.fibroblast.secretion_response=-1"])) { error in
            XCTAssertTrue("\(error)".contains("condition.fibroblast.secretion_response"), "\(error)")
        }
    }

    /// The diabetic profile scales the fibroblasts' influx; a wound without one (the injury-plateau
    /// wound) still takes the profile, and its resolved scenario, which names that multiplier,
    /// loads back.
    func testTheDiabeticProfileRoundTripsOnAWoundWithoutItsRates() throws {
        let loaded = try ScenarioLoader.load("excisional-wound-control", sets: ["condition=diabetic"]).scenario
        let yaml = ScenarioWriter.yaml(loaded)
        XCTAssertTrue(yaml.contains("recruitment: 0.25"), yaml)
        XCTAssertEqual(try reloadedCondition(yaml, "diabetic-plateau"), .diabetic)
        // An override back to 1 of a multiplier the profile sets is written, so the reload keeps it.
        let back = try ScenarioLoader.load("excisional-wound-diabetic-control", sets: [
            "condition.fibroblast.secretion_response=1", "condition.fibroblast.recruitment=1"]).scenario
        let reloaded = try reloadedCondition(ScenarioWriter.yaml(back), "diabetic-back")
        XCTAssertEqual(reloaded, back.model.condition)
        XCTAssertEqual(reloaded.kinds[.fibroblast]?.secretionResponse, 1)
        XCTAssertEqual(reloaded.kinds[.fibroblast]?.recruitment, 1)
        // A value other than the profile's, for a rate the kind lacks, is still refused.
        XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-control", sets: ["condition.profile=diabetic", "condition.fibroblast.recruitment=0.5"])) { error in
            XCTAssertTrue("\(error)".contains("do not have in this scenario"), "\(error)")
        }
    }

    /// The macrophage multipliers scale the switch to the pro-repair state and the recruitment,
    /// leave the rest, and survive the resolved scenario's round trip (written only when set).
    func testMacrophageSwitchAndRecruitmentMultipliers() throws {
        let (loaded, conditioned, normal) = try diabeticWound(["condition.macrophage.polarization=0.25", "condition.macrophage.recruitment=2"])
        let m = kind(conditioned, .macrophage), m0 = kind(normal, .macrophage)
        XCTAssertEqual(m.polarization.basal, 0.25 * m0.polarization.basal, accuracy: 1e-18)
        XCTAssertEqual(m.recruitment.basal, 2 * m0.recruitment.basal, accuracy: 1e-18)
        XCTAssertEqual(m.polarization.responses, m0.polarization.responses, "the TGF-beta1 response is the cell's, not the host's")
        XCTAssertEqual(m.motility, m0.motility)
        XCTAssertEqual(kind(conditioned, .fibroblast).motility.basal, 0.25 * kind(normal, .fibroblast).motility.basal, accuracy: 1e-15)
        let yaml = ScenarioWriter.yaml(loaded)
        XCTAssertTrue(yaml.contains("macrophage: {migration: 1, proliferation: 1, secretion: 1, response: 1, polarization: 0.25, recruitment: 2}"), yaml)
        XCTAssertTrue(yaml.contains("keratinocyte: {migration: 1, proliferation: 0.67, secretion: 1, response: 1}\n"), "unset multipliers are not written")
        XCTAssertEqual(try reloadedCondition(yaml, "condition"), loaded.model.condition)
        assertRefused("condition.macrophage.polarization=-1", naming: "condition.macrophage.polarization")
    }

    /// The clot-and-macrophage wound made diabetic with `extra` overrides: the loaded scenario,
    /// its conditioned model, and the normal wound's model.
    private func diabeticWound(_ extra: [String]) throws -> (Scenario, ModelConfig, ModelConfig) {
        let loaded = try ScenarioLoader.load("excisional-wound-inflammation-control", sets: ["condition.profile=diabetic"] + extra).scenario
        return (loaded, loaded.model.conditioned(), try ScenarioLoader.load("excisional-wound-inflammation-control").scenario.model)
    }

    /// `set` on the clot-and-macrophage wound is refused with an error that contains `fragment`.
    private func assertRefused(_ set: String, naming fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-inflammation-control", sets: [set]), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
        }
    }

    /// The death-rate multiplier scales a kind's basal apoptosis, not its responses; it is
    /// written back when set and refused for a kind that does not die in the scenario.
    func testDeathRateMultiplier() throws {
        let (loaded, conditioned, normal) = try diabeticWound(["condition.fibroblast.apoptosis=0.5", "condition.macrophage.apoptosis=0.25"])
        let f = kind(conditioned, .fibroblast), f0 = kind(normal, .fibroblast)
        XCTAssertEqual(f.apoptosis.basal, 0.5 * f0.apoptosis.basal, accuracy: 1e-18)
        XCTAssertEqual(f.apoptosis.responses, f0.apoptosis.responses, "the TGF-beta1 protection is the cell's")
        XCTAssertFalse(f0.apoptosis.responses.isEmpty)
        XCTAssertEqual(kind(conditioned, .macrophage).apoptosis.basal, 0.25 * kind(normal, .macrophage).apoptosis.basal, accuracy: 1e-18)
        let yaml = ScenarioWriter.yaml(loaded)
        XCTAssertTrue(yaml.contains("macrophage: {migration: 1, proliferation: 1, secretion: 1, response: 1, apoptosis: 0.25}"), yaml)
        XCTAssertEqual(try reloadedCondition(yaml, "condition"), loaded.model.condition)
        assertRefused("condition.keratinocyte.apoptosis=0.5", naming: "do not have in this scenario")
        assertRefused("condition.macrophage.apoptosis=-1", naming: "condition.macrophage.apoptosis")
    }

    func testConditionErrorsNameTheirKey() {
        for (set, fragment) in [
            ("condition=diabetc", "condition"),
            ("condition.profile=old", "condition.profile"),
            ("condition.fibroblast.speed=0.5", "condition.fibroblast.speed"),
            ("condition.production.TNF=0.5", "condition.production.TNF"),
            ("condition.keratinocyte.migration=-1", "condition.keratinocyte.migration"),
        ] {
            // The injury-plateau wound has no TNF in its table.
            XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-control", sets: ["condition=diabetic", set]), set) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(set): \(error)")
            }
        }
        // A multiplier of a rate the kind lacks would change nothing: refused, in a scenario with
        // no macrophages and for a kind that never switches.
        for (base, set) in [("excisional-wound-asc-cm", "condition.macrophage.polarization=0.5"),
                            ("excisional-wound-inflammation-control", "condition.keratinocyte.recruitment=2"),
                            ("excisional-wound-inflammation-control", "condition.keratinocyte.polarization=0.3")] {
            XCTAssertThrowsError(try ScenarioLoader.load(base, sets: [set]), set) { error in
                XCTAssertTrue("\(error)".contains("do not have in this scenario"), "\(set): \(error)")
            }
        }
        XCTAssertNoThrow(try ScenarioLoader.load("excisional-wound-inflammation-control", sets: ["condition.macrophage.polarization=0.5"]))
        // Fibroblasts rise into the wound bed in that scenario: their recruitment may be scaled.
        XCTAssertNoThrow(try ScenarioLoader.load("excisional-wound-inflammation-control", sets: ["condition.fibroblast.recruitment=2"]))
        XCTAssertNoThrow(try ScenarioLoader.load("excisional-wound-diabetic-control", sets: ["condition.macrophage.polarization=1"]))
        XCTAssertThrowsError(try ScenarioLoader.load("scratch-assay", sets: ["condition=diabetic"])) { error in
            XCTAssertTrue("\(error)".contains("culture"), "\(error)")
        }
        XCTAssertNoThrow(try ScenarioLoader.load("scratch-assay", sets: ["condition=normal"]))
    }
}
