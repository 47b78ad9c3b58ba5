import SimCore

/// Tissue region id per site (for example 0 = dermis, 1 = wound bed). Factors may give each
/// region its own diffusion coefficient; the flux stays continuous across region interfaces.
public struct RegionMap: Sendable, Equatable {
    public let lattice: Lattice
    /// Region id per site, flat lattice order.
    public var ids: [UInt8]

    /// Every site in region `fill`.
    public init(lattice: Lattice, fill: UInt8 = 0) {
        self.lattice = lattice
        ids = [UInt8](repeating: fill, count: lattice.count)
    }

    public init(lattice: Lattice, ids: [UInt8]) throws(FieldError) {
        guard ids.count == lattice.count else {
            throw FieldError.invalid(key: "regions", message: "\(ids.count) region ids for \(lattice.count) sites")
        }
        self.lattice = lattice
        self.ids = ids
    }

    public subscript(i: Int, j: Int, k: Int) -> UInt8 {
        get { ids[lattice.index(i, j, k)] }
        set { ids[lattice.index(i, j, k)] = newValue }
    }
}

/// The concentration fields of all factors: one contiguous buffer of `lattice.count` doubles per
/// factor [ng/mL], flat lattice order.
///
/// Memory: 8 bytes per site per factor. A class because it owns a large manual allocation; it is
/// never one object per agent.
public final class FieldSet: @unchecked Sendable {
    public let lattice: Lattice
    /// Factor names, in storage order.
    public let names: [String]
    @usableFromInline let storage: UnsafeMutablePointer<Double>

    /// Allocates the fields, each filled with `initial[f]` [ng/mL].
    /// - Throws: when the estimate exceeds the machine's memory (nothing is allocated then).
    public init(lattice: Lattice, names: [String], initial: [Double]) throws(FieldError) {
        precondition(names.count == initial.count)
        let bytes = Double(lattice.count) * Double(max(1, names.count)) * 8
        do { try MemoryBudget.check(bytes, what: "\(names.count) factor fields on \(lattice)") } catch { throw .lattice(error) }
        self.lattice = lattice
        self.names = names
        let n = lattice.count * names.count
        storage = .allocate(capacity: max(1, n))
        for f in 0..<names.count {
            (storage + f * lattice.count).initialize(repeating: initial[f], count: lattice.count)
        }
    }

    /// Fields for the given factor specs, each at its initial value.
    public convenience init(lattice: Lattice, factors: [FactorSpec]) throws(FieldError) {
        try self.init(lattice: lattice, names: factors.map(\.name), initial: factors.map(\.initial))
    }

    deinit { storage.deallocate() }

    public var factorCount: Int { names.count }

    /// The index of a named factor, or nil.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// The field of factor `f` [ng/mL]. The pointer stays valid as long as this object lives.
    @inlinable public func buffer(_ f: Int) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: storage + f &* lattice.count, count: lattice.count)
    }

    /// Concentration of factor `f` at a site [ng/mL].
    @inlinable public subscript(f: Int, site: Int) -> Double {
        get { storage[f &* lattice.count &+ site] }
        set { storage[f &* lattice.count &+ site] = newValue }
    }

    /// Sets factor `f` from a function of the site centre (x, y, z) [um].
    public func fill(_ f: Int, _ value: (Double, Double, Double) -> Double) {
        let b = buffer(f)
        for k in 0..<lattice.nz {
            for j in 0..<lattice.ny {
                for i in 0..<lattice.nx {
                    b[lattice.index(i, j, k)] = value(lattice.centre(i), lattice.centre(j), lattice.centre(k))
                }
            }
        }
    }

    /// Total amount of factor `f`: the sum of concentrations times site volume, in ng/mL x um^3
    /// (x h^2 in 2-D, x h^3 in 3-D). Compensated (Neumaier) summation, so that conservation can be
    /// checked to round-off.
    public func total(_ f: Int) -> Double {
        let b = buffer(f)
        var sum = 0.0, carry = 0.0
        for v in b {
            let t = sum + v
            if abs(sum) >= abs(v) { carry += (sum - t) + v } else { carry += (v - t) + sum }
            sum = t
        }
        let h = lattice.spacing
        return (sum + carry) * (lattice.dimension == 2 ? h * h : h * h * h)
    }

    /// Mean concentration of factor `f` over all sites [ng/mL].
    public func mean(_ f: Int) -> Double {
        let h = lattice.spacing
        return total(f) / (lattice.dimension == 2 ? h * h : h * h * h) / Double(lattice.count)
    }

    /// The smallest value of factor `f` [ng/mL] and its site (NaN values are skipped; use
    /// `firstNonFinite` to find them).
    public func minimum(_ f: Int) -> (value: Double, site: Int) {
        let b = buffer(f)
        var best = Double.infinity, site = 0
        for s in 0..<b.count where b[s] < best { best = b[s]; site = s }
        return (best, site)
    }

    /// The first site of factor `f` whose value is NaN or infinite, if any.
    public func firstNonFinite(_ f: Int) -> Int? {
        let b = buffer(f)
        for s in 0..<b.count where !b[s].isFinite { return s }
        return nil
    }

    /// A copy of factor `f` as an array [ng/mL].
    public func values(_ f: Int) -> [Double] { Array(buffer(f)) }
}
