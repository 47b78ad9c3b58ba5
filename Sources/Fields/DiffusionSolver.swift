import Foundation
import SimCore

/// Advances every factor field by one step of dt: exact decay, then implicit diffusion split by
/// axis (locally one-dimensional backward Euler), slowest axis first: z, y, x in 3-D; y, x in 2-D.
///
/// ```
/// c* = exp(-k dt) c^n                       (exact decay, folded into the first sweep)
/// (I - dt A_z) c** = c*,  (I - dt A_y) c*** = c**,  (I - dt A_x) c^{n+1} = c***
/// ```
/// Properties (each checked in the tests and by `woundsim verify`):
/// - unconditionally stable, and never negative: every sweep is an M-matrix solve;
/// - conserving to round-off with closed (no-flux) faces and k = 0;
/// - first order in time (splitting and backward Euler), second order in space;
/// - exact decay: with uniform k the total falls as exp(-k t) exactly;
/// - a steady state that differs from the unsplit one by O(D dt / h^2) next to point sources
///   (the price of splitting; see the point-source verification cases).
///
/// Memory traffic is what limits this solver, so the sweeps are fused into two passes over each
/// field. Pass 1 runs the forward elimination of the slowest axis, streaming slab after slab (a
/// slab is a row in 2-D, a z-plane in 3-D). Pass 2 runs its back substitution from the last slab
/// down, and solves each slab along the faster axes right after its last use, while it is still
/// in cache. All inner loops over a slab are contiguous and vectorise; x-lines are solved eight
/// at a time so that their recurrences overlap. (Solving x first instead read every x-line
/// from main memory and ran 1.3x slower in 3-D; measured with the FieldStep benchmark.)
///
/// Parallelism: pass 1 splits every factor's slabs into blocks of up to 4096 sites; pass 2 is one
/// work item per factor. Each item owns what it writes and every value is computed by the same
/// arithmetic whatever the split, so the result does not depend on the thread count. No
/// allocation per step.
public final class DiffusionSolver: @unchecked Sendable {
    public let lattice: Lattice
    /// Time step [min].
    public let dt: Double
    public let factors: [FactorSpec]
    /// plans[f][a]: factor f, a-th active axis.
    let plans: [[AxisPlan]]
    /// runs[f][a][group]: runs of neighbouring lines with one pattern, for the y and z axes.
    /// Groups: y-lines per plane k; z-lines one group. Empty for x.
    let runs: [[[[Run]]]]
    /// Pass-1 work: (factor, first site in the slab, sites).
    let blocks: [(factor: Int, start: Int, count: Int)]

    /// Neighbouring lines `start..<start+count` (positions within a slab) that share `pattern`.
    struct Run { var start: Int; var count: Int; var pattern: Int }

    /// Sites per pass-1 block.
    static let blockSize = 4096

