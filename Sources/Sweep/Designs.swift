import Artifacts
import Foundation
import Scenario
import SimCore
import Simulation
import StrictYAML

/// The designs: points in the unit cube, and a coordinate's value for a parameter.
public enum Designs {
    struct DesignError: Error, CustomStringConvertible { let description: String }

    /// Values per parameter of a grid (a list's length, a range's steps, 1 for a distribution).
    public static func gridSizes(_ spec: SweepSpec) -> [Int] {
        spec.parameters.map { p -> Int in
            switch p.domain {
            case let .list(v): return v.count
            case let .range(_, _, _, _, steps): return steps ?? 2
            case .normal: return 1
            }
        }
    }

    /// The grid's number of points, or some number above `cap` once the product passes it (the
    /// full product can pass Int.max: ten ranges of 10,000 steps).
    public static func gridPointCount(_ spec: SweepSpec, cap: Int) -> Int {
        gridSizes(spec).reduce(1) { n, s in n > cap ? n : n * s }
    }

    /// Unit-cube points of the spec's design.
    public static func points(_ spec: SweepSpec) throws -> [(u: [Double], group: Int, role: PointRole, changed: Int?)] {
        let k = spec.parameters.count
        switch spec.design {
        case .grid:
            let sizes = gridSizes(spec)
            let total = gridPointCount(spec, cap: 1_000_000)
            guard total <= 1_000_000 else {
                throw DesignError(description: "the grid has \(sizes.map(String.init).joined(separator: " x ")) points (over a million)")
            }
            return (0..<total).map { n in
                var rest = n
                var u = [Double](repeating: 0, count: k)
                for i in stride(from: k - 1, through: 0, by: -1) {
                    let idx = rest % sizes[i]; rest /= sizes[i]
                    u[i] = sizes[i] > 1 ? Double(idx) / Double(sizes[i] - 1) : 0
                }
                return (u, n, .plain, nil)
            }
        case .latinHypercube:
            let n = spec.samples
            var columns: [[Double]] = []
            for j in 0..<k {
                var stream = RandomStream(seed: spec.designSeed, step: 0, id: j, purpose: .latinHypercube)
                var order = Array(0..<n)
                for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(stream.below(UInt32(i + 1)))) }
                columns.append(order.map { (Double($0) + stream.uniform()) / Double(n) })
            }
            return (0..<n).map { i in (columns.map { $0[i] }, i, .plain, nil) }
        case .sobol:
            // Saltelli's scheme: matrices A and B from one 2k-dimensional Sobol sequence, and A
            // with column i taken from B (AB_i), N (k + 2) points in all.
            let q = try GSL.sobolPoints(dimension: 2 * k, count: spec.samples)
            var out: [(u: [Double], group: Int, role: PointRole, changed: Int?)] = []
            for (j, x) in q.enumerated() {
                let a = Array(x[0..<k]), b = Array(x[k..<(2 * k)])
                out.append((a, j, .sobolA, nil))
                out.append((b, j, .sobolB, nil))
                for i in 0..<k {
                    var ab = a
                    ab[i] = b[i]
                    out.append((ab, j, .sobolAB(i), i))
                }
            }
            return out
        case .morris:
            // Trajectories on a p-level grid, step delta = p / (2 (p - 1)) (Morris 1991;
            // Saltelli et al. 2008, Global Sensitivity Analysis, ch. 3).
            let p = spec.levels
            let delta = Double(p) / Double(2 * (p - 1))
            var out: [(u: [Double], group: Int, role: PointRole, changed: Int?)] = []
            for t in 0..<spec.samples {
                var stream = RandomStream(seed: spec.designSeed, step: t, id: 0, purpose: .morrisTrajectory)
                var x = (0..<k).map { _ in Double(stream.below(UInt32(p / 2))) / Double(p - 1) }
                var order = Array(0..<k)
                for i in stride(from: k - 1, to: 0, by: -1) { order.swapAt(i, Int(stream.below(UInt32(i + 1)))) }
                out.append((x, t, .morrisStart, nil))
                for i in order {
                    x[i] += delta
                    out.append((x, t, .morrisStep, i))
                }
            }
            return out
        }
    }

    /// Morris' step in the unit cube.
    public static func morrisDelta(levels p: Int) -> Double { Double(p) / Double(2 * (p - 1)) }

    /// The scenario text of parameter `p` at coordinate `u` in [0, 1].
    public static func value(_ p: SweepSpec.Parameter, u: Double, grid: Bool) -> String {
        switch p.domain {
        case let .list(values):
            let i = grid ? Int((u * Double(values.count - 1)).rounded()) : min(values.count - 1, Int(u * Double(values.count)))
            return values[max(0, i)]
        case let .range(lo, hi, unit, scale, _):
            let v = scale == .log ? lo * Foundation.pow(hi / lo, u) : lo + u * (hi - lo)
            return SweepFile.format(u >= 1 ? hi : (u <= 0 ? lo : v), unit)
        case let .normal(mean, sd, unit):
            return SweepFile.format(mean + sd * GSL.normalQuantile(Swift.min(0.9995, Swift.max(0.0005, u))), unit)
        }
    }
}

/// What a design point is for. Written to `plan.json` as its text ("" for a grid or Latin
/// hypercube point, "A", "B", "AB<i>", "start", "step", "control"), so plans and their hashes
/// are the same as when roles were plain strings.
public enum PointRole: Sendable, Hashable, CustomStringConvertible {
    /// A grid or Latin-hypercube point.
    case plain
    /// Sobol (Saltelli): a row of matrix A, of matrix B, or of A with column i from B.
    case sobolA, sobolB, sobolAB(Int)
    /// Morris: the start of a trajectory, or a step that changed one parameter.
    case morrisStart, morrisStep
    /// The untreated (or reference) arm of `control:`.
    case control

    public var description: String {
        switch self {
        case .plain: return ""
        case .sobolA: return "A"
        case .sobolB: return "B"
        case let .sobolAB(i): return "AB\(i)"
        case .morrisStart: return "start"
        case .morrisStep: return "step"
        case .control: return "control"
        }
    }

    /// The role written as `description`; nil for any other text.
    public init?(_ text: String) {
        switch text {
        case "": self = .plain
        case "A": self = .sobolA
        case "B": self = .sobolB
        case "start": self = .morrisStart
        case "step": self = .morrisStep
        case "control": self = .control
        default:
            guard text.hasPrefix("AB"), let i = Int(text.dropFirst(2)), i >= 0, "AB\(i)" == text else { return nil }
            self = .sobolAB(i)
        }
    }
}
