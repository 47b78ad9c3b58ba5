import Cells
import Fields
import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// A dermis with depth (issue 16, `lattice.dermis_layers`): the wound's depth and profile cut the
/// right sites, vessels lie in the two plexuses, dermal cells move between the dermis's layers
/// while keratinocytes keep to the epidermis, and cells from the fascia enter the bed at every depth.
final class DepthTests: XCTestCase {
    /// The bundled 3-D wound on a 100 x 100 lattice at 20 um with 10 dermis layers (200 um) and a
    /// 1.6 mm wound, with extra settings.
    private func world(_ sets: [String]) throws -> World {
        let s = try ScenarioLoader.load("excisional-wound-3d", sets: ["lattice.size=[100, 100]", "lattice.dermis_layers=10",
                                                                     "wound.diameter=\"1.6 mm\""] + sets).scenario
        return try World(s.model)
    }

    private func count(_ w: World, region: UInt8, layer k: Int) -> Int {
        let plane = w.lattice.nx * w.lattice.ny
        return (0..<plane).filter { w.regions.ids[k * plane + $0] == region }.count
    }

    func testTheWoundsDepthAndProfileCutTheDermis() throws {
        // Full thickness, vertical walls: every dermis layer has the surface's outline.
        let full = try world([])
        XCTAssertEqual(full.lattice.nz, 11)
        XCTAssertEqual(full.config.layerCompartments, Array(repeating: .dermis, count: 10) + [.epidermis])
        let outline = count(full, region: Tissue.woundSurface, layer: 10)
        XCTAssertEqual(Double(outline), Double.pi * 40 * 40, accuracy: 0.03 * Double.pi * 40 * 40, "a 1.6 mm wound is 80 sites across")
        for k in 0..<10 { XCTAssertEqual(count(full, region: Tissue.woundBed, layer: k), outline, "layer \(k)") }
        // 100 um deep: layer centres at 10, 30, ..., 190 um below the dermis's surface; five are cut.
        let partial = try world(["wound.depth=\"100 um\""])
        for k in 0..<10 { XCTAssertEqual(count(partial, region: Tissue.woundBed, layer: k), k >= 5 ? outline : 0, "layer \(k)") }
        // A bowl as deep as the dermis holds about 2/3 of the cylinder's volume (a half-ellipsoid).
        let bowl = try world(["wound.profile=bowl"])
        let volume = (0..<10).map { count(bowl, region: Tissue.woundBed, layer: $0) }
        XCTAssertEqual(Double(volume[9]), Double(outline), accuracy: Double(outline) / 50, "the top layer is nearly the outline")
        XCTAssertEqual(volume, volume.sorted(), "the bowl narrows with depth")
        XCTAssertEqual(Double(volume.reduce(0, +)) / Double(10 * outline), 2.0 / 3, accuracy: 0.03)
        // Vessels: the top and bottom dermis layers, outside the wound; collagen in all intact dermis.
        let plane = 100 * 100
        for k in 0..<11 {
            let vessels = (0..<plane).filter { full.vessel[k * plane + $0] != 0 }
            if k == 0 || k == 9 { XCTAssertGreaterThan(vessels.count, 0, "a plexus in layer \(k)") } else { XCTAssertEqual(vessels.count, 0, "layer \(k)") }
            XCTAssertTrue(vessels.allSatisfy { full.regions.ids[k * plane + $0] == Tissue.dermis })
        }
        XCTAssertTrue((0..<full.lattice.count).allSatisfy { (full.collagen[$0] == 1) == (full.regions.ids[$0] == Tissue.dermis) })
        // Fibroblasts from the fascia may enter every bed site, at every depth.
        XCTAssertEqual(full.stepper.bedSites.count, 10 * outline)
        XCTAssertEqual(partial.stepper.bedSites.count, 5 * outline)
    }

    func testDermalCellsMoveInDepthAndKeratinocytesKeepToTheEpidermis() throws {
        let w = try world(["time.duration=\"1 d\""])
        let plane = w.lattice.nx * w.lattice.ny
        func layers() -> [UInt32: Int] {
            Dictionary(uniqueKeysWithValues: (0..<w.cells.count).map { (w.cells.id[$0], Int(w.cells.site[$0]) / plane) })
        }
        let start = layers()
        for _ in 0..<720 { w.advance(threads: 2) }
        XCTAssertNil(w.cells.invariantViolation())
        let now = layers()
        var changed = [CellKind: Int]()
        for c in 0..<w.cells.count {
            let kind = CellKind(rawValue: w.cells.kind[c])!
            let k = Int(w.cells.site[c]) / plane
            XCTAssertEqual(k == 10, kind == .keratinocyte, "a \(kind) in layer \(k)")
            if let k0 = start[w.cells.id[c]], k0 != now[w.cells.id[c]] { changed[kind, default: 0] += 1 }
        }
        XCTAssertGreaterThan(changed[.fibroblast] ?? 0, 20, "fibroblasts move between the dermis's layers")
        XCTAssertNil(changed[.keratinocyte])
        // The wound bed fills from its walls and floor at every depth, not only at the top.
        let filled = (0..<10).map { k in (0..<plane).filter { w.regions.ids[k * plane + $0] == Tissue.woundBed && w.cells.cellAt[k * plane + $0] >= 0 }.count }
        XCTAssertTrue(filled.allSatisfy { $0 > 0 }, "\(filled)")
    }

