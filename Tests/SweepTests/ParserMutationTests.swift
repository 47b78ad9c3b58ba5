import Foundation
import Scenario
import SimCore
import StrictYAML
import Sweep
import XCTest

/// A deterministic mutation test of the scenario and sweep parsers (issue 7), beside the libFuzzer
/// target (`make fuzz`): every bundled scenario and sweep file, mutated thousands of times with a
/// seeded stream, must parse to a value or to a list of located problems, never crash.
final class ParserMutationTests: XCTestCase {
    static let tokens = [":", ": ", "-", "- ", "[", "]", "{", "}", ",", "~", "\"", "'", "&a ", "*a", "!!str ", "!!binary ", "0", "-1", "1e309",
                         "nan", ".inf", "-.inf", "\t", "\n", "  ", "# ", "\u{0}", "é", "😀", "99999999999999999999999", "\"60 um^2/s\"",
                         "\"-5 h\"", "extends: scratch-assay\n", "extends: /dev/zero\n", "extends: ../../../../etc/passwd\n", "<<: *a\n",
                         "? ", "|\n", ">\n", "%YAML 1.2\n", "---\n", "...\n", "\"1 mL/ng\"", "steps: 100000\n", "seeds: []\n"]

    static func mutate(_ text: String, _ r: inout RandomStream) -> String {
        var bytes = Array(text.utf8)
        let operations = 1 + Int(r.below(4))
        for _ in 0..<operations {
            let n = bytes.count
            switch r.below(7) {
            case 0 where n > 0:  // delete a span
                let a = Int(r.below(UInt32(n))), len = min(n - a, 1 + Int(r.below(40)))
                bytes.removeSubrange(a..<(a + len))
            case 1:  // insert a token
                let t = Array(tokens[Int(r.below(UInt32(tokens.count)))].utf8)
                bytes.insert(contentsOf: t, at: Int(r.below(UInt32(n + 1))))
            case 2 where n > 0:  // flip a byte
                bytes[Int(r.below(UInt32(n)))] ^= UInt8(1 + r.below(255))
            case 3:  // duplicate a line
                var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let i = Int(r.below(UInt32(lines.count)))
                lines.insert(lines[i], at: Int(r.below(UInt32(lines.count + 1))))
                bytes = Array(lines.joined(separator: "\n").utf8)
            case 4:  // swap two lines
                var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                lines.swapAt(Int(r.below(UInt32(lines.count))), Int(r.below(UInt32(lines.count))))
                bytes = Array(lines.joined(separator: "\n").utf8)
            case 5 where n > 0:  // truncate
                bytes = Array(bytes.prefix(Int(r.below(UInt32(n)))))
            default:  // change the indentation of a line
                var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let i = Int(r.below(UInt32(lines.count)))
                lines[i] = r.below(2) == 0 ? "  " + lines[i] : String(lines[i].drop { $0 == " " })
                bytes = Array(lines.joined(separator: "\n").utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func testMutatedScenariosAndSweepsNeverCrash() throws {
        let root = SweepTests.repoRoot
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-mutation-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var seeds: [(String, String)] = []
        for sub in ["Scenarios", "Scenarios/sweeps"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(sub).path).sorted() where f.hasSuffix(".yaml") {
                seeds.append((f, try String(contentsOf: root.appendingPathComponent(sub).appendingPathComponent(f), encoding: .utf8)))
            }
        }
        XCTAssertEqual(seeds.count, 32)
        var parsed = 0, rejected = 0, planned = 0
        let perSeed = 250
        for (s, (name, text)) in seeds.enumerated() {
            var r = RandomStream(seed: 2026, step: s, id: 0, purpose: .parserMutation)
            for _ in 0..<perSeed {
                let mutant = Self.mutate(text, &r)
                // As a scenario file (extends resolved from the file's folder).
                let file = folder.appendingPathComponent(name)
                try mutant.write(to: file, atomically: false, encoding: .utf8)
                do { _ = try ScenarioLoader.load(file.path); parsed += 1 } catch {
                    rejected += 1
                    XCTAssertFalse(error.issues.isEmpty)
                    XCTAssertTrue(error.issues.allSatisfy { !$0.message.isEmpty }, "\(error)")
                }
                // As a sweep file (planned when small).
                do {
                    let spec = try SweepFile.parse(mutant, file: file.path)
                    parsed += 1
                    let size = Designs.gridPointCount(spec, cap: 40)
                    if size * spec.seeds.count <= 40, spec.samples <= 16 { _ = try? Planner.plan(spec); planned += 1 }
                } catch {
                    rejected += 1
                    XCTAssertFalse(error.issues.isEmpty)
                }
            }
        }
        print("mutation test: \(seeds.count * perSeed) mutants x 2 parsers: \(parsed) parsed, \(rejected) rejected with located problems, \(planned) sweeps planned, 0 crashes")
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Inputs libFuzzer found that trapped (a Double-to-Int conversion, an Int product), kept as cases.
final class FuzzRegressionTests: XCTestCase {
    func testAnAstronomicalDurationIsAProblemNotATrap() throws {
        // CI's `make fuzz` trapped here: 1e300 d / 2 min steps passed Int.max in the message.
        let text = "name: x\ntime:\n  dt: \"2 min\"\n  duration: \"1e300 d\"\n"
        var issues: [InputIssue] = []
        let tree = try XCTUnwrap(YNode.parse(text, file: "fuzz.yaml", issues: &issues))
        do { _ = try ScenarioDecoder.decode(tree); XCTFail("decoded") } catch {
            let issues = error.issues
            XCTAssertTrue(issues.contains { $0.message.contains("steps is too many") }, "\(error)")
        }
    }

    func testAGridWhoseSizeOverflowsIntIsRefused() throws {
        // Five ranges of 10,000 steps: 1e20 points, past Int.max.
        let keys = ["wound.diameter", "secretome.dose", "time.dt", "lattice.spacing", "secretome.delivery.every"]
        let units = [("\"1 mm\"", "\"6 mm\""), ("1", "100"), ("\"1 min\"", "\"2 min\""), ("\"10 um\"", "\"20 um\""), ("\"12 h\"", "\"24 h\"")]
        var text = "sweep: overflow\nbase: scratch-assay\nparameters:\n"
        for (k, u) in zip(keys, units) { text += "  \(k): {range: [\(u.0), \(u.1)], steps: 10000}\n" }
        text += "design: grid\nseeds: [1]\n"
        let spec = try SweepFile.parse(text, file: SweepTests.repoRoot.appendingPathComponent("Scenarios/sweeps/overflow.yaml").path)
        XCTAssertEqual(spec.parameters.count, 5)
        XCTAssertThrowsError(try Planner.plan(spec)) { error in XCTAssertTrue("\(error)".contains("over a million"), "\(error)") }
    }
}
