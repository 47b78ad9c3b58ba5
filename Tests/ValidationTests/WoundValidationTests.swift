import Foundation
import SimCore
import Scenario
import Simulation
import XCTest

/// VALIDATION.md section 3: the model behaves like wounds do, qualitatively, with statistics over
/// seeds. Each comparison runs the bundled scenarios on a smaller piece of skin (3 x 3 mm, a
/// 1.8 mm wound, 3 days) for the same five seeds in both arms and asks for a mean per-seed
/// difference of more than three standard errors, the errors taken from the seeds' spread.
final class WoundValidationTests: XCTestCase {
    static let small = ["lattice.size=[150, 150]", "wound.diameter=\"1.8 mm\"", "time.snapshot_every=~"]
    static let seeds: [UInt64] = [1, 2, 3, 4, 5]
    static let days = 3.0

    /// Outcomes already run, by scenario, settings and days: several tests share an arm (the
    /// ASC-CM wound at day 3 is the reference of three). Tests of a class run one at a time.
    nonisolated(unsafe) static var ran: [String: [Observation]] = [:]

    /// The observation at the end of `days` for each seed. The seeds run side by side, one
    /// thread each (a world's bits do not depend on its thread count or neighbours).
    func outcomes(_ scenario: String, sets: [String] = [], days: Double = WoundValidationTests.days) throws -> [Observation] {
        let key = "\(scenario) \(sets) \(days)"
        if let done = Self.ran[key] { return done }
        let scenarios = try Self.seeds.map { seed in
            var s = try ScenarioLoader.load(scenario, sets: Self.small + sets).scenario
            s.model.seed = seed
            s.model.duration = days * 1440
            return s
        }
        let observed = try parallelMap(scenarios.count, threads: 2) { i in
            let world = try World(scenarios[i].model)
            for _ in 0..<Int(scenarios[i].model.duration / scenarios[i].model.dt) { world.advance(threads: 1) }
            return world.observation()
        }
        Self.ran[key] = observed
        return observed
    }

    /// Asserts that a exceeds b, seed by seed: both arms use the same seeds (common random
    /// numbers, as sweeps do), so the per-seed differences are compared with their own spread:
    /// mean difference > 3 standard errors of the mean difference.
    func assertGreater(_ a: [Double], _ b: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let d = zip(a, b).map { $0 - $1 }
        let (m, sd) = GSL.meanAndStandardDeviation(d)
        let se = sd / Double(d.count).squareRoot()
        print("\(what): \(GSL.meanAndStandardDeviation(a).mean) vs \(GSL.meanAndStandardDeviation(b).mean), paired difference \(m) +- \(se)")
        XCTAssertGreaterThan(m, 3 * max(se, 1e-9), "\(what): paired difference \(m) +- \(se) over seeds \(d)", file: file, line: line)
    }

    func testConditionedMediumClosesFasterThanControl() throws {
        let treated = try outcomes("excisional-wound-asc-cm").map(\.closurePercent)
        let control = try outcomes("excisional-wound-control").map(\.closurePercent)
        assertGreater(treated, control, "closure % at day 3, ASC-CM vs control")
        // A higher dose is not slower (within noise): twice the dose closes at least as far.
        let double = try outcomes("excisional-wound-asc-cm", sets: ["secretome.dose=20"]).map(\.closurePercent)
        let (md, sd) = GSL.meanAndStandardDeviation(double), (mt, st) = GSL.meanAndStandardDeviation(treated)
        XCTAssertGreaterThanOrEqual(md - mt, -3 * (sd * sd / 5 + st * st / 5).squareRoot(), "double dose \(md) vs \(mt)")
    }

    /// At day 2, before new vessels fill the small wound.
    func testHGFDepletionLowersEndothelialCellsAndVessels() throws {
        let full = try outcomes("excisional-wound-asc-cm", days: 2)
        let depleted = try outcomes("excisional-wound-hgf-depleted", days: 2)
        assertGreater(full.map { Double($0.endothelialInWound) }, depleted.map { Double($0.endothelialInWound) }, "endothelial cells in the wound, ASC-CM vs HGF-depleted")
        assertGreater(full.map(\.vesselDensity), depleted.map(\.vesselDensity), "vessel density in the wound, ASC-CM vs HGF-depleted")
    }

    /// EGF removed from the medium and from the wound's own production (as with a neutralising
    /// antibody). Removing it from the medium alone changes little: ASC-CM carries little EGF
    /// (0.01-0.3 ng/mL [lit]) next to the wound's own.
    func testEGFRemovalSlowsReepithelialisation() throws {
        let full = try outcomes("excisional-wound-asc-cm").map(\.closurePercent)
        let noEGF = try outcomes("excisional-wound-asc-cm", sets: ["secretome.deplete=[EGF]", "injury.levels.EGF=\"0 ng/mL\""]).map(\.closurePercent)
        assertGreater(full, noEGF, "closure % at day 3, ASC-CM vs EGF-depleted")
    }

    func testSpheroidMediumHealsFasterThanMonolayerMedium() throws {
        let spheroid = try outcomes("excisional-wound-spheroid-cm").map(\.closurePercent)
        let monolayer = try outcomes("excisional-wound-asc-cm").map(\.closurePercent)
        assertGreater(spheroid, monolayer, "closure % at day 3, spheroid vs monolayer CM")
    }

    /// Time steps are chosen by accuracy: halving dt (2 -> 1 min) changes the closure time of the
    /// small ASC-CM wound by less than 2 %, over four seeds per dt.
    func testHalvingTheTimeStepChangesClosureTimeByLessThanTwoPercent() throws {
        // Four seeds at each dt, all eight side by side, one thread each (the longer runs first,
        // so that neither core idles at the end).
        let runs = try ["1 min", "2 min"].flatMap { dt in
            try Self.seeds.prefix(4).map { seed in
                var s = try ScenarioLoader.load("excisional-wound-asc-cm", sets: Self.small + ["time.dt=\"\(dt)\""]).scenario
                s.model.seed = seed
                return s
            }
        }
        let times = try parallelMap(runs.count, threads: 2) { i -> Double? in
            let world = try World(runs[i].model)
            while world.closureTimeMinutes == nil && world.time < 8 * 1440 { world.advance(threads: 1) }
            return world.closureTimeMinutes
        }
        let closed = times.compactMap { $0 }
        guard closed.count == runs.count else { return XCTFail("the small wound should close within 8 days: \(times)") }
        let fine = GSL.meanAndStandardDeviation(Array(closed[0..<4]))
        let coarse = GSL.meanAndStandardDeviation(Array(closed[4..<8]))
        let change = abs(coarse.mean - fine.mean) / fine.mean
        print("closure time: dt 2 min \(coarse.mean / 60) h (sd \(coarse.sd / 60)), dt 1 min \(fine.mean / 60) h (sd \(fine.sd / 60)), change \(100 * change) %")
        XCTAssertLessThan(change, 0.02)
    }
}
