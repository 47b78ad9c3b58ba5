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
        abstract: "Measure the diffusion, cell and full-step kernels; print a table or one JSON line.",
        discussion: "Each figure is the median of 9 steps after a warm-up. --compare OLD.json prints each figure's ratio to the last line of OLD.json."
    )

    @Option(name: .long, help: "Largest lattice, NxN sites (default 500x500); the scaling fit also runs at about 1/4 and 1/2 of its sites.")
    var size: String = "500x500"

    @Option(name: .long, help: "Thread counts to measure, comma-separated (default: 1 and all cores).")
    var threads: String?

    @Flag(name: .long, help: "Print one JSON line instead of the table.")
    var json = false

    @Option(name: .long, help: "An earlier JSON line (file) to compare with.")
    var compare: String?

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

    func validate() throws { _ = try parsedSize(); _ = try parsedThreads() }

    func run() throws {
        let n = try parsedSize()
        let threadList = try parsedThreads()
        var rows: [Bench.Row] = []
        for t in threadList {
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
