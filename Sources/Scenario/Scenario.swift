import Cells
import Fields
import Foundation
import SimCore
import Simulation
import StrictYAML

/// A decoded, validated scenario: the model in internal units plus what the run folder needs.
public struct Scenario: Sendable {
    public var model: ModelConfig
    public var description: String
    /// Snapshot interval [min], if any.
    public var snapshotEvery: Double?
    /// Checkpoint interval [min], if any.
    public var checkpointEvery: Double?
    /// Citations by key path, as written.
    public var sources: [String: String]
    /// Non-fatal findings (retracted sources).
    public var warnings: [InputIssue]
}
