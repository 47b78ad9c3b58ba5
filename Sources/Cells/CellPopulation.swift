import SimCore

/// All cells, as a struct of arrays, plus the site -> cell index.
///
/// Memory per cell: kind 1 + flags 1 + site 4 + exposure 4 + cycle 4 + residence 4 + id 4 =
/// 22 bytes, and 4 bytes per lattice site for the index (every site holds at most one cell; the
/// compartments of skin are layers of the lattice, so "one per site" is "one per compartment").
public struct CellPopulation: Sendable {
    public private(set) var kind: [UInt8] = []
    public var flags: [UInt8] = []
    /// Flat lattice site of each cell.
    public var site: [Int32] = []
    /// Time spent at or above the kind's activation threshold [min] (timed migration).
    public var exposure: [Float] = []
    /// Time of the cell's last division, or of its creation [min] (a clock that needs no update
    /// per step: the cycle age is now minus this).
    public var cycle: [Float] = []
    /// Time spent in the wound bed [min] (fibroblast -> myofibroblast).
    public var residence: [Float] = []
    /// Stable identity: keys the cell's random stream. New cells get the next id in commit order.
    public var id: [UInt32] = []
    /// The id the next new cell gets.
    public private(set) var nextID: UInt32 = 0
    /// Cell index at each site, or -1 when empty.
    public var cellAt: [Int32]

    public let lattice: Lattice

    public init(lattice: Lattice) {
        self.lattice = lattice
        cellAt = [Int32](repeating: -1, count: lattice.count)
    }

    public var count: Int { kind.count }

    /// Replaces every cell (a checkpoint being restored): the arrays as saved, `cellAt` rebuilt
    /// from the sites. Returns a problem instead of trapping when the arrays do not fit together.
    public mutating func restore(kind k: [UInt8], flags f: [UInt8], site s: [Int32], exposure e: [Float], cycle c: [Float],
                                 residence r: [Float], id i: [UInt32], nextID n: UInt32) -> String? {
        let count = k.count
        guard [f.count, s.count, e.count, c.count, r.count, i.count].allSatisfy({ $0 == count }) else { return "cell arrays of different lengths" }
        var at = [Int32](repeating: -1, count: lattice.count)
        for (index, site) in s.enumerated() {
            guard site >= 0, Int(site) < lattice.count else { return "cell \(index) at site \(site), outside the lattice" }
            guard at[Int(site)] < 0 else { return "two cells at site \(site)" }
            guard k[index] < UInt8(CellKind.allCases.count) else { return "cell \(index) of unknown kind \(k[index])" }
            at[Int(site)] = Int32(index)
        }
        // Bit 7 marks a cell moved within a running step (older builds kept a parity there).
        kind = k; flags = f.map { $0 & ~CellFlags.moved.rawValue }; site = s; exposure = e; cycle = c; residence = r; id = i; nextID = n; cellAt = at
        return nil
    }

    /// Bytes per cell held in the arrays above (the site index is counted per site).
    public static let bytesPerCell = 22

    /// Adds a cell at an empty site and returns its index.
    @discardableResult
    public mutating func add(_ k: CellKind, at s: Int, flags f: CellFlags = [], exposure e: Float = 0, bornAt c: Float = 0) -> Int {
        precondition(cellAt[s] < 0, "site \(s) is occupied")
        let index = kind.count
        kind.append(k.rawValue); flags.append(f.rawValue); site.append(Int32(s))
        exposure.append(e); cycle.append(c); residence.append(0); id.append(nextID)
        nextID &+= 1
        cellAt[s] = Int32(index)
        return index
    }

