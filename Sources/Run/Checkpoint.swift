import Artifacts
import Foundation
import Simulation

/// Checkpoint files (`checkpoint/step-NNNNNNNNNN.wsck` in a run folder): the whole state of a run
/// at one step, versioned and checksummed, written to a temporary name and renamed; the newest
/// two are kept.
///
/// Layout (little-endian), 104-byte header then the payload:
/// - 16 bytes magic `WOUNDSIM-CKPT` padded with zeros; u32 format version (1); u32 zero;
/// - u64 step; 32 bytes SHA-256 of the run's `scenario.resolved.yaml`;
/// - u64 payload length; 32 bytes SHA-256 of the payload;
/// - payload: the timeseries so far (CSV text, length-prefixed), then `World.encodeState()`.
public enum Checkpoint {
    public static let formatVersion: UInt32 = 1
    static let magic: [UInt8] = Array("WOUNDSIM-CKPT".utf8) + [0, 0, 0]
    static let headerSize = 104

    public struct Loaded: Sendable {
        public var url: URL
        public var step: Int
        /// SHA-256 (hex) of the scenario the checkpoint was written by.
        public var scenarioHash: String
        /// The timeseries CSV up to and including the step (header included).
        public var timeseries: String
        public var state: Data
        /// SHA-256 (hex) of the whole file.
        public var fileHash: String
    }

    public struct Damaged: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func encode(step: Int, scenarioText: String, timeseries: String, state: Data) -> Data {
        var payload = BinaryWriter()
        payload.string(timeseries)
        let prefix = payload.data
        let bodyCount = prefix.count + state.count
        // Built in one buffer of its final size, the payload's digest filled in last: a 3-D
        // wound's state is 220 MB, which joining a body and then the file copied twice over.
        var data = Data(capacity: headerSize + bodyCount)
        data.append(contentsOf: magic)
        var w = BinaryWriter()
        w.u32(formatVersion); w.u32(0); w.u64(UInt64(step))
        data.append(w.data)
        data.append(contentsOf: SHA256.digest(Data(scenarioText.utf8)))
        var l = BinaryWriter()
        l.u64(UInt64(bodyCount))
        data.append(l.data)
        let digestAt = data.count
        data.append(contentsOf: repeatElement(0, count: 32))
        data.append(prefix)
        data.append(state)
        precondition(digestAt + 32 == headerSize && data.count == headerSize + bodyCount)
        data.replaceSubrange(digestAt..<headerSize, with: SHA256.digest(data[headerSize...]))
        return data
    }

    /// Reads and checks a checkpoint file: magic, version, length, checksum.
    public static func load(_ url: URL) throws(Damaged) -> Loaded {
        let name = url.lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else { throw Damaged(description: "\(name): cannot be read") }
        guard data.count >= headerSize else { throw Damaged(description: "\(name): truncated (\(data.count) bytes, shorter than the \(headerSize)-byte header)") }
        let bytes = [UInt8](data)
        guard Array(bytes[0..<16]) == magic else { throw Damaged(description: "\(name): not a woundsim checkpoint (wrong magic bytes)") }
        func u32(_ o: Int) -> UInt32 { bytes[o..<(o + 4)].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) } }
        func u64(_ o: Int) -> UInt64 { bytes[o..<(o + 8)].enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) } }
        let version = u32(16)
        guard version == formatVersion else {
            throw Damaged(description: "\(name): written in checkpoint format \(version); this woundsim reads format \(formatVersion)")
        }
        let step = u64(24)
        let scenarioHash = hex(bytes[32..<64])
        let length = u64(64)
        guard UInt64(data.count - headerSize) == length else {
            throw Damaged(description: "\(name): truncated or padded (\(data.count - headerSize) payload bytes, the header says \(length))")
        }
        let body = data.subdata(in: headerSize..<data.count)
        guard SHA256.digest(body) == Array(bytes[72..<104]) else { throw Damaged(description: "\(name): checksum mismatch (the file is corrupted)") }
        var r = BinaryReader(body)
        let timeseries: String
        do { timeseries = try r.string() } catch { throw Damaged(description: "\(name): \(error)") }
        let prefix = 8 + timeseries.utf8.count
        guard step <= UInt64(Int32.max) else { throw Damaged(description: "\(name): step \(step) is out of range") }
        return Loaded(url: url, step: Int(step), scenarioHash: scenarioHash, timeseries: timeseries,
                      state: body.subdata(in: prefix..<body.count), fileHash: SHA256.hex(data))
    }

    static func hex(_ b: ArraySlice<UInt8>) -> String { b.map { String(format: "%02x", $0) }.joined() }

    public static func scenarioHash(_ text: String) -> String { SHA256.hex(Data(text.utf8)) }

    /// The checkpoints of a run folder, newest (highest step) first.
    public static func list(_ runFolder: URL) -> [URL] {
        let folder = runFolder.appendingPathComponent("checkpoint")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("step-") && $0.hasSuffix(".wsck") }
        return names.sorted(by: >).map { folder.appendingPathComponent($0) }
    }

    /// Writes a checkpoint atomically and deletes all but the newest two.
    public static func write(_ runFolder: URL, step: Int, data: Data) throws(OutputError) {
        let folder = runFolder.appendingPathComponent("checkpoint")
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        catch { throw .notWritable(folder.path, error.localizedDescription) }
        let target = folder.appendingPathComponent(String(format: "step-%010d.wsck", step))
        try AtomicFile.write(data, to: target)
        for old in list(runFolder).dropFirst(2) { try? FileManager.default.removeItem(at: old) }
    }
}
