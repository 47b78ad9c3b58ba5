import Foundation
import Output
import Scenario
import Simulation
import XCTest

/// DESIGN.md's core invariant: the same scenario and seed give the same bytes at any thread
/// count. Every bundled scenario runs a short horizon (on a smaller lattice, with snapshots) at
/// 1, 2, 4 and 8 threads; the checksums of the timeseries, every field, cell table, frame and
/// VTK file must agree.
final class ThreadInvarianceTests: XCTestCase {
    func testEveryBundledScenarioIsBitIdenticalAtAnyThreadCount() throws {
        for name in ScenarioLoader.bundledNames {
            let shrink = name.hasPrefix("scratch") ? "wound.width=\"300 um\"" : "wound.diameter=\"1 mm\""
            var scenario = try ScenarioLoader.load(name, sets: ["lattice.size=[80, 70]", shrink, "time.snapshot_every=\"2 h\"", "time.output_every=\"1 h\""]).scenario
            scenario.model.duration = 6 * 60
            var reference: [String: String]? = nil
            for threads in [1, 2, 4, 8] {
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-threads-\(name)-\(threads)-\(getpid())")
                let folder = try RunFolder(path: dir.path, force: true)
                let world = try World(scenario.model)
                _ = try Runner.run(scenario, world: world, folder: folder, options: .init(threads: threads, command: "test", progress: false))
                let sums = folder.checksums.filter { $0.key != "summary.json" && $0.key != "manifest.json" && $0.key != "report.html" }
                XCTAssertGreaterThan(sums.count, 20)
                if let reference {
                    for (path, sum) in reference where sums[path] != sum {
                        XCTFail("\(name): \(path) differs between 1 and \(threads) threads")
                    }
                    XCTAssertEqual(Set(sums.keys), Set(reference.keys))
                } else {
                    reference = sums
                }
                try? FileManager.default.removeItem(at: dir)
            }
        }
    }
}
