import ArgumentParser
import Artifacts
import BuildInfo
import Cells
import CWoundsimOS
import Foundation
import Logging
import Run
import Scenario
import SimCore
import Simulation
import StrictYAML
import Verification

/// `woundsim verify`: the field solver against analytic solutions (VALIDATION.md section 1).
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the numerics against analytic solutions and print error norms, orders and pass/fail.",
        discussion: "Cases: \(Verification.caseNames.joined(separator: ", ")). Exits 1 when any case fails."
    )

    @OptionGroup var threadOptions: ThreadOptions

    @Option(name: .customLong("case"), help: "Run only this case (repeatable).")
    var cases: [String] = []

    func validate() throws {
        for c in cases where !Verification.caseNames.contains(c) {
            let closest = Verification.caseNames.min { editDistance($0, c) < editDistance($1, c) }
            let hint = closest.flatMap { editDistance($0, c) <= 3 ? " (did you mean \"\($0)\"?)" : nil } ?? ""
            throw ValidationError("--case \(c): no such verification case\(hint); the cases are \(Verification.caseNames.joined(separator: ", "))")
        }
    }

    func run() throws {
        let names = cases.isEmpty ? Verification.caseNames : cases
        var results: [VerificationResult] = []
        let start = Date()
        for name in names {
            results.append(try Verification.run(name, threads: threadOptions.resolved))
        }
        print(verificationTable(results), terminator: "")
        let failed = results.filter { !$0.passed }.count
        print("\(results.count - failed) passed, \(failed) failed (\(String(format: "%.1f", Date().timeIntervalSince(start))) s, \(threadOptions.resolved) threads)")
        if failed > 0 { throw ExitCode(1) }
    }
}

