import Foundation

/// A factor's effect on one behaviour: a Hill function of the local concentration.
///
/// ```
/// H(c) = c^n / (EC50^n + c^n)
/// ```
/// Responses of one behaviour combine additively in fold change over the basal rate:
/// ```
/// rate = basal * (1 + sum_i (maxFold_i - 1) H_i(c_i))
/// ```
/// so a factor at saturation multiplies the basal rate by its `maxFold`, two saturating factors
/// add their excess folds, and with no factor the basal rate holds. `maxFold < 1` inhibits.
/// A response to a factor's lack (`below`, as to hypoxia) uses `1 - H(c) = EC50^n / (EC50^n + c^n)`
/// and multiplies the rate instead of adding to it:
/// ```
/// rate = basal * (1 + sum_i (maxFold_i - 1) H_i(c_i)) * prod_j (1 + (maxFold_j - 1) (1 - H_j(c_j)))
/// ```
/// so the rate, whatever the other factors make it, is `maxFold` times that as the factor falls to
/// 0 and unchanged where it is plentiful: anoxia (`maxFold` 0) stops a division that growth
/// factors drive, and hypoxia triples a secretion whatever its other signals.
/// The step evaluates it in `CompiledRate.rate`, the one implementation.
public struct Response: Sendable, Equatable {
    /// Index of the factor in the field set.
    public var factor: Int
    /// Half-maximal concentration [ng/mL], > 0.
    public var ec50: Double
    /// Hill coefficient, > 0.
    public var hill: Double
    /// Fold change of the basal rate at saturation, >= 0.
    public var maxFold: Double
    /// Where the values come from, and whether that source is retracted.
    public var source: String
    /// Whether the response is to the factor's lack (`1 - H(c)`, scenario `when: below`) rather
    /// than to its presence.
    public var below: Bool

    public init(factor: Int, ec50: Double, hill: Double = 1, maxFold: Double, source: String = "", below: Bool = false) {
        self.factor = factor; self.ec50 = ec50; self.hill = hill; self.maxFold = maxFold; self.source = source
        self.below = below
    }
}

/// The basal rate of one behaviour and the factors that modulate it.
public struct ModulatedRate: Sendable, Equatable {
    /// Basal rate [1/min] (for motility: hops per minute).
    public var basal: Double
    public var responses: [Response]

    public init(basal: Double, responses: [Response] = []) { self.basal = basal; self.responses = responses }

    /// The largest rate the responses allow [1/min] (every factor at saturation or absent).
    public var maximum: Double {
        let presence = Swift.max(1, 1 + responses.filter { !$0.below }.reduce(0) { $0 + Swift.max(0, $1.maxFold - 1) })
        return basal * presence * responses.filter(\.below).reduce(1) { $0 * Swift.max(1, $1.maxFold) }
    }
}

/// Where a kind's recruits enter the lattice.
public enum RecruitmentSource: String, Sendable, CaseIterable {
    /// From the blood, at vessel sites (monocytes becoming macrophages).
    case vessels
    /// From the tissue under the wound bed (fascia, subcutis), which a lattice of dermis and
    /// epidermis does not hold: into empty wound-bed sites.
    case woundBed = "wound_bed"
}

