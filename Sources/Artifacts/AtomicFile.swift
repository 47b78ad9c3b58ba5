import Foundation

public enum OutputError: Error, CustomStringConvertible, Sendable {
    case exists(String)
    /// `--force` on a non-empty folder that woundsim did not write (path, number of entries).
    case notARunFolder(String, Int)
    case notWritable(String, String)
    /// An output folder that cannot be made where the user asked (path, why): bad input, exit 2.
    case badOutputFolder(String, String)
    /// The numerical guard stopped the run (step, factor or kind, site).
    case stopped(String)
    /// SIGINT or SIGTERM stopped the run (signal number, what was saved).
    case interrupted(Int32, String)
    public var description: String {
        switch self {
        case let .exists(p): return "the run folder \(p) exists; give another --out or add --force to overwrite it"
        case let .notARunFolder(p, n):
            return "\(p) holds \(n) file\(n == 1 ? "" : "s") or folder\(n == 1 ? "" : "s") that woundsim did not write; --force replaces only an empty folder or a run folder. Nothing was touched: give another --out"
        case let .notWritable(p, why): return "could not write \(p): \(why)"
        case let .badOutputFolder(p, why): return "cannot make the output folder \(p): \(why)"
        case let .stopped(why): return "stopped by the numerical guard at \(why); the outputs written so far are valid"
        case let .interrupted(_, what): return what
        }
    }
}

/// Checks that `url` can be made as a new output folder: its parent exists (or may be made, when
/// `createParents`), is a folder and is writable. Throws `.badOutputFolder` with the reason.
public func checkOutputFolder(_ url: URL, createParents: Bool) throws(OutputError) {
    let fm = FileManager.default
    guard !fm.fileExists(atPath: url.path) else { return }
    var ancestor = url.deletingLastPathComponent()
    var missing: [String] = []
    while !fm.fileExists(atPath: ancestor.path), ancestor.path != "/" {
        missing.append(ancestor.path)
        ancestor = ancestor.deletingLastPathComponent()
    }
    if let first = missing.last, !createParents {
        throw .badOutputFolder(url.path, "\(first) does not exist (woundsim makes only the last folder of --out; create the others first, or check the path)")
    }
    var isDirectory: ObjCBool = false
    _ = fm.fileExists(atPath: ancestor.path, isDirectory: &isDirectory)
    guard isDirectory.boolValue else { throw .badOutputFolder(url.path, "\(ancestor.path) is a file, not a folder") }
    guard access(ancestor.path, W_OK | X_OK) == 0 else {
        throw .badOutputFolder(url.path, "\(ancestor.path) is not writable (\(String(cString: strerror(errno)))); give an --out you may write in")
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
