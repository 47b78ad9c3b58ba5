import Cells
import Fields
import Foundation
import SimCore

/// Wound contraction (issue 14; scenario section `mechanics:`, DESIGN.md "Tissue mechanics").
///
/// The skin around a round wound is a plane-stress elastic sheet (`AxisymmetricElasticity`) on
/// rings of the lattice spacing around the wound centre. The fibroblasts of the wound bed pull:
/// each ring's active stress is the stress of a wound bed full of fibroblasts (or of
/// myofibroblasts) times the share of the ring's dermal sites they occupy. The wound's tissue
/// remodels into its contracted shape: while it is compressed against its rest shape its plastic
/// strain relaxes towards its strain at `woundRemodelling` (a Maxwell fluid: viscosity E / k), so
/// the pull keeps closing the wound against the skin's elastic resistance as long as the cells
/// pull; it never remodels back open (collagen laid down and cross-linked in the contracted shape
/// [assumption]), so the contraction stays, held by the wound's elasticity, when they go. The cells stay on the
/// lattice, which is the tissue's own (material) frame: the closure by re-epithelialisation is
/// counted there, the contraction is the shrinking of the wound's edge in space. Cells crawl at
/// their speed in space (`crawlInSpace`): across tissue compressed to an areal stretch J they cross
/// 1 / sqrt(J) times as many of its sites per hour, so a contracted wound is covered sooner.
public struct MechanicsConfig: Sendable, Equatable {
    /// Effective in-plane Young's modulus of the skin around the wound [Pa].
    public var skinModulus: Double
    /// Young's modulus of the wound's granulation tissue [Pa].
    public var granulationModulus: Double
    /// Poisson ratio of both (dimensionless).
    public var poisson: Double
    /// Active isotropic stress of a wound bed with a fibroblast at every dermal site [Pa].
    public var fibroblastStress: Double
    /// The same with a myofibroblast at every dermal site [Pa].
    public var myofibroblastStress: Double
    /// Rate at which the wound tissue's plastic strain relaxes towards its strain [1/min].
    public var woundRemodelling: Double
    /// The same for the skin around the wound [1/min]; 0 keeps the skin elastic.
    public var skinRemodelling: Double
    /// Radius at which a splint holds the skin still [um]; nil without a splint.
    public var splintRadius: Double?
    /// Without a splint, the radius beyond which the skin is taken as still [um].
    public var stillRadius: Double
    /// Interval between solves [min].
    public var every: Double
    /// Whether cells crawl at their speed in space: a hop rate is multiplied by the site's pace
    /// 1 / sqrt(J), J the areal stretch of the tissue there (clamped to [1/4, 4]). False keeps
    /// every rate in the tissue's frame (the cells do not feel the contraction).
    public var crawlInSpace: Bool

    public init(skinModulus: Double, granulationModulus: Double, poisson: Double, fibroblastStress: Double, myofibroblastStress: Double,
                woundRemodelling: Double, skinRemodelling: Double, splintRadius: Double?, stillRadius: Double, every: Double,
                crawlInSpace: Bool = true) {
        self.skinModulus = skinModulus; self.granulationModulus = granulationModulus; self.poisson = poisson
        self.fibroblastStress = fibroblastStress; self.myofibroblastStress = myofibroblastStress
        self.woundRemodelling = woundRemodelling; self.skinRemodelling = skinRemodelling
        self.splintRadius = splintRadius; self.stillRadius = stillRadius; self.every = every
        self.crawlInSpace = crawlInSpace
    }

    /// The radius at which the sheet is held [um].
    public var heldRadius: Double { splintRadius ?? stillRadius }
}

