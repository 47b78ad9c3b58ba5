import Cells
import Fields
import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// Sprouting angiogenesis as tip and stalk cells (issue 14, `KindParameters.sprouting`): tips are
/// selected on vessels with lateral inhibition, explore tissue without vessels and mark their
/// trail, do not divide and fuse on reaching another vessel; stalk cells move and divide only
/// along vessels. The step stays the same at any thread count.
final class SproutingTests: XCTestCase {
    private let tip = CellFlags.tip.rawValue

    /// Endothelial cells activated at once wherever VEGF is present (threshold 0, no lag), with
    /// the given hop and division rates [1/min], chemotaxis up VEGF and sprouting at `spacing` um
    /// with tips selected at `tipRate` [1/min] (10 /min: at once, but for 2e-9 per step).
    private func kind(move: Double, divide: Double, chi: Double = 0, spacing: Double = 60, tipRate: Double = 10) -> KindParameters {
        var p = KindParameters(kind: .endothelial, motility: .init(basal: move), chemotaxis: chi > 0 ? [(0, chi)] : [],
                               proliferation: .init(basal: divide),
                               activation: ActivationRule(factors: [0], threshold: 0, lag: 0))
        p.leavesVesselTrail = true
        p.revertsWhenUnstimulated = true
        p.sprouting = Sprouting(tipSpacing: spacing, tipRate: tipRate)
        return p
    }

