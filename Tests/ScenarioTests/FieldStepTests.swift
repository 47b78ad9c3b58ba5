import Fields
import Foundation
import Run
import Scenario
import SimCore
import Simulation
import XCTest

/// `time.field_dt`: the fields (uptake, secretion, the medium and the release, decay and
/// diffusion) advance once every few cell steps, over the whole interval. These tests pin what it
/// must keep: a field step equal to dt is the default bit for bit; amounts of every cell step of
/// an interval reach the fields (a bolus at step 0 among them); a run stopped in the middle of an
/// interval resumes exactly; and a field step that is not a multiple of dt is refused. (Thread
/// invariance and the active set are checked on the bundled 3-D wound, which uses it, by
/// ThreadInvarianceTests and ActiveSetTests.)
final class FieldStepTests: XCTestCase {
    /// The treated clot-and-macrophage wound, small, with the given extra settings.
    private func world(_ sets: [String]) throws -> World {
        let name = "excisional-wound-inflammation-asc-cm"
        let scenario = try ScenarioLoader.load(name, sets: ["lattice.size=[160, 160]"] + ScenarioLoader.shrunk(name) + sets).scenario
        return try World(scenario.model)
    }

    func testAFieldStepOfDtIsTheDefaultBitForBit() throws {
        let plain = try world([]), explicit = try world(["time.field_dt=\"2 min\""])
        XCTAssertEqual(explicit.config.fieldSteps, 1)
        for _ in 0..<40 { plain.advance(threads: 1); explicit.advance(threads: 1) }
        XCTAssertEqual(plain.encodeState(), explicit.encodeState())
    }

    func testEveryCellStepsAmountsReachTheFields() throws {
        // Every step: the terms of steps 0 and 1 (the bolus at 0, the clot's release at both).
        let every = try world([])
        every.advance(threads: 1)
        let first = every.terms.amount
        every.advance(threads: 1)
        // The second step's amount is scaled up by one step's decay: the solver decays the
        // interval's sum over both steps.
        let expected = (0..<first.count).map { f in first[f] + every.terms.amount[f] * exp(every.config.factors[f].decay * every.config.dt) }
        XCTAssertTrue(expected.contains { $0 > 0 })
        // Every second step: nothing moves in the fields at step 0; step 1 adds both steps' amounts.
        let paired = try world(["time.field_dt=\"4 min\""])
        XCTAssertEqual(paired.config.fieldSteps, 2)
        // (Quasi-steady factors are solved on their own clock.)
        let stepped = (0..<paired.fields.factorCount).filter { paired.config.factors[$0].quasiSteady == nil }
        let before = stepped.map { paired.fields.values($0) }
        paired.advance(threads: 1)
        XCTAssertEqual(stepped.map { paired.fields.values($0) }, before, "fields moved between field steps")
        paired.advance(threads: 1)
        XCTAssertEqual(paired.terms.amount, expected)
    }

    func testAStopInsideAFieldIntervalResumesExactly() throws {
        let sets = ["time.field_dt=\"6 min\""]
        let straight = try world(sets), stopped = try world(sets)
        for _ in 0..<100 { straight.advance(threads: 2); stopped.advance(threads: 1) }
        // Step 100 is inside an interval of 3 steps (99..101 end at 101).
        XCTAssertNotEqual(stopped.step % 3, 0)
        let resumed = try world(sets)
        try resumed.restoreState(stopped.encodeState())
        for _ in 0..<50 { straight.advance(threads: 2); resumed.advance(threads: 2) }
        XCTAssertEqual(resumed.encodeState(), straight.encodeState())
    }

    func testAFieldStepThatIsNotAMultipleOfDtIsRefused() {
        for bad in ["3 min", "1 min", "2.5 min"] {
            XCTAssertThrowsError(try world(["time.field_dt=\"\(bad)\""]), bad) { error in
                XCTAssertTrue("\(error)".contains("time.field_dt"), "\(error)")
            }
        }
        // Outputs and checkpoints must fall at the end of a field step.
        XCTAssertThrowsError(try world(["time.field_dt=\"6 min\"", "time.output_every=\"10 min\""])) { error in
            XCTAssertTrue("\(error)".contains("time.output_every"), "\(error)")
        }
        XCTAssertThrowsError(try world(["time.field_dt=\"4 min\"", "time.checkpoint_every=\"2 min\""]))
        XCTAssertNoThrow(try world(["time.field_dt=\"4 min\"", "time.output_every=\"1 h\"", "time.snapshot_every=\"12 h\""]))
    }

    func testTheResolvedScenarioKeepsTheFieldStep() throws {
        let name = "excisional-wound-3d"
        let loaded = try ScenarioLoader.load(name)
        XCTAssertGreaterThan(loaded.scenario.model.fieldSteps, 1, "the 3-D wound steps its fields every few cell steps")
        let text = ScenarioWriter.yaml(loaded.scenario)
        XCTAssertTrue(text.contains("field_dt:"), text)
    }
}
