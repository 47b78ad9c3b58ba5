import Cells
import Fields
import SimCore

/// What a scratch assay is measured by, as image analysis of a scratch does it, on the top layer
/// of the lattice (the monolayer):
///
/// - the **sheet**: the cells connected, through cells on their 8 surrounding sites, to a cell
///   outside the scratch (the monolayer on either side);
/// - the **gap** of a row: the longest run of sites without a sheet cell that overlaps the
///   scratch; its ends are the detected leading edges. Gap closure [%] is
///   `100 (1 - sum of gaps / sum of initial scratch widths)` over the rows; the area measure
///   (`closure_pct`) stays beside it;
/// - **detached cells ahead**: cells inside the scratch that are not part of the sheet and sit in
///   their row's gap more than 100 um from both edges, as a share of all cells inside the scratch;
/// - **edge-migration onset**: the first time 10 % of the cells that lined the scratch at t = 0
///   (within one site of it) have moved at least one site further into it.
struct ScratchGeometry: Sendable {
    let nx: Int, ny: Int
    /// First site index of the top layer.
    let layerStart: Int
    /// Per x-y position: inside the scratch.
    let inside: [Bool]
    /// Scratch sites per row at t = 0.
    let widthSites: [Int]
    /// Scratch centre [sites, along x].
    let centre: Double
    /// Per initial cell id: the distance of its start from the centre line [sites], or -1 when
    /// it did not line the scratch.
    let edgeStart: [Float]
    let edgeCount: Int
    /// How far ahead of a detected edge a detached cell counts [sites] (100 um).
    let aheadSites: Int

    init?(_ config: ModelConfig, lattice: Lattice, regions: RegionMap, cells: CellPopulation) {
        guard case .scratch = config.wound else { return nil }
        nx = lattice.nx; ny = lattice.ny
        let plane = nx * ny
        layerStart = (lattice.nz - 1) * plane
        var inside = [Bool](repeating: false, count: plane)
        var widths = [Int](repeating: 0, count: ny)
        for p in 0..<plane {
            let r = regions.ids[layerStart + p]
            if r == Tissue.woundBed || r == Tissue.woundSurface { inside[p] = true; widths[p / nx] += 1 }
        }
        self.inside = inside
        widthSites = widths
        let h = lattice.spacing
        centre = config.woundCentre.x * Double(nx) - 0.5
        var start = [Float](repeating: -1, count: Int(cells.nextID))
        var count = 0
        for c in 0..<cells.count {
            let s = Int(cells.site[c])
            guard s >= layerStart else { continue }
            let p = s - layerStart
            let x = p % nx
            if inside[p] { continue }
            // Lines the scratch: a neighbour along x is inside.
            if (x > 0 && inside[p - 1]) || (x < nx - 1 && inside[p + 1]) {
                start[Int(cells.id[c])] = Float(abs(Double(x) - centre))
                count += 1
            }
        }
        edgeStart = start
        edgeCount = count
        aheadSites = Int((100 / h).rounded(.up))
    }

    /// Gap closure [%], mean gap [um] and the share of detached cells ahead of the edges [%].
    func measure(_ cells: CellPopulation, spacing h: Double) -> (gapClosure: Double, meanGap: Double, detachedAhead: Double) {
        let plane = nx * ny
        // 0 empty, 1 a cell, 2 a sheet cell.
        var mark = [UInt8](repeating: 0, count: plane)
        var queue: [Int32] = []
        queue.reserveCapacity(plane)
        for p in 0..<plane where cells.cellAt[layerStart + p] >= 0 {
            if inside[p] { mark[p] = 1 } else { mark[p] = 2; queue.append(Int32(p)) }
        }
        var head = 0
        while head < queue.count {
            let p = Int(queue[head]); head += 1
            let x = p % nx, y = p / nx
            for dy in -1...1 {
                let yy = y + dy
                if yy < 0 || yy >= ny { continue }
                for dx in -1...1 {
                    let xx = x + dx
                    if xx < 0 || xx >= nx { continue }
                    let q = yy * nx + xx
                    if mark[q] == 1 { mark[q] = 2; queue.append(Int32(q)) }
                }
            }
        }
        var gapSum = 0, widthSum = 0, ahead = 0, insideCells = 0
        for y in 0..<ny where widthSites[y] > 0 {
            widthSum += widthSites[y]
            // The longest run without a sheet cell that overlaps the scratch.
            var best = (start: 0, length: 0)
            var x = 0
            while x < nx {
                if mark[y * nx + x] == 2 { x += 1; continue }
                let start = x
                var overlaps = false
                while x < nx, mark[y * nx + x] != 2 { if inside[y * nx + x] { overlaps = true }; x += 1 }
                if overlaps, x - start > best.length { best = (start, x - start) }
            }
            gapSum += best.length
            for x in 0..<nx where inside[y * nx + x] && mark[y * nx + x] != 0 {
                insideCells += 1
                if mark[y * nx + x] == 1, best.length > 0, x - best.start >= aheadSites, best.start + best.length - 1 - x >= aheadSites { ahead += 1 }
            }
        }
        let closure = widthSum == 0 ? 100 : 100 * (1 - Double(gapSum) / Double(widthSum))
        let rows = widthSites.filter { $0 > 0 }.count
        return (closure, rows == 0 ? 0 : Double(gapSum) * h / Double(rows), insideCells == 0 ? 0 : 100 * Double(ahead) / Double(insideCells))
    }

    /// The share of the edge cells [%] that have moved at least one site into the scratch.
    func migratedEdgeShare(_ cells: CellPopulation) -> Double {
        guard edgeCount > 0 else { return 0 }
        var moved = 0
        for c in 0..<cells.count {
            let id = Int(cells.id[c])
            guard id < edgeStart.count, edgeStart[id] >= 0 else { continue }
            let p = Int(cells.site[c]) - layerStart
            guard p >= 0 else { continue }
            if Float(abs(Double(p % nx) - centre)) <= edgeStart[id] - 1 { moved += 1 }
        }
        return 100 * Double(moved) / Double(edgeCount)
    }
}
