import Foundation
import XCTest

/// Runs the built `woundsim` binary end to end and checks its output and exit code.
final class CLITests: XCTestCase {
    static var binary: URL {
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("woundsim")
        }
        #endif
        return Bundle.main.bundleURL.appendingPathComponent("woundsim")
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testVerifyPrintsTableAndExitsZero() throws {
        let r = try run(["verify", "--case", "gaussian-2d", "--case", "dirichlet", "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("case"), r.stdout)
        XCTAssertTrue(r.stdout.contains("gaussian-2d"))
        XCTAssertTrue(r.stdout.contains("rel L2"))
        XCTAssertTrue(r.stdout.contains("2 passed, 0 failed"), r.stdout)
    }

    func testUnknownCaseIsBadInput() throws {
        let r = try run(["verify", "--case", "periodik"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("did you mean \"periodic\""), r.stderr)
    }

    func testBadThreadsIsBadInput() throws {
        let r = try run(["verify", "--threads", "0"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--threads 0"), r.stderr)
    }

    func testUnknownCommandIsBadInput() throws {
        let r = try run(["frobnicate"])
        XCTAssertEqual(r.status, 2, r.stderr)
    }

    func testVersionAndHelp() throws {
        XCTAssertEqual(try run(["--version"]).status, 0)
        let help = try run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("verify"))
    }
}
