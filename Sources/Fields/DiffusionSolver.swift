import Foundation
import SimCore

/// Advances every factor field by one step of dt: exact decay, then implicit diffusion split by
/// axis (locally one-dimensional backward Euler), slowest axis first: z, y, x in 3-D; y, x in 2-D.
///
/// ```
/// c* = exp(-k dt) c^n                       (exact decay, folded into the first sweep)
/// (I - dt A_z) c** = c*,  (I - dt A_y) c*** = c**,  (I - dt A_x) c^{n+1} = c***
/// ```
/// Properties (each checked in the tests and by `woundsim verify`):
/// - unconditionally stable, and never negative: every sweep is an M-matrix solve;
/// - conserving to round-off with closed (no-flux) faces and k = 0;
/// - first order in time (splitting and backward Euler), second order in space;
/// - exact decay: with uniform k the total falls as exp(-k t) exactly;
/// - a steady state that differs from the unsplit one by O(D dt / h^2) next to point sources
///   (the price of splitting; see the point-source verification cases).
///
/// The sweeps are fused into two passes over each field, to cut its memory traffic (which was
/// taken to limit it; storing the fields in single precision did not make it faster, DESIGN.md
/// "Tried and not kept"). Pass 1 runs the forward elimination of the slowest axis, streaming
/// slab after slab (a slab is a row in 2-D, a z-plane in 3-D). Pass 2 runs its back substitution from the last slab
/// down, and solves each slab along the faster axes right after its last use, while it is still
/// in cache. All inner loops over a slab are contiguous and vectorise; x-lines are solved eight
/// at a time so that their recurrences overlap. (Solving x first instead read every x-line
/// from main memory and ran 1.3x slower in 3-D; measured with the FieldStep benchmark.)
///
/// Parallelism: pass 1 splits every factor's slabs into blocks of up to 4096 sites; pass 2 is one
/// work item per factor. The items are claimed in one parallel phase, in the order of
/// `schedule`: a factor's pass 2 comes after the next factor's pass-1 blocks, and waits (at most
/// for the blocks a running worker holds) until its own are finished. So a worker done early
/// takes pass-1 blocks instead of idling while the other finishes the last pass 2, as a barrier
/// between the passes made it do (7 factors on 2 workers: 4 pass-2 items against 3). Each item
/// owns what it writes and every value is computed by the same arithmetic whatever the split and
/// the order, so the result does not depend on the thread count. No allocation per step.
public final class DiffusionSolver: @unchecked Sendable {
    public let lattice: Lattice
    /// Time step [min].
    public let dt: Double
    public let factors: [FactorSpec]
    /// plans[f][a]: factor f, a-th active axis.
    let plans: [[AxisPlan]]
    /// runs[f][a][group]: runs of neighbouring lines with one pattern, for the y and z axes.
    /// Groups: y-lines per plane k; z-lines one group. Empty for x.
    let runs: [[[[Run]]]]
    /// Tile-layer maxima recorded at each step, once `trackMaxima` has been called.
    public internal(set) var tileMaxima: TileMaxima?
    /// Each factor's sum over a set of sites accumulated at each step, once `trackSums` has been called.
    public internal(set) var siteSums: SiteSetSums?
    /// Pass-1 work: (factor, first site in the slab, sites).
    private(set) var blocks: [(factor: Int, start: Int, count: Int)]
    /// The order in which the two-pass step's items are claimed: b >= 0 is pass-1 block b,
    /// -1 - f is factor f's pass 2 (its record alone when the factor is not solved here).
    public private(set) var schedule: [Int32]
    /// Pass-1 blocks of each factor (0 for a factor not solved here).
    private var blocksPerFactor: [Int]
    /// How many of each factor's pass-1 blocks have finished in the current step.
    private let finishedBlocks: CompletionCounts
    /// Factors that nothing supplies (`setSilent`): zero everywhere and for good, so they are not
    /// solved; their tile maxima are 0 and their wound sums gain nothing, as a solve would give.
    public private(set) var silent: [Bool]

