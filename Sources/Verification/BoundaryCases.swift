import Foundation
import Fields
import SimCore

/// The cases of VALIDATION.md section 1 that test boundaries, interfaces and the tridiagonal
/// solver itself.
extension Verification {
    /// Fixed values on two opposite faces give the exact linear steady profile (the faces sit half
    /// a site outside the first and last centres), along x and y in 2-D and z in 3-D.
    static func dirichlet(threads: Int) throws -> VerificationResult {
        var worst = 0.0
        let low = 10.0, high = 2.0
        for axis in Axis.allCases {
            let n = 50
            let lattice = axis == .z ? try Lattice(nx: 4, ny: 3, nz: n, spacing: 20)
                                     : try Lattice(nx: axis == .x ? n : 5, ny: axis == .y ? n : 6, spacing: 20)
            var bc = FactorSpec.uniform(.noFlux)
            let (lo, hi) = Face.faces(of: axis)
            bc[lo.rawValue] = .fixed(low); bc[hi.rawValue] = .fixed(high)
            let spec = factor(1000, boundaries: bc)
            let fields = try FieldSet(lattice: lattice, factors: [spec])
            let solver = try DiffusionSolver(lattice: lattice, factors: [spec], dt: 200)
            advance(solver, fields, steps: 400, threads: threads)
            let length = Double(n) * lattice.spacing
            let exact = sample(lattice) { x, y, z in
                let s = axis == .x ? x : (axis == .y ? y : z)
                return low + (high - low) * s / length
            }
            worst = max(worst, maxAbs(fields.values(0), exact) / low)
        }
        return VerificationResult(
            name: "dirichlet", summary: "fixed 10 and 2 ng/mL on opposite faces, steady profile along x, y, z",
            measurements: [.init(label: "max rel err", value: worst)],
            observedOrder: nil, expectedOrder: nil, criterion: "max rel err <= 1e-10",
            passed: worst <= 1e-10)
    }

    /// A sine mode on periodic axes decays at the rate of the discrete dispersion relation:
    /// each backward-Euler sweep divides the amplitude by 1 + 4 r D sin^2(pi m / n), r = dt/h^2,
    /// and decay multiplies it by exp(-k dt).
    static func periodic(threads: Int) throws -> VerificationResult {
        var worst = 0.0
        let d = 800.0, k = 0.02, dt = 0.5, h = 20.0, steps = 40
        for lattice in [try Lattice(nx: 64, ny: 48, spacing: h), try Lattice(nx: 16, ny: 12, nz: 40, spacing: h)] {
            let spec = factor(d, decay: k, boundaries: FactorSpec.uniform(.periodic))
            let fields = try FieldSet(lattice: lattice, factors: [spec])
            let modes: [(Axis, Int, Double)] = lattice.dimension == 2 ? [(.x, 3, 0.5), (.y, 2, 0.25)] : [(.x, 1, 0.3), (.y, 2, 0.2), (.z, 5, 0.4)]
            func field(_ amplitudes: [Double], decayFactor: Double) -> [Double] {
                sample(lattice) { x, y, z in
                    var v = 1.0
                    for (idx, (axis, m, _)) in modes.enumerated() {
                        let s = axis == .x ? x : (axis == .y ? y : z)
                        let length = Double(lattice.size(of: axis)) * h
                        v += amplitudes[idx] * sin(2 * Double.pi * Double(m) * s / length)
                    }
                    return v * decayFactor
                }
            }
            load(fields, field(modes.map(\.2), decayFactor: 1))
            let solver = try DiffusionSolver(lattice: lattice, factors: [spec], dt: dt)
            advance(solver, fields, steps: steps, threads: threads)
            let r = dt / (h * h)
            let predicted = modes.map { axis, m, a -> Double in
                let s = sin(Double.pi * Double(m) / Double(lattice.size(of: axis)))
                return a * pow(1 / (1 + 4 * r * d * s * s), Double(steps))
            }
            let decay = exp(-k * dt * Double(steps))
            // The constant mode decays with k only; each sine mode with k and its own rate.
            let exact = field(predicted, decayFactor: 1).map { $0 } // amplitudes already decayed by diffusion
            let scaled = exact.map { $0 * decay }
            worst = max(worst, maxAbs(fields.values(0), scaled))
        }
        return VerificationResult(
            name: "periodic", summary: "sine modes on periodic axes (2-D x, y; 3-D x, y, z) with decay, 40 steps",
            measurements: [.init(label: "max abs err", value: worst)],
            observedOrder: nil, expectedOrder: nil, criterion: "max abs err <= 1e-12",
            passed: worst <= 1e-12)
    }

