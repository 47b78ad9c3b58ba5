import Foundation
import Fields
import SimCore

/// The quasi-steady solver (`SteadyStateSolver`, for oxygen: issue 14) against the steady point
/// supply in a uniformly consuming medium, L = sqrt(D / a):
/// 2-D c = Q / (2 pi D) K0(r / L) (K0 from GSL), 3-D c = Q e^(-r/L) / (4 pi D r).
extension Verification {
    /// Oxygen's diffusion coefficient, 1e5 um^2/min (1,700 um^2/s: PhysiCell's default for oxygen,
    /// Ghaffarizadeh et al. 2018 PLoS Comput Biol 14:e1005991), and a penetration length of 100 um
    /// [assumption: the order of oxygen's reach from a capillary]. The relative errors depend only
    /// on h / L and r / L.
    static let steadyDiffusion = 1e5, steadyLength = 100.0

    /// Solves the point supply on an n^dim box of spacing h with the supply at the centre site;
    /// returns the worst relative error at the given (i, j) offsets [sites] from the source, the
    /// consumption's relative imbalance with the supply, and the solver's outcome.
    static func steadyPoint(dimension: Int, h: Double, box: Double, offsets: [(Int, Int)], threads: Int) throws
        -> (error: Double, balance: Double, outcome: SteadyStateSolver.Outcome) {
        let d = steadyDiffusion, length = steadyLength, a = d / (length * length)
        let n = Int((box / h).rounded())
        let lattice = try Lattice(nx: n, ny: n, nz: dimension == 2 ? 1 : n, spacing: h)
        let solver = try SteadyStateSolver(lattice: lattice, diffusion: d)
        solver.loss.update(repeating: a)
        let m = n / 2
        let source = dimension == 2 ? lattice.index(m, m) : lattice.index(m, m, m)
        let volume = dimension == 2 ? h * h : h * h * h
        let q = 1e6  // units um^dim / min
        solver.supply[source] = q / volume
        let outcome = solver.solve(tolerance: 1e-13, maxCycles: 80, threads: threads)
        var worst = 0.0
        for (di, dj) in offsets {
            let site = dimension == 2 ? lattice.index(m + di, m + dj) : lattice.index(m + di, m + dj, m)
            let r = h * Double(di * di + dj * dj).squareRoot()
            let exact = dimension == 2 ? q / (2 * Double.pi * d) * (try GSL.besselK0(r / length))
                                       : q * exp(-r / length) / (4 * Double.pi * d * r)
            worst = max(worst, abs(solver.solution[site] - exact) / exact)
        }
        var consumed = 0.0
        for s in 0..<lattice.count { consumed += a * solver.solution[s] * volume }
        return (worst, abs(consumed - q) / q, outcome)
    }

    /// The point supply at each spacing of `spacings` on the same box: the order from the last two
    /// errors, passing when it is 1.8-2.2, the coarsest error is at most `coarsestTolerance`, the
    /// balance is within 1e-9 and every solve converged. `offsets(h)` gives the sites to compare.
    static func steadyRefinement(dimension: Int, spacings: [Double], box: Double, offsets: (Double) -> [(Int, Int)],
                                 coarsestTolerance: Double, threads: Int) throws -> VerificationResult {
        var errors: [Double] = [], worstBalance = 0.0, cycles: [Int] = [], converged = true
        for h in spacings {
            let result = try steadyPoint(dimension: dimension, h: h, box: box, offsets: offsets(h), threads: threads)
            errors.append(result.error); worstBalance = max(worstBalance, result.balance)
            cycles.append(result.outcome.cycles); converged = converged && result.outcome.converged
        }
        let p = order(errors[errors.count - 2], errors[errors.count - 1])
        let labels = spacings.map { "h\(Int($0))" }
        return VerificationResult(
            name: "steady-point-source-\(dimension)d",
            summary: "quasi-steady solver, point supply, L 100 um, h = \(spacings.map { String(Int($0)) }.joined(separator: "/")) um, V-cycles \(cycles.map(String.init).joined(separator: "/"))",
            measurements: zip(labels, errors).map { .init(label: $0, value: $1) } + [.init(label: "balance", value: worstBalance)],
            observedOrder: p, expectedOrder: 2,
            criterion: "1.8 <= order <= 2.2, \(labels[0]) <= \(coarsestTolerance), balance <= 1e-9, converged",
            passed: p >= 1.8 && p <= 2.2 && errors[0] <= coarsestTolerance && worstBalance <= 1e-9 && converged)
    }

    /// 2-D: h = 20, 10, 5 um on the same 2,560 um box (12.8 L from source to face), errors at
    /// r = 100, 200 and 300 um on both axes and at 141, 283 and 424 um on the diagonal; second
    /// order in h.
    static func steadyPointSource2D(threads: Int) throws -> VerificationResult {
        try steadyRefinement(dimension: 2, spacings: [20, 10, 5], box: 2560, offsets: { h in
            let unit = Int((100 / h).rounded())
            return [1, 2, 3].flatMap { [(unit * $0, 0), (0, unit * $0), (unit * $0, unit * $0)] }
        }, coarsestTolerance: 0.02, threads: threads)
    }

    /// 3-D: h = 20 and 10 um on the same 1,280 um box (6.4 L to the faces), errors at r = 160, 200
    /// and 240 um on an axis and 226 um on the diagonal (at 100 um, 5 sites for h = 20 um, terms of
    /// higher order in h / r still show, order 2.2 there, so that point is left out); the
    /// z columns are solved exactly, so this also checks the column smoother on 64 and 128 layers.
    static func steadyPointSource3D(threads: Int) throws -> VerificationResult {
        try steadyRefinement(dimension: 3, spacings: [20, 10], box: 1280, offsets: { h in
            let u = Int((20 / h).rounded())
            return [(8 * u, 0), (10 * u, 0), (12 * u, 0), (0, 10 * u), (8 * u, 8 * u)]
        }, coarsestTolerance: 0.05, threads: threads)
    }
}