/// The contraction state of one world: the sheet, its displacement and the ring of each dermal
/// site. Solved every `every` minutes at the start of a step, from the cells as they stand, on
/// the stepping thread (one tridiagonal sweep over a few hundred rings).
public final class WoundMechanics: @unchecked Sendable {
    public let config: MechanicsConfig
    /// Wound radius [um].
    public let woundRadius: Double
    /// The sheet: ring width = lattice spacing [um], moduli and stresses [Pa].
    public private(set) var sheet: AxisymmetricElasticity
    /// Nodal radial displacements [um] from the last solve.
    public private(set) var displacement: [Double]
    /// Ring of each x-y position (-1: beyond the held radius).
    let ringOfColumn: [Int32]
    /// Sites per layer (nx x ny).
    let plane: Int
    /// Dermal sites per ring.
    let sitesPerRing: [Int]
    /// Steps between solves.
    let stepsPerSolve: Int
    /// The model time between solves [min] (a whole number of steps).
    let interval: Double
    /// Contraction when the re-epithelialisation first reached 95 % [%].
    public internal(set) var contractionAtClosure: Double?
    /// Per ring: fibroblasts and myofibroblasts on its wound-bed sites, and the share of the
    /// elastic strain remodelled this interval (reused by every solve).
    private var fibroblastCount: [Int], myofibroblastCount: [Int], share: [Double]
    /// Per ring: the areal stretch J = (1 + e_r)(1 + e_theta) of the current displacement, set
    /// with it (by every solve, restore and reset); read by `areaStretch` and the pace.
    private var ringStretch: [Double]
    /// Per plane site (x + nx y): the factor on hop rates from the tissue's stretch, 1 / sqrt(J)
    /// (1 off the sheet); nil unless `config.crawlInSpace`. Set by every solve and restore.
    public let pace: UnsafeMutablePointer<Float>?
    /// The largest pace on the lattice, at least 1 (bounds a step's event probability).
    public private(set) var paceMaximum = 1.0

    init(_ config: MechanicsConfig, lattice: Lattice, regions: RegionMap, centre: (x: Double, y: Double), woundRadius: Double,
         dt: Double) throws(ModelError) {
        let h = lattice.spacing
        guard config.skinModulus > 0, config.granulationModulus > 0, config.skinModulus.isFinite, config.granulationModulus.isFinite else {
            throw .invalid(key: "mechanics", message: "the moduli must be > 0")
        }
        guard config.poisson > -1, config.poisson < 0.5 else { throw .invalid(key: "mechanics.poisson", message: "\(config.poisson) must lie in (-1, 0.5)") }
        guard config.fibroblastStress >= 0, config.myofibroblastStress >= 0, config.woundRemodelling >= 0, config.skinRemodelling >= 0 else {
            throw .invalid(key: "mechanics", message: "stresses and remodelling rates must be >= 0")
        }
        let held = config.heldRadius
        guard held >= woundRadius + 2 * h else {
            throw .invalid(key: config.splintRadius != nil ? "mechanics.splint_radius" : "mechanics.still_radius",
                           message: "\(held) um must lie at least two lattice spacings (\(2 * h) um) beyond the wound's edge at \(woundRadius) um")
        }
        guard config.every >= dt else { throw .invalid(key: "mechanics.every", message: "\(config.every) min must be at least dt = \(dt) min") }
        self.config = config
        self.woundRadius = woundRadius
        // Rings no wider than the lattice spacing, the last ending exactly at the held radius.
        let elements = Int((held / h).rounded(.up))
        let ring = held / Double(elements)
        var sheet = AxisymmetricElasticity(spacing: ring, elements: elements, modulus: config.skinModulus, poisson: config.poisson)
        for e in 0..<elements where (Double(e) + 0.5) * ring < woundRadius { sheet.modulus[e] = config.granulationModulus }
        self.sheet = sheet
        displacement = Array(repeating: 0, count: elements + 1)
        plane = lattice.nx * lattice.ny
        var rings = [Int32](repeating: -1, count: plane)
        var perRing = [Int](repeating: 0, count: elements)
        let cx = centre.x, cy = centre.y
        for j in 0..<lattice.ny {
            for i in 0..<lattice.nx {
                let x = lattice.centre(i) - cx, y = lattice.centre(j) - cy
                let e = Int((x * x + y * y).squareRoot() / ring)
                if e < elements { rings[j * lattice.nx + i] = Int32(e) }
            }
        }
        for s in 0..<lattice.count {
            let region = regions.ids[s], e = Int(rings[s % plane])
            if e >= 0, region == Tissue.dermis || region == Tissue.woundBed { perRing[e] += 1 }
        }
        ringOfColumn = rings
        sitesPerRing = perRing
        stepsPerSolve = max(1, Int((config.every / dt).rounded()))
        interval = Double(stepsPerSolve) * dt
        fibroblastCount = Array(repeating: 0, count: elements)
        myofibroblastCount = fibroblastCount
        share = Array(repeating: 0, count: elements)
        ringStretch = Array(repeating: 1, count: elements)
        if config.crawlInSpace {
            pace = .allocate(capacity: plane)
            pace!.initialize(repeating: 1, count: plane)
        } else {
            pace = nil
        }
    }