    /// - Parameters:
    ///   - factors: the factor specs (validated here).
    ///   - regions: tissue region per site, for region-dependent diffusion; nil means region 0.
    ///   - dt: time step [min], > 0.
    /// - Throws: `FieldError` naming the bad key and value.
    public init(lattice: Lattice, factors: [FactorSpec], regions: RegionMap? = nil, dt: Double) throws(FieldError) {
        guard dt.isFinite, dt > 0 else { throw FieldError.invalid(key: "time.dt", message: "\(dt) min must be a finite time > 0") }
        var seen = Set<String>()
        for f in factors {
            try f.validate(on: lattice)
            guard seen.insert(f.name).inserted else { throw FieldError.invalid(key: "factors.\(f.name)", message: "the factor is defined twice") }
        }
        if let regions, regions.lattice != lattice {
            throw FieldError.invalid(key: "regions", message: "the region map is for \(regions.lattice), not \(lattice)")
        }
        self.lattice = lattice
        self.dt = dt
        self.factors = factors
        let axes = lattice.activeAxes

        var plans: [[AxisPlan]] = []
        for spec in factors {
            let uniform = Self.uniformDiffusion(spec, regions: regions)
            var perSite: [Double]? = nil
            if uniform == nil, let regions {
                var table = [Double](repeating: spec.diffusion, count: 256)
                for (r, d) in spec.regionDiffusion { table[Int(r)] = d }
                perSite = regions.ids.map { table[Int($0)] }
            }
            let decayFactor = exp(-spec.decay * dt)
            plans.append(axes.enumerated().map { index, axis in
                let (low, high) = Face.faces(of: axis)
                return AxisPlan(lattice: lattice, axis: axis, diffusionPerSite: perSite, uniformDiffusion: uniform,
                                low: spec.boundary(low), high: spec.boundary(high), dt: dt,
                                decayFactor: index == axes.count - 1 ? decayFactor : 1)
            })
        }
        self.plans = plans
        let bytes = Double(plans.joined().reduce(0) { $0 + $1.bytes })
        do { try MemoryBudget.check(bytes, what: "diffusion coefficients on \(lattice)") } catch { throw .lattice(error) }

        // Runs of lines with one pattern, per slab position.
        runs = plans.map { factorPlans in
            factorPlans.map { plan -> [[Run]] in
                switch plan.axis {
                case .x: return []
                case .y: return (0..<lattice.nz).map { k in Self.runs(plan, firstLine: k * lattice.nx, count: lattice.nx) }
                case .z: return [Self.runs(plan, firstLine: 0, count: lattice.nx * lattice.ny)]
                }
            }
        }
        let slab = lattice.dimension == 2 ? lattice.nx : lattice.nx * lattice.ny
        var blocks: [(Int, Int, Int)] = []
        for f in 0..<factors.count {
            var q = 0
            while q < slab {
                let c = min(Self.blockSize, slab - q)
                blocks.append((f, q, c))
                q += c
            }
        }
        self.blocks = blocks
    }

    private static func runs(_ plan: AxisPlan, firstLine: Int, count: Int) -> [Run] {
        var result: [Run] = []
        var q = 0
        while q < count {
            let pattern = plan.linePattern[firstLine + q]
            var c = 1
            while q + c < count, plan.linePattern[firstLine + q + c] == pattern { c += 1 }
            result.append(Run(start: q, count: c, pattern: Int(pattern)))
            q += c
        }
        return result
    }

    /// D when it is the same at every site for this factor, else nil.
    private static func uniformDiffusion(_ spec: FactorSpec, regions: RegionMap?) -> Double? {
        guard let regions, !spec.regionDiffusion.isEmpty else { return spec.diffusion }
        var present = [Bool](repeating: false, count: 256)
        for r in regions.ids { present[Int(r)] = true }
        let values = Set((0..<256).filter { present[$0] }.map { spec.diffusion(inRegion: UInt8($0)) })
        return values.count == 1 ? values.first! : nil
    }

    /// Bytes of precomputed coefficients (all factors and axes).
    public var coefficientBytes: Int { plans.joined().reduce(0) { $0 + $1.bytes } }

    /// Number of distinct coefficient patterns per factor and axis (1 for a uniform factor).
    public var patternCounts: [[Int]] { plans.map { $0.map(\.patternCount) } }

    /// Advances all fields by dt (decay and diffusion).
    /// - Parameters:
    ///   - fields: fields on the same lattice with the same factors, in the same order.
    ///   - threads: workers (>= 1); the result does not depend on it.
    public func step(_ fields: FieldSet, threads: Int = 1) {
        precondition(fields.lattice == lattice && fields.factorCount == factors.count, "fields do not match the solver")
        let context = UncheckedSendable((self, fields))
        let slowest = lattice.dimension - 1
        // Pass 1: forward elimination along the slowest axis, streaming slab after slab.
        parallelFor(chunks: blocks.count, threads: threads) { b in
            let (solver, fields) = context.value
            let block = solver.blocks[b]
            let plan = solver.plans[block.factor][slowest]
            let x = fields.storage + block.factor &* solver.lattice.count
            let runs = solver.runs[block.factor][slowest][0]
            let range = block.start..<(block.start &+ block.count)
            for t in 0..<plan.n {
                solver.forward(plan, runs: runs, slab: x + t &* plan.stride, slabStride: plan.stride, t: t, range: range)
            }
        }
        // Pass 2: back substitution along the slowest axis, slab after slab downwards, each slab
        // solved along the faster axes while it is still in cache.
        parallelFor(chunks: factors.count, threads: threads) { f in
            let (solver, fields) = context.value
            solver.backwardPass(factor: f, fields: fields)
        }
    }