    /// Neighbouring lines `start..<start+count` (positions within a slab) that share `pattern`.
    struct Run { var start: Int; var count: Int; var pattern: Int }

    /// Sites per pass-1 block.
    static let blockSize = 4096

    /// - Parameters:
    ///   - factors: the factor specs (validated here).
    ///   - regions: tissue region per site, for region-dependent diffusion; nil means region 0.
    ///   - dt: time step [min], > 0.
    /// - Throws: `FieldError` naming the bad key and value.
    public init(lattice: Lattice, factors: [FactorSpec], regions: RegionMap? = nil, dt: Double) throws(FieldError) {
        guard dt.isFinite, dt > 0 else { throw FieldError.invalid(key: "time.dt", message: "\(dt) min must be a finite time > 0") }
        var seen = Set<String>()
        for f in factors {
            try f.validate(on: lattice)
            guard seen.insert(f.name).inserted else { throw FieldError.invalid(key: "factors.\(f.name)", message: "the factor is defined twice") }
        }
        if let regions, regions.lattice != lattice {
            throw FieldError.invalid(key: "regions", message: "the region map is for \(regions.lattice), not \(lattice)")
        }
        self.lattice = lattice
        self.dt = dt
        self.factors = factors
        let axes = lattice.activeAxes

        var plans: [[AxisPlan]] = []
        for spec in factors {
            let uniform = Self.uniformDiffusion(spec, regions: regions)
            var perSite: [Double]? = nil
            if uniform == nil, let regions {
                var table = [Double](repeating: spec.diffusion, count: 256)
                for (r, d) in spec.regionDiffusion { table[Int(r)] = d }
                perSite = regions.ids.map { table[Int($0)] }
            }
            let decayFactor = exp(-spec.decay * dt)
            plans.append(axes.enumerated().map { index, axis in
                let (low, high) = Face.faces(of: axis)
                return AxisPlan(lattice: lattice, axis: axis, diffusionPerSite: perSite, uniformDiffusion: uniform,
                                low: spec.boundary(low), high: spec.boundary(high), dt: dt,
                                decayFactor: index == axes.count - 1 ? decayFactor : 1)
            })
        }
        self.plans = plans
        let bytes = Double(plans.joined().reduce(0) { $0 + $1.bytes })
        do { try MemoryBudget.check(bytes, what: "diffusion coefficients on \(lattice)") } catch { throw .lattice(error) }

        // Runs of lines with one pattern, per slab position.
        runs = plans.map { factorPlans in
            factorPlans.map { plan -> [[Run]] in
                switch plan.axis {
                case .x: return []
                case .y: return (0..<lattice.nz).map { k in Self.runs(plan, firstLine: k * lattice.nx, count: lattice.nx) }
                case .z: return [Self.runs(plan, firstLine: 0, count: lattice.nx * lattice.ny)]
                }
            }
        }
        silent = Array(repeating: false, count: factors.count)
        finishedBlocks = CompletionCounts(count: factors.count)
        blocks = []
        schedule = []
        blocksPerFactor = []
        planWork()
    }

    /// Sets `blocks`, `blocksPerFactor` and `schedule` for the factors solved now.
    private func planWork() {
        blocks = passOneBlocks()
        blocksPerFactor = Array(repeating: 0, count: factors.count)
        for b in blocks { blocksPerFactor[b.factor] += 1 }
        schedule = Self.schedule(blocks: blocks, factorCount: factors.count)
    }

