import CGSL
import SimCore
import XCTest

final class UnitsTests: XCTestCase {
    func testConversionsToInternalUnits() throws {
        let cases: [(String, QuantityKind, Double)] = [
            ("60 um^2/s", .diffusivity, 3600),
            ("60 µm²/s", .diffusivity, 3600),
            ("1e-6 cm^2/s", .diffusivity, 6000),
            ("3600 um^2/min", .diffusivity, 3600),
            ("45 min", .time, 45),
            ("2 d", .time, 2880),
            ("12 h", .time, 720),
            ("30 s", .time, 0.5),
            ("0.92 /h", .rate, 0.92 / 60),
            ("0.92 1/h", .rate, 0.92 / 60),
            ("0.92 per h", .rate, 0.92 / 60),
            ("10 ng/mL", .concentration, 10),
            ("3 pg/mL", .concentration, 0.003),
            ("1 ug/mL", .concentration, 1000),
            ("0.5 ng/mL/h", .concentrationRate, 0.5 / 60),
            ("20 um", .length, 20),
            ("6 mm", .length, 6000),
            ("2.5", .dimensionless, 2.5),
        ]
        for (text, kind, expected) in cases {
            let value = try Units.parse(text, as: kind)
            XCTAssertEqual(value, expected, accuracy: abs(expected) * 1e-12, text)
        }
        // A molar concentration needs the molar mass [g/mol]: 1.2 nM of EGF (6200 g/mol) is
        // 1.2e-9 mol/L x 6200 g/mol = 7.44e-6 g/L = 7.44 ng/mL.
        XCTAssertEqual(try Units.parse("1.2 nM", as: .concentration, molarMass: 6200), 7.44, accuracy: 1e-12)
    }

    func testBadUnitsNameWhatWasExpected() {
        let cases: [(String, QuantityKind, String)] = [
            ("5 um", .rate, "is a length, but a rate is expected"),
            ("10", .concentration, "has no unit"),
            ("10 furlongs", .length, "unknown unit \"furlongs\""),
            ("3 ng/ml/hr", .concentration, "is a concentrationRate, but a concentration is expected"),
            ("nan um", .length, "not a finite number"),
            ("inf /h", .rate, "not a finite number"),
            ("1e400 um", .length, "too large"),
            ("", .time, "empty"),
            ("um", .length, "does not start with a number"),
            ("1.2 nM", .concentration, "molar mass"),
            ("2 hrs", .time, "did you mean"),
            ("4 um^x", .length, "bad exponent"),
            ("4 um^-9223372036854775808", .length, "bad exponent"),
            ("4 um^99999999999", .length, "bad exponent"),
        ]
        for (text, kind, fragment) in cases {
            XCTAssertThrowsError(try Units.parse(text, as: kind), text) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains(fragment), "\(text): \(message)")
            }
        }
    }
}

extension UnitsTests {
    /// A value written in its kind's internal unit, as the resolved scenario writes it, reads back
    /// bit-exact (it was 1 ulp off for ng/mL/min, the number taken through 1e-12 and 1e12); a unit
    /// whose factor is a whole number or its inverse costs one rounding, as plain division does.
    func testInternalUnitsReadBackBitExactAndWholeFactorsRoundOnce() throws {
        XCTAssertEqual(try Units.parse("6.083333333333333 ng/mL/min", as: .concentrationRate), 6.083333333333333)
        var r = RandomStream(seed: 2026, step: 0, id: 0)
        let kinds: [QuantityKind] = [.length, .time, .speed, .diffusivity, .rate, .concentration, .concentrationRate, .sensitivity, .molarMass, .volume, .area]
        for kind in kinds {
            for _ in 0..<2000 {
                // Log-uniform over 1e-15 to 1e9, from a seeded stream (a failure replays).
                let x = pow(10.0, -15 + 24 * r.uniform())
                let text = Units.format(x, as: kind)
                XCTAssertEqual(try Units.parse(text, as: kind), x, text)
            }
        }
        let oneRounding: [(String, QuantityKind, Double)] = [
            ("365 ng/mL/h", .concentrationRate, 365.0 / 60), ("0.92 /h", .rate, 0.92 / 60),
            ("3 pg/mL", .concentration, 3.0 / 1000), ("30 s", .time, 30.0 / 60), ("2 d", .time, 2.0 * 1440),
            ("60 um^2/s", .diffusivity, 60.0 * 60), ("7 mL/ng", .sensitivity, 7.0),
        ]
        for (text, kind, exact) in oneRounding {
            XCTAssertEqual(try Units.parse(text, as: kind), exact, text)
        }
    }
}

