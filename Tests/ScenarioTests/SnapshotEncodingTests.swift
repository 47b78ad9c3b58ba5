import Foundation
import Run
import Scenario
import Simulation
import XCTest

/// Snapshot files are encoded on the run's threads in the default floating-point mode, not with
/// subnormals flushed as the step's kernels are: a factor value below Float's normal range
/// (1.2e-38) must still reach the `.npy` as a subnormal Float, not as 0, and the bytes must not
/// depend on the thread count.
final class SnapshotEncodingTests: XCTestCase {
    func testSnapshotKeepsSubnormalFloatsAtAnyThreadCount() throws {
        var scenario = try ScenarioLoader.load("excisional-wound-inflammation-control",
                                               sets: ["lattice.size=[256, 160]"] + ScenarioLoader.shrunk("excisional-wound-inflammation-control")
                                                   + ["time.snapshot_every=\"1 h\""]).scenario
        scenario.model.duration = scenario.model.dt   // one step: the t = 0 snapshot is the one read
        let name = scenario.model.factors[0].name
        var files: [Data] = []
        for threads in [1, 2] {
            let world = try World(scenario.model)
            world.fields.buffer(0)[7] = 1e-40
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-snapshot-\(threads)-\(getpid())")
            let folder = try RunFolder(path: dir.path, force: true)
            _ = try Runner.run(scenario, world: world, folder: folder, options: .init(threads: threads, command: "test", progress: false))
            let data = try Data(contentsOf: dir.appendingPathComponent("fields/\(name)_t00000min.npy"))
            files.append(data)
            // Values start at the 64-byte aligned header's end; site 7 is the eighth float32.
            let headerLength = Int(data[8]) | Int(data[9]) << 8
            let offset = 10 + headerLength + 7 * 4
            let bits = data[offset..<(offset + 4)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
            XCTAssertEqual(Float(bitPattern: bits), Float(1e-40), "\(threads) threads")
            XCTAssertTrue(Float(bitPattern: bits).isSubnormal)
            try? FileManager.default.removeItem(at: dir)
        }
        XCTAssertEqual(files[0], files[1])
    }
}
