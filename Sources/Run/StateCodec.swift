import Artifacts
import Cells
import Fields
import Foundation
import SimCore
import Simulation

/// Little-endian binary encoding of raw arrays, for checkpoints.
public struct BinaryWriter {
    public private(set) var data = Data()
    public init() {}
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
    public mutating func string(_ s: String) { let b = Array(s.utf8); u64(UInt64(b.count)); data.append(contentsOf: b) }
    /// An array of plain values, count first (the machine is little-endian: x86-64, arm64).
    public mutating func array<T>(_ a: [T]) { u64(UInt64(a.count)); a.withUnsafeBytes { data.append(contentsOf: $0) } }
    public mutating func buffer<T>(_ b: UnsafeBufferPointer<T>) { u64(UInt64(b.count)); data.append(contentsOf: UnsafeRawBufferPointer(b)) }
    /// Makes room for `bytes` more, so that a large state grows in place instead of being copied as it doubles.
    public mutating func reserve(_ bytes: Int) { data.reserveCapacity(data.count + bytes) }
}

/// Reads what `BinaryWriter` wrote; every read is bounds-checked and fails with a message.
public struct BinaryReader {
    let data: Data
    var offset: Int
    public init(_ data: Data) { self.data = data; offset = data.startIndex }
    public var atEnd: Bool { offset == data.endIndex }

    mutating func bytes(_ n: Int) throws -> Data {
        guard n >= 0, data.endIndex - offset >= n else { throw CheckpointStateError("the state ends early (truncated)") }
        defer { offset += n }
        return data[offset..<(offset + n)]
    }
    public mutating func u32() throws -> UInt32 { try bytes(4).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) } }
    public mutating func u64() throws -> UInt64 { try bytes(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) } }
    public mutating func f64() throws -> Double { Double(bitPattern: try u64()) }
    public mutating func string() throws -> String {
        let n = try u64()
        guard n <= 1 << 20 else { throw CheckpointStateError("a string of \(n) bytes") }
        return String(decoding: try bytes(Int(n)), as: UTF8.self)
    }
    public mutating func array<T>(_ type: T.Type, maxCount: Int) throws -> [T] {
        let n = try u64()
        guard n <= UInt64(maxCount) else { throw CheckpointStateError("an array of \(n) values where at most \(maxCount) fit") }
        let raw = try bytes(Int(n) * MemoryLayout<T>.stride)
        return [T](unsafeUninitializedCapacity: Int(n)) { buffer, count in
            raw.withUnsafeBytes { src in UnsafeMutableRawBufferPointer(buffer).copyMemory(from: src) }
            count = Int(n)
        }
    }
}

public struct CheckpointStateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

extension World {
    /// The whole mutable state: step, fields, collagen, vessels, cells (with their activation and
    /// cycle state), migration onsets and closure time so far. Random streams are keyed by (seed,
    /// step, id, purpose), so the step and the cell ids are their position.
    public func encodeState() -> Data {
        var w = BinaryWriter()
        // The fields, collagen and vessels per site, seven arrays per cell, and room for the rest.
        w.reserve(lattice.count * (8 * fields.names.count + 5) + cells.count * 32 + (1 << 16))
        w.u32(UInt32(lattice.nx)); w.u32(UInt32(lattice.ny)); w.u32(UInt32(lattice.nz))
        w.u32(UInt32(fields.names.count))
        for n in fields.names { w.string(n) }
        w.u64(UInt64(step)); w.u64(UInt64(cellUpdates))
        for f in 0..<fields.names.count { w.buffer(UnsafeBufferPointer(fields.buffer(f))) }
        w.buffer(UnsafeBufferPointer(collagen))
        w.buffer(UnsafeBufferPointer(vessel))
        w.array(cells.kind); w.array(cells.flags); w.array(cells.site); w.array(cells.exposure)
        w.array(cells.cycle); w.array(cells.residence); w.array(cells.id); w.u32(cells.nextID)
        let onsets = migrationOnsetMinutes.sorted { $0.key.rawValue < $1.key.rawValue }
        w.u32(UInt32(onsets.count))
        for (k, t) in onsets { w.u32(UInt32(k.rawValue)); w.f64(t) }
        w.u32(closureTimeMinutes == nil ? 0 : 1); w.f64(closureTimeMinutes ?? 0)
        // Added after version 0.x checkpoints, which end above (read as "not yet").
        w.u32(edgeMigrationOnsetMinutes == nil ? 0 : 1); w.f64(edgeMigrationOnsetMinutes ?? 0)
        // Added with the interval means (older checkpoints end above: their interval restarts).
        let sums = solver.siteSums
        w.u64(UInt64(sums?.steps ?? 0)); w.array(sums?.sums ?? [])
        // Wound contraction, only when the scenario has mechanics (other checkpoints end above).
        if let m = mechanics?.state {
            w.array(m.displacement); w.array(m.plasticRadial); w.array(m.plasticHoop)
            w.u32(m.atClosure == nil ? 0 : 1); w.f64(m.atClosure ?? 0)
        }
        return w.data
    }

