import Foundation
import SimCore

/// A point source or sink of one factor at one site.
public struct PointSource: Sendable, Equatable {
    /// Factor index in the field set.
    public var factor: Int
    /// Flat site index.
    public var site: Int
    /// Production rate [ng/mL/min], >= 0.
    public var rate: Double
    /// First-order uptake rate [1/min], >= 0.
    public var uptake: Double

    public init(factor: Int, site: Int, rate: Double, uptake: Double = 0) {
        self.factor = factor; self.site = site; self.rate = rate; self.uptake = uptake
    }
}

extension FieldSet {
    /// Integrates `dc/dt = rate - uptake c` exactly over dt [min] at each source's site:
    /// `c <- c e^{-u dt} + (rate/u)(1 - e^{-u dt})` (or `c + rate dt` when u = 0). Never negative
    /// for rate >= 0. Several sources at one site are applied in list order.
    public func applySources(_ sources: [PointSource], dt: Double) {
        for s in sources {
            let c = self[s.factor, s.site]
            if s.uptake > 0 {
                let decay = exp(-s.uptake * dt)
                self[s.factor, s.site] = c * decay + s.rate / s.uptake * (1 - decay)
            } else {
                self[s.factor, s.site] = c + s.rate * dt
            }
        }
    }
}