    /// The claim order: the pass 2 of factors not solved here first (a record only), then each
    /// solved factor's blocks, with the previous solved factor's pass 2 after them, and the last
    /// one's pass 2 at the end.
    static func schedule(blocks: [(factor: Int, start: Int, count: Int)], factorCount: Int) -> [Int32] {
        var solved: [Int] = []
        for b in blocks where solved.last != b.factor { solved.append(b.factor) }
        var order: [Int32] = (0..<factorCount).filter { !solved.contains($0) }.map { Int32(-1 - $0) }
        var previous: Int? = nil
        var b = 0
        for f in solved {
            while b < blocks.count, blocks[b].factor == f { order.append(Int32(b)); b += 1 }
            if let p = previous { order.append(Int32(-1 - p)) }
            previous = f
        }
        if let p = previous { order.append(Int32(-1 - p)) }
        return order
    }

    /// Whether factor `f` is solved here: neither quasi-steady (solved elsewhere) nor silent.
    @inline(__always)
    func solves(_ f: Int) -> Bool { factors[f].quasiSteady == nil && !silent[f] }

    /// Pass-1 blocks of every factor that is solved here (neither quasi-steady nor silent).
    private func passOneBlocks() -> [(factor: Int, start: Int, count: Int)] {
        let slab = lattice.dimension == 2 ? lattice.nx : lattice.nx * lattice.ny
        var blocks: [(factor: Int, start: Int, count: Int)] = []
        for f in 0..<factors.count where solves(f) {
            var q = 0
            while q < slab {
                let c = min(Self.blockSize, slab - q)
                blocks.append((f, q, c))
                q += c
            }
        }
        return blocks
    }

    /// Marks the factors that nothing supplies: zero initially, at fixed boundaries and in every
    /// source (medium, clot, injury, secretion; the caller knows them). Such a field stays zero
    /// exactly (every operation of a solve maps zeros to zeros), so skipping it changes no bit.
    public func setSilent(_ flags: [Bool]) {
        precondition(flags.count == factors.count)
        silent = flags
        planWork()
    }

    private static func runs(_ plan: AxisPlan, firstLine: Int, count: Int) -> [Run] {
        var result: [Run] = []
        var q = 0
        while q < count {
            let pattern = plan.linePattern[firstLine + q]
            var c = 1
            while q + c < count, plan.linePattern[firstLine + q + c] == pattern { c += 1 }
            result.append(Run(start: q, count: c, pattern: Int(pattern)))
            q += c
        }
        return result
    }

    /// D when it is the same at every site for this factor, else nil.
    private static func uniformDiffusion(_ spec: FactorSpec, regions: RegionMap?) -> Double? {
        guard let regions, !spec.regionDiffusion.isEmpty else { return spec.diffusion }
        var present = [Bool](repeating: false, count: 256)
        for r in regions.ids { present[Int(r)] = true }
        let values = Set((0..<256).filter { present[$0] }.map { spec.diffusion(inRegion: UInt8($0)) })
        return values.count == 1 ? values.first! : nil
    }

    /// Bytes of precomputed coefficients (all factors and axes).
    public var coefficientBytes: Int { plans.joined().reduce(0) { $0 + $1.bytes } }

    /// Number of distinct coefficient patterns per factor and axis (1 for a uniform factor).
    public var patternCounts: [[Int]] { plans.map { $0.map(\.patternCount) } }

