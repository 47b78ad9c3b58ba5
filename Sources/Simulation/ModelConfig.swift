import Cells
import Fields
import Foundation
import SimCore

/// Tissue regions: every site of the lattice belongs to one. The wound regions are the
/// wound's own, with factor properties of their own (`FactorSpec.regionDiffusion`).
public enum Tissue {
    /// Intact dermis [region id 0].
    public static let dermis: UInt8 = 0
    /// Dermis inside the wound: the wound bed [1].
    public static let woundBed: UInt8 = 1
    /// Intact epidermis [2].
    public static let epidermis: UInt8 = 2
    /// Epidermis layer above the wound, open until keratinocytes cover it [3].
    public static let woundSurface: UInt8 = 3
    public static let names = ["dermis", "wound_bed", "epidermis", "wound_surface"]
}

/// The compartments of skin as layers of the lattice, bottom to top.
public enum Layer: String, Sendable, CaseIterable {
    case dermis, epidermis
}

/// The walls of a wound in a dermis with depth (`ModelConfig.dermisLayers` > 1).
public enum WoundProfile: String, Sendable, Equatable, CaseIterable {
    /// Vertical walls, as a biopsy punch cuts: the same outline at every depth.
    case cylinder
    /// A round wound's radius shrinks with depth d as a half-ellipsoid's, R sqrt(1 - (d / depth)^2).
    case bowl
}

/// The wound's shape in the x-y plane; it cuts through the epidermis and the dermis down to the
/// wound's depth (`ModelConfig.woundDepth`).
public enum WoundShape: Sendable, Equatable {
    /// Circular excisional wound of this diameter [um].
    case circle(diameter: Double)
    /// A stripe across the whole lattice along y, of this width [um] (scratch assay).
    case scratch(width: Double)
    /// A rectangle [um].
    case rectangle(width: Double, height: Double)
    /// No wound (a proliferation assay on an intact dish).
    case none
}

/// In-vitro culture: cells in a dish under medium, instead of skin. The factor fields hold the
/// medium's concentration at the cells, which exchange with the whole column of medium above
/// them: a cell's secretion and uptake change that column, so they are scaled by
/// spacing / medium depth (a site's volume over its column's). The medium reaches every cell
/// (`Secretome.everywhere`), and a scenario in culture has no injury release and no vessels.
public struct Culture: Sendable, Equatable {
    /// Depth of the medium over the cells [um]: medium volume over the growth area.
    public var mediumDepth: Double
    /// The medium is replaced every this many minutes [min] (nil: never): every factor returns
    /// to fresh medium (the conditioned medium at its dose when it is given as a bolus, since it
    /// is then the medium itself; plain medium otherwise), washing out what cells secreted.
    public var mediumChangeEvery: Double?

    public init(mediumDepth: Double, mediumChangeEvery: Double? = nil) {
        self.mediumDepth = mediumDepth; self.mediumChangeEvery = mediumChangeEvery
    }

    /// The fraction of a cell's secretion and uptake that a site's concentration sees for
    /// lattice spacing `h` [um]: h / depth, at most 1.
    public func dilution(spacing h: Double) -> Double { min(1, h / mediumDepth) }
}

/// How conditioned medium reaches the wound.
public enum Delivery: Sendable, Equatable {
    /// One dose at t = 0.
    case bolus
    /// A dose every `every` [min] from t = 0 while t < `until` [min].
    case repeated(every: Double, until: Double)
    /// A dressing releases one dose by first-order release with this half-life [min].
    case sustained(halfLife: Double)
}

/// Conditioned medium applied to the wound (cell-free therapy).
public struct Secretome: Sendable, Equatable {
    /// Profile name, for outputs (`asc-monolayer`).
    public var profile: String
    /// Concentration of each factor in the medium [ng/mL], by factor index.
    public var concentrations: [Double]
    /// Multiplier of the concentrations, >= 0.
    public var dose: Double
    public var delivery: Delivery
    /// Whether the medium bathes every site (in-vitro assays) rather than only the wound.
    public var everywhere: Bool

    public init(profile: String, concentrations: [Double], dose: Double = 1, delivery: Delivery = .bolus, everywhere: Bool = false) {
        self.profile = profile; self.concentrations = concentrations; self.dose = dose; self.delivery = delivery
        self.everywhere = everywhere
    }
}

/// How one cell kind is seeded and behaves.
public struct CellSetup: Sendable, Equatable {
    public var parameters: KindParameters
    /// Fraction of the sites of its home region holding a cell at the start, in [0, 1]
    /// (one cell per site at most).
    public var density: Double

    public init(parameters: KindParameters, density: Double) { self.parameters = parameters; self.density = density }
}

/// Everything a wound simulation needs, in internal units (um, min, ng/mL).
public struct ModelConfig: Sendable, Equatable {
    public var name: String
    public var seed: UInt64
    /// Sites along x and y (the layers add z).
    public var nx: Int, ny: Int
    /// Site spacing [um].
    public var spacing: Double
    /// Compartments bottom to top; cells of a kind live in its home compartment.
    public var layers: [Layer]
    /// Lattice layers of the dermis compartment (at least 1), each `spacing` thick: 1 is the
    /// two-layer skin; with more the dermis has depth and dermal cells also move between its layers.
    public var dermisLayers = 1
    /// Depth of the wound below the dermis's upper surface [um]; nil: full thickness (every dermis
    /// layer). A dermis layer is in the wound where the wound reaches its sites' centres.
    public var woundDepth: Double?
    /// The shape of the wound's walls in depth (a round wound's; other shapes have vertical walls).
    public var woundProfile: WoundProfile = .cylinder

