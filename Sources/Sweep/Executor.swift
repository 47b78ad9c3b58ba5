import Foundation
import Glibc
import SimCore

#if canImport(Glibc)
#endif

/// Runs a sweep's runs on this machine: `jobs` child processes at a time (`woundsim run` on
/// each run's resolved scenario), each with `threads` threads. A run is claimed with an
/// exclusive lock (`locks/ID.lock`), so several sweep processes (shards, or a second terminal)
/// may share a folder without running anything twice; its outcome is recorded in
/// `status/ID.json` by an atomic rename once it has ended. Children are killed with the sweep
/// (Linux parent-death signal): a killed sweep leaves no run behind, and rerunning it redoes only
/// the runs without a status.
public enum Executor {
    public struct Options: Sendable {
        public var jobs: Int
        public var threads: Int
        /// The `woundsim` binary to start for each run.
        public var executable: String
        /// Run again the runs recorded as failed.
        public var retryFailed: Bool
        /// Print a line per finished run (when stderr is not a terminal).
        public var verbose: Bool
        /// The build that runs (recorded in each status); a status of another build is rerun.
        public var woundsim: String
        public init(jobs: Int, threads: Int, executable: String, retryFailed: Bool, verbose: Bool, woundsim: String = "") {
            self.jobs = jobs; self.threads = threads; self.executable = executable; self.retryFailed = retryFailed; self.verbose = verbose
            self.woundsim = woundsim
        }

        /// Whether a recorded outcome still stands (else the run is run again).
        func keeps(_ s: RunStatus) -> Bool { !(retryFailed && s.status == .failed) && (woundsim.isEmpty || s.woundsim == woundsim) }
    }

    public struct Outcome: Sendable {
        /// Runs this call ran to the end, and those of them that failed.
        public var ran = 0, failed = 0
        /// Runs skipped: already recorded, or being run by another sweep process.
        public var skipped = 0, busy = 0
        /// Runs stopped by SIGINT or SIGTERM (left without a status, to be rerun).
        public var interrupted = 0
        public var wallSeconds = 0.0
        /// CPU seconds (user + system) of the runs started here.
        public var childCPUSeconds = 0.0
        /// Sum of the runs' own simulation wall times [s] (from their summary.json).
        public var runWallSeconds = 0.0
    }

