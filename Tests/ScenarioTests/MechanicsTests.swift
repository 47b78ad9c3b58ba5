import Cells
import Fields
import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// Wound contraction (issue 14, `mechanics:`): the wound bed's fibroblasts pull, the skin resists,
/// a splint holds it; the first solve is the analytic contracting inclusion, remodelling lets the
/// contraction grow, and checkpoints carry it.
final class MechanicsTests: XCTestCase {
    /// The clot-and-macrophage wound on a small lattice (40 um, 4 mm, a 2 mm wound), no cells but
    /// fibroblasts filling the wound bed, with mechanics held at `hold`.
    private func world(hold: String, remodelling: String = "4 /d", granulation: String = "18 kPa") throws -> World {
        let sets = ["lattice.spacing=\"40 um\"", "lattice.size=[100, 100]", "wound.diameter=\"2 mm\"",
                    "mechanics={skin_modulus: \"1 kPa\", granulation_modulus: \"\(granulation)\", poisson: 0.4, fibroblast_stress: \"200 Pa\", "
                        + "myofibroblast_stress: \"400 Pa\", wound_remodelling: \"\(remodelling)\", \(hold)}"]
        let world = try World(ScenarioLoader.load("excisional-wound-inflammation-control", sets: sets).scenario.model)
        for s in world.bedSites where world.cells.cellAt[Int(s)] < 0 { world.cells.add(.fibroblast, at: Int(s)) }
        world.stepper.invalidateQuiet()
        return world
    }

    func testStressesReadInPascal() throws {
        XCTAssertEqual(try Units.parse("18 kPa", as: .pressure), 18_000, accuracy: 1e-9)
        XCTAssertEqual(try Units.parse("1 MPa", as: .pressure), 1e6, accuracy: 1e-6)
        XCTAssertEqual(try Units.parse("250 Pa", as: .pressure), 250)
        XCTAssertThrowsError(try Units.parse("18 kg", as: .pressure))
    }

