import Run
import Scenario
import SimCore
import Simulation
import XCTest

extension ScenarioLoader {
    /// Bundled scenarios that differ from another bundled one only in the medium applied (its
    /// profile, concentrations, dose or schedule), the host's condition or the duration, each with
    /// that other one. They take the same code paths: a condition multiplies the scenario's values
    /// once, when the world is built (`ModelConfig.conditioned()`), and a medium is a source term,
    /// so the bit-for-bit tests (active set, thread counts, sense mask) run one of each. Conditions
    /// are tested by `ConditionTests`, and the db/db wounds are run whole by `make
    /// validate-diabetic` (not in CI: no db/db wound is checked at several thread counts there
    /// now). (Measured 2026-12-07: `make test` took 886 s in CI of its 900 s goal, with the two
    /// neutrophil priors added to these tests; two db/db wounds, diabetic-asc-cm and
    /// diabetic-neutrophils, were among them.)
    static let variants: [String: String] = [
        "excisional-wound-hgf-depleted": "excisional-wound-asc-cm",
        "excisional-wound-spheroid-cm": "excisional-wound-asc-cm",
        "excisional-wound-inflammation-asc-cm": "excisional-wound-inflammation-control",
        "excisional-wound-diabetic-control": "excisional-wound-inflammation-control",
        "excisional-wound-diabetic-asc-cm": "excisional-wound-inflammation-control",
        "excisional-wound-diabetic-neutrophils": "excisional-wound-neutrophils",
    ]

    /// The bundled scenarios less the variants.
    static var bundledMechanisms: [String] { bundledNames.filter { variants[$0] == nil } }

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
    /// A variant equals the scenario it stands for once its name, medium, condition and duration
    /// are set to that scenario's: a new difference (a cell value, a factor) would put it back
    /// in the bit-for-bit tests.
    func testVariantsDifferOnlyInTheMediumTheConditionAndTheDuration() throws {
        for (variant, kept) in ScenarioLoader.variants {
            var v = try ScenarioLoader.load(variant).scenario.model
            let k = try ScenarioLoader.load(kept).scenario.model
            XCTAssertTrue(v.secretome != k.secretome || v.condition != k.condition, "\(variant) is \(kept)")
            v.name = k.name
            v.secretome = k.secretome
            v.condition = k.condition
            v.duration = k.duration
            XCTAssertEqual(v, k, "\(variant) differs from \(kept) in more than the medium, the condition and the duration")
        }
        XCTAssertTrue(Set(ScenarioLoader.variants.values).isSubset(of: ScenarioLoader.bundledMechanisms))
    }
}

/// Steps each world `steps` times at its own thread count, two at a time side by side (a world's
/// bits do not depend on what runs beside it), and returns each world's state hashes after every
/// `every` steps and at the end: the bit-for-bit tests compare them. Two worlds at one thread
/// each use both cores; one world at two threads gains about 1.2x on its memory-bound loops. A
/// world of more than one thread should be passed alone: beside another, its parallel passes
/// nest inside a worker of this one and may run on one thread.
func stateHashes(_ worlds: [(world: World, threads: Int)], steps: Int, every: Int = 90) throws -> [[Int]] {
    try parallelMap(worlds.count, threads: min(2, worlds.count)) { i in
        let (w, threads) = worlds[i]
        var hashes: [Int] = []
        for step in 1...steps {
            w.advance(threads: threads)
            if step % every == 0 || step == steps {
                var h = Hasher()
                w.encodeState().withUnsafeBytes { h.combine(bytes: $0) }
                hashes.append(h.finalize())
            }
        }
        return hashes
    }
}

/// The step of the first hash where `b` differs from `a` (hashes as `stateHashes` returns them).
func firstDifference(_ a: [Int], _ b: [Int], steps: Int, every: Int = 90) -> Int? {
    let checked = (1...steps).filter { $0 % every == 0 || $0 == steps }
    return a.indices.first { a[$0] != b[$0] }.map { checked[$0] }
}
