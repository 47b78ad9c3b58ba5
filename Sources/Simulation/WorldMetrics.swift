import Cells
import Fields
import Foundation
import SimCore

/// What is measured on the world: closure, migration onset, the timeseries row, and the health
/// check of the numerical guard.
extension World {
    /// The first broken value or invariant, if any: a non-finite or negative factor value (with
    /// the factor and site), a cell off the lattice, two cells claiming a site, a site index that
    /// points at the wrong cell, or collagen outside [0, 1]. Cost: one pass over the fields and
    /// cells; the fields' pass (nine 22 MB fields in the 3-D wound) runs on `threads` workers, in
    /// vectors, and only a field found broken is searched again for its first bad site.
    public func healthProblem(threads: Int = 1) -> String? {
        let n = lattice.count
        let chunk = World.healthChunk
        let perField = (n + chunk - 1) / chunk
        let flags = healthFlags
        let context = UncheckedSendable((fields.buffer(0).baseAddress!, flags))
        parallelFor(chunks: fields.names.count * perField, threads: threads) { c in
            let (base, flags) = context.value
            let f = c / perField, lo = (c % perField) * chunk, hi = min(n, lo + chunk)
            let b = base + f &* n
            // NaN, negative and +infinity all fail `v >= 0 && v < infinity`; lanes are folded
            // with a mask, no branch per value.
            var good = SIMDMask<SIMD4<Int64>>(repeating: true)
            var i = lo
            let raw = UnsafeRawPointer(b)
            while i &+ 4 <= hi {
                let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
                good = good .& (v .>= 0) .& (v .< .infinity)
                i &+= 4
            }
            var ok = all(good)
            while i < hi { let v = b[i]; ok = ok && v >= 0 && v < .infinity; i &+= 1 }
            flags[c] = ok ? 0 : 1
        }
        for f in 0..<fields.names.count {
            if !(0..<perField).contains(where: { flags[f * perField + $0] != 0 }) { continue }
            let b = fields.buffer(f)
            var bad = -1
            for i in 0..<n where !(b[i] >= 0 && b[i] < .infinity) { bad = i; break }
            if bad >= 0 {
                let k = bad / (lattice.nx * lattice.ny), j = (bad / lattice.nx) % lattice.ny, i = bad % lattice.nx
                return "factor \(fields.names[f]) is \(b[bad]) ng/mL at site \(bad) (x \(i), y \(j), layer \(k))"
            }
        }
        for c in 0..<cells.count {
            let s = Int(cells.site[c])
            guard s >= 0, s < n else { return "cell \(c) (\(CellKind(rawValue: cells.kind[c]).map { "\($0)" } ?? "unknown kind")) is at site \(s), off the lattice" }
            guard cells.cellAt[s] == Int32(c) else {
                return "cell \(c) (\(CellKind(rawValue: cells.kind[c]).map { "\($0)" } ?? "unknown kind")) at site \(s), but the site records cell \(cells.cellAt[s])"
            }
        }
        if let bad = collagen.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) { return "collagen is \(collagen[bad]) at site \(bad)" }
        return nil
    }

    /// Wound sites of the top layer not yet covered by a cell (`coverSites`).
    public var uncoveredSurface: Int {
        var open = 0
        for s in coverSites where cells.cellAt[Int(s)] < 0 { open += 1 }
        return open
    }

    /// Re-epithelialised (covered) fraction of the wound's top layer [%]; 100 without a wound.
    public var closurePercent: Double {
        initialSurface == 0 ? 100 : 100 * (1 - Double(uncoveredSurface) / Double(initialSurface))
    }

    /// First time the closure reached 95 % [min], nil while it has not (censored) and without a wound.
    public var closureTimeMinutes: Double? { closureTime }
    /// First time 10 % of a kind's cells within 500 um of the wound edge were migratory [min].
    public var migrationOnsetMinutes: [CellKind: Double] { onset }

    /// Scratch assays: the first time 10 % of the cells lining the scratch at t = 0 had moved at
    /// least one site into it [min] (`ScratchGeometry`); nil before, and for other wounds.
    public var edgeMigrationOnsetMinutes: Double? { edgeOnset }

    func observeEvents(threads: Int = 1) {
        if closureTime == nil, initialSurface > 0, closurePercent >= 95 {
            closureTime = time
            if let mechanics { mechanics.contractionAtClosure = mechanics.contractionPercent }
        }
        if edgeOnset == nil, let scratch, scratch.migratedEdgeShare(cells) >= 10 { edgeOnset = time }
        guard onset.count < CellKind.resident.count else { return }
        // Cells within 500 um of the edge, and the migratory ones, by kind: counted in
        // `onsetChunks` fixed chunks in parallel, then summed (integers: the same at any thread count).
        let plane = lattice.nx * lattice.ny
        let chunks = Self.onsetChunks, n = cells.count, per = (n + chunks - 1) / chunks
        let tally = UncheckedSendable(onsetTally)
        let migratory = CellFlags.migratory.rawValue
        edgeDistance.withUnsafeBufferPointer { edge in
            let distance = UncheckedSendable(edge)
            cells.withPointers { cp in
                let context = UncheckedSendable(cp)
                parallelFor(chunks: chunks, threads: threads) { chunk in
                    let cp = context.value, edge = distance.value
                    var near = SIMD4<Int>.zero, migrating = SIMD4<Int>.zero
                    for c in min(n, chunk * per)..<min(n, (chunk + 1) * per) {
                        let s = Int(cp.site[c])
                        if edge[s % plane] > 500 { continue }
                        // Only the tissue's own kinds (raw values 0-2) have an onset.
                        let k = Int(cp.kind[c])
                        if k >= CellKind.resident.count { continue }
                        near[k] += 1
                        if cp.flags[c] & migratory != 0 { migrating[k] += 1 }
                    }
                    tally.value[2 * chunk] = near
                    tally.value[2 * chunk + 1] = migrating
                }
            }
        }
        var near = SIMD4<Int>.zero, migrating = SIMD4<Int>.zero
        for chunk in 0..<chunks { near &+= onsetTally[2 * chunk]; migrating &+= onsetTally[2 * chunk + 1] }
        for kind in CellKind.resident where onset[kind] == nil {
            let k = Int(kind.rawValue)
            if near[k] > 0, Double(migrating[k]) >= 0.1 * Double(near[k]) { onset[kind] = time }
        }
    }

    /// Whether the scenario has macrophages (given under `cells:`, even at density 0: they may be
    /// recruited); their counts are reported only then.
    public var hasMacrophages: Bool { config.cells.contains { $0.parameters.kind == .macrophage } }

    /// Whether the scenario has neutrophils (given under `cells:`, even at density 0); their
    /// counts are reported only then.
    public var hasNeutrophils: Bool { config.cells.contains { $0.parameters.kind == .neutrophil } }

    /// Starts a new averaging interval for `Observation.factorIntervalMeans` (after each output row).
    public func startInterval() { solver.siteSums?.reset() }

    /// The metrics of DESIGN.md's timeseries, at the current time.
    public func observation() -> Observation {
        var counts = [Int](repeating: 0, count: CellKind.allCases.count), inWound = counts, myo = 0, repair = 0, repairInWound = 0
        for c in 0..<cells.count {
            let k = Int(cells.kind[c])
            counts[k] += 1
            if cells.flags[c] & CellFlags.myofibroblast.rawValue != 0 { myo += 1 }
            let isRepair = k == Int(CellKind.macrophage.rawValue) && cells.flags[c] & CellFlags.repair.rawValue != 0
            if isRepair { repair += 1 }
            let r = regions.ids[Int(cells.site[c])]
            if r == Tissue.woundBed || r == Tissue.woundSurface {
                inWound[k] += 1
                if isRepair { repairInWound += 1 }
            }
        }
        var collagenSum = 0.0, vessels = 0
        for s in bedSites { collagenSum += Double(collagen[Int(s)]); vessels += vessel[Int(s)] != 0 ? 1 : 0 }
        let bed = max(1, bedSites.count)
        var means: [Double] = []
        for f in 0..<fields.factorCount {
            let b = fields.buffer(f)
            var sum = 0.0
            for s in woundSites { sum += b[Int(s)] }
            means.append(sum / Double(max(1, woundSites.count)))
        }
        let h = lattice.spacing
        let gap = scratch?.measure(cells, spacing: h)
        var contraction: Double?, spatialClosure: Double?
        if let mechanics, initialSurface > 0 {
            // The open surface in space: each open site's area scaled by its ring's areal stretch.
            var open = 0.0
            for s in coverSites where cells.cellAt[Int(s)] < 0 { open += mechanics.areaStretch(site: Int(s)) }
            contraction = mechanics.contractionPercent
            spatialClosure = 100 * (1 - open / Double(initialSurface))
        }
        let macrophage = Int(CellKind.macrophage.rawValue), neutrophil = Int(CellKind.neutrophil.rawValue)
        return Observation(
            timeHours: time / 60,
            woundAreaMM2: Double(uncoveredSurface) * h * h / 1e6,
            closurePercent: closurePercent,
            keratinocytes: counts[0], fibroblasts: counts[1] - myo, myofibroblasts: myo, endothelial: counts[2],
            keratinocytesInWound: inWound[0], fibroblastsInWound: inWound[1], endothelialInWound: inWound[2],
            macrophages: hasMacrophages ? MacrophageCounts(total: counts[macrophage], repair: repair, inWound: inWound[macrophage], repairInWound: repairInWound) : nil,
            neutrophils: hasNeutrophils ? NeutrophilCounts(total: counts[neutrophil], inWound: inWound[neutrophil]) : nil,
            collagenInWound: collagenSum / Double(bed), vesselDensity: Double(vessels) / Double(bed),
            factorMeans: means, factorIntervalMeans: solver.siteSums?.means ?? means, gapClosurePercent: gap?.gapClosure, meanGapUM: gap?.meanGap, detachedAheadPercent: gap?.detachedAhead,
            contractionPercent: contraction, closureWithContractionPercent: spatialClosure)
    }
}

