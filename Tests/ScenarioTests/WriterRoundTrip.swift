import Foundation
import Scenario
import Simulation

extension ScenarioLoader {
    /// The model read back from `text`, a scenario as `ScenarioWriter.yaml` writes it, through a
    /// temporary file named after `name` (removed again): the writer's round trip that the tests of
    /// each mechanism check.
    static func reloaded(_ text: String, name: String) throws -> ModelConfig {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid()).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try load(file.path).scenario.model
    }
}
