import Foundation
import SimCore

/// The quasi-steady state of a fast field, for factors that equilibrate within one step (oxygen:
/// D about 1e5 um^2/min, so D dt / h^2 is about 500 at dt = 2 min and h = 20 um, where the split solver's error next to a source is
/// large; issue 14). Solves
///
///     D lap c - a(x) c + b(x) = 0
///
/// on the lattice with closed (no-flux) faces, with the split solver's cell-centred 5- or
/// 7-point stencil: `a` [1/min] is every first-order loss at a site (consumption by its cells,
/// exchange with a vessel), `b` [units/min] every supply (a vessel's exchange times the blood
/// value). The problem has one solution when `a` is positive somewhere.
///
/// Method: multigrid V-cycles, coarsening x and y by two (cell-centred; an odd last cell has one
/// child) and keeping every z layer, smoothed by red-black Gauss-Seidel over whole z columns
/// (each column's tridiagonal system solved exactly), so that strong z coupling (thin layers,
/// coarse x-y levels) does not slow it. Restriction averages the children, prolongation is
/// bilinear in x and y. A column's update reads only columns of the other colour, so the result
/// is the same in every bit at any thread count; the stopping test is a maximum norm, which does
/// not depend on the order of a reduction. `solve` starts from the current solution (a warm
/// start between steps). One `solve` at a time per instance: the grids and scratch are shared.
public final class SteadyStateSolver: @unchecked Sendable {
    /// The fine lattice.
    public let lattice: Lattice
    /// Diffusion coefficient [um^2/min].
    public let diffusion: Double
    /// First-order loss per site [1/min], >= 0, written by the caller before `solve`.
    public var loss: UnsafeMutableBufferPointer<Double> { levels[0].a }
    /// Supply per site [units/min], >= 0, written by the caller before `solve`.
    public var supply: UnsafeMutableBufferPointer<Double> { levels[0].f }
    /// The solution [units]; `solve` starts from what it holds.
    public var solution: UnsafeMutableBufferPointer<Double> { levels[0].c }

    /// One grid of the hierarchy: its sizes, spacings [um] and arrays (loss, right-hand side,
    /// solution, residual), site-ordered as `Lattice.index`.
    struct Level {
        let nx: Int, ny: Int, nz: Int
        let hx: Double, hy: Double, hz: Double
        let a: UnsafeMutableBufferPointer<Double>
        let f: UnsafeMutableBufferPointer<Double>
        let c: UnsafeMutableBufferPointer<Double>
        let r: UnsafeMutableBufferPointer<Double>
    }

    private var levels: [Level] = []
    /// Thomas scratch, 2 nz per row chunk.
    private let scratch: UnsafeMutableBufferPointer<Double>
    /// Per-chunk maxima of the residual.
    private let maxima: UnsafeMutableBufferPointer<Double>
    private let chunks: Int

    /// Smoothing sweeps before and after the coarse correction; on the coarsest grid (at most
    /// 2 x 2 columns) sweeps run until its residual has fallen 1e6-fold, at most `coarsestSweeps`.
    static let preSweeps = 2, postSweeps = 2, coarsestSweeps = 2000

