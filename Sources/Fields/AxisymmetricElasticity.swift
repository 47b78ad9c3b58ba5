/// Axisymmetric, plane-stress, linear elasticity of a skin sheet around a round wound: the radial
/// displacement u(r) (in the unit of the spacing: um in a world) of a sheet whose elements carry an active isotropic stress (contractile
/// cells pulling) and a plastic, stress-free strain (tissue remodelled into its contracted shape).
///
/// The 1-D radially symmetric geometry is the one of the first mechanochemical models of dermal
/// wound contraction (Olsen, Sherratt & Maini 1995 J Theor Biol 177:113). The stress in an element
/// is
///
///     sigma = D (eps - eps_p) + tau (1, 1),   D = E / (1 - nu^2) [[1, nu], [nu, 1]],
///
/// with eps = (du/dr, u/r) the radial and hoop strains, eps_p the plastic strains, tau >= 0 the
/// active stress [Pa] (tension: it pulls the element's material inward) and E [Pa], nu the
/// element's Young's modulus and Poisson ratio. Equilibrium, d sigma_r/dr + (sigma_r - sigma_theta)
/// / r = 0, is solved in weak form with linear finite elements on the nodes r_i = i h, i = 0...n,
/// two-point Gauss quadrature with the weight r, u(0) = 0 by symmetry and u(r_n) = 0 (a splint
/// sutured at r_n, or skin far enough away to be still). The system is symmetric, positive
/// definite and tridiagonal: one Thomas sweep, O(n), no iteration. Verified against the analytic
/// solution of a round inclusion in a ring (`woundsim verify --case inclusion-axisymmetric`).
public struct AxisymmetricElasticity: Sendable {
    /// Node spacing h [length: um in a world].
    public let spacing: Double
    /// Number of elements n; nodes 0...n, element i spans [r_i, r_{i+1}].
    public let elements: Int
    /// Poisson ratio (dimensionless), the same everywhere.
    public let poisson: Double
    /// Young's modulus of each element [Pa].
    public var modulus: [Double]
    /// Active isotropic stress of each element [Pa]; positive is contractile.
    public var activeStress: [Double]
    /// Plastic (stress-free) radial strain of each element (dimensionless).
    public var plasticRadial: [Double]
    /// Plastic (stress-free) hoop strain of each element (dimensionless).
    public var plasticHoop: [Double]
    /// The tridiagonal system's diagonal, upper band, load and Thomas coefficients, reused by
    /// every solve (a solve allocates nothing).
    private var diag: [Double], upper: [Double], load: [Double], sweepC: [Double], sweepD: [Double]

    /// A sheet of `elements` elements of `spacing`, modulus `modulus` [Pa] everywhere, no active
    /// stress and no plastic strain.
    public init(spacing: Double, elements: Int, modulus: Double, poisson: Double) {
        precondition(spacing > 0 && elements >= 2 && modulus > 0 && poisson > -1 && poisson < 0.5)
        self.spacing = spacing
        self.elements = elements
        self.poisson = poisson
        self.modulus = Array(repeating: modulus, count: elements)
        activeStress = Array(repeating: 0, count: elements)
        plasticRadial = Array(repeating: 0, count: elements)
        plasticHoop = Array(repeating: 0, count: elements)
        diag = Array(repeating: 0, count: elements + 1)
        upper = diag; load = diag; sweepC = diag; sweepD = diag
    }

    /// Radius of node i [the spacing's unit].
    @inline(__always) public func radius(_ i: Int) -> Double { Double(i) * spacing }

    /// The two Gauss points of element e: radii and the weights times the Jacobian [the spacing's unit].
    @inline(__always) func gauss(_ e: Int) -> (r: (Double, Double), w: Double) {
        let h = spacing, mid = (Double(e) + 0.5) * h, off = h / (2 * 3.0.squareRoot())
        return ((mid - off, mid + off), h / 2)
    }

