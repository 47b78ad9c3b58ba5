import Cells
import Foundation
import Fields
import SimCore

/// The cell phases of one step (sense, decide, commit), tile by tile, independent of the
/// thread count.
///
/// The x-y plane is cut into fixed tiles (`TileGrid`, 32 x 32 sites, every tile spanning all
/// layers). Tiles get one of four colours, `(tx mod 2) + 2 (ty mod 2)`; two tiles of one colour
/// are a whole tile apart, and a cell reaches at most one site away, so the tiles of a colour
/// never touch the same sites and run in parallel. Moves between layers (a dermis with depth,
/// `layerLinks`) stay inside the tile, which holds every layer, so they need no colour of their own. Colours run one after another, in an order
/// drawn each step from the run's stream, as is the direction in which every tile is scanned, so
/// that no direction is favoured. Within a tile, sites are visited in scan order and each cell
/// found is sensed, decides and commits at once (random sequential update). A cell that moved
/// into a tile visited later carries an "updated" bit for this step and is not updated twice.
///
/// Births are held in per-tile buffers while the colours run (the daughter's site is taken at
/// once) and appended after the last colour, in tile order, so new ids do not depend on the
/// thread count. Newborn cells act from the next step on.
///
/// Apoptosis is a scheduled event, not part of a cell's visit: at every `apoptosisEvery`-th step
/// (once an hour of model time), before the tiles run, each cell of a kind that can die dies with
/// probability 1 - exp(-rate(factors at its site) x the interval), from its own stream (keyed by
/// step and cell id), in cell order. So a cell that cannot move or divide is quiet even when it can
/// die, and costs nothing in the steps between; a death frees its site at once and counts as a
/// change of its tile-layer. The dead are compacted out at the end of the step.
///
/// Active set: a tile whose every cell did nothing at its last visit (no draw, no change of
/// state) is *quiet*. It is skipped while it
/// stays so for sure: no site in it or in the eight tiles around it changed occupancy since (each
/// tile records the phase of its last change; a death in the hourly draw counts for its tile at the
/// start of the step, a birth for the daughter's tile at its end, a recruit for its tile after
/// that), and, where a quiet cell waits for its activation factors, every such factor stays
/// below the kind's threshold over the whole tile. A skipped visit would have changed nothing, so
/// results are byte-identical to visiting every tile (`activeSet = false`), which the tests check.
/// Uptake, secretion and deposition are not part of the visit (`World.secrete` does them for every
/// cell), so quiet cells keep taking up and secreting.
public final class CellStepper: @unchecked Sendable {
    public let lattice: Lattice
    public let tiles: TileGrid
    /// Parameters per kind, indexed by `CellKind.rawValue`.
    public let parameters: [KindParameters]
    /// Time step [min].
    public let dt: Double
    public let seed: UInt64
    /// Vessel flag per site, set where a trail-leaving cell (endothelial sprout) moves away.
    public var vessel: UnsafeMutablePointer<UInt8>?
    /// The wound-bed sites in site order, where kinds recruited from the wound bed enter.
    public var bedSites: [Int32] = []
    /// Collagen per site [fraction of intact dermis], read by kinds whose division or recruitment
    /// the matrix inhibits (`KindParameters.matrixInhibition`, `recruitmentMatrixInhibition`);
    /// nil: no gate.
    public var collagen: UnsafeMutablePointer<Float>?
    /// Collagen of the dermis layer under the wound surface, indexed by plane site (x + nx y) [fraction
    /// of intact dermis], read with `fibrin` by kinds that need matrix under the wound surface
    /// (`KindParameters.matrixNeeded`); nil: no gate.
    public var substrate: UnsafeMutablePointer<Float>?
    /// The clot's fibrin in the wound bed in this step [fraction of intact dermis's matrix], set by
    /// the world before each step (`ModelConfig.fibrin(at:)`).
    public var fibrin = 0.0
    /// Per plane site (x + nx y): the factor on hop rates from the tissue's stretch
    /// (`WoundMechanics.pace`), set by the world before each step; nil: 1 everywhere.
    public var pace: UnsafeMutablePointer<Float>?
    /// An upper bound of `pace` over the lattice, at least 1.
    public var paceBound = 1.0
    /// The solver's tile-layer maxima of the fields the cells sense (tiles of this stepper's size),
    /// read by the active set; nil: a tile whose quiet cells wait for their factors is not skipped.
    public var fieldMaxima: TileMaxima?
    /// Whether quiet tiles are skipped (see the type's description). Off: every tile is visited,
    /// with the same results.
    public var activeSet = true
    /// allowed[kind * 256 + region]: whether the kind may enter the region.
    let allowed: UnsafeMutablePointer<Bool>
    /// The parameters compiled for dt, per kind (plain values for the hot loop).
    public let compiled: UnsafeMutablePointer<CompiledKind>
    /// Tissue region id per site (owned copy), checked against each kind's `allowedRegions`.
    var regionBase: UnsafeMutablePointer<UInt8>?
    /// Per layer: bit 0 when the layer below belongs to the same compartment, bit 1 the layer
    /// above (a dermis of several layers). A cell on a linked layer has six neighbours and moves
    /// and divides across the links; without links (every layer its own compartment) it has four.
    let layerLinks: UnsafeMutablePointer<UInt8>
    /// Per layer: the lowest and highest layer of its compartment's block of linked layers.
    let blockLow: UnsafeMutablePointer<Int>, blockHigh: UnsafeMutablePointer<Int>
    /// How many layers up and down a cell's reads reach: 1, or a sprouting kind's tip radius.
    private(set) var zReach = 1

