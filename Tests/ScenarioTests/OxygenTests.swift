import Cells
import Fields
import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// Quasi-steady factors (oxygen, issue 14) in a world: the field the cells read solves its own
/// problem (vessels supply, decay and the cells' uptake remove) to the solver's tolerance, holds
/// between solves, and stays bit-identical at any thread count and across a checkpoint; a
/// response to a factor's lack follows its formula; misuse is refused with the key named.
final class OxygenTests: XCTestCase {
    /// Oxygen as the scenario gives it: 32 g/mol, blood 52 uM, solved hourly.
    static let oxygen = "factors.oxygen={diffusion: \"1e5 um^2/min\", decay: \"0.1 /min\", molar_mass: \"32 g/mol\", initial: \"40 uM\", boundary: no-flux, quasi_steady: {every: \"1 h\", vessel_exchange: \"100 /min\", blood: \"52 uM\", tolerance: 1e-7}}"

    private func model(_ extra: [String] = []) throws -> ModelConfig {
        try ScenarioLoader.load("excisional-wound-control", sets: [
            "lattice.size=[90, 70]", "wound.diameter=\"0.8 mm\"", "vessels.spacing=\"300 um\"", Self.oxygen,
            "cells.fibroblast.density=0.5",
            "cells.fibroblast.uptake=[{factor: bFGF, rate: \"0.06 /h\"}, {factor: oxygen, rate: \"3 /min\"}]",
            "cells.keratinocyte.uptake=[{factor: EGF, rate: \"0.06 /h\"}, {factor: oxygen, rate: \"1 /min\"}]",
            "cells.endothelial.uptake=[{factor: oxygen, rate: \"2 /min\"}]",
        ] + extra).scenario.model
    }