    deinit { pace?.deallocate() }

    /// Sets each ring's areal stretch from the displacement, then every site's pace from its
    /// ring's (J clamped to [1/4, 4]). Allocates nothing.
    private func displacementChanged() {
        for e in 0..<sheet.elements {
            let (er, eh) = sheet.strains(displacement, element: e)
            ringStretch[e] = (1 + er) * (1 + eh)
        }
        guard let pace else { return }
        var biggest: Float = 1
        for p in 0..<plane {
            let e = Int(ringOfColumn[p])
            let v: Float = e >= 0 ? Float(1 / min(4, max(0.25, ringStretch[e])).squareRoot()) : 1
            pace[p] = v
            biggest = max(biggest, v)
        }
        paceMaximum = Double(biggest)
    }

    /// Whether a solve is due at the start of `step`.
    func due(at step: Int) -> Bool { step % stepsPerSolve == 0 }

    /// The active stress of each ring from the fibroblasts on wound-bed sites, then one step of
    /// the remodelling over the interval to the next solve, implicit in the strain: with f = 1 -
    /// exp(-k t) the share of the elastic strain that remodelling turns plastic over the interval,
    /// the stress at its end is (1 - f) D (eps - eps_p) + tau, so the solve uses the modulus (1 - f) E
    /// with the last plastic strain, and the plastic strain then moves by f towards the new
    /// strain. Stable at any k and interval (a lagged update could not relax faster than a share
    /// E_skin / (E_skin + E_wound) per solve), first order in the interval. A wound ring remodels
    /// only while compressed against its rest shape (its area strain below its plastic one); one
    /// pulled open keeps its full modulus and its plastic strain. Which rings remodel is found by
    /// solving again until the set no longer changes (an active set; at most one pass per ring).
    /// Allocates nothing.
    func solve(cells: CellPopulation, regions: RegionMap) {
        let n = sheet.elements
        for e in 0..<n { fibroblastCount[e] = 0; myofibroblastCount[e] = 0 }
        let fibroblast = CellKind.fibroblast.rawValue, myo = CellFlags.myofibroblast.rawValue
        for c in 0..<cells.count where cells.kind[c] == fibroblast {
            let s = Int(cells.site[c])
            guard regions.ids[s] == Tissue.woundBed else { continue }
            let e = Int(ringOfColumn[s % plane])
            guard e >= 0 else { continue }
            if cells.flags[c] & myo != 0 { myofibroblastCount[e] += 1 } else { fibroblastCount[e] += 1 }
        }
        let (fWound, fSkin) = shares
        for e in 0..<n {
            let sites = Double(max(1, sitesPerRing[e]))
            sheet.activeStress[e] = (Double(fibroblastCount[e]) * config.fibroblastStress
                + Double(myofibroblastCount[e]) * config.myofibroblastStress) / sites
            share[e] = isWound(e) ? fWound : fSkin
        }
        for _ in 0...n {
            for e in 0..<n {
                // At least a millionth of the modulus: a rate so high that f rounds to 1 leaves the sheet solvable.
                sheet.modulus[e] = (isWound(e) ? config.granulationModulus : config.skinModulus) * max(1e-6, 1 - share[e])
            }
            sheet.solve(into: &displacement)
            var changed = false
            for e in 0..<n where isWound(e) && fWound > 0 {
                let (er, eh) = sheet.strains(displacement, element: e)
                let compressed = er + eh < sheet.plasticRadial[e] + sheet.plasticHoop[e]
                let wanted = compressed ? fWound : 0
                if wanted != share[e] { share[e] = wanted; changed = true }
            }
            if !changed { break }
        }
        for e in 0..<n where share[e] > 0 {
            let (er, eh) = sheet.strains(displacement, element: e)
            sheet.plasticRadial[e] += share[e] * (er - sheet.plasticRadial[e])
            sheet.plasticHoop[e] += share[e] * (eh - sheet.plasticHoop[e])
        }
        displacementChanged()
    }