    /// Links the layers of each compartment (`layerLinks`, one entry per layer).
    public func setLayerLinks(_ links: [Int]) {
        precondition(links.count == lattice.nz)
        for (k, v) in links.enumerated() { layerLinks[k] = UInt8(v & 3) }
        for k in 0..<lattice.nz {
            var lo = k, hi = k
            while layerLinks[lo] & 1 != 0, lo > 0 { lo -= 1 }
            while layerLinks[hi] & 2 != 0, hi < lattice.nz - 1 { hi += 1 }
            blockLow[k] = lo; blockHigh[k] = hi
        }
        invalidateQuiet()
    }

    /// Sets the tissue region of every site; kinds with `allowedRegions` enter only those.
    public func setRegions(_ ids: [UInt8]) {
        precondition(ids.count == lattice.count)
        if regionBase == nil { regionBase = .allocate(capacity: lattice.count) }
        for (s, r) in ids.enumerated() { regionBase![s] = r }
        invalidateQuiet()
    }

    deinit {
        regionBase?.deallocate(); compiled.deallocate(); allowed.deallocate()
        quietSince.deallocate(); lastChange.deallocate(); watching.deallocate(); tileNeighbours.deallocate()
        fusionSite.deallocate(); fusionCount.deallocate()
        layerLinks.deallocate(); blockLow.deallocate(); blockHigh.deallocate()
    }

    /// Births of this step: per tile, up to `tileCapacity` (parent site, daughter site).
    var birthParent: [Int32]
    var birthSite: [Int32]
    var birthCount: [Int32]
    /// Cells that moved in this step, per tile (their `moved` bit is cleared at the end).
    var movedCell: [Int32]
    var movedCount: [Int32]
    let tileCapacity: Int
    /// Tiles of each colour, in tile order.
    private let colourTiles: [[Int32]]
    /// Per tile and layer (index tile * nz + layer): the phase of its last full visit when every
    /// cell in it was quiet, else -1.
    let quietSince: UnsafeMutablePointer<Int>
    /// Per tile and layer: the phase of the last change of occupancy made by its cells (-1: none).
    let lastChange: UnsafeMutablePointer<Int>
    /// Per tile and layer: bit k set when a quiet cell of kind k waits for its activation factors.
    let watching: UnsafeMutablePointer<UInt8>
    /// Per tile: the tile and its (up to) eight neighbours, padded with the tile itself.
    let tileNeighbours: UnsafeMutablePointer<Int32>
    /// Anastomoses of this step: per tile, up to `tileCapacity` sites where a tip fused (only
    /// allocated when a kind sprouts), perfused after the colours in tile order.
    let fusionSite: UnsafeMutablePointer<Int32>
    let fusionCount: UnsafeMutablePointer<Int32>
    /// The flood fill's stack of sites (reserved once, so a step allocates nothing).
    var perfusionStack: [Int32] = []

