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
    /// (the empty bed consumes nothing), vessels every 5 sites in the deepest layer exchanging at
    /// `p` [1/min] with blood at `blood` (a = p, b = p x blood).
    func woundLike(_ lattice: Lattice, radius: Double, k: Double = 2, p: Double = 50, blood: Double = 40) throws -> SteadyStateSolver {
        let solver = try SteadyStateSolver(lattice: lattice, diffusion: d)
        let cx = Double(lattice.nx) / 2, cy = Double(lattice.ny) / 2
        for z in 0..<lattice.nz {
            for j in 0..<lattice.ny {
                for i in 0..<lattice.nx {
                    let s = lattice.index(i, j, z)
                    let inside = (Double(i) - cx) * (Double(i) - cx) + (Double(j) - cy) * (Double(j) - cy) < radius * radius
                    solver.loss[s] = inside ? 0 : k
                    if !inside && z == lattice.nz - 1 && i % 5 == 0 && j % 5 == 0 {
                        solver.loss[s] += p
                        solver.supply[s] = p * blood
                    }
                }
            }
        }
        return solver
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

    /// Multigrid: the residual falls by at least 4x per V-cycle (measured: 5.7x and 6.4x, 14 and 13
    /// cycles) on a 250 x 250 x 2 wound-like
    /// problem with a 3 mm bed that consumes nothing (the hard case for a single-grid smoother),
    /// independently of the lattice size; a warm start after a small change needs few cycles.
    func testConvergesAtAGridIndependentRate() throws {
        var counts: [Int] = []
        for (n, r) in [(125, 37.5), (250, 75.0)] {
            let lattice = try Lattice(nx: n, ny: n, nz: 2, spacing: 40 * 125 / Double(n))
            let solver = try woundLike(lattice, radius: r)
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
}