    /// - Parameters:
    ///   - lattice: the fine lattice (its spacing in um).
    ///   - diffusion: D [um^2/min], finite and > 0 (a precondition: the caller validates it).
    /// - Throws: `LatticeError.tooLargeForMemory` when the grids do not fit.
    public init(lattice: Lattice, diffusion: Double) throws(LatticeError) {
        precondition(diffusion > 0 && diffusion.isFinite, "the steady-state solver needs a positive diffusion coefficient")
        self.lattice = lattice
        self.diffusion = diffusion
        // The grids' sizes and spacings: x and y halved (rounding up) while above 2 sites.
        var sizes = [(nx: lattice.nx, ny: lattice.ny, hx: lattice.spacing, hy: lattice.spacing)]
        while let g = sizes.last, g.nx > 2 || g.ny > 2 {
            sizes.append((g.nx > 2 ? (g.nx + 1) / 2 : g.nx, g.ny > 2 ? (g.ny + 1) / 2 : g.ny,
                          g.nx > 2 ? 2 * g.hx : g.hx, g.ny > 2 ? 2 * g.hy : g.hy))
        }
        try MemoryBudget.check(sizes.reduce(0.0) { $0 + 32 * Double($1.nx * $1.ny * lattice.nz) }, what: "the steady-state solver's grids")
        for g in sizes {
            let n = g.nx * g.ny * lattice.nz
            func array() -> UnsafeMutableBufferPointer<Double> {
                let p = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
                p.initialize(repeating: 0)
                return p
            }
            levels.append(Level(nx: g.nx, ny: g.ny, nz: lattice.nz, hx: g.hx, hy: g.hy, hz: lattice.spacing,
                                a: array(), f: array(), c: array(), r: array()))
        }
        chunks = max(1, min(lattice.ny, 64))
        scratch = .allocate(capacity: 2 * lattice.nz * chunks)
        scratch.initialize(repeating: 0)
        maxima = .allocate(capacity: chunks)
        maxima.initialize(repeating: 0)
    }

    deinit {
        for l in levels { l.a.deallocate(); l.f.deallocate(); l.c.deallocate(); l.r.deallocate() }
        scratch.deallocate(); maxima.deallocate()
    }

    /// The outcome of `solve`.
    public struct Outcome: Sendable, Equatable {
        /// V-cycles run.
        public let cycles: Int
        /// Largest |b - (a c - D lap c)| over the sites [units/min] after the last cycle.
        public let residual: Double
        /// Whether `residual <= tolerance x max(b)` was reached within the allowed cycles.
        public let converged: Bool
    }

    /// Runs V-cycles from the current solution until the largest residual is at most
    /// `tolerance` times the largest supply (or `maxCycles`). With no supply anywhere the
    /// solution is 0. A residual that is not finite (a singular problem: no loss anywhere in a
    /// column or the whole lattice) stops the cycles and reports `converged == false`.
    ///
    /// - Precondition: `loss` and `supply` are finite and >= 0, and `loss` is positive somewhere
    ///   when any supply is (else no steady state exists).
    @discardableResult
    public func solve(tolerance: Double = 1e-10, maxCycles: Int = 60, threads: Int = 1) -> Outcome {
        for l in 1..<levels.count { restrictMean(levels[l - 1], levels[l - 1].a, levels[l], levels[l].a, threads: threads) }
        var fmax = 0.0
        for v in levels[0].f where !(v <= fmax) && !fmax.isNaN { fmax = v }
        if fmax == 0 {
            levels[0].c.update(repeating: 0)
            return Outcome(cycles: 0, residual: 0, converged: true)
        }
        let target = tolerance * fmax
        var residual = residualMax(levels[0], threads: threads)
        var cycles = 0
        while residual > target && residual.isFinite && cycles < maxCycles {
            vCycle(0, threads: threads)
            cycles += 1
            residual = residualMax(levels[0], threads: threads)
        }
        return Outcome(cycles: cycles, residual: residual, converged: residual.isFinite && residual <= target)
    }

    /// The largest residual of the fine grid [units/min], for the current solution.
    public func residual(threads: Int = 1) -> Double { residualMax(levels[0], threads: threads) }

    // MARK: the cycle

    private func vCycle(_ l: Int, threads: Int) {
        let level = levels[l]
        if l == levels.count - 1 {
            let start = residualMax(level, threads: threads)
            var sweeps = 0
            while sweeps < Self.coarsestSweeps {
                for _ in 0..<10 { smooth(level, threads: threads) }
                sweeps += 10
                let r = residualMax(level, threads: threads)
                if !(r > 1e-6 * start) { break }
            }
            return
        }
        for _ in 0..<Self.preSweeps { smooth(level, threads: threads) }
        computeResidual(level, threads: threads)
        let coarse = levels[l + 1]
        restrictMean(level, level.r, coarse, coarse.f, threads: threads)
        coarse.c.update(repeating: 0)
        vCycle(l + 1, threads: threads)
        prolongAdd(from: coarse, to: level, threads: threads)
        for _ in 0..<Self.postSweeps { smooth(level, threads: threads) }
    }