    /// Counts of the last step.
    public private(set) var lastBirths = 0
    public private(set) var lastDeaths = 0
    public private(set) var lastRecruits = 0
    /// Tile layers skipped as quiet in the last step, and in all steps so far.
    public private(set) var lastSkippedTiles = 0
    public private(set) var skippedTiles = 0

    static let deadFlag: UInt8 = 1 << 6
    /// A new vessel site that carries no blood yet: the bit set on `2 + kind` in the vessel map
    /// where a sprouting kind's tip passed (a blind-ended sprout), cleared when its sprout fuses
    /// with another vessel (anastomosis). Only perfused vessel sites supply a quasi-steady factor
    /// (oxygen) and recruit from the blood.
    public static let blindVessel: UInt8 = 0x10
    /// The interval of the apoptosis draw [min]: deaths are drawn every `apoptosisEvery` steps.
    public static let apoptosisInterval = 60.0
    /// Steps between apoptosis draws: the interval in whole steps (at least one).
    public var apoptosisEvery: Int { max(1, Int((Self.apoptosisInterval / dt).rounded())) }
    /// The number of cell kinds (a constant for the hot loops; at most 8: the watch masks are a
    /// byte and `recruitmentStream` tells kinds k and k + 4 apart by purpose only).
    static let kindCount = 5

    /// The recruitment stream of vessel site `s` (or of the wound bed's, `s` = the lattice's site
    /// count) for kind `k` in a step: id `s x 4 + k` for the first four kinds, the streams used
    /// since recruitment began (so their runs keep their bits); kinds 4-7 (neutrophils) take the
    /// ids `s x 4 + k - 4` under a purpose of their own (`StreamPurpose.laterRecruitment`).
    @inline(__always) public static func recruitmentStream(seed: UInt64, step: Int, site s: Int, kind k: Int) -> RandomStream {
        RandomStream(seed: seed, step: step, id: s &* 4 &+ (k & 3), purpose: k < 4 ? .recruitment : .laterRecruitment)
    }
    static let newbornMarker: Int32 = -2

