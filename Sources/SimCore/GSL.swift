import CGSL

/// Thin Swift wrappers over the GNU GSL calls woundsim uses.
///
/// GSL's default error handler aborts the process. `GSL.setUp()` turns it off once (it is called
/// by every wrapper here, and is idempotent), so every call reports through its return code and
/// the wrappers turn a failure into a thrown `GSLError`.
public enum GSL {
    /// Turns GSL's abort-on-error handler off. Safe to call any number of times, from any thread.
    public static func setUp() { _ = handlerOff }

    private static let handlerOff: Bool = {
        gsl_set_error_handler_off()
        return true
    }()

    /// The modified Bessel function of the second kind of order zero, K0(x), x > 0.
    public static func besselK0(_ x: Double) throws(GSLError) -> Double {
        setUp()
        var result = gsl_sf_result()
        let status = gsl_sf_bessel_K0_e(x, &result)
        guard status == woundsim_gsl_success() else { throw GSLError(call: "gsl_sf_bessel_K0_e(\(x))", status: status) }
        return result.val
    }

    /// The quantile of the standard normal distribution, `P^-1(p)` for p in (0, 1).
    public static func normalQuantile(_ p: Double) -> Double {
        gsl_cdf_ugaussian_Pinv(p)
    }

    /// The quantile of Student's t distribution with `nu` degrees of freedom.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        gsl_cdf_tdist_Pinv(p, nu)
    }

    /// Solves the general tridiagonal system with GSL's `gsl_linalg_solve_tridiag`.
    ///
    /// Row i reads `sub[i-1] x[i-1] + diag[i] x[i] + sup[i] x[i+1] = rhs[i]`.
    /// - Parameters: `diag` and `rhs` have n entries, `sup` and `sub` n - 1.
    public static func solveTridiagonal(diag: [Double], sup: [Double], sub: [Double], rhs: [Double]) throws(GSLError) -> [Double] {
        setUp()
        let n = diag.count
        var d = diag, e = sup, f = sub, b = rhs
        var x = [Double](repeating: 0, count: n)
        let status = d.withUnsafeMutableBufferPointer { dp in
            e.withUnsafeMutableBufferPointer { ep in
                f.withUnsafeMutableBufferPointer { fp in
                    b.withUnsafeMutableBufferPointer { bp in
                        x.withUnsafeMutableBufferPointer { xp in
                            var vd = gsl_vector_view_array(dp.baseAddress, n)
                            var ve = gsl_vector_view_array(ep.baseAddress, n - 1)
                            var vf = gsl_vector_view_array(fp.baseAddress, n - 1)
                            var vb = gsl_vector_view_array(bp.baseAddress, n)
                            var vx = gsl_vector_view_array(xp.baseAddress, n)
                            return gsl_linalg_solve_tridiag(&vd.vector, &ve.vector, &vf.vector, &vb.vector, &vx.vector)
                        }
                    }
                }
            }
        }
        guard status == woundsim_gsl_success() else { throw GSLError(call: "gsl_linalg_solve_tridiag(n: \(n))", status: status) }
        return x
    }

    /// Solves the cyclic tridiagonal system with GSL's `gsl_linalg_solve_cyc_tridiag`.
    ///
    /// Row i reads `sub[i-1] x[i-1] + diag[i] x[i] + sup[i] x[i+1] = rhs[i]` with indices taken
    /// modulo n; `sup[n-1]` couples row n-1 to x[0] and `sub[n-1]` couples row 0 to x[n-1].
    /// All four arrays have n entries, n >= 3.
    public static func solveCyclicTridiagonal(diag: [Double], sup: [Double], sub: [Double], rhs: [Double]) throws(GSLError) -> [Double] {
        setUp()
        let n = diag.count
        var d = diag, e = sup, f = sub, b = rhs
        var x = [Double](repeating: 0, count: n)
        let status = d.withUnsafeMutableBufferPointer { dp in
            e.withUnsafeMutableBufferPointer { ep in
                f.withUnsafeMutableBufferPointer { fp in
                    b.withUnsafeMutableBufferPointer { bp in
                        x.withUnsafeMutableBufferPointer { xp in
                            var vd = gsl_vector_view_array(dp.baseAddress, n)
                            var ve = gsl_vector_view_array(ep.baseAddress, n)
                            var vf = gsl_vector_view_array(fp.baseAddress, n)
                            var vb = gsl_vector_view_array(bp.baseAddress, n)
                            var vx = gsl_vector_view_array(xp.baseAddress, n)
                            return gsl_linalg_solve_cyc_tridiag(&vd.vector, &ve.vector, &vf.vector, &vb.vector, &vx.vector)
                        }
                    }
                }
            }
        }
        guard status == woundsim_gsl_success() else { throw GSLError(call: "gsl_linalg_solve_cyc_tridiag(n: \(n))", status: status) }
        return x
    }

    /// Least-squares fit of `y = c0 + c1 x` (GSL's `gsl_fit_linear`); returns `(c0, c1)`.
    public static func linearFit(x: [Double], y: [Double]) throws(GSLError) -> (intercept: Double, slope: Double) {
        setUp()
        precondition(x.count == y.count && x.count >= 2)
        var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, sumsq = 0.0
        let status = x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                gsl_fit_linear(xp.baseAddress, 1, yp.baseAddress, 1, x.count, &c0, &c1, &cov00, &cov01, &cov11, &sumsq)
            }
        }
        guard status == woundsim_gsl_success() else { throw GSLError(call: "gsl_fit_linear(n: \(x.count))", status: status) }
        return (c0, c1)
    }

    /// The first `count` points of GSL's Sobol sequence in `dimension` (1...40) dimensions, each
    /// coordinate in [0, 1). GSL's sequence starts at the origin; that point is skipped, so every
    /// point lies strictly inside the unit cube in at least one coordinate.
    public static func sobolPoints(dimension: Int, count: Int) throws(GSLError) -> [[Double]] {
        setUp()
        guard dimension >= 1, dimension <= 40, let q = gsl_qrng_alloc(woundsim_gsl_qrng_sobol(), UInt32(dimension)) else {
            throw GSLError(call: "gsl_qrng_alloc(sobol, \(dimension))", status: -1)
        }
        defer { gsl_qrng_free(q) }
        var points: [[Double]] = []
        points.reserveCapacity(count)
        var x = [Double](repeating: 0, count: dimension)
        while points.count < count {
            let status = x.withUnsafeMutableBufferPointer { gsl_qrng_get(q, $0.baseAddress) }
            guard status == woundsim_gsl_success() else { throw GSLError(call: "gsl_qrng_get(sobol)", status: status) }
            if x.allSatisfy({ $0 == 0 }) { continue }
            points.append(x)
        }
        return points
    }

    /// Sample mean and standard deviation (GSL statistics).
    public static func meanAndStandardDeviation(_ values: [Double]) -> (mean: Double, sd: Double) {
        values.withUnsafeBufferPointer { p in
            let mean = gsl_stats_mean(p.baseAddress, 1, p.count)
            let sd = p.count > 1 ? gsl_stats_sd_m(p.baseAddress, 1, p.count, mean) : 0
            return (mean, sd)
        }
    }
}

/// A GSL call that returned an error code.
public struct GSLError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let status: Int32
    public var description: String {
        let reason = String(cString: gsl_strerror(status))
        return "GSL \(call) failed: \(reason) (code \(status))"
    }
}
