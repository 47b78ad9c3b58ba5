import Artifacts
import Cells
import Foundation
import Run
import Scenario
import SimCore
import Simulation
import XCTest

/// Macrophages (issue 13): recruitment from vessel sites, the one-way switch to the pro-repair
/// state, and the second state's secretion, each against its exact expectation; the state they
/// add is bit-identical at any thread count, with the active set on or off, and across a
/// checkpoint.
final class MacrophageTests: XCTestCase {
    /// A small wound whose only cells are macrophages that neither move nor die: every count
    /// below is a sum of independent Bernoulli draws.
    private func model(_ macrophage: String, extra: [String] = []) throws -> ModelConfig {
        try ScenarioLoader.load("excisional-wound-control", sets: [
            "lattice.size=[60, 60]", "wound.diameter=\"0.6 mm\"", "injury=~",
            "cells.keratinocyte.density=0", "cells.fibroblast.density=0", "cells.endothelial.density=0",
            "cells.macrophage=\(macrophage)",
        ] + extra).scenario.model
    }

    private func vesselSites(_ w: World) -> Int { w.vessel.reduce(0) { $0 + Int($1) } }

    /// Recruits per vessel site per step are Bernoulli(rate dt); with at most five places per
    /// vessel site (itself and four neighbours, the vessel sites far apart) every draw finds room
    /// when the expected number per site stays small. A factor at the vessel site multiplies the
    /// rate by 1 + (max_fold - 1) c / (EC50 + c).
    func testRecruitsArriveAtTheRateOfEveryVesselSiteAndTheFactorScalesIt() throws {
        for (extra, fold) in [([String](), 1.0), (["factors.EGF.initial=\"1 ng/mL\"", "factors.EGF.decay=\"0 /min\""], 1 + 9 * 1.0 / (0.5 + 1))] {
            // About one recruit per vessel site expected in either case.
            let steps = Int((720 / fold).rounded())
            let m = try model("{density: 0, recruitment: {rate: \"0.05 /h\"}, responses: [{behaviour: recruitment, factor: EGF, ec50: \"0.5 ng/mL\", max_fold: 10}]}",
                              extra: extra)
            let w = try World(m)
            let nv = vesselSites(w)
            XCTAssertGreaterThan(nv, 50)
            for _ in 0..<steps { w.advance(threads: 1) }
            let p = 0.05 / 60 * fold * m.dt
            let expected = Double(nv * steps) * p
            let sd = (expected * (1 - p)).squareRoot()
            XCTAssertLessThan(expected / Double(nv), 1.5, "few enough per vessel site that each finds room")
            let count = w.cells.count
            XCTAssertEqual(Double(count), expected, accuracy: 4 * sd, "\(count) recruits, expected \(expected) +- \(sd) (fold \(fold))")
            for c in 0..<count { XCTAssertEqual(CellKind(rawValue: w.cells.kind[c]), .macrophage) }
            // Every recruit sits on a vessel site or next to one, in its first state.
            let nx = w.lattice.nx
            for c in 0..<count {
                let s = Int(w.cells.site[c])
                let near = [s, s - 1, s + 1, s - nx, s + nx].contains { $0 >= 0 && $0 < w.lattice.count && w.vessel[$0] != 0 }
                XCTAssertTrue(near, "a recruit at site \(s) is not at a vessel")
                XCTAssertEqual(w.cells.flags[c] & CellFlags.repair.rawValue, 0)
            }
            XCTAssertEqual(w.observation().macrophages?.total, count)
        }
    }

