import SimCore

/// Precomputed tridiagonal factors for the implicit solves along one axis, for one factor and dt.
///
/// The backward-Euler step along a line of n sites solves `(I - dt A) x = d`, where A is the
/// finite-volume diffusion operator. Row i reads `-l_i x_{i-1} + b_i x_i - u_i x_{i+1} = d_i`
/// with `l_i = r D_{i-1/2}`, `u_i = r D_{i+1/2}`, `b_i = 1 + l_i + u_i`, `r = dt / h^2`, and the face
/// coefficient the harmonic mean `D_{i+1/2} = 2 D_i D_{i+1} / (D_i + D_{i+1})`, which keeps the flux
/// continuous where D changes between regions. A fixed-value face adds `2 r D` to `b` and
/// `2 r D c_face` to `d` (the face sits half a site from the first centre).
///
/// Thomas elimination is done once here: with `w_0 = b_0`, `w_i = b_i - l_i p_{i-1}`,
/// `p_i = u_i / w_i`, the per-step solve is
/// ```
/// forward:  g_0 = d_0 inv_0 + s_low,  g_i = d_i inv_i + e_i g_{i-1}   (e_i = l_i / w_i, inv_i = 1 / w_i)
/// backward: x_{n-1} = g_{n-1} + s_high,  x_i = g_i + p_i x_{i+1}
/// ```
/// All of `inv`, `e`, `p` are >= 0 (the matrix is an M-matrix), so a non-negative right-hand side
/// gives a non-negative solution. A periodic axis uses the Sherman-Morrison form of the cyclic
/// system (Numerical Recipes 2.7): the modified matrix is factored here, together with
/// `z = A'^-1 u`, and each solve ends with `x = y - (y_0 + beta/gamma y_{n-1}) / (1 + z_0 + beta/gamma z_{n-1}) z`.
///
/// Lines whose diffusion coefficients are equal site by site share one *pattern*, so a uniform
/// factor keeps a single set of factors per axis whatever the lattice size.
///
/// Memory: `(3 or 4) x n` doubles per pattern, plus one `Int32` per line.
final class AxisPlan: @unchecked Sendable {
    let axis: Axis
    /// Sites along the axis.
    let n: Int
    /// Flat-index distance between neighbours along the axis.
    let stride: Int
    let periodic: Bool
    let patternCount: Int
    /// Doubles per pattern block: inv, e, p (and z when periodic), n each.
    let block: Int
    let coef: UnsafeMutablePointer<Double>
    /// Per pattern: Dirichlet shifts already divided by w (added to g_0 and g_{n-1}) [ng/mL].
    let shiftLow: UnsafeMutablePointer<Double>
    let shiftHigh: UnsafeMutablePointer<Double>
    /// Per pattern, periodic only: beta/gamma and 1 / (1 + z_0 + beta/gamma z_{n-1}).
    let betaOverGamma: UnsafeMutablePointer<Double>
    let inverseDenominator: UnsafeMutablePointer<Double>
    /// Pattern id per line.
    let linePattern: UnsafeMutablePointer<Int32>
    let lineCount: Int

    /// - Parameters:
    ///   - diffusionPerSite: D [um^2/min] at every site (flat lattice order).
    ///   - uniformDiffusion: when non-nil, D is this everywhere and one pattern serves every line.
    ///   - decayFactor: `exp(-k dt)`, folded into `inv` (the first axis of a step carries decay).
    init(lattice: Lattice, axis: Axis, diffusionPerSite: [Double]?, uniformDiffusion: Double?,
         low: BoundaryCondition, high: BoundaryCondition, dt: Double, decayFactor: Double) {
        self.axis = axis
        n = lattice.size(of: axis)
        stride = lattice.stride(of: axis)
        periodic = (low == .periodic)
        block = (periodic ? 4 : 3) * n
        lineCount = lattice.count / n
        linePattern = .allocate(capacity: lineCount)

        // Assign each line a pattern id by its sequence of D values.
        var patterns: [[Double]] = []
        if let d = uniformDiffusion {
            patterns = [Array(repeating: d, count: n)]
            linePattern.initialize(repeating: 0, count: lineCount)
        } else {
            let dsite = diffusionPerSite!
            var ids: [[Double]: Int32] = [:]
            var line = [Double](repeating: 0, count: n)
            for l in 0..<lineCount {
                let base = AxisPlan.lineBase(lattice: lattice, axis: axis, line: l)
                for i in 0..<n { line[i] = dsite[base + i * stride] }
                if let id = ids[line] {
                    linePattern[l] = id
                } else {
                    let id = Int32(patterns.count)
                    ids[line] = id
                    patterns.append(line)
                    linePattern[l] = id
                }
            }
        }
        patternCount = patterns.count
        coef = .allocate(capacity: patternCount * block)
        shiftLow = .allocate(capacity: patternCount)
        shiftHigh = .allocate(capacity: patternCount)
        betaOverGamma = .allocate(capacity: patternCount)
        inverseDenominator = .allocate(capacity: patternCount)
        let r = dt / (lattice.spacing * lattice.spacing)
        for (pid, d) in patterns.enumerated() {
            factor(pattern: pid, d: d, r: r, low: low, high: high, decayFactor: decayFactor)
        }
    }

