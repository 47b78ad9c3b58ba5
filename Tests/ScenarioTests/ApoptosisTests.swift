import Cells
import Fields
import Foundation
import SimCore
import Simulation
import XCTest

/// Apoptosis as a scheduled event (issue 14): cells die once an hour with probability
/// 1 - exp(-rate x 1 h), so survival follows exp(-rate t); a tissue whose cells cannot move or
/// divide stays quiet between the draws (the active set skips it) even though its cells can die;
/// a survival factor lowers the rate at the cell's site; the result is the same with the active set
/// on or off and at any thread count.
final class ApoptosisTests: XCTestCase {
    /// Fibroblasts on every site of a 96 x 96 monolayer that neither move nor divide, dying at
    /// `rate` [/min], with or without a response to factor 0 (held at `level` ng/mL everywhere).
    private func tissue(rate: Double, survival: Response? = nil, level: Double = 0, activeSet: Bool = true,
                        motility: Double = 0) throws -> (CellStepper, CellPopulation, FieldSet) {
        let l = try Lattice(nx: 96, ny: 96, spacing: 20)
        let fields = try FieldSet(lattice: l, names: ["S"], initial: [level])
        let p = KindParameters(kind: .fibroblast, motility: .init(basal: motility),
                               apoptosis: .init(basal: rate, responses: survival.map { [$0] } ?? []), activationRequired: false)
        var pop = CellPopulation(lattice: l)
        for s in 0..<l.count { pop.add(.fibroblast, at: s) }
        let stepper = try CellStepper(lattice: l, parameters: [p], dt: 2, seed: 7, factorCount: 1)
        stepper.activeSet = activeSet
        return (stepper, pop, fields)
    }

    func testSurvivalFollowsTheRateAndQuietTissueIsSkipped() throws {
        // 0.01 /h for 50 h: survival exp(-0.5) = 0.607; deaths are drawn at steps 0, 30, ..., 1470
        // (50 draws of one hour each).
        let rate = 0.01 / 60
        var (stepper, pop, fields) = try tissue(rate: rate)
        let n = Double(pop.count)
        for step in 0..<1500 { stepper.step(&pop, fields: fields, step: step, threads: 1) }
        let expected = n * exp(-0.5)
        let sd = (n * exp(-0.5) * (1 - exp(-0.5))).squareRoot()
        XCTAssertEqual(Double(pop.count), expected, accuracy: 4 * sd, "survivors of \(Int(n)) after 50 h")
        // The kind has neither a hop nor a division rate, so its cells never draw and every tile is
        // quiet between the hourly draws; only the draw's own step visits the tiles around its deaths.
        let visits = Double(stepper.tiles.count * 1500)
        XCTAssertGreaterThan(Double(stepper.skippedTiles) / visits, 0.9, "skipped \(stepper.skippedTiles) of \(Int(visits))")
        // The dead left their sites: the lattice's index agrees with the cells.
        var occupied = 0
        for s in 0..<pop.lattice.count where pop.cellAt[s] >= 0 {
            XCTAssertEqual(Int(pop.site[Int(pop.cellAt[s])]), s)
            occupied += 1
        }
        XCTAssertEqual(occupied, pop.count)
    }

    func testASurvivalFactorLowersTheRateAtTheSite() throws {
        // max_fold 0 with EC50 1 ng/mL: at 99 ng/mL the rate is 1 % of basal.
        let factor = Response(factor: 0, ec50: 1, maxFold: 0)
        var (s1, bare, f1) = try tissue(rate: 0.05 / 60, survival: factor, level: 0)
        var (s2, held, f2) = try tissue(rate: 0.05 / 60, survival: factor, level: 99)
        let n = Double(bare.count)
        for step in 0..<600 {
            s1.step(&bare, fields: f1, step: step, threads: 1)
            s2.step(&held, fields: f2, step: step, threads: 1)
        }
        // 20 h: exp(-1) survive without the factor, exp(-0.01) with it.
        XCTAssertEqual(Double(bare.count) / n, exp(-1), accuracy: 0.03)
        XCTAssertEqual(Double(held.count) / n, exp(-0.01), accuracy: 0.01)
    }

    func testOnlyDifferentiatedCellsDieWhenSoRestricted() throws {
        // Every other cell is a myofibroblast; with only_differentiated the others never die, and
        // the myofibroblasts follow exp(-rate t). 0.02 /h for 50 h: exp(-1).
        let l = try Lattice(nx: 96, ny: 96, spacing: 20)
        let fields = try FieldSet(lattice: l, names: ["S"], initial: [0])
        var p = KindParameters(kind: .fibroblast, apoptosis: .init(basal: 0.02 / 60), activationRequired: false)
        p.differentiationResidence = 1e9   // no cell differentiates during the test
        p.apoptosisOnlyDifferentiated = true
        var pop = CellPopulation(lattice: l)
        for s in 0..<l.count {
            pop.add(.fibroblast, at: s, flags: s % 2 == 0 ? .myofibroblast : [])
        }
        let half = Double(l.count / 2)
        let stepper = try CellStepper(lattice: l, parameters: [p], dt: 2, seed: 11, factorCount: 1)
        for step in 0..<1500 { stepper.step(&pop, fields: fields, step: step, threads: 1) }
        var plain = 0, myo = 0
        for c in 0..<pop.count {
            if pop.flags[c] & CellFlags.myofibroblast.rawValue != 0 { myo += 1 } else { plain += 1 }
        }
        XCTAssertEqual(plain, l.count / 2, "no fibroblast that has not differentiated dies")
        let sd = (half * exp(-1) * (1 - exp(-1))).squareRoot()
        XCTAssertEqual(Double(myo), half * exp(-1), accuracy: 4 * sd, "myofibroblasts left of \(Int(half)) after 50 h")
        // Restricting death to a kind that never differentiates is refused, naming the key.
        p.differentiationResidence = nil
        XCTAssertThrowsError(try p.validate(dt: 2, factorCount: 1)) { error in
            XCTAssertTrue("\(error)".contains("cells.fibroblast.apoptosis.only_differentiated"), "\(error)")
        }
    }

    func testTheSameCellsDieWithTheActiveSetOffAndAtAnyThreadCount() throws {
        // Cells that hop into the sites the dead leave: deaths and hops interleave.
        func run(activeSet: Bool, threads: Int) throws -> CellPopulation {
            var (stepper, pop, fields) = try tissue(rate: 0.02 / 60, activeSet: activeSet, motility: 0.01)
            for step in 0..<300 { stepper.step(&pop, fields: fields, step: step, threads: threads) }
            return pop
        }
        let reference = try run(activeSet: false, threads: 1)
        XCTAssertLessThan(reference.count, 96 * 96)
        for (activeSet, threads) in [(true, 1), (true, 2), (false, 3)] {
            let other = try run(activeSet: activeSet, threads: threads)
            XCTAssertEqual(other.id, reference.id, "active set \(activeSet), \(threads) threads")
            XCTAssertEqual(other.site, reference.site, "active set \(activeSet), \(threads) threads")
        }
    }
}
