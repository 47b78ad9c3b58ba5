import SimCore
import XCTest

final class RandomStreamTests: XCTestCase {
    /// Random123's published known-answer vectors for Philox4x32-10.
    func testPhiloxKnownAnswers() {
        let zero = RandomStream.philox4x32_10((0, 0, 0, 0), key: (0, 0))
        XCTAssertEqual([zero.0, zero.1, zero.2, zero.3], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        let ones = RandomStream.philox4x32_10((.max, .max, .max, .max), key: (.max, .max))
        XCTAssertEqual([ones.0, ones.1, ones.2, ones.3], [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        let pi = RandomStream.philox4x32_10((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), key: (0xa409_3822, 0x299f_31d0))
        XCTAssertEqual([pi.0, pi.1, pi.2, pi.3], [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    /// Pins the first outputs of one stream: a change to the counter layout or the conversion to
    /// doubles changes every simulation, so it must be deliberate.
    func testPinnedFirstOutputs() {
        var s = RandomStream(seed: 42, step: 7, id: 3)
        let words = (0..<6).map { _ in s.nextUInt32() }
        var again = RandomStream(seed: 42, step: 7, id: 3)
        XCTAssertEqual(words, (0..<6).map { _ in again.nextUInt32() })
        let block = RandomStream.philox4x32_10((0, 3, 7, 0), key: (42, 0))
        XCTAssertEqual(Array(words[0..<4]), [block.0, block.1, block.2, block.3])
        XCTAssertEqual(words, Self.pinnedWords)
        var u = RandomStream(seed: 42, step: 7, id: 3)
        XCTAssertEqual(u.uniform(), Self.pinnedUniform)
    }
    static let pinnedWords: [UInt32] = [0x2b6c_136c, 0x9993_7deb, 0xad98_51a4, 0xf09e_fa19, 0xb985_88fd, 0x637a_de26]
    static let pinnedUniform: Double = 0.1696178569923869

    func testDifferentKeysDifferAndEqualKeysRepeat() {
        func first(_ seed: UInt64, _ step: Int, _ id: Int, _ purpose: StreamPurpose = .unspecified) -> [UInt32] {
            var s = RandomStream(seed: seed, step: step, id: id, purpose: purpose)
            return (0..<8).map { _ in s.nextUInt32() }
        }
        let base = first(1, 2, 3)
        XCTAssertEqual(base, first(1, 2, 3))
        XCTAssertNotEqual(base, first(2, 2, 3))
        XCTAssertNotEqual(base, first(1, 3, 3))
        XCTAssertNotEqual(base, first(1, 2, 4))
        XCTAssertNotEqual(base, first(1, 2, 3, .cellDecision))
        XCTAssertNotEqual(first(1, 2, 3), first(1, 3, 2), "step and id must not be interchangeable")
        XCTAssertNotEqual(first(1 << 32, 0, 0), first(1, 0, 0), "both seed words count")
    }

    /// Mean and variance of uniforms over many (step, id) keys: E = 1/2, Var = 1/12. With
    /// n = 200,000 the standard error of the mean is 6.5e-4; the margin is 5 of them.
    func testUniformMoments() {
        var sum = 0.0, sumSq = 0.0
        let n = 200_000
        for id in 0..<n {
            var s = RandomStream(seed: 9, step: id % 17, id: id)
            let u = s.uniform()
            XCTAssertTrue(u > 0 && u < 1)
            sum += u; sumSq += u * u
        }
        let mean = sum / Double(n), variance = sumSq / Double(n) - mean * mean
        XCTAssertEqual(mean, 0.5, accuracy: 5 * (1.0 / 12 / Double(n)).squareRoot())
        XCTAssertEqual(variance, 1.0 / 12, accuracy: 0.002)
    }

    /// below(n) hits every value with the expected frequency (chi-square, 9 degrees of freedom,
    /// 99.9 % point 27.9).
    func testBelowIsUniform() {
        var counts = [Int](repeating: 0, count: 10)
        var s = RandomStream(seed: 5, step: 0, id: 0)
        let n = 100_000
        for _ in 0..<n { counts[Int(s.below(10))] += 1 }
        let expected = Double(n) / 10
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        XCTAssertLessThan(chi2, 27.9)
    }

    /// Normal deviates by GSL's inverse CDF: mean 0, variance 1 (n = 100,000; 5 standard errors).
    func testNormalMoments() {
        var s = RandomStream(seed: 3, step: 1, id: 1)
        let xs = (0..<100_000).map { _ in s.normal() }
        let (mean, sd) = GSL.meanAndStandardDeviation(xs)
        XCTAssertEqual(mean, 0, accuracy: 5 / 100_000.0.squareRoot())
        XCTAssertEqual(sd, 1, accuracy: 0.02)
    }

    /// Every purpose has its own key, and the keys are the values of earlier versions (so outputs
    /// of the bundled scenarios stay byte-identical).
    func testStreamPurposesHaveDistinctPinnedKeys() {
        let keys = StreamPurpose.all.map(\.key)
        XCTAssertEqual(Set(keys).count, keys.count, "two stream purposes share a key")
        XCTAssertEqual(StreamPurpose.cellDecision.key, 1)
        XCTAssertEqual(StreamPurpose.tileOrder.key, 0xC010_0000)
        XCTAssertEqual(StreamPurpose.initialPlacement(kind: 2).key, 0x5EED_0002)
        XCTAssertEqual(StreamPurpose.latinHypercube.key, 0x4C48_5300)
        XCTAssertEqual(StreamPurpose.morrisTrajectory.key, 0x4D52_5300)
        XCTAssertEqual(StreamPurpose.apoptosis.key, 0x4150_4F00)
        XCTAssertEqual(StreamPurpose.vesselRegression.key, 0x5652_4700)
        XCTAssertEqual(StreamPurpose.tipSelection.key, 0x5449_5000)
        XCTAssertEqual(StreamPurpose.recruitment.key, 0x5245_4300)
        XCTAssertEqual(StreamPurpose.laterRecruitment.key, 0x5245_4301)
        XCTAssertEqual(StreamPurpose.all.count, 13 + 256)
    }
}