/// How a cell becomes migratory.
///
/// `fixedLag` (timed migration): a cell becomes migratory once it has spent `lag` at or above
/// `threshold` of any of `factors` at its own site. There is no global clock: cells the factors
/// reach later start later.
///
/// `graded`: the cell carries an activation state a in [0, 1] that relaxes toward the signal's
/// target with the response time tau,
/// ```
/// da/dt = (A(c) - a) / tau,   A(c) = x^n / (1 + x^n),   x = sum_f c_f / K_f
/// ```
/// (K_f: the half-activation concentration of factor f; the factors add as equivalent doses), and
/// is migratory while a >= `threshold` (a fraction). A stronger signal raises a faster and higher,
/// so migration starts earlier: the onset is tau ln(A / (A - threshold)) for a constant signal,
/// none while A < threshold. The state falls again when the signal fades (reversible). Graded
/// activation gates migration only; division follows its own responses.
public struct ActivationRule: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable { case fixedLag = "fixed-lag", graded }
    public var mode: Mode = .fixedLag
    /// Graded: half-activation concentration per entry of `factors` [ng/mL], > 0.
    public var halfActivation: [Double] = []
    /// Graded: Hill coefficient of A(c), > 0.
    public var hill: Double = 1
    /// Graded: response time tau [min], > 0.
    public var responseTime: Double = 0
    /// Factor indices whose local concentration counts.
    public var factors: [Int]
    /// Fixed lag: concentration threshold [ng/mL]. Graded: the activation state (a fraction in
    /// [0, 1]) at and above which the cell is migratory.
    public var threshold: Double
    /// Exposure needed [min], >= 0. Default lags (endothelial 4 h, fibroblast 12 h, keratinocyte
    /// 24 h) come from a retracted source (Hu 2013, Exp Ther Med 5:701; retracted 2016): priors,
    /// not facts.
    public var lag: Double
    public var source: String

    /// A graded rule: half-activation concentrations [ng/mL] per factor, the state threshold (a
    /// fraction) and the response time [min].
    public static func graded(factors: [Int], halfActivation: [Double], threshold: Double = 0.5, hill: Double = 1,
                              responseTime: Double, source: String = "") -> ActivationRule {
        var r = ActivationRule(factors: factors, threshold: threshold, lag: 0, source: source)
        r.mode = .graded; r.halfActivation = halfActivation; r.hill = hill; r.responseTime = responseTime
        return r
    }

    public init(factors: [Int], threshold: Double, lag: Double, source: String = "") {
        self.factors = factors; self.threshold = threshold; self.lag = lag; self.source = source
    }
}

/// Sprouting angiogenesis as tip and stalk cells (`KindParameters.sprouting`).
public struct Sprouting: Sendable, Equatable {
    /// The closest two tip cells may be [um]: an activated cell becomes a tip only when no tip
    /// stands within this distance. On a lattice of spacing h a tip inhibits the sites within
    /// R = max(1, ceil(tipSpacing / h) - 1) sites in each direction (the square around it), so a
    /// tip's own follower is always inhibited (`radius(spacing:)`).
    public var tipSpacing: Double
    /// The rate at which an activated cell on a vessel site, with no tip within `tipSpacing`,
    /// becomes a tip [1/min] (drawn each step from its own stream).
    public var tipRate: Double
    public var source: String

    public init(tipSpacing: Double, tipRate: Double, source: String = "") {
        self.tipSpacing = tipSpacing; self.tipRate = tipRate; self.source = source
    }

    /// The lateral inhibition's reach in sites on a lattice of spacing `h` [um].
    public func radius(spacing h: Double) -> Int { max(1, Int((tipSpacing / h - 1e-9).rounded(.up)) - 1) }
}

