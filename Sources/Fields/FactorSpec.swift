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
    /// Molar mass [g/mol], used to read molar concentrations ("1.2 nM"); nil when the scenario
    /// gives none, and then a molar concentration of this factor is an error, never a guess.
    public var molarMass: Double?
    /// Solved quasi-steady (`SteadyStateSolver`) instead of stepped by the split solver: for a
    /// factor that equilibrates within a step (oxygen). nil: an ordinary diffusing factor.
    public var quasiSteady: QuasiSteady?

    public init(name: String, diffusion: Double, regionDiffusion: [UInt8: Double] = [:], decay: Double,
                boundaries: [BoundaryCondition] = Array(repeating: .noFlux, count: 6),
                initial: Double = 0, molarMass: Double? = nil, quasiSteady: QuasiSteady? = nil) {
        self.name = name; self.diffusion = diffusion; self.regionDiffusion = regionDiffusion
        self.decay = decay; self.boundaries = boundaries; self.initial = initial; self.molarMass = molarMass
        self.quasiSteady = quasiSteady
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
        if let q = quasiSteady {
            guard diffusion.isFinite, diffusion > 0 else {
                throw FieldError.invalid(key: "\(key).diffusion", message: "\(diffusion) um^2/min: a quasi-steady factor needs a diffusion coefficient > 0")
            }
            guard regionDiffusion.isEmpty else {
                throw FieldError.invalid(key: "\(key).wound_bed_diffusion", message: "a quasi-steady factor diffuses alike everywhere; drop wound_bed_diffusion")
            }
            guard boundaries.allSatisfy({ $0 == .noFlux }) else {
                throw FieldError.invalid(key: "\(key).boundary", message: "a quasi-steady factor has closed faces (no-flux); its supply is the vessels'")
            }
            guard q.every.isFinite, q.every > 0 else {
                throw FieldError.invalid(key: "\(key).quasi_steady.every", message: "\(q.every) min must be > 0")
            }
            guard q.vesselExchange.isFinite, q.vesselExchange >= 0 else {
                throw FieldError.invalid(key: "\(key).quasi_steady.vessel_exchange", message: "\(q.vesselExchange) /min must be >= 0")
            }
            guard q.bloodLevel.isFinite, q.bloodLevel >= 0 else {
                throw FieldError.invalid(key: "\(key).quasi_steady.blood", message: "\(q.bloodLevel) ng/mL must be a concentration >= 0")
            }
            guard q.tolerance.isFinite, q.tolerance > 0, q.tolerance < 1 else {
                throw FieldError.invalid(key: "\(key).quasi_steady.tolerance", message: "\(q.tolerance) must be in (0, 1)")
            }
        }
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
        if let molarMass, !(molarMass.isFinite && molarMass > 0) {
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

/// How a quasi-steady factor is supplied and how often it is solved: at each solve
/// `D lap c - a c + b = 0` with `a = decay + vessel exchange (at vessel sites) + the uptake of
/// the cell at the site` and `b = vessel exchange x blood level (at vessel sites)`.
public struct QuasiSteady: Sendable, Equatable {
    /// Exchange with the blood at a vessel site [1/min], >= 0: the site relaxes toward `bloodLevel`
    /// at this rate (a large value holds vessel sites at the blood's level).
    public var vesselExchange: Double
    /// The level in the blood [ng/mL], >= 0.
    public var bloodLevel: Double
    /// Model time between solves [min], > 0; rounded to whole steps (at least one). Between solves
    /// the field holds the last solution.
    public var every: Double
    /// Each solve stops once the largest residual is below this fraction of the largest supply.
    public var tolerance: Double
    /// The tolerance when a scenario gives none.
    public static let defaultTolerance = 1e-6

    public init(vesselExchange: Double, bloodLevel: Double, every: Double, tolerance: Double = defaultTolerance) {
        self.vesselExchange = vesselExchange; self.bloodLevel = bloodLevel; self.every = every; self.tolerance = tolerance
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