    /// Whether ring e lies in the wound (its centre inside the wound's radius).
    @inline(__always) func isWound(_ e: Int) -> Bool { (Double(e) + 0.5) * sheet.spacing < woundRadius }

    /// The shares of the elastic strain remodelling turns plastic over one interval, in the wound
    /// and in the skin: 1 - exp(-k x interval).
    var shares: (wound: Double, skin: Double) {
        (1 - exp(-config.woundRemodelling * interval), 1 - exp(-config.skinRemodelling * interval))
    }

    /// Radial displacement of the wound's edge [um] (negative: inward), interpolated at r = a.
    public var edgeDisplacement: Double { displacementAt(woundRadius) }

    /// Radial displacement at radius r [um], linear between nodes.
    public func displacementAt(_ r: Double) -> Double {
        let x = r / sheet.spacing
        let i = min(max(0, Int(x)), sheet.elements - 1)
        let f = x - Double(i)
        return displacement[i] * (1 - f) + displacement[i + 1] * f
    }

    /// Area of the wound's edge in space against at t = 0, as a loss [%]: 100 (1 - ((a + u(a)) / a)^2).
    public var contractionPercent: Double {
        let s = (woundRadius + edgeDisplacement) / woundRadius
        return 100 * (1 - s * s)
    }

    /// Areal stretch J = (1 + e_r)(1 + e_theta) at the site's ring (1 off the sheet).
    func areaStretch(site: Int) -> Double {
        let e = Int(ringOfColumn[site % plane])
        return e >= 0 ? ringStretch[e] : 1
    }

    /// The state a checkpoint carries: displacements and plastic strains.
    public var state: (displacement: [Double], plasticRadial: [Double], plasticHoop: [Double], atClosure: Double?) {
        (displacement, sheet.plasticRadial, sheet.plasticHoop, contractionAtClosure)
    }

    /// Why a checkpoint's state does not fit this sheet, or nil when it does.
    public func problem(displacement u: [Double], plasticRadial pr: [Double], plasticHoop ph: [Double], atClosure: Double?) -> String? {
        guard u.count == sheet.elements + 1, pr.count == sheet.elements, ph.count == sheet.elements else {
            return "the checkpoint's mechanics has \(pr.count) rings, the scenario's \(sheet.elements)"
        }
        guard (u + pr + ph).allSatisfy(\.isFinite), atClosure?.isFinite ?? true else { return "the checkpoint's mechanics holds a value that is not finite" }
        return nil
    }

    /// Restores a state that `problem` accepted.
    public func restore(displacement u: [Double], plasticRadial pr: [Double], plasticHoop ph: [Double], atClosure: Double?) {
        precondition(problem(displacement: u, plasticRadial: pr, plasticHoop: ph, atClosure: atClosure) == nil)
        displacement = u
        sheet.plasticRadial = pr
        sheet.plasticHoop = ph
        contractionAtClosure = atClosure
        displacementChanged()
    }

    /// Back to no displacement and no plastic strain (a restore from a state without mechanics).
    public func reset() {
        displacement = Array(repeating: 0, count: sheet.elements + 1)
        sheet.plasticRadial = Array(repeating: 0, count: sheet.elements)
        sheet.plasticHoop = Array(repeating: 0, count: sheet.elements)
        contractionAtClosure = nil
        displacementChanged()
    }
}