    /// Pass 2 for one factor.
    private func backwardPass(factor f: Int, fields: FieldSet) {
        let x = fields.storage + f &* lattice.count
        if lattice.dimension == 2 {
            let py = plans[f][1]
            if py.periodic {
                backward(py, runs: runs[f][1][0], base: x, range: 0..<lattice.nx)
                solveRowsX(factor: f, x: x, firstLine: 0)
            } else {
                backwardWithLines(factor: f, x: x, plane: 0)
            }
            return
        }
        let pz = plans[f][2]
        let zr = runs[f][2][0]
        let planeSize = lattice.nx &* lattice.ny
        let nz = lattice.nz
        if pz.periodic {
            backward(pz, runs: zr, base: x, range: 0..<planeSize)
            for k in 0..<nz { solvePlane(factor: f, x: x, plane: k) }
            return
        }
        // Plane k+1 keeps its z-solution until plane k has used it, then gets its y and x solves.
        var k = nz &- 2
        while k >= 0 {
            let plane = x + k &* planeSize
            backwardStep(pz, runs: zr, slab: plane, next: plane + planeSize, t: k, range: 0..<planeSize)
            solvePlane(factor: f, x: x, plane: k &+ 1)
            k &-= 1
        }
        solvePlane(factor: f, x: x, plane: 0)
    }

    /// The y then x solves of one z-plane (3-D).
    private func solvePlane(factor f: Int, x: UnsafeMutablePointer<Double>, plane k: Int) {
        let py = plans[f][1]
        let nx = lattice.nx, ny = lattice.ny
        let base = x + k &* nx &* ny
        let yr = runs[f][1][k]
        for j in 0..<ny { forward(py, runs: yr, slab: base + j &* nx, slabStride: nx, t: j, range: 0..<nx) }
        if py.periodic {
            backward(py, runs: yr, base: base, range: 0..<nx)
            solveRowsX(factor: f, x: x, firstLine: k &* ny)
        } else {
            backwardWithLines(factor: f, x: x, plane: k)
        }
    }

    /// y back substitution of one plane, rows ny-2 down to 0, with the x-lines solved one row
    /// behind (a row keeps its y-solution until the row below has used it), eight at a time.
    private func backwardWithLines(factor f: Int, x: UnsafeMutablePointer<Double>, plane k: Int) {
        let px = plans[f][0], py = plans[f][1]
        let nx = lattice.nx, ny = lattice.ny
        let firstLine = k &* ny
        let base = x + firstLine &* nx
        let yr = runs[f][1][k]
        var done = ny  // rows >= done have their x-solve
        var j = ny &- 2
        while j >= 0 {
            let row = base + j &* nx
            backwardStep(py, runs: yr, slab: row, next: row + nx, t: j, range: 0..<nx)
            if done &- (j &+ 1) >= 8 {
                sweepX(px, x: x, firstLine: firstLine &+ done &- 8, lines: 8)
                done &-= 8
            }
            j &-= 1
        }
        while done > 0 {
            let c = min(8, done)
            sweepX(px, x: x, firstLine: firstLine &+ done &- c, lines: c)
            done &-= c
        }
    }

    /// x-solves of the ny rows starting at line `firstLine`, eight at a time.
    private func solveRowsX(factor f: Int, x: UnsafeMutablePointer<Double>, firstLine: Int) {
        let ny = lattice.ny
        var j = 0
        while j < ny {
            let c = min(8, ny &- j)
            sweepX(plans[f][0], x: x, firstLine: firstLine &+ j, lines: c)
            j &+= c
        }
    }

    /// One back-substitution step of a strided axis: `x_t = g_t + p_t x_{t+1}` on the slab
    /// positions `range`.
    @inline(__always)
    private func backwardStep(_ plan: AxisPlan, runs: [Run], slab: UnsafeMutablePointer<Double>, next: UnsafeMutablePointer<Double>, t: Int, range: Range<Int>) {
        for run in runs {
            let lo = Swift.max(run.start, range.lowerBound), hi = Swift.min(run.start &+ run.count, range.upperBound)
            if lo >= hi { continue }
            let q = plan.p(run.pattern)[t]
            for c in lo..<hi { slab[c] = slab[c] + q * next[c] }
        }
    }