    /// A random walk of the same hop rate spreads in-plane 2/3 as fast in a dermis with depth as
    /// in a one-layer dermis (four of six directions are in-plane), and twice as fast in-plane as
    /// in z: measured as mean squared displacements of sparse fibroblasts that always migrate
    /// (no activation, responses, division, death, recruitment or mechanics), over 60 steps.
    func testInPlaneSpreadingIsTwoThirdsOfTheFlatDermis() throws {
        let walk = ["lattice.size=[160, 160]", "wound.diameter=\"0.4 mm\"", "cells.fibroblast.migration.requires_activation=false",
                    "cells.fibroblast.responses=[]", "cells.fibroblast.proliferation.rate=\"0 /min\"",
                    "cells.fibroblast.apoptosis.rate=\"0 /min\"", "cells.fibroblast.recruitment=~", "mechanics=~"]
        func msd(_ sets: [String]) throws -> (xy: Double, z: Double, cells: Int, hops: Double) {
            let w = try World(ScenarioLoader.load("excisional-wound-3d", sets: walk + sets).scenario.model)
            let nx = w.lattice.nx, plane = nx * w.lattice.ny, layers = w.config.dermisLayers
            let fibroblast = CellKind.fibroblast.rawValue
            // Cells away from the dermis's top and bottom (no reflection within a few sites) and
            // from the wound.
            var start: [UInt32: (Int, Int, Int)] = [:]
            for c in 0..<w.cells.count where w.cells.kind[c] == fibroblast {
                let s = Int(w.cells.site[c]), k = s / plane, j = (s % plane) / nx, i = s % nx
                if layers > 1 && (k < layers / 2 - 5 || k >= layers / 2 + 5) { continue }
                if w.edgeDistance[s % plane] < 200 { continue }
                start[w.cells.id[c]] = (i, j, k)
            }
            for _ in 0..<60 { w.advance(threads: 2) }
            var xy = 0.0, z = 0.0, n = 0
            for c in 0..<w.cells.count {
                guard let (i0, j0, k0) = start[w.cells.id[c]] else { continue }
                let s = Int(w.cells.site[c]), k = s / plane, j = (s % plane) / nx, i = s % nx
                xy += Double((i - i0) * (i - i0) + (j - j0) * (j - j0)); z += Double((k - k0) * (k - k0)); n += 1
            }
            // Expected hops per cell: 60 steps at probability 1 - exp(-rate dt) each.
            let rate = w.config.cells.first { $0.parameters.kind == .fibroblast }!.parameters.motility.basal
            let hops = 60 * (1 - exp(-rate * w.config.dt))
            return (xy / Double(n), z / Double(n), n, hops)
        }
        let deep = try msd(["lattice.dermis_layers=20"])
        let flat = try msd(["lattice.dermis_layers=1", "wound.profile=~"])
        XCTAssertGreaterThan(deep.cells, 5000); XCTAssertGreaterThan(flat.cells, 500)
        print(String(format: "random walk over 60 steps, per expected hop: with depth xy %.3f z %.3f (%d cells); flat xy %.3f (%d cells); ratio %.3f",
                     deep.xy / deep.hops, deep.z / deep.hops, deep.cells, flat.xy / flat.hops, flat.cells, deep.xy / flat.xy))
        // Per hop, in site^2: 4/6 in-plane and 2/6 in z with depth, 1 in-plane when flat. The
        // estimates' standard errors are about sqrt(2 / cells) of each (~8 % here); hops onto
        // occupied sites are refused (2.5 % fibroblasts, the plexus's cells), so a little less.
        XCTAssertEqual(deep.xy / deep.hops, 2.0 / 3, accuracy: 0.15, "\(deep)")
        XCTAssertEqual(deep.z / deep.hops, 1.0 / 3, accuracy: 0.08, "\(deep)")
        XCTAssertEqual(flat.xy / flat.hops, 1, accuracy: 0.2, "\(flat)")
        XCTAssertEqual(flat.z, 0)
        XCTAssertEqual(deep.xy / flat.xy, 2.0 / 3, accuracy: 0.15, "deep \(deep), flat \(flat)")
    }