    /// The compartment of every lattice layer, bottom first (the dermis repeated `dermisLayers` times).
    public var layerCompartments: [Layer] {
        layers.flatMap { $0 == .dermis ? Array(repeating: Layer.dermis, count: max(1, dermisLayers)) : [$0] }
    }
    /// Time step [min].
    public var dt: Double
    /// Cell steps per field step (>= 1): uptake, secretion, the medium and the release, decay and
    /// diffusion advance once every `fieldSteps` steps, over `fieldSteps x dt`, at the last step of
    /// each interval (`time.field_dt`). 1: every step.
    public var fieldSteps: Int = 1
    /// The fields' time step [min]: `fieldSteps x dt`.
    public var fieldDt: Double { Double(fieldSteps) * dt }
    /// Simulated time [min].
    public var duration: Double
    /// Metrics every [min].
    public var outputEvery: Double
    public var wound: WoundShape
    /// Wound centre as fractions of the lattice extent.
    public var woundCentre: (x: Double, y: Double)
    public var factors: [FactorSpec]
    public var secretome: Secretome
    /// Endogenous production in the wound after injury (platelets, then macrophages), per factor,
    /// as the level [ng/mL] it would hold against decay alone; it fades with `injuryHalfLife`
    /// [min]. A model assumption.
    public var injuryRelease: [Double]
    public var injuryHalfLife: Double
    /// The fresh wound's own release (platelets degranulating in the clot, injured cells), per
    /// factor, as the total amount it adds over the wound sites [ng/mL]; it is released at a rate
    /// that falls exponentially with `clotHalfLife` [min] from t = 0. Empty: none.
    public var clotRelease: [Double] = []
    public var clotHalfLife: Double = 0
    /// Per-factor release half-lives [min] that replace `clotHalfLife` where > 0 (a factor the
    /// injured tissue keeps producing for days, such as a monocyte chemokine). Empty: none.
    public var clotHalfLives: [Double] = []
    /// Half-life [min] of the clot's fibrin, the wound bed's first provisional matrix: it fills every
    /// wound-bed site at t = 0 (a fraction 1 of intact dermis's matrix) and is lysed as
    /// exp(-ln 2 t / half-life). Read only by kinds that need matrix under the wound surface
    /// (`KindParameters.matrixNeeded`). 0: no fibrin.
    public var fibrinHalfLife: Double = 0

    /// The clot's fibrin at time `t` [min], as a fraction of intact dermis's matrix.
    public func fibrin(at t: Double) -> Double {
        fibrinHalfLife > 0 ? exp(-log(2) * t / fibrinHalfLife) : 0
    }

    /// The release half-life of factor `f` [min].
    public func clotHalfLife(of f: Int) -> Double {
        f < clotHalfLives.count && clotHalfLives[f] > 0 ? clotHalfLives[f] : clotHalfLife
    }
    /// Vessel lines in intact dermis every this many um along x and y.
    public var vesselSpacing: Double
    public var cells: [CellSetup]
    /// In-vitro culture conditions; nil in skin.
    public var culture: Culture?
    /// The host's impairments (diabetic, aged), applied when a world is built; normal by default.
    public var condition: Condition = .normal
    /// Wound contraction (a round wound in skin only); nil: no mechanics.
    public var mechanics: MechanicsConfig?

    public init(name: String, seed: UInt64, nx: Int, ny: Int, spacing: Double, layers: [Layer], dt: Double, duration: Double,
                outputEvery: Double, wound: WoundShape, woundCentre: (x: Double, y: Double), factors: [FactorSpec], secretome: Secretome,
                injuryRelease: [Double], injuryHalfLife: Double, vesselSpacing: Double, cells: [CellSetup]) {
        self.name = name; self.seed = seed; self.nx = nx; self.ny = ny; self.spacing = spacing; self.layers = layers
        self.dt = dt; self.duration = duration; self.outputEvery = outputEvery; self.wound = wound; self.woundCentre = woundCentre
        self.factors = factors; self.secretome = secretome; self.injuryRelease = injuryRelease; self.injuryHalfLife = injuryHalfLife
        self.vesselSpacing = vesselSpacing; self.cells = cells
    }

    /// Equal when every value is equal (written out because `woundCentre` is a tuple).
    public static func == (a: ModelConfig, b: ModelConfig) -> Bool {
        a.name == b.name && a.seed == b.seed && a.nx == b.nx && a.ny == b.ny && a.spacing == b.spacing && a.layers == b.layers
            && a.dermisLayers == b.dermisLayers && a.woundDepth == b.woundDepth && a.woundProfile == b.woundProfile
            && a.dt == b.dt && a.fieldSteps == b.fieldSteps && a.duration == b.duration && a.outputEvery == b.outputEvery && a.wound == b.wound
            && a.woundCentre.x == b.woundCentre.x && a.woundCentre.y == b.woundCentre.y && a.factors == b.factors
            && a.secretome == b.secretome && a.injuryRelease == b.injuryRelease && a.injuryHalfLife == b.injuryHalfLife
            && a.clotRelease == b.clotRelease && a.clotHalfLife == b.clotHalfLife && a.clotHalfLives == b.clotHalfLives
            && a.fibrinHalfLife == b.fibrinHalfLife
            && a.vesselSpacing == b.vesselSpacing && a.cells == b.cells && a.culture == b.culture && a.condition == b.condition
            && a.mechanics == b.mechanics
    }

    /// The home compartment of a kind: keratinocytes in the epidermis, the others in the dermis.
    public static func homeLayer(of kind: CellKind) -> Layer { kind == .keratinocyte ? .epidermis : .dermis }
}

public enum ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalid(key: String, message: String)
    public var description: String {
        switch self { case let .invalid(key, message): return "\(key): \(message)" }
    }
}