/// `woundsim bench`: kernel throughput for users, with a JSON line for a history file.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the diffusion, cell and full-step kernels; print a table or one JSON line; keep a history.",
        discussion: """
        Each figure is the median of repeated steps after a warm-up. --compare OLD.json prints each figure's ratio to the \
        last line of OLD.json. History (see DESIGN.md, "Benchmark history"): --record FILE appends a line with the figures \
        and two reference kernels (a streaming triad, a dependent integer chain) measured in the same process; --of-binary OLD measures an older build \
        between two reference measurements by this one; --check FILE compares the normalised figures with FILE's last \
        line and exits 1 when one falls more than 25 % below; --history FILE --out PAGE.html charts them over commits.
        """
    )

    @Option(name: .long, help: "Largest lattice, NxN sites (default 500x500); the scaling fit also runs at about 1/4 and 1/2 of its sites.")
    var size: String = "500x500"

    @Option(name: .long, help: "Thread counts to measure, comma-separated (default: 1 and all cores).")
    var threads: String?

    @Flag(name: .long, help: "Print one JSON line instead of the table.")
    var json = false

    @Option(name: .long, help: "An earlier JSON line (file) to compare with.")
    var compare: String?

    @Option(name: .long, help: "Append a history line (figures, reference kernel, normalised figures) to this file.")
    var record: String?

    @Option(name: .customLong("of-binary"), help: "With --record or --check: measure this (older) woundsim binary instead, as a child process; the reference kernel is measured by this binary right before and after.")
    var ofBinary: String?

    @Option(name: .long, help: "The commit to record (default: the one this binary was built from; required with --of-binary when that build does not know its own).")
    var commit: String?

    @Option(name: .long, help: "Compare the normalised figures with the last line of this history file; exit 1 when one falls more than --tolerance below it.")
    var check: String?

    @Option(name: .long, help: "With --check: the largest allowed fall, as a fraction (default 0.25).")
    var tolerance: Double = 0.25

    @Option(name: .long, help: "With --check: measurements to try before a fall counts (the best of each figure is kept; default 3).")
    var attempts: Int = 3

    @Option(name: .long, help: "Chart this history file as an HTML page (no measurement); see --out.")
    var history: String?

    @Option(name: .long, help: "With --history: the HTML page to write (default bench-history.html).")
    var out: String = "bench-history.html"

    func parsedSize() throws -> Int {
        let parts = size.lowercased().split(separator: "x")
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a == b, a >= 40, a <= 4000 else {
            throw ValidationError("--size \(size): give a square size NxN between 40x40 and 4000x4000")
        }
        return a
    }

    func parsedThreads() throws -> [Int] {
        guard let threads else { return Array(Set([1, defaultThreadCount])).sorted() }
        let list = threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 >= 1 && $0 <= 256 }) else { throw ValidationError("--threads \(threads): give thread counts such as 1,2") }
        return list
    }

    func validate() throws {
        _ = try parsedSize(); _ = try parsedThreads()
        guard tolerance > 0, tolerance < 1 else { throw ValidationError("--tolerance \(tolerance): give a fraction between 0 and 1") }
        guard (1...10).contains(attempts) else { throw ValidationError("--attempts \(attempts): give 1 to 10") }
        if ofBinary != nil, record == nil, check == nil { throw ValidationError("--of-binary needs --record FILE or --check FILE") }
        if [history != nil, check != nil, record != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --history, --check and --record")
        }
    }

    /// The figures of this binary: the rows at each thread count and the scaling fit.
    func measure() throws -> (rows: [Bench.Row], figures: [String: Double], sizes: [Int], exponents: (Double, Double)) {
        let n = try parsedSize()
        var rows: [Bench.Row] = []
        for t in try parsedThreads() {
            rows.append(try Bench.diffusion(n: n, threads: t))
            rows.append(try Bench.cells(n: n, threads: t))
            rows.append(try Bench.step(n: n, threads: t))
        }
        // Scaling at one thread: three sizes.
        let sizes = [max(40, n / 2), max(40, Int(Double(n) / 2.squareRoot())), n]
        let diffusionScaling = try sizes.map { try Bench.diffusion(n: $0, threads: 1) }
        let cellScaling = try sizes.map { try Bench.cells(n: $0, threads: 1) }
        let pSites = Bench.exponent(diffusionScaling), pCells = Bench.exponent(cellScaling)
        var figures: [String: Double] = [:]
        for r in rows { figures["\(r.kernel)_\(r.threads)t"] = r.throughput }
        figures["scaling_exponent_sites"] = pSites
        figures["scaling_exponent_cells"] = pCells
        figures["bytes_per_site"] = Double(Bench.bytesPerSite(factors: 4))
        figures["bytes_per_cell"] = Double(CellPopulation.bytesPerCell)
        return (rows, figures, sizes, (pSites, pCells))
    }

    /// A history line: the figures of this binary (or of `--of-binary`), each the median of
    /// `rounds` measurements, with the reference kernel measured before each round and after the
    /// last (its median).
    func historyLine(rounds: Int = 3) throws -> BenchHistory.Line {
        var references = [BenchHistory.triadBytesPerSecond()]
        var chains = [BenchHistory.chainStepsPerSecond()]
        var samples: [String: [Double]] = [:]
        var commit = self.commit ?? BuildInfo.revisionLabel
        var version = BuildInfo.version
        var referenceBy = "self"
        for _ in 0..<rounds {
            let figures: [String: Double]
            if let ofBinary {
                let line = try runOlder(ofBinary)
                figures = line.figures
                version = line.version
                referenceBy = BuildInfo.revisionLabel
                if self.commit == nil {
                    guard line.commit != "unknown", !line.commit.isEmpty else {
                        throw ValidationError("\(ofBinary) does not know its commit: give it with --commit")
                    }
                    commit = line.commit
                }
            } else {
                figures = try measure().figures
            }
            for (k, v) in figures { samples[k, default: []].append(v) }
            references.append(BenchHistory.triadBytesPerSecond())
            chains.append(BenchHistory.chainStepsPerSecond())
        }
        func median(_ a: [Double]) -> Double { let s = a.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
        var line = BenchHistory.Line(commit: commit, date: ISO8601DateFormatter().string(from: Date()), machine: Bench.machine,
                                     version: version, figures: samples.mapValues(median), reference: median(references), referenceBy: referenceBy)
        line.size = try parsedSize()
        line.chain = median(chains)
        return line
    }

    /// Runs an older woundsim's `bench --json` with the same size and threads and reads its line.
    func runOlder(_ path: String) throws -> BenchHistory.Line {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        var arguments = ["bench", "--json", "--size", size]
        if let threads { arguments += ["--threads", threads] }
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { throw ValidationError("--of-binary \(path): cannot run it (\(error.localizedDescription))") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }).flatMap({ BenchHistory.Line($0) }) else {
            throw ValidationError("--of-binary \(path): `bench --json` exited \(process.terminationStatus) without a JSON line")
        }
        return line
    }

    func run() throws {
        if let history {
            let lines: [BenchHistory.Line]
            do { lines = try BenchHistory.read(history) } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
            try AtomicFile.write(Data(BenchHistory.chartPage(lines, source: (history as NSString).lastPathComponent).utf8), to: URL(fileURLWithPath: out))
            print("wrote \(out): \(lines.count) lines of \(history)")
            return
        }
        if let check {
            let last: BenchHistory.Line
            do { last = try BenchHistory.read(check).last! } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
            var best = BenchHistory.Best(try historyLine())
            var result = BenchHistory.compare(best, with: last, tolerance: tolerance)
            var attempt = 1
            while !result.fallen.isEmpty && attempt < attempts {
                // A fall must last: measure again and keep each figure's best (this machine may be shared).
                attempt += 1
                print("attempt \(attempt) of \(attempts): \(result.fallen.joined(separator: ", ")) below the limit, measuring again")
                best.keep(try historyLine())
                result = BenchHistory.compare(best, with: last, tolerance: tolerance)
            }
            print("compared with the last line of \(check) (\(last.commit), \(last.date), \(last.machine)):")
            print(result.table, terminator: "")
            if result.compared == 0 {
                fail("woundsim: no normalised figure in common with the last line of \(check) (other thread counts, or a line without a reference)")
                throw ExitCode(1)
            }
            if !result.fallen.isEmpty {
                fail("woundsim: \(result.fallen.joined(separator: ", ")) fell more than \(Int((tolerance * 100).rounded())) % below the last line, in \(attempt) measurement(s)")
                throw ExitCode(1)
            }
            print("no normalised figure fell more than \(Int((tolerance * 100).rounded())) % below the last line")
            return
        }
        if let record {
            if BuildInfo.dirty && ofBinary == nil && commit == nil { print("note: this build has uncommitted changes; its line says \(BuildInfo.revisionLabel)") }
            let line = try historyLine()
            try BenchHistory.append(line, to: record)
            print(String(decoding: line.json.compactData, as: UTF8.self))
            print("appended to \(record)")
            return
        }
        let (rows, figures, sizes, (pSites, pCells)) = try measure()
        let n = try parsedSize()
        let threadList = try parsedThreads()
        if json {
            var object: [String: JSONValue] = [
                "version": .string(BuildInfo.version), "git_revision": .string(BuildInfo.gitRevision), "machine": .string(Bench.machine),
                "threads": .array(threadList.map { .number(Double($0)) }), "size": .number(Double(n)),
                "date": .string(ISO8601DateFormatter().string(from: Date())),
            ]
            object["figures"] = .object(figures.mapValues { .number($0) })
            print(String(decoding: JSONValue.object(object).compactData, as: UTF8.self))
        } else {
            print("kernel     size  threads   throughput (updates/s)   step (ms)")
            for r in rows {
                print(String(format: "%-9@ %5d  %7d   %22.3g   %9.3f", r.kernel as NSString, r.size, r.threads, r.throughput, r.seconds * 1e3))
            }
            print(String(format: "scaling at 1 thread over %d, %d, %d sites per side: time ~ sites^%.2f (diffusion), ~ cells^%.2f (cells)", sizes[0], sizes[1], sizes[2], pSites, pCells))
            print("memory: \(Bench.bytesPerSite(factors: 4)) bytes per site (4 factors, tissue, site index), \(CellPopulation.bytesPerCell) bytes per cell")
        }
        if let compare {
            guard let text = try? String(contentsOfFile: compare, encoding: .utf8),
                  let line = text.split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }),
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let old = object["figures"] as? [String: Double] else {
                fail("woundsim: cannot read a bench JSON line from \(compare)")
                throw ExitCode(2)
            }
            print("figure                      now          before       ratio")
            for key in figures.keys.sorted() {
                guard let before = old[key], let now = figures[key] else { continue }
                print(String(format: "%-26@ %12.4g %12.4g %8.3f", key as NSString, now, before, before != 0 ? now / before : .nan))
            }
        }
    }
}
