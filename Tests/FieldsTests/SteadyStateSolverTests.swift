import Fields
import SimCore
import XCTest

/// `SteadyStateSolver` (the quasi-steady solve for oxygen, issue 14). Its accuracy against the
/// point-supply solutions is `woundsim verify`'s steady cases; here: invariants, thread
/// independence and the multigrid's rate on a wound-like problem.
final class SteadyStateSolverTests: XCTestCase {
    /// Oxygen's D [um^2/min] (PhysiCell's default, Ghaffarizadeh et al. 2018).
    let d = 1e5

    /// A wound-like problem: tissue consuming at `k` [1/min] outside a disc of `radius` sites
    /// (the empty bed consumes nothing), vessels every `every` sites in the last layer exchanging
    /// at `p` [1/min] with blood at `blood` (a = p, b = p x blood).
    func woundLike(_ lattice: Lattice, radius: Double, every: Int = 5, k: Double = 2, p: Double = 50, blood: Double = 40) throws -> SteadyStateSolver {
        let solver = try SteadyStateSolver(lattice: lattice, diffusion: d)
        let cx = Double(lattice.nx) / 2, cy = Double(lattice.ny) / 2
        for z in 0..<lattice.nz {
            for j in 0..<lattice.ny {
                for i in 0..<lattice.nx {
                    let s = lattice.index(i, j, z)
                    let inside = (Double(i) - cx) * (Double(i) - cx) + (Double(j) - cy) * (Double(j) - cy) < radius * radius
                    solver.loss[s] = inside ? 0 : k
                    if !inside && z == lattice.nz - 1 && i % every == 0 && j % every == 0 {
                        solver.loss[s] += p
                        solver.supply[s] = p * blood
                    }
                }
            }
        }
        return solver
    }

    /// A product of cosines is an eigenvector of the discrete no-flux Laplacian:
    /// -lap_h cos(pi p (i + 1/2) / n) = (2 - 2 cos(pi p / n)) / h^2 x the same. With c = 2 + mode,
    /// b = a c + D Lambda mode is the exact discrete right-hand side, so the solver must return c to
    /// round-off, on odd sizes, one-axis halving, single rows and columns, and nz 1 to 5.
    func testCosineModesAreReproducedExactly() throws {
        for (nx, ny, nz, p, q, r) in [(37, 23, 3, 3, 2, 1), (1, 40, 5, 0, 5, 2), (2, 17, 1, 1, 4, 0), (64, 2, 2, 7, 1, 1), (9, 130, 1, 2, 11, 0)] {
            let h = 20.0
            let lattice = try Lattice(nx: nx, ny: ny, nz: nz, spacing: h)
            let solver = try SteadyStateSolver(lattice: lattice, diffusion: d)
            func eigen(_ m: Int, _ n: Int) -> Double { (2 - 2 * cos(Double.pi * Double(m) / Double(n))) / (h * h) }
            let lambda = eigen(p, nx) + eigen(q, ny) + eigen(r, nz)
            let a = 0.5 + 2 * d * lambda
            var exact = [Double](repeating: 0, count: lattice.count)
            for k in 0..<nz { for j in 0..<ny { for i in 0..<nx {
                let mode = cos(Double.pi * Double(p) * (Double(i) + 0.5) / Double(nx)) * cos(Double.pi * Double(q) * (Double(j) + 0.5) / Double(ny))
                    * cos(Double.pi * Double(r) * (Double(k) + 0.5) / Double(nz))
                let s = lattice.index(i, j, k)
                exact[s] = 2 + mode
                solver.loss[s] = a
                solver.supply[s] = a * exact[s] + d * lambda * mode
            } } }
            let outcome = solver.solve(tolerance: 1e-13)
            XCTAssertTrue(outcome.converged, "\(nx)x\(ny)x\(nz): \(outcome)")
            var worst = 0.0
            for s in 0..<lattice.count { worst = max(worst, abs(solver.solution[s] - exact[s])) }
            XCTAssertLessThan(worst, 1e-10, "\(nx)x\(ny)x\(nz) mode (\(p), \(q), \(r))")
        }
    }

