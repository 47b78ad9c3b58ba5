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

    /// Cells crawl at their speed in space: lone walkers on tissue at pace 2 (compressed to a
    /// quarter of its area) spread twice as far per step (MSD = p pace n h^2), with margins from
    /// the spread of four seeds; and a contracted wound's pace is 1 / sqrt(J) of its ring.
    func testCellsCrawlAtTheirSpeedInSpace() throws {
        let l = try Lattice(nx: 400, ny: 400, spacing: 1)
        let plane = l.nx * l.ny
        let pace = UnsafeMutablePointer<Float>.allocate(capacity: plane)
        defer { pace.deallocate() }
        pace.initialize(repeating: 2, count: plane)
        var ratios: [Double] = []
        for seed in UInt64(1)...4 {
            var msd: [Double] = []
            for fast in [false, true] {
                var pop = CellPopulation(lattice: l)
                for a in 0..<15 { for b in 0..<15 { pop.add(.fibroblast, at: l.index(25 + 25 * a, 25 + 25 * b)) } }
                let start = pop.site.map { l.coordinates(of: Int($0)) }
                let walker = KindParameters(kind: .fibroblast, motility: .init(basal: 0.2), activationRequired: false)
                let stepper = try CellStepper(lattice: l, parameters: [walker], dt: 1, seed: seed, factorCount: 0)
                if fast { stepper.pace = pace; stepper.paceBound = 2 }
                for s in 0..<100 { stepper.step(&pop, fields: nil, step: s, threads: 1) }
                var sum = 0.0
                for (c, s0) in start.enumerated() {
                    let e = l.coordinates(of: Int(pop.site[c]))
                    sum += Double((e.i - s0.i) * (e.i - s0.i) + (e.j - s0.j) * (e.j - s0.j))
                }
                msd.append(sum / Double(start.count))
            }
            XCTAssertEqual(msd[0], 0.2 * 100, accuracy: 0.2 * 100 * 0.2, "pace 1: MSD = p n h^2")
            ratios.append(msd[1] / msd[0])
        }
        let (m, sd) = GSL.meanAndStandardDeviation(ratios)
        XCTAssertEqual(m, 2, accuracy: max(0.15, 4 * sd / 2), "pace 2 doubles the hop rate (ratios \(ratios))")

        let w = try world(hold: "still_radius: \"8 mm\"", remodelling: "100 /d")
        for _ in 0..<720 { w.advance() }
        let mech = try XCTUnwrap(w.mechanics)
        let p = try XCTUnwrap(mech.pace)
        let lattice = w.cells.lattice
        let i = lattice.nx / 2, centre = Double(lattice.nx) * lattice.spacing / 2
        let r = ((lattice.centre(i) - centre) * (lattice.centre(i) - centre) * 2).squareRoot()
        let (er, eh) = mech.sheet.strains(mech.displacement, element: Int(r / mech.sheet.spacing))
        let expected = 1 / ((1 + er) * (1 + eh)).squareRoot()
        XCTAssertGreaterThan(expected, 1.05, "the wound is compressed")
        XCTAssertEqual(Double(p[i * lattice.nx + i]), expected, accuracy: 1e-6)
        XCTAssertEqual(Double(p[0]), 1, accuracy: 0.02, "the skin 2.8 mm out barely deforms")
        XCTAssertGreaterThanOrEqual(mech.paceMaximum, expected - 1e-6)
        // Off: no pace at all.
        let still = try World(ScenarioLoader.load("excisional-wound-inflammation-control", sets: ["mechanics.crawl_in_space=false"]).scenario.model)
        XCTAssertNil(try XCTUnwrap(still.mechanics).pace)
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
        XCTAssertTrue(text.contains("  crawl_in_space: true\n"), text)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mechanics-\(getpid()).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try ScenarioLoader.load(file.path).scenario.model.mechanics, s.model.mechanics)
    }
}
