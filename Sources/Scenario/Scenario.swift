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
    /// Notices of how the file was read (which file or bundled scenario each `extends:` used).
    public var notes: [String] = []
    /// Values the user set (dotted key -> "--set" or a file name), marked in the run folder's
    /// `scenario.resolved.yaml` and report; not part of the run's identity.
    public var marks: [String: String] = [:]
}
