import Foundation
import Fields
import SimCore

/// The analytic cases of VALIDATION.md section 1, each returning its measured error and order.
extension Verification {
    /// Gaussian bolus with decay: c = M [2 pi (s0^2 + 2 D t)]^(-d/2) exp(-r^2 / (2 (s0^2 + 2 D t)) - k t).
    /// sigma0 = 100 um, D = 1000 um^2/min, k = 0.01 /min, 10 min, h = 20 um; 2-D: dt = 0.01 min
    /// (the accuracy target, BioFVM's: relative L2 <= 2e-3); 3-D: dt = 0.02 min.
    static func gaussian(dimension: Int, threads: Int) throws -> VerificationResult {
        let d = 1000.0, k = 0.01, s0 = 100.0, t = 10.0, mass = 1e6
        let h = 20.0, dt = dimension == 2 ? 0.01 : 0.02
        let n = dimension == 2 ? 128 : 96
        let lattice = try Lattice(nx: n, ny: n, nz: dimension == 2 ? 1 : n, spacing: h)
        let centre = Double(n) * h / 2
        func exact(_ time: Double) -> [Double] {
            let s2 = s0 * s0 + 2 * d * time
            let norm = mass * pow(2 * Double.pi * s2, -Double(dimension) / 2) * exp(-k * time)
            return sample(lattice) { x, y, z in
                let dz = dimension == 3 ? z - centre : 0
                let r2 = (x - centre) * (x - centre) + (y - centre) * (y - centre) + dz * dz
                return norm * exp(-r2 / (2 * s2))
            }
        }
        let spec = factor(d, decay: k)
        let fields = try FieldSet(lattice: lattice, factors: [spec])
        load(fields, exact(0))
        let m0 = fields.total(0)
        let solver = try DiffusionSolver(lattice: lattice, factors: [spec], dt: dt)
        advance(solver, fields, steps: Int((t / dt).rounded()), threads: threads)
        let err = relativeL2(fields.values(0), exact(t))
        let massError = abs(fields.total(0) - m0 * exp(-k * t)) / (m0 * exp(-k * t))
        let tol = dimension == 2 ? 2e-3 : 3e-3
        return VerificationResult(
            name: "gaussian-\(dimension)d",
            summary: "Gaussian bolus with decay, \(lattice), dt \(dt) min, 10 min",
            measurements: [.init(label: "rel L2", value: err), .init(label: "mass err", value: massError)],
            observedOrder: nil, expectedOrder: nil,
            criterion: "rel L2 <= \(tol), mass err <= 1e-12",
            passed: err <= tol && massError <= 1e-12)
    }

    /// Second order in space: the Gaussian at h = 40, 20, 10 um on the same 2560 um box, with
    /// dt = 0.002 min so that the time error stays well below the spatial one.
    static func spaceOrder(threads: Int) throws -> VerificationResult {
        let d = 1000.0, s0 = 100.0, t = 4.0, dt = 0.002, box = 2560.0
        var errors: [Double] = []
        for h in [40.0, 20.0, 10.0] {
            let n = Int(box / h)
            let lattice = try Lattice(nx: n, ny: n, spacing: h)
            let c = box / 2
            func exact(_ time: Double) -> [Double] {
                let s2 = s0 * s0 + 2 * d * time
                return sample(lattice) { x, y, _ in exp(-((x - c) * (x - c) + (y - c) * (y - c)) / (2 * s2)) / (2 * Double.pi * s2) }
            }
            let spec = factor(d)
            let fields = try FieldSet(lattice: lattice, factors: [spec])
            load(fields, exact(0))
            let solver = try DiffusionSolver(lattice: lattice, factors: [spec], dt: dt)
            advance(solver, fields, steps: Int((t / dt).rounded()), threads: threads)
            errors.append(relativeL2(fields.values(0), exact(t)))
        }
        let p = order(errors[1], errors[2])
        return VerificationResult(
            name: "space-order-2d", summary: "Gaussian, h = 40/20/10 um, dt 0.002 min: order in space",
            measurements: [.init(label: "h40", value: errors[0]), .init(label: "h20", value: errors[1]), .init(label: "h10", value: errors[2])],
            observedOrder: p, expectedOrder: 2, criterion: "1.8 <= order <= 2.2",
            passed: p >= 1.8 && p <= 2.2)
    }

    /// First order in time: the Gaussian on one grid at dt = 0.4, 0.2, 0.1, 0.05 min; the order is
    /// read from differences between successive halvings, which cancel the spatial error.
    static func timeOrder(threads: Int) throws -> VerificationResult {
        let d = 1000.0, s0 = 100.0, t = 10.0, h = 20.0, n = 128
        let lattice = try Lattice(nx: n, ny: n, spacing: h)
        let c = Double(n) * h / 2
        let initial = sample(lattice) { x, y, _ in exp(-((x - c) * (x - c) + (y - c) * (y - c)) / (2 * s0 * s0)) }
        var solutions: [[Double]] = []
        let steps = [0.4, 0.2, 0.1, 0.05]
        for dt in steps {
            let spec = factor(d)
            let fields = try FieldSet(lattice: lattice, factors: [spec])
            load(fields, initial)
            let solver = try DiffusionSolver(lattice: lattice, factors: [spec], dt: dt)
            advance(solver, fields, steps: Int((t / dt).rounded()), threads: threads)
            solutions.append(fields.values(0))
        }
        func norm(_ a: [Double], _ b: [Double]) -> Double { relativeL2(a, b) }
        let d1 = norm(solutions[0], solutions[1]), d2 = norm(solutions[1], solutions[2]), d3 = norm(solutions[2], solutions[3])
        let p = order(d2, d3)
        return VerificationResult(
            name: "time-order-2d", summary: "Gaussian, dt = 0.4/0.2/0.1/0.05 min: order in time (backward Euler LOD)",
            measurements: [.init(label: "d(.4,.2)", value: d1), .init(label: "d(.2,.1)", value: d2), .init(label: "d(.1,.05)", value: d3)],
            observedOrder: p, expectedOrder: 1, criterion: "0.9 <= order <= 1.1",
            passed: p >= 0.9 && p <= 1.1 && abs(order(d1, d2) - 1) <= 0.15)
    }

