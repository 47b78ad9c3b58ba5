import Foundation

/// A run's output folder (DESIGN.md "Run folder"). Every file is written to a temporary name in
/// the same folder and renamed, so a killed run never leaves a half-written file; checksums of
/// everything written are collected for `manifest.json`.
public final class RunFolder {
    public let url: URL
    /// Relative path -> SHA-256 of what was written.
    public private(set) var checksums: [String: String] = [:]

    /// Creates the folder. An existing folder is an error unless `force` (then it is emptied).
    public init(path: String, force: Bool) throws(OutputError) {
        url = URL(fileURLWithPath: path).standardizedFileURL
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard force else { throw .exists(url.path) }
            guard isDirectory.boolValue else { throw .notWritable(url.path, "it is a file, not a folder") }
            do {
                for item in try fm.contentsOfDirectory(atPath: url.path) { try fm.removeItem(at: url.appendingPathComponent(item)) }
            } catch { throw .notWritable(url.path, "\(error.localizedDescription)") }
        }
        do { try fm.createDirectory(at: url, withIntermediateDirectories: true) }
        catch { throw .notWritable(url.path, error.localizedDescription) }
    }

    /// Writes `data` at `relative` (subfolders created), atomically.
    public func write(_ relative: String, _ data: Data) throws(OutputError) {
        precondition(!relative.hasPrefix("/") && !relative.split(separator: "/").contains(".."), "output paths stay inside the run folder")
        let target = url.appendingPathComponent(relative)
        let folder = target.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).tmp-\(getpid())")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
                throw OutputError.notWritable(target.path, "the file could not be created (disk full or no permission?)")
            }
            if rename(temporary.path, target.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw OutputError.notWritable(target.path, reason)
            }
        } catch let e as OutputError {
            try? FileManager.default.removeItem(at: temporary)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .notWritable(target.path, error.localizedDescription)
        }
        checksums[relative] = SHA256.hex(data)
    }

    public func write(_ relative: String, text: String) throws(OutputError) { try write(relative, Data(text.utf8)) }
}

public enum OutputError: Error, CustomStringConvertible, Sendable {
    case exists(String)
    case notWritable(String, String)
    public var description: String {
        switch self {
        case let .exists(p): return "the run folder \(p) exists; give another --out or add --force to overwrite it"
        case let .notWritable(p, why): return "could not write \(p): \(why)"
        }
    }
}
