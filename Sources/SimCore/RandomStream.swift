/// A counter-based random stream: Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011,
/// "Parallel random numbers: as easy as 1, 2, 3", SC'11).
///
/// Every draw is a pure function of `(seed, step, id, purpose, draw index)`. A stream is therefore
/// keyed by *what* is being simulated (a cell or site at a step), never by which thread runs it,
/// and the same scenario and seed give the same numbers at any thread count.
///
/// The 128-bit Philox counter is laid out as `(block, id, step, purpose)` and the 64-bit key is
/// the run seed, so two streams differ whenever any of seed, step, id or purpose differ.
/// - `step` and `id` must be below 2^32 (4.29e9 steps; 4.29e9 cells or sites).
/// - Each block yields four 32-bit words; a stream may draw up to 2^32 blocks.
///
/// - Complexity: one Philox block (10 rounds of two 32x32->64 multiplies) per four words.
public struct RandomStream: Sendable {
    @usableFromInline var key0: UInt32
    @usableFromInline var key1: UInt32
    @usableFromInline var block: UInt32 = 0
    @usableFromInline let id: UInt32
    @usableFromInline let step: UInt32
    @usableFromInline let purpose: UInt32
    @usableFromInline var buffer: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    @usableFromInline var used: Int = 4

    /// Creates the stream for one `(seed, step, id, purpose)` key.
    /// - Parameters:
    ///   - seed: the run seed.
    ///   - step: the integer step clock, `< 2^32`.
    ///   - id: a cell id or site index, `< 2^32`.
    ///   - purpose: separates independent uses within one step (`StreamPurpose`: one place for
    ///     every key, so two uses can never share a stream by accident).
    @inlinable
    public init(seed: UInt64, step: Int, id: Int, purpose: StreamPurpose = .unspecified) {
        precondition(step >= 0 && step <= Int(UInt32.max), "RandomStream: step \(step) outside 0..<2^32")
        precondition(id >= 0 && id <= Int(UInt32.max), "RandomStream: id \(id) outside 0..<2^32")
        key0 = UInt32(truncatingIfNeeded: seed)
        key1 = UInt32(truncatingIfNeeded: seed >> 32)
        self.step = UInt32(truncatingIfNeeded: step)
        self.id = UInt32(truncatingIfNeeded: id)
        self.purpose = purpose.key
    }

    /// One Philox4x32-10 block: the bijection of `counter` under `key`.
    @inlinable
    public static func philox4x32_10(
        _ counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)
    ) -> (UInt32, UInt32, UInt32, UInt32) {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for round in 0..<10 {
            if round > 0 {
                k0 = k0 &+ 0x9E37_79B9
                k1 = k1 &+ 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            c0 = hi1 ^ c1 ^ k0
            c1 = lo1
            c2 = hi0 ^ c3 ^ k1
            c3 = lo0
        }
        return (c0, c1, c2, c3)
    }

    @inlinable
    mutating func refill() {
        buffer = Self.philox4x32_10((block, id, step, purpose), key: (key0, key1))
        block &+= 1
        used = 0
    }

    /// The next 32 random bits.
    @inlinable
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 { refill() }
        defer { used &+= 1 }
        switch used {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    /// The next 64 random bits (two words).
    @inlinable
    public mutating func nextUInt64() -> UInt64 {
        let hi = UInt64(nextUInt32())
        return (hi << 32) | UInt64(nextUInt32())
    }

    /// A uniform double in the open interval (0, 1), with 53 random bits:
    /// `(k + 0.5) / 2^53` for a uniform integer `k < 2^53`. Never 0, never 1, so `log` is safe.
    @inlinable
    public mutating func uniform() -> Double {
        let k = nextUInt64() >> 11
        return (Double(k) + 0.5) * 0x1p-53
    }

    /// A uniform double in (0, 1) from one 32-bit word: `(k + 0.5) / 2^32`. Resolution 2.3e-10,
    /// enough for event probabilities; half the words of `uniform()`.
    @inlinable
    public mutating func uniform32() -> Double {
        (Double(nextUInt32()) + 0.5) * 0x1p-32
    }

    /// `true` with probability `p` (clamped to [0, 1]).
    @inlinable
    public mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }

    /// A uniform integer in `0..<n`, `n > 0`, by Lemire's multiply-shift with rejection (no bias).
    @inlinable
    public mutating func below(_ n: UInt32) -> UInt32 {
        precondition(n > 0)
        var m = UInt64(nextUInt32()) &* UInt64(n)
        var low = UInt32(truncatingIfNeeded: m)
        if low < n {
            let threshold = (0 &- n) % n
            while low < threshold {
                m = UInt64(nextUInt32()) &* UInt64(n)
                low = UInt32(truncatingIfNeeded: m)
            }
        }
        return UInt32(truncatingIfNeeded: m >> 32)
    }

    /// A standard normal deviate by inversion of the normal CDF (GSL's `gsl_cdf_ugaussian_Pinv`),
    /// one uniform per deviate, so the draw count per call is fixed.
    public mutating func normal() -> Double {
        GSL.normalQuantile(uniform())
    }
}