    /// The switch to the pro-repair state is one Bernoulli(k dt) draw per step for a cell in its
    /// first state: after n steps a fraction 1 - (1 - k dt)^n has switched. A factor scales k as
    /// any response does.
    func testTheSwitchToTheRepairStateFollowsItsRate() throws {
        let steps = 360
        for (extra, fold) in [([String](), 1.0), (["factors.HGF.initial=\"2 ng/mL\"", "factors.HGF.decay=\"0 /min\""], 1 + 3 * 2.0 / (1 + 2))] {
            let m = try model("{density: 0.5, polarization: {rate: \"0.1 /h\"}, responses: [{behaviour: polarization, factor: HGF, ec50: \"1 ng/mL\", max_fold: 4}]}",
                              extra: extra)
            let w = try World(m)
            let n = w.cells.count
            XCTAssertGreaterThan(n, 800)
            for _ in 0..<steps { w.advance(threads: 1) }
            let p = 1 - pow(1 - 0.1 / 60 * fold * m.dt, Double(steps))
            var switched = 0
            for c in 0..<n where w.cells.flags[c] & CellFlags.repair.rawValue != 0 { switched += 1 }
            let sd = (Double(n) * p * (1 - p)).squareRoot()
            XCTAssertEqual(Double(switched), Double(n) * p, accuracy: 4 * sd, "\(switched) of \(n) switched, expected \(Double(n) * p) (fold \(fold))")
            let counts = try XCTUnwrap(w.observation().macrophages)
            XCTAssertEqual(counts.repair, switched)
            XCTAssertEqual(counts.inflammatory, n - switched)
            // The share in the wound counts only cells on wound sites.
            var inWound = 0, repairInWound = 0
            for c in 0..<n {
                let r = w.regions.ids[Int(w.cells.site[c])]
                guard r == Tissue.woundBed || r == Tissue.woundSurface else { continue }
                inWound += 1
                if w.cells.flags[c] & CellFlags.repair.rawValue != 0 { repairInWound += 1 }
            }
            XCTAssertEqual(counts.inWound, inWound)
            XCTAssertEqual(counts.repairInWound, repairInWound)
            XCTAssertEqual(counts.inflammatoryShareInWound, inWound > 0 ? Double(inWound - repairInWound) / Double(inWound) : 0)
        }
    }

    /// The share in the wound is the first-state fraction of the wound's macrophages, 0 without any.
    func testTheInflammatoryShareInTheWound() {
        XCTAssertEqual(MacrophageCounts(total: 10, repair: 4, inWound: 5, repairInWound: 2).inflammatoryShareInWound, 0.6)
        XCTAssertEqual(MacrophageCounts(total: 10, repair: 4, inWound: 0, repairInWound: 0).inflammatoryShareInWound, 0)
        XCTAssertEqual(MacrophageCounts(total: 3, repair: 3, inWound: 3, repairInWound: 3).inflammatoryShareInWound, 0)
    }

    /// `polarization.after`: a cell draws its switch only once it is that old (cells present at
    /// the start are born at time 0). With 1 h and dt 2 min, none switches in steps 0-29 (ages up
    /// to 58 min); in step 30 (age 60 min) each switches with probability rate x dt.
    func testTheSwitchWaitsUntilTheCellIsOldEnough() throws {
        let m = try model("{density: 0.5, polarization: {rate: \"0.25 /min\", after: \"1 h\"}}")
        XCTAssertEqual(m.dt, 2)
        let w = try World(m)
        let n = w.cells.count
        XCTAssertGreaterThan(n, 800)
        func switched() -> Int { (0..<w.cells.count).filter { w.cells.flags[$0] & CellFlags.repair.rawValue != 0 }.count }
        for _ in 0..<30 { w.advance(threads: 1) }
        XCTAssertEqual(switched(), 0, "no cell younger than 1 h switches")
        w.advance(threads: 1)
        let p = 0.25 * m.dt
        let sd = (Double(n) * p * (1 - p)).squareRoot()
        XCTAssertEqual(Double(switched()), Double(n) * p, accuracy: 4 * sd)
        // The resolved scenario keeps the delay.
        let scenario = try ScenarioLoader.load("excisional-wound-control", sets: [
            "cells.macrophage={density: 0.5, polarization: {rate: \"0.25 /min\", after: \"1 h\"}}"]).scenario
        let text = ScenarioWriter.yaml(scenario)
        XCTAssertTrue(text.contains("after: \"60 min\""), text)
        let back = try ScenarioLoader.reloaded(text, name: "after")
        XCTAssertEqual(back.cells.first { $0.parameters.kind == .macrophage }?.parameters.polarizationAfter, 60)
        XCTAssertEqual(back, scenario.model)
        // Without a switch rate the delay is still written back.
        let idle = try ScenarioLoader.load("excisional-wound-control", sets: [
            "cells.macrophage={density: 0.5, polarization: {rate: \"0 /min\", after: \"1 h\"}}"]).scenario
        XCTAssertEqual(try ScenarioLoader.reloaded(ScenarioWriter.yaml(idle), name: "idle"), idle.model)
    }

