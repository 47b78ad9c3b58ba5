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
    /// - Precondition: the solver was made with per-site coefficients (not site classes).
    public var loss: UnsafeMutableBufferPointer<Double> { precondition(classes == nil, "a solver of site classes has no per-site loss"); return levels[0].a }
    /// Supply per site [units/min], >= 0, written by the caller before `solve`.
    /// - Precondition: the solver was made with per-site coefficients (not site classes).
    public var supply: UnsafeMutableBufferPointer<Double> { precondition(classes == nil, "a solver of site classes has no per-site supply"); return levels[0].f }
    /// The solution [units]; `solve` starts from what it holds.
    public var solution: UnsafeMutableBufferPointer<Double> { levels[0].c }
    /// Each site's class, below `classCount` (a solver of site classes only): its loss and supply
    /// are its class's.
    public var siteClass: UnsafeMutableBufferPointer<UInt8> {
        precondition(classes != nil, "a solver with per-site coefficients has no site classes")
        return classes!.code
    }

    /// One grid of the hierarchy: its sizes, spacings [um] and arrays (loss, right-hand side,
    /// solution), site-ordered as `Lattice.index`. The fine grid of a solver of site classes has
    /// no loss or right-hand side arrays (empty): its classes give them.
    struct Level {
        let nx: Int, ny: Int, nz: Int
        let hx: Double, hy: Double, hz: Double
        let a: UnsafeMutableBufferPointer<Double>
        let f: UnsafeMutableBufferPointer<Double>
        let c: UnsafeMutableBufferPointer<Double>
    }

    /// The fine grid's coefficients as site classes: a class code per site and each class's loss
    /// [1/min] and supply [units/min].
    struct Classes {
        let code: UnsafeMutableBufferPointer<UInt8>
        let loss: UnsafeMutableBufferPointer<Double>
        let supply: UnsafeMutableBufferPointer<Double>
    }

    private var levels: [Level] = []
    private let classes: Classes?
    /// Classes a solver of site classes was made with (0 for per-site coefficients).
    public let classCount: Int
    /// Whether the fine solution belongs to the caller (not freed here).
    private let borrowedSolution: Bool
    /// Thomas scratch: per row chunk, the pivots and right-hand sides of a block of at most
    /// `columnBlock` columns of one colour (2 x nz x columnBlock doubles).
    private let scratch: UnsafeMutableBufferPointer<Double>
    /// Per-chunk maxima of the residual.
    private let maxima: UnsafeMutableBufferPointer<Double>
    private let chunks: Int

    /// Smoothing sweeps before and after the coarse correction; on the coarsest grid (at most
    /// 2 x 2 columns) sweeps run until its residual has fallen 1e6-fold, at most `coarsestSweeps`.
    static let preSweeps = 2, postSweeps = 2, coarsestSweeps = 2000
    /// Columns of one colour eliminated together (a row's are taken in blocks of this many).
    static let columnBlock = 64

    /// A solver with a loss and a supply array per site (`loss`, `supply`).
    /// - Parameters:
    ///   - lattice: the fine lattice (its spacing in um).
    ///   - diffusion: D [um^2/min], finite and > 0 (a precondition: the caller validates it).
    /// - Throws: `LatticeError.tooLargeForMemory` when the grids do not fit.
    public convenience init(lattice: Lattice, diffusion: Double) throws(LatticeError) {
        try self.init(lattice: lattice, diffusion: diffusion, classCount: 0, solution: nil)
    }

    /// A solver whose fine-grid loss and supply come from site classes (`siteClass`,
    /// `setClass`), and whose solution is the caller's buffer (a field row): 1 byte per site on
    /// the fine grid instead of 24, where the loss and supply take few values (oxygen: a vessel
    /// or not, a cell of a kind or none). The same arithmetic as per-site arrays holding the
    /// classes' values, so the same solution in every bit.
    /// - Parameters:
    ///   - classCount: 1...256 classes, each loss 0 and supply 0 until `setClass`.
    ///   - solution: `lattice.count` values [units], the warm start; it must outlive the solver.
    public convenience init(lattice: Lattice, diffusion: Double, classCount: Int, solution: UnsafeMutableBufferPointer<Double>) throws(LatticeError) {
        precondition((1...256).contains(classCount) && solution.count == lattice.count)
        try self.init(lattice: lattice, diffusion: diffusion, classCount: classCount, solution: Optional(solution))
    }

    private init(lattice: Lattice, diffusion: Double, classCount: Int, solution external: UnsafeMutableBufferPointer<Double>?) throws(LatticeError) {
        precondition(diffusion > 0 && diffusion.isFinite, "the steady-state solver needs a positive diffusion coefficient")
        self.lattice = lattice
        self.diffusion = diffusion
        // The grids' sizes and spacings: x and y halved (rounding up) while above 2 sites.
        var sizes = [(nx: lattice.nx, ny: lattice.ny, hx: lattice.spacing, hy: lattice.spacing)]
        while let g = sizes.last, g.nx > 2 || g.ny > 2 {
            sizes.append((g.nx > 2 ? (g.nx + 1) / 2 : g.nx, g.ny > 2 ? (g.ny + 1) / 2 : g.ny,
                          g.nx > 2 ? 2 * g.hx : g.hx, g.ny > 2 ? 2 * g.hy : g.hy))
        }
        let fineBytes = classCount > 0 ? 1.0 : 24.0
        let scratchBytes = 8.0 * Double(2 * lattice.nz * Self.columnBlock * max(1, min(lattice.ny, 64)))
        try MemoryBudget.check(sizes.enumerated().reduce(scratchBytes) { $0 + ($1.offset == 0 ? fineBytes : 24) * Double($1.element.nx * $1.element.ny * lattice.nz) },
                               what: "the steady-state solver's grids")
        func array(_ n: Int) -> UnsafeMutableBufferPointer<Double> {
            let p = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
            p.initialize(repeating: 0)
            return p
        }
        for (l, g) in sizes.enumerated() {
            let n = g.nx * g.ny * lattice.nz
            let fine = l == 0 && classCount > 0
            levels.append(Level(nx: g.nx, ny: g.ny, nz: lattice.nz, hx: g.hx, hy: g.hy, hz: lattice.spacing,
                                a: fine ? array(0) : array(n), f: fine ? array(0) : array(n),
                                c: l == 0 ? external ?? array(n) : array(n)))
        }
        borrowedSolution = external != nil
        self.classCount = classCount
        if classCount > 0 {
            let code = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: lattice.count)
            code.initialize(repeating: 0)
            // 256 entries whatever the count, so that any code reads inside the tables.
            classes = Classes(code: code, loss: array(256), supply: array(256))
        } else {
            classes = nil
        }
        chunks = max(1, min(lattice.ny, 64))
        scratch = .allocate(capacity: 2 * lattice.nz * Self.columnBlock * chunks)
        scratch.initialize(repeating: 0)
        maxima = .allocate(capacity: chunks)
        maxima.initialize(repeating: 0)
    }

    deinit {
        for (l, level) in levels.enumerated() {
            level.a.deallocate(); level.f.deallocate()
            if l > 0 || !borrowedSolution { level.c.deallocate() }
        }
        if let k = classes { k.code.deallocate(); k.loss.deallocate(); k.supply.deallocate() }
        scratch.deallocate(); maxima.deallocate()
    }

    /// Sets class `k`'s loss [1/min] and supply [units/min] (a solver of site classes only).
    public func setClass(_ k: Int, loss: Double, supply: Double) {
        precondition(classes != nil, "a solver with per-site coefficients has no classes")
        precondition((0..<classCount).contains(k), "class \(k) of \(classCount)")
        classes!.loss[k] = loss
        classes!.supply[k] = supply
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
        for l in 1..<levels.count {
            if l == 1, let k = classes {
                restrictMean(levels[0], ClassValues(code: k.code.baseAddress!, table: k.loss.baseAddress!), levels[1], levels[1].a, threads: threads)
            } else {
                restrictMean(levels[l - 1], ArrayValues(p: levels[l - 1].a.baseAddress!), levels[l], levels[l].a, threads: threads)
            }
        }
        var fmax = 0.0
        if let k = classes {
            for code in k.code { let v = k.supply[Int(code)]; if !(v <= fmax) && !fmax.isNaN { fmax = v } }
        } else {
            for v in levels[0].f where !(v <= fmax) && !fmax.isNaN { fmax = v }
        }
        if fmax == 0 {
            levels[0].c.update(repeating: 0)
            return Outcome(cycles: 0, residual: 0, converged: true)
        }
        let target = tolerance * fmax
        var residual = residualMax(0, threads: threads)
        var cycles = 0
        while residual > target && residual.isFinite && cycles < maxCycles {
            vCycle(0, threads: threads)
            cycles += 1
            residual = residualMax(0, threads: threads)
        }
        return Outcome(cycles: cycles, residual: residual, converged: residual.isFinite && residual <= target)
    }

    /// The largest residual of the fine grid [units/min], for the current solution.
    public func residual(threads: Int = 1) -> Double { residualMax(0, threads: threads) }

    // MARK: the cycle

    private func vCycle(_ l: Int, threads: Int) {
        if l == levels.count - 1 {
            let start = residualMax(l, threads: threads)
            var sweeps = 0
            while sweeps < Self.coarsestSweeps {
                for _ in 0..<10 { smooth(l, threads: threads) }
                sweeps += 10
                let r = residualMax(l, threads: threads)
                if !(r > 1e-6 * start) { break }
            }
            return
        }
        for _ in 0..<Self.preSweeps { smooth(l, threads: threads) }
        let coarse = levels[l + 1]
        // The residual is formed child by child as it is restricted: no residual array.
        if l == 0, let k = classes {
            let a = ClassValues(code: k.code.baseAddress!, table: k.loss.baseAddress!), f = ClassValues(code: k.code.baseAddress!, table: k.supply.baseAddress!)
            restrictMean(levels[l], Residuals(level: levels[l], d: diffusion, a: a, f: f), coarse, coarse.f, threads: threads)
        } else {
            let a = ArrayValues(p: levels[l].a.baseAddress!), f = ArrayValues(p: levels[l].f.baseAddress!)
            restrictMean(levels[l], Residuals(level: levels[l], d: diffusion, a: a, f: f), coarse, coarse.f, threads: threads)
        }
        coarse.c.update(repeating: 0)
        vCycle(l + 1, threads: threads)
        prolongAdd(from: coarse, to: levels[l], threads: threads)
        for _ in 0..<Self.postSweeps { smooth(l, threads: threads) }
    }

    /// Rows of a level dealt in `chunks` contiguous blocks.
    @inline(__always)
    private func rows(_ chunk: Int, of ny: Int) -> Range<Int> {
        let per = (ny + chunks - 1) / chunks
        let lo = min(ny, chunk * per)
        return lo..<min(ny, lo + per)
    }

    /// One red-black sweep of z-column Gauss-Seidel on level `l`.
    private func smooth(_ l: Int, threads: Int) {
        if l == 0, let k = classes {
            smooth(levels[0], a: ClassValues(code: k.code.baseAddress!, table: k.loss.baseAddress!),
                   f: ClassValues(code: k.code.baseAddress!, table: k.supply.baseAddress!), threads: threads)
        } else {
            smooth(levels[l], a: ArrayValues(p: levels[l].a.baseAddress!), f: ArrayValues(p: levels[l].f.baseAddress!), threads: threads)
        }
    }

    /// One red-black sweep of z-column Gauss-Seidel: every column with (i + j) even, then odd.
    /// A row's columns of one colour are solved together in blocks of `columnBlock`, plane by
    /// plane (their Thomas recurrences side by side in the scratch), so that memory is read along
    /// rows; each column's arithmetic is the one-column solve's, in the same order, so the bits
    /// do not depend on it.
    private func smooth<A: SiteValues, F: SiteValues>(_ L: Level, a: A, f: F, threads: Int) {
        let d = diffusion
        let wx = d / (L.hx * L.hx), wy = d / (L.hy * L.hy), wz = d / (L.hz * L.hz)
        let nx = L.nx, ny = L.ny, nz = L.nz, plane = nx * ny
        let c = L.c.baseAddress!
        let work = UncheckedSendable(scratch.baseAddress!)
        let stride = 2 * nz * Self.columnBlock
        for colour in 0..<2 {
            parallelFor(chunks: chunks, threads: threads) { chunk in
                let diag = work.value + stride * chunk
                for j in rows(chunk, of: ny) {
                    let first = (colour + j) & 1
                    if first >= nx { continue }
                    let columns = (nx - first + 1) / 2     // columns first, first + 2, ... below nx
                    let ny0 = j > 0 ? 1.0 : 0.0, ny1 = j < ny - 1 ? 1.0 : 0.0
                    var blockStart = 0
                    while blockStart < columns {
                        let m = min(Self.columnBlock, columns - blockStart)
                        let i0 = first &+ 2 &* blockStart
                        blockStart &+= m
                        let rhs = diag + nz * m
                        for k in 0..<nz {
                            let vertical = wz * Double((k > 0 ? 1 : 0) + (k < nz - 1 ? 1 : 0))
                            let row = k &* plane &+ j &* nx
                            let dk = diag + k &* m, rk = rhs + k &* m
                            for q in 0..<m {
                                let i = i0 &+ 2 &* q
                                let s = row &+ i
                                let nxl = i > 0 ? 1.0 : 0.0, nxh = i < nx - 1 ? 1.0 : 0.0
                                let lateral = wx * (nxl + nxh) + wy * (ny0 + ny1)
                                var sum = f.at(s, i, j, k)
                                if i > 0 { sum += wx * c[s &- 1] }
                                if i < nx - 1 { sum += wx * c[s &+ 1] }
                                if j > 0 { sum += wy * c[s &- nx] }
                                if j < ny - 1 { sum += wy * c[s &+ nx] }
                                dk[q] = lateral + vertical + a.at(s, i, j, k)
                                rk[q] = sum
                            }
                        }
                        let row0 = j &* nx &+ i0
                        if nz == 1 {
                            for q in 0..<m { c[row0 &+ 2 &* q] = rhs[q] / diag[q] }
                            continue
                        }
                        // Thomas: off-diagonals are -wz; diag is overwritten by the modified
                        // pivots, rhs by the forward-substituted values.
                        for k in 1..<nz {
                            let dk = diag + k &* m, rk = rhs + k &* m, dp = dk - m, rp = rk - m
                            for q in 0..<m {
                                let mult = wz / dp[q]
                                dk[q] -= mult * wz
                                rk[q] += mult * rp[q]
                            }
                        }
                        do {
                            let dk = diag + (nz - 1) &* m, rk = rhs + (nz - 1) &* m, out = c + ((nz - 1) &* plane &+ row0)
                            for q in 0..<m { out[2 &* q] = rk[q] / dk[q] }
                        }
                        var k = nz - 2
                        while k >= 0 {
                            let dk = diag + k &* m, rk = rhs + k &* m, out = c + (k &* plane &+ row0)
                            let above = out + plane
                            for q in 0..<m { out[2 &* q] = (rk[q] + wz * above[2 &* q]) / dk[q] }
                            k -= 1
                        }
                    }
                }
            }
        }
    }

    /// The largest |f - (a c - D lap c)| over level `l`'s sites [units/min].
    private func residualMax(_ l: Int, threads: Int) -> Double {
        if l == 0, let k = classes {
            let a = ClassValues(code: k.code.baseAddress!, table: k.loss.baseAddress!), f = ClassValues(code: k.code.baseAddress!, table: k.supply.baseAddress!)
            return residualMax(Residuals(level: levels[0], d: diffusion, a: a, f: f), threads: threads)
        }
        let a = ArrayValues(p: levels[l].a.baseAddress!), f = ArrayValues(p: levels[l].f.baseAddress!)
        return residualMax(Residuals(level: levels[l], d: diffusion, a: a, f: f), threads: threads)
    }

    private func residualMax<A: SiteValues, F: SiteValues>(_ r: Residuals<A, F>, threads: Int) -> Double {
        let nx = r.nx, ny = r.ny, nz = r.nz, plane = nx * ny
        let m = UncheckedSendable(maxima.baseAddress!)
        parallelFor(chunks: chunks, threads: threads) { chunk in
            var worst = 0.0
            for j in rows(chunk, of: ny) {
                // A NaN, once met, stays (Swift's max would drop it).
                for k in 0..<nz { for i in 0..<nx {
                    let v = abs(r.at(k &* plane &+ j &* nx &+ i, i, j, k))
                    if !(v <= worst) && !worst.isNaN { worst = v }
                } }
            }
            m.value[chunk] = worst
        }
        var worst = 0.0
        for v in maxima where !(v <= worst) && !worst.isNaN { worst = v }
        return worst
    }

    /// The mean of a fine grid's values over each coarse cell's children (one or two in x and in y).
    private func restrictMean<V: SiteValues>(_ fine: Level, _ src: V,
                                             _ coarse: Level, _ to: UnsafeMutableBufferPointer<Double>, threads: Int) {
        let fx = fine.nx, fy = fine.ny, nz = fine.nz, cx = coarse.nx, cy = coarse.ny
        let halveX = cx < fx, halveY = cy < fy
        let dst = to.baseAddress!
        parallelFor(chunks: chunks, threads: threads) { chunk in
            for J in rows(chunk, of: cy) {
                let j0 = halveY ? 2 * J : J, j1 = halveY ? min(2 * J + 1, fy - 1) : J
                for k in 0..<nz {
                    for I in 0..<cx {
                        let i0 = halveX ? 2 * I : I, i1 = halveX ? min(2 * I + 1, fx - 1) : I
                        var sum = 0.0, n = 0.0
                        for j in j0...j1 {
                            for i in i0...i1 { sum += src.at((k &* fy &+ j) &* fx &+ i, i, j, k); n += 1 }
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

/// A value per site of a grid, read by site index (and its coordinates, for values formed from
/// neighbours).
protocol SiteValues {
    func at(_ s: Int, _ i: Int, _ j: Int, _ k: Int) -> Double
}

/// Values stored per site.
struct ArrayValues: SiteValues {
    let p: UnsafeMutablePointer<Double>
    @inline(__always) func at(_ s: Int, _ i: Int, _ j: Int, _ k: Int) -> Double { p[s] }
}

/// Values of a site's class.
struct ClassValues: SiteValues {
    let code: UnsafeMutablePointer<UInt8>
    let table: UnsafeMutablePointer<Double>
    @inline(__always) func at(_ s: Int, _ i: Int, _ j: Int, _ k: Int) -> Double { table[Int(code[s])] }
}

/// The residual f - (a c - D lap c) of a level [units/min], formed where it is read (flows summed
/// in the order -x, +x, -y, +y, -z, +z).
struct Residuals<A: SiteValues, F: SiteValues>: SiteValues {
    let nx: Int, ny: Int, nz: Int
    let wx: Double, wy: Double, wz: Double
    let c: UnsafeMutablePointer<Double>
    let a: A, f: F

    init(level L: SteadyStateSolver.Level, d: Double, a: A, f: F) {
        nx = L.nx; ny = L.ny; nz = L.nz
        wx = d / (L.hx * L.hx); wy = d / (L.hy * L.hy); wz = d / (L.hz * L.hz)
        c = L.c.baseAddress!
        self.a = a; self.f = f
    }

    @inline(__always) func at(_ s: Int, _ i: Int, _ j: Int, _ k: Int) -> Double {
        let plane = nx &* ny
        let cs = c[s]
        var flow = 0.0
        if i > 0 { flow += wx * (c[s &- 1] - cs) }
        if i < nx - 1 { flow += wx * (c[s &+ 1] - cs) }
        if j > 0 { flow += wy * (c[s &- nx] - cs) }
        if j < ny - 1 { flow += wy * (c[s &+ nx] - cs) }
        if k > 0 { flow += wz * (c[s &- plane] - cs) }
        if k < nz - 1 { flow += wz * (c[s &+ plane] - cs) }
        return f.at(s, i, j, k) + flow - a.at(s, i, j, k) * cs
    }
}