    /// No supply: the solution is 0 at once, whatever it held. No loss anywhere: no steady state
    /// exists, and the solver says so instead of returning NaN as converged.
    func testNoSupplyAndNoLoss() throws {
        let lattice = try Lattice(nx: 12, ny: 9, nz: 3, spacing: 20)
        let solver = try SteadyStateSolver(lattice: lattice, diffusion: d)
        solver.loss.update(repeating: 1)
        solver.solution.update(repeating: 7)
        let none = solver.solve()
        XCTAssertTrue(none.converged)
        XCTAssertEqual(none.cycles, 0)
        XCTAssertTrue(solver.solution.allSatisfy { $0 == 0 })
        let column = try SteadyStateSolver(lattice: try Lattice(nx: 1, ny: 1, nz: 4, spacing: 20), diffusion: d)
        column.supply[0] = 1
        column.solution[1] = 3
        XCTAssertFalse(column.solve(maxCycles: 5).converged)
    }

    func testUniformLossAndSupplyGiveTheLocalBalance() throws {
        let lattice = try Lattice(nx: 37, ny: 23, nz: 3, spacing: 20)
        let solver = try SteadyStateSolver(lattice: lattice, diffusion: d)
        solver.loss.update(repeating: 4)
        solver.supply.update(repeating: 10)
        // The reachable residual is round-off in the stencil's terms (D / h^2 x c, here ~1e3).
        let outcome = solver.solve(tolerance: 1e-12)
        XCTAssertTrue(outcome.converged, "\(outcome)")
        for v in solver.solution { XCTAssertEqual(v, 2.5, accuracy: 1e-12) }
    }

    /// Between 0 and the blood value everywhere (maximum principle); the total consumption equals the total exchange (the diffusion terms cancel over
    /// closed faces).
    func testBoundedAndBalanced() throws {
        let lattice = try Lattice(nx: 121, ny: 97, nz: 2, spacing: 20)
        let solver = try woundLike(lattice, radius: 30)
        let outcome = solver.solve(tolerance: 1e-12, threads: 2)
        XCTAssertTrue(outcome.converged, "\(outcome)")
        var low = Double.infinity, high = -Double.infinity, balance = 0.0, supplied = 0.0
        for s in 0..<lattice.count {
            let c = solver.solution[s]
            low = min(low, c); high = max(high, c)
            balance += solver.supply[s] - solver.loss[s] * c
            supplied += solver.supply[s]
        }
        XCTAssertGreaterThan(low, 0)
        XCTAssertLessThanOrEqual(high, 40)
        XCTAssertLessThan(abs(balance) / supplied, 1e-10)
    }

    /// The same bits at 1, 2, 3 and 5 threads (red-black columns read only the other colour; the
    /// stopping test is a maximum).
    func testBitIdenticalAtAnyThreadCount() throws {
        let lattice = try Lattice(nx: 130, ny: 101, nz: 4, spacing: 20)
        var reference: [Double]? = nil
        for threads in [1, 2, 3, 5] {
            let solver = try woundLike(lattice, radius: 25)
            let outcome = solver.solve(tolerance: 1e-11, threads: threads)
            XCTAssertTrue(outcome.converged)
            let values = Array(solver.solution)
            if let reference {
                XCTAssertTrue(values.withUnsafeBytes { a in reference.withUnsafeBytes { b in a.elementsEqual(b) } }, "\(threads) threads")
            } else {
                reference = values
            }
        }
    }

    /// Multigrid: the same 5 x 5 mm wound-like problem (a 3 mm bed that consumes nothing, the
    /// hard case for a single-grid smoother; vessels every 200 um) on 125 x 125 x 2 sites of 40 um
    /// and 250 x 250 x 2 of 20 um: the residual falls by at least 4x per V-cycle at both, in
    /// about as many cycles; a warm start after a small change needs few.
    func testConvergesAtAGridIndependentRate() throws {
        var counts: [Int] = []
        for (n, r) in [(125, 37.5), (250, 75.0)] {
            let lattice = try Lattice(nx: n, ny: n, nz: 2, spacing: 40 * 125 / Double(n))
            let solver = try woundLike(lattice, radius: r, every: n / 25)
            let start = solver.residual()
            let outcome = solver.solve(tolerance: 1e-10, maxCycles: 40)
            XCTAssertTrue(outcome.converged, "\(n): \(outcome)")
            let rate = pow(outcome.residual / start, 1 / Double(outcome.cycles))
            XCTAssertLessThan(rate, 0.25, "\(n): mean reduction per cycle \(rate)")
            counts.append(outcome.cycles)
            // A small change (one site consumes twice as much): a warm start needs few cycles.
            solver.loss[lattice.index(n / 4, n / 4, 0)] *= 2
            let again = solver.solve(tolerance: 1e-10)
            XCTAssertLessThanOrEqual(again.cycles, outcome.cycles / 2 + 1, "\(n): warm start")
            print("steady solver, \(n) x \(n) x 2: \(outcome.cycles) V-cycles from zero to 1e-10 (mean reduction \(rate) per cycle), \(again.cycles) after the change")
        }
        XCTAssertLessThanOrEqual(abs(counts[0] - counts[1]), 2, "cycles \(counts)")
    }