    /// Rows of a level dealt in `chunks` contiguous blocks.
    @inline(__always)
    private func rows(_ chunk: Int, of ny: Int) -> Range<Int> {
        let per = (ny + chunks - 1) / chunks
        let lo = min(ny, chunk * per)
        return lo..<min(ny, lo + per)
    }

    /// One red-black sweep of z-column Gauss-Seidel: every column with (i + j) even, then odd.
    private func smooth(_ L: Level, threads: Int) {
        let d = diffusion
        let wx = d / (L.hx * L.hx), wy = d / (L.hy * L.hy), wz = d / (L.hz * L.hz)
        let nx = L.nx, ny = L.ny, nz = L.nz, plane = nx * ny
        let a = L.a.baseAddress!, f = L.f.baseAddress!, c = L.c.baseAddress!
        let work = UncheckedSendable(scratch.baseAddress!)
        for colour in 0..<2 {
            parallelFor(chunks: chunks, threads: threads) { chunk in
                let diag = work.value + 2 * nz * chunk, rhs = diag + nz
                for j in rows(chunk, of: ny) {
                    let ny0 = j > 0 ? 1.0 : 0.0, ny1 = j < ny - 1 ? 1.0 : 0.0
                    var i = (colour + j) & 1
                    while i < nx {
                        let nxl = i > 0 ? 1.0 : 0.0, nxh = i < nx - 1 ? 1.0 : 0.0
                        let lateral = wx * (nxl + nxh) + wy * (ny0 + ny1)
                        for k in 0..<nz {
                            let s = k &* plane &+ j &* nx &+ i
                            var sum = f[s]
                            if i > 0 { sum += wx * c[s &- 1] }
                            if i < nx - 1 { sum += wx * c[s &+ 1] }
                            if j > 0 { sum += wy * c[s &- nx] }
                            if j < ny - 1 { sum += wy * c[s &+ nx] }
                            let vertical = wz * Double((k > 0 ? 1 : 0) + (k < nz - 1 ? 1 : 0))
                            diag[k] = lateral + vertical + a[s]
                            rhs[k] = sum
                        }
                        if nz == 1 {
                            let s = j &* nx &+ i
                            c[s] = rhs[0] / diag[0]
                        } else {
                            // Thomas: off-diagonals are -wz; diag is overwritten by the modified
                            // pivots, rhs by the forward-substituted values.
                            for k in 1..<nz {
                                let m = wz / diag[k - 1]
                                diag[k] -= m * wz
                                rhs[k] += m * rhs[k - 1]
                            }
                            var next = rhs[nz - 1] / diag[nz - 1]
                            c[(nz - 1) &* plane &+ j &* nx &+ i] = next
                            var k = nz - 2
                            while k >= 0 {
                                next = (rhs[k] + wz * next) / diag[k]
                                c[k &* plane &+ j &* nx &+ i] = next
                                k -= 1
                            }
                        }
                        i &+= 2
                    }
                }
            }
        }
    }

    /// r = f - (a c - D lap c), into `L.r`.
    private func computeResidual(_ L: Level, threads: Int) {
        let d = diffusion
        let wx = d / (L.hx * L.hx), wy = d / (L.hy * L.hy), wz = d / (L.hz * L.hz)
        let nx = L.nx, ny = L.ny, nz = L.nz, plane = nx * ny
        let a = L.a.baseAddress!, f = L.f.baseAddress!, c = L.c.baseAddress!, r = L.r.baseAddress!
        parallelFor(chunks: chunks, threads: threads) { chunk in
            for j in rows(chunk, of: ny) {
                for k in 0..<nz {
                    for i in 0..<nx {
                        let s = k &* plane &+ j &* nx &+ i
                        let cs = c[s]
                        var flow = 0.0
                        if i > 0 { flow += wx * (c[s &- 1] - cs) }
                        if i < nx - 1 { flow += wx * (c[s &+ 1] - cs) }
                        if j > 0 { flow += wy * (c[s &- nx] - cs) }
                        if j < ny - 1 { flow += wy * (c[s &+ nx] - cs) }
                        if k > 0 { flow += wz * (c[s &- plane] - cs) }
                        if k < nz - 1 { flow += wz * (c[s &+ plane] - cs) }
                        r[s] = f[s] + flow - a[s] * cs
                    }
                }
            }
        }
    }

