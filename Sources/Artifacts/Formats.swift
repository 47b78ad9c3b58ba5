import Foundation

/// Encoders of the file formats woundsim writes that know nothing of the model: numbers as
/// CSV text, NumPy `.npy`, VTK XML data arrays and image data, JSON. The run module adds the
/// encoders of the world's state (`Formats.timeseriesCSV`, `vtp`, `cellsCSV`).
public enum Formats {
    /// Shortest text that reads back as the same double.
    public static func fmt(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// A NumPy `.npy` file (format 1.0): little-endian float32, C order, the given shape.
    /// Float32 keeps snapshots half the size; concentrations need no more than 7 digits here.
    public static func npy(_ values: UnsafeBufferPointer<Double>, shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count)
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(float32Bytes(values))
        return data
    }

    /// Little-endian float32 bytes of the values.
    public static func float32Bytes(_ values: UnsafeBufferPointer<Double>) -> Data {
        var out = Data(count: values.count * 4)
        out.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: Float(v).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        return out
    }

    /// One VTK XML binary data array: base64 of a UInt32 byte count followed by the bytes.
    public static func vtkArray(_ name: String, type: String, components: Int = 1, _ bytes: Data) -> String {
        var block = Data()
        var n = UInt32(bytes.count).littleEndian
        withUnsafeBytes(of: &n) { block.append(contentsOf: $0) }
        block.append(bytes)
        return "<DataArray type=\"\(type)\" Name=\"\(name)\" NumberOfComponents=\"\(components)\" format=\"binary\">\(block.base64EncodedString())</DataArray>\n"
    }

    /// A `.vti` (VTK XML ImageData) with one cell-data array per named buffer (`scalars` names the active one): each lattice site is
    /// a VTK cell of size `spacing` [um], so values sit at site centres as in the model.
    public static func vti(nx: Int, ny: Int, nz: Int, spacing h: Double, scalars: String, arrays: [(name: String, values: UnsafeBufferPointer<Double>)]) -> Data {
        vti(nx: nx, ny: ny, nz: nz, spacing: h, scalars: scalars, float32: arrays.map { (name: $0.name, bytes: float32Bytes($0.values)) })
    }

    /// The same `.vti` from arrays already encoded as little-endian float32 (`float32Bytes`).
    public static func vti(nx: Int, ny: Int, nz: Int, spacing h: Double, scalars: String, float32 arrays: [(name: String, bytes: Data)]) -> Data {
        var out = "<?xml version=\"1.0\"?>\n<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt32\">\n"
        out += "<ImageData WholeExtent=\"0 \(nx) 0 \(ny) 0 \(nz)\" Origin=\"0 0 0\" Spacing=\"\(h) \(h) \(h)\">\n"
        out += "<Piece Extent=\"0 \(nx) 0 \(ny) 0 \(nz)\">\n<CellData Scalars=\"\(scalars)\">\n"
        for a in arrays { out += vtkArray(a.name, type: "Float32", a.bytes) }
        out += "</CellData>\n</Piece>\n</ImageData>\n</VTKFile>\n"
        return Data(out.utf8)
    }

    /// Deterministic JSON (sorted keys), for `summary.json` and `manifest.json`.
    public static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
    }
}
