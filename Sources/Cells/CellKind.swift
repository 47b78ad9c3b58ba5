/// The cell kinds of the skin model. One population holds every kind; a cell's kind is a field,
/// not a type (one kind field is several times faster than a type per kind; STYLE.md, Agents.jl).
public enum CellKind: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case keratinocyte = 0
    /// Fibroblasts; a myofibroblast is a fibroblast with `CellFlags.myofibroblast` set.
    case fibroblast = 1
    case endothelial = 2
    /// Macrophages (monocyte-derived), recruited from vessels (`KindParameters.recruitment`); a
    /// macrophage with `CellFlags.repair` set has switched from the pro-inflammatory to the
    /// pro-repair state (`KindParameters.polarization`).
    case macrophage = 3
    /// Neutrophils, recruited from vessels as macrophages are (`KindParameters.recruitment`), one
    /// state (a `polarization` would set `CellFlags.repair`, which only the macrophages' counts
    /// report); their tissue life span is their `apoptosis` rate. Reported when the scenario has them.
    case neutrophil = 4

    /// The kinds of the tissue itself, reported in every run (migration onsets, counts); a
    /// recruited kind is reported when the scenario has it.
    public static let resident: [CellKind] = [.keratinocyte, .fibroblast, .endothelial]

    /// The name used in scenario files and outputs.
    public var description: String { ["keratinocyte", "fibroblast", "endothelial", "macrophage", "neutrophil"][Int(rawValue)] }

    public init?(name: String) {
        guard let k = CellKind.allCases.first(where: { $0.description == name }) else { return nil }
        self = k
    }
}

/// Per-cell state bits.
public struct CellFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The cell has had its lag of exposure and now migrates (timed migration).
    public static let migratory = CellFlags(rawValue: 1 << 0)
    /// A fibroblast that has differentiated after its residence time in the wound.
    public static let myofibroblast = CellFlags(rawValue: 1 << 1)
    /// A cell that has switched to its second state (`KindParameters.polarization`): for
    /// macrophages the pro-repair (M2-like) state, which secretes `repairSecretion` instead of
    /// `secretion`. Set once, never cleared.
    public static let repair = CellFlags(rawValue: 1 << 2)
    /// A sprouting kind's tip cell (`KindParameters.sprouting`); an activated cell without it is a
    /// stalk cell.
    public static let tip = CellFlags(rawValue: 1 << 3)
    /// Set while a step runs on a cell that has moved in it, so that a cell that moved into a
    /// tile processed later in the same step is not updated twice; cleared at the end of the step
    /// (a checkpoint never holds it; older checkpoints' bit 7 is cleared on restore).
    public static let moved = CellFlags(rawValue: 1 << 7)
}