    func testSixDirectionsAreDrawnEvenlyAndOnlyFreeOnesTaken() throws {
        // A kind that always hops: with every neighbour free each of the six is taken about 1/6 of
        // the time; with only up and down free, no in-plane move happens.
        let p = KindParameters(kind: .fibroblast, motility: .init(basal: 0.5))
        let k = UnsafeMutablePointer<CompiledKind>.allocate(capacity: 1)
        defer { k.deallocate() }
        k.initialize(to: CompiledKind(p, dt: 2))
        var counts = [Int](repeating: 0, count: 6)
        var vertical = 0
        for id in 0..<60_000 {
            var rng = RandomStream(seed: 3, step: 0, id: id, purpose: .cellDecision)
            if case let .move(d) = Rules.decide(k, signals: LocalSignals(), free: SIMD8(1, 1, 1, 1, 1, 1, 0, 0), directions: 6, activated: true, dt: 2, rng: &rng) {
                counts[d] += 1
            }
            var rng2 = RandomStream(seed: 4, step: 0, id: id, purpose: .cellDecision)
            switch Rules.decide(k, signals: LocalSignals(), free: SIMD8(0, 0, 0, 0, 1, 1, 0, 0), directions: 6, activated: true, dt: 2, rng: &rng2) {
            case let .move(d): XCTAssertGreaterThanOrEqual(d, 4); vertical += 1
            case .divide: XCTFail("the kind does not divide")
            case .stay: break
            }
        }
        // Binomial(60000, 1/6): standard deviation 91; 5 of them.
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 460, "\(counts)") }
        XCTAssertEqual(Double(vertical), 20_000, accuracy: 650)
        // Chemotaxis up z: a strong pull upward takes nearly every hop up.
        var q = p
        q.chemotaxis = [(0, 1)]
        let kc = UnsafeMutablePointer<CompiledKind>.allocate(capacity: 1)
        defer { kc.deallocate() }
        kc.initialize(to: CompiledKind(q, dt: 2))
        var up = 0
        for id in 0..<2000 {
            var rng = RandomStream(seed: 5, step: 0, id: id, purpose: .cellDecision)
            if case .move(5) = Rules.decide(kc, signals: LocalSignals(attraction: SIMD8(0, 0, 0, 0, 0, 20, 0, 0)), free: SIMD8(1, 1, 1, 1, 1, 1, 0, 0),
                                            directions: 6, activated: true, dt: 2, rng: &rng) { up += 1 }
        }
        XCTAssertEqual(Double(up), 2000, accuracy: 10)
    }

    func testFactorsNothingSuppliesAreSkippedWithoutChangingABit() throws {
        // The untreated clot-and-macrophage wound has no source of HGF or PGE2 (only media carry
        // them); treated, every factor has one.
        let names = { (w: World) in w.config.factors.indices.filter { w.solver.silent[$0] }.map { w.config.factors[$0].name } }
        let untreated = try world(["time.duration=\"1 d\""])
        XCTAssertEqual(names(untreated), ["HGF", "PGE2"])
        let treated = try World(ScenarioLoader.load("excisional-wound-inflammation-asc-cm", sets: ["lattice.size=[60, 60]", "wound.diameter=\"0.6 mm\""]).scenario.model)
        XCTAssertEqual(names(treated), [])
        // Solving them anyway gives the same bytes (fields, cells, interval sums) after a day.
        let solving = try world(["time.duration=\"1 d\""])
        solving.solver.setSilent(Array(repeating: false, count: solving.config.factors.count))
        for step in 1...720 {
            untreated.advance(threads: 2)
            solving.advance(threads: 1)
            if step % 240 == 0 { XCTAssertEqual(untreated.encodeState(), solving.encodeState(), "step \(step)") }
        }
        XCTAssertEqual(untreated.stepper.skippedTiles, solving.stepper.skippedTiles, "the silent factors' maxima are the solved ones")
    }

    func testDepthKeysAreCheckedAndWrittenBack() throws {
        XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-control", sets: ["wound.depth=\"100 um\""]), "a depth needs a dermis with depth")
        XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-3d", sets: ["wound.shape=scratch", "wound.width=\"1 mm\"", "wound.diameter=~",
                                                                                 "mechanics=~", "wound.profile=bowl"]), "a bowl needs a round wound")
        XCTAssertNoThrow(try ScenarioLoader.load("excisional-wound-3d", sets: ["wound.shape=scratch", "wound.width=\"1 mm\"", "wound.diameter=~", "mechanics=~"]))
        XCTAssertThrowsError(try ScenarioLoader.load("excisional-wound-3d", sets: ["lattice.dermis_layers=0"]))
        let s = try ScenarioLoader.load("excisional-wound-3d", sets: ["wound.depth=\"300 um\"", "wound.profile=bowl"]).scenario
        XCTAssertEqual(s.model.dermisLayers, 20)
        let back = try ScenarioLoader.reloaded(ScenarioWriter.yaml(s), name: "depth")
        XCTAssertEqual(back, s.model)
        XCTAssertEqual(back.woundDepth, 300)
        XCTAssertEqual(back.woundProfile, .bowl)
    }
}