    deinit {
        coef.deallocate(); shiftLow.deallocate(); shiftHigh.deallocate()
        betaOverGamma.deallocate(); inverseDenominator.deallocate(); linePattern.deallocate()
    }

    /// Bytes held by this plan.
    var bytes: Int { patternCount * (block + 4) * 8 + lineCount * 4 }

    /// Flat index of the first site of line `line` (lines numbered with the other two axes, the
    /// slower one outer: x-lines by (k, j), y-lines by (k, i), z-lines by (j, i)).
    static func lineBase(lattice: Lattice, axis: Axis, line: Int) -> Int {
        switch axis {
        case .x: return line * lattice.nx
        case .y: return (line / lattice.nx) * lattice.nx * lattice.ny + line % lattice.nx
        case .z: return line
        }
    }

    @inline(__always) func inv(_ id: Int) -> UnsafeMutablePointer<Double> { coef + id &* block }
    @inline(__always) func e(_ id: Int) -> UnsafeMutablePointer<Double> { coef + (id &* block &+ n) }
    @inline(__always) func p(_ id: Int) -> UnsafeMutablePointer<Double> { coef + (id &* block &+ 2 &* n) }
    @inline(__always) func z(_ id: Int) -> UnsafeMutablePointer<Double> { coef + (id &* block &+ 3 &* n) }

    private static func harmonic(_ a: Double, _ b: Double) -> Double { a + b > 0 ? 2 * a * b / (a + b) : 0 }

    private func factor(pattern pid: Int, d: [Double], r: Double, low: BoundaryCondition, high: BoundaryCondition, decayFactor: Double) {
        var l = [Double](repeating: 0, count: n), u = l, b = l
        var numLow = 0.0, numHigh = 0.0
        for i in 0..<n {
            l[i] = i > 0 ? r * Self.harmonic(d[i - 1], d[i]) : (periodic ? r * Self.harmonic(d[n - 1], d[0]) : 0)
            u[i] = i < n - 1 ? r * Self.harmonic(d[i], d[i + 1]) : (periodic ? r * Self.harmonic(d[n - 1], d[0]) : 0)
            b[i] = 1 + l[i] + u[i]
        }
        if case let .fixed(c) = low { b[0] += 2 * r * d[0]; numLow = 2 * r * d[0] * c }
        if case let .fixed(c) = high { b[n - 1] += 2 * r * d[n - 1]; numHigh = 2 * r * d[n - 1] * c }

        var uvec = [Double](repeating: 0, count: n)
        var bg = 0.0
        if periodic {
            // Sherman-Morrison: A = A' + u v^T with gamma = -b_0, alpha = -u_{n-1}, beta = -l_0.
            let gamma = -b[0], alpha = -u[n - 1], beta = -l[0]
            b[0] -= gamma
            b[n - 1] -= alpha * beta / gamma
            uvec[0] = gamma; uvec[n - 1] = alpha
            bg = beta / gamma
            l[0] = 0; u[n - 1] = 0
        }
        let invp = inv(pid), ep = e(pid), pp = p(pid)
        var w = b[0]
        var invUnscaled = [Double](repeating: 0, count: n)
        invUnscaled[0] = 1 / w
        pp[0] = u[0] / w
        ep[0] = 0
        for i in Swift.stride(from: 1, to: n, by: 1) {
            w = b[i] - l[i] * pp[i - 1]
            invUnscaled[i] = 1 / w
            pp[i] = u[i] / w
            ep[i] = l[i] / w
        }
        for i in 0..<n { invp[i] = invUnscaled[i] * decayFactor }
        shiftLow[pid] = numLow * invUnscaled[0]
        shiftHigh[pid] = numHigh * invUnscaled[n - 1]
        if periodic {
            // z = A'^-1 u with the unscaled factors.
            let zp = z(pid)
            var g = uvec[0] * invUnscaled[0]
            zp[0] = g
            for i in 1..<n { g = uvec[i] * invUnscaled[i] + ep[i] * g; zp[i] = g }
            for i in Swift.stride(from: n - 2, through: 0, by: -1) { zp[i] = zp[i] + pp[i] * zp[i + 1] }
            betaOverGamma[pid] = bg
            inverseDenominator[pid] = 1 / (1 + zp[0] + bg * zp[n - 1])
        } else {
            betaOverGamma[pid] = 0
            inverseDenominator[pid] = 0
        }
    }
}
