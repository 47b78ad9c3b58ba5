import Foundation
import SimCore

/// What one cell does in one step. Directions index the neighbours (0: -x, 1: +x, 2: -y, 3: +y,
/// and in a compartment of several layers 4: -z, 5: +z); cells never leave their compartment.
/// Death is not an intent: it is drawn once an hour for every cell of a kind that can die
/// (`CellStepper`).
public enum Intent: Equatable, Sendable {
    case stay
    case move(Int)
    case divide(Int)
}

/// What a cell senses at its site: the concentrations of the factors its kind reads [ng/mL], and for each
/// neighbour (in `Intent`'s direction order) the chemotactic potential difference
/// `sum_f chi_f (c_f(neighbour) - c_f(here))`.
public struct LocalSignals: Sendable {
    /// Concentration at the cell's site [ng/mL] of the factor in each sensing slot
    /// (`CompiledKind.sensed`; slot f holds factor f while the kind reads only factors 0-7).
    public var here: SIMD8<Double>
    /// Chemotactic potential difference toward each neighbour (dimensionless); 0 off the lattice
    /// (and in the slots of directions the cell does not have).
    public var attraction: SIMD8<Double>

    public init(here: SIMD8<Double> = .zero, attraction: SIMD8<Double> = .zero) {
        self.here = here; self.attraction = attraction
    }
}

/// The behaviour rules: pure functions of explicit values and the cell's own random stream.
public enum Rules {
    /// The most factors one kind's rates and activation read (a cell holds them in one 8-wide
    /// vector of Doubles, `LocalSignals.here`).
    public static let maximumSensedFactors = 8
    /// The most factors a scenario's table holds: every factor is a field of `FieldSet`, so this
    /// bounds memory, not the cell step (a kind senses at most `maximumSensedFactors` of them).
    public static let maximumFactors = 32

    /// Timed migration: adds dt to the exposure when any of the kind's activation factors is at
    /// or above its threshold; the cell is activated once the exposure reaches the lag. A kind that
    /// reverts is active after its lag only in steps at threshold (its exposure is kept, so it
    /// answers again at once when the factors return).
    /// - Returns: the new exposure [min], whether the cell is activated in this step, and whether
    ///   an activation factor was at threshold (what the cell step's active set watches).
    /// Under graded activation the exposure slot holds the activation state a, relaxed exactly
    /// toward A(c) over the step (see `ActivationRule`); the cell is activated while a is at or
    /// above the threshold, and `above` is true whenever a signal is present or a is not yet at
    /// rest (such a cell is never quiet).
    @inlinable @inline(__always)
    public static func activate(exposure: Float, signals: LocalSignals, kind p: borrowing CompiledKind, dt: Double)
        -> (exposure: Float, activated: Bool, above: Bool) {
        if p.graded {
            let x = (signals.here * p.gradedWeight).sum()
            let target: Double
            if x <= 0 { target = 0 } else if p.gradedHill == 1 { target = x / (1 + x) } else { let q = Foundation.pow(x, p.gradedHill); target = q / (1 + q) }
            let a = Double(exposure)
            let next = Float(a + (target - a) * p.gradedRelax)
            return (next, Double(next) >= p.activationThreshold, x > 0 || next != exposure)
        }
        var above = false
        var mask = p.activationMask
        var f = 0
        while mask != 0 {
            if mask & 1 != 0, signals.here[f] >= p.activationThreshold { above = true; break }
            mask >>= 1; f &+= 1
        }
        let e = above ? exposure + Float(dt) : exposure
        let lag = p.activationLag
        let reverts = p.revertsWhenUnstimulated
        let primed = Double(e) >= lag
        return (e, primed && (above || !reverts), above)
    }

    /// One cell's decision. With one uniform draw u:
    /// `u < p_divide` divides toward a random neighbour; then `< + p_move`
    /// hops toward a neighbour drawn with weights `exp(attraction)`, among `directions` (4 in a
    /// layer; 6 in a compartment of several layers, where the rates are totals over all six, so
    /// a cell spreads in each plane 2/3 as fast, as a random walk of the same speed does in 3-D). Either of the last two is
    /// aborted when the chosen site is taken, off the lattice or closed to the kind (exclusion:
    /// crowding lowers the realised rates, as in the exclusion processes of Simpson et al.), and
    /// the cell stays. A kind with `activationRequired` neither moves nor divides before it is
    /// activated.
    ///
    /// - Parameters:
    ///   - kind: the kind's parameters compiled for dt.
    ///   - free: whether each neighbour site is on the lattice, empty and open to the kind.
    ///   - directions: the neighbours the cell has, 4 (in-plane) or 6 (also up and down).
    ///   - activated: whether the cell is activated (migratory).
    ///   - dt: time step [min].
    ///   - pace: factor on the hop probability (dimensionless; 1 / sqrt(J) on tissue at areal
    ///     stretch J when cells crawl at their speed in space, `MechanicsConfig.crawlInSpace`).
    ///   - paceBound: an upper bound of `pace` over the lattice, at least 1 (widens the early exit).
    @inlinable @inline(__always)
    public static func decide(_ kind: UnsafePointer<CompiledKind>, signals: LocalSignals, free: SIMD8<UInt8>, directions: Int = 4,
                              activated: Bool, dt: Double, pace: Double = 1, paceBound: Double = 1, rng: inout RandomStream) -> Intent {
        let c = signals.here
        let p = kind
        let required = p.pointee.activationRequired
        let active = activated || !required
        // Graded activation gates migration only.
        let divides = active || p.pointee.graded
        // One Philox block (four words) serves the whole decision.
        let u = rng.uniform32()
        if u >= p.pointee.maximumEventProbability * paceBound { return .stay }
        let pDivide = divides ? p.pointee.proliferation.rate(c) * dt : 0
        let pMove = active ? p.pointee.motility.rate(c) * dt * pace : 0
        if u < pDivide {
            let d = Int(rng.below(UInt32(directions)))
            return free[d] != 0 ? .divide(d) : .stay
        }
        if u < pDivide + pMove {
            var d: Int
            if p.pointee.chemotaxisCount == 0 {
                d = Int(rng.below(UInt32(directions)))
            } else {
                let a = signals.attraction
                var m = a[0]
                for i in 1..<directions { m = Swift.max(m, a[i]) }
                // The largest weight is exactly 1; no need to call exp for it. Sums run left to right.
                var w = SIMD8<Double>.zero, total = 0.0
                for i in 0..<directions { w[i] = a[i] == m ? 1 : _exp(a[i] - m); total += w[i] }
                let v = rng.uniform32() * total
                d = directions - 1
                var below = 0.0
                for i in 0..<(directions - 1) {
                    below += w[i]
                    if v < below { d = i; break }
                }
            }
            return free[d] != 0 ? .move(d) : .stay
        }
        return .stay
    }

    @inlinable static func _exp(_ x: Double) -> Double { Foundation.exp(x) }
}
