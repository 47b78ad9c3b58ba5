import Foundation
import SimCore
import StrictYAML

/// A parsed, validated sweep file (DESIGN.md "Sweeps"): a base scenario, the parameters to vary,
/// a design, the replicate seeds and the metrics to collect. Strict like scenarios: every problem
/// is reported with its file, line and key.
public struct SweepSpec: Sendable {
    public enum Design: String, Sendable, CaseIterable {
        case grid
        case latinHypercube = "latin-hypercube"
        case sobol
        case morris
    }

    public enum Scale: String, Sendable { case linear, log }

    /// The values a parameter takes.
    public enum Domain: Sendable, Equatable {
        /// Explicit values (any YAML scalars: numbers, names, values with units).
        case list([String])
        /// From `min` to `max` in `unit` (as written; "" for a plain number); a grid takes
        /// `steps` values, the sampling designs draw uniformly on the scale.
        case range(min: Double, max: Double, unit: String, scale: Scale, steps: Int?)
        /// A normal distribution in `unit` (sampling designs only; quantiles clamped to
        /// 0.05 %...99.95 %, i.e. within 3.3 standard deviations).
        case normal(mean: Double, sd: Double, unit: String)
    }

    public struct Parameter: Sendable {
        /// Dotted scenario key (`secretome.dose`).
        public var key: String
        public var domain: Domain
        /// Where the parameter is written in the sweep file.
        public var location: SourceLocation
        /// The unit the values are written in ("" for plain numbers and lists).
        public var unit: String {
            switch domain {
            case .list: return ""
            case let .range(_, _, unit, _, _), let .normal(_, _, unit): return unit
            }
        }
    }

    public var name: String
    public var description: String
    /// The sweep file's path (for messages).
    public var file: String
    /// The base scenario: a bundled name or a path (relative paths are relative to the sweep file).
    public var base: String
    public var baseLocation: SourceLocation
    /// Values applied to every run (dotted key -> YAML node located in the sweep file).
    public var sets: [(key: String, node: YNode)]
    public var parameters: [Parameter]
    public var design: Design
    /// Latin hypercube: points; Sobol: base samples N (N (k + 2) points); Morris: trajectories.
    public var samples: Int
    /// Morris: grid levels p (even).
    public var levels: Int
    /// Seeds the random designs (latin hypercube, Morris); the quasi-random Sobol design has none.
    public var designSeed: UInt64
    /// Replicates: the same seeds at every design point (common random numbers).
    public var seeds: [UInt64]
    public var metrics: [String]
    /// An untreated (or reference) arm run at the same seeds: dotted key -> value, applied over
    /// the base and `set:` (e.g. `secretome.profile: control`); empty when there is none.
    public var control: [(key: String, node: YNode)]
}

/// The metrics a sweep can collect from each run folder.
public enum SweepMetrics {
    /// Fixed names; `closure_pct_dayN` (N a whole number of days) is also accepted.
    public static let fixed = [
        "closure_time_h", "closure_pct_final", "collagen_in_wound_final", "vessel_density_in_wound_final",
        "keratinocytes_in_wound_final", "fibroblasts_in_wound_final", "endothelial_in_wound_final",
        "migration_onset_h.keratinocyte", "migration_onset_h.fibroblast", "migration_onset_h.endothelial",
        "edge_migration_onset_h", "gap_closure_pct_final", "detached_ahead_pct_final",
        "contraction_pct_final", "closure_with_contraction_pct_final", "contraction_pct_at_closure",
    ]
    /// Timeseries columns that a metric `COLUMN_at_Xh` reads at any time of the run
    /// (`{COLUMN_at: "24 h"}` in a sweep file); the gap and detached columns exist for scratches,
    /// the macrophage and neutrophil columns in scenarios with them.
    /// Each factor's columns, `F_mean_ngml` and `F_interval_mean_ngml`, are read the same way.
    public static let seriesColumns = ["closure_pct", "contraction_pct", "closure_with_contraction_pct", "gap_closure_pct", "detached_ahead_pct", "keratinocytes", "fibroblasts", "endothelial",
                                       "keratinocytes_in_wound", "fibroblasts_in_wound", "endothelial_in_wound",
                                       "macrophages", "macrophages_inflammatory", "macrophages_repair", "macrophages_in_wound",
                                       "macrophages_inflammatory_share_in_wound", "neutrophils", "neutrophils_in_wound"]

