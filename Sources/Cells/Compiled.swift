import Foundation

/// A `ModulatedRate` in a fixed-size, allocation-free form for the per-cell hot loop (no arrays,
/// so reading it costs no reference counting). At most `capacity` responses.
public struct CompiledRate: Sendable {
    public static let capacity = 4
    /// Basal rate [1/min].
    public var basal: Double = 0
    public var count: Int = 0
    public var factor: SIMD4<Int32> = .zero
    /// EC50 [ng/mL], Hill coefficient, and maxFold - 1.
    public var ec50: SIMD4<Double> = .one
    public var hill: SIMD4<Double> = .one
    public var foldMinusOne: SIMD4<Double> = .zero
    /// Bit i set: response i is to the factor's lack (`Response.below`).
    public var belowMask: UInt8 = 0

    public init() {}

    /// - Parameter slot: where a factor's concentration sits in the vector `rate` reads (its
    ///   kind's sensing slot, `CompiledKind.sensed`; the factor's own index by default).
    public init(_ r: ModulatedRate, slot: (Int) -> Int = { $0 }) {
        basal = r.basal
        count = min(r.responses.count, Self.capacity)
        for (i, resp) in r.responses.prefix(Self.capacity).enumerated() {
            factor[i] = Int32(slot(resp.factor)); ec50[i] = resp.ec50; hill[i] = resp.hill; foldMinusOne[i] = resp.maxFold - 1
            if resp.below { belowMask |= UInt8(1 << i) }
        }
    }

    /// `basal * (1 + sum (maxFold - 1) H(c)) * prod (1 + (maxFold - 1) (1 - H(c)))` [1/min] for
    /// local concentrations `c` [ng/mL], by sensing slot: responses to a factor's presence add their folds,
    /// responses to its lack (`Response.below`) multiply the result.
    @inlinable @inline(__always)
    public func rate(_ c: SIMD8<Double>) -> Double {
        rate(reading: { c[$0] })
    }

    /// `rate(_:)` with each response's concentration read by `value(slot)` [ng/mL] when it is
    /// needed, not gathered first: the same arithmetic on the same values, so the same bits.
    @inlinable @inline(__always)
    public func rate(reading value: (Int) -> Double) -> Double {
        if basal == 0 { return 0 }
        var fold = 1.0, gate = 1.0
        for i in 0..<count {
            let x = value(Int(factor[i]))
            let lack = belowMask & UInt8(1 << i) != 0
            if x <= 0 {
                if lack { gate *= 1 + foldMinusOne[i] }
                continue
            }
            let h: Double
            if hill[i] == 1 { h = x / (ec50[i] + x) } else { let q = Foundation.pow(x / ec50[i], hill[i]); h = q / (1 + q) }
            if lack { gate *= 1 + foldMinusOne[i] * (1 - h) } else { fold += foldMinusOne[i] * h }
        }
        let total = fold * gate
        return total > 0 ? basal * total : 0
    }
}

