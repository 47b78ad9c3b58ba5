import CGSL
import Foundation

/// Nonlinear least squares with GSL's `gsl_multifit_nlinear` (trust region, Levenberg-Marquardt
/// steps, More scaling), the residuals and their Jacobian supplied by the caller: woundsim's
/// calibration computes the Jacobian itself from finite steps of a few percent, as one batch of
/// model runs, because GSL's own steps (sqrt(eps) relative) are far below a stochastic model's
/// noise.
public enum LeastSquares {
    /// What the fit ended with.
    public struct Fit: Sendable {
        /// Parameters at the end [the caller's coordinates].
        public var x: [Double]
        /// Residuals there, and their sum of squares.
        public var residuals: [Double]
        public var chiSquared: Double
        /// Jacobian there, row-major (residuals x parameters).
        public var jacobian: [[Double]]
        /// (J^T J)^-1 there (`gsl_multifit_nlinear_covar`, no rank cut-off below 1e-12 relative).
        public var covariance: [[Double]]
        public var iterations: Int
        /// 1: small step, 2: small gradient, 3: small decrease of chi^2 (`ftol`), 0: the iteration
        /// limit was reached or no step lowered the cost.
        public var convergence: Int
        /// The messages of the trial steps the residuals function refused (`Refused`), in order.
        public var refusals: [String] = []
    }

