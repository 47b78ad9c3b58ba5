import Cells
import Fields
import SimCore

/// One tile's visit of the cell step (`CellStepper`): the skip test of the active set, then
/// sense, decide, commit for every cell in scan order.
extension CellStepper {
    /// Whether layer `k` of tile `t`, quiet at its last visit, is sure to stay quiet now: no
    /// occupancy change in that layer of it or of the tiles around it since (cells see only their
    /// own layer's neighbours, and in a compartment of linked layers those up to `zReach` layers up
    /// and down, all checked), and every watched activation factor below threshold on it by the
    /// solver's tile maxima.
    private func staysQuiet(_ t: Int, layer k: Int, fields: FieldSet?) -> Bool {
        let nz = lattice.nz
        let u = t &* nz &+ k
        let since = quietSince[u]
        if since < 0 { return false }
        let around = tileNeighbours + t &* 9
        for layer in max(blockLow[k], k &- zReach)...min(blockHigh[k], k &+ zReach) {
            for i in 0..<9 where lastChange[Int(around[i]) &* nz &+ layer] >= since { return false }
        }
        let watch = watching[u]
        if watch == 0 { return true }
        // The solver's maxima of this tile-layer (a stepper without them skips no watching tile).
        guard fields != nil else { return true }
        guard let maxima = fieldMaxima else { return false }
        for kind in 0..<Self.kindCount where watch & (1 << kind) != 0 {
            let p = compiled + kind
            var mask = p.pointee.activationMask
            var q = 0
            while mask != 0 {
                if mask & 1 != 0, !(maxima.maximum(factor: p.pointee.factor(inSlot: q), tile: t, layer: k) < p.pointee.quietBelow) { return false }
                mask >>= 1; q &+= 1
            }
        }
        return true
    }