    /// Solves 1-4 neighbouring x-lines; four at once so that their recurrences overlap.
    @inline(__always)
    private func sweepX(_ plan: AxisPlan, x: UnsafeMutablePointer<Double>, firstLine: Int, lines: Int) {
        let n = plan.n
        if lines == 8 && n > 1 && plan.patternCount == 1 {
            sweepX8Uniform(plan, rows: x + firstLine &* n)
            return
        }
        if lines >= 4 && n > 1 {
            if lines > 4 {
                sweepX(plan, x: x, firstLine: firstLine, lines: 4)
                sweepX(plan, x: x, firstLine: firstLine &+ 4, lines: lines &- 4)
                return
            }
            let p0 = Int(plan.linePattern[firstLine]), p1 = Int(plan.linePattern[firstLine &+ 1])
            let p2 = Int(plan.linePattern[firstLine &+ 2]), p3 = Int(plan.linePattern[firstLine &+ 3])
            let r0 = x + firstLine &* n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
            let i0 = plan.inv(p0), i1 = plan.inv(p1), i2 = plan.inv(p2), i3 = plan.inv(p3)
            let e0 = plan.e(p0), e1 = plan.e(p1), e2 = plan.e(p2), e3 = plan.e(p3)
            var g0 = r0[0] * i0[0] + plan.shiftLow[p0]
            var g1 = r1[0] * i1[0] + plan.shiftLow[p1]
            var g2 = r2[0] * i2[0] + plan.shiftLow[p2]
            var g3 = r3[0] * i3[0] + plan.shiftLow[p3]
            r0[0] = g0; r1[0] = g1; r2[0] = g2; r3[0] = g3
            var i = 1
            while i < n {
                g0 = r0[i] * i0[i] + e0[i] * g0; r0[i] = g0
                g1 = r1[i] * i1[i] + e1[i] * g1; r1[i] = g1
                g2 = r2[i] * i2[i] + e2[i] * g2; r2[i] = g2
                g3 = r3[i] * i3[i] + e3[i] * g3; r3[i] = g3
                i &+= 1
            }
            let last = n &- 1
            g0 += plan.shiftHigh[p0]; r0[last] = g0
            g1 += plan.shiftHigh[p1]; r1[last] = g1
            g2 += plan.shiftHigh[p2]; r2[last] = g2
            g3 += plan.shiftHigh[p3]; r3[last] = g3
            let q0 = plan.p(p0), q1 = plan.p(p1), q2 = plan.p(p2), q3 = plan.p(p3)
            i = n &- 2
            while i >= 0 {
                g0 = r0[i] + q0[i] * g0; r0[i] = g0
                g1 = r1[i] + q1[i] * g1; r1[i] = g1
                g2 = r2[i] + q2[i] * g2; r2[i] = g2
                g3 = r3[i] + q3[i] * g3; r3[i] = g3
                i &-= 1
            }
            if plan.periodic {
                periodicCorrection(plan, row: r0, pattern: p0); periodicCorrection(plan, row: r1, pattern: p1)
                periodicCorrection(plan, row: r2, pattern: p2); periodicCorrection(plan, row: r3, pattern: p3)
            }
            return
        }
        for l in firstLine..<(firstLine &+ lines) {
            let pid = Int(plan.linePattern[l])
            let row = x + l &* n
            let inv = plan.inv(pid), e = plan.e(pid), p = plan.p(pid)
            var g = row[0] * inv[0] + plan.shiftLow[pid]
            row[0] = g
            var i = 1
            while i < n { g = row[i] * inv[i] + e[i] * g; row[i] = g; i &+= 1 }
            g += plan.shiftHigh[pid]
            row[n &- 1] = g
            i = n &- 2
            while i >= 0 { g = row[i] + p[i] * g; row[i] = g; i &-= 1 }
            if plan.periodic { periodicCorrection(plan, row: row, pattern: pid) }
        }
    }