    /// A cell in its second state secretes the second list instead of the first: with every cell
    /// switched in the first step, no decay and no-flux faces, the field holds exactly the
    /// second list's secretion and none of the first's.
    func testTheRepairStateSecretesItsOwnList() throws {
        let m = try model("{density: 0.3, polarization: {rate: \"0.5 /min\", secretion: [{factor: VEGF, rate: \"0.06 ng/mL/h\"}]}, secretion: [{factor: EGF, rate: \"0.06 ng/mL/h\", only_when_migratory: false}]}",
                          extra: ["factors.VEGF.decay=\"0 /min\"", "factors.EGF.decay=\"0 /min\""])
        let w = try World(m)
        let n = w.cells.count
        let vegf = m.factors.firstIndex { $0.name == "VEGF" }!, egf = m.factors.firstIndex { $0.name == "EGF" }!
        let steps = 30
        for _ in 0..<steps { w.advance(threads: 1) }
        func total(_ f: Int) -> Double { w.fields.buffer(f).reduce(0, +) }
        XCTAssertEqual(w.observation().macrophages?.repair, n, "rate x dt = 1: every cell switches in its first step")
        XCTAssertEqual(total(vegf), Double(n * steps) * 0.001 * m.dt, accuracy: 1e-9 * Double(n * steps))
        XCTAssertEqual(total(egf), 0, accuracy: 1e-12)
    }

    /// Recruitment, the switch, death and movement together: the same bytes at 1 and 2 threads,
    /// with the active set on and off, and after a checkpoint's round trip.
    func testMacrophageStateIsBitIdenticalAcrossThreadsActiveSetAndCheckpoints() throws {
        let spec = "{density: 0.01, migration: {hop_rate: \"0.05 /min\", requires_activation: false}, apoptosis: {rate: \"0.5 /d\"}, recruitment: {rate: \"0.01 /h\"}, polarization: {rate: \"1 /d\", after: \"2 h\", secretion: [{factor: VEGF, rate: \"0.01 ng/mL/h\"}]}, secretion: [{factor: EGF, rate: \"0.01 ng/mL/h\", only_when_migratory: false}], responses: [{behaviour: recruitment, factor: EGF, ec50: \"0.2 ng/mL\", max_fold: 10}, {behaviour: polarization, factor: VEGF, ec50: \"0.5 ng/mL\", max_fold: 3}]}"
        let m = try ScenarioLoader.load("excisional-wound-control", sets: ["lattice.size=[160, 128]", "wound.diameter=\"1.5 mm\"", "cells.macrophage=\(spec)"]).scenario.model
        let a = try World(m), b = try World(m), c = try World(m)
        c.stepper.activeSet = false
        var resumed: World?
        for step in 1...720 {
            a.advance(threads: 1); b.advance(threads: 2); c.advance(threads: 1)
            resumed?.advance(threads: 2)
            // Mid-hour (the apoptosis draw runs every 30 steps): the resumed world keeps the schedule.
            if step == 317 {
                let r = try World(m)
                try r.restoreState(a.encodeState())
                resumed = r
            }
        }
        let expected = a.encodeState()
        XCTAssertGreaterThan(a.observation().macrophages?.repair ?? 0, 20)
        XCTAssertGreaterThan(a.stepper.skippedTiles, 0)
        XCTAssertEqual(b.encodeState(), expected, "2 threads")
        XCTAssertEqual(c.encodeState(), expected, "active set off")
        XCTAssertEqual(resumed?.encodeState(), expected, "restored at step 300")
        // Each switched cell had spent at least `after` (2 h) since its arrival: recruits count
        // from their recruitment step (their `cycle`), the cells present at the start from 0.
        let now = 720 * m.dt
        var recruitsSwitched = 0
        for c in 0..<a.cells.count where a.cells.kind[c] == CellKind.macrophage.rawValue && a.cells.flags[c] & CellFlags.repair.rawValue != 0 {
            XCTAssertGreaterThanOrEqual(now - Double(a.cells.cycle[c]), 120)
            if a.cells.cycle[c] > 0 { recruitsSwitched += 1 }
        }
        XCTAssertGreaterThan(recruitsSwitched, 0, "some recruits switched")
    }

