import Foundation
import Scenario
import StrictYAML
import XCTest

/// PARAMETERS.md (the living copy in the repository) and the bundled scenarios agree: its section
/// "Defaults of the bundled scenarios" lists, per scenario file, every value the file sets (key,
/// value as written), no more and no fewer, and every listed key addresses exactly one value of
/// the file (list entries by their selector). Regenerate the section with
/// `scripts/parameter-table.py` after editing a scenario.
final class ParameterDocumentTests: XCTestCase {
    static var document: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PARAMETERS.md")
    }

    /// Keys that name or cite rather than set a value.
    static let skipped: Set<String> = ["name", "description", "extends", "source", "lag_source"]

    /// (key, value) for every value the file itself sets, keyed as the document writes them.
    static func values(of node: YNode, path: String = "", selected: Set<String> = []) -> [(String, String)] {
        guard case let .map(entries) = node.value else { return [] }
        var out: [(String, String)] = []
        for e in entries where !skipped.contains(e.key) && !selected.contains(e.key) {
            let key = path.isEmpty ? e.key : "\(path).\(e.key)"
            switch e.value.value {
            case let .scalar(s, _): out.append((key, s))
            case .null: out.append((key, "~"))
            case .map: out += values(of: e.value, path: key)
            case let .list(items):
                let scalars = items.compactMap { item -> String? in if case let .scalar(s, _) = item.value { return s } else { return nil } }
                if scalars.count == items.count {
                    out.append((key, "[" + scalars.joined(separator: ", ") + "]"))
                } else {
                    for item in items {
                        let pairs = ["behaviour", "factor"].compactMap { k -> String? in
                            if case let .scalar(s, _)? = item[k]?.value { return "\(k)=\(s)" } else { return nil }
                        }
                        out += values(of: item, path: key + "[" + pairs.joined(separator: ",") + "]", selected: ["behaviour", "factor"])
                    }
                }
            }
        }
        return out
    }

    /// The document's rows per scenario section.
    static func documentedValues() throws -> [String: [(String, String)]] {
        let text = try String(contentsOf: document, encoding: .utf8)
        guard let start = text.range(of: "## Defaults of the bundled scenarios") else { return [:] }
        var sections: [String: [(String, String)]] = [:]
        var current: String?
        for line in text[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("### `") {
                current = String(line.dropFirst(5).prefix { $0 != "`" })
                sections[current!] = []
            } else if let name = current, line.hasPrefix("| `") {
                let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                guard cells.count >= 2 else { continue }
                sections[name]!.append((cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")),
                                        cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))))
            }
        }
        return sections
    }

    func testParameterDocumentMatchesTheBundledScenarios() throws {
        let documented = try Self.documentedValues()
        XCTAssertEqual(Set(documented.keys), Set(ScenarioLoader.bundledNames), "one section per bundled scenario")
        for name in ScenarioLoader.bundledNames {
            var issues: [InputIssue] = []
            let tree = try XCTUnwrap(YNode.parse(try XCTUnwrap(ScenarioLoader.bundledText(name)), file: name, issues: &issues), name)
            let inFile = Self.values(of: tree)
            let inDocument = documented[name] ?? []
            let file = Dictionary(inFile, uniquingKeysWith: { a, _ in a }), doc = Dictionary(inDocument, uniquingKeysWith: { a, _ in a })
            XCTAssertEqual(file.count, inFile.count, "\(name): a key appears twice in the file's rows (selectors that do not tell entries apart?)")
            XCTAssertEqual(doc.count, inDocument.count, "\(name): a key appears twice in PARAMETERS.md")
            for (key, value) in inFile where doc[key] != value {
                XCTFail("\(name): \(key) is `\(value)` in the scenario but \(doc[key].map { "`\($0)`" } ?? "missing") in PARAMETERS.md; run scripts/parameter-table.py")
            }
            for (key, _) in inDocument where file[key] == nil {
                XCTFail("\(name): PARAMETERS.md lists \(key), which the scenario file does not set")
            }
            for (key, value) in inFile {
                guard case let .success(path) = KeyPath.parse(key) else { XCTFail("\(name): \(key) is not a key path"); continue }
                guard let node = tree.value(at: path) else { XCTFail("\(name): \(key) addresses no single value"); continue }
                if case let .scalar(s, _) = node.value { XCTAssertEqual(s, value, "\(name): \(key)") }
            }
        }
    }

    /// The check can fail: a changed value is reported.
    func testAChangedValueIsSeen() throws {
        var issues: [InputIssue] = []
        let tree = try XCTUnwrap(YNode.parse("factors:\n  EGF: { decay: \"0.4 /h\" }\ncells:\n  keratinocyte:\n    responses:\n      - { behaviour: migration, factor: EGF, ec50: \"1 ng/mL\" }\n", file: "t", issues: &issues))
        let values = Dictionary(Self.values(of: tree), uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(values["factors.EGF.decay"], "0.4 /h")
        XCTAssertEqual(values["cells.keratinocyte.responses[behaviour=migration,factor=EGF].ec50"], "1 ng/mL")
        XCTAssertNotEqual(values["factors.EGF.decay"], "0.3 /h")
    }
}