    /// Removes the cells with any bit of `mask` in their flags by moving the last cells into
    /// their places, and re-indexes the moved cells' sites. O(removed), no allocation. The array
    /// order changes, which nothing depends on: cells are visited by site, keyed by id.
    public mutating func compact(removingFlagged mask: UInt8) {
        var r = kind.count - 1
        while r >= 0 {
            if flags[r] & mask != 0 {
                if cellAt[Int(site[r])] == Int32(r) { cellAt[Int(site[r])] = -1 }
                let last = kind.count - 1
                if r != last {
                    kind[r] = kind[last]; flags[r] = flags[last]; site[r] = site[last]; exposure[r] = exposure[last]
                    cycle[r] = cycle[last]; residence[r] = residence[last]; id[r] = id[last]
                    cellAt[Int(site[r])] = Int32(r)
                }
                kind.removeLast(); flags.removeLast(); site.removeLast(); exposure.removeLast()
                cycle.removeLast(); residence.removeLast(); id.removeLast()
            }
            r -= 1
        }
    }

    /// Puts the cells in site order, so that a scan over sites touches the cell arrays in order
    /// (births append at the end and deaths swap cells around, which scatters them over time).
    /// Changes no result: cells are visited by site and keyed by id. Reuses `scratch`.
    public mutating func sortBySite(scratch: inout [Int32]) {
        scratch.removeAll(keepingCapacity: true)
        for s in cellAt.indices where cellAt[s] >= 0 { scratch.append(cellAt[s]) }
        guard scratch.count == count else { return }  // births pending: leave as is
        func permute<T>(_ a: inout [T]) { let old = a; for (i, c) in scratch.enumerated() { a[i] = old[Int(c)] } }
        permute(&kind); permute(&flags); permute(&site); permute(&exposure); permute(&cycle); permute(&residence); permute(&id)
        for (i, s) in site.enumerated() { cellAt[Int(s)] = Int32(i) }
    }

    /// Number of cells of a kind.
    public func count(of k: CellKind) -> Int { kind.reduce(0) { $0 + ($1 == k.rawValue ? 1 : 0) } }

    /// Checks the invariants: every cell's site points back at it, every index entry points at a
    /// cell on that site, ids are unique. Returns a description of the first violation.
    public func invariantViolation() -> String? {
        var seen = 0
        for (s, c) in cellAt.enumerated() where c >= 0 {
            guard Int(c) < count, Int(site[Int(c)]) == s else { return "site \(s) indexes cell \(c), which is not there" }
            seen += 1
        }
        guard seen == count else { return "\(count) cells but \(seen) occupied sites: two cells share a site" }
        if Set(id).count != count { return "duplicate cell ids" }
        return nil
    }
}

/// Unsafe views of a population's arrays, taken once per parallel phase. Whoever holds them
/// must write only the cells and sites its chunk owns.
public struct PopulationPointers: @unchecked Sendable {
    public let kind: UnsafeMutableBufferPointer<UInt8>
    public let flags: UnsafeMutableBufferPointer<UInt8>
    public let site: UnsafeMutableBufferPointer<Int32>
    public let exposure: UnsafeMutableBufferPointer<Float>
    public let cycle: UnsafeMutableBufferPointer<Float>
    public let residence: UnsafeMutableBufferPointer<Float>
    public let id: UnsafeMutableBufferPointer<UInt32>
    public let cellAt: UnsafeMutableBufferPointer<Int32>
}

extension CellPopulation {
    /// Runs `body` with unsafe views of every array. Cells may not be added or removed inside.
    public mutating func withPointers<R>(_ body: (PopulationPointers) -> R) -> R {
        kind.withUnsafeMutableBufferPointer { kind in
            flags.withUnsafeMutableBufferPointer { flags in
                site.withUnsafeMutableBufferPointer { site in
                    exposure.withUnsafeMutableBufferPointer { exposure in
                        cycle.withUnsafeMutableBufferPointer { cycle in
                            residence.withUnsafeMutableBufferPointer { residence in
                                id.withUnsafeMutableBufferPointer { id in
                                    cellAt.withUnsafeMutableBufferPointer { cellAt in
                                        body(PopulationPointers(kind: kind, flags: flags, site: site, exposure: exposure, cycle: cycle,
                                                                residence: residence, id: id, cellAt: cellAt))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