    /// A solver of site classes (oxygen's: 1 byte per site, the solution in the caller's row)
    /// gives the same bits as per-site arrays holding the classes' values, at 1 and 2 threads, and
    /// solves in the buffer it was given.
    func testSiteClassesGiveTheSameBitsAsPerSiteArrays() throws {
        let lattice = try Lattice(nx: 97, ny: 61, nz: 5, spacing: 20)
        let reference = try woundLike(lattice, radius: 20)
        XCTAssertTrue(reference.solve(tolerance: 1e-11).converged)
        // The same problem as classes: loss values of the reference, each a class.
        var classOf: [Double: UInt8] = [:], table: [(Double, Double)] = []
        var codes = [UInt8](repeating: 0, count: lattice.count)
        for s in 0..<lattice.count {
            let key = reference.loss[s] * 1e6 + reference.supply[s]
            if classOf[key] == nil { classOf[key] = UInt8(table.count); table.append((reference.loss[s], reference.supply[s])) }
            codes[s] = classOf[key]!
        }
        XCTAssertEqual(table.count, 3)
        for threads in [1, 2] {
            let row = UnsafeMutableBufferPointer<Double>.allocate(capacity: lattice.count)
            row.initialize(repeating: 0)
            defer { row.deallocate() }
            let solver = try SteadyStateSolver(lattice: lattice, diffusion: d, classCount: table.count, solution: row)
            for (k, (a, b)) in table.enumerated() { solver.setClass(k, loss: a, supply: b) }
            _ = solver.siteClass.update(fromContentsOf: codes)
            let outcome = solver.solve(tolerance: 1e-11, threads: threads)
            XCTAssertTrue(outcome.converged)
            XCTAssertEqual(solver.solution.baseAddress, row.baseAddress)
            XCTAssertTrue(Array(row).withUnsafeBytes { a in Array(reference.solution).withUnsafeBytes { b in a.elementsEqual(b) } }, "\(threads) threads")
        }
    }

    /// The solutions' bits, pinned: a 64-bit FNV-1a over the bit patterns of the wound-like
    /// problem's solution on an odd lattice with several layers, and on a row long enough to be
    /// taken in several blocks of columns, at 1 and 2 threads. The solver before the site classes
    /// and the row-wise smoother (429e8df: one column at a time, residual arrays) gives the same
    /// values; a change of arithmetic order changes them.
    func testSolutionBitsArePinned() throws {
        func fnv(_ values: UnsafeMutableBufferPointer<Double>) -> UInt64 {
            var h: UInt64 = 0xcbf29ce484222325
            for v in values { h = (h ^ v.bitPattern) &* 0x100000001b3 }
            return h
        }
        for (nx, ny, nz, radius, pinned) in [(97, 61, 5, 20.0, UInt64(0x917723cbdd47c288)), (301, 40, 3, 12.0, UInt64(0x29210b61ca74d1c1))] {
            for threads in [1, 2] {
                let solver = try woundLike(try Lattice(nx: nx, ny: ny, nz: nz, spacing: 20), radius: radius)
                XCTAssertTrue(solver.solve(tolerance: 1e-11, threads: threads).converged)
                print("pinned steady solution \(nx)x\(ny)x\(nz), \(threads) threads: \(String(fnv(solver.solution), radix: 16))")
                XCTAssertEqual(fnv(solver.solution), pinned, "\(nx)x\(ny)x\(nz), \(threads) threads")
            }
        }
    }
}