    /// - Parameter fieldDt: the fields' time step [min] (the kinds' uptake acts over it); nil: `dt`.
    public init(lattice: Lattice, parameters: [KindParameters], dt: Double, fieldDt: Double? = nil, seed: UInt64, factorCount: Int,
                tileSize: Int = 32) throws(CellError) {
        guard factorCount <= Rules.maximumFactors else {
            throw .invalid(key: "factors", message: "\(factorCount) factors; a table holds at most \(Rules.maximumFactors)")
        }
        guard dt.isFinite, dt > 0 else { throw .invalid(key: "time.dt", message: "\(dt) min must be > 0") }
        var table = CellKind.allCases.map { KindParameters(kind: $0) }
        for p in parameters {
            try p.validate(dt: dt, factorCount: factorCount)
            table[Int(p.kind.rawValue)] = p
        }
        self.lattice = lattice
        self.parameters = table
        self.dt = dt
        self.seed = seed
        tiles = TileGrid(lattice: lattice, tileSize: max(2, tileSize))
        tileCapacity = tiles.tileSize * tiles.tileSize * lattice.nz
        birthParent = [Int32](repeating: 0, count: tiles.count * tileCapacity)
        birthSite = birthParent
        movedCell = birthParent
        birthCount = [Int32](repeating: 0, count: tiles.count)
        movedCount = birthCount
        var colours: [[Int32]] = [[], [], [], []]
        for t in 0..<tiles.count {
            let tx = t % tiles.tilesX, ty = t / tiles.tilesX
            colours[(tx & 1) + 2 * (ty & 1)].append(Int32(t))
        }
        colourTiles = colours
        var allowed = [Bool](repeating: true, count: 256 * CellKind.allCases.count)
        for p in table where !p.allowedRegions.isEmpty {
            for r in 0..<256 { allowed[Int(p.kind.rawValue) * 256 + r] = p.allowedRegions.contains(UInt8(r)) }
        }
        self.allowed = .allocate(capacity: allowed.count)
        self.allowed.initialize(from: allowed, count: allowed.count)
        layerLinks = .allocate(capacity: lattice.nz)
        layerLinks.initialize(repeating: 0, count: lattice.nz)
        blockLow = .allocate(capacity: lattice.nz)
        blockHigh = .allocate(capacity: lattice.nz)
        for k in 0..<lattice.nz { blockLow[k] = k; blockHigh[k] = k }
        compiled = .allocate(capacity: table.count)
        var reach = 1
        for (i, p) in table.enumerated() {
            var c = CompiledKind(p, dt: dt, fieldDt: fieldDt)
            if let sp = p.sprouting {
                // Reads reach R sites around a cell: they must stay clear of the tiles that run at
                // the same time (a tile apart), whose cells reach one site beyond their own.
                let r = sp.radius(spacing: lattice.spacing)
                guard r <= min(8, tiles.tileSize - 2) else {
                    throw .invalid(key: "cells.\(p.kind).sprouting.tip_spacing", message: "\(sp.tipSpacing) um is \(r) sites at \(lattice.spacing) um; at most \(min(8, tiles.tileSize - 2)) are allowed")
                }
                c.tipRadius = r
                reach = max(reach, r)
            }
            (compiled + i).initialize(to: c)
        }
        zReach = reach
        let slabs = tiles.count * lattice.nz
        quietSince = .allocate(capacity: slabs)
        quietSince.initialize(repeating: -1, count: slabs)
        lastChange = .allocate(capacity: slabs)
        lastChange.initialize(repeating: -1, count: slabs)
        watching = .allocate(capacity: slabs)
        watching.initialize(repeating: 0, count: slabs)
        tileNeighbours = .allocate(capacity: tiles.count * 9)
        let sprouts = table.contains { $0.sprouting != nil }
        fusionSite = .allocate(capacity: sprouts ? tiles.count * tileCapacity : 1)
        fusionCount = .allocate(capacity: tiles.count)
        fusionCount.initialize(repeating: 0, count: tiles.count)
        if sprouts { perfusionStack.reserveCapacity(lattice.count) }
        for t in 0..<tiles.count {
            let tx = t % tiles.tilesX, ty = t / tiles.tilesX
            var list: [Int32] = []
            for dy in -1...1 { for dx in -1...1 {
                let x = tx + dx, y = ty + dy
                if x >= 0, x < tiles.tilesX, y >= 0, y < tiles.tilesY { list.append(Int32(y * tiles.tilesX + x)) }
            } }
            while list.count < 9 { list.append(Int32(t)) }
            for (i, n) in list.enumerated() { tileNeighbours[t * 9 + i] = n }
        }
    }

    /// Forgets which tiles are quiet (every tile is visited in the next step).
    public func invalidateQuiet() {
        quietSince.update(repeating: -1, count: tiles.count * lattice.nz)
    }

