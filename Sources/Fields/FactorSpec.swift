import SimCore

/// What happens at one face of the lattice for one factor.
public enum BoundaryCondition: Sendable, Equatable, CustomStringConvertible {
    /// Zero flux through the face (closed; conserves mass).
    case noFlux
    /// The concentration at the face itself is held at this value [ng/mL], >= 0 (Dirichlet).
    case fixed(Double)
    /// The face is joined to the opposite face; both faces of the axis must be periodic.
    case periodic

    public var description: String {
        switch self {
        case .noFlux: return "no-flux"
        case let .fixed(v): return "fixed \(v) ng/mL"
        case .periodic: return "periodic"
        }
    }
}

/// One diffusing secretome factor: dc/dt = div(D grad c) - k c + sources.
public struct FactorSpec: Sendable, Equatable {
    /// Name used in scenario files and outputs (`"EGF"`).
    public var name: String
    /// Diffusion coefficient D [um^2/min], >= 0, everywhere a region has no value of its own.
    public var diffusion: Double
    /// Diffusion coefficient per tissue region id [um^2/min], overriding `diffusion` there.
    public var regionDiffusion: [UInt8: Double]
    /// First-order decay rate k [1/min], >= 0.
    public var decay: Double
    /// Boundary condition per face, indexed by `Face.rawValue` (x_low, x_high, y_low, y_high,
    /// z_low, z_high). The z faces are ignored on a 2-D lattice.
    public var boundaries: [BoundaryCondition]
    /// Initial concentration everywhere [ng/mL], >= 0.
    public var initial: Double
    /// Molar mass [g/mol], used to read molar concentrations ("1.2 nM").
    public var molarMass: Double

    public init(name: String, diffusion: Double, regionDiffusion: [UInt8: Double] = [:], decay: Double,
                boundaries: [BoundaryCondition] = Array(repeating: .noFlux, count: 6),
                initial: Double = 0, molarMass: Double) {
        self.name = name; self.diffusion = diffusion; self.regionDiffusion = regionDiffusion
        self.decay = decay; self.boundaries = boundaries; self.initial = initial; self.molarMass = molarMass
    }

    /// The same boundary condition on all six faces.
    public static func uniform(_ condition: BoundaryCondition) -> [BoundaryCondition] {
        Array(repeating: condition, count: 6)
    }

    /// Diffusion coefficient in region `r` [um^2/min].
    @inlinable public func diffusion(inRegion r: UInt8) -> Double { regionDiffusion[r] ?? diffusion }

    public func boundary(_ face: Face) -> BoundaryCondition { boundaries[face.rawValue] }

    /// Checks the values against the lattice; every problem names the factor, the key and the value.
    public func validate(on lattice: Lattice) throws(FieldError) {
        let key = "factors.\(name)"
        guard !name.isEmpty else { throw FieldError.invalid(key: "factors", message: "a factor needs a non-empty name") }
        guard diffusion.isFinite, diffusion >= 0 else {
            throw FieldError.invalid(key: "\(key).diffusion", message: "\(diffusion) um^2/min must be a finite value >= 0")
        }
        for (region, d) in regionDiffusion.sorted(by: { $0.key < $1.key }) where !(d.isFinite && d >= 0) {
            throw FieldError.invalid(key: "\(key).diffusion[region \(region)]", message: "\(d) um^2/min must be a finite value >= 0")
        }
        guard decay.isFinite, decay >= 0 else {
            throw FieldError.invalid(key: "\(key).decay", message: "\(decay) /min must be a finite rate >= 0")
        }
        guard initial.isFinite, initial >= 0 else {
            throw FieldError.invalid(key: "\(key).initial", message: "\(initial) ng/mL must be a finite concentration >= 0")
        }
        guard molarMass.isFinite, molarMass > 0 else {
            throw FieldError.invalid(key: "\(key).molar_mass", message: "\(molarMass) g/mol must be > 0")
        }
        guard boundaries.count == 6 else {
            throw FieldError.invalid(key: "\(key).boundary", message: "needs one condition per face (6), got \(boundaries.count)")
        }
        for axis in lattice.activeAxes {
            let (low, high) = Face.faces(of: axis)
            let a = boundary(low), b = boundary(high)
            for (face, bc, other) in [(low, a, b), (high, b, a)] {
                guard case let .fixed(v) = bc else { continue }
                guard v.isFinite, v >= 0 else {
                    throw FieldError.invalid(key: "\(key).boundary.\(face)", message: "fixed value \(v) ng/mL must be a finite concentration >= 0")
                }
                if other == .periodic {
                    throw FieldError.invalid(key: "\(key).boundary.\(face)", message: "a fixed value on a periodic axis: the opposite face is periodic, so this face must be periodic too")
                }
            }
            for (face, bc, other) in [(low, a, b), (high, b, a)] where bc == .periodic && other != .periodic {
                throw FieldError.invalid(key: "\(key).boundary.\(face)", message: "periodic needs the opposite face periodic as well (it is \(other))")
            }
            if a == .periodic, lattice.size(of: axis) < 3 {
                throw FieldError.invalid(key: "\(key).boundary.\(low)", message: "a periodic axis needs at least 3 sites, \(axis) has \(lattice.size(of: axis))")
            }
        }
    }
}

/// Errors from field set-up; each names the scenario key it concerns.
public enum FieldError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalid(key: String, message: String)
    case lattice(LatticeError)

    public var description: String {
        switch self {
        case let .invalid(key, message): return "\(key): \(message)"
        case let .lattice(e): return e.description
        }
    }
}

/// The four secretome factors with the defaults of PARAMETERS.md ("Growth factors").
///
/// Diffusion coefficients are those in dermis and wound bed (tissue, not free solution); decay
/// rates are mid-range values of the cited ranges.
public enum DefaultFactors {
    /// EGF: D = 60 um^2/s (range 30-100), decay 0.3 /h (range 0.1-0.5; buffer t1/2 6.9 h, faster in
    /// wound fluid), 6.2 kDa. Sources: Process Biochem 2005 40:1661 [seen]; Hardwicke 2008 [seen].
    public static let egf = FactorSpec(name: "EGF", diffusion: 60 * 60, decay: 0.3 / 60, molarMass: 6_200)
    /// bFGF: D = 10 um^2/s (range 1-30; heparin binding), decay 0.75 /h (range 0.5-1), 17.2 kDa.
    /// Source: Whalen 1989 Growth Factors 1:157 [seen]; Filion & Popel 2005 (binding) [seen].
    public static let bFGF = FactorSpec(name: "bFGF", diffusion: 10 * 60, decay: 0.75 / 60, molarMass: 17_200)
    /// VEGF165: D = 30 um^2/s (range 5-60), decay 0.92 /h (t1/2 ~45 min), 45 kDa dimer.
    /// Source: Vempati, Popel & Mac Gabhann 2014 [seen].
    public static let vegf = FactorSpec(name: "VEGF", diffusion: 30 * 60, decay: 0.92 / 60, molarMass: 45_000)
    /// HGF: D = 20 um^2/s (range 5-40), decay 0.5 /h (range 0.3-1), 84 kDa.
    /// Sources: Ishii 1995; Uematsu 1999 [seen].
    public static let hgf = FactorSpec(name: "HGF", diffusion: 20 * 60, decay: 0.5 / 60, molarMass: 84_000)

    /// EGF, bFGF, VEGF, HGF in that order.
    public static let all: [FactorSpec] = [egf, bFGF, vegf, hgf]
}
