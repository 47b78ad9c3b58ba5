import Fields
import Scenario
import SimCore
import XCTest

final class DiffusionSolverTests: XCTestCase {
    func spec(_ d: Double = 1000, decay: Double = 0, boundaries: [BoundaryCondition] = FactorSpec.uniform(.noFlux),
              regions: [UInt8: Double] = [:], name: String = "C") -> FactorSpec {
        FactorSpec(name: name, diffusion: d, regionDiffusion: regions, decay: decay, boundaries: boundaries, molarMass: 1000)
    }

    func randomFill(_ fields: FieldSet, seed: UInt64, sparse: Bool = true) {
        for f in 0..<fields.factorCount {
            var rng = RandomStream(seed: seed, step: 0, id: f)
            let b = fields.buffer(f)
            for s in 0..<b.count { b[s] = sparse ? (rng.uniform() < 0.05 ? 50 * rng.uniform() : 0) : rng.uniform() }
        }
    }

    /// A mixed problem (regions, fixed, periodic and closed faces, four factors) gives the same
    /// bits at 1, 2, 3 and 4 threads, in 2-D and 3-D.
    func testBitIdenticalAtAnyThreadCount() throws {
        for lattice in [try Lattice(nx: 70, ny: 45, spacing: 20), try Lattice(nx: 20, ny: 18, nz: 15, spacing: 20)] {
            var regions = RegionMap(lattice: lattice)
            for s in 0..<lattice.count where s % 7 < 3 { regions.ids[s] = 1 }
            var mixed = FactorSpec.uniform(.noFlux)
            mixed[Face.xLow.rawValue] = .fixed(4)
            mixed[Face.yLow.rawValue] = .periodic; mixed[Face.yHigh.rawValue] = .periodic
            let specs = [
                spec(3600, decay: 0.005, name: "EGF"),
                spec(600, decay: 0.01, boundaries: mixed, regions: [1: 1200], name: "bFGF"),
                spec(1800, decay: 0.015, boundaries: FactorSpec.uniform(.periodic), name: "VEGF"),
                spec(1200, decay: 0.008, regions: [1: 300], name: "HGF"),
            ]
            var reference: [[Double]]? = nil
            for threads in [1, 2, 3, 4] {
                let fields = try FieldSet(lattice: lattice, factors: specs)
                randomFill(fields, seed: 1)
                let solver = try DiffusionSolver(lattice: lattice, factors: specs, regions: regions, dt: 2)
                for _ in 0..<5 { solver.step(fields, threads: threads) }
                let values = (0..<4).map { fields.values($0) }
                if let reference {
                    for f in 0..<4 {
                        XCTAssertTrue(values[f].elementsEqual(reference[f]) { $0.bitPattern == $1.bitPattern }, "factor \(f), \(threads) threads, \(lattice)")
                    }
                } else { reference = values }
            }
        }
    }

    /// Both passes of a factor in one work item (a field that fits a core's cache) give the same
    /// bits as pass 1 in blocks of every factor then pass 2 per factor: fields, the tile maxima
    /// and the wound sums, with wound sources added in the first sweep and a silent factor, in
    /// 2-D and 3-D, at 1 to 4 threads.
    func testFusedPassesGiveTheSameBits() throws {
        // The last lattice's z-planes (4,900 sites) take two pass-1 blocks per factor, so a pass 2
        // may wait on a block another worker still runs.
        for lattice in [try Lattice(nx: 70, ny: 45, spacing: 20), try Lattice(nx: 20, ny: 18, nz: 15, spacing: 20),
                        try Lattice(nx: 70, ny: 70, nz: 3, spacing: 20)] {
            let specs = [
                spec(3600, decay: 0.005, name: "EGF"),
                spec(600, decay: 0.01, boundaries: FactorSpec.uniform(.periodic), name: "bFGF"),
                spec(1800, decay: 0.015, name: "VEGF"),
                spec(1200, decay: 0.008, name: "PGE2"),
            ]
            let wound = (0..<lattice.count).map { $0 % 5 == 0 }
            let woundSites = (0..<lattice.count).filter { wound[$0] }.map { Int32($0) }
            var reference: (values: [[Double]], maxima: [Double], sums: [Double])? = nil
            for threads in [1, 2, 3, 4] {
                for fused in [true, false] {
                    let fields = try FieldSet(lattice: lattice, factors: specs)
                    randomFill(fields, seed: 3)
                    fields.buffer(3).update(repeating: 0)
                    let solver = try DiffusionSolver(lattice: lattice, factors: specs, dt: 2)
                    solver.fusesSmallFields = fused
                    XCTAssertEqual(solver.fusesPasses, fused, "\(lattice)")
                    solver.setSilent([false, false, false, true])
                    solver.trackMaxima(tileSize: 8)
                    solver.trackSums(over: woundSites)
                    let terms = SiteTerms(lattice: lattice, factorCount: 4, wound: wound)
                    terms.amount = [0.5, 0, 1.25, 0]
                    for _ in 0..<5 { solver.step(fields, threads: threads, terms: terms) }
                    let maxima = solver.tileMaxima!
                    let run = (values: (0..<4).map { fields.values($0) },
                               maxima: Array(UnsafeBufferPointer(start: maxima.values, count: 4 * maxima.tileLayers)),
                               sums: Array(UnsafeBufferPointer(start: solver.siteSums!.accumulated, count: 4)))
                    guard let reference else { reference = run; continue }
                    let label = "\(lattice), \(threads) threads, fused \(fused)"
                    for f in 0..<4 {
                        XCTAssertTrue(run.values[f].elementsEqual(reference.values[f]) { $0.bitPattern == $1.bitPattern }, "factor \(f), \(label)")
                    }
                    XCTAssertTrue(run.maxima.elementsEqual(reference.maxima) { $0.bitPattern == $1.bitPattern }, "maxima, \(label)")
                    XCTAssertEqual(run.sums.map(\.bitPattern), reference.sums.map(\.bitPattern), "sums, \(label)")
                    XCTAssertTrue(run.values[3].allSatisfy { $0 == 0 })
                }
            }
        }
    }