    /// Advances every cell by one step.
    /// - Parameters:
    ///   - fields: the factor fields the cells sense (nil: no factors).
    ///   - step: the integer step clock, which keys every random stream.
    ///   - threads: workers; the result does not depend on it.
    public func step(_ population: inout CellPopulation, fields: FieldSet?, step: Int, threads: Int = 1) {
        precondition(population.lattice == lattice)
        if let fields { precondition(fields.lattice == lattice) }
        // The order of the colours and the scan direction, drawn for this step.
        var order = RandomStream(seed: seed, step: step, id: 0, purpose: .tileOrder)
        var colours = SIMD4<Int>(0, 1, 2, 3)
        for i in stride(from: 3, to: 0, by: -1) {
            let j = Int(order.below(UInt32(i + 1)))
            let t = colours[i]; colours[i] = colours[j]; colours[j] = t
        }
        let flip = order.below(4)
        // Phases order the tile visits of all steps: 8 per step, deaths at 8 step - 1 (before the
        // tiles), colour ci at 8 step + ci, births at 8 step + 5, recruits at 8 step + 6.
        let endPhase = 8 &* step &+ 5

        for t in 0..<tiles.count { birthCount[t] = 0; movedCount[t] = 0; fusionCount[t] = 0 }
        let deaths = step % apoptosisEvery == 0 ? apoptosis(&population, fields: fields, step: step) : 0
        if step % apoptosisEvery == 0 { regressVessels(fields: fields, step: step) }
        var skipped = 0
        population.withPointers { cells in
            birthParent.withUnsafeMutableBufferPointer { bp in
                birthSite.withUnsafeMutableBufferPointer { bs in
                    birthCount.withUnsafeMutableBufferPointer { bc in
                        movedCell.withUnsafeMutableBufferPointer { mc in
                            movedCount.withUnsafeMutableBufferPointer { mn in
                                let buffers = TileBuffers(birthParent: bp, birthSite: bs, birthCount: bc, movedCell: mc, movedCount: mn)
                                let context = UncheckedSendable((cells, buffers, self, fields))
                                for ci in 0..<4 {
                                    let list = colourTiles[colours[ci]]
                                    let phase = 8 &* step &+ ci
                                    list.withUnsafeBufferPointer { tileList in
                                        let tl = UncheckedSendable(tileList)
                                        parallelFor(chunks: tileList.count, threads: threads) { c in
                                            let (cells, buffers, stepper, fields) = context.value
                                            stepper.runTile(Int(tl.value[c]), cells: cells, fields: fields, step: step, flip: flip, phase: phase,
                                                            buffers: buffers)
                                        }
                                    }
                                }
                                // Tile layers skipped: their quiet phase is older than this step.
                                for u in 0..<(tiles.count * lattice.nz) where quietSince[u] >= 0 && quietSince[u] < 8 &* step { skipped &+= 1 }
                                // Moved cells lose their mark.
                                for t in 0..<tiles.count {
                                    for m in 0..<Int(mn[t]) { cells.flags[Int(mc[t &* tileCapacity &+ m])] &= ~CellFlags.moved.rawValue }
                                }
                                perfuse()
                            }
                        }
                    }
                }
            }
        }
        // Deaths out, then births in, in tile order.
        if deaths > 0 { population.compact(removingFlagged: Self.deadFlag) }
        var births = 0
        for t in 0..<tiles.count {
            for b in 0..<Int(birthCount[t]) {
                let slot = t * tileCapacity + b
                let site = Int(birthSite[slot])
                population.cellAt[site] = -1
                // The parent stayed on its site this step; compaction may have moved its index.
                let p = Int(population.cellAt[Int(birthParent[slot])])
                let flags = population.flags[p]
                population.add(CellKind(rawValue: population.kind[p])!, at: site, flags: CellFlags(rawValue: flags),
                               exposure: population.exposure[p], bornAt: Float(Double(step + 1) * dt))
                // The daughter's tile (in its layer) has a cell it has not seen.
                markChanged(site: site, phase: endPhase)
                births += 1
            }
        }
        lastBirths = births
        lastDeaths = deaths
        lastSkippedTiles = skipped
        skippedTiles += skipped
    }