    /// Eight neighbouring x-lines that share one pattern: eight independent recurrences keep the
    /// floating-point units busy while each waits for its previous element.
    @inline(__always)
    private func sweepX8Uniform(_ plan: AxisPlan, rows r0: UnsafeMutablePointer<Double>) {
        let n = plan.n
        let r1 = r0 + n, r2 = r1 + n, r3 = r2 + n, r4 = r3 + n, r5 = r4 + n, r6 = r5 + n, r7 = r6 + n
        let inv = plan.inv(0), e = plan.e(0), p = plan.p(0)
        let sLow = plan.shiftLow[0], sHigh = plan.shiftHigh[0]
        let a0 = inv[0]
        var g0 = r0[0] * a0 + sLow, g1 = r1[0] * a0 + sLow, g2 = r2[0] * a0 + sLow, g3 = r3[0] * a0 + sLow
        var g4 = r4[0] * a0 + sLow, g5 = r5[0] * a0 + sLow, g6 = r6[0] * a0 + sLow, g7 = r7[0] * a0 + sLow
        r0[0] = g0; r1[0] = g1; r2[0] = g2; r3[0] = g3; r4[0] = g4; r5[0] = g5; r6[0] = g6; r7[0] = g7
        var i = 1
        while i < n {
            let a = inv[i], b = e[i]
            g0 = r0[i] * a + b * g0; r0[i] = g0
            g1 = r1[i] * a + b * g1; r1[i] = g1
            g2 = r2[i] * a + b * g2; r2[i] = g2
            g3 = r3[i] * a + b * g3; r3[i] = g3
            g4 = r4[i] * a + b * g4; r4[i] = g4
            g5 = r5[i] * a + b * g5; r5[i] = g5
            g6 = r6[i] * a + b * g6; r6[i] = g6
            g7 = r7[i] * a + b * g7; r7[i] = g7
            i &+= 1
        }
        let last = n &- 1
        g0 += sHigh; g1 += sHigh; g2 += sHigh; g3 += sHigh; g4 += sHigh; g5 += sHigh; g6 += sHigh; g7 += sHigh
        r0[last] = g0; r1[last] = g1; r2[last] = g2; r3[last] = g3; r4[last] = g4; r5[last] = g5; r6[last] = g6; r7[last] = g7
        i = n &- 2
        while i >= 0 {
            let q = p[i]
            g0 = r0[i] + q * g0; r0[i] = g0
            g1 = r1[i] + q * g1; r1[i] = g1
            g2 = r2[i] + q * g2; r2[i] = g2
            g3 = r3[i] + q * g3; r3[i] = g3
            g4 = r4[i] + q * g4; r4[i] = g4
            g5 = r5[i] + q * g5; r5[i] = g5
            g6 = r6[i] + q * g6; r6[i] = g6
            g7 = r7[i] + q * g7; r7[i] = g7
            i &-= 1
        }
        if plan.periodic {
            periodicCorrection(plan, row: r0, pattern: 0); periodicCorrection(plan, row: r1, pattern: 0)
            periodicCorrection(plan, row: r2, pattern: 0); periodicCorrection(plan, row: r3, pattern: 0)
            periodicCorrection(plan, row: r4, pattern: 0); periodicCorrection(plan, row: r5, pattern: 0)
            periodicCorrection(plan, row: r6, pattern: 0); periodicCorrection(plan, row: r7, pattern: 0)
        }
    }

    /// x = y - (y_0 + beta/gamma y_{n-1}) / (1 + z_0 + beta/gamma z_{n-1}) z, clamped at 0 (the
    /// exact solution is >= 0; the clamp only removes round-off below zero).
    @inline(__always)
    private func periodicCorrection(_ plan: AxisPlan, row: UnsafeMutablePointer<Double>, pattern pid: Int) {
        let n = plan.n
        let z = plan.z(pid)
        let fact = (row[0] + plan.betaOverGamma[pid] * row[n &- 1]) * plan.inverseDenominator[pid]
        for i in 0..<n {
            let v = row[i] - fact * z[i]
            row[i] = v < 0 ? 0 : v
        }
    }

