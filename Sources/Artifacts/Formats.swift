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
        out.withUnsafeMutableBytes { storeFloat32(values, into: $0) }
        return out
    }

    /// Stores the values as little-endian float32 at the start of `raw` (at least 4 bytes each).
    @inline(__always)
    package static func storeFloat32(_ values: UnsafeBufferPointer<Double>, into raw: UnsafeMutableRawBufferPointer) {
        precondition(raw.count >= 4 * values.count)
        for (i, v) in values.enumerated() { raw.storeBytes(of: Float(v).bitPattern.littleEndian, toByteOffset: 4 &* i, as: UInt32.self) }
    }

    /// Appends one VTK XML binary data array to `out`: its tag, and base64 of a UInt32 byte count
    /// followed by the `byteCount` bytes that `fill` writes. The text is built as bytes in one
    /// buffer (a 3-D wound's `.vti` is 160 MB of base64, which a string built piece by piece copied
    /// several times over).
    public static func appendVTKArray(_ name: String, type: String, components: Int = 1, byteCount: Int, to out: inout [UInt8],
                                      _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        precondition(byteCount >= 0 && byteCount <= Int(UInt32.max))
        out.append(contentsOf: "<DataArray type=\"\(type)\" Name=\"\(name)\" NumberOfComponents=\"\(components)\" format=\"binary\">".utf8)
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 + byteCount, alignment: 8)
        defer { block.deallocate() }
        block.storeBytes(of: UInt32(byteCount).littleEndian, toByteOffset: 0, as: UInt32.self)
        fill(UnsafeMutableRawBufferPointer(rebasing: block[4...]))
        appendBase64(UnsafeRawBufferPointer(block), to: &out)
        out.append(contentsOf: "</DataArray>\n".utf8)
    }

    /// The base64 alphabet (RFC 4648 section 4).
    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Appends the base64 text of `bytes` (RFC 4648, padded with `=`, no line breaks) to `out`:
    /// the same characters as Foundation's `base64EncodedString()`.
    public static func appendBase64(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let n = bytes.count, start = out.count, length = (n + 2) / 3 * 4
        out.append(contentsOf: repeatElement(UInt8(ascii: "="), count: length))
        guard n > 0 else { return }
        let src = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        base64Alphabet.withUnsafeBufferPointer { table in
            out.withUnsafeMutableBufferPointer { o in
                let t = table.baseAddress!, d = o.baseAddress! + start
                var i = 0, w = 0
                while i &+ 3 <= n {
                    let v = UInt32(src[i]) << 16 | UInt32(src[i &+ 1]) << 8 | UInt32(src[i &+ 2])
                    d[w] = t[Int(v >> 18)]; d[w &+ 1] = t[Int(v >> 12 & 63)]
                    d[w &+ 2] = t[Int(v >> 6 & 63)]; d[w &+ 3] = t[Int(v & 63)]
                    i &+= 3; w &+= 4
                }
                if i < n {     // one or two bytes left: two or three characters, the rest stays `=`
                    let two = i &+ 1 < n
                    let v = UInt32(src[i]) << 16 | (two ? UInt32(src[i &+ 1]) << 8 : 0)
                    d[w] = t[Int(v >> 18)]; d[w &+ 1] = t[Int(v >> 12 & 63)]
                    if two { d[w &+ 2] = t[Int(v >> 6 & 63)] }
                }
            }
        }
    }

    /// A `.vti` (VTK XML ImageData) with one float32 cell-data array per entry of `arrays` (its
    /// name and byte count; `fill(a, raw)` writes array `a`'s bytes), built as bytes in one buffer.
    /// `scalars` names the active array.
    package static func vti(nx: Int, ny: Int, nz: Int, spacing h: Double, scalars: String, arrays: [(name: String, byteCount: Int)],
                            fill: (Int, UnsafeMutableRawBufferPointer) -> Void) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(512 + arrays.reduce(0) { $0 + 160 + (4 + $1.byteCount + 2) / 3 * 4 })
        out.append(contentsOf: ("<?xml version=\"1.0\"?>\n<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt32\">\n"
            + "<ImageData WholeExtent=\"0 \(nx) 0 \(ny) 0 \(nz)\" Origin=\"0 0 0\" Spacing=\"\(h) \(h) \(h)\">\n"
            + "<Piece Extent=\"0 \(nx) 0 \(ny) 0 \(nz)\">\n<CellData Scalars=\"\(scalars)\">\n").utf8)
        for (a, array) in arrays.enumerated() {
            appendVTKArray(array.name, type: "Float32", byteCount: array.byteCount, to: &out) { fill(a, $0) }
        }
        out.append(contentsOf: "</CellData>\n</Piece>\n</ImageData>\n</VTKFile>\n".utf8)
        return Data(out)
    }

    /// A `.vti` (VTK XML ImageData) with one cell-data array per named buffer (`scalars` names the active one): each lattice site is
    /// a VTK cell of size `spacing` [um], so values sit at site centres as in the model. Values are written as float32.
    public static func vti(nx: Int, ny: Int, nz: Int, spacing h: Double, scalars: String, arrays: [(name: String, values: UnsafeBufferPointer<Double>)]) -> Data {
        vti(nx: nx, ny: ny, nz: nz, spacing: h, scalars: scalars, arrays: arrays.map { (name: $0.name, byteCount: 4 * $0.values.count) }) { a, raw in
            storeFloat32(arrays[a].values, into: raw)
        }
    }

    /// The same `.vti` from arrays already encoded as little-endian float32 (`float32Bytes`).
    public static func vti(nx: Int, ny: Int, nz: Int, spacing h: Double, scalars: String, float32 arrays: [(name: String, bytes: Data)]) -> Data {
        vti(nx: nx, ny: ny, nz: nz, spacing: h, scalars: scalars, arrays: arrays.map { (name: $0.name, byteCount: $0.bytes.count) }) { a, raw in
            arrays[a].bytes.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
    }

    /// Deterministic JSON (sorted keys), for `summary.json` and `manifest.json`.
    public static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
    }
}
