import Foundation
import Scenario
import SimCore
import StrictYAML
import XCTest

/// `woundsim keys` and the marks of user-set values (issue 17).
final class KeyReferenceTests: XCTestCase {
    /// Every key the decoder reads has a meaning written for it (a new key without one fails here).
    func testEveryKeyHasAMeaning() {
        let entries = KeyReference.entries()
        XCTAssertGreaterThan(entries.count, 100)
        let missing = entries.filter { $0.meaning.isEmpty }.map(\.key)
        XCTAssertEqual(missing, [], "add these to KeyReference.meanings")
        // Every kind is listed, recruited ones included, though no bundled scenario has neutrophils.
        for kind in ["keratinocyte", "fibroblast", "endothelial", "macrophage", "neutrophil"] {
            XCTAssertFalse(KeyReference.entries(prefix: "cells.\(kind).").isEmpty, kind)
        }
        XCTAssertTrue(entries.contains { $0.key == "cells.neutrophil.recruitment.rate" })
        XCTAssertTrue(entries.contains { $0.key == "condition.neutrophil.recruitment" })
    }

    /// Each listed default, set back with --set, is accepted and leaves the scenario unchanged;
    /// each key's type agrees with the decoder's.
    func testEveryDefaultIsASettableValue() throws {
        let base = try ScenarioLoader.load(KeyReference.base).scenario
        var checked = 0
        for e in KeyReference.entries() where e.defaults.count == 1 && !e.key.contains("[i]") && !e.defaults[0].hasSuffix("entries") {
            let raw = e.defaults[0]
            let value = raw.hasPrefix("[") ? raw : "\"\(raw)\""
            let again = try ScenarioLoader.load(KeyReference.base, sets: ["\(e.key)=\(value)"]).scenario
            XCTAssertEqual(again.model, base.model, e.key)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 60)
    }

    /// The marks are comments: the annotated resolved scenario decodes to the same model.
    func testMarksDoNotChangeTheValues() throws {
        let (scenario, _) = try ScenarioLoader.load("scratch-assay", sets: ["secretome.dose=3", "cells.keratinocyte.proliferation.rate=\"0.01 /h\"",
                                                                            "cells.keratinocyte.responses[0].ec50=\"2 ng/mL\""])
        XCTAssertEqual(scenario.marks["secretome.dose"], "--set")
        XCTAssertEqual(scenario.marks["cells.keratinocyte.responses[behaviour=migration,factor=EGF].ec50"], "--set")
        XCTAssertNil(scenario.marks["lattice.spacing"], "bundled values are not marked")
        let plain = ScenarioWriter.yaml(scenario)
        let marked = Overrides.annotate(plain, marks: scenario.marks)
        XCTAssertNotEqual(plain, marked)
        let markedLines = marked.split(separator: "\n").filter { $0.contains("# set by --set") }
        XCTAssertEqual(markedLines.count, 3, marked)
        // A list entry's line names the key set in it.
        XCTAssertTrue(markedLines.contains { $0.hasPrefix("      - {behaviour: migration, factor: EGF,") && $0.hasSuffix("# set by --set: ec50") }, marked)
        XCTAssertTrue(markedLines.contains { $0.contains("proliferation: {rate:") && $0.hasSuffix("# set by --set: rate") }, marked)
        var issues: [InputIssue] = []
        let a = try ScenarioDecoder.decode(YNode.parse(plain, file: "a", issues: &issues)!)
        let b = try ScenarioDecoder.decode(YNode.parse(marked, file: "b", issues: &issues)!)
        XCTAssertEqual(a.model, b.model)
        // The later form replaces the inherited one: a hop rate set over an inherited speed.
        let hop = try ScenarioLoader.load("scratch-assay", sets: ["cells.keratinocyte.migration.hop_rate=\"0.1 /min\""]).scenario
        XCTAssertEqual(hop.model.cells.first { $0.parameters.kind.description == "keratinocyte" }!.parameters.motility.basal, 0.1, accuracy: 1e-15)
    }

    /// Neighbouring letters swapped cost one edit: "HFG" is nearest "HGF".
    func testEditDistanceCountsSwaps() {
        XCTAssertEqual(editDistance("HFG", "HGF"), 1)
        XCTAssertEqual(editDistance("HFG", "bFGF"), 2)
        XCTAssertEqual(editDistance("ca", "abc"), 3)   // optimal string alignment, not full Damerau
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(editDistance("", "abc"), 3)
    }
}