    /// The factors kind `kp` senses at site `s`, by sensing slot, from the fields at `base`
    /// (factor-major, `siteCount` sites per factor). A kind whose slots are the factors' own
    /// indices reads slots below `identityCount` (the table's factor count, at most 8); either kind
    /// reads only the slots of its `senseMask`, +0 in the others.
    @inline(__always)
    static func sense(_ kp: UnsafeMutablePointer<CompiledKind>, _ base: UnsafeMutablePointer<Double>, siteCount: Int, _ s: Int,
                      identityCount: Int) -> SIMD8<Double> {
        let mask = kp.pointee.senseMask
        if kp.pointee.remapped { return gather(kp.pointee.sensed, mask: mask, base, siteCount: siteCount, s) }
        let below = identityCount >= 8 ? UInt8.max : UInt8((1 << identityCount) - 1)
        return gather(SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7), mask: mask & below, base, siteCount: siteCount, s)
    }

    /// The values of factors `rows` at site `s` for the slots set in `mask`, +0 in the others. The
    /// vector is built once from its eight values: writing its lanes one at a time went through
    /// memory and stalled each following read of the whole vector.
    @inline(__always)
    static func gather(_ rows: SIMD8<Int32>, mask: UInt8, _ base: UnsafeMutablePointer<Double>, siteCount: Int, _ s: Int) -> SIMD8<Double> {
        @inline(__always) func at(_ q: Int) -> Double { mask & (1 << q) != 0 ? base[Int(rows[q]) &* siteCount &+ s] : 0 }
        return SIMD8<Double>(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7))
    }

    /// Whether site `s` at (x, y) has an occupied site among its 8 surrounding sites in its layer,
    /// `excluding` aside (a newborn's reserved site counts as occupied).
    @inline(__always)
    static func inContact(_ s: Int, x: Int, y: Int, excluding: Int, _ cellAt: UnsafeMutableBufferPointer<Int32>, nx: Int, ny: Int) -> Bool {
        for dy in -1...1 {
            let yy = y &+ dy
            if yy < 0 || yy >= ny { continue }
            for dx in -1...1 where dx != 0 || dy != 0 {
                let xx = x &+ dx
                if xx < 0 || xx >= nx { continue }
                let q = s &+ dy &* nx &+ dx
                if q != excluding, cellAt[q] != -1 { return true }
            }
        }
        return false
    }

    /// Whether a tip cell (`CellFlags.tip`) stands within `radius` sites of site `s` at (x, y) in
    /// its layer, or in the layers `layers` (offsets from its own, within its compartment): the
    /// square, or cube, around it, `s` itself aside.
    @inline(__always)
    static func tipNear(_ s: Int, x: Int, y: Int, radius r: Int, layers: ClosedRange<Int>, _ cells: PopulationPointers, nx: Int, ny: Int) -> Bool {
        let tipBit = CellFlags.tip.rawValue
        let plane = nx &* ny
        for dz in layers {
            for dy in -r...r {
                let yy = y &+ dy
                if yy < 0 || yy >= ny { continue }
                for dx in -r...r where dx != 0 || dy != 0 || dz != 0 {
                    let xx = x &+ dx
                    if xx < 0 || xx >= nx { continue }
                    let c = cells.cellAt[s &+ dz &* plane &+ dy &* nx &+ dx]
                    if c >= 0, cells.flags[Int(c)] & tipBit != 0 { return true }
                }
            }
        }
        return false
    }

    /// Whether a move or daughter onto a site, at plane site `p` in `region`, finds the matrix its kind
    /// needs: off the wound surface always; on it, with matrix m = min(1, fibrin + collagen below)
    /// short of the need, with probability m / need (one draw from the cell's stream).
    @inline(__always)
    func supported(_ p: Int, region: UInt8?, _ kp: UnsafeMutablePointer<CompiledKind>, _ rng: inout RandomStream) -> Bool {
        guard region == Tissue.woundSurface, let substrate else { return true }
        let m = min(1, fibrin + Double(substrate[p]))
        let need = kp.pointee.matrixNeeded
        if m >= need { return true }
        return rng.uniform32() < m / need
    }

    /// One tile: visit its sites in scan order and update each cell found.
    func runTile(_ t: Int, cells: PopulationPointers, fields: FieldSet?, step: Int, flip: UInt32, phase: Int, buffers: TileBuffers) {
        // Flag bits as plain constants: a static property costs an accessor call per use.
        let movedBit: UInt8 = 1 << 7, migratoryBit: UInt8 = 1 << 0, myofibroblastBit: UInt8 = 1 << 1, repairBit: UInt8 = 1 << 2, tipBit: UInt8 = 1 << 3
        let newborn: Int32 = -2
        assert(movedBit == CellFlags.moved.rawValue && migratoryBit == CellFlags.migratory.rawValue
               && myofibroblastBit == CellFlags.myofibroblast.rawValue && repairBit == CellFlags.repair.rawValue && tipBit == CellFlags.tip.rawValue
               && newborn == Self.newbornMarker)
        let (xr, yr) = tiles.bounds(of: t)
        let nx = lattice.nx, ny = lattice.ny
        let plane = nx &* ny
        let reverseX = flip & 1 != 0, reverseY = flip & 2 != 0
        // Slots read by a kind whose slots are the factors' own indices (`CompiledKind.remapped` false).
        let factorCount = min(fields?.factorCount ?? 0, Rules.maximumSensedFactors)
        let fieldBase = fields.map { $0.buffer(0).baseAddress! }
        let siteCount = lattice.count
        let regionPointer = regionBase
        let pacePointer = pace, bound = paceBound
        for k in 0..<lattice.nz {
            if activeSet && staysQuiet(t, layer: k, fields: fields) { continue }
            var quiet = true, changed = false
            var watch: UInt8 = 0
            // Linked layers (a dermis with depth): two more neighbours, below and above.
            let links = layerLinks[k]
            let directions = links != 0 ? 6 : 4
            let layerPlane = k &* plane
            for jj in 0..<yr.count {
                let j = reverseY ? yr.upperBound &- 1 &- jj : yr.lowerBound &+ jj
                let rowSite = k &* plane &+ j &* nx
                var ii = -1
                while true {
                    ii &+= 1
                    if ii >= xr.count { break }
                    let i = reverseX ? xr.upperBound &- 1 &- ii : xr.lowerBound &+ ii
                    let s = rowSite &+ i
                    let c = Int(cells.cellAt[s])
                    if c < 0 { continue }
                    let f = cells.flags[c]
                    // Moved here in this step: updated already (and to be seen in the next one).
                    if f & movedBit != 0 { quiet = false; continue }
                    let kindIndex = Int(cells.kind[c])
                    let kp = compiled + kindIndex
                    var signals = LocalSignals()
                    var free = SIMD8<UInt8>(repeating: 0)
                    if i > 0, cells.cellAt[s &- 1] == -1 { free[0] = 1 }
                    if i < nx &- 1, cells.cellAt[s &+ 1] == -1 { free[1] = 1 }
                    if j > 0, cells.cellAt[s &- nx] == -1 { free[2] = 1 }
                    if j < ny &- 1, cells.cellAt[s &+ nx] == -1 { free[3] = 1 }
                    if links & 1 != 0, cells.cellAt[s &- plane] == -1 { free[4] = 1 }
                    if links & 2 != 0, cells.cellAt[s &+ plane] == -1 { free[5] = 1 }
                    if let regionIDs = regionPointer, free != .zero {
                        let row = kindIndex &* 256
                        if free[0] != 0, !allowed[row &+ Int(regionIDs[s &- 1])] { free[0] = 0 }
                        if free[1] != 0, !allowed[row &+ Int(regionIDs[s &+ 1])] { free[1] = 0 }
                        if free[2] != 0, !allowed[row &+ Int(regionIDs[s &- nx])] { free[2] = 0 }
                        if free[3] != 0, !allowed[row &+ Int(regionIDs[s &+ nx])] { free[3] = 0 }
                        if free[4] != 0, !allowed[row &+ Int(regionIDs[s &- plane])] { free[4] = 0 }
                        if free[5] != 0, !allowed[row &+ Int(regionIDs[s &+ plane])] { free[5] = 0 }
                    }
                    // A cell that may draw senses every factor now; one that cannot (contact-inhibited)
                    // reads only its activation factors, if it needs them. (Death is drawn apart.)
                    let mayDraw = free != .zero
                    if mayDraw, let base = fieldBase { signals.here = Self.sense(kp, base, siteCount: siteCount, s, identityCount: factorCount) }
                    // Activation and clocks.
                    var flags = f
                    var migratory = f & migratoryBit != 0
                    if kp.pointee.hasActivation, !migratory || kp.pointee.revertsWhenUnstimulated {
                        if !mayDraw, let base = fieldBase {
                            // Only the activation slots are renewed (the others keep what they hold).
                            let bits = Int(kp.pointee.activationMask), g = Self.sense(kp, base, siteCount: siteCount, s, identityCount: factorCount)
                            let h = signals.here
                            @inline(__always) func lane(_ q: Int) -> Double { bits & (1 << q) != 0 ? g[q] : h[q] }
                            signals.here = SIMD8<Double>(lane(0), lane(1), lane(2), lane(3), lane(4), lane(5), lane(6), lane(7))
                        }
                        let before = cells.exposure[c]
                        let (e, m, above) = Rules.activate(exposure: before, signals: signals, kind: kp.pointee, dt: dt)
                        // Quiet only while every activation factor is below threshold (an exposure that no
                        // longer grows in Float, or is infinite, must not make a cell look quiet).
                        if e != before { cells.exposure[c] = e }
                        if e != before || above { quiet = false } else { watch |= 1 << UInt8(kindIndex) }
                        migratory = m
                        flags = m ? flags | migratoryBit : flags & ~migratoryBit
                    }
                    if let regionIDs = regionPointer, regionIDs[s] == Tissue.woundBed {
                        quiet = false
                        cells.residence[c] += Float(dt)
                        if Double(cells.residence[c]) >= kp.pointee.differentiationResidence {
                            flags |= myofibroblastBit
                        }
                    }
                    // The one-way switch to the second state, drawn from the cell's own stream.
                    // A cell still maturing (`polarizationAfter`) draws nothing yet but stays awake.
                    if kp.pointee.polarizes, flags & repairBit == 0 {
                        quiet = false
                        if kp.pointee.polarizationAfter == 0 || Double(step) * dt - Double(cells.cycle[c]) >= kp.pointee.polarizationAfter {
                            // A cell that may draw has sensed every factor already (nothing writes the fields
                            // in between); one that cannot holds only its activation lanes.
                            if !mayDraw, let base = fieldBase { signals.here = Self.sense(kp, base, siteCount: siteCount, s, identityCount: factorCount) }
                            var switchRNG = RandomStream(seed: seed, step: step, id: Int(cells.id[c]), purpose: .polarization)
                            if switchRNG.uniform() < kp.pointee.polarization.rate(signals.here) * dt { flags |= repairBit }
                        }
                    }
                    // Sprouting: an activated cell is a tip or a stalk cell (`KindParameters.sprouting`).
                    let tipRadius = kp.pointee.tipRadius
                    var isTip = false
                    if tipRadius > 0, let vessel {
                        if !migratory {
                            flags &= ~tipBit
                        } else if flags & tipBit == 0, vessel[s] != 0,
                                  !Self.tipNear(s, x: i, y: j, radius: tipRadius,
                                                layers: max(blockLow[k] &- k, -tipRadius)...min(blockHigh[k] &- k, tipRadius), cells, nx: nx, ny: ny) {
                            quiet = false
                            var tipRNG = RandomStream(seed: seed, step: step, id: Int(cells.id[c]), purpose: .tipSelection)
                            if tipRNG.uniform() < kp.pointee.tipProbability { flags |= tipBit }
                        }
                        isTip = flags & tipBit != 0
                        // A tip explores tissue without vessels; a stalk cell stays on the vessels.
                        if free[0] != 0, (vessel[s &- 1] == 0) != isTip { free[0] = 0 }
                        if free[1] != 0, (vessel[s &+ 1] == 0) != isTip { free[1] = 0 }
                        if free[2] != 0, (vessel[s &- nx] == 0) != isTip { free[2] = 0 }
                        if free[3] != 0, (vessel[s &+ nx] == 0) != isTip { free[3] = 0 }
                        if free[4] != 0, (vessel[s &- plane] == 0) != isTip { free[4] = 0 }
                        if free[5] != 0, (vessel[s &+ plane] == 0) != isTip { free[5] = 0 }
                        // Other cells' tip selection reads this flag: a change wakes the tiles around.
                        if (flags ^ f) & tipBit != 0 { changed = true }
                    }
                    if flags != f {
                        quiet = false
                        cells.flags[c] = flags
                    }
                    // A cell that can neither move nor divide (not activated, or a kind without either
                    // rate) stays without a draw.
                    let draws = free != .zero && kp.pointee.maximumEventProbability > 0
                        && !(kp.pointee.activationRequired && !migratory && !kp.pointee.graded)
                    if draws {
                        quiet = false
                        if kp.pointee.chemotaxisCount > 0, let base = fieldBase {
                            // Off the lattice counts as "no gradient"; a hop there is blocked anyway.
                            var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, a4 = 0.0, a5 = 0.0
                            for q in 0..<kp.pointee.chemotaxisCount {
                                let field = base + Int(kp.pointee.chemotaxisFactor[q]) &* siteCount
                                let chi = kp.pointee.chemotaxisChi[q]
                                let here = field[s]
                                if i > 0 { a0 += chi * (field[s &- 1] - here) }
                                if i < nx &- 1 { a1 += chi * (field[s &+ 1] - here) }
                                if j > 0 { a2 += chi * (field[s &- nx] - here) }
                                if j < ny &- 1 { a3 += chi * (field[s &+ nx] - here) }
                                if links & 1 != 0 { a4 += chi * (field[s &- plane] - here) }
                                if links & 2 != 0 { a5 += chi * (field[s &+ plane] - here) }
                            }
                            signals.attraction = SIMD8(a0, a1, a2, a3, a4, a5, 0, 0)
                        }
                        // Decide and commit.
                        var rng = RandomStream(seed: seed, step: step, id: Int(cells.id[c]), purpose: .cellDecision)
                        let sitePace = pacePointer.map { Double($0[j &* nx &+ i]) } ?? 1
                        switch Rules.decide(kp, signals: signals, free: free, directions: directions, activated: migratory, dt: dt,
                                            pace: sitePace, paceBound: bound, rng: &rng) {
                        case .stay:
                            break
                        case let .move(d):
                            let target = Self.neighbour(s, d, nx, plane)
                            // Cohesion: a hop that breaks the cell's last contact (in its layer) may be refused.
                            if kp.pointee.cohesion > 0, Self.inContact(s, x: i, y: j, excluding: -1, cells.cellAt, nx: nx, ny: ny) {
                                let (ti, tj) = d == 0 ? (i &- 1, j) : d == 1 ? (i &+ 1, j) : d == 2 ? (i, j &- 1) : d == 3 ? (i, j &+ 1) : (i, j)
                                if !Self.inContact(target, x: ti, y: tj, excluding: s, cells.cellAt, nx: nx, ny: ny),
                                   kp.pointee.cohesion >= 1 || rng.uniform32() < kp.pointee.cohesion { break }
                            }
                            // The target's plane site: a move up or down keeps (i, j).
                            if kp.pointee.matrixNeeded > 0, !supported(d < 4 ? target &- layerPlane : s &- layerPlane, region: regionPointer?[target], kp, &rng) { break }
                            // A new vessel site holds 2 + the kind that made it (the dermis's own vessels hold 1);
                            // of a sprouting kind only tips make them, blind until their sprout fuses.
                            if kp.pointee.leavesVesselTrail, tipRadius == 0 || isTip, let vessel, vessel[s] == 0 {
                                vessel[s] = isTip ? Self.blindVessel | (2 &+ cells.kind[c]) : 2 &+ cells.kind[c]
                            }
                            cells.cellAt[s] = -1
                            cells.cellAt[target] = Int32(c)
                            cells.site[c] = Int32(target)
                            cells.flags[c] = flags | movedBit
                            // Anastomosis: a tip that meets a vessel head on (the site ahead of it, in
                            // the direction it moved, is vessel) joins it and is a stalk cell again. Side
                            // contacts do not count: they would join a tip to the vessel it left.
                            if isTip, let vessel {
                                let joins = d == 0 ? i > 1 && vessel[target &- 1] != 0
                                    : d == 1 ? i < nx &- 2 && vessel[target &+ 1] != 0
                                    : d == 2 ? j > 1 && vessel[target &- nx] != 0
                                    : d == 3 ? j < ny &- 2 && vessel[target &+ nx] != 0
                                    : d == 4 ? layerLinks[k &- 1] & 1 != 0 && vessel[target &- plane] != 0
                                    : layerLinks[k &+ 1] & 2 != 0 && vessel[target &+ plane] != 0
                                if joins {
                                    // Blood flows through the loop: the sprouts are perfused after the colours.
                                    vessel[target] = 2 &+ cells.kind[c]
                                    cells.flags[c] = (flags | movedBit) & ~tipBit
                                    let n = Int(fusionCount[t])
                                    fusionSite[t &* tileCapacity &+ n] = Int32(target)
                                    fusionCount[t] = Int32(n &+ 1)
                                }
                            }
                            let m = Int(buffers.movedCount[t])
                            buffers.movedCell[t &* tileCapacity &+ m] = Int32(c)
                            buffers.movedCount[t] = Int32(m &+ 1)
                            changed = true
                        case let .divide(d):
                            // Tip cells do not divide; stalk cells do (Gerhardt 2003).
                            if isTip { break }
                            let target = Self.neighbour(s, d, nx, plane)
                            // Mature matrix leaves no room: refused with probability gate x collagen.
                            if kp.pointee.matrixInhibition > 0, let collagen {
                                let refuse = kp.pointee.matrixInhibition * Double(collagen[target])
                                if refuse >= 1 || (refuse > 0 && rng.uniform32() < refuse) { break }
                            }
                            if kp.pointee.matrixNeeded > 0, !supported(d < 4 ? target &- layerPlane : s &- layerPlane, region: regionPointer?[target], kp, &rng) { break }
                            let n = Int(buffers.birthCount[t])
                            guard n < tileCapacity else { break }
                            let slot = t &* tileCapacity &+ n
                            buffers.birthParent[slot] = Int32(s)
                            buffers.birthSite[slot] = Int32(target)
                            buffers.birthCount[t] = Int32(n &+ 1)
                            cells.cellAt[target] = newborn
                            cells.cycle[c] = Float(Double(step &+ 1) * dt)
                            changed = true
                        }
                    }
                }
            }
            let u = t &* lattice.nz &+ k
            quietSince[u] = quiet ? phase : -1
            watching[u] = watch
            if changed { lastChange[u] = phase }
        }
    }
}
