import Cells
import Fields
import Foundation
import SimCore

/// The phases of a step that belong to the world rather than to a solver or the cell stepper:
/// `secrete` (uptake, secretion, collagen deposition) and `therapy` (the amounts of conditioned
/// medium and injury release entering the wound, which the solver adds in its first sweep).
extension World {
    /// Uptake (exact) then secretion at each cell's site; collagen deposition in the wound bed.
    /// Each cell writes only its own site, so chunks of the cell array run in parallel.
    func secrete(threads: Int) {
        let dt = config.dt
        let count = cells.count
        let n = lattice.count
        let factorCount = fields.factorCount
        let fieldBase = fields.buffer(0).baseAddress!
        let compiled = stepper.compiled
        let chunk = 4096
        cells.withPointers { cp in
            do { let col = collagen
                regions.ids.withUnsafeBufferPointer { regionIDs in
                    let context = UncheckedSendable((cp, col, regionIDs))
                    parallelFor(chunks: (count + chunk - 1) / chunk, threads: threads) { ch in
                        let (cp, col, regionIDs) = context.value
                        for c in (ch * chunk)..<min(count, (ch + 1) * chunk) {
                            let p = compiled + Int(cp.kind[c])
                            let s = Int(cp.site[c])
                            for u in 0..<p.pointee.uptakeCount { fieldBase[Int(p.pointee.uptakeFactor[u]) &* n &+ s] *= p.pointee.uptakeDecay[u] }
                            let migratory = cp.flags[c] & CellFlags.migratory.rawValue != 0
                            let needLocal = p.pointee.secretionCount > 0 && (migratory || !p.pointee.secretesOnlyWhenMigratory)
                            let depositing = p.pointee.collagen.basal > 0 && regionIDs[s] == Tissue.woundBed
                            if !needLocal && !depositing { continue }
                            var local = SIMD8<Double>.zero
                            for q in 0..<factorCount { local[q] = fieldBase[q &* n &+ s] }
                            if needLocal {
                                for i in 0..<p.pointee.secretionCount {
                                    fieldBase[Int(p.pointee.secretionFactor[i]) &* n &+ s] += p.pointee.secretionRate(i).rate(local) * dt
                                }
                            }
                            if depositing { col[s] = min(1, col[s] + Float(p.pointee.collagen.rate(local) * dt)) }
                        }
                    }
                }
            }
        }
    }

    /// Conditioned medium and the endogenous release into the wound sites: sets the amounts the
    /// solver adds at every wound site in this step (`SiteTerms.amount`).
    func therapy() {
        let t = time, dt = config.dt
        let s = config.secretome
        var amount = SIMD8<Double>.zero  // per factor (at most 8)
        switch s.delivery {
        case .bolus:
            if step == 0 { for f in 0..<config.factors.count { amount[f] += s.dose * s.concentrations[f] } }
        case let .repeated(every, until):
            let n = Int((t / every).rounded())
            if t < until, abs(Double(n) * every - t) < dt / 2 { for f in 0..<config.factors.count { amount[f] += s.dose * s.concentrations[f] } }
        case let .sustained(halfLife):
            let k = log(2) / halfLife
            let released = exp(-k * t) - exp(-k * (t + dt))
            for f in 0..<config.factors.count { amount[f] += s.dose * s.concentrations[f] * released }
        }
        if config.injuryHalfLife > 0 {
            // Production that would hold the wound at the injury level against decay alone,
            // fading with the injury half-life.
            let fade = exp(-log(2) * t / config.injuryHalfLife)
            for f in 0..<config.factors.count {
                amount[f] += config.injuryRelease[f] * (1 - exp(-config.factors[f].decay * dt)) * fade
            }
        }
        if s.everywhere {
            // In vitro: the medium reaches every site; the injury release still enters the wound.
            var medium = SIMD8<Double>.zero
            if case .bolus = s.delivery, step == 0 { for f in 0..<config.factors.count { medium[f] = s.dose * s.concentrations[f] } }
            for f in 0..<config.factors.count where medium[f] > 0 { amount[f] -= medium[f] }
            for f in 0..<config.factors.count { terms.everywhere[f] = medium[f] }
        }
        for f in 0..<config.factors.count { terms.amount[f] = amount[f] }
    }
}