/// Everything one cell kind does, as data.
public struct KindParameters: Sendable, Equatable {
    public var kind: CellKind
    /// Lattice hops per minute when migratory and unstimulated [1/min]; a speed S [um/min] on
    /// spacing h gives S / h. The hop probability per step is `rate * dt`.
    public var motility: ModulatedRate
    /// Chemotactic sensitivity per factor [mL/ng]: a hop toward a neighbour is weighted by
    /// `exp(sum_f chi_f (c_f(neighbour) - c_f(here)))`.
    public var chemotaxis: [(factor: Int, sensitivity: Double)]
    /// Divisions per minute into a free neighbour site (contact inhibition: none when all are full).
    public var proliferation: ModulatedRate
    /// Deaths per minute [1/min], drawn once an hour (`CellStepper.apoptosisEvery`).
    public var apoptosis: ModulatedRate
    /// Whether only differentiated cells (`CellFlags.myofibroblast`: fibroblasts after
    /// `differentiationResidence` in the wound) can die. Granulation tissue's myofibroblasts die
    /// as it turns into scar (Desmouliere 1995 Am J Pathol 146:56), while quiescent fibroblasts of
    /// intact dermis turn over far more slowly than a wound heals. false: every cell of the kind.
    public var apoptosisOnlyDifferentiated: Bool = false
    public var activation: ActivationRule?
    /// Whether the kind moves and divides only once activated (true: quiescent until its lag of
    /// exposure has passed) or always (false).
    public var activationRequired: Bool
    /// Whether an activated cell is quiescent again in steps where none of its activation factors
    /// is at threshold (it keeps its exposure and answers at once when they return). Default false:
    /// once activated, always activated.
    public var revertsWhenUnstimulated: Bool = false
    /// Fibroblasts: residence in the wound bed after which they become myofibroblasts [min].
    public var differentiationResidence: Double?
    /// Collagen deposited per minute at the cell's site, in units of a fully collagenous site.
    public var collagenDeposition: ModulatedRate
    /// Secretion per factor [ng/mL/min] at the cell's site.
    public var secretion: [(factor: Int, rate: ModulatedRate)]
    /// First-order uptake per factor [1/min] at the cell's site.
    public var uptake: [(factor: Int, rate: Double)]
    /// Whether secretion needs the cell to be migratory ("stimulated").
    public var secretesOnlyWhenMigratory: Bool = true
    /// Cohesion of a sheet, in [0, 1]: the probability that a hop which would take a cell out of
    /// contact with every other cell (its 8 surrounding sites in the layer, the site it leaves
    /// aside) is refused. 0: cells move as independent particles; 1: a cell in contact never
    /// detaches by moving (cell-cell junctions; the sheet advances as a front).
    public var cohesion: Double = 0
    /// Matrix inhibition of division, in [0, 1]: a daughter drawn onto a site whose collagen is
    /// c (a fraction of intact dermis) is refused with probability `matrixInhibition * c`. 1:
    /// cells in mature matrix stay quiescent and divide only into space the matrix leaves (the
    /// wound bed and its provisional matrix), as fibroblasts in a mature collagen matrix do not
    /// grow (Grinnell 2003 Trends Cell Biol 13:264) and intact endothelium turns over in months
    /// to years (Hobson & Denekamp 1984 Br J Cancer 49:405). 0: no gate (the earlier model).
    public var matrixInhibition: Double = 0
    /// Provisional matrix needed under the wound surface, in [0, 1] (a fraction of intact dermis): a
    /// hop, or a daughter, onto a wound-surface site whose wound-bed site below holds matrix m
    /// (clot fibrin plus deposited collagen, at most 1) is refused with probability
    /// 1 - m / `matrixNeeded` when m is below it. Keratinocytes migrate over a provisional matrix,
    /// the fibrin clot first and granulation tissue later (Clark 1996; PARAMETERS.md "Granulation
    /// tissue"). 0: no gate (the earlier model).
    public var matrixNeeded: Double = 0
    /// Endothelial sprouting: a moving cell marks the site it leaves as vessel.
    public var leavesVesselTrail: Bool = false
    /// Sprouting (`sprouting`; needs `leavesVesselTrail`): the kind's activated cells are tip or
    /// stalk cells (`CellFlags.tip`). An activated cell on a vessel site with no tip within
    /// `tipSpacing` becomes a tip at `tipRate` (lateral inhibition through Dll4-Notch); a tip moves only onto
    /// sites that are not vessel, marks the site it leaves, does not divide, and fuses
    /// (anastomosis: it marks its site and is a stalk cell again) when it meets a vessel head on
    /// (the site ahead of it, in the direction it moved, is vessel; a side contact would join it
    /// to the vessel it left); a stalk cell moves and divides only onto vessel sites, so that it
    /// follows and fills the sprouts; a cell that is no longer activated stops being a tip.
    /// Without sprouting every activated cell moves freely and marks its trail (the earlier model).
    public var sprouting: Sprouting?
    /// Regression of the vessel sites this kind's trail made (`leavesVesselTrail`) [1/min],
    /// modulated by the factors at the site (VEGF as the new vessel's survival factor). Drawn at
    /// the hourly apoptosis draw (`CellStepper.apoptosisEvery`); the dermis's own vessels never
    /// regress. Basal 0: trails are permanent (the earlier model).
    public var vesselRegression = ModulatedRate(basal: 0)
    /// Tissue region ids (see `Tissue`) this kind may move or divide into; empty: any.
    public var allowedRegions: Set<UInt8> = []
    /// Recruitment: new cells per source site per minute [1/min], modulated by the factors at that
    /// site (a chemokine). From `vessels` (the blood): each step every vessel site draws once; a
    /// recruit takes the vessel site, or a free in-plane neighbour open to the kind. From
    /// `wound_bed` (`recruitedFrom`): an empty wound-bed site takes one. Basal 0: never recruited.
    public var recruitment = ModulatedRate(basal: 0)
    /// Where recruits enter (`recruitment.from`): `vessels` (from the blood, at vessel sites) or
    /// `wound_bed` (from the tissue under the lattice's dermis, the fascia and subcutis, into each
    /// empty wound-bed site at `recruitment` per site per minute).
    public var recruitedFrom: RecruitmentSource = .vessels
    /// Matrix inhibition of recruitment from the wound bed, in [0, 1]: a recruit drawn for an empty
    /// wound-bed site whose collagen is c (a fraction of intact dermis) is refused with
    /// probability `recruitmentMatrixInhibition * c`, as a daughter is under `matrixInhibition`:
    /// the influx fills the wound's empty bed, not the space a dead cell leaves in matrix laid
    /// down since. 0: no gate.
    public var recruitmentMatrixInhibition: Double = 0
    /// The switch to the second state (`CellFlags.repair`; macrophages: pro-inflammatory to
    /// pro-repair), per minute [1/min], modulated by the factors at the cell's site. One way;
    /// basal 0: the kind has one state.
    public var polarization = ModulatedRate(basal: 0)
    /// Time a cell must have spent since its arrival (recruitment, or the start) or its last
    /// division before it can switch [min]: monocytes mature into macrophages in the tissue before
    /// they turn pro-repair (Crane 2014 PLoS One 9:e86660). 0: from the first step.
    public var polarizationAfter: Double = 0
    /// Secretion of a cell in the second state [ng/mL/min per entry], instead of `secretion`.
    public var repairSecretion: [(factor: Int, rate: ModulatedRate)] = []