/// Every use of a random stream, with the 32-bit key that enters the Philox counter. The keys are
/// the values of earlier versions (outputs stay byte-identical across the change) and must stay
/// distinct: two purposes with one key would draw correlated numbers (RandomStreamTests checks).
public enum StreamPurpose: Sendable, Hashable {
    /// Tests, benchmarks and other one-off uses with no other stream beside them.
    case unspecified
    /// A cell's divide / hop / stay decision and its target site, per step and cell id.
    case cellDecision
    /// The colour order and scan direction of the tiles, per step.
    case tileOrder
    /// Whether a site gets a cell of this kind at step 0 (density below one per site).
    case initialPlacement(kind: UInt8)
    /// A sweep's Latin-hypercube strata, per parameter.
    case latinHypercube
    /// A sweep's Morris trajectories, per trajectory.
    case morrisTrajectory
    /// The sweep parser's mutation test, per mutation.
    case parserMutation
    /// The noise of a calibration's synthetic data sets (recovery checks), per data set.
    case syntheticData
    /// Whether a cell is recruited at a vessel site, and where, per step and site; recruitment into
    /// the wound bed, per step and kind (ids past every site's).
    case recruitment
    /// The same for kinds 4-7 (neutrophils), with the ids of kinds 0-3 (`CellStepper.recruitmentStream`).
    case laterRecruitment
    /// Whether a cell switches to its second state (`CellFlags.repair`), per step and cell id.
    case polarization
    /// Whether a cell dies in the hourly apoptosis draw (`CellStepper.apoptosisEvery`), per step
    /// and cell id.
    case apoptosis
    /// Whether a vessel site a trail made regresses in the hourly draw, per step and site.
    case vesselRegression
    /// Whether a sprouting kind's cell that may become a tip does so in this step, per step and
    /// cell id.
    case tipSelection

    /// The 32-bit purpose word of the Philox counter.
    @inlinable public var key: UInt32 {
        switch self {
        case .unspecified: return 0
        case .cellDecision: return 1
        case .tileOrder: return 0xC010_0000
        case let .initialPlacement(kind): return 0x5EED_0000 | UInt32(kind)
        case .latinHypercube: return 0x4C48_5300
        case .morrisTrajectory: return 0x4D52_5300
        case .parserMutation: return 0x4D55_5400
        case .syntheticData: return 0x5359_4E00
        case .recruitment: return 0x5245_4300
        case .laterRecruitment: return 0x5245_4301
        case .polarization: return 0x504F_4C00
        case .apoptosis: return 0x4150_4F00
        case .vesselRegression: return 0x5652_4700
        case .tipSelection: return 0x5449_5000
        }
    }

    /// Every purpose, with every kind of `initialPlacement`.
    public static var all: [StreamPurpose] {
        [.unspecified, .cellDecision, .tileOrder, .latinHypercube, .morrisTrajectory, .parserMutation, .syntheticData, .recruitment, .laterRecruitment, .polarization, .apoptosis, .vesselRegression, .tipSelection]
            + (0...UInt8.max).map { .initialPlacement(kind: $0) }
    }
}
