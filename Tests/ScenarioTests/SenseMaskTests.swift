import Cells
import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// A cell loads only the factors its kind's rules read and that can be nonzero
/// (`CompiledKind.senseMask`); the other slots hold +0. That must change no bit: each bundled
/// scenario (one of each set of mechanisms) runs a day on a smaller lattice with the masks as
/// built and with every slot that holds a factor loaded, and the whole state must agree every 90
/// steps. A factor is silent only while it is zero: an arm forked from a treated run's
/// checkpoint solves and reads the medium's factors it inherits.
final class SenseMaskTests: XCTestCase {
    private func world(_ name: String) throws -> World {
        var scenario = try ScenarioLoader.load(name, sets: ["lattice.size=[160, 128]"] + ScenarioLoader.shrunk(name)).scenario
        scenario.model.duration = 24 * 60
        return try World(scenario.model)
    }

    func testLoadingOnlyTheReadAndNonSilentFactorsChangesNoBit() throws {
        var leftOut = 0
        for name in ScenarioLoader.bundledMechanisms {
            let masked = try world(name)
            let full = try world(name)
            for k in 0..<full.stepper.parameters.count {
                let p = full.stepper.compiled + k
                // Every slot that holds a factor: all 8 of an identity kind, the listed ones of a remapped kind.
                let every = p.pointee.remapped ? UInt8(truncatingIfNeeded: (1 << p.pointee.sensedCount) - 1) : UInt8.max
                // Count only the slots the mask leaves out that hold a factor (a remapped kind's empty lanes are no test).
                let factors = p.pointee.remapped ? every : UInt8(truncatingIfNeeded: (1 << min(8, full.fields.factorCount)) - 1)
                leftOut += (factors & ~p.pointee.senseMask).nonzeroBitCount
                p.pointee.senseMask = every
            }
            let steps = Int((masked.config.duration / masked.config.dt).rounded())
            // Side by side, one thread each; states compared every 90 steps and at the end.
            let states = try stateHashes([(masked, 1), (full, 1)], steps: steps)
            if let step = firstDifference(states[0], states[1], steps: steps) {
                XCTFail("\(name): loading every slot changed the state by step \(step)")
            }
        }
        XCTAssertGreaterThan(leftOut, 0, "no slot was left out, so the test compared nothing")
    }

    func testAnArmForkedFromATreatedRunSolvesAndReadsTheFactorsItInherits() throws {
        // The control wound never supplies HGF or PGE2 (silent); forked from a checkpoint of the
        // treated wound it holds the medium's HGF, which must diffuse, decay and be sensed as in a
        // world where nothing is silent.
        let treated = try world("excisional-wound-inflammation-asc-cm")
        for _ in 0..<120 { treated.advance(threads: 2) }
        let state = treated.encodeState()
        let forked = try world("excisional-wound-inflammation-control")
        let names = forked.config.factors.map(\.name), hgf = names.firstIndex(of: "HGF")!
        XCTAssertTrue(forked.solver.silent[hgf], "HGF is silent in the untreated wound")
        try forked.restoreState(state)
        XCTAssertFalse(forked.solver.silent[hgf], "the restored HGF is not zero, so it is solved")
        let keratinocyte = forked.stepper.compiled[Int(CellKind.keratinocyte.rawValue)]
        XCTAssertNotEqual(keratinocyte.senseMask & UInt8(1 << hgf), 0, "and read again")
        let reference = try world("excisional-wound-inflammation-control")
        let none = [Bool](repeating: false, count: names.count)
        reference.solver.setSilent(none)
        reference.stepper.setSilentFactors(none)
        try reference.restoreState(state)
        for step in 1...180 {
            forked.advance(threads: 2)
            reference.advance(threads: 2)
            if step % 60 == 0 { XCTAssertEqual(forked.encodeState(), reference.encodeState(), "step \(step)") }
        }
    }

    func testSilentFactorsAndUnreadFactorsAreLeftOut() throws {
        // The untreated clot-and-macrophage wound: HGF and PGE2 have no source (silent); the
        // keratinocytes read EGF, HGF and TNF (and oxygen for their VEGF), not bFGF or VEGF.
        let w = try world("excisional-wound-inflammation-control")
        let names = w.config.factors.map(\.name)
        func slot(_ factor: String) -> Int { names.firstIndex(of: factor)! }
        let keratinocyte = w.stepper.compiled[Int(CellKind.keratinocyte.rawValue)]
        XCTAssertFalse(keratinocyte.remapped)
        XCTAssertNotEqual(keratinocyte.senseMask & UInt8(1 << slot("EGF")), 0, "EGF is read")
        XCTAssertNotEqual(keratinocyte.senseMask & UInt8(1 << slot("TNF")), 0, "TNF is read")
        XCTAssertEqual(keratinocyte.senseMask & UInt8(1 << slot("HGF")), 0, "HGF is silent in an untreated wound")
        XCTAssertEqual(keratinocyte.senseMask & UInt8(1 << slot("bFGF")), 0, "no keratinocyte rule reads bFGF")
        XCTAssertEqual(keratinocyte.senseMask & UInt8(1 << slot("VEGF")), 0, "no keratinocyte rule reads VEGF")
        // The macrophages read PGE2 (a factor past the eighth), so their slots are remapped; PGE2's is left out.
        let macrophage = w.stepper.compiled[Int(CellKind.macrophage.rawValue)]
        XCTAssertTrue(macrophage.remapped)
        for q in 0..<macrophage.sensedCount {
            let read = macrophage.senseMask & UInt8(1 << q) != 0
            XCTAssertEqual(read, names[Int(macrophage.sensed[q])] != "PGE2", "slot \(q) (\(names[Int(macrophage.sensed[q])]))")
        }
    }
}
