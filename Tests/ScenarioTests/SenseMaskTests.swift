import Cells
import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// A cell loads only the factors its kind's rules read and that can be nonzero
/// (`CompiledKind.senseMask`); the other slots hold +0. That must change no bit: each bundled
/// scenario (one of each set of mechanisms) runs a day on a smaller lattice with the masks as
/// built and with every slot loaded, and the whole state must agree every 90 steps.
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
                leftOut += 8 - p.pointee.senseMask.nonzeroBitCount
                p.pointee.senseMask = .max
            }
            let steps = Int((masked.config.duration / masked.config.dt).rounded())
            for step in 1...steps {
                masked.advance(threads: 2)
                full.advance(threads: 1)
                if step % 90 == 0 || step == steps {
                    let same = masked.encodeState() == full.encodeState()
                    XCTAssertTrue(same, "\(name): loading every slot changed the state by step \(step)")
                    if !same { break }
                }
            }
        }
        XCTAssertGreaterThan(leftOut, 0, "no slot was left out, so the test compared nothing")
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