/// One row of the timeseries.
public struct Observation: Sendable, Equatable {
    public var timeHours: Double
    /// Open (not re-epithelialised) wound area [mm^2].
    public var woundAreaMM2: Double
    public var closurePercent: Double
    public var keratinocytes: Int, fibroblasts: Int, myofibroblasts: Int, endothelial: Int
    public var keratinocytesInWound: Int, fibroblastsInWound: Int, endothelialInWound: Int
    /// Macrophages (nil when the scenario has none: no columns for them).
    public var macrophages: MacrophageCounts?
    /// Neutrophils (nil when the scenario has none: no columns for them).
    public var neutrophils: NeutrophilCounts? = nil
    /// Mean collagen over the wound bed, as a fraction of intact dermis.
    public var collagenInWound: Double
    /// Fraction of wound-bed sites that are vessel.
    public var vesselDensity: Double
    /// Mean concentration of each factor over the wound sites [ng/mL], at this time.
    public var factorMeans: [Double]
    /// The same means averaged over every field step (every step unless `time.field_dt` is
    /// longer) of the output interval that ends here [ng/mL] (`World.startInterval`); at t = 0,
    /// the value at t = 0. Doses between samples show here.
    public var factorIntervalMeans: [Double]
    /// Scratch assays only (`ScratchGeometry`): gap closure from the detected edges [%], the mean
    /// gap [um], and detached cells more than 100 um ahead of the edges [% of cells in the scratch].
    public var gapClosurePercent: Double? = nil
    public var meanGapUM: Double? = nil
    public var detachedAheadPercent: Double? = nil
    /// With `mechanics:` only: the loss of area inside the wound's moved edge [%], and the closure
    /// in space (the open surface's sites weighted by their areal stretch) [%].
    public var contractionPercent: Double? = nil
    public var closureWithContractionPercent: Double? = nil
}

/// Neutrophil counts of one row: all, and those on wound sites.
public struct NeutrophilCounts: Sendable, Equatable {
    public var total: Int, inWound: Int
    public init(total: Int, inWound: Int) { self.total = total; self.inWound = inWound }
}

/// Macrophage counts of one row: all, those in the pro-repair state (`CellFlags.repair`), those
/// on wound sites, and the pro-repair ones among those.
public struct MacrophageCounts: Sendable, Equatable {
    public var total: Int, repair: Int, inWound: Int, repairInWound: Int
    public init(total: Int, repair: Int, inWound: Int, repairInWound: Int) {
        self.total = total; self.repair = repair; self.inWound = inWound; self.repairInWound = repairInWound
    }
    /// Pro-inflammatory (first-state) macrophages.
    public var inflammatory: Int { total - repair }
    /// The pro-inflammatory share of the macrophages on wound sites (a fraction, 0 when there are
    /// none): what a wound digest's flow cytometry reports (Ly6C-high share, Daley 2010).
    public var inflammatoryShareInWound: Double { inWound > 0 ? Double(inWound - repairInWound) / Double(inWound) : 0 }
}