/// `KindParameters` compiled for one time step: plain values only.
public struct CompiledKind: Sendable {
    public var motility = CompiledRate(), proliferation = CompiledRate(), apoptosis = CompiledRate(), collagen = CompiledRate()
    public var chemotaxisCount = 0
    public var chemotaxisFactor: SIMD4<Int32> = .zero
    /// Sensitivity [mL/ng].
    public var chemotaxisChi: SIMD4<Double> = .zero
    /// The factors a cell of the kind senses: slot q of `LocalSignals.here` holds factor
    /// `sensed[q]` (`KindParameters.sensedFactors`). While every one of them is below 8 the slots
    /// are the factors' own indices (`remapped` false: slot q holds factor q, the first
    /// min(factor count, 8) are read), so a table of at most 8 factors reads as before; otherwise
    /// the slots are the sensed factors in ascending order.
    public var remapped = false
    public var sensedCount = 0
    public var sensed: SIMD8<Int32> = .zero
    /// Bit q set: sensing slot q is read from the fields. Slots no rule of the kind reads (an
    /// identity kind's unsensed factors) and slots of factors that stay zero for good
    /// (`CellStepper.setSilentFactors`) are left out: they hold +0, which no rule reads, or which
    /// a read would have returned, so the decisions are the same bits with fewer loads.
    public var senseMask: UInt8 = 0
    /// The slots the kind's rules read (`senseMask` before silent factors are taken out).
    public var readMask: UInt8 = 0
    /// The factor whose concentration sensing slot `q` holds.
    @inlinable @inline(__always)
    public func factor(inSlot q: Int) -> Int { remapped ? Int(sensed[q]) : q }
    public var hasActivation = false
    /// Bit q set: the factor in sensing slot q counts for activation.
    public var activationMask: UInt8 = 0
    /// [ng/mL] and [min].
    public var activationThreshold = 0.0, activationLag = 0.0
    public var activationRequired = true
    public var revertsWhenUnstimulated = false
    /// Graded activation (`ActivationRule.Mode.graded`): the activation state is kept in the
    /// cell's exposure slot; `activationThreshold` is then the state at which it migrates.
    public var graded = false
    /// Graded: 1 / K_f per factor [mL/ng] (0 for factors that do not count), the Hill coefficient,
    /// and the relaxation per step 1 - exp(-dt / tau).
    public var gradedWeight: SIMD8<Double> = .zero
    public var gradedHill = 1.0
    public var gradedRelax = 0.0
    /// A tile-layer whose waiting cells see every activation factor below this [ng/mL] stays
    /// quiet: the threshold under a fixed lag; under graded activation any signal counts.
    public var quietBelow: Double { graded ? .leastNonzeroMagnitude : activationThreshold }
    /// The probability that a hop breaking the cell's last contact is refused, in [0, 1].
    public var cohesion = 0.0
    /// The probability per unit collagen at the target site that a division is refused, in [0, 1].
    public var matrixInhibition = 0.0
    /// The provisional matrix a move or daughter onto the wound surface needs, in [0, 1] (0: none).
    public var matrixNeeded = 0.0
    public var secretesOnlyWhenMigratory = true
    public var leavesVesselTrail = false
    /// Sprouting's lateral inhibition in sites (`Sprouting.radius(spacing:)`); 0: the kind does
    /// not sprout. Set by the cell stepper, which knows the lattice.
    public var tipRadius = 0
    /// The probability per step that a cell which may become a tip does so, 1 - exp(-tipRate dt).
    public var tipProbability = 0.0
    /// [min]; infinity when the kind does not differentiate.
    public var differentiationResidence = Double.infinity
    public var secretionCount = 0
    public var secretionFactor: SIMD4<Int32> = .zero
    public var secretion: (CompiledRate, CompiledRate, CompiledRate, CompiledRate) = (.init(), .init(), .init(), .init())
    /// Recruits per source site per minute [1/min] (`KindParameters.recruitment`).
    public var recruitment = CompiledRate()
    /// Regression of the vessel sites the kind's trail made [1/min] (`KindParameters.vesselRegression`).
    public var vesselRegression = CompiledRate()
    /// Whether recruits enter empty wound-bed sites from below instead of at vessel sites.
    public var recruitsFromWoundBed = false
    /// The probability per unit collagen at a wound-bed site that a recruit for it is refused, in [0, 1].
    public var recruitmentMatrixInhibition = 0.0
    /// The largest recruitment rate the responses allow [1/min] (`ModulatedRate.maximum`).
    public var recruitmentMaximum = 0.0
    /// The switch to the second state (`CellFlags.repair`) [1/min]; basal 0: one state.
    public var polarization = CompiledRate()
    public var polarizes: Bool { polarization.basal > 0 }
    /// Age before the switch can happen [min] (`KindParameters.polarizationAfter`).
    public var polarizationAfter = 0.0
    /// Secretion in the second state, as `secretion`.
    public var repairSecretionCount = 0
    public var repairSecretionFactor: SIMD4<Int32> = .zero
    public var repairSecretion: (CompiledRate, CompiledRate, CompiledRate, CompiledRate) = (.init(), .init(), .init(), .init())
    public var uptakeCount = 0
    public var uptakeFactor: SIMD4<Int32> = .zero
    /// exp(-u dt_fields) per uptake entry (the fields' time step, `fieldDt`).
    public var uptakeDecay: SIMD4<Double> = .one
    /// The largest total probability per step of dividing and hopping (every factor at
    /// the level that maximises each rate); a draw at or above it means "stay" whatever the
    /// signals, so the rates need not be computed.
    public var maximumEventProbability = 1.0
    /// Whether cells of the kind may die (in the hourly draw, `CellStepper.apoptosisEvery`).
    public var canDie: Bool { apoptosis.basal > 0 }
    /// Whether only myofibroblasts (`CellFlags.myofibroblast`) of the kind can die.
    public var diesOnlyDifferentiated = false

    public init() {}

