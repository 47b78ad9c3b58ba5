import Foundation
import SimCore

/// What one cell does in one step. Directions index the in-plane neighbours
/// (0: -x, 1: +x, 2: -y, 3: +y); cells never leave their layer (compartment).
public enum Intent: Equatable, Sendable {
    case stay
    case move(Int)
    case divide(Int)
    case die
}

/// What a cell senses at its site: every factor's concentration [ng/mL], and for each in-plane
/// neighbour the chemotactic potential difference `sum_f chi_f (c_f(neighbour) - c_f(here))`.
public struct LocalSignals: Sendable {
    /// Concentration of factor f at the cell's site [ng/mL] (up to 8 factors).
    public var here: SIMD8<Double>
    /// Chemotactic potential difference toward each neighbour (dimensionless); 0 off the lattice.
    public var attraction: SIMD4<Double>

    public init(here: SIMD8<Double> = .zero, attraction: SIMD4<Double> = .zero) {
        self.here = here; self.attraction = attraction
    }
}

/// The behaviour rules: pure functions of explicit values and the cell's own random stream.
public enum Rules {
    /// The most factors a cell senses.
    public static let maximumFactors = 8

    /// Timed migration: adds dt to the exposure when any of the rule's factors is at or above its
    /// threshold, and reports whether the cell is migratory (exposure >= lag).
    /// - Returns: the new exposure [min] and whether the cell is now migratory.
    @inlinable
    public static func activate(exposure: Float, signals: LocalSignals, rule: ActivationRule, dt: Double) -> (Float, Bool) {
        var above = false
        for f in rule.factors where signals.here[f] >= rule.threshold { above = true; break }
        let e = above ? exposure + Float(dt) : exposure
        return (e, Double(e) >= rule.lag)
    }

    /// One cell's decision. With one uniform draw u:
    /// `u < p_die` dies; then `< + p_divide` divides toward a random neighbour; then `< + p_move`
    /// hops toward a neighbour drawn with weights `exp(attraction)`. Either of the last two is
    /// aborted when the chosen site is taken or off the lattice (exclusion: crowding lowers the
    /// realised rates, as in the exclusion processes of Simpson et al.), and the cell stays.
    ///
    /// - Parameters:
    ///   - free: whether each neighbour site is on the lattice and empty.
    ///   - migratory: whether the cell may move at all.
    ///   - dt: time step [min].
    @inlinable
    public static func decide(_ p: KindParameters, signals: LocalSignals, free: SIMD4<UInt8>, migratory: Bool,
                              dt: Double, rng: inout RandomStream) -> Intent {
        let c = signals.here
        let pDie = p.apoptosis.basal > 0 ? p.apoptosis.rate { c[$0] } * dt : 0
        let pDivide = p.proliferation.basal > 0 ? p.proliferation.rate { c[$0] } * dt : 0
        let moving = migratory || !p.migratesOnlyWhenActivated
        let pMove = moving && p.motility.basal > 0 ? p.motility.rate { c[$0] } * dt : 0
        let u = rng.uniform()
        if u < pDie { return .die }
        if u < pDie + pDivide {
            let d = Int(rng.below(4))
            return free[d] != 0 ? .divide(d) : .stay
        }
        if u < pDie + pDivide + pMove {
            let d: Int
            if p.chemotaxis.isEmpty {
                d = Int(rng.below(4))
            } else {
                let a = signals.attraction
                let m = a.max()
                let w0 = _exp(a[0] - m), w1 = _exp(a[1] - m), w2 = _exp(a[2] - m), w3 = _exp(a[3] - m)
                let v = rng.uniform() * (w0 + w1 + w2 + w3)
                d = v < w0 ? 0 : (v < w0 + w1 ? 1 : (v < w0 + w1 + w2 ? 2 : 3))
            }
            return free[d] != 0 ? .move(d) : .stay
        }
        return .stay
    }

    @inlinable static func _exp(_ x: Double) -> Double { Foundation.exp(x) }
}