    /// The largest |D lap c - a c + b| over the sites, with a and b rebuilt from the world's cells
    /// and vessels and the 7-point stencil with closed faces written out here, relative to max b.
    private func relativeResidual(_ w: World, oxygen f: Int, uptake: [CellKind: Double]) -> Double {
        let L = w.lattice, h = L.spacing
        let c = w.fields.buffer(f)
        var worst = 0.0, bmax = 0.0
        for k in 0..<L.nz { for j in 0..<L.ny { for i in 0..<L.nx {
            let s = L.index(i, j, k)
            var a = 0.1, b = 0.0
            if w.vessel[s] != 0 { a += 100; b = 100 * 52 * 32 }
            let cell = Int(w.cells.cellAt[s])
            if cell >= 0, let kind = CellKind(rawValue: w.cells.kind[cell]) { a += uptake[kind] ?? 0 }
            var lap = 0.0
            for (di, dj, dk) in [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)] {
                let (ii, jj, kk) = (i + di, j + dj, k + dk)
                guard ii >= 0, ii < L.nx, jj >= 0, jj < L.ny, kk >= 0, kk < L.nz else { continue }
                lap += c[L.index(ii, jj, kk)] - c[s]
            }
            worst = max(worst, abs(1e5 * lap / (h * h) - a * c[s] + b))
            bmax = max(bmax, b)
        } } }
        return worst / bmax
    }

    func testTheFieldSolvesItsProblemAndHoldsBetweenSolves() throws {
        let m = try model()
        let w = try World(m)
        let f = try XCTUnwrap(m.factors.firstIndex { $0.name == "oxygen" })
        XCTAssertEqual(m.factors[f].initial, 40 * 32, accuracy: 1e-9, "40 uM of a 32 g/mol factor is 1,280 ng/mL")
        // The kinds' per-step uptake no longer lists oxygen: its uptake is a loss of the steady problem.
        for k in 0..<CellKind.allCases.count {
            let p = w.stepper.compiled[k]
            for u in 0..<p.uptakeCount { XCTAssertNotEqual(Int(p.uptakeFactor[u]), f) }
        }
        let uptake: [CellKind: Double] = [.fibroblast: 3, .keratinocyte: 1, .endothelial: 2]
        w.advance(threads: 1)
        XCTAssertLessThan(relativeResidual(w, oxygen: f, uptake: uptake), 1e-6)
        let solved = Array(w.fields.buffer(f))
        // Supplied only at vessels: every value positive, at most the blood's, vessel sites highest.
        let blood = 52.0 * 32
        XCTAssertTrue(solved.allSatisfy { $0 > 0 && $0 <= blood })
        var vesselMean = 0.0, vessels = 0, restMean = 0.0
        for s in 0..<w.lattice.count { if w.vessel[s] != 0 { vesselMean += solved[s]; vessels += 1 } else { restMean += solved[s] } }
        vesselMean /= Double(vessels); restMean /= Double(w.lattice.count - vessels)
        XCTAssertGreaterThan(vesselMean, 0.75 * blood, "the layer above and the lines' sides draw on a vessel site")
        XCTAssertLessThan(restMean, vesselMean)
        // A vessel site lost: the field holds for the rest of the hour (30 steps of 2 min) and
        // answers at the solve of step 30. (No cell moves in this first hour: every lag is longer.)
        let lost = try XCTUnwrap((0..<w.lattice.count).first { w.vessel[$0] != 0 })
        w.vessel[lost] = 0
        for _ in 1..<30 { w.advance(threads: 1) }
        XCTAssertEqual(Array(w.fields.buffer(f)), solved)
        w.advance(threads: 1)
        XCTAssertLessThan(w.fields.buffer(f)[lost], solved[lost], "the lost vessel site no longer supplies")
        XCTAssertLessThan(relativeResidual(w, oxygen: f, uptake: uptake), 1e-6)
        XCTAssertEqual(w.steadyUnconverged, 0)
    }

    /// Each kind's oxygen uptake is its own class of the steady problem, the fifth kind's
    /// (neutrophils) too: the residual vanishes with their own rate, not with another kind's.
    func testEveryKindTakesItsOwnOxygenUptake() throws {
        let m = try model(["cells.neutrophil={density: 0.05, uptake: [{factor: oxygen, rate: \"5 /min\"}]}"])
        let w = try World(m)
        let f = try XCTUnwrap(m.factors.firstIndex { $0.name == "oxygen" })
        XCTAssertGreaterThan((0..<w.cells.count).filter { w.cells.kind[$0] == CellKind.neutrophil.rawValue }.count, 100)
        w.advance(threads: 1)
        let uptake: [CellKind: Double] = [.fibroblast: 3, .keratinocyte: 1, .endothelial: 2]
        XCTAssertLessThan(relativeResidual(w, oxygen: f, uptake: uptake.merging([.neutrophil: 5]) { $1 }), 1e-6)
        XCTAssertGreaterThan(relativeResidual(w, oxygen: f, uptake: uptake.merging([.neutrophil: 1]) { $1 }), 1e-4)
    }

    /// One hypoxia response end to end: keratinocytes' VEGF secretion answering oxygen's lack
    /// gives, at each site, basal x (1 + (max_fold - 1) K^n / (K^n + c^n)) per minute.
    func testALackResponseFollowsItsFormula() throws {
        let r = Response(factor: 0, ec50: 15, hill: 3, maxFold: 6, below: true)
        var rate = CompiledRate(ModulatedRate(basal: 0.01, responses: [r]))
        for c in [0.0, 5, 15, 40, 1e4] {
            var x = SIMD8<Double>.zero; x[0] = c
            let lack = 1 / (1 + pow(c / 15, 3))
            XCTAssertEqual(rate.rate(x), 0.01 * (1 + 5 * lack), accuracy: 1e-15, "c = \(c)")
        }
        // Above (the default) is the complement.
        rate = CompiledRate(ModulatedRate(basal: 0.01, responses: [Response(factor: 0, ec50: 15, hill: 3, maxFold: 6)]))
        var x = SIMD8<Double>.zero; x[0] = 15
        XCTAssertEqual(rate.rate(x), 0.01 * 3.5, accuracy: 1e-15)
        // A lack multiplies whatever the other responses make the rate: no oxygen, no division,
        // however much EGF; plentiful oxygen leaves EGF's fold alone.
        let both = ModulatedRate(basal: 0.01, responses: [Response(factor: 1, ec50: 0.5, maxFold: 3), Response(factor: 0, ec50: 5, hill: 2, maxFold: 0, below: true)])
        rate = CompiledRate(both)
        for (o2, egf) in [(0.0, 10.0), (5, 0.5), (1e6, 0.5), (2, 0)] {
            var c = SIMD8<Double>.zero; c[0] = o2; c[1] = egf
            let expected = 0.01 * (1 + 2 * egf / (0.5 + egf)) * (1 / (1 + pow(5 / o2, 2)))  // 1 - lack = H
            XCTAssertEqual(rate.rate(c), o2 == 0 ? 0 : expected, accuracy: 1e-15, "O2 \(o2), EGF \(egf)")
        }
        XCTAssertEqual(both.maximum, 0.03, accuracy: 1e-15, "the lack's fold 0 never raises the rate")
        XCTAssertEqual(ModulatedRate(basal: 1, responses: [Response(factor: 1, ec50: 1, maxFold: 3), Response(factor: 0, ec50: 1, maxFold: 4, below: true)]).maximum, 12, accuracy: 1e-12)
        // Read from a scenario, with a molar EC50.
        let m = try model(["cells.keratinocyte.secretion=[{factor: VEGF, rate: \"0.06 ng/mL/h\", only_when_migratory: true, responses: [{factor: oxygen, ec50: \"15 uM\", hill: 3, max_fold: 6, when: below}]}]"])
        let k = try XCTUnwrap(m.cells.first { $0.parameters.kind == .keratinocyte }?.parameters.secretion.first?.rate.responses.first)
        XCTAssertTrue(k.below)
        XCTAssertEqual(k.ec50, 15 * 32, accuracy: 1e-9)
    }

    /// Oxygen's solves, cells moving and dividing under it: the same bytes at 1 and 2 threads, and
    /// after a checkpoint's round trip taken between two solves and at a solve's step.
    func testBitIdenticalAcrossThreadsAndCheckpoints() throws {
        let m = try model(["injury.levels={EGF: \"2 ng/mL\", bFGF: \"2 ng/mL\", VEGF: \"2 ng/mL\", HGF: \"2 ng/mL\"}",
                           "cells.fibroblast.responses=[{behaviour: proliferation, factor: oxygen, ec50: \"5 uM\", hill: 2, max_fold: 0.2, when: below}]"])
        let a = try World(m), b = try World(m)
        var restored: [World] = []
        for step in 1...240 {
            a.advance(threads: 1); b.advance(threads: 2)
            for r in restored { r.advance(threads: 2) }
            if step == 77 || step == 150 {
                let r = try World(m)
                try r.restoreState(a.encodeState())
                restored.append(r)
            }
        }
        let expected = a.encodeState()
        XCTAssertEqual(b.encodeState(), expected, "2 threads")
        for (i, r) in restored.enumerated() { XCTAssertEqual(r.encodeState(), expected, "restored (\(i))") }
        XCTAssertGreaterThan(a.steadyCycles, 0)
    }

    func testMisuseIsRefusedWithItsKey() throws {
        func refused(_ sets: [String], _ key: String, file: StaticString = #filePath, line: UInt = #line) {
            do {
                _ = try World(model(sets))
                XCTFail("accepted \(sets)", file: file, line: line)
            } catch {
                XCTAssertTrue("\(error)".contains(key), "\(error)", file: file, line: line)
            }
        }
        refused(["factors.oxygen.wound_bed_diffusion=\"10 um^2/s\""], "factors.oxygen.wound_bed_diffusion")
        refused(["factors.oxygen.boundary={fixed: \"10 uM\"}"], "factors.oxygen.boundary")
        refused(["factors.oxygen.quasi_steady.blood=\"-1 uM\""], "factors.oxygen.quasi_steady.blood")
        refused(["cells.fibroblast.secretion=[{factor: oxygen, rate: \"1 ng/mL/h\"}]"], "cells.fibroblast.secretion")
        refused(["clot={amounts: {oxygen: \"1 uM\"}, half_life: \"6 h\"}"], "clot.amounts.oxygen")
        refused(["cells.fibroblast.responses=[{behaviour: proliferation, factor: oxygen, ec50: \"5 uM\", max_fold: 0.2, when: sideways}]"], "when")
    }

    func testTheWriterRoundTripsTheNewKeys() throws {
        let s = try ScenarioLoader.load("excisional-wound-control", sets: [
            Self.oxygen, "cells.fibroblast.responses=[{behaviour: proliferation, factor: oxygen, ec50: \"5 uM\", hill: 2, max_fold: 0.2, when: below}]",
        ]).scenario
        let text = ScenarioWriter.yaml(s)
        XCTAssertTrue(text.contains("quasi_steady:"), text)
        XCTAssertTrue(text.contains("when: below"), text)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("oxygen-\(getpid()).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let back = try ScenarioLoader.load(file.path).scenario.model
        XCTAssertEqual(back.factors, s.model.factors)
        XCTAssertEqual(back.cells.map(\.parameters), s.model.cells.map(\.parameters))
    }
}
