import Cells
import Foundation
import SimCore
import Simulation

/// File formats of the run folder.
public enum Formats {
    /// `timeseries.csv`: DESIGN.md's columns, then vessel density; factor means over the wound.
    public static func timeseriesCSV(_ rows: [Observation], factorNames: [String]) -> String {
        var header = ["time_h", "wound_area_mm2", "closure_pct", "keratinocytes", "fibroblasts", "myofibroblasts", "endothelial",
                      "keratinocytes_in_wound", "fibroblasts_in_wound", "endothelial_in_wound", "collagen_in_wound"]
        header += factorNames.map { "\($0)_mean_ngml" }
        header.append("vessel_density_in_wound")
        var out = header.joined(separator: ",") + "\n"
        for o in rows {
            var cells = [fmt(o.timeHours), fmt(o.woundAreaMM2), fmt(o.closurePercent), "\(o.keratinocytes)", "\(o.fibroblasts)",
                         "\(o.myofibroblasts)", "\(o.endothelial)", "\(o.keratinocytesInWound)", "\(o.fibroblastsInWound)",
                         "\(o.endothelialInWound)", fmt(o.collagenInWound)]
            cells += o.factorMeans.map(fmt)
            cells.append(fmt(o.vesselDensity))
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Shortest text that reads back as the same double.
    public static func fmt(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// A NumPy `.npy` file (format 1.0): little-endian float64, C order, the given shape.
    public static func npy(_ values: UnsafeBufferPointer<Double>, shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count)
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for v in values {
            var bits = v.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// `cells/cells_tNNNNNmin.csv`: one row per cell.
    /// - Parameter time: the current time [min], for each cell's time since division.
    public static func cellsCSV(_ cells: CellPopulation, time: Double) -> String {
        var out = "id,kind,x,y,layer,migratory,myofibroblast,exposure_min,since_division_min\n"
        let l = cells.lattice
        for c in 0..<cells.count {
            let (i, j, k) = l.coordinates(of: Int(cells.site[c]))
            let f = CellFlags(rawValue: cells.flags[c])
            out += "\(cells.id[c]),\(CellKind(rawValue: cells.kind[c])!),\(i),\(j),\(k),\(f.contains(.migratory) ? 1 : 0),"
            out += "\(f.contains(.myofibroblast) ? 1 : 0),\(fmt(Double(cells.exposure[c]))),\(fmt(time - Double(cells.cycle[c])))\n"
        }
        return out
    }

    /// Deterministic JSON (sorted keys), for `summary.json` and `manifest.json`.
    public static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
    }
}
