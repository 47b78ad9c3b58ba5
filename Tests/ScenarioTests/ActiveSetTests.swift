import Cells
import Foundation
import Run
import Scenario
import SimCore
import Simulation
import XCTest

/// The cell step's active set skips tiles whose cells would do nothing; it must change no bit.
/// Each bundled scenario (one of each set of mechanisms: `ScenarioLoader.bundledMechanisms`) runs two days on a smaller lattice with the active set on and off, at 1
/// and 2 threads, and the whole state (fields, cells, collagen, vessels) must agree every 90
/// steps (compared by a hash of the encoded state; the two one-thread worlds run side by side,
/// which uses both cores better than one world at two threads and changes no bit). The test also asserts that the active set skipped a real share of the tile visits (a
/// 3 % in these small wounds, 1 % in the 3-D one and in the busier fibroblast scratches; 6 %, 1.65 % and 3 % were measured), so that it cannot pass by never
/// skipping where skipping is possible.
final class ActiveSetTests: XCTestCase {
    private func world(_ name: String, activeSet: Bool) throws -> World {
        var scenario = try ScenarioLoader.load(name, sets: ["lattice.size=[192, 160]"] + ScenarioLoader.shrunk(name)).scenario
        scenario.model.duration = 2 * 24 * 60
        let w = try World(scenario.model)
        w.stepper.activeSet = activeSet
        return w
    }

    func testSkippingQuietTilesChangesNoBitInAnyBundledScenario() throws {
        for name in ScenarioLoader.bundledMechanisms {
            let reference = try world(name, activeSet: false)
            let skipping = try world(name, activeSet: true)
            let skipping2 = try world(name, activeSet: true)
            let steps = Int((reference.config.duration / reference.config.dt).rounded())
            // The two one-thread worlds side by side; then the second skipping world alone, so
            // that its two threads are two workers (a parallel pass nested in another one's
            // worker may run on one thread).
            let states = try stateHashes([(reference, 1), (skipping, 1)], steps: steps) + stateHashes([(skipping2, 2)], steps: steps)
            if let step = firstDifference(states[0], states[1], steps: steps) {
                XCTFail("\(name): the active set changed the state by step \(step)")
            }
            if let step = firstDifference(states[0], states[2], steps: steps) {
                XCTFail("\(name): the active set at 2 threads changed the state by step \(step)")
            }
            XCTAssertEqual(reference.stepper.skippedTiles, 0)
            let visits = Double(skipping.stepper.tiles.count * skipping.lattice.nz * steps)
            let share = Double(skipping.stepper.skippedTiles) / visits
            // A wound leaves intact skin quiet; a fibroblast scratch's sheet is busy everywhere, but
            // not always. Nothing can be skipped where every cell follows a signal present
            // everywhere (graded activation in the keratinocyte scratch: the cells' own EGF) or
            // every cell has room to move (the sparse proliferation assay).
            // The 3-D wound's bed fills with cells that stay busy (residence clocks) at every depth: 1.65 % measured.
            // The neutrophil priors skip 0.6-0.7 % (measured 2026-12-07): their keratinocytes start
            // after 1 h instead of 24 h, so more of the epidermis turns migratory for good, and
            // neutrophils enter at every vessel site and roam; which weighs more was not measured.
            let minimum = name.hasSuffix("-3d") ? 0.01 : name.hasSuffix("neutrophils") ? 0.003
                : name.hasPrefix("excisional") ? 0.03 : name.hasPrefix("fibroblast") ? 0.01 : 0
            if minimum > 0 { XCTAssertGreaterThan(share, minimum, "\(name): the active set skipped only \(share) of the tile visits") }
            XCTAssertEqual(skipping.stepper.skippedTiles, skipping2.stepper.skippedTiles, "\(name): skips depend on the thread count")
        }
    }

    func testARestoredWorldSkipsAsItGoesAndEndsIdentical() throws {
        // A world restored from a checkpoint starts with no tile known quiet; it must still end
        // with the bytes of the world that ran through.
        let through = try world("excisional-wound-asc-cm", activeSet: true)
        for _ in 0..<700 { through.advance(threads: 1) }
        let restored = try world("excisional-wound-asc-cm", activeSet: true)
        try restored.restoreState(through.encodeState())
        for _ in 0..<300 { through.advance(threads: 1); restored.advance(threads: 2) }
        XCTAssertEqual(restored.encodeState(), through.encodeState())
    }

    func testRestoringClearsTheMovedMarkOfOlderCheckpoints() throws {
        let l = try Lattice(nx: 8, ny: 8, spacing: 20)
        var pop = CellPopulation(lattice: l)
        XCTAssertNil(pop.restore(kind: [0, 1], flags: [0x81, 0x80], site: [3, 9], exposure: [0, 0], cycle: [0, 0],
                                 residence: [0, 0], id: [0, 1], nextID: 2))
        XCTAssertEqual(pop.flags, [0x01, 0x00], "bit 7 (a parity in older builds, 'moved' now) is cleared")
    }
}
