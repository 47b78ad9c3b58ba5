import Foundation
import SimCore

/// The per-line kernels of `DiffusionSolver`: the strided back substitution, the x-line Thomas
/// sweeps (four or eight lines at once so their recurrences overlap) and the periodic correction.
/// Separate from the solver's plan and pass structure only for reading; the release build
/// optimizes the module as a whole, so they inline as before.
extension DiffusionSolver {
    /// One back-substitution step of a strided axis: `x_t = g_t + p_t x_{t+1}` on the slab
    /// positions `range`.
    @inline(__always)
    func backwardStep(_ plan: AxisPlan, runs: [Run], slab: UnsafeMutablePointer<Double>, next: UnsafeMutablePointer<Double>, t: Int, range: Range<Int>) {
        for run in runs {
            let lo = Swift.max(run.start, range.lowerBound), hi = Swift.min(run.start &+ run.count, range.upperBound)
            if lo >= hi { continue }
            let q = plan.p(run.pattern)[t]
            for c in lo..<hi { slab[c] = slab[c] + q * next[c] }
        }
    }

    /// Solves 1-4 neighbouring x-lines; four at once so that their recurrences overlap.
    @inline(__always)
    func sweepX(_ plan: AxisPlan, x: UnsafeMutablePointer<Double>, firstLine: Int, lines: Int) {
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
    func sweepX8Uniform(_ plan: AxisPlan, rows r0: UnsafeMutablePointer<Double>) {
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
    func periodicCorrection(_ plan: AxisPlan, row: UnsafeMutablePointer<Double>, pattern pid: Int) {
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
    func forward(_ plan: AxisPlan, runs: [Run], slab: UnsafeMutablePointer<Double>, slabStride: Int, t: Int, range: Range<Int>) {
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
    func backward(_ plan: AxisPlan, runs: [Run], base: UnsafeMutablePointer<Double>, range: Range<Int>) {
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