    public init(kind: CellKind, motility: ModulatedRate = .init(basal: 0), chemotaxis: [(factor: Int, sensitivity: Double)] = [],
                proliferation: ModulatedRate = .init(basal: 0), apoptosis: ModulatedRate = .init(basal: 0),
                activation: ActivationRule? = nil, activationRequired: Bool = true, differentiationResidence: Double? = nil,
                collagenDeposition: ModulatedRate = .init(basal: 0), secretion: [(factor: Int, rate: ModulatedRate)] = [],
                uptake: [(factor: Int, rate: Double)] = []) {
        self.kind = kind; self.motility = motility; self.chemotaxis = chemotaxis; self.proliferation = proliferation
        self.apoptosis = apoptosis; self.activation = activation; self.activationRequired = activationRequired
        self.differentiationResidence = differentiationResidence; self.collagenDeposition = collagenDeposition
        self.secretion = secretion; self.uptake = uptake
    }

    public static func == (a: KindParameters, b: KindParameters) -> Bool {
        a.kind == b.kind && a.motility == b.motility && a.proliferation == b.proliferation && a.apoptosis == b.apoptosis
            && a.activation == b.activation && a.activationRequired == b.activationRequired && a.revertsWhenUnstimulated == b.revertsWhenUnstimulated
            && a.differentiationResidence == b.differentiationResidence && a.collagenDeposition == b.collagenDeposition
            && a.chemotaxis.map(\.factor) == b.chemotaxis.map(\.factor) && a.chemotaxis.map(\.sensitivity) == b.chemotaxis.map(\.sensitivity)
            && a.secretion.map(\.factor) == b.secretion.map(\.factor) && a.secretion.map(\.rate) == b.secretion.map(\.rate)
            && a.uptake.map(\.factor) == b.uptake.map(\.factor) && a.uptake.map(\.rate) == b.uptake.map(\.rate)
            && a.secretesOnlyWhenMigratory == b.secretesOnlyWhenMigratory && a.leavesVesselTrail == b.leavesVesselTrail && a.sprouting == b.sprouting && a.vesselRegression == b.vesselRegression
            && a.allowedRegions == b.allowedRegions && a.cohesion == b.cohesion
            && a.matrixInhibition == b.matrixInhibition && a.matrixNeeded == b.matrixNeeded
            && a.apoptosisOnlyDifferentiated == b.apoptosisOnlyDifferentiated && a.recruitmentMatrixInhibition == b.recruitmentMatrixInhibition
            && a.recruitment == b.recruitment && a.recruitedFrom == b.recruitedFrom && a.polarization == b.polarization && a.polarizationAfter == b.polarizationAfter
            && a.repairSecretion.map(\.factor) == b.repairSecretion.map(\.factor) && a.repairSecretion.map(\.rate) == b.repairSecretion.map(\.rate)
    }

    /// The largest probability per step of dividing and hopping together; must be <= 1. (Death
    /// is drawn apart, once an hour: `CellStepper.apoptosisEvery`.)
    public func maximumEventProbability(dt: Double) -> Double {
        (proliferation.maximum + motility.maximum) * dt
    }

    /// Every factor the kind's rates and activation read at a cell's site, ascending (its
    /// chemotaxis reads the fields directly, and what it secretes or takes up it writes, so
    /// neither counts). A cell holds them in `LocalSignals.here`, at most
    /// `Rules.maximumSensedFactors` of them.
    public var sensedFactors: [Int] {
        var set = Set<Int>()
        for r in [motility, proliferation, apoptosis, collagenDeposition, recruitment, polarization, vesselRegression]
            + (secretion + repairSecretion).map(\.rate) {
            for resp in r.responses { set.insert(resp.factor) }
        }
        for f in activation?.factors ?? [] { set.insert(f) }
        return set.sorted()
    }