    /// Perfusion after anastomosis, serially in tile order: from every site where a tip fused in
    /// this step, the blind vessel sites connected to it (4-neighbours in its layer, and up and
    /// down across layer links; through blind sites only) carry blood: the fused sprout back to its
    /// origin, and the one it met.
    func perfuse() {
        guard let vessel else { return }
        let nx = lattice.nx, ny = lattice.ny, plane = nx * ny, blind = Self.blindVessel
        for t in 0..<tiles.count {
            for f in 0..<Int(fusionCount[t]) {
                perfusionStack.removeAll(keepingCapacity: true)
                perfusionStack.append(fusionSite[t &* tileCapacity &+ f])
                while let top = perfusionStack.popLast() {
                    let s = Int(top), q = s % plane, i = q % nx, j = q / nx
                    func visit(_ n: Int) {
                        if vessel[n] & blind != 0 { vessel[n] &= ~blind; perfusionStack.append(Int32(n)) }
                    }
                    if i > 0 { visit(s &- 1) }
                    if i < nx &- 1 { visit(s &+ 1) }
                    if j > 0 { visit(s &- nx) }
                    if j < ny &- 1 { visit(s &+ nx) }
                    let links = layerLinks[s / plane]
                    if links & 1 != 0 { visit(s &- plane) }
                    if links & 2 != 0 { visit(s &+ plane) }
                }
            }
        }
    }

    /// Stops reading the factors flagged here (those `DiffusionSolver.setSilent` skips: zero
    /// everywhere and for good) when a cell senses: their slots hold the +0 a read would return.
    /// Each call replaces the last (a factor no longer flagged is read again).
    public func setSilentFactors(_ silent: [Bool]) {
        for k in 0..<parameters.count {
            var mask = compiled[k].readMask
            for q in 0..<Rules.maximumSensedFactors where mask & (1 << q) != 0 {
                let f = compiled[k].factor(inSlot: q)
                if f < silent.count, silent[f] { mask &= ~UInt8(1 << q) }
            }
            compiled[k].senseMask = mask
        }
    }

    /// Records a change of occupancy at `site` in the phase `phase` (its tile-layer wakes).
    @inline(__always) func markChanged(site: Int, phase: Int) {
        let plane = lattice.nx &* lattice.ny, q = site % plane
        lastChange[tiles.tile(ofX: q % lattice.nx, y: q / lattice.nx) &* lattice.nz &+ site / plane] = phase
    }

    /// The factors kind `k` senses at `site` [ng/mL], by sensing slot (zero without fields).
    @inline(__always) func factors(at site: Int, kind k: Int, _ fields: FieldSet?) -> SIMD8<Double> {
        guard let fields else { return .zero }
        return Self.sense(compiled + k, fields.buffer(0).baseAddress!, siteCount: lattice.count, site,
                          identityCount: min(fields.factorCount, Rules.maximumSensedFactors))
    }

    /// The hourly apoptosis draw (see the type's description): marks the dead and frees their
    /// sites; `step` compacts them out. Serial, in cell order: one draw per cell of a kind that
    /// can die (only its myofibroblasts when `CompiledKind.diesOnlyDifferentiated`), so the
    /// result does not depend on the thread count.
    /// - Returns: the number of deaths.
    func apoptosis(_ population: inout CellPopulation, fields: FieldSet?, step: Int) -> Int {
        var dying = 0
        var onlyDifferentiated = 0
        for k in 0..<Self.kindCount where compiled[k].canDie {
            dying |= 1 << k
            if compiled[k].diesOnlyDifferentiated { onlyDifferentiated |= 1 << k }
        }
        if dying == 0 { return 0 }
        let differentiated = CellFlags.myofibroblast.rawValue
        var deaths = 0
        let interval = Double(apoptosisEvery) * dt
        // Later than every phase of the step before (at most 8 (step - 1) + 6): the tiles around
        // a death are visited in this step. At step 0 this is -1, "no change", which is enough:
        // no tile is quiet before its first visit (quietSince starts at -1, and invalidateQuiet
        // resets it when a state is restored).
        let phase = 8 &* step &- 1
        for c in 0..<population.count {
            let k = Int(population.kind[c])
            if dying & (1 << k) == 0 { continue }
            if onlyDifferentiated & (1 << k) != 0 && population.flags[c] & differentiated == 0 { continue }
            let s = Int(population.site[c])
            let p = -expm1(-compiled[k].apoptosis.rate(factors(at: s, kind: k, fields)) * interval)
            var rng = RandomStream(seed: seed, step: step, id: Int(population.id[c]), purpose: .apoptosis)
            if rng.uniform() >= p { continue }
            population.flags[c] |= Self.deadFlag
            population.cellAt[s] = -1
            markChanged(site: s, phase: phase)
            deaths += 1
        }
        return deaths
    }