    /// - Parameters:
    ///   - dt: the cells' time step [min].
    ///   - fieldDt: the fields' time step [min], over which `uptakeDecay` acts; nil: `dt`.
    public init(_ p: KindParameters, dt: Double, fieldDt: Double? = nil) {
        let sensedList = p.sensedFactors
        remapped = sensedList.contains { $0 >= Rules.maximumSensedFactors }
        sensedCount = min(sensedList.count, Rules.maximumSensedFactors)
        for (q, f) in sensedList.prefix(Rules.maximumSensedFactors).enumerated() { sensed[q] = Int32(f) }
        let isRemapped = remapped
        if isRemapped {
            for q in 0..<sensedCount { senseMask |= UInt8(1 << q) }
        } else {
            for f in sensedList where f < Rules.maximumSensedFactors { senseMask |= UInt8(1 << f) }
        }
        readMask = senseMask
        let slot: (Int) -> Int = { f in isRemapped ? sensedList.firstIndex(of: f) ?? 0 : f }
        motility = CompiledRate(p.motility, slot: slot); proliferation = CompiledRate(p.proliferation, slot: slot)
        apoptosis = CompiledRate(p.apoptosis, slot: slot); collagen = CompiledRate(p.collagenDeposition, slot: slot)
        chemotaxisCount = min(p.chemotaxis.count, 4)
        for (i, c) in p.chemotaxis.prefix(4).enumerated() { chemotaxisFactor[i] = Int32(c.factor); chemotaxisChi[i] = c.sensitivity }
        if let a = p.activation {
            hasActivation = true
            for f in a.factors where slot(f) < 8 { activationMask |= UInt8(1 << slot(f)) }
            activationThreshold = a.threshold; activationLag = a.lag
            if a.mode == .graded {
                graded = true
                for (i, f) in a.factors.enumerated() where slot(f) < 8 { gradedWeight[slot(f)] += 1 / a.halfActivation[i] }
                gradedHill = a.hill
                gradedRelax = -expm1(-dt / a.responseTime)
                // The state follows the signal both ways.
                revertsWhenUnstimulated = true
            }
        }
        cohesion = p.cohesion
        matrixInhibition = p.matrixInhibition
        diesOnlyDifferentiated = p.apoptosisOnlyDifferentiated
        matrixNeeded = p.matrixNeeded
        activationRequired = p.activationRequired
        revertsWhenUnstimulated = p.revertsWhenUnstimulated
        secretesOnlyWhenMigratory = p.secretesOnlyWhenMigratory
        leavesVesselTrail = p.leavesVesselTrail
        tipProbability = p.sprouting.map { -expm1(-$0.tipRate * dt) } ?? 0
        differentiationResidence = p.differentiationResidence ?? .infinity
        secretionCount = min(p.secretion.count, 4)
        for (i, s) in p.secretion.prefix(4).enumerated() {
            secretionFactor[i] = Int32(s.factor)
            switch i {
            case 0: secretion.0 = CompiledRate(s.rate, slot: slot)
            case 1: secretion.1 = CompiledRate(s.rate, slot: slot)
            case 2: secretion.2 = CompiledRate(s.rate, slot: slot)
            default: secretion.3 = CompiledRate(s.rate, slot: slot)
            }
        }
        polarization = CompiledRate(p.polarization, slot: slot)
        polarizationAfter = p.polarizationAfter
        recruitment = CompiledRate(p.recruitment, slot: slot)
        vesselRegression = CompiledRate(p.vesselRegression, slot: slot)
        recruitsFromWoundBed = p.recruitedFrom == .woundBed
        recruitmentMatrixInhibition = p.recruitmentMatrixInhibition
        recruitmentMaximum = p.recruitment.maximum
        repairSecretionCount = min(p.repairSecretion.count, 4)
        for (i, s) in p.repairSecretion.prefix(4).enumerated() {
            repairSecretionFactor[i] = Int32(s.factor)
            switch i {
            case 0: repairSecretion.0 = CompiledRate(s.rate, slot: slot)
            case 1: repairSecretion.1 = CompiledRate(s.rate, slot: slot)
            case 2: repairSecretion.2 = CompiledRate(s.rate, slot: slot)
            default: repairSecretion.3 = CompiledRate(s.rate, slot: slot)
            }
        }
        maximumEventProbability = p.maximumEventProbability(dt: dt)
        uptakeCount = min(p.uptake.count, 4)
        for (i, u) in p.uptake.prefix(4).enumerated() { uptakeFactor[i] = Int32(u.factor); uptakeDecay[i] = exp(-u.rate * (fieldDt ?? dt)) }
    }

    @inlinable public func secretionRate(_ i: Int) -> CompiledRate {
        switch i { case 0: return secretion.0; case 1: return secretion.1; case 2: return secretion.2; default: return secretion.3 }
    }

    @inlinable public func repairSecretionRate(_ i: Int) -> CompiledRate {
        switch i { case 0: return repairSecretion.0; case 1: return repairSecretion.1; case 2: return repairSecretion.2; default: return repairSecretion.3 }
    }
}