    /// Advances all fields by dt (decay and diffusion).
    /// - Parameters:
    ///   - fields: fields on the same lattice with the same factors, in the same order.
    ///   - threads: workers (>= 1); the result does not depend on it.
    ///   - terms: the wound's (and a dish's) sources added to each value right before its first
    ///     sweep; nil: none.
    public func step(_ fields: FieldSet, threads: Int = 1, terms: SiteTerms? = nil) {
        precondition(fields.lattice == lattice && fields.factorCount == factors.count, "fields do not match the solver")
        if let terms { precondition(terms.lattice == lattice && terms.factorCount == factors.count, "site terms do not match the solver") }
        let context = UncheckedSendable((self, fields, terms))
        let slowest = lattice.dimension - 1
        if fusesPasses {
            // A field that fits a core's cache: both passes of a factor in one work item, so pass
            // 2 reads what pass 1 left in that core's cache (the same arithmetic, site by site).
            parallelFor(chunks: factors.count, threads: threads) { f in
                let (solver, fields, terms) = context.value
                if !solver.solves(f) {
                    solver.skipped(factor: f)
                    return
                }
                solver.forwardPass(factor: f, positions: 0..<solver.plans[f][slowest].stride, fields: fields, terms: terms)
                solver.backwardPass(factor: f, fields: fields)
            }
            siteSums?.steps += 1
            return
        }
        // Pass 1 (blocks): the site terms, then forward elimination along the slowest axis,
        // streaming slab after slab. Pass 2 (a factor): back substitution along the slowest axis,
        // slab after slab downwards, each slab solved along the faster axes while it is still in
        // cache, once every pass-1 block of that factor has finished.
        finishedBlocks.reset()
        parallelFor(chunks: schedule.count, threads: threads) { item in
            let (solver, fields, terms) = context.value
            let w = Int(solver.schedule[item])
            if w >= 0 {
                let block = solver.blocks[w]
                solver.forwardPass(factor: block.factor, positions: block.start..<(block.start &+ block.count), fields: fields, terms: terms)
                solver.finishedBlocks.finish(block.factor)
                return
            }
            let f = -1 &- w
            if !solver.solves(f) {
                solver.skipped(factor: f)
                return
            }
            solver.finishedBlocks.wait(f, until: solver.blocksPerFactor[f])
            solver.backwardPass(factor: f, fields: fields)
        }
        siteSums?.steps += 1
    }

    /// Pass 1 for one factor over the slab positions `positions` (all of them, or a block): the
    /// site terms, then the slowest axis's forward elimination, slab after slab.
    private func forwardPass(factor f: Int, positions: Range<Int>, fields: FieldSet, terms: SiteTerms?) {
        let slowest = lattice.dimension - 1
        let plan = plans[f][slowest]
        let x = fields.storage + f &* lattice.count
        let runs = self.runs[f][slowest][0]
        for t in 0..<plan.n {
            let first = t &* plan.stride &+ positions.lowerBound
            terms?.apply(factor: f, values: x + first, first: first, count: positions.count)
            forward(plan, runs: runs, slab: x + t &* plan.stride, slabStride: plan.stride, t: t, range: positions)
        }
    }

    /// What a step records for a factor it does not solve.
    private func skipped(factor f: Int) {
        if factors[f].quasiSteady != nil {
            // Solved elsewhere and unchanged between its solves: its wound sum is the last solution's.
            if let sums = siteSums { sums.accumulated[f] += sums.steadySum[f] }
        } else if let maxima = tileMaxima {
            // Silent, zero everywhere: the maxima a solve would record (a restored world starts them at +infinity).
            for k in 0..<lattice.nz { maxima.clear(factor: f, layer: k) }
        }
    }

    /// Largest field [bytes] whose two passes run as one work item (`fusesPasses`): half of a
    /// core's 2 MiB L2 on the machines we measure, leaving room for the coefficients.
    public static let fusedFieldBytes = 1 << 20

    /// Whether both passes of a factor run in one work item (a field of at most
    /// `fusedFieldBytes`), rather than pass 1 split in blocks of every factor and pass 2 one item
    /// per factor. The result is the same bits either way.
    public var fusesPasses: Bool { lattice.count &* MemoryLayout<Double>.size <= Self.fusedFieldBytes && fusesSmallFields }

    /// Off: small fields too take the two-pass route (for the tests and benchmarks that compare them).
    public var fusesSmallFields = true