    /// D = 1000 um^2/min in the left half and 100 in the right (two regions), fixed 10 and 0 ng/mL
    /// at the ends: the steady flux is the same across every face (continuous at the interface)
    /// and the profile is the exact piecewise-linear one.
    static func interface(threads: Int) throws -> VerificationResult {
        let n = 60, h = 20.0, d1 = 1000.0, d2 = 100.0, cl = 10.0, cr = 0.0
        let lattice = try Lattice(nx: n, ny: 3, spacing: h)
        var regions = RegionMap(lattice: lattice)
        for j in 0..<3 { for i in (n / 2)..<n { regions[i, j, 0] = 1 } }
        var bc = FactorSpec.uniform(.noFlux)
        bc[Face.xLow.rawValue] = .fixed(cl); bc[Face.xHigh.rawValue] = .fixed(cr)
        let spec = factor(d1, boundaries: bc, regionDiffusion: [1: d2])
        let fields = try FieldSet(lattice: lattice, factors: [spec])
        let solver = try DiffusionSolver(lattice: lattice, factors: [spec], regions: regions, dt: 1000)
        advance(solver, fields, steps: 200, threads: threads)
        let half = Double(n / 2) * h
        let flux = (cl - cr) / (half / d1 + half / d2)
        var profileError = 0.0, fluxError = 0.0
        for i in 0..<n {
            let x = lattice.centre(i)
            let exact = x < half ? cl - flux * x / d1 : cr + flux * (Double(n) * h - x) / d2
            profileError = max(profileError, abs(fields[0, lattice.index(i, 1)] - exact) / cl)
            if i < n - 1 {
                let da = i < n / 2 ? d1 : d2, db = i + 1 < n / 2 ? d1 : d2
                let dface = 2 * da * db / (da + db)
                let f = -dface * (fields[0, lattice.index(i + 1, 1)] - fields[0, lattice.index(i, 1)]) / h
                fluxError = max(fluxError, abs(f - flux) / flux)
            }
        }
        return VerificationResult(
            name: "interface", summary: "D 1000 | 100 um^2/min, fixed ends: steady flux continuous, profile exact",
            measurements: [.init(label: "flux rel err", value: fluxError), .init(label: "profile err", value: profileError)],
            observedOrder: nil, expectedOrder: nil, criterion: "both <= 1e-9",
            passed: fluxError <= 1e-9 && profileError <= 1e-9)
    }

    /// One solver step on a single line with a random D per site equals GSL's tridiagonal solve
    /// of the same system (`gsl_linalg_solve_tridiag`; `gsl_linalg_solve_cyc_tridiag` for a
    /// periodic line), along x, y and z, with no-flux, fixed and periodic ends.
    static func tridiagonalAgainstGSL(threads: Int) throws -> VerificationResult {
        var worst = 0.0
        let n = 200, h = 10.0, dt = 3.0, k = 0.05
        var rng = RandomStream(seed: 11, step: 0, id: 0)
        for axis in Axis.allCases {
            for ends in [(BoundaryCondition.noFlux, BoundaryCondition.noFlux), (.fixed(3), .fixed(0.5)), (.periodic, .periodic)] {
                let lattice = try Lattice(nx: axis == .x ? n : 1, ny: axis == .y ? n : 1, nz: axis == .z ? n : 1, spacing: h)
                var ids = [UInt8](repeating: 0, count: n)
                var dRegion: [UInt8: Double] = [:]
                for r in 0..<n { dRegion[UInt8(r)] = 50 + 2000 * rng.uniform(); ids[r] = UInt8(r) }
                let regions = try RegionMap(lattice: lattice, ids: ids)
                var bc = FactorSpec.uniform(.noFlux)
                let (lo, hi) = Face.faces(of: axis)
                bc[lo.rawValue] = ends.0; bc[hi.rawValue] = ends.1
                let spec = factor(1000, decay: k, boundaries: bc, regionDiffusion: dRegion)
                let fields = try FieldSet(lattice: lattice, factors: [spec])
                let b = fields.buffer(0)
                var rhs = [Double](repeating: 0, count: n)
                for s in 0..<n { b[s] = 10 * rng.uniform(); rhs[s] = b[s] * exp(-k * dt) }
                let solver = try DiffusionSolver(lattice: lattice, factors: [spec], regions: regions, dt: dt)
                solver.step(fields, threads: threads)
                // The same system, assembled independently.
                let r = dt / (h * h)
                let dsite = (0..<n).map { dRegion[UInt8($0)]! }
                func face(_ a: Int, _ b: Int) -> Double { 2 * dsite[a] * dsite[b] / (dsite[a] + dsite[b]) }
                var diag = [Double](repeating: 1, count: n), sup = [Double](repeating: 0, count: n), sub = sup
                for i in 0..<(n - 1) {
                    let c = r * face(i, i + 1)
                    diag[i] += c; diag[i + 1] += c
                    sup[i] = -c; sub[i] = -c
                }
                let expected: [Double]
                switch ends.0 {
                case .periodic:
                    let c = r * face(n - 1, 0)
                    diag[0] += c; diag[n - 1] += c
                    sup[n - 1] = -c; sub[n - 1] = -c
                    expected = try GSL.solveCyclicTridiagonal(diag: diag, sup: sup, sub: sub, rhs: rhs)
                case let .fixed(cLow):
                    guard case let .fixed(cHigh) = ends.1 else { fatalError("both ends fixed") }
                    diag[0] += 2 * r * dsite[0]; rhs[0] += 2 * r * dsite[0] * cLow
                    diag[n - 1] += 2 * r * dsite[n - 1]; rhs[n - 1] += 2 * r * dsite[n - 1] * cHigh
                    expected = try GSL.solveTridiagonal(diag: diag, sup: Array(sup[0..<(n - 1)]), sub: Array(sub[0..<(n - 1)]), rhs: rhs)
                case .noFlux:
                    expected = try GSL.solveTridiagonal(diag: diag, sup: Array(sup[0..<(n - 1)]), sub: Array(sub[0..<(n - 1)]), rhs: rhs)
                }
                worst = max(worst, maxAbs(fields.values(0), expected) / (expected.max() ?? 1))
            }
        }
        return VerificationResult(
            name: "tridiagonal-gsl", summary: "solver step vs GSL tridiagonal solves, random D, x/y/z, no-flux/fixed/periodic",
            measurements: [.init(label: "max rel diff", value: worst)],
            observedOrder: nil, expectedOrder: nil, criterion: "max rel diff <= 1e-12",
            passed: worst <= 1e-12)
    }
}
