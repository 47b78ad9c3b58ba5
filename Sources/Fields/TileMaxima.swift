import SimCore

/// The largest value of each factor over each tile-layer (tiles of `tileSize` x `tileSize` sites in
/// x and y, one layer deep), recorded by the solver as it writes each row's final values, while
/// they are in cache. The cell step reads them to know, without scanning, that an activation
/// factor stays below a threshold on a whole tile (its active set).
///
/// Layout: `values[f * tileLayers + (ty * tilesX + tx) * nz + k]`. Before the first step (and after
/// `invalidate`) every entry is +infinity, which never proves anything below a threshold.
public final class TileMaxima: @unchecked Sendable {
    public let tileSize: Int
    public let tilesX: Int, tilesY: Int, nz: Int, nx: Int, ny: Int
    public let factorCount: Int
    /// Tiles times layers.
    public let tileLayers: Int
    /// [ng/mL]
    public let values: UnsafeMutablePointer<Double>

    init(lattice: Lattice, tileSize: Int, factorCount: Int) {
        precondition(tileSize >= 1)
        self.tileSize = tileSize
        nx = lattice.nx; ny = lattice.ny; nz = lattice.nz
        tilesX = (nx + tileSize - 1) / tileSize
        tilesY = (ny + tileSize - 1) / tileSize
        self.factorCount = factorCount
        tileLayers = tilesX * tilesY * nz
        values = .allocate(capacity: max(1, factorCount * tileLayers))
        values.initialize(repeating: .infinity, count: max(1, factorCount * tileLayers))
    }

    deinit { values.deallocate() }

    /// Forgets every maximum (the fields were changed outside the solver).
    public func invalidate() { values.update(repeating: .infinity, count: max(1, factorCount * tileLayers)) }

    /// The largest value of factor `f` on layer `k` of tile `t` [ng/mL].
    @inline(__always) public func maximum(factor f: Int, tile t: Int, layer k: Int) -> Double {
        values[f &* tileLayers &+ t &* nz &+ k]
    }

    /// Sets the entries of factor `f`, layer `k`, to 0 before its rows are recorded.
    @inline(__always) func clear(factor f: Int, layer k: Int) {
        let v = values + f &* tileLayers
        for t in 0..<(tilesX &* tilesY) { v[t &* nz &+ k] = 0 }
    }

    /// Folds rows `j0..<j0+count` of layer `k` (starting at `rows`, each `nx` long) into the maxima.
    @inline(__always) func record(factor f: Int, rows: UnsafeMutablePointer<Double>, firstRow j0: Int, count: Int, layer k: Int) {
        let v = values + f &* tileLayers
        for r in 0..<count {
            let j = j0 &+ r
            let row = rows + r &* nx
            let tileRow = (j / tileSize) &* tilesX
            var tx = 0, i0 = 0
            while i0 < nx {
                let i1 = Swift.min(nx, i0 &+ tileSize)
                // Two-lane running maxima as compare-and-select (the values are >= 0, never NaN).
                var m0 = SIMD2<Double>.zero, m1 = SIMD2<Double>.zero
                var i = i0
                let raw = UnsafeRawPointer(row)
                while i &+ 4 <= i1 {
                    let a = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD2<Double>.self)
                    let b = raw.loadUnaligned(fromByteOffset: (i &+ 2) &* 8, as: SIMD2<Double>.self)
                    m0.replace(with: a, where: a .> m0)
                    m1.replace(with: b, where: b .> m1)
                    i &+= 4
                }
                m0.replace(with: m1, where: m1 .> m0)
                var best = m0[1] > m0[0] ? m0[1] : m0[0]
                while i < i1 { let a = row[i]; best = a > best ? a : best; i &+= 1 }
                let u = (tileRow &+ tx) &* nz &+ k
                if best > v[u] { v[u] = best }
                tx &+= 1; i0 = i1
            }
        }
    }
}

extension DiffusionSolver {
    /// Starts recording tile-layer maxima of every factor (see `TileMaxima`).
    public func trackMaxima(tileSize: Int) {
        tileMaxima = TileMaxima(lattice: lattice, tileSize: tileSize, factorCount: factors.count)
    }

    /// Records a whole plane's maxima and site-set sums (the solve paths that do not record row by row).
    func recordPlane(factor f: Int, x: UnsafeMutablePointer<Double>, plane k: Int) {
        let rows = x + k &* lattice.nx &* lattice.ny
        siteSums?.record(factor: f, rows: rows, firstLine: k &* lattice.ny, count: lattice.ny)
        guard let m = tileMaxima else { return }
        m.clear(factor: f, layer: k)
        m.record(factor: f, rows: rows, firstRow: 0, count: lattice.ny, layer: k)
    }
}
