import Scenario
import XCTest

extension ScenarioLoader {
    /// Bundled scenarios that differ from another bundled one only in the medium applied (its
    /// profile, concentrations, dose or schedule), each with that other one: they take the same
    /// code paths, so the bit-for-bit tests (active set, thread counts) run one of each.
    static let mediumVariants: [String: String] = [
        "excisional-wound-hgf-depleted": "excisional-wound-asc-cm",
        "excisional-wound-spheroid-cm": "excisional-wound-asc-cm",
        "excisional-wound-diabetic-control": "excisional-wound-diabetic-asc-cm",
        "excisional-wound-inflammation-asc-cm": "excisional-wound-inflammation-control",
    ]

    /// The bundled scenarios less the medium variants.
    static var bundledMechanisms: [String] { bundledNames.filter { mediumVariants[$0] == nil } }

    /// Settings that make a bundled scenario small enough for the bit-for-bit tests while keeping
    /// its mechanisms: a narrower scratch, a smaller wound, and a dermis with depth kept at 6 layers
    /// (still linked, so cells move up and down).
    static func shrunk(_ name: String) -> [String] {
        if name.contains("scratch") { return ["wound.width=\"1 mm\""] }
        if name.hasPrefix("proliferation") { return ["seed=1"] }
        let base = ["wound.diameter=\"2.5 mm\""]
        return (try? load(name).scenario.model.dermisLayers).map { $0 > 1 ? base + ["lattice.dermis_layers=6"] : base } ?? base
    }
}

final class BundledMechanismsTests: XCTestCase {
    /// A medium variant equals the scenario it stands for once its name and medium are set to
    /// that scenario's: a new difference (a condition, a cell value) would put it back in the
    /// bit-for-bit tests.
    func testMediumVariantsDifferOnlyInTheMedium() throws {
        for (variant, kept) in ScenarioLoader.mediumVariants {
            var v = try ScenarioLoader.load(variant).scenario.model
            let k = try ScenarioLoader.load(kept).scenario.model
            XCTAssertNotEqual(v.secretome, k.secretome, variant)
            v.name = k.name
            v.secretome = k.secretome
            XCTAssertEqual(v, k, "\(variant) differs from \(kept) in more than the medium")
        }
        XCTAssertTrue(Set(ScenarioLoader.mediumVariants.values).isSubset(of: ScenarioLoader.bundledMechanisms))
    }
}
