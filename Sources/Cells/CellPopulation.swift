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
    /// Time since the cell's last division [min].
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

    /// Bytes per cell held in the arrays above (the site index is counted per site).
    public static let bytesPerCell = 22

    /// Adds a cell at an empty site and returns its index.
    @discardableResult
    public mutating func add(_ k: CellKind, at s: Int, flags f: CellFlags = [], exposure e: Float = 0, cycle c: Float = 0) -> Int {
        precondition(cellAt[s] < 0, "site \(s) is occupied")
        let index = kind.count
        kind.append(k.rawValue); flags.append(f.rawValue); site.append(Int32(s))
        exposure.append(e); cycle.append(c); residence.append(0); id.append(nextID)
        nextID &+= 1
        cellAt[s] = Int32(index)
        return index
    }

    /// Removes the cells with any bit of `mask` in their flags, keeping the order of the others
    /// (so that the result does not depend on how removal was scheduled), and re-indexes the
    /// sites. No allocation.
    public mutating func compact(removingFlagged mask: UInt8) {
        var w = 0
        for r in 0..<kind.count {
            if flags[r] & mask != 0 {
                if cellAt[Int(site[r])] == Int32(r) { cellAt[Int(site[r])] = -1 }
                continue
            }
            if w != r {
                kind[w] = kind[r]; flags[w] = flags[r]; site[w] = site[r]; exposure[w] = exposure[r]
                cycle[w] = cycle[r]; residence[w] = residence[r]; id[w] = id[r]
            }
            cellAt[Int(site[w])] = Int32(w)
            w += 1
        }
        let removed = kind.count - w
        if removed > 0 {
            kind.removeLast(removed); flags.removeLast(removed); site.removeLast(removed); exposure.removeLast(removed)
            cycle.removeLast(removed); residence.removeLast(removed); id.removeLast(removed)
        }
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
