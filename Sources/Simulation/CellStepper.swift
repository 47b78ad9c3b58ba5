import Cells
import Fields
import SimCore

/// The cell phases of one step (sense, decide, commit), tile by tile, independent of the
/// thread count.
///
/// The x-y plane is cut into fixed tiles (`TileGrid`, 32 x 32 sites, every tile spanning all
/// layers). Tiles get one of four colours, `(tx mod 2) + 2 (ty mod 2)`; two tiles of one colour
/// are a whole tile apart, and a cell reaches at most one site away, so the tiles of a colour
/// never touch the same sites and run in parallel. Colours run one after another, in an order
/// drawn each step from the run's stream, as is the direction in which every tile is scanned, so
/// that no direction is favoured. Within a tile, sites are visited in scan order and each cell
/// found is sensed, decides and commits at once (random sequential update). A cell that moved
/// into a tile visited later carries an "updated" bit for this step and is not updated twice.
///
/// Births are held in per-tile buffers while the colours run (the daughter's site is taken at
/// once) and appended after the last colour, in tile order, so new ids do not depend on the
/// thread count. Deaths free their site at once; the dead are compacted out at the end.
/// Newborn cells act from the next step on.
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
    /// allowed[kind * 256 + region]: whether the kind may enter the region.
    private let allowed: UnsafeMutablePointer<Bool>
    /// The parameters compiled for dt, per kind (plain values for the hot loop).
    public let compiled: UnsafeMutablePointer<CompiledKind>
    /// Tissue region id per site (owned copy), checked against each kind's `allowedRegions`.
    private var regionBase: UnsafeMutablePointer<UInt8>?

    /// Sets the tissue region of every site; kinds with `allowedRegions` enter only those.
    public func setRegions(_ ids: [UInt8]) {
        precondition(ids.count == lattice.count)
        if regionBase == nil { regionBase = .allocate(capacity: lattice.count) }
        for (s, r) in ids.enumerated() { regionBase![s] = r }
    }

    /// Changes the region of one site (for example when a wound-epidermis site is covered).
    public func setRegion(_ r: UInt8, at s: Int) { regionBase?[s] = r }

    deinit { regionBase?.deallocate(); compiled.deallocate(); allowed.deallocate() }

    /// Births of this step: per tile, up to `birthCapacity` (parent site, daughter site).
    private var birthParent: [Int32]
    private var birthSite: [Int32]
    private var birthCount: [Int32]
    private let birthCapacity: Int
    /// Tiles of each colour, in tile order.
    private let colourTiles: [[Int32]]

    /// Counts of the last step.
    public private(set) var lastBirths = 0
    public private(set) var lastDeaths = 0

    static let deadFlag: UInt8 = 1 << 6
    static let newbornMarker: Int32 = -2

    public init(lattice: Lattice, parameters: [KindParameters], dt: Double, seed: UInt64, factorCount: Int,
                tileSize: Int = 32) throws(CellError) {
        guard factorCount <= Rules.maximumFactors else {
            throw .invalid(key: "factors", message: "\(factorCount) factors; cells sense at most \(Rules.maximumFactors)")
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
        birthCapacity = tiles.tileSize * tiles.tileSize * lattice.nz
        birthParent = [Int32](repeating: 0, count: tiles.count * birthCapacity)
        birthSite = birthParent
        birthCount = [Int32](repeating: 0, count: tiles.count)
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
        compiled = .allocate(capacity: table.count)
        for (i, p) in table.enumerated() { (compiled + i).initialize(to: CompiledKind(p, dt: dt)) }
    }

    /// Advances every cell by one step.
    /// - Parameters:
    ///   - fields: the factor fields the cells sense (nil: no factors).
    ///   - step: the integer step clock, which keys every random stream.
    ///   - threads: workers; the result does not depend on it.
    public func step(_ population: inout CellPopulation, fields: FieldSet?, step: Int, threads: Int = 1) {
        precondition(population.lattice == lattice)
        if let fields { precondition(fields.lattice == lattice && fields.factorCount <= Rules.maximumFactors) }
        // The order of the colours and the scan direction, drawn for this step.
        var order = RandomStream(seed: seed, step: step, id: 0, purpose: .tileOrder)
        var colours = SIMD4<Int>(0, 1, 2, 3)
        for i in stride(from: 3, to: 0, by: -1) {
            let j = Int(order.below(UInt32(i + 1)))
            let t = colours[i]; colours[i] = colours[j]; colours[j] = t
        }
        let flip = order.below(4)
        let parity: UInt8 = step & 1 == 1 ? CellFlags.updatedOdd.rawValue : 0

        for t in 0..<tiles.count { birthCount[t] = 0 }
        population.withPointers { cells in
            birthParent.withUnsafeMutableBufferPointer { bp in
                birthSite.withUnsafeMutableBufferPointer { bs in
                    birthCount.withUnsafeMutableBufferPointer { bc in
                        let buffers = UncheckedSendable((cells, bp, bs, bc, self, fields))
                        for ci in 0..<4 {
                            let list = colourTiles[colours[ci]]
                            list.withUnsafeBufferPointer { tileList in
                                let tl = UncheckedSendable(tileList)
                                parallelFor(chunks: tileList.count, threads: threads) { c in
                                    let (cells, bp, bs, bc, stepper, fields) = buffers.value
                                    stepper.runTile(Int(tl.value[c]), cells: cells, fields: fields, step: step, flip: flip, parity: parity,
                                                    birthParent: bp, birthSite: bs, birthCount: bc)
                                }
                            }
                        }
                    }
                }
            }
        }
        // Deaths out, then births in, in tile order.
        var deaths = 0
        for i in 0..<population.count where population.flags[i] & Self.deadFlag != 0 { deaths += 1 }
        if deaths > 0 { population.compact(removingFlagged: Self.deadFlag) }
        var births = 0
        for t in 0..<tiles.count {
            for b in 0..<Int(birthCount[t]) {
                let slot = t * birthCapacity + b
                let site = Int(birthSite[slot])
                population.cellAt[site] = -1
                // The parent stayed on its site this step; compaction may have moved its index.
                let p = Int(population.cellAt[Int(birthParent[slot])])
                population.add(CellKind(rawValue: population.kind[p])!, at: site,
                               flags: CellFlags(rawValue: (population.flags[p] & ~CellFlags.updatedOdd.rawValue) | parity),
                               exposure: population.exposure[p], bornAt: Float(Double(step + 1) * dt))
                births += 1
            }
        }
        lastBirths = births
        lastDeaths = deaths
    }

    /// One tile: visit its sites in scan order and update each cell found.
    private func runTile(_ t: Int, cells: PopulationPointers, fields: FieldSet?, step: Int, flip: UInt32, parity: UInt8,
                         birthParent: UnsafeMutableBufferPointer<Int32>, birthSite: UnsafeMutableBufferPointer<Int32>,
                         birthCount: UnsafeMutableBufferPointer<Int32>) {
        // Flag bits as plain constants: a static property costs an accessor call per use.
        let updatedBit: UInt8 = 1 << 7, migratoryBit: UInt8 = 1 << 0, myofibroblastBit: UInt8 = 1 << 1
        let deadBit: UInt8 = 1 << 6, newborn: Int32 = -2
        assert(updatedBit == CellFlags.updatedOdd.rawValue && migratoryBit == CellFlags.migratory.rawValue
               && myofibroblastBit == CellFlags.myofibroblast.rawValue && deadBit == Self.deadFlag && newborn == Self.newbornMarker)
        let (xr, yr) = tiles.bounds(of: t)
        let nx = lattice.nx, ny = lattice.ny
        let plane = nx &* ny
        let reverseX = flip & 1 != 0, reverseY = flip & 2 != 0
        let factorCount = fields?.factorCount ?? 0
        let fieldBase = fields.map { $0.buffer(0).baseAddress! }
        let siteCount = lattice.count
        let regionPointer = regionBase
        for k in 0..<lattice.nz {
            for jj in 0..<yr.count {
                let j = reverseY ? yr.upperBound &- 1 &- jj : yr.lowerBound &+ jj
                for ii in 0..<xr.count {
                    let i = reverseX ? xr.upperBound &- 1 &- ii : xr.lowerBound &+ ii
                    let s = k &* plane &+ j &* nx &+ i
                    let c = Int(cells.cellAt[s])
                    if c < 0 { continue }
                    let f = cells.flags[c]
                    if f & updatedBit == parity { continue }
                    let kindIndex = Int(cells.kind[c])
                    let kp = compiled + kindIndex
                    // Sense.
                    var signals = LocalSignals()
                    if let base = fieldBase {
                        if factorCount == 4 {
                            signals.here = SIMD8(base[s], base[siteCount &+ s], base[2 &* siteCount &+ s], base[3 &* siteCount &+ s], 0, 0, 0, 0)
                        } else {
                            for q in 0..<factorCount { signals.here[q] = base[q &* siteCount &+ s] }
                        }
                        let chemotaxisCount = kp.pointee.chemotaxisCount
                        if chemotaxisCount > 0 {
                            // Off the lattice counts as "no gradient"; a hop there is blocked anyway.
                            var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
                            for q in 0..<chemotaxisCount {
                                let field = base + Int(kp.pointee.chemotaxisFactor[q]) &* siteCount
                                let chi = kp.pointee.chemotaxisChi[q]
                                let here = field[s]
                                if i > 0 { a0 += chi * (field[s &- 1] - here) }
                                if i < nx &- 1 { a1 += chi * (field[s &+ 1] - here) }
                                if j > 0 { a2 += chi * (field[s &- nx] - here) }
                                if j < ny &- 1 { a3 += chi * (field[s &+ nx] - here) }
                            }
                            signals.attraction = SIMD4(a0, a1, a2, a3)
                        }
                    }
                    var free = SIMD4<UInt8>(repeating: 0)
                    if i > 0, cells.cellAt[s &- 1] == -1 { free[0] = 1 }
                    if i < nx &- 1, cells.cellAt[s &+ 1] == -1 { free[1] = 1 }
                    if j > 0, cells.cellAt[s &- nx] == -1 { free[2] = 1 }
                    if j < ny &- 1, cells.cellAt[s &+ nx] == -1 { free[3] = 1 }
                    if let regionIDs = regionPointer, free != .zero {
                        let row = kindIndex &* 256
                        if free[0] != 0, !allowed[row &+ Int(regionIDs[s &- 1])] { free[0] = 0 }
                        if free[1] != 0, !allowed[row &+ Int(regionIDs[s &+ 1])] { free[1] = 0 }
                        if free[2] != 0, !allowed[row &+ Int(regionIDs[s &- nx])] { free[2] = 0 }
                        if free[3] != 0, !allowed[row &+ Int(regionIDs[s &+ nx])] { free[3] = 0 }
                    }
                    // Activation and clocks.
                    var flags = f
                    var migratory = f & migratoryBit != 0
                    if kp.pointee.hasActivation, !migratory || kp.pointee.revertsWhenUnstimulated {
                        let before = cells.exposure[c]
                        let (e, m) = Rules.activate(exposure: before, signals: signals, kind: kp.pointee, dt: dt)
                        if e != before { cells.exposure[c] = e }
                        migratory = m
                        flags = m ? flags | migratoryBit : flags & ~migratoryBit
                    }
                    if let regionIDs = regionPointer, regionIDs[s] == Tissue.woundBed {
                        cells.residence[c] += Float(dt)
                        if Double(cells.residence[c]) >= kp.pointee.differentiationResidence {
                            flags |= myofibroblastBit
                        }
                    }
                    flags = (flags & ~updatedBit) | parity
                    cells.flags[c] = flags
                    // A cell that can neither move nor divide nor die stays without a draw.
                    if free == .zero && !kp.pointee.canDie { continue }
                    if !kp.pointee.canDie && kp.pointee.activationRequired && !migratory { continue }
                    // Decide and commit.
                    var rng = RandomStream(seed: seed, step: step, id: Int(cells.id[c]), purpose: .cellDecision)
                    switch Rules.decide(kp, signals: signals, free: free, activated: migratory, dt: dt, rng: &rng) {
                    case .stay:
                        break
                    case let .move(d):
                        let target = Self.neighbour(s, d, nx)
                        if kp.pointee.leavesVesselTrail, let vessel { vessel[s] = 1 }
                        cells.cellAt[s] = -1
                        cells.cellAt[target] = Int32(c)
                        cells.site[c] = Int32(target)
                    case let .divide(d):
                        let target = Self.neighbour(s, d, nx)
                        let n = Int(birthCount[t])
                        guard n < birthCapacity else { break }
                        let slot = t &* birthCapacity &+ n
                        birthParent[slot] = Int32(s)
                        birthSite[slot] = Int32(target)
                        birthCount[t] = Int32(n &+ 1)
                        cells.cellAt[target] = newborn
                        cells.cycle[c] = Float(Double(step &+ 1) * dt)
                    case .die:
                        cells.cellAt[s] = -1
                        cells.flags[c] = flags | deadBit
                    }
                }
            }
        }
    }

    @inline(__always) static func neighbour(_ s: Int, _ d: Int, _ nx: Int) -> Int {
        switch d { case 0: return s &- 1; case 1: return s &+ 1; case 2: return s &- nx; default: return s &+ nx }
    }
}

