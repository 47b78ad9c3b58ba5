import SimCore

/// Sources that enter each factor right before its implicit step, folded into the solver's first
/// sweep instead of costing a pass of their own:
///
/// ```
/// d(s) = (c(s) + everywhere[f]) + (wound(s) ? amount[f] : 0)
/// ```
/// - `wound(s)`: a byte per site, non-zero where `amount` (the conditioned medium and the injury
///   release of this step, ng/mL) enters;
/// - `everywhere`: added at every site (medium given to a whole dish, ng/mL).
///
/// The owner sets `amount` and `everywhere` before each step. The order of the additions is that
/// of a separate therapy pass before the solver, so the result is the same to the bit.
public final class SiteTerms: @unchecked Sendable {
    public let lattice: Lattice
    public let factorCount: Int
    /// Where `amount` enters (non-zero), per site; nil: nowhere.
    public let wound: UnsafeMutablePointer<UInt8>?
    /// Added at every wound site in this step, per factor [ng/mL]; set by the owner each step.
    public var amount: [Double]
    /// Added at every site in this step, per factor [ng/mL] (medium given to a whole dish).
    public var everywhere: [Double]

    /// - Parameter wound: the sites where `amount` enters.
    public init(lattice: Lattice, factorCount: Int, wound: [Bool]?) {
        precondition(wound == nil || wound!.count == lattice.count)
        self.lattice = lattice
        self.factorCount = factorCount
        if let wound {
            let w = UnsafeMutablePointer<UInt8>.allocate(capacity: lattice.count)
            for (s, inWound) in wound.enumerated() { w[s] = inWound ? 1 : 0 }
            self.wound = w
        } else {
            self.wound = nil
        }
        amount = [Double](repeating: 0, count: factorCount)
        everywhere = amount
    }

    deinit { wound?.deallocate() }

    /// Applies the terms of factor `f` to `count` sites starting at flat site `first`, in place.
    /// Wound sites go eight at a time: eight outside the wound are passed over, eight inside take
    /// the amount in a loop that vectorises.
    @inline(__always)
    func apply(factor f: Int, values x: UnsafeMutablePointer<Double>, first: Int, count: Int) {
        let added = amount[f], all = everywhere[f]
        if all > 0 { for q in 0..<count { x[q] += all } }
        guard added > 0, let wound else { return }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let w = wound + first
        var q = 0
        while q &+ 8 <= count {
            let g = UnsafeRawPointer(w + q).loadUnaligned(as: UInt64.self)
            if g == ones {
                for r in q..<(q &+ 8) { x[r] += added }
            } else if g != 0 {
                for r in q..<(q &+ 8) where w[r] != 0 { x[r] += added }
            }
            q &+= 8
        }
        while q < count { if w[q] != 0 { x[q] += added }; q &+= 1 }
    }
}