    /// The nodal displacements u_0...u_n [the spacing's unit] (u_0 = u_n = 0).
    public func solve() -> [Double] {
        var sheet = self
        var u = Array(repeating: 0.0, count: elements + 1)
        sheet.solve(into: &u)
        return u
    }

    /// The nodal displacements written into `u` (elements + 1 values), with no allocation.
    public mutating func solve(into u: inout [Double]) {
        precondition(u.count == elements + 1)
        let n = elements, h = spacing, nu = poisson
        // Tridiagonal stiffness over nodes 0...n: diagonal, upper (i, i+1), and the load.
        for i in 0...n { diag[i] = 0; upper[i] = 0; load[i] = 0 }
        for e in 0..<n {
            let c = modulus[e] / (1 - nu * nu)
            let (rs, w) = gauss(e)
            // Stress-free part of the load: D eps_p - tau (1, 1) against the virtual strains.
            let pr = c * (plasticRadial[e] + nu * plasticHoop[e]) - activeStress[e]
            let ph = c * (nu * plasticRadial[e] + plasticHoop[e]) - activeStress[e]
            let r0 = radius(e)
            for g in 0..<2 {
                let r = g == 0 ? rs.0 : rs.1
                // Shape functions of nodes e and e+1 and their strain rows (radial, hoop).
                let n1 = (r - r0) / h, n0 = 1 - n1
                let er = (-1 / h, 1 / h), eh = (n0 / r, n1 / r)
                let wr = w * r
                diag[e] += wr * c * (er.0 * er.0 + 2 * nu * er.0 * eh.0 + eh.0 * eh.0)
                diag[e + 1] += wr * c * (er.1 * er.1 + 2 * nu * er.1 * eh.1 + eh.1 * eh.1)
                upper[e] += wr * c * (er.0 * er.1 + nu * (er.0 * eh.1 + eh.0 * er.1) + eh.0 * eh.1)
                load[e] += wr * (er.0 * pr + eh.0 * ph)
                load[e + 1] += wr * (er.1 * pr + eh.1 * ph)
            }
        }
        // Unknowns 1...n-1 (u_0 = u_n = 0): Thomas sweep on the symmetric positive-definite system.
        for i in 1..<n {
            let lower = i > 1 ? upper[i - 1] : 0
            let denominator = diag[i] - lower * (i > 1 ? sweepC[i - 1] : 0)
            sweepC[i] = upper[i] / denominator
            sweepD[i] = (load[i] - lower * (i > 1 ? sweepD[i - 1] : 0)) / denominator
        }
        u[0] = 0; u[n] = 0
        for i in stride(from: n - 1, through: 1, by: -1) { u[i] = sweepD[i] - (i < n - 1 ? sweepC[i] * u[i + 1] : 0) }
    }

    /// Radial and hoop strains at the centre of element e from nodal displacements `u`.
    public func strains(_ u: [Double], element e: Int) -> (radial: Double, hoop: Double) {
        let r = (Double(e) + 0.5) * spacing
        return ((u[e + 1] - u[e]) / spacing, 0.5 * (u[e] + u[e + 1]) / r)
    }
}

/// The analytic displacement of a round inclusion of radius a (any length unit; u in the same) (modulus `inner` [Pa], active
/// stress `tau` [Pa]) in a ring a < r < b (modulus `outer` [Pa]) held at u(b) = 0, plane stress,
/// Poisson ratio nu: u = B r inside, u = A (1/r - r/b^2) outside, from continuity of u and of the
/// radial traction at r = a.
public func inclusionDisplacement(r: Double, a: Double, b: Double, inner: Double, outer: Double, nu: Double, tau: Double) -> Double {
    let k = inner * (1 / (a * a) - 1 / (b * b)) / (1 - nu) + outer / ((1 + nu) * a * a) + outer / ((1 - nu) * b * b)
    let amplitude = -tau / k
    if r <= a { return amplitude * (1 / (a * a) - 1 / (b * b)) * r }
    return amplitude * (1 / r - r / (b * b))
}