    /// Thrown by the caller's functions to stop the fit (a model run that failed).
    public struct Stop: Error, CustomStringConvertible, Sendable {
        public let message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Thrown by the residuals function for a point the model cannot be evaluated at (a trial
    /// step to a value the model refuses, such as a speed past one lattice hop per step): the fit
    /// takes the step as one that raised the cost a great deal and tries a shorter one, as the
    /// trust region does with any step that fails. `message` is kept in `Fit.refusals`.
    public struct Refused: Error, CustomStringConvertible, Sendable {
        public let message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Each residual of a refused point: large enough that no refused step is ever accepted, small
    /// enough that the sum of squares stays finite.
    static let refusedResidual = 1e50

    final class Context {
        let residuals: ([Double]) throws -> [Double]
        let jacobian: ([Double], [Double]) throws -> [[Double]]
        var error: Error?
        var lastX: [Double] = []
        var lastF: [Double] = []
        var refusals: [String] = []
        init(residuals: @escaping ([Double]) throws -> [Double], jacobian: @escaping ([Double], [Double]) throws -> [[Double]]) {
            self.residuals = residuals; self.jacobian = jacobian
        }
    }

    /// Minimises `sum r_i(x)^2` from `start`.
    /// - Parameters:
    ///   - residualCount: the number of residuals (at least the number of parameters).
    ///   - residuals: r(x).
    ///   - jacobian: dr/dx at x, given x and r(x) (rows: residuals).
    ///   - iteration: told after each iteration (number, x, chi^2).
    public static func fit(start: [Double], residualCount n: Int, maxIterations: Int, xtol: Double = 1e-3, gtol: Double = 1e-6, ftol: Double = 0, chiTolerance: Double = 0,
                           residuals: @escaping ([Double]) throws -> [Double],
                           jacobian: @escaping ([Double], [Double]) throws -> [[Double]],
                           iteration: ([Double], Double, Int) -> Void = { _, _, _ in }) throws -> Fit {
        GSL.setUp()
        let p = start.count
        precondition(p >= 1 && n >= p)
        let context = Context(residuals: residuals, jacobian: jacobian)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }
        func vector(_ v: UnsafePointer<gsl_vector>) -> [Double] { (0..<Int(v.pointee.size)).map { gsl_vector_get(v, $0) } }
        var fdf = gsl_multifit_nlinear_fdf()
        fdf.f = { x, params, f in
            let c = Unmanaged<Context>.fromOpaque(params!).takeUnretainedValue()
            let xs = (0..<Int(x!.pointee.size)).map { gsl_vector_get(x, $0) }
            do {
                let r = try c.residuals(xs)
                for (i, v) in r.enumerated() { gsl_vector_set(f, i, v) }
                c.lastX = xs; c.lastF = r
                return woundsim_gsl_success()
            } catch let refused as Refused {
                // Not remembered as lastX/lastF: the Jacobian is never asked for at a step that
                // was not accepted.
                c.refusals.append(refused.message)
                for i in 0..<Int(f!.pointee.size) { gsl_vector_set(f, i, LeastSquares.refusedResidual) }
                return woundsim_gsl_success()
            } catch { c.error = error; return woundsim_gsl_ebadfunc() }
        }
        fdf.df = { x, params, J in
            let c = Unmanaged<Context>.fromOpaque(params!).takeUnretainedValue()
            let xs = (0..<Int(x!.pointee.size)).map { gsl_vector_get(x, $0) }
            do {
                let r = xs == c.lastX ? c.lastF : try c.residuals(xs)
                let rows = try c.jacobian(xs, r)
                for (i, row) in rows.enumerated() { for (j, v) in row.enumerated() { gsl_matrix_set(J, i, j, v) } }
                return woundsim_gsl_success()
            } catch { c.error = error; return woundsim_gsl_ebadfunc() }
        }
        fdf.fvv = nil
        fdf.n = n; fdf.p = p
        fdf.params = unmanaged.toOpaque()
        var parameters = gsl_multifit_nlinear_default_parameters()  // LM steps, More scaling, QR solver
        guard let w = gsl_multifit_nlinear_alloc(woundsim_gsl_multifit_nlinear_trust(), &parameters, n, p) else {
            throw GSLError(call: "gsl_multifit_nlinear_alloc(n: \(n), p: \(p))", status: -1)
        }
        defer { gsl_multifit_nlinear_free(w) }
        let x0 = gsl_vector_alloc(p)!
        defer { gsl_vector_free(x0) }
        for (i, v) in start.enumerated() { gsl_vector_set(x0, i, v) }
        var status = gsl_multifit_nlinear_init(x0, &fdf, w)
        if let refused = context.refusals.first { throw Stop("the start is refused: \(refused)") }
        if let e = context.error { throw e }
        guard status == woundsim_gsl_success() else { throw GSLError(call: "gsl_multifit_nlinear_init", status: status) }
        var info: Int32 = 0
        var iterations = 0
        var convergence = 0
        func chi2() -> Double { var c = 0.0; gsl_blas_ddot(gsl_multifit_nlinear_residual(w), gsl_multifit_nlinear_residual(w), &c); return c }
        var previous = chi2()
        while iterations < maxIterations {
            status = gsl_multifit_nlinear_iterate(w)
            iterations += 1
            if let e = context.error { throw e }
            // No step could lower the cost (a flat or noisy objective): stop where it is.
            if status != woundsim_gsl_success() { break }
            let current = chi2()
            iteration(vector(gsl_multifit_nlinear_position(w)), current, iterations)
            status = gsl_multifit_nlinear_test(xtol, gtol, 0, &info, w)
            if status == woundsim_gsl_success() { convergence = Int(info); break }
            // A step that lowers chi^2 by less than `ftol` of it or than `chiTolerance`: what is
            // left is below a stochastic model's noise (GSL's own test does not use ftol).
            if previous - current < Swift.max(ftol * previous, chiTolerance) { convergence = 3; break }
            previous = current
        }
        let x = vector(gsl_multifit_nlinear_position(w))
        let f = vector(gsl_multifit_nlinear_residual(w))
        let J = gsl_multifit_nlinear_jac(w)!
        let jac = (0..<n).map { i in (0..<p).map { gsl_matrix_get(J, i, $0) } }
        let covar = gsl_matrix_alloc(p, p)!
        defer { gsl_matrix_free(covar) }
        gsl_multifit_nlinear_covar(J, 1e-12, covar)
        let cov = (0..<p).map { i in (0..<p).map { gsl_matrix_get(covar, i, $0) } }
        return Fit(x: x, residuals: f, chiSquared: f.reduce(0) { $0 + $1 * $1 }, jacobian: jac, covariance: cov,
                   iterations: iterations, convergence: convergence, refusals: context.refusals)
    }
}