    /// The clot releases its amount first-order: with no decay and no-flux faces, the wound's
    /// factor after time t holds amount x (1 - 2^(-t / half-life)) per wound site; a factor with
    /// its own half-life (`half_lives`) follows that one.
    func testTheClotReleasesItsAmountFirstOrder() throws {
        let m = try model("{density: 0}", extra: ["clot={amounts: {VEGF: \"2 ng/mL\", HGF: \"3 ng/mL\"}, half_life: \"6 h\", half_lives: {HGF: \"2 d\"}}",
                                                   "factors.VEGF.decay=\"0 /min\"", "factors.HGF.decay=\"0 /min\""])
        XCTAssertEqual(m.clotHalfLife, 360)
        let w = try World(m)
        let vegf = m.factors.firstIndex { $0.name == "VEGF" }!, hgf = m.factors.firstIndex { $0.name == "HGF" }!
        XCTAssertEqual(m.clotHalfLife(of: vegf), 360)
        XCTAssertEqual(m.clotHalfLife(of: hgf), 2880)
        for steps in [180, 360] {
            while w.step < steps { w.advance(threads: 1) }
            let t = Double(steps) * m.dt
            for (f, amount, halfLife) in [(vegf, 2.0, 360.0), (hgf, 3.0, 2880.0)] {
                let expected = amount * Double(w.woundSites.count) * (1 - pow(2, -t / halfLife))
                XCTAssertEqual(w.fields.buffer(f).reduce(0, +), expected, accuracy: 1e-9 * expected, "factor \(f) after \(t) min")
            }
        }
        // The scenario file round-trips (own half-lives included), and a dish refuses a clot.
        let text = try ScenarioLoader.load("excisional-wound-inflammation-control").scenario
        XCTAssertTrue(ScenarioWriter.yaml(text).contains("half_lives: {CCL2: \"2880 min\"}"))
        XCTAssertThrowsError(try ScenarioLoader.load("scratch-assay", sets: ["clot={amounts: {EGF: \"1 ng/mL\"}, half_life: \"6 h\"}"]))
    }

    /// A secretion entry's own responses scale its rate as a behaviour's do: with the modulating
    /// factor uniform and neither factor decaying, the secreted total after N steps is
    /// cells x N dt x basal x (1 + (max_fold - 1) c / (EC50 + c)), in either state's list.
    func testASecretionEntrysResponsesScaleItsRate() throws {
        for (polarized, fold) in [(false, 4.0), (true, 0.25)] {
            let entry = "{factor: VEGF, rate: \"0.6 ng/mL/h\", responses: [{factor: EGF, ec50: \"0.5 ng/mL\", max_fold: \(fold)}]}"
            let macrophage = polarized
                ? "{density: 0.01, polarization: {rate: \"0.5 /min\", secretion: [\(entry)]}, secretion: [{factor: HGF, rate: \"0.6 ng/mL/h\", only_when_migratory: false}]}"
                : "{density: 0.01, secretion: [\(entry.dropLast()), only_when_migratory: false}]}"
            let m = try model(macrophage, extra: ["factors.EGF.initial=\"1 ng/mL\"", "factors.EGF.decay=\"0 /min\"", "factors.VEGF.decay=\"0 /min\""])
            let w = try World(m)
            let vegf = m.factors.firstIndex { $0.name == "VEGF" }!
            // At 0.5 /min and dt 2 min every cell switches in its first step; count from the second.
            w.advance(threads: 1)
            let before = w.fields.buffer(vegf).reduce(0, +)
            let steps = 50
            for _ in 0..<steps { w.advance(threads: 1) }
            let cells = w.cells.count
            XCTAssertGreaterThan(cells, 10)
            let expected = Double(cells) * Double(steps) * m.dt * (0.6 / 60) * (1 + (fold - 1) * 1 / (0.5 + 1))
            XCTAssertEqual(w.fields.buffer(vegf).reduce(0, +) - before, expected, accuracy: 1e-9 * expected, "polarized \(polarized)")
        }
    }