    /// Restores a state saved by `encodeState` into this world, built from a compatible scenario
    /// (same lattice and factors; the treatment may differ: that is how arms are forked).
    /// - Throws: `CheckpointStateError` naming what does not fit; the world is unchanged then.
    public func restoreState(_ data: Data) throws(CheckpointStateError) {
        do {
            var r = BinaryReader(data)
            let nx = Int(try r.u32()), ny = Int(try r.u32()), nz = Int(try r.u32())
            guard (nx, ny, nz) == (lattice.nx, lattice.ny, lattice.nz) else {
                throw CheckpointStateError("the checkpoint holds a \(nx) x \(ny) x \(nz) lattice, the scenario has \(lattice.nx) x \(lattice.ny) x \(lattice.nz)")
            }
            let factorCount = Int(try r.u32())
            guard factorCount <= 64 else { throw CheckpointStateError("\(factorCount) factors") }
            var names: [String] = []
            for _ in 0..<factorCount { names.append(try r.string()) }
            guard names == fields.names else { throw CheckpointStateError("the checkpoint holds the factors \(names), the scenario has \(fields.names)") }
            let savedStep = Int(try r.u64()), savedUpdates = Int(try r.u64())
            let n = lattice.count
            var fieldValues: [[Double]] = []
            for f in 0..<factorCount {
                let v = try r.array(Double.self, maxCount: n)
                guard v.count == n else { throw CheckpointStateError("factor \(names[f]) has \(v.count) values for \(n) sites") }
                if let bad = v.firstIndex(where: { !$0.isFinite || $0 < 0 }) { throw CheckpointStateError("factor \(names[f]) is \(v[bad]) at site \(bad)") }
                fieldValues.append(v)
            }
            let savedCollagen = try r.array(Float.self, maxCount: n)
            let savedVessel = try r.array(UInt8.self, maxCount: n)
            guard savedCollagen.count == n, savedVessel.count == n else { throw CheckpointStateError("collagen or vessel arrays do not match the lattice") }
            let kind = try r.array(UInt8.self, maxCount: n), flags = try r.array(UInt8.self, maxCount: n)
            let site = try r.array(Int32.self, maxCount: n), exposure = try r.array(Float.self, maxCount: n)
            let cycle = try r.array(Float.self, maxCount: n), residence = try r.array(Float.self, maxCount: n)
            let ids = try r.array(UInt32.self, maxCount: n), nextID = try r.u32()
            var onsets: [CellKind: Double] = [:]
            let onsetCount = try r.u32()
            guard onsetCount <= UInt32(CellKind.allCases.count) else { throw CheckpointStateError("\(onsetCount) onsets") }
            for _ in 0..<onsetCount {
                guard let k = CellKind(rawValue: UInt8(truncatingIfNeeded: try r.u32())) else { throw CheckpointStateError("an onset of an unknown kind") }
                onsets[k] = try r.f64()
            }
            let hasClosure = try r.u32(), closure = try r.f64()
            var edgeOnset: Double?
            if !r.atEnd { let has = try r.u32(), t = try r.f64(); edgeOnset = has == 1 ? t : nil }
            var interval: (steps: Int, sums: [Double])?
            if !r.atEnd {
                let steps = Int(try r.u64()), sums = try r.array(Double.self, maxCount: 64)
                guard sums.count == (solver.siteSums?.factorCount ?? 0), sums.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                    throw CheckpointStateError("the interval sums do not match the factors")
                }
                interval = (steps, sums)
            }
            var contraction: (u: [Double], pr: [Double], ph: [Double], atClosure: Double?)?
            if !r.atEnd {
                guard mechanics != nil else { throw CheckpointStateError("the checkpoint holds wound mechanics, the scenario has no `mechanics:`") }
                let u = try r.array(Double.self, maxCount: 1 << 20), pr = try r.array(Double.self, maxCount: 1 << 20)
                let ph = try r.array(Double.self, maxCount: 1 << 20)
                let has = try r.u32(), t = try r.f64()
                contraction = (u, pr, ph, has == 1 ? t : nil)
            }
            guard r.atEnd else { throw CheckpointStateError("the state has trailing bytes") }
            if let m = mechanics, let c = contraction,
               let problem = m.problem(displacement: c.u, plasticRadial: c.pr, plasticHoop: c.ph, atClosure: c.atClosure) {
                throw CheckpointStateError(problem)
            }
            var population = cells
            if let problem = population.restore(kind: kind, flags: flags, site: site, exposure: exposure, cycle: cycle, residence: residence, id: ids, nextID: nextID) {
                throw CheckpointStateError(problem)
            }
            // Everything read and checked: now change the world.
            for f in 0..<factorCount { _ = fieldValues[f].withUnsafeBufferPointer { fields.buffer(f).update(fromContentsOf: $0) } }
            // A factor this scenario never supplies is silent (not solved, not read by the cells)
            // only while it is zero: an arm forked from a treated run's checkpoint brings the
            // medium's factors with it, to diffuse and decay as in the run that made them.
            var silent = solver.silent
            for f in 0..<factorCount where silent[f] && fieldValues[f].contains(where: { $0 != 0 }) { silent[f] = false }
            if silent != solver.silent { setSilent(silent) }
            _ = savedVessel.withUnsafeBufferPointer { vessel.update(fromContentsOf: $0) }
            setRestored(step: savedStep, cellUpdates: savedUpdates, collagen: savedCollagen, cells: population,
                        onset: onsets, closureTime: hasClosure == 1 ? closure : nil, edgeOnset: edgeOnset)
            if let interval { solver.siteSums?.restore(sums: interval.sums, steps: interval.steps) } else { solver.siteSums?.reset() }
            if let m = mechanics {
                if let c = contraction {
                    m.restore(displacement: c.u, plasticRadial: c.pr, plasticHoop: c.ph, atClosure: c.atClosure)
                } else {
                    m.reset()
                }
            }
        } catch let e as CheckpointStateError {
            throw e
        } catch {
            throw CheckpointStateError("\(error)")
        }
    }
}
