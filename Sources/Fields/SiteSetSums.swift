import SimCore

/// Running sums of each factor over one set of sites (the wound), recorded by the solver as it
/// writes each row's final values, while they are in cache, and accumulated step after step.
/// The world divides them into factor means averaged over each output interval, so that a
/// sample taken just before a dose does not hide the dose (issue 13: daily doses and samples
/// every 12 or 24 h alias).
///
/// Determinism: the solver's pass 2 is one work item per factor, so each factor's sum is added
/// by one thread in one fixed order of rows, whatever the thread count.
///
/// The set is stored as spans of x per line (line `L = k * ny + j`): `lineStart[L] ..<
/// lineStart[L + 1]` index `spanLow` and `spanHigh` (x, half-open).
public final class SiteSetSums: @unchecked Sendable {
    public let factorCount: Int
    /// Sites in the set.
    public let siteCount: Int
    let nx: Int
    let lineStart: [Int32]
    let spanLow: [Int32], spanHigh: [Int32]
    /// Per factor: the sum over the recorded steps of the sum over the set [ng/mL x sites].
    public let accumulated: UnsafeMutablePointer<Double>
    /// Per factor: the sum over the set of a quasi-steady factor's last solution [ng/mL x sites],
    /// added to `accumulated` at each step (`DiffusionSolver.recordSteady`); 0 for the others.
    public let steadySum: UnsafeMutablePointer<Double>
    /// Steps recorded since the last `reset`.
    public internal(set) var steps = 0

    /// - Parameter sites: site indices of the set (any order, no repeats).
    init(lattice: Lattice, sites: [Int32], factorCount: Int) {
        self.factorCount = factorCount
        nx = lattice.nx
        let lines = lattice.ny * lattice.nz
        var member = [Bool](repeating: false, count: lattice.count)
        for s in sites { member[Int(s)] = true }
        siteCount = member.reduce(0) { $0 + ($1 ? 1 : 0) }
        var start: [Int32] = [0], low: [Int32] = [], high: [Int32] = []
        for line in 0..<lines {
            let base = line * lattice.nx
            var i = 0
            while i < lattice.nx {
                if !member[base + i] { i += 1; continue }
                var e = i + 1
                while e < lattice.nx, member[base + e] { e += 1 }
                low.append(Int32(i)); high.append(Int32(e))
                i = e
            }
            start.append(Int32(low.count))
        }
        lineStart = start; spanLow = low; spanHigh = high
        accumulated = .allocate(capacity: max(1, factorCount))
        accumulated.initialize(repeating: 0, count: max(1, factorCount))
        steadySum = .allocate(capacity: max(1, factorCount))
        steadySum.initialize(repeating: 0, count: max(1, factorCount))
    }

    deinit { accumulated.deallocate(); steadySum.deallocate() }

    /// Starts a new interval: no steps, every sum 0.
    public func reset() {
        accumulated.update(repeating: 0, count: max(1, factorCount))
        steps = 0
    }

    /// Sets the sums and the step count (a restored checkpoint).
    public func restore(sums: [Double], steps: Int) {
        precondition(sums.count == factorCount && steps >= 0)
        for f in 0..<factorCount { accumulated[f] = sums[f] }
        self.steps = steps
    }

    /// The current sums, per factor.
    public var sums: [Double] { (0..<factorCount).map { accumulated[$0] } }

    /// Mean of each factor over the set and over the recorded steps [ng/mL]; nil before any step.
    public var means: [Double]? {
        guard steps > 0 else { return nil }
        let d = Double(steps) * Double(Swift.max(1, siteCount))
        return (0..<factorCount).map { accumulated[$0] / d }
    }

    /// Adds lines `firstLine ..< firstLine + count` (starting at `rows`, each `nx` long) of factor `f`.
    @inline(__always) func record(factor f: Int, rows: UnsafeMutablePointer<Double>, firstLine: Int, count: Int) {
        accumulated[f] += sum(rows: rows, firstLine: firstLine, count: count)
    }

    /// The sum over the set's sites of lines `firstLine ..< firstLine + count` (starting at `rows`).
    @inline(__always) func sum(rows: UnsafeMutablePointer<Double>, firstLine: Int, count: Int) -> Double {
        var sum = 0.0
        lineStart.withUnsafeBufferPointer { ls in spanLow.withUnsafeBufferPointer { lo in spanHigh.withUnsafeBufferPointer { hi in
            for r in 0..<count {
                let line = firstLine &+ r
                let row = rows + r &* nx
                var q = Int(ls[line])
                let end = Int(ls[line &+ 1])
                while q < end {
                    var i = Int(lo[q])
                    let e = Int(hi[q])
                    while i < e { sum += row[i]; i &+= 1 }
                    q &+= 1
                }
            }
        } } }
        return sum
    }
}

extension DiffusionSolver {
    /// Starts recording each factor's sum over `sites` at every step (see `SiteSetSums`).
    public func trackSums(over sites: [Int32]) {
        siteSums = SiteSetSums(lattice: lattice, sites: sites, factorCount: factors.count)
    }

    /// Records a quasi-steady factor's new values (written by its own solver): its tile maxima,
    /// and its sum over the tracked sites, which each following step adds to the interval sums.
    /// Serial, planes in order: the same sum at any thread count.
    public func recordSteady(factor f: Int, fields: FieldSet) {
        precondition(factors[f].quasiSteady != nil, "\(factors[f].name) is not quasi-steady")
        let x = fields.storage + f &* lattice.count
        var total = 0.0
        for k in 0..<lattice.nz {
            let rows = x + k &* lattice.nx &* lattice.ny
            if let sums = siteSums { total += sums.sum(rows: rows, firstLine: k &* lattice.ny, count: lattice.ny) }
            if let m = tileMaxima {
                m.clear(factor: f, layer: k)
                m.record(factor: f, rows: rows, firstRow: 0, count: lattice.ny, layer: k)
            }
        }
        siteSums?.steadySum[f] = total
    }
}
