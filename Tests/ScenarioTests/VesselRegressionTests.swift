import Cells
import Fields
import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// Regression of new vessels (issue 14): a vessel site a sprouting kind's trail made holds 2 + the
/// kind, regresses in the hourly draw with probability 1 - exp(-rate x 1 h), so its survival follows
/// exp(-rate t), lowered by a survival factor at the site; the dermis's own vessels (1) never
/// regress, and a trail never overwrites them.
final class VesselRegressionTests: XCTestCase {
    /// A 96 x 96 lattice without cells: every even site a new endothelial vessel, every odd site a
    /// dermis vessel; factor 0 held at `level` ng/mL. Regression at `rate` [/min].
    private func vessels(rate: Double, survival: Response? = nil, level: Double = 0) throws
        -> (CellStepper, CellPopulation, FieldSet, UnsafeMutableBufferPointer<UInt8>) {
        let l = try Lattice(nx: 96, ny: 96, spacing: 20)
        let fields = try FieldSet(lattice: l, names: ["VEGF"], initial: [level])
        var p = KindParameters(kind: .endothelial, activationRequired: false)
        p.leavesVesselTrail = true
        p.vesselRegression = .init(basal: rate, responses: survival.map { [$0] } ?? [])
        try p.validate(dt: 2, factorCount: 1)
        let stepper = try CellStepper(lattice: l, parameters: [p], dt: 2, seed: 5, factorCount: 1)
        let vessel = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: l.count)
        for s in 0..<l.count { vessel[s] = s % 2 == 0 ? 2 + CellKind.endothelial.rawValue : 1 }
        stepper.vessel = vessel.baseAddress
        return (stepper, CellPopulation(lattice: l), fields, vessel)
    }

    private func count(_ v: UnsafeMutableBufferPointer<UInt8>, _ value: UInt8) -> Int { v.reduce(0) { $0 + ($1 == value ? 1 : 0) } }

    func testNewVesselsRegressAtTheRateAndDermisVesselsStay() throws {
        // 0.3 /d for 2.5 days (60 hourly draws at steps 0, 30, ..., 1770): survival exp(-0.75).
        var (stepper, pop, fields, vessel) = try vessels(rate: 0.3 / 1440)
        defer { vessel.deallocate() }
        let n = Double(count(vessel, 2 + CellKind.endothelial.rawValue)), mature = count(vessel, 1)
        for step in 0..<1800 { stepper.step(&pop, fields: fields, step: step, threads: 1) }
        let p = exp(-0.75), sd = (n * p * (1 - p)).squareRoot()
        XCTAssertEqual(Double(count(vessel, 2 + CellKind.endothelial.rawValue)), n * p, accuracy: 4 * sd, "new vessels left of \(Int(n))")
        XCTAssertEqual(count(vessel, 1), mature, "the dermis's own vessels never regress")
        XCTAssertEqual(count(vessel, 0) + count(vessel, 1) + count(vessel, 2 + CellKind.endothelial.rawValue), vessel.count)
    }

    func testVEGFProtectsAndTheDrawIsTheSameAtAnyThreadCount() throws {
        // max_fold 0 with EC50 10 ng/mL: at 90 ng/mL the rate is a tenth of basal. 1 /d for 2.5 d:
        // exp(-2.5) survive without VEGF, exp(-0.25) with it.
        let survival = Response(factor: 0, ec50: 10, maxFold: 0)
        var (s1, p1, f1, bare) = try vessels(rate: 1.0 / 1440, survival: survival, level: 0)
        var (s2, p2, f2, held) = try vessels(rate: 1.0 / 1440, survival: survival, level: 90)
        var (s3, p3, f3, held2) = try vessels(rate: 1.0 / 1440, survival: survival, level: 90)
        defer { bare.deallocate(); held.deallocate(); held2.deallocate() }
        let n = Double(bare.count / 2)
        for step in 0..<1800 {
            s1.step(&p1, fields: f1, step: step, threads: 1)
            s2.step(&p2, fields: f2, step: step, threads: 1)
            s3.step(&p3, fields: f3, step: step, threads: 2)
        }
        let k = CellKind.endothelial.rawValue + 2
        XCTAssertEqual(Double(count(bare, k)) / n, exp(-2.5), accuracy: 0.02)
        XCTAssertEqual(Double(count(held, k)) / n, exp(-0.25), accuracy: 0.02)
        XCTAssertTrue(held.elementsEqual(held2), "the regression draw depends on the thread count")
    }

    func testATrailMarksNewSitesAndKeepsTheDermisVessels() throws {
        // Endothelial cells hopping freely over a lattice whose left half is dermis vessel.
        let l = try Lattice(nx: 64, ny: 64, spacing: 20)
        var p = KindParameters(kind: .endothelial, motility: .init(basal: 0.2), activationRequired: false)
        p.leavesVesselTrail = true
        let stepper = try CellStepper(lattice: l, parameters: [p], dt: 2, seed: 3, factorCount: 0)
        let vessel = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: l.count)
        defer { vessel.deallocate() }
        for s in 0..<l.count { vessel[s] = s % 64 < 32 ? 1 : 0 }
        stepper.vessel = vessel.baseAddress
        var pop = CellPopulation(lattice: l)
        for s in stride(from: 0, to: l.count, by: 7) { pop.add(.endothelial, at: s) }
        for step in 0..<300 { stepper.step(&pop, fields: nil, step: step, threads: 1) }
        let k = 2 + CellKind.endothelial.rawValue
        XCTAssertGreaterThan(count(vessel, k), 100, "the cells left trails")
        for s in 0..<l.count {
            if s % 64 < 32 { XCTAssertEqual(vessel[s], 1, "a trail overwrote a dermis vessel at \(s)") } else { XCTAssertNotEqual(vessel[s], 1) }
        }
    }

    func testRegressionNeedsATrailAndRoundTrips() throws {
        let sets = ["lattice.size=[60, 60]", "wound.diameter=\"0.6 mm\"",
                    "cells.endothelial.vessel_regression={rate: \"0.15 /d\", source: \"probe\"}",
                    "cells.endothelial.responses=[{behaviour: vessel_regression, factor: VEGF, ec50: \"10 ng/mL\", max_fold: 0}]"]
        do {
            _ = try World(ScenarioLoader.load("excisional-wound-control", sets: sets + ["cells.endothelial.vessel_trail=false"]).scenario.model)
            XCTFail("a regression without a trail was accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("cells.endothelial.vessel_regression"), "\(error)")
        }
        let s = try ScenarioLoader.load("excisional-wound-control", sets: sets).scenario
        let text = ScenarioWriter.yaml(s)
        XCTAssertTrue(text.contains("vessel_regression: {rate:"), text)
        XCTAssertTrue(text.contains("behaviour: vessel_regression"), text)
        let back = try ScenarioLoader.reloaded(text, name: "regression")
        XCTAssertEqual(back.cells.map(\.parameters), s.model.cells.map(\.parameters))
        XCTAssertGreaterThan(back.cells.first(where: { $0.parameters.kind == .endothelial })!.parameters.vesselRegression.basal, 0)
    }
}