    /// Scenarios without macrophages report none: no columns, no counts, no legend entries.
    func testScenariosWithoutMacrophagesKeepTheirOutputs() throws {
        let m = try ScenarioLoader.load("excisional-wound-control", sets: ["lattice.size=[40, 40]", "wound.diameter=\"0.4 mm\""]).scenario.model
        let w = try World(m)
        XCTAssertFalse(w.hasMacrophages)
        XCTAssertNil(w.observation().macrophages)
        XCTAssertFalse(Formats.timeseriesCSV([w.observation()], factorNames: m.factors.map(\.name)).contains("macrophage"))
    }
}

/// Matrix inhibition of division (`cells.KIND.proliferation.matrix_inhibition`, issue 14): a
/// daughter drawn onto a site whose collagen is c is refused with probability gate x c.
final class MatrixInhibitionTests: XCTestCase {
    /// Fibroblasts that neither move nor die, activated from the start, in intact dermis (collagen 1)
    /// around a small wound bed (collagen 0): returns the births onto intact sites and onto the bed.
    private func births(gate: Double, steps: Int = 240) throws -> (intact: Int, bed: Int) {
        let m = try ScenarioLoader.load("excisional-wound-control", sets: [
            "lattice.size=[60, 60]", "wound.diameter=\"0.6 mm\"", "injury=~",
            "cells.keratinocyte.density=0", "cells.endothelial.density=0", "cells.fibroblast.density=0.1",
            "cells.fibroblast.migration.requires_activation=false", "cells.fibroblast.migration.speed=\"0 um/h\"",
            "cells.fibroblast.proliferation={doubling: \"2 h\", matrix_inhibition: \(gate)}",
        ]).scenario.model
        let w = try World(m)
        func count() -> (Int, Int) {
            var intact = 0, bed = 0
            for c in 0..<w.cells.count { if w.collagen[Int(w.cells.site[c])] >= 1 { intact += 1 } else { bed += 1 } }
            return (intact, bed)
        }
        let before = count()
        XCTAssertGreaterThan(before.0, 200)
        for _ in 0..<steps { w.advance(threads: 1) }
        let after = count()
        return (after.0 - before.0, after.1 - before.1)
    }

    func testMatureMatrixRefusesDaughtersInProportion() throws {
        let open = try births(gate: 0), half = try births(gate: 0.5), closed = try births(gate: 1)
        XCTAssertGreaterThan(open.intact, 400, "\(open)")
        // Gate 1: not one daughter in intact dermis; the wound bed still fills from its margin.
        XCTAssertEqual(closed.intact, 0)
        XCTAssertGreaterThan(closed.bed, 0)
        // Gate 0.5: about half the divisions into intact dermis (counts are Poisson-like; the
        // ratio's sd is about 0.5 sqrt(1/n_half + 1/n_open)).
        let ratio = Double(half.intact) / Double(open.intact)
        let sd = 0.5 * (1 / Double(half.intact) + 1 / Double(open.intact)).squareRoot()
        XCTAssertEqual(ratio, 0.5, accuracy: 4 * sd, "\(half.intact) of \(open.intact)")
    }

    func testTheGateIsCheckedAndRoundTrips() throws {
        XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-control", sets: ["cells.fibroblast.proliferation.matrix_inhibition=1.5"]))
        let s = try ScenarioLoader.load("excisional-wound-inflammation-control").scenario
        let text = ScenarioWriter.yaml(s)
        XCTAssertTrue(text.contains("matrix_inhibition: 1"), text)
        let back = try ScenarioLoader.reloaded(text, name: "matrix")
        func gate(_ k: CellKind) -> Double? { back.cells.first { $0.parameters.kind == k }?.parameters.matrixInhibition }
        XCTAssertEqual(gate(.fibroblast), 1)
        XCTAssertEqual(gate(.endothelial), 1)
        XCTAssertEqual(gate(.keratinocyte), 0)
    }
}
