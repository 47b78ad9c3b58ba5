import Artifacts
import Foundation
import XCTest

/// The model-free encoders: SHA-256 against the NIST test vectors (FIPS 180-2 appendix B and the
/// padding boundaries), `.npy` headers as NumPy reads them, deterministic JSON, atomic writes.
final class ArtifactsTests: XCTestCase {
    func testSHA256NISTVectors() {
        let vectors: [(String, String)] = [
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ]
        for (message, digest) in vectors {
            XCTAssertEqual(SHA256.hex(Data(message.utf8)), digest, "\"\(message)\"")
        }
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "one million 'a'")
    }

    /// Lengths around the 56- and 64-byte block boundaries, where padding takes one or two blocks.
    func testSHA256PaddingBoundaries() {
        let expected: [Int: String] = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            65: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
            119: "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb",
            120: "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c",
        ]
        for (n, digest) in expected {
            let bytes = [UInt8](repeating: 0x61, count: n)
            XCTAssertEqual(SHA256.hex(bytes), digest, "\(n) bytes")
            XCTAssertEqual(SHA256.digest(bytes).map { String(format: "%02x", $0) }.joined(), digest, "\(n) bytes as raw digest")
        }
    }

    /// The SHA extensions' compression against the portable one: the NIST vectors through each,
    /// then random messages of every length from 0 to 300 bytes (one to six blocks with their
    /// padding) and a few of megabytes, which must give the same digest both ways. On a CPU
    /// without the instructions only the portable path is checked (and `implementation` must
    /// then be it).
    func testSHA256InstructionsMatchPortable() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        let long = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        let ways = SHA256.Implementation.allCases.filter { $0 == .portable || SHA256.instructionsAvailable }
        XCTAssertEqual(SHA256.implementation, SHA256.instructionsAvailable ? .instructions : .portable)
        for way in ways {
            XCTAssertEqual(hex(SHA256.digest(Data("abc".utf8), using: way)), abc, "\(way)")
            XCTAssertEqual(hex(SHA256.digest(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8), using: way)), long, "\(way)")
        }
        guard ways.count == 2 else { return }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func byte() -> UInt8 { state = state &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: state >> 56) }
        for n in Array(0...300) + [1 << 20, 3 << 20 + 17] {
            let data = Data((0..<n).map { _ in byte() })
            XCTAssertEqual(SHA256.digest(data, using: .instructions), SHA256.digest(data, using: .portable), "\(n) bytes")
        }
    }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// NumPy format 1.0: magic, version, a header padded so the data starts at a multiple of 64,
    /// then little-endian float32 values in C order.
    func testNpyLayout() {
        let values: [Double] = [0, 1.5, -2, 3.25, 1e-3, 7]
        let data = values.withUnsafeBufferPointer { Formats.npy($0, shape: [1, 2, 3]) }
        let bytes = [UInt8](data)
        XCTAssertEqual(Array(bytes[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }"))
        XCTAssertTrue(header.hasSuffix("\n"))
        XCTAssertEqual(bytes.count, 10 + headerLength + 4 * values.count)
        for (i, v) in values.enumerated() {
            let o = 10 + headerLength + 4 * i
            let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
            XCTAssertEqual(Float(bitPattern: bits), Float(v))
        }
        let vector = [2.0].withUnsafeBufferPointer { Formats.npy($0, shape: [1]) }
        XCTAssertTrue(String(decoding: vector.prefix(80), as: UTF8.self).contains("'shape': (1,)"))
    }

    func testJSONIsDeterministic() {
        let value = JSONValue.object(["b": .array([.number(1), .number(0.5), .null, .bool(true)]), "a": .string("q\"\n\u{1}")])
        let text = String(decoding: value.data, as: UTF8.self)
        XCTAssertEqual(text, "{\n  \"a\": \"q\\\"\\n\\u0001\",\n  \"b\": [\n    1,\n    0.5,\n    null,\n    true\n  ]\n}\n")
        XCTAssertEqual(String(decoding: JSONValue.number(.nan).data, as: UTF8.self), "null\n")
        let parsed = try? JSONSerialization.jsonObject(with: value.data) as? [String: Any]
        XCTAssertEqual(parsed?["a"] as? String, "q\"\n\u{1}")
    }

    func testAtomicWriteLeavesNoTemporary() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-atomic-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("deep/file.txt")
        try AtomicFile.write(Data("one".utf8), to: target)
        try AtomicFile.write(Data("two".utf8), to: target)
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "two")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path), ["file.txt"])
        XCTAssertThrowsError(try AtomicFile.write(Data(), to: target.appendingPathComponent("under-a-file")))
    }

    func testDrawingIsClippedToTheImage() {
        // A frame's label runs past a narrow image's right edge (a 360-site lattice draws at one
        // pixel per site): it is cut off, not a crash.
        var img = RGBImage(width: 12, height: 8)
        img.text("a label far wider than the image", x: 4, y: 1, scale: 2)
        img.rect(20, 20, 5, 5, (255, 0, 0))
        img.rect(-3, -3, 5, 5, (0, 255, 0))
        XCTAssertEqual(img.pixels.count, 12 * 8 * 3)
        XCTAssertEqual(Array(img.pixels[0..<3]), [0, 255, 0], "the part inside is drawn")
        XCTAssertEqual(Array(img.pixels[3 * (2 * 12 + 2)..<3 * (2 * 12 + 2) + 3]), [255, 255, 255], "outside the clipped rectangle")
    }

    func testHTMLEscape() {
        XCTAssertEqual(htmlEscape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
    }

    /// The byte-built base64 is Foundation's, at every length around the 3-byte groups and on
    /// pseudo-random bytes (the `.vti` and `.vtp` files' text must not change with the encoder).
    func testBase64MatchesFoundation() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for n in Array(0...40) + [255, 256, 257, 4099] {
            let bytes = (0..<n).map { _ -> UInt8 in     // a fixed pseudo-random sequence (an LCG's top byte)
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            var out: [UInt8] = Array("prefix".utf8)
            bytes.withUnsafeBytes { Formats.appendBase64($0, to: &out) }
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "prefix" + Data(bytes).base64EncodedString(), "\(n) bytes")
        }
    }

    /// A VTK data array is its tag and the base64 of a little-endian UInt32 byte count followed
    /// by the bytes, as VTK's XML reader expects; `.vti` holds the values as float32.
    func testVTKArrayAndImageDataLayout() {
        let payload = Data([1, 2, 3, 4, 5])
        let header = Data([5, 0, 0, 0])
        var array: [UInt8] = []
        Formats.appendVTKArray("a", type: "UInt8", byteCount: payload.count, to: &array) { raw in payload.withUnsafeBytes { raw.copyMemory(from: $0) } }
        XCTAssertEqual(String(decoding: array, as: UTF8.self),
                       "<DataArray type=\"UInt8\" Name=\"a\" NumberOfComponents=\"1\" format=\"binary\">\((header + payload).base64EncodedString())</DataArray>\n")
        let values: [Double] = [0, 1.5, -2, 1e-3, 3e38, .infinity]
        let vti = values.withUnsafeBufferPointer { Formats.vti(nx: 3, ny: 2, nz: 1, spacing: 20, scalars: "c", arrays: [(name: "c", values: $0)]) }
        let floats = values.withUnsafeBufferPointer { Formats.float32Bytes($0) }
        let expected = "<?xml version=\"1.0\"?>\n<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt32\">\n"
            + "<ImageData WholeExtent=\"0 3 0 2 0 1\" Origin=\"0 0 0\" Spacing=\"20.0 20.0 20.0\">\n"
            + "<Piece Extent=\"0 3 0 2 0 1\">\n<CellData Scalars=\"c\">\n"
            + "<DataArray type=\"Float32\" Name=\"c\" NumberOfComponents=\"1\" format=\"binary\">\((Data([24, 0, 0, 0]) + floats).base64EncodedString())</DataArray>\n"
            + "</CellData>\n</Piece>\n</ImageData>\n</VTKFile>\n"
        XCTAssertEqual(String(decoding: vti, as: UTF8.self), expected)
        let fromBytes = Formats.vti(nx: 3, ny: 2, nz: 1, spacing: 20, scalars: "c", float32: [(name: "c", bytes: floats)])
        XCTAssertEqual(fromBytes, vti)
    }
}