final class LatticeTests: XCTestCase {
    func testIndexingRoundTrips() throws {
        let l = try Lattice(nx: 7, ny: 5, nz: 3, spacing: 20)
        XCTAssertEqual(l.count, 105)
        XCTAssertEqual(l.dimension, 3)
        for s in 0..<l.count {
            let (i, j, k) = l.coordinates(of: s)
            XCTAssertEqual(l.index(i, j, k), s)
        }
        XCTAssertEqual(l.stride(of: .y), 7)
        XCTAssertEqual(l.stride(of: .z), 35)
        XCTAssertEqual(l.centre(0), 10)
        XCTAssertEqual(try Lattice(nx: 4, ny: 4, spacing: 1).dimension, 2)
    }

    func testBadLatticesAreErrors() {
        XCTAssertThrowsError(try Lattice(nx: 0, ny: 5, spacing: 20)) { XCTAssertTrue("\($0)".contains("nx = 0")) }
        XCTAssertThrowsError(try Lattice(nx: 5, ny: -2, spacing: 20)) { XCTAssertTrue("\($0)".contains("ny = -2")) }
        XCTAssertThrowsError(try Lattice(nx: 5, ny: 5, spacing: 0)) { XCTAssertTrue("\($0)".contains("spacing 0")) }
        XCTAssertThrowsError(try Lattice(nx: 5, ny: 5, spacing: -1)) { XCTAssertTrue("\($0)".contains("spacing -1")) }
        XCTAssertThrowsError(try Lattice(nx: 5, ny: 5, spacing: .nan))
        XCTAssertThrowsError(try Lattice(nx: 100_000, ny: 100_000, spacing: 1)) { XCTAssertTrue("\($0)".contains("sites")) }
        XCTAssertThrowsError(try Lattice(nx: Int.max, ny: 3, spacing: 1))
    }

    func testMemoryEstimateIsChecked() {
        XCTAssertThrowsError(try MemoryBudget.check(1e15, what: "a test lattice")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("a test lattice needs an estimated 909.5 TiB"), message)
        }
        XCTAssertNoThrow(try MemoryBudget.check(1e6, what: "small"))
    }

    func testTilesCoverThePlaneOnce() throws {
        let l = try Lattice(nx: 70, ny: 45, spacing: 20)
        let tiles = TileGrid(lattice: l, tileSize: 32)
        XCTAssertEqual(tiles.count, 6)
        var seen = [Int](repeating: 0, count: l.nx * l.ny)
        for t in 0..<tiles.count {
            let (xr, yr) = tiles.bounds(of: t)
            for j in yr { for i in xr { seen[j * l.nx + i] += 1; XCTAssertEqual(tiles.tile(ofX: i, y: j), t) } }
        }
        XCTAssertEqual(Set(seen), [1])
    }
}

final class GSLTests: XCTestCase {
    func testBesselK0AndErrorsWithoutAbort() throws {
        // K0(1) = 0.42102443824070833 (Abramowitz & Stegun table 9.8).
        XCTAssertEqual(try GSL.besselK0(1), 0.42102443824070833, accuracy: 1e-15)
        // A domain error comes back as a thrown error: GSL's abort handler is off.
        XCTAssertThrowsError(try GSL.besselK0(-1)) { XCTAssertTrue("\($0)".contains("gsl_sf_bessel_K0_e")) }
    }

    func testTridiagonalSolve() throws {
        // [2 -1 0; -1 2 -1; 0 -1 2] x = [1 0 1] has x = [1 1 1].
        let x = try GSL.solveTridiagonal(diag: [2, 2, 2], sup: [-1, -1], sub: [-1, -1], rhs: [1, 0, 1])
        for v in x { XCTAssertEqual(v, 1, accuracy: 1e-14) }
    }

    func testLinearFit() throws {
        let fit = try GSL.linearFit(x: [0, 1, 2, 3], y: [1, 3, 5, 7])
        XCTAssertEqual(fit.intercept, 1, accuracy: 1e-12)
        XCTAssertEqual(fit.slope, 2, accuracy: 1e-12)
    }
}
