import Fields
import SimCore
import XCTest

/// The solver's tile-layer maxima equal a brute-force maximum over each tile and layer after every
/// step, on every solve path (2-D and 3-D, closed and periodic faces, region-dependent D), and
/// the site terms add the wound's amount where and only where they should.
final class TileMaximaTests: XCTestCase {
    private func check(_ lattice: Lattice, boundaries: [BoundaryCondition], tile: Int, regions: RegionMap? = nil) throws {
        let specs = [FactorSpec(name: "A", diffusion: 600, regionDiffusion: regions == nil ? [:] : [1: 60], decay: 0.01, boundaries: boundaries),
                     FactorSpec(name: "B", diffusion: 60, decay: 0.001, boundaries: boundaries)]
        let fields = try FieldSet(lattice: lattice, factors: specs)
        for f in 0..<2 {
            let b = fields.buffer(f)
            for s in 0..<b.count { b[s] = Double((s &* 2654435761 &+ f * 97) % 1000) / 100 }
        }
        let solver = try DiffusionSolver(lattice: lattice, factors: specs, regions: regions, dt: 2)
        solver.trackMaxima(tileSize: tile)
        let maxima = try XCTUnwrap(solver.tileMaxima)
        XCTAssertEqual(maxima.maximum(factor: 0, tile: 0, layer: 0), .infinity, "nothing is known before the first step")
        var wound = [Bool](repeating: false, count: lattice.count)
        for s in stride(from: 0, to: lattice.count, by: 7) { wound[s] = true }
        let terms = SiteTerms(lattice: lattice, factorCount: 2, wound: wound)
        let tiles = TileGrid(lattice: lattice, tileSize: tile)
        for step in 0..<3 {
            terms.amount = [step == 1 ? 5 : 0, 0.5]
            solver.step(fields, threads: 2, terms: terms)
            for f in 0..<2 {
                let b = fields.buffer(f)
                for t in 0..<tiles.count {
                    let (xr, yr) = tiles.bounds(of: t)
                    for k in 0..<lattice.nz {
                        var m = 0.0
                        for j in yr { for i in xr { m = max(m, b[lattice.index(i, j, k)]) } }
                        XCTAssertEqual(maxima.maximum(factor: f, tile: t, layer: k), m, "\(lattice), factor \(f), tile \(t), layer \(k), step \(step)")
                    }
                }
            }
        }
    }

    func testMaximaOnEverySolvePath() throws {
        try check(try Lattice(nx: 70, ny: 45, spacing: 20), boundaries: FactorSpec.uniform(.noFlux), tile: 16)
        try check(try Lattice(nx: 70, ny: 45, spacing: 20), boundaries: FactorSpec.uniform(.periodic), tile: 32)
        try check(try Lattice(nx: 40, ny: 36, nz: 5, spacing: 20), boundaries: FactorSpec.uniform(.noFlux), tile: 8)
        try check(try Lattice(nx: 40, ny: 36, nz: 5, spacing: 20), boundaries: FactorSpec.uniform(.periodic), tile: 8)
        let l = try Lattice(nx: 48, ny: 40, nz: 2, spacing: 20)
        var ids = [UInt8](repeating: 0, count: l.count)
        for s in 0..<l.count where (s % 48) > 20 { ids[s] = 1 }
        try check(l, boundaries: FactorSpec.uniform(.noFlux), tile: 32, regions: try RegionMap(lattice: l, ids: ids))
    }

    /// The solver's site-set sums (the timeseries' interval means) equal a brute-force sum over the
    /// set after each step, summed over steps, on every solve path, with the same bits at 1 and 3
    /// threads; `means` divides by steps and sites; `reset` starts again.
    private func checkSums(_ lattice: Lattice, boundaries: [BoundaryCondition]) throws {
        let specs = [FactorSpec(name: "A", diffusion: 600, decay: 0.01, boundaries: boundaries),
                     FactorSpec(name: "B", diffusion: 60, decay: 0.001, boundaries: boundaries)]
        var set: [Int32] = []
        for s in 0..<lattice.count where (s &* 40503) % 11 < 3 || (s % lattice.nx > 5 && s % lattice.nx < 17) { set.append(Int32(s)) }
        var results: [[Double]] = []
        for threads in [1, 3] {
            let fields = try FieldSet(lattice: lattice, factors: specs)
            for f in 0..<2 { let b = fields.buffer(f); for s in 0..<b.count { b[s] = Double((s &* 2654435761 &+ f * 97) % 1000) / 100 } }
            let solver = try DiffusionSolver(lattice: lattice, factors: specs, dt: 2)
            solver.trackSums(over: set)
            let sums = try XCTUnwrap(solver.siteSums)
            XCTAssertNil(sums.means, "no mean before a step")
            XCTAssertEqual(sums.siteCount, set.count)
            var expected = [0.0, 0.0]
            for _ in 0..<4 {
                solver.step(fields, threads: threads)
                for f in 0..<2 { for s in set { expected[f] += fields.buffer(f)[Int(s)] } }
            }
            XCTAssertEqual(sums.steps, 4)
            for f in 0..<2 {
                XCTAssertEqual(sums.sums[f], expected[f], accuracy: 1e-12 * expected[f], "\(lattice), factor \(f)")
                XCTAssertEqual(sums.means![f], sums.sums[f] / (4 * Double(set.count)))
            }
            results.append(sums.sums)
            sums.reset()
            XCTAssertEqual(sums.steps, 0); XCTAssertEqual(sums.sums, [0, 0])
        }
        XCTAssertEqual(results[0], results[1], "the same bits at any thread count")
    }

    func testSiteSumsOnEverySolvePath() throws {
        try checkSums(try Lattice(nx: 70, ny: 45, spacing: 20), boundaries: FactorSpec.uniform(.noFlux))
        try checkSums(try Lattice(nx: 70, ny: 45, spacing: 20), boundaries: FactorSpec.uniform(.periodic))
        try checkSums(try Lattice(nx: 40, ny: 36, nz: 5, spacing: 20), boundaries: FactorSpec.uniform(.noFlux))
        try checkSums(try Lattice(nx: 40, ny: 36, nz: 5, spacing: 20), boundaries: FactorSpec.uniform(.periodic))
    }

    func testSiteTermsAddTheWoundAmountThenDecayAsASeparatePassWould() throws {
        // The terms in the first sweep give the bits of adding the amounts before the step.
        let l = try Lattice(nx: 37, ny: 29, nz: 2, spacing: 20)
        let specs = [FactorSpec(name: "A", diffusion: 300, decay: 0.005)]
        let a = try FieldSet(lattice: l, factors: specs), b = try FieldSet(lattice: l, factors: specs)
        for s in 0..<l.count { a[0, s] = Double(s % 13) / 7; b[0, s] = a[0, s] }
        var wound = [Bool](repeating: false, count: l.count)
        for s in 0..<l.count where (s / 37) % 29 > 10 && s % 37 < 20 { wound[s] = true }
        let solver = try DiffusionSolver(lattice: l, factors: specs, dt: 2)
        let terms = SiteTerms(lattice: l, factorCount: 1, wound: wound)
        terms.amount = [0.37]
        terms.everywhere = [0.11]
        solver.step(a, threads: 1, terms: terms)
        for s in 0..<l.count { b[0, s] += 0.11 }
        for s in 0..<l.count where wound[s] { b[0, s] += 0.37 }
        solver.step(b, threads: 1)
        XCTAssertEqual(a.values(0), b.values(0))
    }
}
