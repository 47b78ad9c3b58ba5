import Cells
import Dispatch
import Fields
import Foundation
import SimCore

/// The state of one wound simulation and its step pipeline.
///
/// One step (integer clock; time = step x dt):
/// 1. `cells`: sense, decide, commit (`CellStepper`, tile by tile, quiet tiles skipped), then
///    recruitment at vessel sites and into the wound bed (`CellStepper.recruit`, serial in site order);
/// 2. `secrete`: each cell takes up (exact exponential) and secretes at its own site; fibroblasts
///    in the wound bed deposit collagen;
/// 3. `therapy`: the amounts of conditioned medium and injury release entering the wound sites in
///    this step (the medium everywhere at step 0 in vitro);
/// 4. `diffuse`: the therapy's amounts added in the solver's first sweep (`SiteTerms`), then decay
///    and diffusion of every factor (`DiffusionSolver`), recording the tile maxima the next
///    cell step's active set reads;
/// phases 2-4 only at the last step of each field interval (`time.field_dt`; every step unless
/// it is longer than dt), over the whole interval;
/// then metrics are observed. Each phase is timed for the profile.
public final class World: @unchecked Sendable {
    /// The configuration as simulated: the scenario's with its condition applied.
    public let config: ModelConfig
    public let lattice: Lattice
    public let fields: FieldSet
    public let solver: DiffusionSolver
    public let stepper: CellStepper
    /// The wound's sources, applied by the solver in its first sweep.
    public let terms: SiteTerms
    /// Per factor, the factor by which the secretion of a field step is scaled so that it decays
    /// as the same secretion spread over the interval's cell steps would: (sum over m < k of
    /// exp(m x)) / k with x = decay x dt, k = `config.fieldSteps` (exactly 1 when k = 1).
    let secretionCarry: [Double]
    /// The cells. Code that changes them outside `advance` must call `stepper.invalidateQuiet()`
    /// (restoring a state does).
    public var cells: CellPopulation
    /// Region id per site (`Tissue`).
    public let regions: RegionMap
    /// Collagen per site, as a fraction of a fully collagenous site, in [0, 1].
    public let collagen: UnsafeMutableBufferPointer<Float>
    /// Vessel flag per site (dermis).
    public let vessel: UnsafeMutableBufferPointer<UInt8>
    /// The quasi-steady factors (oxygen) and their solvers.
    let steady: SteadyFields
    /// Wound contraction (`mechanics:`); nil without.
    public let mechanics: WoundMechanics?
    /// Quasi-steady solves that stopped short of their tolerance, and V-cycles run (all factors).
    public var steadyUnconverged: Int { steady.unconverged }
    public var steadyCycles: Int { steady.cycles }
    public var hasQuasiSteadyFactors: Bool { !steady.isEmpty }
    /// Distance of each x-y position from the wound edge [um].
    public let edgeDistance: [Float]
    /// Sites of the wound (bed and surface), and of the surface alone.
    public let woundSites: [Int32]
    public let surfaceSites: [Int32]
    /// The wound sites of the top layer, whose cover is the closure: the surface, or the bed of a
    /// lattice without epidermis (a fibroblast monolayer).
    public let coverSites: [Int32]
    public let bedSites: [Int32]
    /// The step clock.
    public private(set) var step = 0
    /// Wall time per phase [s], indexed by `StepPhase.rawValue`.
    public private(set) var phaseTimes = [Double](repeating: 0, count: StepPhase.allCases.count)
    /// Wall time spent in one phase so far [s].
    public func seconds(in phase: StepPhase) -> Double { phaseTimes[phase.rawValue] }
    /// Cell updates done so far (for throughput).
    public private(set) var cellUpdates = 0


    public var time: Double { Double(step) * config.dt }

    public init(_ config: ModelConfig) throws(ModelError) {
        let config = config.conditioned()
        self.config = config
        let layout = try WorldLayout(config)
        lattice = layout.lattice
        fields = layout.fields
        let flagCount = max(1, layout.fields.factorCount * ((layout.lattice.count + World.healthChunk - 1) / World.healthChunk))
        healthFlags = .allocate(capacity: flagCount)
        healthFlags.initialize(repeating: 0, count: flagCount)
        solver = layout.solver
        stepper = layout.stepper
        terms = layout.terms
        let k = config.fieldSteps
        secretionCarry = config.factors.map { f in
            k == 1 ? 1 : (0..<k).reduce(0.0) { $0 + exp(f.decay * Double($1) * config.dt) } / Double(k)
        }
        cells = layout.cells
        regions = layout.regions
        collagen = layout.collagen
        vessel = layout.vessel
        steady = layout.steady
        edgeDistance = layout.edgeDistance
        woundSites = layout.woundSites
        surfaceSites = layout.surfaceSites
        bedSites = layout.bedSites
        coverSites = layout.surfaceSites.isEmpty ? layout.bedSites : layout.surfaceSites
        initialSurface = coverSites.count
        scratch = ScratchGeometry(config, lattice: layout.lattice, regions: layout.regions, cells: layout.cells)
        if let m = config.mechanics {
            guard case let .circle(d) = config.wound else {
                throw .invalid(key: "mechanics", message: "needs a round wound (wound.shape: circle): the sheet is solved in rings around its centre")
            }
            guard config.culture == nil else { throw .invalid(key: "mechanics", message: "is the skin's; a dish has none") }
            let h = layout.lattice.spacing
            let centre = (x: config.woundCentre.x * Double(config.nx) * h, y: config.woundCentre.y * Double(config.ny) * h)
            mechanics = try WoundMechanics(m, lattice: layout.lattice, regions: layout.regions, centre: centre, woundRadius: d / 2, dt: config.dt)
        } else {
            mechanics = nil
        }
        setSilent(layout.silent)
        // The quasi-steady factors as the first outputs show them (step 0's solve then finds the
        // same problem solved and runs no cycle; a restore replaces them).
        if !steady.isEmpty {
            withSubnormalsFlushed { steady.solve(at: 0, fields: fields, cells: &cells, vessel: vessel, diffusion: solver, threads: 1) }
        }
    }