    /// A 96 x 96 lattice at 20 um (nine 32-site tiles) with dermis vessel lines at the given
    /// columns, an endothelial cell on every vessel site, and VEGF rising along x (1 + x / 10 ng/mL).
    private func world(_ p: KindParameters, lines: [Int], seed: UInt64 = 7) throws
        -> (CellStepper, CellPopulation, FieldSet, UnsafeMutableBufferPointer<UInt8>) {
        let l = try Lattice(nx: 96, ny: 96, spacing: 20)
        let fields = try FieldSet(lattice: l, names: ["VEGF"], initial: [0])
        for s in 0..<l.count { fields.buffer(0)[s] = 1 + Double(s % 96) / 10 }
        let stepper = try CellStepper(lattice: l, parameters: [p], dt: 2, seed: seed, factorCount: 1)
        let vessel = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: l.count)
        vessel.initialize(repeating: 0)
        var pop = CellPopulation(lattice: l)
        for x in lines { for y in 0..<96 { vessel[y * 96 + x] = 1; pop.add(.endothelial, at: y * 96 + x) } }
        stepper.vessel = vessel.baseAddress
        return (stepper, pop, fields, vessel)
    }

    private func chebyshev(_ a: Int, _ b: Int) -> Int { max(abs(a % 96 - b % 96), abs(a / 96 - b / 96)) }

    func testTipsAreSelectedWithLateralInhibition() throws {
        // Cells that neither move nor divide: after one step the tips on the line are more than R = 2
        // sites apart (60 um at 20 um), and every other cell has a tip within 2 sites (it would
        // otherwise have become one).
        let p = kind(move: 0, divide: 0)
        XCTAssertEqual(p.sprouting!.radius(spacing: 20), 2)
        XCTAssertEqual(p.sprouting!.radius(spacing: 40), 1)
        XCTAssertEqual(Sprouting(tipSpacing: 20, tipRate: 1).radius(spacing: 20), 1, "a tip always inhibits its neighbours")
        var (stepper, pop, fields, vessel) = try world(p, lines: [48])
        defer { vessel.deallocate() }
        stepper.step(&pop, fields: fields, step: 0, threads: 2)
        let tips = (0..<pop.count).filter { pop.flags[$0] & tip != 0 }.map { Int(pop.site[$0]) }
        XCTAssertGreaterThan(tips.count, 96 / 5, "tips were selected")
        XCTAssertLessThanOrEqual(tips.count, 96 / 3 + 1)
        for (i, a) in tips.enumerated() { for b in tips[(i + 1)...] { XCTAssertGreaterThan(chebyshev(a, b), 2, "tips at \(a) and \(b)") } }
        for c in 0..<pop.count where pop.flags[c] & tip == 0 {
            XCTAssertTrue(tips.contains { chebyshev($0, Int(pop.site[c])) <= 2 }, "a stalk cell at \(pop.site[c]) without a tip near it")
        }
    }

    func testStalkCellsStayOnVesselsAndTipsLeaveTrails() throws {
        var (stepper, pop, fields, vessel) = try world(kind(move: 0.2, divide: 0.01, chi: 2), lines: [20, 60])
        defer { vessel.deallocate() }
        let start = pop.count
        var sawTips = 0
        for step in 0..<600 {
            stepper.step(&pop, fields: fields, step: step, threads: 1)
            for c in 0..<pop.count where pop.flags[c] & tip == 0 {
                XCTAssertNotEqual(vessel[Int(pop.site[c])], 0, "a stalk cell off the vessels at step \(step)")
            }
            sawTips = max(sawTips, (0..<pop.count).filter { pop.flags[$0] & tip != 0 }.count)
        }
        let trail = vessel.filter { $0 == 2 + CellKind.endothelial.rawValue }.count
        XCTAssertGreaterThan(sawTips, 0)
        XCTAssertGreaterThan(trail, 50, "tips marked new vessel")
        XCTAssertGreaterThan(pop.count, start, "stalk cells divided along the sprouts")
        // Every new vessel site is connected (8-neighbour) to a dermis line through vessel sites.
        var reached = Set((0..<vessel.count).filter { vessel[$0] == 1 })
        var frontier = Array(reached)
        while let s = frontier.popLast() {
            for dy in -1...1 { for dx in -1...1 {
                let x = s % 96 + dx, y = s / 96 + dy
                guard x >= 0, x < 96, y >= 0, y < 96 else { continue }
                let q = y * 96 + x
                if vessel[q] != 0, reached.insert(q).inserted { frontier.append(q) }
            } }
        }
        XCTAssertEqual(reached.count, vessel.filter { $0 != 0 }.count, "a vessel site not connected to the network")
    }

    func testATipFusesWithTheNextVessel() throws {
        // One cell on a line at x = 10, VEGF rising steeply toward a second line at x = 20 (no cells
        // there): the tip walks up the gradient without dividing (though its kind divides fast) and
        // fuses beside the line, a stalk cell again, its site joined to the vessels. (Alone, it may
        // later be selected as a tip again.)
        let p = kind(move: 0.25, divide: 0.2, chi: 20)
        let l = try Lattice(nx: 32, ny: 32, spacing: 20)
        let fields = try FieldSet(lattice: l, names: ["VEGF"], initial: [0])
        for s in 0..<l.count { fields.buffer(0)[s] = 1 + Double(s % 32) / 10 }
        let stepper = try CellStepper(lattice: l, parameters: [p], dt: 2, seed: 11, factorCount: 1)
        let vessel = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: l.count)
        defer { vessel.deallocate() }
        vessel.initialize(repeating: 0)
        for y in 0..<32 { vessel[y * 32 + 10] = 1; vessel[y * 32 + 20] = 1 }
        stepper.vessel = vessel.baseAddress
        var pop = CellPopulation(lattice: l)
        pop.add(.endothelial, at: 16 * 32 + 10)
        var tipSteps = 0, fused: Int?
        for step in 0..<400 where fused == nil {
            let wasTip = pop.flags[0] & tip != 0
            stepper.step(&pop, fields: fields, step: step, threads: 1)
            if pop.flags[0] & tip != 0 {
                tipSteps += 1
                XCTAssertEqual(pop.count, 1, "a tip divided at step \(step)")
                XCTAssertTrue(vessel.allSatisfy { $0 <= 1 || $0 == CellStepper.blindVessel | (2 + CellKind.endothelial.rawValue) }, "a sprout carries blood before it fused")
                XCTAssertEqual(vessel[Int(pop.site[0])] == 0, step > 0 && Int(pop.site[0]) % 32 != 10, "a tip explores tissue without vessels")
            } else if wasTip {
                fused = Int(pop.site[0])
            }
        }
        XCTAssertGreaterThan(tipSteps, 9, "it walked as a tip")
        let site = try XCTUnwrap(fused, "the tip never fused")
        XCTAssertEqual(site % 32, 19, "it fused beside the second line")
        XCTAssertEqual(vessel[site], 2 + CellKind.endothelial.rawValue, "its site joined the vessels")
        let new = 2 + CellKind.endothelial.rawValue
        XCTAssertGreaterThan(vessel.filter { $0 == new }.count, 8, "the sprout carries blood")
        XCTAssertEqual(vessel.filter { $0 & CellStepper.blindVessel != 0 }.count, 0, "a blind site left in the fused sprout")
        XCTAssertTrue((0..<32).allSatisfy { vessel[$0 * 32 + 10] == 1 && vessel[$0 * 32 + 20] == 1 }, "the lines stay")
    }

    func testTheSameAtAnyThreadCount() throws {
        let p = kind(move: 0.2, divide: 0.01, chi: 2)
        var (s1, p1, f1, v1) = try world(p, lines: [20, 60])
        var (s2, p2, f2, v2) = try world(p, lines: [20, 60])
        defer { v1.deallocate(); v2.deallocate() }
        for step in 0..<300 {
            s1.step(&p1, fields: f1, step: step, threads: 1)
            s2.step(&p2, fields: f2, step: step, threads: 2)
        }
        XCTAssertEqual(p1.site, p2.site)
        XCTAssertEqual(p1.flags, p2.flags)
        XCTAssertTrue(v1.elementsEqual(v2))
    }

    func testOnlyPerfusedVesselsRecruit() throws {
        // Three vessel lines: the dermis's own (1), a perfused new one (2 + endothelial) and a blind
        // sprout (the blind bit on it): recruits from the blood enter at the first two only.
        let l = try Lattice(nx: 64, ny: 64, spacing: 20)
        var p = KindParameters(kind: .macrophage, activationRequired: false)
        p.recruitment = .init(basal: 0.01)
        let stepper = try CellStepper(lattice: l, parameters: [p], dt: 2, seed: 3, factorCount: 0)
        let vessel = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: l.count)
        defer { vessel.deallocate() }
        vessel.initialize(repeating: 0)
        let new = 2 + CellKind.endothelial.rawValue
        for y in 0..<64 { vessel[y * 64 + 10] = 1; vessel[y * 64 + 30] = new; vessel[y * 64 + 50] = CellStepper.blindVessel | new }
        stepper.vessel = vessel.baseAddress
        var pop = CellPopulation(lattice: l)
        for step in 0..<100 { stepper.step(&pop, fields: nil, step: step, threads: 1); stepper.recruit(&pop, fields: nil, step: step) }
        let xs = (0..<pop.count).map { Int(pop.site[$0]) % 64 }
        XCTAssertGreaterThan(xs.filter { abs($0 - 10) <= 1 }.count, 50, "recruits at the dermis vessel")
        XCTAssertGreaterThan(xs.filter { abs($0 - 30) <= 1 }.count, 50, "recruits at the perfused new vessel")
        XCTAssertEqual(xs.filter { abs($0 - 10) > 1 && abs($0 - 30) > 1 }.count, 0, "a recruit at the blind sprout or away from every vessel")
    }

    func testSproutingIsCheckedAndRoundTrips() throws {
        let base = ["lattice.size=[60, 60]", "wound.diameter=\"0.6 mm\""]
        do {
            _ = try World(ScenarioLoader.load("excisional-wound-control", sets: base + ["cells.endothelial.vessel_trail=false",
                "cells.endothelial.sprouting={tip_spacing: \"60 um\", tip_rate: \"0.25 /h\"}"]).scenario.model)
            XCTFail("sprouting without a trail was accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("cells.endothelial.sprouting"), "\(error)")
        }
        do {
            _ = try World(ScenarioLoader.load("excisional-wound-control", sets: base + ["cells.endothelial.sprouting={tip_spacing: \"1 mm\", tip_rate: \"0.25 /h\"}"]).scenario.model)
            XCTFail("a tip spacing of 50 sites was accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("tip_spacing"), "\(error)")
        }
        let s = try ScenarioLoader.load("excisional-wound-control", sets: base + ["cells.endothelial.sprouting={tip_spacing: \"60 um\", tip_rate: \"0.25 /h\", source: \"probe\"}"]).scenario
        let text = ScenarioWriter.yaml(s)
        XCTAssertTrue(text.contains("sprouting: {tip_spacing: \"60 um\", tip_rate: \"0.004166666666666667 /min\", source: \"probe\"}"), text)
        let back = try ScenarioLoader.reloaded(text, name: "sprouting")
        XCTAssertEqual(back.cells.map(\.parameters), s.model.cells.map(\.parameters))
        XCTAssertEqual(back.cells.first { $0.parameters.kind == .endothelial }!.parameters.sprouting?.tipSpacing, 60)
    }
}
