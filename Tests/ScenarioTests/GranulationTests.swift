import Cells
import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// The provisional matrix under the wound surface (issue 14): keratinocytes that need matrix do
/// not enter a bare wound surface, enter freely where fibrin or collagen lies below, and a need
/// always met changes nothing (no draw is taken); fibroblasts recruited from below fill the empty
/// wound bed at their rate.
final class GranulationTests: XCTestCase {
    /// Keratinocytes moving from the start (no lag, no factors) around a 0.6 mm wound; `sets` add the
    /// gate and the matrix.
    private func world(_ sets: [String]) throws -> World {
        let m = try ScenarioLoader.load("excisional-wound-control", sets: [
            "lattice.size=[40, 40]", "wound.diameter=\"0.6 mm\"", "injury=~",
            "cells.fibroblast.density=0", "cells.endothelial.density=0",
            "cells.keratinocyte.migration.requires_activation=false",
        ] + sets).scenario.model
        return try World(m)
    }

    private func onSurface(_ w: World) -> Int {
        (0..<w.cells.count).filter { w.regions.ids[Int(w.cells.site[$0])] == Tissue.woundSurface }.count
    }

    private func run(_ w: World, steps: Int = 120) { for _ in 0..<steps { w.advance(threads: 1) } }

    func testABareWoundSurfaceIsNotEntered() throws {
        let open = try world([]), bare = try world(["cells.keratinocyte.migration.matrix_needed=1"])
        run(open); run(bare)
        XCTAssertGreaterThan(onSurface(open), 20)
        XCTAssertEqual(onSurface(bare), 0)
    }

    func testANeedAlwaysMetChangesNothing() throws {
        let open = try world([])
        // Fibrin that barely fades (half-life 1000 d) meets a need of 0.5 throughout.
        let clot = "clot={amounts: {EGF: \"0 ng/mL\"}, half_life: \"6 h\", fibrin_half_life: \"1000 d\"}"
        let fibrin = try world([clot, "cells.keratinocyte.migration.matrix_needed=0.5"])
        // Collagen laid under the whole wound surface meets a need of 1 without fibrin.
        let collagen = try world(["cells.keratinocyte.migration.matrix_needed=1"])
        for s in collagen.bedSites { collagen.collagen[Int(s)] = 1 }
        run(open); run(fibrin); run(collagen)
        XCTAssertGreaterThan(onSurface(open), 20)
        for w in [fibrin, collagen] {
            XCTAssertEqual(Array(w.cells.site[0..<w.cells.count]), Array(open.cells.site[0..<open.cells.count]))
        }
    }

    func testMatrixShortOfTheNeedAdmitsInProportion() throws {
        let fast = try world(["clot={amounts: {EGF: \"0 ng/mL\"}, half_life: \"6 h\", fibrin_half_life: \"2 min\"}"])
        XCTAssertEqual(fast.config.fibrin(at: 0), 1)
        XCTAssertEqual(fast.config.fibrin(at: 2), 0.5, accuracy: 1e-15)
        // Collagen at half the need under the whole surface, no fibrin: about half the entries of the
        // first steps (a short run: the sheet's front barely moves, so entries follow the acceptance).
        let open = try world([]), half = try world(["cells.keratinocyte.migration.matrix_needed=1"])
        for s in half.bedSites { half.collagen[Int(s)] = 0.5 }
        run(half, steps: 40)
        run(open, steps: 40)
        let ratio = Double(onSurface(half)) / Double(onSurface(open))
        XCTAssertGreaterThan(ratio, 0.2, "\(onSurface(half)) of \(onSurface(open))")
        XCTAssertLessThan(ratio, 0.8, "\(onSurface(half)) of \(onSurface(open))")
    }