    /// The claim order of a two-pass step: the record of a factor not solved first, then each
    /// solved factor's pass-1 blocks followed by the previous one's pass 2, the last pass 2 at
    /// the end; with every factor silent, only the records, and the fields stay zero.
    func testScheduleOrdersPassTwoAfterTheNextFactorsBlocks() throws {
        let lattice = try Lattice(nx: 70, ny: 70, nz: 3, spacing: 20)  // 4,900-site planes: 2 blocks
        let specs = ["A", "B", "C", "D"].map { spec(1000, decay: 0.01, name: $0) }
        let solver = try DiffusionSolver(lattice: lattice, factors: specs, dt: 2)
        XCTAssertEqual(solver.schedule, [0, 1, 2, 3, -1, 4, 5, -2, 6, 7, -3, -4])
        solver.setSilent([false, true, false, false])
        XCTAssertEqual(solver.schedule, [-2, 0, 1, 2, 3, -1, 4, 5, -3, -4])
        solver.setSilent([true, true, true, true])
        XCTAssertEqual(solver.schedule, [-1, -2, -3, -4])
        let fields = try FieldSet(lattice: lattice, factors: specs)
        solver.fusesSmallFields = false
        solver.step(fields, threads: 2)
        for f in 0..<4 { XCTAssertTrue(fields.values(f).allSatisfy { $0 == 0 }) }
    }

    /// Sparse spikes with a huge time step (D dt / h^2 = 500) never go negative, for closed,
    /// fixed-zero and periodic faces.
    func testNeverNegative() throws {
        for bc in [BoundaryCondition.noFlux, .fixed(0), .periodic] {
            for lattice in [try Lattice(nx: 64, ny: 40, spacing: 10), try Lattice(nx: 16, ny: 12, nz: 20, spacing: 10)] {
                let s = spec(5000, decay: 0.1, boundaries: FactorSpec.uniform(bc))
                let fields = try FieldSet(lattice: lattice, factors: [s])
                randomFill(fields, seed: 3)
                let solver = try DiffusionSolver(lattice: lattice, factors: [s], dt: 10)
                for _ in 0..<3 {
                    solver.step(fields)
                    XCTAssertGreaterThanOrEqual(fields.minimum(0).value, 0, "\(bc) \(lattice)")
                    XCTAssertNil(fields.firstNonFinite(0))
                }
            }
        }
    }

    /// With D = 0 the step is exact decay: c <- c exp(-k dt), bit for bit the same factor.
    func testDecayIsExact() throws {
        let lattice = try Lattice(nx: 10, ny: 10, spacing: 20)
        let s = spec(0, decay: 0.3)
        let fields = try FieldSet(lattice: lattice, factors: [s])
        randomFill(fields, seed: 4, sparse: false)
        let before = fields.values(0)
        let solver = try DiffusionSolver(lattice: lattice, factors: [s], dt: 0.5)
        solver.step(fields)
        for (a, b) in zip(fields.values(0), before) { XCTAssertEqual(a, b * exp(-0.3 * 0.5), accuracy: 1e-15 * b) }
    }

    func testSourcesAreIntegratedExactly() throws {
        let lattice = try Lattice(nx: 3, ny: 3, spacing: 20)
        let fields = try FieldSet(lattice: lattice, names: ["A"], initial: [2])
        fields.applySources([PointSource(factor: 0, site: 4, rate: 1.5, uptake: 0.2)], dt: 3)
        let e = exp(-0.6)
        XCTAssertEqual(fields[0, 4], 2 * e + 1.5 / 0.2 * (1 - e), accuracy: 1e-14)
        fields.applySources([PointSource(factor: 0, site: 0, rate: 1.5)], dt: 3)
        XCTAssertEqual(fields[0, 0], 6.5)
        XCTAssertEqual(fields[0, 1], 2)
    }