    /// Marks the factors that are zero for good (`true`: nothing supplies them and the field holds
    /// no nonzero value): the solver skips them and the cells stop loading them. The one place both
    /// are told, so that they never disagree (a solved factor the cells read as 0, or a frozen one
    /// they read).
    package func setSilent(_ flags: [Bool]) {
        solver.setSilent(flags)
        stepper.setSilentFactors(flags)
    }

    deinit { vessel.deallocate(); collagen.deallocate(); onsetTally.deallocate(); healthFlags.deallocate() }

    /// Sets the state read from a checkpoint (`restoreState`).
    package func setRestored(step: Int, cellUpdates: Int, collagen: [Float], cells: CellPopulation, onset: [CellKind: Double], closureTime: Double?,
                             edgeOnset: Double?) {
        self.edgeOnset = edgeOnset
        self.step = step
        self.cellUpdates = cellUpdates
        _ = collagen.withUnsafeBufferPointer { self.collagen.update(fromContentsOf: $0) }
        self.cells = cells
        self.onset = onset
        self.closureTime = closureTime
        stepper.invalidateQuiet()
        solver.tileMaxima?.invalidate()
        steady.restored(fields: fields, diffusion: solver)
    }

    let initialSurface: Int
    private var sortScratch: [Int32] = []
    /// Sites per chunk of the health check's pass over the fields (`healthProblem`).
    static let healthChunk = 1 << 16
    /// The health check's flag per field and chunk, sized once (fields and lattice are fixed).
    let healthFlags: UnsafeMutablePointer<UInt8>
    /// The migration-onset count's chunks, and their per-chunk counts (near the edge, migratory).
    static let onsetChunks = 64
    let onsetTally: UnsafeMutablePointer<SIMD4<Int>> = {
        let p = UnsafeMutablePointer<SIMD4<Int>>.allocate(capacity: 2 * World.onsetChunks)
        p.initialize(repeating: .zero, count: 2 * World.onsetChunks)
        return p
    }()
    var onset: [CellKind: Double] = [:]
    var closureTime: Double?
    /// The scratch's rows and its edge cells at t = 0 (nil unless the wound is a scratch).
    let scratch: ScratchGeometry?
    var edgeOnset: Double?

    /// Advances one step. No allocation once warmed up. The whole step runs with subnormal
    /// numbers flushed to zero (`withSubnormalsFlushed`: a decaying medium's fields made the
    /// solver five times slower).
    public func advance(threads: Int = 1) {
        withSubnormalsFlushed { advanceFlushed(threads: threads) }
    }

    private func advanceFlushed(threads: Int) {
        var t0 = DispatchTime.now().uptimeNanoseconds
        if !steady.isEmpty, steady.due(at: step) {
            // The quasi-steady factors for the cells, vessels and uptake as they stand.
            steady.solve(at: step, fields: fields, cells: &cells, vessel: vessel, diffusion: solver, threads: threads)
            t0 = lap(.diffuse, since: t0)
        }
        if let mechanics, mechanics.due(at: step) {
            // The wound's pull from its fibroblasts as they stand (serial: a few hundred rings).
            mechanics.solve(cells: cells, regions: regions)
            t0 = lap(.observe, since: t0)
        }
        cellUpdates += cells.count
        if config.fibrinHalfLife > 0 { stepper.fibrin = config.fibrin(at: time) }
        if let mechanics, let pace = mechanics.pace { stepper.pace = pace; stepper.paceBound = mechanics.paceMaximum }
        stepper.step(&cells, fields: fields, step: step, threads: threads)
        stepper.recruit(&cells, fields: fields, step: step)
        t0 = lap(.cells, since: t0)
        // The fields advance at the last step of each of their intervals (`time.field_dt`), over
        // the whole interval, so that after the step they stand at the cells' time.
        if (step &+ 1) % config.fieldSteps == 0 {
            secrete(threads: threads)
            t0 = lap(.secrete, since: t0)
            therapy()
            t0 = lap(.therapy, since: t0)
            solver.step(fields, threads: threads, terms: terms)
            t0 = lap(.diffuse, since: t0)
        }
        step += 1
        // Keep the cell arrays in site order (about once every simulated 6 hours).
        if step % 180 == 0 { cells.sortBySite(scratch: &sortScratch) }
        observeEvents(threads: threads)
        _ = lap(.observe, since: t0)
    }

    private func lap(_ phase: StepPhase, since t0: UInt64) -> UInt64 {
        let t1 = DispatchTime.now().uptimeNanoseconds
        phaseTimes[phase.rawValue] += Double(t1 - t0) * 1e-9
        return t1
    }
}

/// The phases of one step, in order, as the profile names them (DESIGN.md "Data flow of one step").
public enum StepPhase: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// Sense, decide, commit (`CellStepper`).
    case cells
    /// Uptake, secretion and collagen deposition at each cell's site.
    case secrete
    /// The amounts of conditioned medium and injury release for this step (for every step of the
    /// field interval that ends now, with `time.field_dt`).
    case therapy
    /// The wound's sources added, then decay and diffusion of every factor (`DiffusionSolver`).
    case diffuse
    /// Closure time, migration onsets and the periodic re-sort of the cell arrays.
    case observe

    public var description: String {
        switch self {
        case .cells: return "cells"
        case .secrete: return "secrete"
        case .therapy: return "therapy"
        case .diffuse: return "diffuse"
        case .observe: return "observe"
        }
    }
}
