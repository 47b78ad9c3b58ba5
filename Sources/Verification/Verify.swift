import Foundation
import Fields
import SimCore

/// The outcome of one verification case: what was measured, the order observed where the case
/// measures one, the criterion, and whether it held.
public struct VerificationResult: Sendable {
    /// Short name (`gaussian-2d`).
    public let name: String
    /// What the case checks, in one line.
    public let summary: String
    /// Named measurements (error norms, mass errors), in the order they were taken.
    public let measurements: [Measurement]
    /// Observed convergence order, where the case measures one.
    public let observedOrder: Double?
    /// Order the scheme should show.
    public let expectedOrder: Double?
    /// The pass criterion, as text.
    public let criterion: String
    public let passed: Bool

    public struct Measurement: Sendable {
        public let label: String
        public let value: Double
    }
}

/// VALIDATION.md section 1: the field solver against analytic solutions, GSL's tridiagonal
/// solvers, and its own conservation laws. Every case runs the real `DiffusionSolver`, or (the
/// `steady-` cases) the real `SteadyStateSolver`.
public enum Verification {
    /// Every case, in the order `woundsim verify` prints them.
    public static let caseNames = [
        "gaussian-2d", "gaussian-3d", "space-order-2d", "time-order-2d", "point-source-2d", "point-source-3d",
        "conservation", "dirichlet", "periodic", "interface", "tridiagonal-gsl",
        "steady-point-source-2d", "steady-point-source-3d", "inclusion-axisymmetric",
    ]

    /// Runs one case by name.
    public static func run(_ name: String, threads: Int = 1) throws -> VerificationResult {
        switch name {
        case "gaussian-2d": return try gaussian(dimension: 2, threads: threads)
        case "gaussian-3d": return try gaussian(dimension: 3, threads: threads)
        case "space-order-2d": return try spaceOrder(threads: threads)
        case "time-order-2d": return try timeOrder(threads: threads)
        case "point-source-2d": return try pointSource(dimension: 2, threads: threads)
        case "point-source-3d": return try pointSource(dimension: 3, threads: threads)
        case "conservation": return try conservation(threads: threads)
        case "dirichlet": return try dirichlet(threads: threads)
        case "periodic": return try periodic(threads: threads)
        case "interface": return try interface(threads: threads)
        case "tridiagonal-gsl": return try tridiagonalAgainstGSL(threads: threads)
        case "steady-point-source-2d": return try steadyPointSource2D(threads: threads)
        case "steady-point-source-3d": return try steadyPointSource3D(threads: threads)
        case "inclusion-axisymmetric": return inclusionAxisymmetric()
        default: throw VerificationError.unknownCase(name)
        }
    }

    /// Runs every case.
    public static func runAll(threads: Int = 1) throws -> [VerificationResult] {
        try caseNames.map { try run($0, threads: threads) }
    }

    // MARK: helpers

    static func factor(_ d: Double, decay: Double = 0, boundaries: [BoundaryCondition] = FactorSpec.uniform(.noFlux),
                       regionDiffusion: [UInt8: Double] = [:]) -> FactorSpec {
        FactorSpec(name: "C", diffusion: d, regionDiffusion: regionDiffusion, decay: decay, boundaries: boundaries, molarMass: 1)
    }

    /// Advances `fields` by `steps` steps.
    static func advance(_ solver: DiffusionSolver, _ fields: FieldSet, steps: Int, threads: Int) {
        for _ in 0..<steps { solver.step(fields, threads: threads) }
    }

    /// ||a - b||_2 / ||b||_2.
    static func relativeL2(_ a: [Double], _ b: [Double]) -> Double {
        var num = 0.0, den = 0.0
        for i in 0..<a.count { num += (a[i] - b[i]) * (a[i] - b[i]); den += b[i] * b[i] }
        return (num / den).squareRoot()
    }

    static func maxAbs(_ a: [Double], _ b: [Double]) -> Double {
        var m = 0.0
        for i in 0..<a.count { m = max(m, abs(a[i] - b[i])) }
        return m
    }

    static func order(_ coarse: Double, _ fine: Double, ratio: Double = 2) -> Double { log(coarse / fine) / log(ratio) }

    /// Values of `f(x, y, z)` at every site centre [um].
    static func sample(_ lattice: Lattice, _ f: (Double, Double, Double) -> Double) -> [Double] {
        var out = [Double](repeating: 0, count: lattice.count)
        for k in 0..<lattice.nz {
            for j in 0..<lattice.ny {
                for i in 0..<lattice.nx {
                    out[lattice.index(i, j, k)] = f(lattice.centre(i), lattice.centre(j), lattice.centre(k))
                }
            }
        }
        return out
    }

    static func load(_ fields: FieldSet, _ values: [Double]) {
        let b = fields.buffer(0)
        for i in 0..<values.count { b[i] = values[i] }
    }

}

public enum VerificationError: Error, CustomStringConvertible {
    case unknownCase(String)
    public var description: String {
        switch self {
        case let .unknownCase(name):
            return "unknown verification case \"\(name)\"; the cases are: \(Verification.caseNames.joined(separator: ", "))"
        }
    }
}

/// Formats results as the table `woundsim verify` prints.
public func verificationTable(_ results: [VerificationResult]) -> String {
    var rows: [[String]] = [["case", "measured", "order (obs/exp)", "criterion", "result"]]
    for r in results {
        let measured = r.measurements.map { "\($0.label) \(String(format: "%.3e", $0.value))" }.joined(separator: ", ")
        let order: String
        if let o = r.observedOrder, let e = r.expectedOrder { order = String(format: "%.3f / %.0f", o, e) } else { order = "-" }
        rows.append([r.name, measured, order, r.criterion, r.passed ? "pass" : "FAIL"])
    }
    var widths = [Int](repeating: 0, count: rows[0].count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    var out = ""
    for (n, row) in rows.enumerated() {
        out += row.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            .trimmingCharacters(in: .whitespaces) + "\n"
        if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
    }
    return out
}