    /// Steady state of a constant point source with decay, lambda = sqrt(D/k):
    /// 2-D c = Q/(2 pi D) K0(r/lambda) (K0 from GSL), 3-D c = Q e^(-r/lambda)/(4 pi D r),
    /// compared along an axis and a diagonal a few sites from the source.
    ///
    /// Two errors remain and set the tolerance: the lattice Green's function differs from the
    /// continuum one by O((h/r)^2, (h/lambda)^2) (2.8 % at 5 sites in 3-D with lambda = 5 h, 1.1 %
    /// at 12 sites, measured at dt -> 0), and the axis splitting adds a steady-state error of
    /// order D dt / h^2 near the source (about 1 % at the D dt/h^2 <= 0.25 used here; 25 % at 1.25,
    /// three sites away in 3-D). Hence the small dt of this case.
    static func pointSource(dimension: Int, threads: Int) throws -> VerificationResult {
        let d = 1000.0, h = 20.0
        let k = dimension == 2 ? 0.04 : 0.1
        let n = dimension == 2 ? 128 : 48
        let dt = dimension == 2 ? 0.1 : 0.025
        let lambda = (d / k).squareRoot()
        let nearest = dimension == 2 ? 4 : 5
        let lattice = try Lattice(nx: n, ny: n, nz: dimension == 2 ? 1 : n, spacing: h)
        let spec = factor(d, decay: k)
        let fields = try FieldSet(lattice: lattice, factors: [spec])
        let solver = try DiffusionSolver(lattice: lattice, factors: [spec], dt: dt)
        let m = n / 2
        let source = dimension == 2 ? lattice.index(m, m) : lattice.index(m, m, m)
        let rate = 1.0  // ng/mL/min at the source site
        let q = rate * (dimension == 2 ? h * h : h * h * h)
        let steps = Int((25 / k / dt).rounded())
        for _ in 0..<steps {
            fields.applySources([PointSource(factor: 0, site: source, rate: rate)], dt: dt)
            solver.step(fields, threads: threads)
        }
        var worst = 0.0
        for dist in nearest...8 {
            for (di, dj) in [(dist, 0), (0, dist), (dist, dist)] {
                let site = dimension == 2 ? lattice.index(m + di, m + dj) : lattice.index(m + di, m + dj, m)
                let r = h * Double(di * di + dj * dj).squareRoot()
                let exact = dimension == 2 ? q / (2 * Double.pi * d) * (try GSL.besselK0(r / lambda))
                                           : q * exp(-r / lambda) / (4 * Double.pi * d * r)
                worst = max(worst, abs(fields[0, site] - exact) / exact)
            }
        }
        let tol = dimension == 2 ? 0.02 : 0.05
        return VerificationResult(
            name: "point-source-\(dimension)d",
            summary: "steady point source with decay, lambda \(Int(lambda)) um, \(lattice), dt \(dt) min",
            measurements: [.init(label: "max rel err", value: worst)],
            observedOrder: nil, expectedOrder: nil, criterion: "max rel err (\(nearest)-8 sites away) <= \(tol)",
            passed: worst <= tol)
    }

    /// Closed faces and no decay keep the total to round-off, with D jumping tenfold between two
    /// regions, in 2-D and 3-D; no value goes negative.
    static func conservation(threads: Int) throws -> VerificationResult {
        var worst = 0.0
        var minimum = Double.infinity
        for lattice in [try Lattice(nx: 96, ny: 80, spacing: 20), try Lattice(nx: 40, ny: 36, nz: 30, spacing: 20)] {
            var regions = RegionMap(lattice: lattice)
            for k in 0..<lattice.nz { for j in 0..<lattice.ny { for i in 0..<lattice.nx where (i - 30) * (i - 30) + (j - 20) * (j - 20) < 225 {
                regions[i, j, k] = 1
            } } }
            let spec = factor(1000, regionDiffusion: [1: 100])
            let fields = try FieldSet(lattice: lattice, factors: [spec])
            var rng = RandomStream(seed: 7, step: 0, id: 0)
            let b = fields.buffer(0)
            for s in 0..<b.count { b[s] = rng.uniform() < 0.1 ? 100 * rng.uniform() : 0 }
            let m0 = fields.total(0)
            let solver = try DiffusionSolver(lattice: lattice, factors: [spec], regions: regions, dt: 2)
            advance(solver, fields, steps: 50, threads: threads)
            worst = max(worst, abs(fields.total(0) - m0) / m0)
            minimum = min(minimum, fields.minimum(0).value)
        }
        return VerificationResult(
            name: "conservation", summary: "closed faces, no decay, D 1000/100 um^2/min by region, 2-D and 3-D, 50 steps",
            measurements: [.init(label: "rel mass change", value: worst), .init(label: "min value", value: minimum)],
            observedOrder: nil, expectedOrder: nil, criterion: "rel mass change <= 1e-12, min >= 0",
            passed: worst <= 1e-12 && minimum >= 0)
    }
}