    private func residualMax(_ L: Level, threads: Int) -> Double {
        computeResidual(L, threads: threads)
        let nx = L.nx, ny = L.ny, nz = L.nz, plane = nx * ny
        let r = L.r.baseAddress!, m = UncheckedSendable(maxima.baseAddress!)
        parallelFor(chunks: chunks, threads: threads) { chunk in
            var worst = 0.0
            for j in rows(chunk, of: ny) {
                // A NaN, once met, stays (Swift's max would drop it).
                for k in 0..<nz { for i in 0..<nx { let v = abs(r[k &* plane &+ j &* nx &+ i]); if !(v <= worst) && !worst.isNaN { worst = v } } }
            }
            m.value[chunk] = worst
        }
        var worst = 0.0
        for v in maxima where !(v <= worst) && !worst.isNaN { worst = v }
        return worst
    }

    /// The mean of a fine array over each coarse cell's children (one or two in x and in y).
    private func restrictMean(_ fine: Level, _ from: UnsafeMutableBufferPointer<Double>,
                              _ coarse: Level, _ to: UnsafeMutableBufferPointer<Double>, threads: Int) {
        let fx = fine.nx, fy = fine.ny, nz = fine.nz, cx = coarse.nx, cy = coarse.ny
        let halveX = cx < fx, halveY = cy < fy
        let src = from.baseAddress!, dst = to.baseAddress!
        parallelFor(chunks: chunks, threads: threads) { chunk in
            for J in rows(chunk, of: cy) {
                let j0 = halveY ? 2 * J : J, j1 = halveY ? min(2 * J + 1, fy - 1) : J
                for k in 0..<nz {
                    for I in 0..<cx {
                        let i0 = halveX ? 2 * I : I, i1 = halveX ? min(2 * I + 1, fx - 1) : I
                        var sum = 0.0, n = 0.0
                        for j in j0...j1 {
                            for i in i0...i1 { sum += src[(k &* fy &+ j) &* fx &+ i]; n += 1 }
                        }
                        dst[(k &* cy &+ J) &* cx &+ I] = sum / n
                    }
                }
            }
        }
    }

    /// Adds the coarse correction to the fine solution, bilinear in x and y (weights 3/4 for a
    /// child's own parent, 1/4 for the parent's neighbour on the child's side, clamped at the
    /// faces).
    private func prolongAdd(from coarse: Level, to fine: Level, threads: Int) {
        let fx = fine.nx, fy = fine.ny, nz = fine.nz, cx = coarse.nx, cy = coarse.ny
        let halveX = cx < fx, halveY = cy < fy
        let e = coarse.c.baseAddress!, c = fine.c.baseAddress!
        parallelFor(chunks: chunks, threads: threads) { chunk in
            for j in rows(chunk, of: fy) {
                let J = halveY ? j / 2 : j
                let Jn = halveY ? min(max(j & 1 == 0 ? J - 1 : J + 1, 0), cy - 1) : J
                for k in 0..<nz {
                    let row = (k &* cy &+ J) &* cx, rowN = (k &* cy &+ Jn) &* cx
                    for i in 0..<fx {
                        let I = halveX ? i / 2 : i
                        let In = halveX ? min(max(i & 1 == 0 ? I - 1 : I + 1, 0), cx - 1) : I
                        let v = 0.5625 * e[row &+ I] + 0.1875 * (e[row &+ In] + e[rowN &+ I]) + 0.0625 * e[rowN &+ In]
                        c[(k &* fy &+ j) &* fx &+ i] += v
                    }
                }
            }
        }
    }
}
