import Foundation

public enum OutputError: Error, CustomStringConvertible, Sendable {
    case exists(String)
    /// `--force` on a non-empty folder that woundsim did not write (path, number of entries).
    case notARunFolder(String, Int)
    case notWritable(String, String)
    /// The numerical guard stopped the run (step, factor or kind, site).
    case stopped(String)
    public var description: String {
        switch self {
        case let .exists(p): return "the run folder \(p) exists; give another --out or add --force to overwrite it"
        case let .notARunFolder(p, n):
            return "\(p) holds \(n) file\(n == 1 ? "" : "s") or folder\(n == 1 ? "" : "s") that woundsim did not write; --force replaces only an empty folder or a run folder. Nothing was touched: give another --out"
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