    /// Lines with equal coefficients share one pattern: a uniform factor keeps one per axis, and
    /// regions with equal D do not split it. Memory stays within 16 bytes per site per factor on
    /// the 500 x 500 benchmark grid (8 for the field, the rest coefficients).
    func testPatternsAreSharedAndMemoryIsSmall() throws {
        let lattice = try Lattice(nx: 500, ny: 500, spacing: 20)
        var regions = RegionMap(lattice: lattice)
        for j in 200..<300 { for i in 200..<300 { regions[i, j, 0] = 1 } }
        let specs = ScenarioLoader.bundledFactors + [spec(1000, regions: [1: 1000], name: "same"), spec(1000, regions: [1: 3000], name: "jump")]
        let solver = try DiffusionSolver(lattice: lattice, factors: specs, regions: regions, dt: 2)
        XCTAssertEqual(solver.patternCounts[0], [1, 1])
        XCTAssertEqual(solver.patternCounts[4], [1, 1])
        XCTAssertEqual(solver.patternCounts[5], [2, 2])
        let uniform = try DiffusionSolver(lattice: lattice, factors: ScenarioLoader.bundledFactors, dt: 2)
        let bytesPerSiteFactor = (8.0 * Double(lattice.count * 4) + Double(uniform.coefficientBytes)) / Double(lattice.count * 4)
        XCTAssertLessThanOrEqual(bytesPerSiteFactor, 16)
    }

    func testBadInputNamesTheKey() throws {
        let lattice = try Lattice(nx: 10, ny: 10, spacing: 20)
        let thin = try Lattice(nx: 10, ny: 2, spacing: 20)
        var periodicX = FactorSpec.uniform(.noFlux)
        periodicX[Face.xLow.rawValue] = .periodic; periodicX[Face.xHigh.rawValue] = .periodic
        var fixedOnPeriodic = periodicX
        fixedOnPeriodic[Face.xHigh.rawValue] = .fixed(1)
        var oneSided = FactorSpec.uniform(.noFlux)
        oneSided[Face.yLow.rawValue] = .periodic
        var negativeFixed = FactorSpec.uniform(.noFlux)
        negativeFixed[Face.xLow.rawValue] = .fixed(-1)
        var periodicY = FactorSpec.uniform(.noFlux)
        periodicY[Face.yLow.rawValue] = .periodic; periodicY[Face.yHigh.rawValue] = .periodic
        let cases: [(Lattice, [FactorSpec], Double, String)] = [
            (lattice, [spec(-5)], 1, "factors.C.diffusion: -5.0 um^2/min must be a finite value >= 0"),
            (lattice, [spec(.nan)], 1, "factors.C.diffusion"),
            (lattice, [spec(5, regions: [1: -2])], 1, "factors.C.diffusion[region 1]"),
            (lattice, [spec(5, decay: -0.1)], 1, "factors.C.decay: -0.1 /min"),
            (lattice, [spec(5, boundaries: fixedOnPeriodic)], 1, "a fixed value on a periodic axis"),
            (lattice, [spec(5, boundaries: oneSided)], 1, "factors.C.boundary.y_low: periodic needs the opposite face periodic"),
            (lattice, [spec(5, boundaries: negativeFixed)], 1, "factors.C.boundary.x_low: fixed value -1.0"),
            (thin, [spec(5, boundaries: periodicY)], 1, "a periodic axis needs at least 3 sites"),
            (lattice, [spec(5), spec(6)], 1, "factors.C: the factor is defined twice"),
            (lattice, [spec(5)], 0, "time.dt: 0.0 min must be a finite time > 0"),
            (lattice, [spec(5)], -1, "time.dt"),
        ]
        for (l, specs, dt, fragment) in cases {
            XCTAssertThrowsError(try DiffusionSolver(lattice: l, factors: specs, dt: dt), fragment) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error) should contain \(fragment)")
            }
        }
        XCTAssertNoThrow(try DiffusionSolver(lattice: lattice, factors: [spec(5, boundaries: periodicX)], dt: 1))
    }

    func testFieldsTooLargeForMemoryAreAnError() throws {
        let huge = try Lattice(nx: 40_000, ny: 40_000, spacing: 1)
        XCTAssertThrowsError(try FieldSet(lattice: huge, factors: ScenarioLoader.bundledFactors)) { error in
            XCTAssertTrue("\(error)".contains("4 factor fields on 40000x40000 sites, h = 1.0 um needs an estimated 47.7 GiB"), "\(error)")
        }
    }

    /// The factor table comes from the bundled scenario file, its one source (PARAMETERS.md:
    /// EGF 60, bFGF 10, VEGF 30, HGF 20 um^2/s; VEGF decay 0.92 /h; HGF 84 kDa).
    func testBundledFactorsFollowParameters() {
        let factors = ScenarioLoader.bundledFactors
        XCTAssertEqual(factors.map(\.name), ["EGF", "bFGF", "VEGF", "HGF"])
        XCTAssertEqual(factors.map(\.diffusion), [3600, 600, 1800, 1200])
        XCTAssertEqual(factors[2].decay, 0.92 / 60, accuracy: 1e-15)
        XCTAssertEqual(factors.map(\.molarMass), [6_200, 17_200, 45_000, 84_000])
    }
}
