import CWoundsimOS
import Foundation

/// SHA-256 (FIPS 180-4), for the checksums in `manifest.json`. Foundation on Linux has no
/// digest API, and one small function beats a dependency. On an x86-64 CPU with the SHA
/// extensions the compression runs on them (`woundsim_sha256_blocks` in CWoundsimOS): a run's
/// snapshots and checkpoints are hashed on the stepping thread, and the portable loop spent
/// about half of a snapshot's time there.
public enum SHA256 {
    /// How the compression function runs.
    public enum Implementation: Sendable, CaseIterable {
        /// Plain Swift, on every CPU.
        case portable
        /// The x86-64 SHA extensions (only where `instructionsAvailable`).
        case instructions
    }

    /// Whether this CPU has the SHA-256 instructions.
    public static let instructionsAvailable = woundsim_has_sha256_instructions() != 0

    /// What `digest` and `hex` use: the instructions where the CPU has them.
    public static let implementation: Implementation = instructionsAvailable ? .instructions : .portable

    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// The digest of `data` as 32 bytes.
    public static func digest<Bytes: Collection>(_ data: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        words(data).flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (24 - 8 * $0)) } }
    }

    /// The digest of `data` as 64 lowercase hex digits.
    public static func hex<Bytes: Collection>(_ data: Bytes) -> String where Bytes.Element == UInt8 {
        words(data).map { word in
            let s = String(word, radix: 16)
            return String(repeating: "0", count: 8 - s.count) + s
        }.joined()
    }

    /// The eight state words of the digest. Whole 64-byte blocks are read where the bytes lie
    /// (no copy of the data: checkpoints are hundreds of MB); only the last one or two blocks,
    /// with the padding and the length, are assembled apart.
    static func words<Bytes: Collection>(_ data: Bytes, using implementation: Implementation = implementation) -> [UInt32] where Bytes.Element == UInt8 {
        if let d = data as? Data { return d.withUnsafeBytes { words($0, using: implementation) } }
        if let h = data.withContiguousStorageIfAvailable({ words(UnsafeRawBufferPointer($0), using: implementation) }) { return h }
        let copy = Array(data)
        return copy.withUnsafeBytes { words($0, using: implementation) }
    }

    /// The digest of `data` as 32 bytes, computed by `implementation` (the tests compare the two;
    /// `.instructions` needs `instructionsAvailable`).
    public static func digest(_ data: Data, using implementation: Implementation) -> [UInt8] {
        precondition(implementation == .portable || instructionsAvailable, "this CPU has no SHA-256 instructions")
        return words(data, using: implementation).flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (24 - 8 * $0)) } }
    }

    static func words(_ bytes: UnsafeRawBufferPointer, using implementation: Implementation) -> [UInt32] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        let whole = bytes.count / 64 * 64
        // The tail: the bytes after the whole blocks, 0x80, zeros, and the length in bits, big-endian.
        var tail = [UInt8](repeating: 0, count: 128)
        let rest = bytes.count - whole
        for i in 0..<rest { tail[i] = bytes[whole + i] }
        tail[rest] = 0x80
        let tailCount = rest < 56 ? 64 : 128
        let bitLength = UInt64(bytes.count) &* 8
        for i in 0..<8 { tail[tailCount - 1 - i] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i))) }
        let w = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
        defer { w.deallocate() }
        h.withUnsafeMutableBufferPointer { hp in
            func run(_ m: UnsafePointer<UInt8>, blocks: Int) {
                if implementation == .instructions {
                    k.withUnsafeBufferPointer { woundsim_sha256_blocks(hp.baseAddress!, m, blocks, $0.baseAddress!) }
                } else {
                    compress(hp.baseAddress!, m, blocks: blocks, w: w)
                }
            }
            if whole > 0 { run(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), blocks: whole / 64) }
            tail.withUnsafeBufferPointer { run($0.baseAddress!, blocks: tailCount / 64) }
        }
        return h
    }

    /// Runs the compression function over `blocks` 64-byte blocks at `m`.
    /// Unchecked arithmetic and pointers in the block loop: bounds and overflow checks made it ~5x
    /// slower, and checkpoints and manifests hash tens to hundreds of MB.
    private static func compress(_ h: UnsafeMutablePointer<UInt32>, _ m: UnsafePointer<UInt8>, blocks: Int, w: UnsafeMutablePointer<UInt32>) {
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }
        k.withUnsafeBufferPointer { kp in
            let kk = kp.baseAddress!
            var chunk = 0
            let end = blocks &* 64
            while chunk < end {
                for t in 0..<16 {
                    let b = chunk &+ 4 &* t
                    w[t] = UInt32(m[b]) &<< 24 | UInt32(m[b &+ 1]) &<< 16 | UInt32(m[b &+ 2]) &<< 8 | UInt32(m[b &+ 3])
                }
                for t in 16..<64 {
                    let s0 = rotr(w[t &- 15], 7) ^ rotr(w[t &- 15], 18) ^ (w[t &- 15] &>> 3)
                    let s1 = rotr(w[t &- 2], 17) ^ rotr(w[t &- 2], 19) ^ (w[t &- 2] &>> 10)
                    w[t] = w[t &- 16] &+ s0 &+ w[t &- 7] &+ s1
                }
                var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
                for t in 0..<64 {
                    let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = hh &+ s1 &+ ch &+ kk[t] &+ w[t]
                    let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
                }
                h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
                chunk &+= 64
            }
        }
    }
}
