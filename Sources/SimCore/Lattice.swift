import Foundation

/// A regular lattice of `nx x ny x nz` sites with spacing `h` micrometres; `nz == 1` is 2-D.
///
/// Sites are cell-centred: site `(i, j, k)` covers `[i h, (i+1) h)` along x, so its centre is at
/// `x = (i + 0.5) h` [um]. Storage is flat and row-major with x fastest:
/// `index = (k * ny + j) * nx + i`.
public struct Lattice: Sendable, Hashable, CustomStringConvertible {
    /// Sites along x, y and z (each >= 1).
    public let nx: Int, ny: Int, nz: Int
    /// Site spacing h [um], > 0.
    public let spacing: Double

    /// The largest number of sites: a site index must fit a 32-bit cell-site field.
    public static let maximumSites = Int(Int32.max)

    /// - Throws: `LatticeError` for a non-positive size or spacing, or more than 2^31 - 1 sites.
    public init(nx: Int, ny: Int, nz: Int = 1, spacing: Double) throws(LatticeError) {
        for (axis, n) in [("nx", nx), ("ny", ny), ("nz", nz)] where n < 1 {
            throw LatticeError.badSize(axis: axis, value: n)
        }
        guard spacing.isFinite, spacing > 0 else { throw LatticeError.badSpacing(spacing) }
        let (xy, o1) = nx.multipliedReportingOverflow(by: ny)
        let (all, o2) = xy.multipliedReportingOverflow(by: nz)
        guard !o1, !o2, all <= Lattice.maximumSites else {
            throw LatticeError.tooManySites(nx: nx, ny: ny, nz: nz)
        }
        self.nx = nx; self.ny = ny; self.nz = nz; self.spacing = spacing
    }

    /// Number of sites.
    @inlinable public var count: Int { nx * ny * nz }
    /// 2 when `nz == 1`, else 3.
    @inlinable public var dimension: Int { nz == 1 ? 2 : 3 }
    /// Sites along each axis, `[nx, ny, nz]`.
    public var sizes: [Int] { [nx, ny, nz] }
    /// Distance between neighbouring sites along `axis` in the flat index.
    @inlinable public func stride(of axis: Axis) -> Int {
        switch axis { case .x: return 1; case .y: return nx; case .z: return nx * ny }
    }
    /// Sites along `axis`.
    @inlinable public func size(of axis: Axis) -> Int {
        switch axis { case .x: return nx; case .y: return ny; case .z: return nz }
    }
    /// The axes that carry transport: x and y, plus z in 3-D.
    public var activeAxes: [Axis] { dimension == 3 ? [.x, .y, .z] : [.x, .y] }

    /// Flat index of site (i, j, k).
    @inlinable public func index(_ i: Int, _ j: Int, _ k: Int = 0) -> Int { (k &* ny &+ j) &* nx &+ i }

    /// Site coordinates of a flat index.
    @inlinable public func coordinates(of index: Int) -> (i: Int, j: Int, k: Int) {
        let i = index % nx, rest = index / nx
        return (i, rest % ny, rest / ny)
    }

    /// Centre of a site along one axis [um]: `(i + 0.5) h`.
    @inlinable public func centre(_ i: Int) -> Double { (Double(i) + 0.5) * spacing }

    /// Physical extent along x, y, z [um].
    public var extent: (x: Double, y: Double, z: Double) {
        (Double(nx) * spacing, Double(ny) * spacing, Double(nz) * spacing)
    }

    public var description: String {
        dimension == 2 ? "\(nx)x\(ny) sites, h = \(spacing) um" : "\(nx)x\(ny)x\(nz) sites, h = \(spacing) um"
    }
}

/// A lattice axis.
public enum Axis: Int, Sendable, CaseIterable, CustomStringConvertible {
    case x = 0, y = 1, z = 2
    public var description: String { ["x", "y", "z"][rawValue] }
}

/// One of the six faces of the lattice box.
public enum Face: Int, Sendable, CaseIterable, CustomStringConvertible {
    case xLow = 0, xHigh, yLow, yHigh, zLow, zHigh
    public var axis: Axis { Axis(rawValue: rawValue / 2)! }
    public var isHigh: Bool { rawValue % 2 == 1 }
    /// The name used in scenario files.
    public var description: String { ["x_low", "x_high", "y_low", "y_high", "z_low", "z_high"][rawValue] }
    public static func faces(of axis: Axis) -> (low: Face, high: Face) {
        (Face(rawValue: axis.rawValue * 2)!, Face(rawValue: axis.rawValue * 2 + 1)!)
    }
}

public enum LatticeError: Error, Equatable, CustomStringConvertible, Sendable {
    case badSize(axis: String, value: Int)
    case badSpacing(Double)
    case tooManySites(nx: Int, ny: Int, nz: Int)
    case tooLargeForMemory(what: String, estimateBytes: Double, availableBytes: Double)

    public var description: String {
        switch self {
        case let .badSize(axis, value):
            return "lattice \(axis) = \(value): every lattice size must be at least 1 site"
        case let .badSpacing(h):
            return "lattice spacing \(h) um: the spacing must be a finite length > 0 (for example \"20 um\")"
        case let .tooManySites(nx, ny, nz):
            return "lattice \(nx)x\(ny)x\(nz) has more than \(Lattice.maximumSites) sites, the most a 32-bit site index can address"
        case let .tooLargeForMemory(what, estimate, available):
            return "\(what) needs an estimated \(MemoryBudget.format(estimate)), more than the \(MemoryBudget.format(available)) this machine can give it; use a coarser spacing or a smaller lattice"
        }
    }
}

/// Checks a memory estimate against the machine before anything large is allocated.
public enum MemoryBudget {
    /// The bytes a run may use: 80 % of physical memory.
    public static var availableBytes: Double { Double(ProcessInfo.processInfo.physicalMemory) * 0.8 }

    /// - Throws: `LatticeError.tooLargeForMemory` when `bytes` exceeds `availableBytes`.
    public static func check(_ bytes: Double, what: String) throws(LatticeError) {
        let available = availableBytes
        if bytes > available { throw .tooLargeForMemory(what: what, estimateBytes: bytes, availableBytes: available) }
    }

    public static func format(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = bytes, unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: "%.1f %@", value, units[unit])
    }
}

/// Fixed tiles of the lattice's x-y plane (every tile spans all of z), independent of the thread
/// count. Tile `t` covers sites `[x0, x1) x [y0, y1)`.
public struct TileGrid: Sendable, Equatable {
    public let lattice: Lattice
    /// Tile edge in sites along x and y.
    public let tileSize: Int
    public let tilesX: Int, tilesY: Int

    public init(lattice: Lattice, tileSize: Int = 32) {
        precondition(tileSize >= 1)
        self.lattice = lattice
        self.tileSize = tileSize
        tilesX = (lattice.nx + tileSize - 1) / tileSize
        tilesY = (lattice.ny + tileSize - 1) / tileSize
    }

    public var count: Int { tilesX * tilesY }

    /// Site ranges of tile `t` along x and y.
    public func bounds(of t: Int) -> (x: Range<Int>, y: Range<Int>) {
        let tx = t % tilesX, ty = t / tilesX
        let x0 = tx * tileSize, y0 = ty * tileSize
        return (x0..<min(x0 + tileSize, lattice.nx), y0..<min(y0 + tileSize, lattice.ny))
    }

    /// The tile holding site (i, j).
    public func tile(ofX i: Int, y j: Int) -> Int { (j / tileSize) * tilesX + i / tileSize }
}