    func testAFullBedContractsTheWoundAsTheInclusionDoesAndASplintHoldsIt() throws {
        let free = try world(hold: "still_radius: \"8 mm\"")
        let splinted = try world(hold: "splint_radius: \"1.4 mm\"")
        free.advance(); splinted.advance()
        let a = 1000.0
        // The bed full of fibroblasts: 200 Pa inside r = a (the edge ring partly), 1 kPa outside, and
        // inside 18 kPa less the share remodelling relaxes over the first hour (4 /d): exp(-1/6).
        let inner = 18_000 * exp(-4.0 / 24)
        let exactFree = inclusionDisplacement(r: a, a: a, b: 8000, inner: inner, outer: 1000, nu: 0.4, tau: 200)
        let exactSplinted = inclusionDisplacement(r: a, a: a, b: 1400, inner: inner, outer: 1000, nu: 0.4, tau: 200)
        let uFree = try XCTUnwrap(free.mechanics).edgeDisplacement, uSplinted = try XCTUnwrap(splinted.mechanics).edgeDisplacement
        XCTAssertLessThan(uFree, 0, "the pull moves the edge inward")
        XCTAssertEqual(uFree, exactFree, accuracy: 0.1 * abs(exactFree), "the edge ring's partial cover and the lattice's discs set 10 %")
        XCTAssertEqual(uSplinted, exactSplinted, accuracy: 0.1 * abs(exactSplinted))
        XCTAssertLessThan(abs(uSplinted), abs(uFree))
        // Remodelling relaxes the wound's own stress: with it fast (100 /d), after a day the wound
        // is a hole pulled by its cells' stress in the skin, the inclusion without stiffness (the
        // update is implicit: a stiff wound relaxes as fast as a soft one).
        let fastFree = try world(hold: "still_radius: \"8 mm\"", remodelling: "100 /d")
        let fastSplinted = try world(hold: "splint_radius: \"1.4 mm\"", remodelling: "100 /d")
        for _ in 0..<720 { fastFree.advance(); fastSplinted.advance() }
        let holeFree = inclusionDisplacement(r: a, a: a, b: 8000, inner: 0, outer: 1000, nu: 0.4, tau: 200)
        let holeSplinted = inclusionDisplacement(r: a, a: a, b: 1400, inner: 0, outer: 1000, nu: 0.4, tau: 200)
        let relaxed = try XCTUnwrap(fastFree.mechanics), relaxedSplinted = try XCTUnwrap(fastSplinted.mechanics)
        XCTAssertEqual(relaxed.edgeDisplacement, holeFree, accuracy: 0.1 * abs(holeFree))
        XCTAssertEqual(relaxedSplinted.edgeDisplacement, holeSplinted, accuracy: 0.1 * abs(holeSplinted))
        XCTAssertGreaterThan(relaxed.contractionPercent, 3 * relaxedSplinted.contractionPercent)
        let o = fastFree.observation()
        XCTAssertEqual(try XCTUnwrap(o.contractionPercent), relaxed.contractionPercent, accuracy: 1e-12)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(o.closureWithContractionPercent), o.closurePercent, "the open surface shrinks in space")
    }

    func testTheContractionStaysWhenTheCellsGo() throws {
        // A day of pull with fast remodelling, then every fibroblast removed from the bed: the
        // wound never remodels back open, so only its elasticity (18 kPa against 1 kPa of skin)
        // gives a little back.
        let w = try world(hold: "still_radius: \"8 mm\"", remodelling: "100 /d")
        for _ in 0..<720 { w.advance() }
        let pulled = try XCTUnwrap(w.mechanics).contractionPercent
        for c in 0..<w.cells.count where w.cells.kind[c] == CellKind.fibroblast.rawValue && w.regions.ids[Int(w.cells.site[c])] == Tissue.woundBed {
            w.cells.flags[c] |= CellFlags.moved.rawValue
        }
        w.cells.compact(removingFlagged: CellFlags.moved.rawValue)
        w.stepper.invalidateQuiet()
        for _ in 0..<720 { w.advance() }
        let after = try XCTUnwrap(w.mechanics).contractionPercent
        XCTAssertGreaterThan(pulled, 20)
        XCTAssertGreaterThan(after, 0.85 * pulled, "the contraction undid itself (\(pulled) % -> \(after) %)")
        XCTAssertLessThanOrEqual(after, pulled + 1e-9)
    }

    func testWithoutRemodellingTheSkinHoldsTheElasticAnswer() throws {
        let w = try world(hold: "still_radius: \"8 mm\"", remodelling: "0 /d")
        w.advance()
        let first = try XCTUnwrap(w.mechanics).edgeDisplacement
        for _ in 0..<90 { w.advance() }
        XCTAssertEqual(try XCTUnwrap(w.mechanics).edgeDisplacement, first, accuracy: 0.05 * abs(first), "no remodelling: no creep")
    }

    func testCheckpointsAndThreadsKeepTheContraction() throws {
        let a = try world(hold: "still_radius: \"8 mm\"")
        let b = try world(hold: "still_radius: \"8 mm\"")
        for _ in 0..<95 { a.advance(threads: 1); b.advance(threads: 2) }
        XCTAssertEqual(a.encodeState(), b.encodeState(), "the contraction depends on the thread count")
        let r = try world(hold: "still_radius: \"8 mm\"")
        try r.restoreState(a.encodeState())
        for _ in 0..<95 { a.advance(); r.advance() }
        XCTAssertEqual(a.observation(), r.observation())
        XCTAssertEqual(a.encodeState(), r.encodeState(), "a resumed run differs")
        XCTAssertGreaterThan(try XCTUnwrap(a.mechanics).contractionPercent, 0)
        // A state without mechanics resets the sheet; one with mechanics does not fit a scenario without.
        let plain = try World(ScenarioLoader.load("excisional-wound-inflammation-control",
                                                  sets: ["lattice.spacing=\"40 um\"", "lattice.size=[100, 100]", "wound.diameter=\"2 mm\"", "mechanics=~"]).scenario.model)
        XCTAssertNil(plain.mechanics)
        XCTAssertThrowsError(try plain.restoreState(a.encodeState()))
        try r.restoreState(plain.encodeState())
        XCTAssertEqual(try XCTUnwrap(r.mechanics).edgeDisplacement, 0)
    }

    func testTheSectionIsCheckedAndRoundTrips() throws {
        let base = ["lattice.spacing=\"40 um\"", "lattice.size=[100, 100]", "wound.diameter=\"2 mm\""]
        func mech(skin: String = "1 kPa") -> String { "mechanics={skin_modulus: \"\(skin)\", granulation_modulus: \"18 kPa\", poisson: 0.4, fibroblast_stress: \"200 Pa\", myofibroblast_stress: \"400 Pa\", wound_remodelling: \"4 /d\"" }
        let m = mech()
        func refusal(_ sets: [String]) -> String {
            do { _ = try World(ScenarioLoader.load("excisional-wound-inflammation-control", sets: sets).scenario.model); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(refusal(base + [m + "}"]).contains("holds the skin nowhere"))
        XCTAssertTrue(refusal(base + [m + ", splint_radius: \"1.02 mm\"}"]).contains("mechanics.splint_radius"))
        XCTAssertTrue(refusal(base + [m + ", still_radius: \"8 mm\"}", "wound={shape: scratch, width: \"1 mm\"}"]).contains("round wound"))
        XCTAssertTrue(refusal(base + [mech(skin: "1 kg") + ", still_radius: \"8 mm\"}"]).contains("mechanics.skin_modulus"))
        XCTAssertTrue(refusal(base + [m + ", splint_radius: \"2 mm\", still_radius: \"8 mm\"}"]).contains("gives both"))
        // A later layer's form replaces the inherited one: the splinted control set free.
        let freed = try ScenarioLoader.load("excisional-wound-inflammation-control", sets: ["mechanics.still_radius=\"12 mm\""]).scenario.model.mechanics
        XCTAssertNil(freed?.splintRadius)
        XCTAssertEqual(freed?.stillRadius, 12_000)
        let s = try ScenarioLoader.load("excisional-wound-inflammation-control", sets: base + [m + ", splint_radius: \"2 mm\", source: \"probe\"}"]).scenario
        let text = ScenarioWriter.yaml(s)
        XCTAssertTrue(text.contains("mechanics:\n  skin_modulus: \"1000 Pa\""), text)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mechanics-\(getpid()).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try ScenarioLoader.load(file.path).scenario.model.mechanics, s.model.mechanics)
    }
}