    /// The path of the running binary.
    public static var currentExecutable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// Runs `ids` (distinct run ids of `plan`) that have no recorded outcome.
    public static func run(_ ids: [String], plan: SweepPlan, folder: SweepFolder, options: Options,
                           message: (String) -> Void) throws(SweepError) -> Outcome {
        var outcome = Outcome()
        let start = Date()
        var pending: [String] = []
        for id in ids {
            guard let s = folder.status(id), options.keeps(s) else { pending.append(id); continue }
            outcome.skipped += 1
            // A metric added to the sweep since the run finished: read it from the run's folder.
            if s.status == .ok, !plan.metrics.allSatisfy(s.metrics.keys.contains) {
                var updated = s
                do {
                    updated.metrics = try Results.metrics(plan.metrics, runFolder: folder.runURL(id))
                    try folder.record(updated)
                } catch {
                    outcome.skipped -= 1
                    pending.append(id)   // its folder cannot give them: run it again
                }
            }
        }
        let total = pending.count
        for sub in ["logs", "locks", "runs", "status"] {
            do { try FileManager.default.createDirectory(at: folder.url.appendingPathComponent(sub), withIntermediateDirectories: true) }
            catch { throw .io("could not write \(folder.url.appendingPathComponent(sub).path): \(error.localizedDescription)") }
        }
        struct Child { var id: String; var start: Date; var lock: Int32 }
        var running: [pid_t: Child] = [:]
        let interactive = isatty(STDERR_FILENO) != 0
        var doneWall: [Double] = []
        let usageBefore = childUsage()
        var next = 0
        func progress() {
            guard interactive else { return }
            let done = outcome.ran
            let mean = doneWall.isEmpty ? Double.nan : doneWall.reduce(0, +) / Double(doneWall.count)
            let left = Double(total - done - outcome.busy) * mean / Double(max(1, options.jobs))
            let line = String(format: "\r  sweep %@: %d/%d done, %d failed, %d running, ETA %@   ",
                              plan.name as NSString, done, total, outcome.failed, running.count, eta(left) as NSString)
            FileHandle.standardError.write(Data(line.utf8))
        }
        var forwarded = false
        while true {
            if StopSignal.received != 0 && !forwarded {
                // Ctrl-C or Slurm's SIGTERM: start nothing more, let the runs save a checkpoint
                // and stop; what they did not finish stays without a status, to be rerun.
                forwarded = true
                for pid in running.keys { kill(pid, SIGTERM) }
                next = pending.count
            }
            while running.count < options.jobs, next < pending.count {
                let id = pending[next]; next += 1
                guard let fd = try SweepFolder.lock(folder.url.appendingPathComponent("locks/\(id).lock").path, wait: false) else {
                    outcome.busy += 1
                    continue
                }
                // Another process may have finished it between the first look and the lock.
                if let s = folder.status(id), options.keeps(s) { close(fd); outcome.skipped += 1; continue }
                // A run stopped by a signal (its folder has a checkpoint and no manifest) continues
                // from that checkpoint; any other starts afresh (`--force` empties a killed run's folder).
                let runDir = folder.runURL(id)
                let fm = FileManager.default
                let stopped = hasCheckpoint(runDir) && !fm.fileExists(atPath: runDir.appendingPathComponent("manifest.json").path)
                    && fm.fileExists(atPath: runDir.appendingPathComponent("scenario.resolved.yaml").path)
                let args = stopped
                    ? [options.executable, "resume", runDir.path, "--quiet", "--threads", String(options.threads), "--parent-pid", String(getpid())]
                    : [options.executable, "run", folder.scenarioURL(id).path, "--out", runDir.path, "--force", "--quiet",
                       "--threads", String(options.threads), "--parent-pid", String(getpid())]
                guard let pid = spawn(args, log: folder.logURL(id).path) else {
                    close(fd)
                    throw .io("could not start \(options.executable): \(String(cString: strerror(errno)))")
                }
                running[pid] = Child(id: id, start: Date(), lock: fd)
                progress()
            }
            if running.isEmpty { break }
            var st: Int32 = 0
            let pid = waitpid(-1, &st, 0)
            if pid < 0 { if errno == EINTR { continue }; break }  // a signal: look at StopSignal again
            guard let child = running.removeValue(forKey: pid) else { continue }
            let wall = Date().timeIntervalSince(child.start)
            let code: Int = (st & 0x7f) == 0 ? Int((st >> 8) & 0xff) : 128 + Int(st & 0x7f)
            if StopSignal.isStop(exitCode: code) || ((st & 0x7f) == SIGKILL && StopSignal.received != 0) {
                // Stopped, not failed (a signal to it, to the sweep, or a Slurm time limit): no
                // status, so a rerun of the sweep runs it again.
                close(child.lock)
                outcome.interrupted += 1
                if !interactive || options.verbose { message("woundsim: run \(child.id) was stopped (\(StopSignal.name(Int32(code - 128)))); it stays pending") }
                continue
            }
            var status = RunStatus(id: child.id, status: .ok, exitCode: code, error: "", metrics: [:], wallSeconds: wall, woundsim: options.woundsim)
            if code == 0 {
                do {
                    status.metrics = try Results.metrics(plan.metrics, runFolder: folder.runURL(child.id))
                    if let data = FileManager.default.contents(atPath: folder.runURL(child.id).appendingPathComponent("summary.json").path),
                       let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let w = (o["wall_time_s"] as? NSNumber)?.doubleValue {
                        outcome.runWallSeconds += w
                    }
                } catch {
                    status.status = .failed; status.error = error.description
                }
            } else {
                status.status = .failed
                status.error = (st & 0x7f) == 0 ? "exit code \(code): " + tail(folder.logURL(child.id)) : "killed by signal \(st & 0x7f)"
            }
            do { try folder.record(status) } catch { close(child.lock); throw .io(error.description) }
            close(child.lock)
            outcome.ran += 1
            doneWall.append(wall)
            if status.status != .ok { outcome.failed += 1 }
            if options.verbose && !interactive {
                message("woundsim: run \(child.id) \(status.status == .ok ? "done" : "failed (\(status.error))") (\(outcome.ran)/\(total), \(String(format: "%.1f", wall)) s)")
            } else if status.status != .ok && interactive {
                FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
                message("woundsim: run \(child.id) failed: \(status.error)")
            }
            progress()
        }
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        outcome.wallSeconds = Date().timeIntervalSince(start)
        outcome.childCPUSeconds = childUsage() - usageBefore
        return outcome
    }

    /// What a failed `flock` means: nil when another process holds the lock (the run is busy
    /// elsewhere), an error otherwise. Only "would block" means busy: ENOLCK, ENOSYS or EINVAL
    /// on a file system without locks would otherwise make every task skip every run and exit 0.
    public static func lockProblem(_ error: Int32, path: String) -> SweepError? {
        if error == EWOULDBLOCK || error == EAGAIN || error == EINTR { return nil }
        return .io("could not lock \(path): \(String(cString: strerror(error))); the sweep folder must be on a file system with flock locks (most local and cluster file systems; NFS needs its lock service)")
    }

    /// Whether a run folder holds a checkpoint (`checkpoint/step-*.wsck`, the run folder's contract).
    static func hasCheckpoint(_ runDir: URL) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runDir.appendingPathComponent("checkpoint").path)) ?? []
        return names.contains { $0.hasPrefix("step-") && $0.hasSuffix(".wsck") }
    }

    /// Starts `args` with stdout and stderr to `log`, stdin from /dev/null.
    static func spawn(_ args: [String], log: String) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], &actions, nil, argv, environ)
        if rc != 0 { errno = rc; return nil }
        return pid
    }

    /// User + system CPU seconds of waited-for children.
    static func childUsage() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
    }

    /// The last non-empty lines of a run's log (its error message).
    static func tail(_ url: URL) -> String {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return "(no log)" }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let joined = lines.suffix(3).joined(separator: " | ")
        return joined.count > 400 ? String(joined.suffix(400)) : joined
    }

    static func eta(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