    /// Pass 2 for one factor.
    private func backwardPass(factor f: Int, fields: FieldSet) {
        let x = fields.storage + f &* lattice.count
        if lattice.dimension == 2 {
            let py = plans[f][1]
            if py.periodic {
                backward(py, runs: runs[f][1][0], base: x, range: 0..<lattice.nx)
                solveRowsX(factor: f, x: x, firstLine: 0)
                recordPlane(factor: f, x: x, plane: 0)
            } else {
                backwardWithLines(factor: f, x: x, plane: 0)
            }
            return
        }
        let pz = plans[f][2]
        let zr = runs[f][2][0]
        let planeSize = lattice.nx &* lattice.ny
        let nz = lattice.nz
        if pz.periodic {
            backward(pz, runs: zr, base: x, range: 0..<planeSize)
            for k in 0..<nz { solvePlane(factor: f, x: x, plane: k) }
            return
        }
        // Plane k+1 keeps its z-solution until plane k has used it, then gets its y and x solves.
        var k = nz &- 2
        while k >= 0 {
            let plane = x + k &* planeSize
            backwardStep(pz, runs: zr, slab: plane, next: plane + planeSize, t: k, range: 0..<planeSize)
            solvePlane(factor: f, x: x, plane: k &+ 1)
            k &-= 1
        }
        solvePlane(factor: f, x: x, plane: 0)
    }

    /// The y then x solves of one z-plane (3-D).
    private func solvePlane(factor f: Int, x: UnsafeMutablePointer<Double>, plane k: Int) {
        let py = plans[f][1]
        let nx = lattice.nx, ny = lattice.ny
        let base = x + k &* nx &* ny
        let yr = runs[f][1][k]
        for j in 0..<ny { forward(py, runs: yr, slab: base + j &* nx, slabStride: nx, t: j, range: 0..<nx) }
        if py.periodic {
            backward(py, runs: yr, base: base, range: 0..<nx)
            solveRowsX(factor: f, x: x, firstLine: k &* ny)
            recordPlane(factor: f, x: x, plane: k)
        } else {
            backwardWithLines(factor: f, x: x, plane: k)
        }
    }

    /// y back substitution of one plane, rows ny-2 down to 0, with the x-lines solved one row
    /// behind (a row keeps its y-solution until the row below has used it), eight at a time.
    private func backwardWithLines(factor f: Int, x: UnsafeMutablePointer<Double>, plane k: Int) {
        let px = plans[f][0], py = plans[f][1]
        let nx = lattice.nx, ny = lattice.ny
        let firstLine = k &* ny
        let base = x + firstLine &* nx
        let yr = runs[f][1][k]
        let maxima = tileMaxima, sums = siteSums
        maxima?.clear(factor: f, layer: k)
        var done = ny  // rows >= done have their x-solve
        var j = ny &- 2
        while j >= 0 {
            let row = base + j &* nx
            backwardStep(py, runs: yr, slab: row, next: row + nx, t: j, range: 0..<nx)
            if done &- (j &+ 1) >= 8 {
                sweepX(px, x: x, firstLine: firstLine &+ done &- 8, lines: 8)
                maxima?.record(factor: f, rows: base + (done &- 8) &* nx, firstRow: done &- 8, count: 8, layer: k)
                sums?.record(factor: f, rows: base + (done &- 8) &* nx, firstLine: firstLine &+ done &- 8, count: 8)
                done &-= 8
            }
            j &-= 1
        }
        while done > 0 {
            let c = min(8, done)
            sweepX(px, x: x, firstLine: firstLine &+ done &- c, lines: c)
            maxima?.record(factor: f, rows: base + (done &- c) &* nx, firstRow: done &- c, count: c, layer: k)
            sums?.record(factor: f, rows: base + (done &- c) &* nx, firstLine: firstLine &+ done &- c, count: c)
            done &-= c
        }
    }

    /// x-solves of the ny rows starting at line `firstLine`, eight at a time.
    private func solveRowsX(factor f: Int, x: UnsafeMutablePointer<Double>, firstLine: Int) {
        let ny = lattice.ny
        var j = 0
        while j < ny {
            let c = min(8, ny &- j)
            sweepX(plans[f][0], x: x, firstLine: firstLine &+ j, lines: c)
            j &+= c
        }
    }

}
