import Artifacts
import Dispatch
import Foundation

/// A run's output folder (DESIGN.md "Run folder"). Every file is written to a temporary name in
/// the same folder and renamed, so a killed run never leaves a half-written file; checksums of
/// everything written are collected for `manifest.json`.
///
/// Writes in the background (`inBackground`, which `Runner.run` turns on for a run): each write's
/// bytes are handed to one serial writer thread, which hashes and writes them in the order given,
/// while the stepping goes on. A failed write is thrown by the next write, `perform`, `finishWrites` or
/// `endBackgroundWrites`;
/// the writes after a failed one are dropped. At most `backgroundLimit` bytes wait at a time (a
/// write beyond waits for the earlier ones to finish).
public final class RunFolder: @unchecked Sendable {
    public let url: URL
    /// Relative path -> SHA-256 of what was written (waits for the writes under way).
    public var checksums: [String: String] { writer.sync { stored } }
    /// Touched only on `writer`.
    private var stored: [String: String] = [:]
    private var failure: OutputError?
    /// Bytes handed to the writer and not yet written (under `lock`).
    private var waiting = 0
    private let lock = NSLock()
    private let writer = DispatchQueue(label: "woundsim.run-folder.writer")
    /// Whether writes run on the writer thread; off: each write is done when `write` returns.
    public private(set) var inBackground = false
    /// Most bytes waiting for the writer thread [bytes].
    public static let backgroundLimit = 512 << 20

    /// The file a run writes first into its folder: it marks the folder as woundsim's, so that
    /// `--force` may replace it (a killed run's folder has it too). Not an output: not in the
    /// manifest.
    public static let marker = ".woundsim-run"

    /// Creates the folder. An existing folder is an error unless `force`; even then only an
    /// empty folder or one that woundsim wrote (it holds `marker`, or nothing but the marker's
    /// temporary, which a run killed while writing it leaves) is emptied and reused.
    /// Anything else, such as a folder of the user's notes or `--out .` in a project folder, is
    /// refused with nothing touched.
    /// Without `createParents` (an `--out` the user typed) only the last folder of the path is
    /// made: a typo in a parent is reported, not silently created.
    public init(path: String, force: Bool, createParents: Bool = true) throws(OutputError) {
        url = URL(fileURLWithPath: path).standardizedFileURL
        let fm = FileManager.default
        try checkOutputFolder(url, createParents: createParents)
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard force else { throw .exists(url.path) }
            guard isDirectory.boolValue else { throw .notWritable(url.path, "it is a file, not a folder") }
            let items: [String]
            do { items = try fm.contentsOfDirectory(atPath: url.path) }
            catch { throw .notWritable(url.path, "\(error.localizedDescription)") }
            if !items.isEmpty {
                guard items.contains(Self.marker) || items.allSatisfy({ Self.isMarkerTemporary($0, in: url) }) || Self.hasWoundsimManifest(url) else { throw .notARunFolder(url.path, items.count) }
                do {
                    for item in items { try fm.removeItem(at: url.appendingPathComponent(item)) }
                } catch { throw .notWritable(url.path, "\(error.localizedDescription)") }
            }
        }
        do { try fm.createDirectory(at: url, withIntermediateDirectories: true) }
        catch { throw .notWritable(url.path, error.localizedDescription) }
        try AtomicFile.write(Data("woundsim run folder: `woundsim run --force` may replace this folder\n".utf8),
                             to: url.appendingPathComponent(Self.marker))
    }

    /// The temporary `AtomicFile` writes the marker under (`..woundsim-run.tmp-PID`), as a regular
    /// file: all a run killed while writing its marker leaves. Nothing else counts, so a user's
    /// folder of other hidden files is still refused.
    static func isMarkerTemporary(_ name: String, in folder: URL) -> Bool {
        let prefix = "." + marker + ".tmp-"
        guard name.hasPrefix(prefix), let pid = Int(name.dropFirst(prefix.count)), pid > 0 else { return false }
        var isDirectory: ObjCBool = true
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// A finished run folder of a woundsim older than the marker: its manifest names the version.
    static func hasWoundsimManifest(_ url: URL) -> Bool {
        guard let data = FileManager.default.contents(atPath: url.appendingPathComponent("manifest.json").path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["woundsim_version"] is String
    }

    /// Opens an existing run folder to continue it (`woundsim resume`): nothing is removed, and the
    /// checksums of the outputs already there (not checkpoints, not temporaries) are read back.
    public init(existing path: String) throws(OutputError) {
        url = URL(fileURLWithPath: path).standardizedFileURL
        let fm = FileManager.default
        AtomicFile.removeTemporaries(in: url)
        guard let walker = fm.enumerator(atPath: url.path) else { throw .notWritable(url.path, "the folder cannot be read") }
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if relative.hasPrefix("checkpoint") || name.hasPrefix(".") || ["manifest.json", "summary.json", "report.html"].contains(relative) { continue }
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: url.appendingPathComponent(relative).path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = fm.contents(atPath: url.appendingPathComponent(relative).path) else { continue }
            stored[relative] = SHA256.hex(data)
        }
    }

    /// Writes `data` at `relative` (subfolders created), atomically; in the background when
    /// `inBackground`.
    public func write(_ relative: String, _ data: Data) throws(OutputError) {
        precondition(!relative.hasPrefix("/") && !relative.split(separator: "/").contains(".."), "output paths stay inside the run folder")
        let target = url.appendingPathComponent(relative)
        try perform(bytes: data.count) { () throws(OutputError) in
            try AtomicFile.write(data, to: target)
            let sum = SHA256.hex(data)
            self.stored[relative] = sum
        }
    }

    /// Runs `work` (a write of about `bytes` bytes that records no checksum: a checkpoint) on the
    /// writer thread after the writes before it, or at once when not `inBackground`. Throws an
    /// earlier background write's failure.
    public func perform(bytes: Int, _ work: @escaping @Sendable () throws(OutputError) -> Void) throws(OutputError) {
        guard inBackground else {
            // Nothing waits on the writer thread here (`endBackgroundWrites` waited for it).
            if let failure { throw failure }
            try work()
            return
        }
        lock.lock(); let pending = waiting; lock.unlock()
        if pending > 0 && pending + bytes > Self.backgroundLimit { writer.sync {} }
        if let failure = writer.sync(execute: { self.failure }) { throw failure }
        lock.lock(); waiting += bytes; lock.unlock()
        writer.async {
            defer { self.lock.lock(); self.waiting -= bytes; self.lock.unlock() }
            guard self.failure == nil else { return }
            do throws(OutputError) { try work() } catch { self.failure = error }
        }
    }

    /// From now on, writes run on the writer thread.
    public func beginBackgroundWrites() { inBackground = true }

    /// Waits for the background writes and writes at once from now on; throws the first write
    /// that failed.
    public func endBackgroundWrites() throws(OutputError) {
        inBackground = false
        if let failure = writer.sync(execute: { self.failure }) { throw failure }
    }

    /// Waits for the background writes (writing goes on in the background); throws the first
    /// that failed.
    public func finishWrites() throws(OutputError) {
        if let failure = writer.sync(execute: { self.failure }) { throw failure }
    }

    public func write(_ relative: String, text: String) throws(OutputError) { try write(relative, Data(text.utf8)) }
}
