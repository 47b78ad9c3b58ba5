import Foundation
import XCTest

/// `woundsim bench --record / --of-binary / --check / --history` through the built binary, on a
/// small lattice (the figures themselves are timed, so only their presence and the arithmetic
/// between them are asserted, never their size).
final class BenchHistoryTests: XCTestCase {
    private func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testRecordAppendsNormalisedLinesAndAnOlderBinaryIsMeasuredBetweenReferences() throws {
        let root = temporaryRoot("bench-history")
        let file = root.appendingPathComponent("history.jsonl")
        let small = ["--size", "40x40", "--threads", "1"]
        let first = try CLI.run(["bench", "--record", file.path, "--of-binary", CLI.binary.path, "--commit", "0ld0000"] + small)
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try CLI.run(["bench", "--record", file.path, "--commit", "cafe123"] + small)
        XCTAssertEqual(second.status, 0, second.stderr)
        let history = try lines(file)
        XCTAssertEqual(history.count, 2)
        XCTAssertEqual(history[0]["commit"] as? String, "0ld0000")
        XCTAssertEqual(history[1]["commit"] as? String, "cafe123")
        let reference0 = try XCTUnwrap(history[0]["reference"] as? [String: Any])
        XCTAssertNotEqual(reference0["measured_by"] as? String, "self", "an older binary's reference is measured by this one")
        XCTAssertEqual((history[1]["reference"] as? [String: Any])?["measured_by"] as? String, "self")
        for line in history {
            func numbers(_ any: Any?) throws -> [String: Double] {
                try XCTUnwrap(any as? [String: Any]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
            }
            let figures = try numbers(line["figures"])
            let normalised = try numbers(line["normalised"])
            let triad = try XCTUnwrap(((line["reference"] as? [String: Any])?["triad_bytes_per_s"] as? NSNumber)?.doubleValue)
            XCTAssertGreaterThan(triad, 1e8, "a triad slower than 0.1 GB/s is not a measurement")
            XCTAssertEqual(Set(normalised.keys), ["cells_1t", "diffusion_1t", "step_1t"], "throughputs only")
            for (key, value) in normalised {
                XCTAssertEqual(value, try XCTUnwrap(figures[key]) / (triad / 1e9), accuracy: value * 1e-12)
            }
        }
    }

    func testCheckFailsOnlyWhenANormalisedFigureFallsBeyondTheTolerance() throws {
        let root = temporaryRoot("bench-check")
        func history(_ name: String, normalised value: Double) throws -> URL {
            // A line as --record writes it, with every normalised figure set to `value`.
            let url = root.appendingPathComponent(name)
            let figures = ["cells_1t": value * 10, "diffusion_1t": value * 10, "step_1t": value * 10]
            let line: [String: Any] = ["commit": "feed000", "date": "2026-01-01T00:00:00Z", "machine": "test", "version": "0",
                                       "figures": figures, "reference": ["triad_bytes_per_s": 1e10, "measured_by": "self"]]
            try JSONSerialization.data(withJSONObject: line).write(to: url)
            return url
        }
        let small = ["--size", "40x40", "--threads", "1"]
        let slow = try CLI.run(["bench", "--check", history("slow.jsonl", normalised: 1).path] + small)
        XCTAssertEqual(slow.status, 0, slow.stderr)
        XCTAssertTrue(slow.stdout.contains("no normalised figure fell"), slow.stdout)
        XCTAssertTrue(slow.stdout.contains("step_1t"), slow.stdout)
        let fast = try CLI.run(["bench", "--check", history("fast.jsonl", normalised: 1e15).path, "--attempts", "2"] + small)
        XCTAssertEqual(fast.status, 1, fast.stdout + fast.stderr)
        XCTAssertTrue(fast.stdout.contains("attempt 2 of 2"), fast.stdout)
        XCTAssertTrue(fast.stderr.contains("fell more than 25 % below the last line"), fast.stderr)
        let missing = try CLI.run(["bench", "--check", root.appendingPathComponent("none.jsonl").path] + small)
        XCTAssertEqual(missing.status, 2)
    }

    func testOnTheSameMachineKindAFallCountsOnlyWhenTheRawFigureFellToo() throws {
        // The triad's own noise on one machine kind must not fail a build: a line of this machine
        // kind whose normalised figures are out of reach (a tiny triad) but whose raw figures are
        // tiny passes; one whose raw figures are out of reach too fails.
        let root = temporaryRoot("bench-check-machine")
        let small = ["--size", "40x40", "--threads", "1"]
        let probe = try CLI.run(["bench", "--json"] + small)
        XCTAssertEqual(probe.status, 0, probe.stderr)
        let json = try XCTUnwrap(probe.stdout.split(separator: "\n").last(where: { $0.hasPrefix("{") }))
        let machine = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["machine"] as? String)
        func history(_ name: String, raw: Double, triad: Double, chain: Double? = nil) throws -> URL {
            let url = root.appendingPathComponent(name)
            let figures = ["cells_1t": raw, "diffusion_1t": raw, "step_1t": raw]
            var reference: [String: Any] = ["triad_bytes_per_s": triad, "measured_by": "self"]
            if let chain { reference["chain_steps_per_s"] = chain }
            let line: [String: Any] = ["commit": "feed000", "date": "2026-01-01T00:00:00Z", "machine": machine, "version": "0",
                                       "figures": figures, "reference": reference]
            try JSONSerialization.data(withJSONObject: line).write(to: url)
            return url
        }
        let noisyReference = try CLI.run(["bench", "--check", history("noisy.jsonl", raw: 1, triad: 1e-9).path] + small)
        XCTAssertEqual(noisyReference.status, 0, noisyReference.stdout + noisyReference.stderr)
        XCTAssertTrue(noisyReference.stdout.contains("raw ratio"), noisyReference.stdout)
        XCTAssertTrue(noisyReference.stdout.contains("same machine kind"), noisyReference.stdout)
        let slower = try CLI.run(["bench", "--check", history("slower.jsonl", raw: 1e15, triad: 1e-9).path, "--attempts", "1"] + small)
        XCTAssertEqual(slower.status, 1, slower.stdout + slower.stderr)
        XCTAssertTrue(slower.stderr.contains("fell more than 25 % below the last line"), slower.stderr)
        // A whole machine slowed: raw and triad-normalised figures out of reach, but the old line's
        // core (its dependent chain) was as much faster: no fall. The same line with a chain like
        // this machine's fails.
        let slowMachine = try CLI.run(["bench", "--check", history("slow-machine.jsonl", raw: 1e15, triad: 1e-9, chain: 1e30).path,
                                       "--attempts", "1"] + small)
        XCTAssertEqual(slowMachine.status, 0, slowMachine.stdout + slowMachine.stderr)
        XCTAssertTrue(slowMachine.stdout.contains("chain ratio"), slowMachine.stdout)
        let slowBuild = try CLI.run(["bench", "--check", history("slow-build.jsonl", raw: 1e15, triad: 1e-9, chain: 1e9).path,
                                     "--attempts", "1"] + small)
        XCTAssertEqual(slowBuild.status, 1, slowBuild.stdout + slowBuild.stderr)
    }

    func testHistoryChartsEveryKernelOverCommits() throws {
        let root = temporaryRoot("bench-chart")
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/history.jsonl")
        let page = root.appendingPathComponent("history.html")
        let result = try CLI.run(["bench", "--history", committed.path, "--out", page.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let html = try String(contentsOf: page, encoding: .utf8)
        let commits = try lines(committed).compactMap { $0["commit"] as? String }
        XCTAssertTrue(commits.contains { $0.hasPrefix("b547f0e") }, "the history holds the line of the issue's starting commit")
        XCTAssertGreaterThanOrEqual(commits.count, 2)
        for kernel in ["cells", "diffusion", "step"] { XCTAssertTrue(html.contains("\(kernel): throughput per GB/s"), kernel) }
        for commit in commits { XCTAssertTrue(html.contains(String(commit.prefix(7))), commit) }
        XCTAssertEqual(html.components(separatedBy: "<svg class=\"chart\"").count - 1, 3)
    }
}
