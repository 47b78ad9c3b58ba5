import Foundation
import Scenario
import SimCore
import Simulation
import XCTest

/// The run's numerical guard (`World.healthProblem`): a NaN, an infinity or a negative value in
/// any field is found and named by its first site, whether it lies in the vector part of a chunk
/// or its scalar tail, and the answer does not depend on the thread count.
final class HealthCheckTests: XCTestCase {
    func testTheGuardNamesTheFirstBrokenValueAtAnyThreadCount() throws {
        let scenario = try ScenarioLoader.load("excisional-wound-inflammation-control", sets: ["lattice.size=[256, 160]"] + ScenarioLoader.shrunk("excisional-wound-inflammation-control")).scenario
        let world = try World(scenario.model)
        XCTAssertNil(world.healthProblem(threads: 1))
        XCTAssertNil(world.healthProblem(threads: 2))
        let n = world.lattice.count
        let f = world.fields.names.count - 1
        // 256 x 160 x 2 sites: two chunks of the scan (65,536 sites each). The last site, sites
        // just before and after the chunks' border, one inside the vectors, and site 0.
        XCTAssertEqual(n, 81_920)
        for (site, value) in [(n - 1, -1e-300), (65_535, Double.nan), (65_536, -Double.infinity), (n / 3 + 1, Double.nan), (0, Double.infinity), (n - 3, -0.5)] {
            let buffer = world.fields.buffer(f)
            let saved = buffer[site]
            buffer[site] = value
            let one = world.healthProblem(threads: 1), two = world.healthProblem(threads: 2), three = world.healthProblem(threads: 3)
            XCTAssertNotNil(one, "site \(site) = \(value)")
            XCTAssertEqual(one, two); XCTAssertEqual(one, three)
            XCTAssertTrue(one?.contains("factor \(world.fields.names[f])") ?? false, one ?? "")
            XCTAssertTrue(one?.contains("at site \(site) ") ?? false, one ?? "")
            // A second bad value further on does not hide the first.
            let later = min(n - 1, site + 7)
            if later != site {
                let kept = buffer[later]
                buffer[later] = .nan
                XCTAssertTrue(world.healthProblem(threads: 2)?.contains("at site \(site) ") ?? false)
                buffer[later] = kept
            }
            buffer[site] = saved
            XCTAssertNil(world.healthProblem(threads: 2))
        }
        // -0 is not negative.
        world.fields.buffer(0)[5] = -0.0
        XCTAssertNil(world.healthProblem(threads: 2))
    }
}
