import Artifacts
import Foundation

/// A run's output folder (DESIGN.md "Run folder"). Every file is written to a temporary name in
/// the same folder and renamed, so a killed run never leaves a half-written file; checksums of
/// everything written are collected for `manifest.json`.
public final class RunFolder {
    public let url: URL
    /// Relative path -> SHA-256 of what was written.
    public private(set) var checksums: [String: String] = [:]

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
            checksums[relative] = SHA256.hex(data)
        }
    }

    /// Writes `data` at `relative` (subfolders created), atomically.
    public func write(_ relative: String, _ data: Data) throws(OutputError) {
        precondition(!relative.hasPrefix("/") && !relative.split(separator: "/").contains(".."), "output paths stay inside the run folder")
        try AtomicFile.write(data, to: url.appendingPathComponent(relative))
        checksums[relative] = SHA256.hex(data)
    }

    public func write(_ relative: String, text: String) throws(OutputError) { try write(relative, Data(text.utf8)) }
}