    /// Checks the parameters for dt [min]; every problem names its key.
    public func validate(dt: Double, factorCount: Int) throws(CellError) {
        let key = "cells.\(kind)"
        let sensed = sensedFactors
        if sensed.count > Rules.maximumSensedFactors {
            throw .invalid(key: key, message: "its rates and activation read \(sensed.count) factors (\(sensed.map(String.init).joined(separator: ", "))); a kind senses at most \(Rules.maximumSensedFactors)")
        }
        for (name, n) in [("migration", motility.responses.count), ("proliferation", proliferation.responses.count),
                          ("apoptosis", apoptosis.responses.count), ("collagen", collagenDeposition.responses.count),
                          ("chemotaxis", chemotaxis.count), ("secretion", secretion.count), ("uptake", uptake.count),
                          ("recruitment", recruitment.responses.count), ("polarization", polarization.responses.count),
                          ("polarization.secretion", repairSecretion.count), ("vessel_regression", vesselRegression.responses.count)]
            where n > CompiledRate.capacity {
            throw .invalid(key: "\(key).\(name)", message: "\(n) entries; at most \(CompiledRate.capacity) are allowed")
        }
        for s in secretion + repairSecretion where s.rate.responses.count > CompiledRate.capacity {
            throw .invalid(key: "\(key).secretion", message: "at most \(CompiledRate.capacity) responses per secreted factor")
        }
        func checkRate(_ r: ModulatedRate, _ name: String) throws(CellError) {
            guard r.basal.isFinite, r.basal >= 0 else { throw .invalid(key: "\(key).\(name)", message: "basal rate \(r.basal) /min must be >= 0") }
            for (i, resp) in r.responses.enumerated() {
                let k = "\(key).\(name).responses[\(i)]"
                guard resp.factor >= 0, resp.factor < factorCount else { throw .invalid(key: k, message: "names factor \(resp.factor), but there are \(factorCount) factors") }
                guard resp.ec50.isFinite, resp.ec50 > 0 else { throw .invalid(key: "\(k).ec50", message: "\(resp.ec50) ng/mL must be > 0") }
                guard resp.hill.isFinite, resp.hill > 0 else { throw .invalid(key: "\(k).hill", message: "\(resp.hill) must be > 0") }
                guard resp.maxFold.isFinite, resp.maxFold >= 0 else { throw .invalid(key: "\(k).max_fold", message: "\(resp.maxFold) must be >= 0") }
            }
        }
        try checkRate(motility, "migration"); try checkRate(proliferation, "proliferation")
        try checkRate(apoptosis, "apoptosis"); try checkRate(collagenDeposition, "collagen")
        for s in secretion { try checkRate(s.rate, "secretion") }
        try checkRate(recruitment, "recruitment"); try checkRate(polarization, "polarization")
        try checkRate(vesselRegression, "vessel_regression")
        if let sp = sprouting {
            guard leavesVesselTrail else { throw .invalid(key: "\(key).sprouting", message: "the kind leaves no vessel trail (vessel_trail: true) to sprout") }
            guard sp.tipSpacing.isFinite, sp.tipSpacing > 0 else { throw .invalid(key: "\(key).sprouting.tip_spacing", message: "\(sp.tipSpacing) um must be > 0") }
            guard sp.tipRate.isFinite, sp.tipRate > 0 else { throw .invalid(key: "\(key).sprouting.tip_rate", message: "\(sp.tipRate) /min must be > 0") }
        }
        if vesselRegression.basal > 0, !leavesVesselTrail {
            throw .invalid(key: "\(key).vessel_regression", message: "the kind leaves no vessel trail (vessel_trail: true) to regress")
        }
        for s in repairSecretion { try checkRate(s.rate, "polarization.secretion") }
        for s in secretion + repairSecretion where !(0..<factorCount).contains(s.factor) {
            throw .invalid(key: "\(key).secretion", message: "names factor \(s.factor), but there are \(factorCount) factors")
        }
        if recruitment.basal * dt > 1 {
            throw .invalid(key: "\(key).recruitment.rate", message: "\(recruitment.basal) /min is more than one recruit per \(recruitedFrom == .vessels ? "vessel" : "wound-bed") site per step (time.dt = \(dt) min)")
        }
        guard polarizationAfter.isFinite, polarizationAfter >= 0 else {
            throw .invalid(key: "\(key).polarization.after", message: "\(polarizationAfter) min must be >= 0")
        }
        if polarization.maximum * dt > 1 {
            throw .invalid(key: "\(key).polarization.rate", message: "the switch probability per step reaches \(polarization.maximum * dt) > 1; lower the rate or time.dt")
        }
        if apoptosisOnlyDifferentiated && apoptosis.basal > 0 && differentiationResidence == nil {
            throw .invalid(key: "\(key).apoptosis.only_differentiated", message: "the kind never differentiates, so none of its cells would die; give cells.\(kind).differentiation.residence, or drop only_differentiated")
        }
        guard matrixInhibition.isFinite, (0...1).contains(matrixInhibition) else {
            throw .invalid(key: "\(key).proliferation.matrix_inhibition", message: "\(matrixInhibition) must be in [0, 1]")
        }
        guard recruitmentMatrixInhibition.isFinite, (0...1).contains(recruitmentMatrixInhibition) else {
            throw .invalid(key: "\(key).recruitment.matrix_inhibition", message: "\(recruitmentMatrixInhibition) must be in [0, 1]")
        }
        if recruitmentMatrixInhibition > 0 && recruitedFrom != .woundBed {
            throw .invalid(key: "\(key).recruitment.matrix_inhibition", message: "gates recruitment from the wound bed only; this kind is recruited from \(recruitedFrom.rawValue)")
        }
        guard matrixNeeded.isFinite, (0...1).contains(matrixNeeded) else {
            throw .invalid(key: "\(key).migration.matrix_needed", message: "\(matrixNeeded) must be in [0, 1]")
        }
        guard cohesion.isFinite, (0...1).contains(cohesion) else { throw .invalid(key: "\(key).migration.cohesion", message: "\(cohesion) must be in [0, 1]") }
        if let a = activation, a.mode == .graded {
            guard a.responseTime.isFinite, a.responseTime > 0 else { throw .invalid(key: "\(key).migration.response_time", message: "\(a.responseTime) min must be > 0") }
            guard a.threshold.isFinite, a.threshold > 0, a.threshold < 1 else {
                throw .invalid(key: "\(key).migration.threshold", message: "\(a.threshold) must be a fraction in (0, 1) under graded activation (the activation state at which the cell migrates)")
            }
            guard a.hill.isFinite, a.hill > 0 else { throw .invalid(key: "\(key).migration.hill", message: "\(a.hill) must be > 0") }
            guard a.halfActivation.count == a.factors.count else {
                throw .invalid(key: "\(key).migration.half_activation", message: "give one half-activation concentration per factor of activated_by (\(a.factors.count))")
            }
            for k in a.halfActivation where !(k.isFinite && k > 0) { throw .invalid(key: "\(key).migration.half_activation", message: "\(k) ng/mL must be > 0") }
            for f in a.factors where !(0..<factorCount).contains(f) { throw .invalid(key: "\(key).migration.activated_by", message: "names factor \(f), but there are \(factorCount) factors") }
        } else if let a = activation {
            guard a.lag.isFinite, a.lag >= 0 else { throw .invalid(key: "\(key).migration.lag", message: "\(a.lag) min must be >= 0") }
            guard a.threshold.isFinite, a.threshold >= 0 else { throw .invalid(key: "\(key).migration.threshold", message: "\(a.threshold) ng/mL must be >= 0") }
            for f in a.factors where !(0..<factorCount).contains(f) { throw .invalid(key: "\(key).migration.factors", message: "names factor \(f), but there are \(factorCount) factors") }
        }
        for u in uptake where !(u.rate.isFinite && u.rate >= 0) { throw .invalid(key: "\(key).uptake", message: "\(u.rate) /min must be >= 0") }
        let p = maximumEventProbability(dt: dt)
        if p > 1 {
            let largest = dt / p
            throw .invalid(key: "\(key).migration", message: "with time.dt = \(dt) min a \(kind) would divide and hop with total probability \(String(format: "%.3f", p)) > 1 per step; lower its rates or use a time.dt of at most \(String(format: "%.4g", largest)) min (the largest dt that fits)")
        }
    }
}

public enum CellError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalid(key: String, message: String)
    public var description: String {
        switch self { case let .invalid(key, message): return "\(key): \(message)" }
    }
}
