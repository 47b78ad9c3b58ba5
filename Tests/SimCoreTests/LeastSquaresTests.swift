import Foundation
import SimCore
import XCTest

/// The GSL nonlinear least-squares wrapper on a problem with a known answer.
final class LeastSquaresTests: XCTestCase {
    /// y = a exp(-b t) + c, exact data: the fit returns the parameters to 1e-6 from a start far off,
    /// and with noise of sd s the covariance's standard errors match the spread of 200 refits
    /// (within 25 %).
    func testRecoversAnExponentialAndItsUncertainty() throws {
        let t = (0..<40).map { Double($0) * 0.25 }
        let truth = [5.0, 0.4, 1.0]
        func model(_ x: [Double]) -> [Double] { t.map { x[0] * exp(-x[1] * $0) + x[2] } }
        func jac(_ x: [Double], _ s: Double) -> [[Double]] { t.map { [exp(-x[1] * $0) / s, -x[0] * $0 * exp(-x[1] * $0) / s, 1 / s] } }
        let exact = model(truth)
        let fit = try LeastSquares.fit(start: [1, 1, 0], residualCount: t.count, maxIterations: 200, xtol: 1e-10, gtol: 1e-12,
                                       residuals: { x in zip(model(x), exact).map { $0 - $1 } }, jacobian: { x, _ in jac(x, 1) })
        for i in 0..<3 { XCTAssertEqual(fit.x[i], truth[i], accuracy: 1e-6) }
        XCTAssertLessThan(fit.chiSquared, 1e-12)

        let s = 0.1
        var rng = RandomStream(seed: 3, step: 0, id: 0, purpose: .syntheticData)
        func normal() -> Double { (-2 * log(max(rng.uniform(), 1e-300))).squareRoot() * cos(2 * .pi * rng.uniform()) }
        var estimates: [[Double]] = []
        var reported: [Double] = []
        for _ in 0..<200 {
            let data = exact.map { $0 + s * normal() }
            let f = try LeastSquares.fit(start: truth, residualCount: t.count, maxIterations: 100, xtol: 1e-10, gtol: 1e-12,
                                         residuals: { x in zip(model(x), data).map { ($0 - $1) / s } }, jacobian: { x, _ in jac(x, s) })
            estimates.append(f.x)
            reported.append(f.covariance[1][1].squareRoot())
        }
        let b = estimates.map { $0[1] }
        let mean = b.reduce(0, +) / Double(b.count)
        let sd = (b.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(b.count - 1)).squareRoot()
        let se = reported.reduce(0, +) / Double(reported.count)
        XCTAssertEqual(se / sd, 1, accuracy: 0.25, "reported SE \(se), spread \(sd)")
    }

    /// A residual function that throws stops the fit with its error.
    func testAFailingEvaluationStopsTheFit() {
        XCTAssertThrowsError(try LeastSquares.fit(start: [1], residualCount: 2, maxIterations: 5,
                                                  residuals: { _ in throw LeastSquares.Stop("run failed") }, jacobian: { _, _ in [[1], [1]] })) {
            XCTAssertEqual(($0 as? LeastSquares.Stop)?.message, "run failed")
        }
    }

    /// A trial step to a point the residuals function refuses (as a model refuses a speed past
    /// one lattice hop per step) is taken as a rejected step: the fit tries shorter ones, ends at
    /// an allowed point nearer the optimum than it started, and reports the refusals. A refused
    /// start stops the fit.
    func testARefusedTrialStepIsTakenAsARejectedOne() throws {
        // r = x - 1 at two weights; the optimum x = 1 lies in the refused region x > 0.9.
        func residuals(_ x: [Double]) throws -> [Double] {
            if x[0] > 0.9 { throw LeastSquares.Refused("x = \(x[0]) is past 0.9") }
            return [x[0] - 1, 0.1 * (x[0] - 1)]
        }
        // The Jacobian is only asked for at accepted points, never with a refused point's residuals.
        let fit = try LeastSquares.fit(start: [0], residualCount: 2, maxIterations: 30, residuals: residuals, jacobian: { x, r in
            XCTAssertLessThanOrEqual(x[0], 0.9)
            XCTAssertTrue(r.allSatisfy { abs($0) <= 1 }, "\(r)")
            return [[1], [0.1]]
        })
        XCTAssertFalse(fit.refusals.isEmpty)
        XCTAssertTrue(fit.refusals.allSatisfy { $0.hasSuffix("is past 0.9") }, "\(fit.refusals)")
        XCTAssertLessThanOrEqual(fit.x[0], 0.9)
        XCTAssertGreaterThan(fit.x[0], 0.5)
        XCTAssertLessThan(fit.chiSquared, 1.01 * 0.25)
        XCTAssertThrowsError(try LeastSquares.fit(start: [1], residualCount: 2, maxIterations: 5, residuals: residuals, jacobian: { _, _ in [[1], [0.1]] })) {
            XCTAssertTrue(($0 as? LeastSquares.Stop)?.message.hasPrefix("the start is refused: x = 1.0") ?? false, "\($0)")
        }
    }
}
