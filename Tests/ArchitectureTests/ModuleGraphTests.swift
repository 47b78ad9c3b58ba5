import Foundation
import XCTest

/// The module graph of DESIGN.md "Modules", checked on the sources themselves: every `import`
/// in `Sources/MODULE/` must be a module that MODULE may use. A new import outside the graph
/// (for example `Fields` importing `Cells`, or `Sweep` importing the run loop `Run`) fails here,
/// whether or not Package.swift happens to make it compile.
final class ModuleGraphTests: XCTestCase {
    /// What each module may import, besides the platform (Foundation, Dispatch, Glibc) and itself.
    static let allowed: [String: Set<String>] = [
        "SimCore": ["CGSL", "CWoundsimOS"],
        "Fields": ["SimCore"],
        "Cells": ["SimCore"],
        "Simulation": ["Cells", "Fields", "SimCore"],
        "StrictYAML": ["SimCore", "Yams"],
        "Scenario": ["StrictYAML", "Simulation", "Cells", "Fields", "SimCore"],
        "Artifacts": ["CPNG", "CWoundsimOS"],
        "BuildInfo": [],
        "Run": ["Artifacts", "BuildInfo", "Scenario", "StrictYAML", "Simulation", "Cells", "Fields", "SimCore"],
        "Sweep": ["Artifacts", "StrictYAML", "Scenario", "Simulation", "SimCore", "CWoundsimOS"],
        "Verification": ["Fields", "SimCore", "CGSL"],
        "woundsim": ["Run", "Artifacts", "BuildInfo", "Scenario", "StrictYAML", "Simulation", "Cells", "Verification", "Fields",
                     "SimCore", "Sweep", "CWoundsimOS", "ArgumentParser", "Logging"],
        "WoundsimFuzz": ["Scenario", "StrictYAML", "Sweep"],
    ]
    static let platform: Set<String> = ["Foundation", "Dispatch", "Glibc", "Darwin"]

    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
    }

    /// The modules a Swift file imports (`import X`, `@testable import X`, `import struct X.Y`,
    /// `internal import X`, also inside `#if` blocks).
    static func imports(of text: String) -> Set<String> {
        var found: Set<String> = []
        for raw in text.split(separator: "\n") {
            var words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            while let first = words.first, first.hasPrefix("@") || ["public", "package", "internal", "private", "fileprivate"].contains(first) {
                words.removeFirst()
            }
            guard words.first == "import", words.count >= 2 else { continue }
            let target = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"].contains(words[1]) && words.count >= 3 ? words[2] : words[1]
            if let module = target.split(separator: ".").first { found.insert(String(module)) }
        }
        return found
    }

    /// The modules that sources under `Sources/` import, per module folder.
    static func graph() throws -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        let fm = FileManager.default
        for module in try fm.contentsOfDirectory(atPath: sources.path) {
            let folder = sources.appendingPathComponent(module)
            guard let walker = fm.enumerator(atPath: folder.path) else { continue }
            var used: Set<String> = [], swiftFiles = 0
            while let relative = walker.nextObject() as? String {
                guard relative.hasSuffix(".swift") else { continue }
                swiftFiles += 1
                let text = try String(contentsOf: folder.appendingPathComponent(relative), encoding: .utf8)
                used.formUnion(imports(of: text))
            }
            // System-library targets (module maps and C headers only) have no Swift to check.
            if swiftFiles > 0 { result[module] = used }
        }
        return result
    }

    func testEveryImportFollowsTheModuleGraph() throws {
        let graph = try Self.graph()
        XCTAssertGreaterThanOrEqual(graph.count, 13, "the Sources folder was not found or is incomplete")
        for (module, used) in graph.sorted(by: { $0.key < $1.key }) {
            guard let allowed = Self.allowed[module] else {
                XCTFail("Sources/\(module) is not in ModuleGraphTests.allowed: add it there and to DESIGN.md's module table")
                continue
            }
            let bad = used.subtracting(allowed).subtracting(Self.platform).subtracting([module])
            XCTAssertTrue(bad.isEmpty, "Sources/\(module) imports \(bad.sorted().joined(separator: ", ")), which the module graph does not allow")
        }
    }

    /// The graph has no cycles and keeps the layering DESIGN.md promises.
    func testTheGraphItselfIsLayered() {
        func reaches(_ from: String, _ to: String, _ seen: inout Set<String>) -> Bool {
            for next in Self.allowed[from] ?? [] where !seen.contains(next) {
                if next == to { return true }
                seen.insert(next)
                if reaches(next, to, &seen) { return true }
            }
            return false
        }
        for module in Self.allowed.keys {
            var seen: Set<String> = []
            XCTAssertFalse(reaches(module, module, &seen), "\(module) depends on itself through the graph")
        }
        let forbidden: [(String, String)] = [("Fields", "Cells"), ("Cells", "Fields"), ("Sweep", "Run"), ("Simulation", "Scenario"),
                                             ("Artifacts", "Simulation"), ("Scenario", "Run"), ("Run", "Sweep")]
        for (a, b) in forbidden {
            var seen: Set<String> = []
            XCTAssertFalse(reaches(a, b, &seen), "\(a) must not depend on \(b), even indirectly")
        }
    }

    /// The scanner itself: the import forms Swift allows are all seen.
    func testImportScannerSeesEveryForm() {
        let text = "import Cells\n@testable import Fields\nimport struct Run.Runner\n  internal import Sweep\n#if os(Linux)\nimport Glibc\n#endif\n// import Nothing\nlet importance = 1\n"
        XCTAssertEqual(Self.imports(of: text), ["Cells", "Fields", "Run", "Sweep", "Glibc"])
    }
}