    func testTheNeedIsCheckedAndRoundTrips() throws {
        XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-control", sets: ["cells.keratinocyte.migration.matrix_needed=1.5"]))
        XCTAssertThrowsError(try World(ScenarioLoader.load("scratch-assay", sets: ["cells.keratinocyte.migration.matrix_needed=0.5"]).scenario.model))
        let s = try ScenarioLoader.load("excisional-wound-inflammation-control", sets: [
            "cells.keratinocyte.migration.matrix_needed=0.25", "clot.fibrin_half_life=\"3 d\"",
        ]).scenario
        let text = ScenarioWriter.yaml(s)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("granulation-\(getpid()).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let back = try ScenarioLoader.load(file.path).scenario.model
        XCTAssertEqual(back.fibrinHalfLife, 3 * 1440)
        XCTAssertEqual(back.cells.first { $0.parameters.kind == .keratinocyte }?.parameters.matrixNeeded, 0.25)
        XCTAssertEqual(back, s.model)
    }

    /// Fibroblasts recruited into the empty wound bed from below, nothing else moving: returns the
    /// world after `steps` steps.
    private func recruited(_ sets: [String], steps: Int) throws -> World {
        let w = try world(["cells.keratinocyte.density=0", "cells.fibroblast.density=0"] + sets)
        run(w, steps: steps)
        return w
    }

    func testRecruitsFillTheEmptyWoundBedAtTheirRate() throws {
        let rate = "cells.fibroblast.recruitment={rate: \"0.05 /h\", from: wound_bed}"
        let steps = 300
        // The same basal rate with a response whose factor is absent: the thinning's candidates are
        // drawn at three times the rate and accepted at a third, so the expectation is unchanged.
        let thinned = "cells.fibroblast.responses=[{behaviour: recruitment, factor: VEGF, ec50: \"1 ng/mL\", max_fold: 3}]"
        for w in [try recruited([rate], steps: steps), try recruited([rate, thinned], steps: steps)] {
            let bed = Double(w.bedSites.count)
            let p = 0.05 / 60 * w.config.dt
            let expected = bed * (1 - Foundation.pow(1 - p, Double(steps)))
            let sd = (expected * (1 - expected / bed)).squareRoot()
            XCTAssertGreaterThan(expected, 200)
            XCTAssertEqual(Double(w.cells.count), expected, accuracy: 4 * sd)
            // Every recruit sits in the wound bed, one per site.
            XCTAssertTrue((0..<w.cells.count).allSatisfy { w.regions.ids[Int(w.cells.site[$0])] == Tissue.woundBed })
            XCTAssertEqual(Set(w.cells.site[0..<w.cells.count]).count, w.cells.count)
        }
        // Responses that reach past one recruit per step: every site is a candidate, kept with p (0.5).
        let fast = try recruited(["cells.fibroblast.recruitment={rate: \"15 /h\", from: wound_bed}", thinned], steps: 1)
        let bed = Double(fast.bedSites.count)
        XCTAssertEqual(Double(fast.cells.count), 0.5 * bed, accuracy: 4 * (0.25 * bed).squareRoot())
        XCTAssertThrowsError(try World(ScenarioLoader.load("scratch-assay", sets: [
            "cells.keratinocyte.recruitment={rate: \"0.05 /h\", from: wound_bed}"]).scenario.model))
    }

    func testMatrixInTheBedRefusesRecruitsInProportion() throws {
        // Gate 1: bed sites holding collagen 1 take no recruit, those holding 0.5 take them at half
        // the rate (the acceptance is scaled; no draw of its own).
        let w = try world(["cells.keratinocyte.density=0", "cells.fibroblast.density=0",
                           "cells.fibroblast.recruitment={rate: \"0.05 /h\", from: wound_bed, matrix_inhibition: 1}"])
        for (i, s) in w.bedSites.enumerated() { w.collagen[Int(s)] = i % 2 == 0 ? 1 : 0.5 }
        let steps = 600
        run(w, steps: steps)
        let full = Set(w.bedSites.enumerated().filter { $0.offset % 2 == 0 }.map { Int($0.element) })
        let sites = (0..<w.cells.count).map { Int(w.cells.site[$0]) }
        XCTAssertEqual(sites.filter { full.contains($0) }.count, 0, "recruits on sites of intact-dermis collagen")
        let half = Double(w.bedSites.count - full.count)
        let p = 0.5 * 0.05 / 60 * w.config.dt
        let expected = half * (1 - Foundation.pow(1 - p, Double(steps)))
        let sd = (expected * (1 - expected / half)).squareRoot()
        XCTAssertGreaterThan(expected, 100)
        XCTAssertEqual(Double(sites.count), expected, accuracy: 4 * sd)
        XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-control", sets: [
            "cells.fibroblast.recruitment={rate: \"0.05 /h\", from: wound_bed, matrix_inhibition: 2}"]))
        // The gate reads wound-bed sites: a kind recruited at vessels is refused it, naming the key.
        XCTAssertThrowsError(try World(ScenarioLoader.load("excisional-wound-control", sets: [
            "cells.fibroblast.recruitment={rate: \"0.05 /h\", matrix_inhibition: 1}"]).scenario.model)) { error in
            XCTAssertTrue("\(error)".contains("cells.fibroblast.recruitment.matrix_inhibition"), "\(error)")
        }
    }
}
