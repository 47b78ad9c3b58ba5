import Verification
import XCTest

/// VALIDATION.md section 1, one test per case: each must pass, and the convergence orders are
/// asserted by value, not only through the pass flag.
final class VerificationTests: XCTestCase {
    func check(_ name: String, threads: Int = 1) throws -> VerificationResult {
        let r = try Verification.run(name, threads: threads)
        XCTAssertTrue(r.passed, "\(name): \(r.measurements.map { "\($0.label) \($0.value)" }) vs \(r.criterion)")
        return r
    }

    func testGaussian2DMeetsTheAccuracyTarget() throws {
        let r = try check("gaussian-2d")
        XCTAssertLessThanOrEqual(r.measurements[0].value, 2e-3)  // relative L2
        XCTAssertLessThanOrEqual(r.measurements[1].value, 1e-12) // mass vs M exp(-k t)
    }
    func testGaussian3D() throws { _ = try check("gaussian-3d", threads: 2) }

    func testSecondOrderInSpace() throws {
        let r = try check("space-order-2d")
        XCTAssertEqual(try XCTUnwrap(r.observedOrder), 2, accuracy: 0.2)
        // Errors fall at every refinement.
        XCTAssertGreaterThan(r.measurements[0].value, r.measurements[1].value)
        XCTAssertGreaterThan(r.measurements[1].value, r.measurements[2].value)
    }

    func testFirstOrderInTime() throws {
        let r = try check("time-order-2d")
        XCTAssertEqual(try XCTUnwrap(r.observedOrder), 1, accuracy: 0.1)
    }

    func testPointSource2D() throws { _ = try check("point-source-2d") }
    func testPointSource3D() throws { _ = try check("point-source-3d", threads: 2) }
    func testConservation() throws { _ = try check("conservation") }
    func testDirichlet() throws { _ = try check("dirichlet") }
    func testPeriodic() throws { _ = try check("periodic") }
    func testInterface() throws { _ = try check("interface") }
    func testTridiagonalAgainstGSL() throws { _ = try check("tridiagonal-gsl") }

    /// The quasi-steady solver (oxygen): second order in h in 2-D and 3-D, errors falling at
    /// every refinement, consumption balancing the supply.
    func testSteadyPointSource2D() throws {
        let r = try check("steady-point-source-2d", threads: 2)
        XCTAssertEqual(try XCTUnwrap(r.observedOrder), 2, accuracy: 0.2)
        XCTAssertGreaterThan(r.measurements[0].value, r.measurements[1].value)
        XCTAssertGreaterThan(r.measurements[1].value, r.measurements[2].value)
        XCTAssertLessThanOrEqual(r.measurements[3].value, 1e-9)
    }
    func testSteadyPointSource3D() throws {
        let r = try check("steady-point-source-3d", threads: 2)
        XCTAssertEqual(try XCTUnwrap(r.observedOrder), 2, accuracy: 0.2)
        XCTAssertLessThanOrEqual(r.measurements[2].value, 1e-9)
    }

    /// The wound-contraction mechanics: second order in h, errors falling at every refinement,
    /// a plastic strain equal to the active stress it stands for.
    func testInclusionAxisymmetric() throws {
        let r = try check("inclusion-axisymmetric")
        XCTAssertEqual(try XCTUnwrap(r.observedOrder), 2, accuracy: 0.2)
        for i in 0..<3 { XCTAssertGreaterThan(r.measurements[i].value, r.measurements[i + 1].value) }
        XCTAssertLessThanOrEqual(r.measurements[4].value, 1e-12)
    }

    func testEveryCaseIsCovered() {
        XCTAssertEqual(Verification.caseNames.count, 14)
        XCTAssertThrowsError(try Verification.run("nope"))
    }
}