    /// A factor's timeseries column: `F_mean_ngml` (at the row's time) or `F_interval_mean_ngml`
    /// (averaged over the output interval), F a factor name (letters, digits, `-`, `_`).
    public static func isFactorColumn(_ c: String) -> Bool { factor(ofColumn: c) != nil }

    /// The factor a factor column reads (`EGF` of `EGF_interval_mean_ngml`); nil for other columns.
    public static func factor(ofColumn c: String) -> String? {
        guard c.hasSuffix("_mean_ngml") else { return nil }
        let name = c.hasSuffix("_interval_mean_ngml") ? c.dropLast("_interval_mean_ngml".count) : c.dropLast("_mean_ngml".count)
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        return String(name)
    }

    /// A column a series metric may read (`seriesColumns` or a factor's).
    public static func isSeriesColumn(_ c: String) -> Bool { seriesColumns.contains(c) || isFactorColumn(c) }

    /// The column and time [h] a series metric reads: `closure_pct_dayN` or `COLUMN_at_Xh`.
    public static func series(of metric: String) -> (column: String, hours: Double)? {
        if let d = day(of: metric) { return ("closure_pct", Double(d) * 24) }
        guard metric.hasSuffix("h"), let at = metric.range(of: "_at_", options: .backwards) else { return nil }
        let c = String(metric[..<at.lowerBound])
        guard isSeriesColumn(c), let h = Double(metric[at.upperBound...].dropLast()), h >= 0, h.isFinite else { return nil }
        return (c, h)
    }

    /// The name of `column` read at `hours` into the run: `gap_closure_pct_at_24h`.
    public static func reading(_ column: String, hours: Double) -> String { column + "_at_" + String(format: "%g", hours) + "h" }
    public static let defaults = ["closure_time_h", "closure_pct_final"]

    /// The day of a `closure_pct_dayN` metric.
    public static func day(of metric: String) -> Int? {
        guard metric.hasPrefix("closure_pct_day"), let d = Int(metric.dropFirst("closure_pct_day".count)), d >= 0 else { return nil }
        return d
    }

    /// The name of the closure at `hours` into the run: `closure_pct_at_12h` (`{closure_pct_at: "12 h"}` in a sweep file).
    public static func closureAt(hours: Double) -> String { "closure_pct_at_" + String(format: "%g", hours) + "h" }

    /// The time [h] of a `closure_pct_at_Xh` metric.
    public static func hours(of metric: String) -> Double? {
        guard metric.hasPrefix("closure_pct_at_"), metric.hasSuffix("h"),
              let h = Double(metric.dropFirst("closure_pct_at_".count).dropLast()), h >= 0, h.isFinite else { return nil }
        return h
    }

    /// The time [h] at which a closure metric is read (`closure_pct_dayN`, `closure_pct_at_Xh`).
    public static func readingHours(_ metric: String) -> Double? { series(of: metric)?.hours }

    public static func isKnown(_ metric: String) -> Bool { fixed.contains(metric) || series(of: metric) != nil }

    /// Unit of a metric, for tables and charts.
    public static func unit(_ metric: String) -> String {
        if let (c, _) = series(of: metric), isFactorColumn(c) { return "ng/mL" }
        if metric.hasSuffix("_h") || metric.hasPrefix("migration_onset_h") { return "h" }
        if metric.hasPrefix("closure_pct") || metric.hasPrefix("contraction_pct") || metric.hasPrefix("closure_with_contraction_pct") || metric.hasPrefix("gap_closure_pct") || metric.hasPrefix("detached_ahead_pct") { return "%" }
        if metric.hasPrefix("collagen") { return "fraction of intact dermis" }
        if metric.hasPrefix("macrophages_inflammatory_share") { return "fraction of wound macrophages" }
        if metric.hasPrefix("vessel_density") { return "fraction of sites" }
        return "cells"
    }
}