    /// Forward elimination step `t` of a strided axis over the slab at `slab` (positions `range`):
    /// `g_t = d_t inv_t + e_t g_{t-1}`, reading slab t-1 at `slab - slabStride`.
    @inline(__always)
    fileprivate func forward(_ plan: AxisPlan, runs: [Run], slab: UnsafeMutablePointer<Double>, slabStride: Int, t: Int, range: Range<Int>) {
        let last = plan.n &- 1
        let prev = slab - slabStride
        for run in runs {
            let lo = Swift.max(run.start, range.lowerBound), hi = Swift.min(run.start &+ run.count, range.upperBound)
            if lo >= hi { continue }
            let pid = run.pattern
            let a = plan.inv(pid)[t]
            if t == 0 {
                let s = plan.shiftLow[pid]
                for q in lo..<hi { slab[q] = slab[q] * a + s }
            } else {
                let b = plan.e(pid)[t]
                for q in lo..<hi { slab[q] = slab[q] * a + b * prev[q] }
            }
            if t == last {
                let s = plan.shiftHigh[pid]
                if s != 0 { for q in lo..<hi { slab[q] += s } }
            }
        }
    }

    /// Back substitution of a strided axis over slab positions `range`, slabs n-2 down to 0, then
    /// the periodic correction when the axis is periodic.
    @inline(__always)
    private func backward(_ plan: AxisPlan, runs: [Run], base: UnsafeMutablePointer<Double>, range: Range<Int>) {
        let n = plan.n, s = plan.stride
        for run in runs {
            let lo = Swift.max(run.start, range.lowerBound), hi = Swift.min(run.start &+ run.count, range.upperBound)
            if lo >= hi { continue }
            let pid = run.pattern
            let p = plan.p(pid)
            var t = n &- 2
            var row = base + t &* s
            while t >= 0 {
                let q = p[t]
                let next = row + s
                for c in lo..<hi { row[c] = row[c] + q * next[c] }
                row -= s
                t &-= 1
            }
            if plan.periodic {
                let z = plan.z(pid), bg = plan.betaOverGamma[pid], id = plan.inverseDenominator[pid]
                let lastRow = base + (n &- 1) &* s
                // Interior slabs first, while slabs 0 and n-1 still hold y.
                var r = base + s
                for t in 1..<(n &- 1) {
                    let zt = z[t]
                    for c in lo..<hi {
                        let fact = (base[c] + bg * lastRow[c]) * id
                        let v = r[c] - fact * zt
                        r[c] = v < 0 ? 0 : v
                    }
                    r += s
                }
                let z0 = z[0], zn = z[n &- 1]
                for c in lo..<hi {
                    let fact = (base[c] + bg * lastRow[c]) * id
                    let v0 = base[c] - fact * z0, vn = lastRow[c] - fact * zn
                    base[c] = v0 < 0 ? 0 : v0
                    lastRow[c] = vn < 0 ? 0 : vn
                }
            }
        }
    }
}

/// A point source or sink of one factor at one site.
public struct PointSource: Sendable, Equatable {
    /// Factor index in the field set.
    public var factor: Int
    /// Flat site index.
    public var site: Int
    /// Production rate [ng/mL/min], >= 0.
    public var rate: Double
    /// First-order uptake rate [1/min], >= 0.
    public var uptake: Double

    public init(factor: Int, site: Int, rate: Double, uptake: Double = 0) {
        self.factor = factor; self.site = site; self.rate = rate; self.uptake = uptake
    }
}

extension FieldSet {
    /// Integrates `dc/dt = rate - uptake c` exactly over dt [min] at each source's site:
    /// `c <- c e^{-u dt} + (rate/u)(1 - e^{-u dt})` (or `c + rate dt` when u = 0). Never negative
    /// for rate >= 0. Several sources at one site are applied in list order.
    public func applySources(_ sources: [PointSource], dt: Double) {
        for s in sources {
            let c = self[s.factor, s.site]
            if s.uptake > 0 {
                let decay = exp(-s.uptake * dt)
                self[s.factor, s.site] = c * decay + s.rate / s.uptake * (1 - decay)
            } else {
                self[s.factor, s.site] = c + s.rate * dt
            }
        }
    }
}
