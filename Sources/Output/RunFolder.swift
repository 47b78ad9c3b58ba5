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

public enum OutputError: Error, CustomStringConvertible, Sendable {
    case exists(String)
    case notWritable(String, String)
    /// The numerical guard stopped the run (step, factor or kind, site).
    case stopped(String)
    public var description: String {
        switch self {
        case let .exists(p): return "the run folder \(p) exists; give another --out or add --force to overwrite it"
        case let .notWritable(p, why): return "could not write \(p): \(why)"
        case let .stopped(why): return "stopped by the numerical guard at \(why); the outputs written so far are valid"
        }
    }
}

/// Whole-file writes that never leave half a file under the target's name: the bytes go to a
/// temporary name in the same folder (`.NAME.tmp-PID`, written with plain POSIX calls so the
/// error says why: "File too large", "No space left on device"), then a rename.
public enum AtomicFile {
    public static func write(_ data: Data, to target: URL) throws(OutputError) {
        let folder = target.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        catch { throw .notWritable(target.path, "its folder cannot be made (\(error.localizedDescription))") }
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).tmp-\(getpid())")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .notWritable(target.path, String(cString: strerror(errno))) }
        var failure: Int32 = 0
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                offset += n
            }
        }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0, rename(temporary.path, target.path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary.path)
            throw .notWritable(target.path, String(cString: strerror(failure)))
        }
    }

    /// Removes temporaries a killed writer left behind (`.NAME.tmp-PID`) under `folder`.
    public static func removeTemporaries(in folder: URL) {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return }
        var stale: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix("."), name.contains(".tmp-") || name.hasPrefix(".dat.nosync") { stale.append(relative) }
        }
        for r in stale { try? FileManager.default.removeItem(at: folder.appendingPathComponent(r)) }
    }
}