    /// The hourly regression draw of new vessels (`KindParameters.vesselRegression`): every
    /// vessel site a trail made (holding 2 + the kind) draws once, in site order, from its own
    /// stream (keyed by step and site), with probability 1 - exp(-rate(factors at the site) x the
    /// interval), so the result does not depend on the thread count. A regressed site is no
    /// longer a vessel (no supply of a quasi-steady factor, no recruitment); a trail may mark it
    /// again. No cell reads the vessel map, so the active set needs no wake-up.
    /// - Returns: the number of vessel sites that regressed.
    @discardableResult
    func regressVessels(fields: FieldSet?, step: Int) -> Int {
        guard let vessel else { return 0 }
        var regressing = 0
        for k in 0..<Self.kindCount where compiled[k].vesselRegression.basal > 0 { regressing |= 1 << k }
        if regressing == 0 { return 0 }
        let interval = Double(apoptosisEvery) * dt
        var regressed = 0
        for s in 0..<lattice.count where vessel[s] >= 2 {
            let k = Int((vessel[s] & ~Self.blindVessel) &- 2)
            if regressing & (1 << k) == 0 { continue }
            let p = -expm1(-compiled[k].vesselRegression.rate(factors(at: s, kind: k, fields)) * interval)
            var rng = RandomStream(seed: seed, step: step, id: s, purpose: .vesselRegression)
            if rng.uniform() >= p { continue }
            vessel[s] = 0
            regressed += 1
        }
        return regressed
    }

