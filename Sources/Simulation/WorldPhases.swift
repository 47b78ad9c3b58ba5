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
        // Over the fields' time step (the cells' dt unless `time.field_dt` is longer).
        let dt = config.fieldDt
        let count = cells.count
        let n = lattice.count
        let fieldBase = fields.buffer(0).baseAddress!
        let compiled = stepper.compiled
        let chunk = 4096
        let migratoryBit = CellFlags.migratory.rawValue, repairBit = CellFlags.repair.rawValue
        cells.withPointers { cp in
            do { let col = collagen
                regions.ids.withUnsafeBufferPointer { regionIDs in secretionCarry.withUnsafeBufferPointer { carry in
                    let context = UncheckedSendable((cp, col, regionIDs, carry))
                    parallelFor(chunks: (count + chunk - 1) / chunk, threads: threads) { ch in
                        let (cp, col, regionIDs, carry) = context.value
                        for c in (ch * chunk)..<min(count, (ch + 1) * chunk) {
                            let p = compiled + Int(cp.kind[c])
                            let s = Int(cp.site[c])
                            for u in 0..<p.pointee.uptakeCount { fieldBase[Int(p.pointee.uptakeFactor[u]) &* n &+ s] *= p.pointee.uptakeDecay[u] }
                            let migratory = cp.flags[c] & migratoryBit != 0
                            // A cell in its second state secretes its second list instead.
                            let second = cp.flags[c] & repairBit != 0
                            let secretionCount = second ? p.pointee.repairSecretionCount : p.pointee.secretionCount
                            let needLocal = secretionCount > 0 && (migratory || !p.pointee.secretesOnlyWhenMigratory)
                            let depositing = p.pointee.collagen.basal > 0 && regionIDs[s] == Tissue.woundBed
                            if !needLocal && !depositing { continue }
                            // Each response reads its factor where it lies (what `CellStepper.sense`
                            // would gather into that slot; most rates read one factor of the eight),
                            // and every rate is computed before the first secretion is added, from
                            // the values after uptake, as from one gathered vector.
                            let local: (Int) -> Double = { q in fieldBase[p.pointee.factor(inSlot: q) &* n &+ s] }
                            let deposit = depositing ? p.pointee.collagen.rate(reading: local) * dt : 0
                            if needLocal {
                                var amounts = SIMD4<Double>.zero
                                if second {
                                    for i in 0..<secretionCount { amounts[i] = p.pointee.repairSecretionRate(i).rate(reading: local) * dt }
                                    for i in 0..<secretionCount {
                                        let f = Int(p.pointee.repairSecretionFactor[i])
                                        fieldBase[f &* n &+ s] += amounts[i] * carry[f]
                                    }
                                } else {
                                    for i in 0..<secretionCount { amounts[i] = p.pointee.secretionRate(i).rate(reading: local) * dt }
                                    for i in 0..<secretionCount {
                                        let f = Int(p.pointee.secretionFactor[i])
                                        fieldBase[f &* n &+ s] += amounts[i] * carry[f]
                                    }
                                }
                            }
                            if depositing { col[s] = min(1, col[s] + Float(deposit)) }
                        }
                    }
                } }
            }
        }
    }

    /// Conditioned medium and the endogenous release: sets the amounts the solver adds in this
    /// step, at every wound site (`SiteTerms.amount`) or, for medium that bathes the dish, at every
    /// site (`SiteTerms.everywhere`), whatever the delivery. A medium change (in culture) first
    /// empties every field; the fresh medium is then added everywhere. With a field step of
    /// several cell steps (`time.field_dt`), the amounts of every cell step of the interval ending
    /// now, summed (a medium change in it empties the fields, with the interval's secretion, and
    /// drops the amounts before it).
    func therapy() {
        let first = step &- (config.fieldSteps &- 1)
        for j in first...step { therapy(at: j, offset: j &- first) }
    }

    /// The amounts of cell step `j` (at time j dt), the `offset`-th of its field interval: set
    /// (the first) or added to the terms. The solver decays what the terms hold over the whole
    /// interval, so a later step's amount is first scaled up by exp(decay x offset x dt): it then
    /// decays over the steps left, as it would have with a field step of dt.
    private func therapy(at j: Int, offset: Int) {
        let dt = config.dt, t = Double(j) * dt
        let s = config.secretome
        let n = config.factors.count
        var adding = offset > 0
        var change = false
        if let every = config.culture?.mediumChangeEvery, j > 0 {
            let k = Int((t / every).rounded())
            change = k >= 1 && abs(Double(k) * every - t) < dt / 2
        }
        // The medium's amount per factor in this step: its share of the dose (0 outside a dose).
        var doseShare = 0.0
        switch s.delivery {
        case .bolus:
            // In culture a bolus is the medium itself, renewed at each change.
            if j == 0 || change { doseShare = 1 }
        case let .repeated(every, until):
            let k = Int((t / every).rounded())
            if t < until, abs(Double(k) * every - t) < dt / 2 { doseShare = 1 }
        case let .sustained(halfLife):
            let k = log(2) / halfLife
            doseShare = exp(-k * t) - exp(-k * (t + dt))
        }
        if change {
            for f in 0..<n { fields.buffer(f).update(repeating: 0) }
            adding = false
        }
        // Production that would hold the wound at the injury level against decay alone, fading
        // with the injury half-life.
        let fade = config.injuryHalfLife > 0 ? exp(-log(2) * t / config.injuryHalfLife) : 0
        for f in 0..<n {
            // Per factor, in the order of the earlier vector form (so every amount has the same bits).
            // (A share of 1 multiplies no bit away.)
            var dose = doseShare == 0 ? 0 : s.dose * s.concentrations[f] * doseShare
            var release = 0.0
            if config.injuryHalfLife > 0 { release = config.injuryRelease[f] * (1 - exp(-config.factors[f].decay * dt)) * fade }
            if config.clotHalfLife > 0, !config.clotRelease.isEmpty, config.clotRelease[f] != 0 {
                // The clot's total amount, released first-order: the share of it that leaves in this step.
                let k = log(2) / config.clotHalfLife(of: f)
                release += config.clotRelease[f] * (exp(-k * t) - exp(-k * (t + dt)))
            }
            if offset > 0 {
                let carry = exp(config.factors[f].decay * Double(offset) * dt)
                dose *= carry
                release *= carry
            }
            if adding {
                if s.everywhere {
                    terms.everywhere[f] += dose
                    terms.amount[f] += release
                } else {
                    terms.amount[f] += dose + release
                }
            } else if s.everywhere {
                terms.everywhere[f] = dose
                terms.amount[f] = release
            } else {
                terms.amount[f] = dose + release
            }
        }
    }
}
