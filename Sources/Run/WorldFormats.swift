import Artifacts
import Cells
import Fields
import Foundation
import SimCore
import Simulation

/// The run folder's encoders of the world's state (the model-free ones live in `Artifacts`).
extension Formats {
    /// `timeseries.csv`: DESIGN.md's columns, then vessel density; factor means over the wound,
    /// at the row's time and averaged over the output interval that ends there.
    public static func timeseriesCSV(_ rows: [Observation], factorNames: [String]) -> String {
        var header = ["time_h", "wound_area_mm2", "closure_pct", "keratinocytes", "fibroblasts", "myofibroblasts", "endothelial",
                      "keratinocytes_in_wound", "fibroblasts_in_wound", "endothelial_in_wound", "collagen_in_wound"]
        header += factorNames.map { "\($0)_mean_ngml" }
        header += factorNames.map { "\($0)_interval_mean_ngml" }
        header.append("vessel_density_in_wound")
        // Scratch assays add the edge-detected gap (ScratchGeometry).
        let scratch = rows.first?.gapClosurePercent != nil
        if scratch { header += ["gap_closure_pct", "gap_um", "detached_ahead_pct"] }
        // Scenarios with macrophages add their counts by state.
        let macrophages = rows.first?.macrophages != nil
        if macrophages { header += ["macrophages", "macrophages_inflammatory", "macrophages_repair", "macrophages_in_wound", "macrophages_inflammatory_share_in_wound"] }
        // Scenarios with neutrophils add theirs.
        let neutrophils = rows.first?.neutrophils != nil
        if neutrophils { header += ["neutrophils", "neutrophils_in_wound"] }
        // Scenarios with mechanics add the contraction and the closure in space.
        let mechanics = rows.first?.contractionPercent != nil
        if mechanics { header += ["contraction_pct", "closure_with_contraction_pct"] }
        var out = header.joined(separator: ",") + "\n"
        for o in rows {
            var cells = [fmt(o.timeHours), fmt(o.woundAreaMM2), fmt(o.closurePercent), "\(o.keratinocytes)", "\(o.fibroblasts)",
                         "\(o.myofibroblasts)", "\(o.endothelial)", "\(o.keratinocytesInWound)", "\(o.fibroblastsInWound)",
                         "\(o.endothelialInWound)", fmt(o.collagenInWound)]
            cells += o.factorMeans.map(fmt)
            cells += o.factorIntervalMeans.map(fmt)
            cells.append(fmt(o.vesselDensity))
            if scratch { cells += [fmt(o.gapClosurePercent ?? 0), fmt(o.meanGapUM ?? 0), fmt(o.detachedAheadPercent ?? 0)] }
            if macrophages {
                let m = o.macrophages ?? MacrophageCounts(total: 0, repair: 0, inWound: 0, repairInWound: 0)
                cells += ["\(m.total)", "\(m.inflammatory)", "\(m.repair)", "\(m.inWound)", fmt(m.inflammatoryShareInWound)]
            }
            if neutrophils { cells += ["\(o.neutrophils?.total ?? 0)", "\(o.neutrophils?.inWound ?? 0)"] }
            if mechanics { cells += [fmt(o.contractionPercent ?? 0), fmt(o.closureWithContractionPercent ?? 0)] }
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    /// The timeseries `prior` (a checkpoint's, header included) continued by the rows of `body`
    /// (a timeseries of this version, header included). When a checkpoint from an older version
    /// has other columns, the new rows are written in the prior's columns, picked by name (a
    /// column the new rows lack is left empty), so every row of the file has one layout.
    public static func continuing(_ prior: String, with body: String) -> String {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: true)
        guard let newHeader = lines.first else { return prior }
        let priorHeader = prior.prefix { $0 != "\n" }
        if priorHeader == newHeader { return prior + lines.dropFirst().map { $0 + "\n" }.joined() }
        let names = newHeader.split(separator: ",", omittingEmptySubsequences: false)
        var index: [Substring: Int] = [:]
        for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
        let order = priorHeader.split(separator: ",", omittingEmptySubsequences: false).map { index[$0] }
        var out = prior
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            out += order.map { $0.map { String(cells[$0]) } ?? "" }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// A `.vti` (VTK XML ImageData) with one cell-data array per factor [ng/mL], then one per
    /// tissue map (`tissueMaps`, skin only). Loads in ParaView.
    public static func vti(_ fields: FieldSet, names: [String], tissue: [TissueMap] = []) -> Data {
        let l = fields.lattice
        let arrays = names.map { (name: "\($0)_ngml", byteCount: 4 * l.count) } + tissue.map { (name: $0.name, byteCount: 4 * $0.values.count) }
        return vti(nx: l.nx, ny: l.ny, nz: l.nz, spacing: l.spacing, scalars: names.first ?? "", arrays: arrays) { a, raw in
            if a < names.count {
                storeFloat32(UnsafeBufferPointer(fields.buffer(a)), into: raw)
            } else {
                tissue[a - names.count].values.withUnsafeBufferPointer { storeFloat32($0, into: raw) }
            }
        }
    }

    /// One per-site map of the tissue's own state, in site order (shape nz, ny, nx).
    public struct TissueMap: Sendable {
        /// `collagen`, `vessel` or `myofibroblast`: the file stem and the VTK array's name.
        public let name: String
        /// What a value means, for the report and the frames' colour bar.
        public let meaning: String
        public let values: [Double]
    }

    /// The tissue maps' names (file stems, VTK array names) and meanings, in the order they are
    /// written and shown.
    public static let tissueMapMeanings: [(name: String, meaning: String)] = [
        ("collagen", "collagen [fraction of intact dermis]"), ("vessel", "vessel sites"), ("myofibroblast", "myofibroblasts"),
    ]

    /// The tissue's own state per site, written beside the factors at snapshot times: collagen
    /// (a fraction of intact dermis's, in [0, 1]), vessel (1 at a vessel site, else 0) and
    /// myofibroblast (1 where a myofibroblast sits, else 0). Empty in a dish, which has neither
    /// vessels nor a dermis to lay collagen in. Oxygen, where modelled, is a factor (`quasi_steady`).
    public static func tissueMaps(_ world: World) -> [TissueMap] {
        guard world.config.culture == nil else { return [] }
        let n = world.lattice.count
        var collagen = [Double](repeating: 0, count: n), vessel = [Double](repeating: 0, count: n)
        var myo = [Double](repeating: 0, count: n)
        for s in 0..<n {
            collagen[s] = Double(world.collagen[s])
            vessel[s] = world.vessel[s] != 0 ? 1 : 0
        }
        let cells = world.cells
        for c in 0..<cells.count where cells.flags[c] & CellFlags.myofibroblast.rawValue != 0 { myo[Int(cells.site[c])] = 1 }
        return zip(tissueMapMeanings, [collagen, vessel, myo]).map { TissueMap(name: $0.0.name, meaning: $0.0.meaning, values: $0.1) }
    }

    /// A `.vtp` (VTK XML PolyData) with one vertex per cell at its site centre [um], and its kind
    /// (0 keratinocyte, 1 fibroblast, 2 endothelial, 3 macrophage, 4 neutrophil), migratory and myofibroblast flags.
    public static func vtp(_ cells: CellPopulation) -> Data {
        let l = cells.lattice, h = l.spacing, n = cells.count
        var out: [UInt8] = []
        out.reserveCapacity(1024 + (4 + 26 * n) * 4 / 3 + 6 * 8)
        out.append(contentsOf: ("<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt32\">\n"
            + "<PolyData>\n<Piece NumberOfPoints=\"\(n)\" NumberOfVerts=\"\(n)\" NumberOfLines=\"0\" NumberOfStrips=\"0\" NumberOfPolys=\"0\">\n"
            + "<PointData Scalars=\"kind\">\n").utf8)
        appendVTKArray("kind", type: "Int32", byteCount: 4 * n, to: &out) { k in
            for i in 0..<n { k.storeBytes(of: Int32(cells.kind[i]).littleEndian, toByteOffset: 4 * i, as: Int32.self) }
        }
        appendVTKArray("migratory", type: "UInt8", byteCount: n, to: &out) { m in
            for i in 0..<n { m.storeBytes(of: cells.flags[i] & CellFlags.migratory.rawValue != 0 ? 1 : 0, toByteOffset: i, as: UInt8.self) }
        }
        appendVTKArray("myofibroblast", type: "UInt8", byteCount: n, to: &out) { y in
            for i in 0..<n { y.storeBytes(of: cells.flags[i] & CellFlags.myofibroblast.rawValue != 0 ? 1 : 0, toByteOffset: i, as: UInt8.self) }
        }
        out.append(contentsOf: "</PointData>\n<Points>\n".utf8)
        appendVTKArray("position_um", type: "Float32", components: 3, byteCount: 12 * n, to: &out) { p in
            for i in 0..<n {
                let (x, yy, z) = l.coordinates(of: Int(cells.site[i]))
                p.storeBytes(of: Float((Double(x) + 0.5) * h).bitPattern.littleEndian, toByteOffset: 12 * i, as: UInt32.self)
                p.storeBytes(of: Float((Double(yy) + 0.5) * h).bitPattern.littleEndian, toByteOffset: 12 * i + 4, as: UInt32.self)
                p.storeBytes(of: Float((Double(z) + 0.5) * h).bitPattern.littleEndian, toByteOffset: 12 * i + 8, as: UInt32.self)
            }
        }
        out.append(contentsOf: "</Points>\n<Verts>\n".utf8)
        appendVTKArray("connectivity", type: "Int32", byteCount: 4 * n, to: &out) { c in
            for i in 0..<n { c.storeBytes(of: Int32(i).littleEndian, toByteOffset: 4 * i, as: Int32.self) }
        }
        appendVTKArray("offsets", type: "Int32", byteCount: 4 * n, to: &out) { o in
            for i in 0..<n { o.storeBytes(of: Int32(i + 1).littleEndian, toByteOffset: 4 * i, as: Int32.self) }
        }
        out.append(contentsOf: "</Verts>\n</Piece>\n</PolyData>\n</VTKFile>\n".utf8)
        return Data(out)
    }

    /// `cells/cells_tNNNNNmin.csv`: one row per cell.
    /// - Parameter time: the current time [min], for each cell's time since division.
    public static func cellsCSV(_ cells: CellPopulation, time: Double) -> Data {
        var out: [UInt8] = Array("id,kind,x,y,layer,migratory,myofibroblast,exposure_min,since_division_min\n".utf8)
        out.reserveCapacity(out.count + 48 * cells.count)
        let l = cells.lattice
        // Each kind's name, by raw value (the text `CellKind.description` gives).
        let names = (0...Int(UInt8.max)).map { CellKind(rawValue: UInt8($0)).map { Array("\($0)".utf8) } ?? [] }
        for c in 0..<cells.count {
            let (i, j, k) = l.coordinates(of: Int(cells.site[c]))
            let f = cells.flags[c]
            appendDecimal(Int(cells.id[c]), to: &out); out.append(UInt8(ascii: ","))
            precondition(!names[Int(cells.kind[c])].isEmpty, "a cell of no known kind")
            out.append(contentsOf: names[Int(cells.kind[c])]); out.append(UInt8(ascii: ","))
            appendDecimal(i, to: &out); out.append(UInt8(ascii: ","))
            appendDecimal(j, to: &out); out.append(UInt8(ascii: ","))
            appendDecimal(k, to: &out); out.append(UInt8(ascii: ","))
            out.append(f & CellFlags.migratory.rawValue != 0 ? UInt8(ascii: "1") : UInt8(ascii: "0")); out.append(UInt8(ascii: ","))
            out.append(f & CellFlags.myofibroblast.rawValue != 0 ? UInt8(ascii: "1") : UInt8(ascii: "0")); out.append(UInt8(ascii: ","))
            out.append(contentsOf: fmt(Double(cells.exposure[c])).utf8); out.append(UInt8(ascii: ","))
            out.append(contentsOf: fmt(time - Double(cells.cycle[c])).utf8); out.append(UInt8(ascii: "\n"))
        }
        return Data(out)
    }

    /// Appends the decimal digits of `v` (with a minus sign when negative), as `String(v)` writes them.
    @inline(__always)
    static func appendDecimal(_ v: Int, to out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)     // up to 20 digits, last first
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[n] = UInt8(ascii: "0") &+ UInt8(m % 10); m /= 10; n &+= 1 } while m > 0
            var q = n
            while q > 0 { q &-= 1; out.append(d[q]) }
        }
    }
}
