import Cells
import Fields
import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// A factor table longer than the 8 factors a cell holds (issue 13): each kind reads its own
/// factors through sensing slots (`CompiledKind.sensed`), so a ninth or tenth factor costs the cell
/// step nothing and changes no draw; a kind that reads more than 8 is refused with its key.
final class FactorTableTests: XCTestCase {
    private func model(_ extra: [String] = []) throws -> ModelConfig {
        try ScenarioLoader.load("excisional-wound-inflammation-control", sets: [
            "lattice.size=[90, 70]", "wound.diameter=\"0.8 mm\"", "vessels.spacing=\"300 um\"", "mechanics=~",
            "cells.fibroblast.density=0.5",
        ] + extra).scenario.model
    }

    /// `m` with two more factors at the end of its table (n and n + 1, n its factor count, at
    /// least 8) and, on every kind, a response of max_fold 1 (no effect: it adds 0 to the fold) to
    /// factor n + 1 in its migration, and for kinds that polarize in their switch too: every kind
    /// then reads a factor past the eighth and its slots are remapped.
    private func widened(_ m: ModelConfig) -> ModelConfig {
        var w = m
        let last = m.factors.count + 1
        var extra = m.factors[5]
        extra.name = "X1"; w.factors.append(extra)
        extra.name = "X2"; w.factors.append(extra)
        w.secretome.concentrations += [0, 0]
        w.injuryRelease += [0, 0]
        if !w.clotRelease.isEmpty { w.clotRelease += [0, 0] }
        if !w.clotHalfLives.isEmpty { w.clotHalfLives += [w.clotHalfLives[0], w.clotHalfLives[0]] }
        for i in w.cells.indices {
            w.cells[i].parameters.motility.responses.append(Response(factor: last, ec50: 1, maxFold: 1))
            if w.cells[i].parameters.polarization.basal > 0, w.cells[i].parameters.polarization.responses.count < CompiledRate.capacity {
                w.cells[i].parameters.polarization.responses.append(Response(factor: last, ec50: 1, maxFold: 1))
            }
        }
        return w
    }

    /// The bundled clot-and-macrophage wound (9 factors: its macrophages read PGE2, the ninth,
    /// through remapped slots, the other kinds through the factors' own indices) against the same
    /// wound with 11, where every kind reads the eleventh.
    func testALongerTableDrawsAsTheShorterOne() throws {
        let m = try model()
        XCTAssertEqual(m.factors.count, 9)
        let wide = widened(m)
        let a = try World(m), b = try World(wide)
        for kind in 0..<4 { XCTAssertTrue(b.stepper.compiled[kind].remapped, "kind \(kind) reads the eleventh factor") }
        XCTAssertFalse(a.stepper.compiled[Int(CellKind.keratinocyte.rawValue)].remapped)
        XCTAssertTrue(a.stepper.compiled[Int(CellKind.macrophage.rawValue)].remapped, "macrophages read PGE2, the ninth")
        for _ in 0..<180 { a.advance(threads: 2); b.advance(threads: 2) }
        XCTAssertGreaterThan(a.cells.count, 0)
        XCTAssertEqual(a.cells.site, b.cells.site)
        XCTAssertEqual(a.cells.kind, b.cells.kind)
        XCTAssertEqual(a.cells.flags, b.cells.flags)
        XCTAssertEqual(a.cells.exposure, b.cells.exposure)
        for f in 0..<m.factors.count {
            XCTAssertTrue(a.fields.buffer(f).elementsEqual(b.fields.buffer(f)), "factor \(m.factors[f].name)")
        }
        // Something happened that reads the factors: macrophages came and some switched.
        XCTAssertGreaterThan(a.cells.kind.filter { $0 == CellKind.macrophage.rawValue }.count, 0)
    }

    func testAKindReadingMoreThanEightFactorsIsRefusedWithItsKey() throws {
        var wide = widened(try model())
        // The macrophage reads CCL2, TGFb1, oxygen, PGE2 and the eleventh; add the first ones.
        for f in 0..<10 where !wide.cells[3].parameters.sensedFactors.contains(f) {
            wide.cells[3].parameters.apoptosis.responses.append(Response(factor: f, ec50: 1, maxFold: 1))
            if wide.cells[3].parameters.apoptosis.responses.count == CompiledRate.capacity { break }
        }
        let kinds = wide.cells.map(\.parameters.kind)
        XCTAssertEqual(kinds[3], .macrophage)
        if wide.cells[3].parameters.sensedFactors.count <= Rules.maximumSensedFactors {
            wide.cells[3].parameters.collagenDeposition.responses = (0..<4).map { Response(factor: $0 + 4, ec50: 1, maxFold: 1) }
            wide.cells[3].parameters.recruitment.responses += [Response(factor: 9, ec50: 1, maxFold: 1)]
        }
        XCTAssertGreaterThan(wide.cells[3].parameters.sensedFactors.count, Rules.maximumSensedFactors)
        XCTAssertThrowsError(try World(wide)) { error in
            XCTAssertTrue("\(error)".contains("cells.macrophage"), "\(error)")
            XCTAssertTrue("\(error)".contains("at most 8"), "\(error)")
        }
    }

    func testATableOfMoreThanThirtyTwoFactorsIsRefused() throws {
        var yaml = "extends: excisional-wound-inflammation-control\nfactors:\n"
        for i in 0..<25 { yaml += "  X\(i): { diffusion: \"40 um^2/s\", decay: \"1 /h\", molar_mass: \"20 kDa\", boundary: no-flux, source: \"test\" }\n" }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-33-factors-\(ProcessInfo.processInfo.processIdentifier).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try ScenarioLoader.load(url.path)) { error in
            XCTAssertTrue("\(error)".contains("at most 32"), "\(error)")
        }
    }
}