    /// Recruitment (`KindParameters.recruitment`), after the step's births: every vessel site
    /// draws once per recruiting kind, in site order, from its own stream (keyed by step, site and
    /// kind), so the result does not depend on the thread count. A recruit takes the vessel site,
    /// or else one of its free in-plane neighbours open to the kind, drawn at random; it is in its
    /// first state, acts from the next step on, and counts as a change of its tile-layer for the
    /// active set.
    ///
    /// A kind recruited from the wound bed (`RecruitmentSource.woundBed`) enters only empty
    /// wound-bed sites, at most one per site and step, with probability rate(factors at the site)
    /// x dt. The sites are visited in `bedSites` order with one stream per step and kind: gaps
    /// between candidate sites are drawn geometrically at the largest probability the responses
    /// allow and each candidate is accepted with its own probability over that one (thinning),
    /// so the cost follows the number of candidates, not of bed sites.
    /// - Returns: the number of cells recruited.
    @discardableResult
    public func recruit(_ population: inout CellPopulation, fields: FieldSet?, step: Int) -> Int {
        var vesselKinds = 0, bedKinds = 0
        for k in 0..<Self.kindCount where compiled[k].recruitment.basal > 0 {
            if compiled[k].recruitsFromWoundBed { bedKinds |= 1 << k } else { vesselKinds |= 1 << k }
        }
        if vesselKinds == 0 && bedKinds == 0 { lastRecruits = 0; return 0 }
        let nx = lattice.nx, ny = lattice.ny, plane = nx * ny, n = lattice.count
        let phase = 8 &* step &+ 6
        let bornAt = Float(Double(step + 1) * dt)
        var recruited = 0
        for k in 0..<Self.kindCount where bedKinds & (1 << k) != 0 {
            // The candidates' probability, at most 1 (a rate whose folds reach past one recruit per
            // step makes every site a candidate, kept with min(1, p)).
            let pmax = min(1, compiled[k].recruitmentMaximum * dt)
            var rng = Self.recruitmentStream(seed: seed, step: step, site: n, kind: k)
            let logMiss = pmax < 1 ? log1p(-pmax) : -Double.infinity
            let gate = compiled[k].recruitmentMatrixInhibition
            var i = -1
            while true {
                // Sites up to the next candidate, each missed with probability 1 - pmax.
                let gap = pmax < 1 ? log(rng.uniform()) / logMiss : 0
                if gap >= Double(bedSites.count) { break }
                i += Int(gap) + 1
                if i >= bedSites.count { break }
                let s = Int(bedSites[i])
                var p = compiled[k].recruitment.rate(factors(at: s, kind: k, fields)) * dt
                // Matrix laid down since the wound was made leaves no room (a factor <= 1 on the
                // acceptance: no draw of its own).
                if gate > 0, let collagen { p *= 1 - gate * Double(collagen[s]) }
                if rng.uniform() * pmax >= p { continue }
                if population.cellAt[s] != -1 || !(regionBase.map { allowed[k &* 256 &+ Int($0[s])] } ?? true) { continue }
                population.add(CellKind(rawValue: UInt8(k))!, at: s, bornAt: bornAt)
                markChanged(site: s, phase: phase)
                recruited += 1
            }
        }
        guard let vessel, vesselKinds != 0 else { lastRecruits = recruited; return recruited }
        // From the blood: only where it flows (a blind sprout carries none). The site's draw comes
        // first: it does not depend on the rate, and one at or above the rate's upper bound (with a
        // margin far above rounding) is a miss whatever the factors, so most sites read no factor.
        var s = 0
        while s < n {
            // Eight sites at a time while none holds a vessel (most of the lattice).
            if s & 7 == 0, s &+ 8 <= n, UnsafeRawPointer(vessel + s).loadUnaligned(as: UInt64.self) == 0 { s &+= 8; continue }
            defer { s &+= 1 }
            if vessel[s] == 0 || vessel[s] & Self.blindVessel != 0 { continue }
            for k in 0..<Self.kindCount where vesselKinds & (1 << k) != 0 {
                var rng = Self.recruitmentStream(seed: seed, step: step, site: s, kind: k)
                let u = rng.uniform()
                if u >= compiled[k].recruitmentMaximum * dt * (1 + 1e-9) { continue }
                let p = compiled[k].recruitment.rate(factors(at: s, kind: k, fields)) * dt
                if p <= 0 || u >= p { continue }
                let q = s % plane, i = q % nx, j = q / nx
                func open(_ t: Int) -> Bool {
                    population.cellAt[t] == -1 && (regionBase.map { allowed[k &* 256 &+ Int($0[t])] } ?? true)
                }
                var target = -1
                if open(s) {
                    target = s
                } else {
                    var candidates = SIMD4<Int>(repeating: -1), count = 0
                    if i > 0, open(s - 1) { candidates[count] = s - 1; count += 1 }
                    if i < nx - 1, open(s + 1) { candidates[count] = s + 1; count += 1 }
                    if j > 0, open(s - nx) { candidates[count] = s - nx; count += 1 }
                    if j < ny - 1, open(s + nx) { candidates[count] = s + nx; count += 1 }
                    if count > 0 { target = candidates[Int(rng.below(UInt32(count)))] }
                }
                if target < 0 { continue }
                population.add(CellKind(rawValue: UInt8(k))!, at: target, bornAt: bornAt)
                markChanged(site: target, phase: phase)
                recruited += 1
            }
        }
        lastRecruits = recruited
        return recruited
    }

    @inline(__always) static func neighbour(_ s: Int, _ d: Int, _ nx: Int, _ plane: Int) -> Int {
        switch d {
        case 0: return s &- 1
        case 1: return s &+ 1
        case 2: return s &- nx
        case 3: return s &+ nx
        case 4: return s &- plane
        default: return s &+ plane
        }
    }
}

/// The per-tile buffers of one step, as unsafe views (each tile writes only its own slots).
struct TileBuffers: @unchecked Sendable {
    let birthParent: UnsafeMutableBufferPointer<Int32>
    let birthSite: UnsafeMutableBufferPointer<Int32>
    let birthCount: UnsafeMutableBufferPointer<Int32>
    let movedCell: UnsafeMutableBufferPointer<Int32>
    let movedCount: UnsafeMutableBufferPointer<Int32>
}
