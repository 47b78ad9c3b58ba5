import Cells
import Dispatch
import Fields
import Foundation
import SimCore

/// The state of one wound simulation and its step pipeline.
///
/// One step (integer clock; time = step x dt):
/// 1. `cells`: sense, decide, commit (`CellStepper`, tile by tile);
/// 2. `secrete`: each cell takes up (exact exponential) and secretes at its own site; fibroblasts
///    in the wound bed deposit collagen;
/// 3. `therapy`: conditioned medium and the endogenous injury release enter the wound sites;
/// 4. `diffuse`: decay and diffusion of every factor (`DiffusionSolver`);
/// then metrics are observed. Each phase is timed for the profile.
public final class World: @unchecked Sendable {
    public let config: ModelConfig
    public let lattice: Lattice
    public let fields: FieldSet
    public let solver: DiffusionSolver
    public let stepper: CellStepper
    public var cells: CellPopulation
    /// Region id per site (`Tissue`).
    public let regions: RegionMap
    /// Collagen per site, as a fraction of a fully collagenous site, in [0, 1].
    public private(set) var collagen: [Float]
    /// Vessel flag per site (dermis).
    public let vessel: UnsafeMutableBufferPointer<UInt8>
    /// Distance of each x-y position from the wound edge [um].
    public let edgeDistance: [Float]
    /// Sites of the wound (bed and surface), and of the surface alone.
    public let woundSites: [Int32]
    public let surfaceSites: [Int32]
    public let bedSites: [Int32]
    /// The step clock.
    public private(set) var step = 0
    /// The phases of a step, in order.
    public static let phases = ["cells", "secrete", "therapy", "diffuse", "observe"]
    /// Wall time per phase [s], in the order of `phases`.
    public private(set) var phaseTimes: [Double] = [0, 0, 0, 0, 0]
    /// Wall time per phase [s] by name.
    public var phaseSeconds: [String: Double] { Dictionary(uniqueKeysWithValues: zip(Self.phases, phaseTimes)) }
    /// Cell updates done so far (for throughput).
    public private(set) var cellUpdates = 0


    public var time: Double { Double(step) * config.dt }

    public init(_ config: ModelConfig) throws(ModelError) {
        self.config = config
        guard config.layers.count >= 1, Set(config.layers).count == config.layers.count else {
            throw .invalid(key: "lattice.layers", message: "give each of dermis and epidermis at most once, bottom first")
        }
        let lattice: Lattice
        do { lattice = try Lattice(nx: config.nx, ny: config.ny, nz: config.layers.count, spacing: config.spacing) }
        catch { throw .invalid(key: "lattice", message: error.description) }
        self.lattice = lattice
        guard config.dt.isFinite, config.dt > 0 else { throw .invalid(key: "time.dt", message: "\(config.dt) min must be > 0") }
        guard config.duration.isFinite, config.duration > 0 else { throw .invalid(key: "time.duration", message: "\(config.duration) min must be > 0") }
        guard config.outputEvery.isFinite, config.outputEvery >= config.dt else {
            throw .invalid(key: "time.output_every", message: "\(config.outputEvery) min must be at least dt = \(config.dt) min")
        }
        guard config.secretome.concentrations.count == config.factors.count, config.injuryRelease.count == config.factors.count else {
            throw .invalid(key: "secretome", message: "needs one concentration per factor (\(config.factors.count))")
        }
        guard config.secretome.dose.isFinite, config.secretome.dose >= 0 else {
            throw .invalid(key: "secretome.dose", message: "\(config.secretome.dose) must be >= 0")
        }
        for (f, c) in config.secretome.concentrations.enumerated() where !(c.isFinite && c >= 0) {
            throw .invalid(key: "secretome.concentrations.\(config.factors[f].name)", message: "\(c) ng/mL must be >= 0")
        }

        // Wound geometry in the plane.
        let nx = lattice.nx, ny = lattice.ny, h = lattice.spacing
        let cx = config.woundCentre.x * Double(nx) * h, cy = config.woundCentre.y * Double(ny) * h
        var inWound = [Bool](repeating: false, count: nx * ny)
        var edge = [Float](repeating: 0, count: nx * ny)
        for j in 0..<ny {
            for i in 0..<nx {
                let x = lattice.centre(i), y = lattice.centre(j)
                let (inside, distance): (Bool, Double)
                switch config.wound {
                case let .circle(d):
                    let r = ((x - cx) * (x - cx) + (y - cy) * (y - cy)).squareRoot()
                    (inside, distance) = (r <= d / 2, abs(r - d / 2))
                case let .scratch(w):
                    (inside, distance) = (abs(x - cx) <= w / 2, abs(abs(x - cx) - w / 2))
                case let .rectangle(w, hh):
                    let dx = abs(x - cx) - w / 2, dy = abs(y - cy) - hh / 2
                    let isIn = dx <= 0 && dy <= 0
                    let outside = (max(dx, 0) * max(dx, 0) + max(dy, 0) * max(dy, 0)).squareRoot()
                    (inside, distance) = (isIn, isIn ? -max(dx, dy) : outside)
                }
                inWound[j * nx + i] = inside
                edge[j * nx + i] = Float(distance)
            }
        }
        let woundCount = inWound.filter { $0 }.count
        let (ex, ey) = (Double(nx) * h, Double(ny) * h)
        switch config.wound {
        case let .circle(d):
            if d <= 0 || cx - d / 2 < 0 || cy - d / 2 < 0 || cx + d / 2 > ex || cy + d / 2 > ey {
                throw .invalid(key: "wound.diameter", message: "a \(d) um wound at (\(cx), \(cy)) um does not fit the \(ex) x \(ey) um lattice")
            }
        case let .scratch(w):
            if w <= 0 || cx - w / 2 < 0 || cx + w / 2 > ex { throw .invalid(key: "wound.width", message: "a \(w) um scratch does not fit the \(ex) um lattice") }
        case let .rectangle(w, hh):
            if w <= 0 || hh <= 0 || cx - w / 2 < 0 || cx + w / 2 > ex || cy - hh / 2 < 0 || cy + hh / 2 > ey {
                throw .invalid(key: "wound.size", message: "a \(w) x \(hh) um wound does not fit the \(ex) x \(ey) um lattice")
            }
        }
        guard woundCount > 0 else { throw .invalid(key: "wound", message: "the wound covers no site; make it larger than the spacing \(h) um") }
        edgeDistance = edge

        // Regions, wound site lists.
        var regionMap = RegionMap(lattice: lattice)
        var wound: [Int32] = [], surface: [Int32] = [], bed: [Int32] = []
        for (k, layer) in config.layers.enumerated() {
            for p in 0..<(nx * ny) {
                let s = k * nx * ny + p
                switch layer {
                case .dermis: regionMap.ids[s] = inWound[p] ? Tissue.woundBed : Tissue.dermis
                case .epidermis: regionMap.ids[s] = inWound[p] ? Tissue.woundSurface : Tissue.epidermis
                }
                if inWound[p] {
                    wound.append(Int32(s))
                    if layer == .epidermis { surface.append(Int32(s)) } else { bed.append(Int32(s)) }
                }
            }
        }
        regions = regionMap
        woundSites = wound; surfaceSites = surface; bedSites = bed

        do {
            fields = try FieldSet(lattice: lattice, factors: config.factors)
            solver = try DiffusionSolver(lattice: lattice, factors: config.factors, regions: regionMap, dt: config.dt)
        } catch { throw .invalid(key: "factors", message: error.description) }

        // Vessels: lines in intact dermis.
        vessel = .allocate(capacity: lattice.count)
        vessel.initialize(repeating: 0)
        let every = max(1, Int((config.vesselSpacing / h).rounded()))
        if let k = config.layers.firstIndex(of: .dermis), config.vesselSpacing > 0 {
            for j in 0..<ny { for i in 0..<nx where !inWound[j * nx + i] && (i % every == every / 2 || j % every == every / 2) {
                vessel[k * nx * ny + j * nx + i] = 1
            } }
        }
        collagen = [Float](repeating: 0, count: lattice.count)
        if let k = config.layers.firstIndex(of: .dermis) {
            for p in 0..<(nx * ny) where !inWound[p] { collagen[k * nx * ny + p] = 1 }
        }

        // Cells.
        do {
            stepper = try CellStepper(lattice: lattice, parameters: config.cells.map(\.parameters), dt: config.dt, seed: config.seed,
                                      factorCount: config.factors.count)
        } catch { throw .invalid(key: "cells", message: error.description) }
        stepper.setRegions(regionMap.ids)
        stepper.vessel = vessel.baseAddress
        var population = CellPopulation(lattice: lattice)
        for setup in config.cells {
            let kind = setup.parameters.kind
            let key = "cells.\(kind).density"
            guard setup.density.isFinite, setup.density >= 0, setup.density <= 1 else {
                throw .invalid(key: key, message: "\(setup.density) per site must be between 0 and 1 (one cell per site at most)")
            }
            if setup.density == 0 { continue }
            guard let k = config.layers.firstIndex(of: ModelConfig.homeLayer(of: kind)) else {
                throw .invalid(key: key, message: "\(kind)s live in the \(ModelConfig.homeLayer(of: kind).rawValue), which lattice.layers does not have")
            }
            for p in 0..<(nx * ny) where !inWound[p] {
                let s = k * nx * ny + p
                if population.cellAt[s] >= 0 { continue }
                if kind == .endothelial {
                    if vessel[s] == 0 { continue }
                } else if kind == .fibroblast, vessel[s] != 0 { continue }
                var rng = RandomStream(seed: config.seed, step: 0, id: s, purpose: 0x5EED_0000 | UInt32(kind.rawValue))
                if setup.density >= 1 || rng.uniform() < setup.density { population.add(kind, at: s) }
            }
        }
        cells = population
        initialSurface = surface.count
    }

    deinit { vessel.deallocate() }

    /// The first broken value or invariant, if any: a non-finite or negative factor value (with
    /// the factor and site), a cell off the lattice, two cells claiming a site, a site index that
    /// points at the wrong cell, or collagen outside [0, 1]. Cost: one pass over the fields and cells.
    public func healthProblem() -> String? {
        let n = lattice.count
        for f in 0..<fields.names.count {
            let b = fields.buffer(f)
            var bad = -1
            for i in 0..<n where !(b[i] >= 0 && b[i] < .infinity) { bad = i; break }
            if bad >= 0 {
                let k = bad / (lattice.nx * lattice.ny), j = (bad / lattice.nx) % lattice.ny, i = bad % lattice.nx
                return "factor \(fields.names[f]) is \(b[bad]) ng/mL at site \(bad) (x \(i), y \(j), layer \(k))"
            }
        }
        for c in 0..<cells.count {
            let s = Int(cells.site[c])
            guard s >= 0, s < n else { return "cell \(c) (\(CellKind(rawValue: cells.kind[c]).map { "\($0)" } ?? "unknown kind")) is at site \(s), off the lattice" }
            guard cells.cellAt[s] == Int32(c) else {
                return "cell \(c) (\(CellKind(rawValue: cells.kind[c]).map { "\($0)" } ?? "unknown kind")) at site \(s), but the site records cell \(cells.cellAt[s])"
            }
        }
        if let bad = collagen.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) { return "collagen is \(collagen[bad]) at site \(bad)" }
        return nil
    }

    /// Sets the state read from a checkpoint (`restoreState`).
    func setRestored(step: Int, cellUpdates: Int, collagen: [Float], cells: CellPopulation, onset: [CellKind: Double], closureTime: Double?) {
        self.step = step
        self.cellUpdates = cellUpdates
        self.collagen = collagen
        self.cells = cells
        self.onset = onset
        self.closureTime = closureTime
    }

    private let initialSurface: Int
    private var sortScratch: [Int32] = []
    private var onset: [CellKind: Double] = [:]
    private var closureTime: Double?

    /// Advances one step. No allocation once warmed up.
    public func advance(threads: Int = 1) {
        var t0 = DispatchTime.now().uptimeNanoseconds
        cellUpdates += cells.count
        stepper.step(&cells, fields: fields, step: step, threads: threads)
        t0 = lap(0, since: t0)
        secrete(threads: threads)
        t0 = lap(1, since: t0)
        therapy()
        t0 = lap(2, since: t0)
        solver.step(fields, threads: threads)
        t0 = lap(3, since: t0)
        step += 1
        // Keep the cell arrays in site order (about once every simulated 6 hours).
        if step % 180 == 0 { cells.sortBySite(scratch: &sortScratch) }
        observeEvents()
        _ = lap(4, since: t0)
    }

    private func lap(_ phase: Int, since t0: UInt64) -> UInt64 {
        let t1 = DispatchTime.now().uptimeNanoseconds
        phaseTimes[phase] += Double(t1 - t0) * 1e-9
        return t1
    }

    /// Uptake (exact) then secretion at each cell's site; collagen deposition in the wound bed.
    /// Each cell writes only its own site, so chunks of the cell array run in parallel.
    private func secrete(threads: Int) {
        let dt = config.dt
        let count = cells.count
        let n = lattice.count
        let factorCount = fields.factorCount
        let fieldBase = fields.buffer(0).baseAddress!
        let compiled = stepper.compiled
        let chunk = 4096
        cells.withPointers { cp in
            collagen.withUnsafeMutableBufferPointer { col in
                regions.ids.withUnsafeBufferPointer { regionIDs in
                    let context = UncheckedSendable((cp, col, regionIDs))
                    parallelFor(chunks: (count + chunk - 1) / chunk, threads: threads) { ch in
                        let (cp, col, regionIDs) = context.value
                        for c in (ch * chunk)..<min(count, (ch + 1) * chunk) {
                            let p = compiled + Int(cp.kind[c])
                            let s = Int(cp.site[c])
                            for u in 0..<p.pointee.uptakeCount { fieldBase[Int(p.pointee.uptakeFactor[u]) &* n &+ s] *= p.pointee.uptakeDecay[u] }
                            let migratory = cp.flags[c] & CellFlags.migratory.rawValue != 0
                            let needLocal = p.pointee.secretionCount > 0 && (migratory || !p.pointee.secretesOnlyWhenMigratory)
                            let depositing = p.pointee.collagen.basal > 0 && regionIDs[s] == Tissue.woundBed
                            if !needLocal && !depositing { continue }
                            var local = SIMD8<Double>.zero
                            for q in 0..<factorCount { local[q] = fieldBase[q &* n &+ s] }
                            if needLocal {
                                for i in 0..<p.pointee.secretionCount {
                                    fieldBase[Int(p.pointee.secretionFactor[i]) &* n &+ s] += p.pointee.secretionRate(i).rate(local) * dt
                                }
                            }
                            if depositing { col[s] = min(1, col[s] + Float(p.pointee.collagen.rate(local) * dt)) }
                        }
                    }
                }
            }
        }
    }

    /// Conditioned medium and the endogenous release into the wound sites.
    private func therapy() {
        let t = time, dt = config.dt
        let s = config.secretome
        var amount = SIMD8<Double>.zero  // per factor (at most 8)
        switch s.delivery {
        case .bolus:
            if step == 0 { for f in 0..<config.factors.count { amount[f] += s.dose * s.concentrations[f] } }
        case let .repeated(every, until):
            let n = Int((t / every).rounded())
            if t < until, abs(Double(n) * every - t) < dt / 2 { for f in 0..<config.factors.count { amount[f] += s.dose * s.concentrations[f] } }
        case let .sustained(halfLife):
            let k = log(2) / halfLife
            let released = exp(-k * t) - exp(-k * (t + dt))
            for f in 0..<config.factors.count { amount[f] += s.dose * s.concentrations[f] * released }
        }
        if config.injuryHalfLife > 0 {
            // Production that would hold the wound at the injury level against decay alone,
            // fading with the injury half-life.
            let fade = exp(-log(2) * t / config.injuryHalfLife)
            for f in 0..<config.factors.count {
                amount[f] += config.injuryRelease[f] * (1 - exp(-config.factors[f].decay * dt)) * fade
            }
        }
        if s.everywhere {
            // In vitro: the medium reaches every site; the injury release still enters the wound.
            var medium = SIMD8<Double>.zero
            if case .bolus = s.delivery, step == 0 { for f in 0..<config.factors.count { medium[f] = s.dose * s.concentrations[f] } }
            for f in 0..<config.factors.count where medium[f] > 0 {
                let b = fields.buffer(f)
                for i in 0..<b.count { b[i] += medium[f] }
                amount[f] -= medium[f]
            }
        }
        for f in 0..<config.factors.count where amount[f] > 0 {
            let b = fields.buffer(f)
            for site in woundSites { b[Int(site)] += amount[f] }
        }
    }

    // MARK: metrics

    /// Wound-surface sites not yet covered by a keratinocyte.
    public var uncoveredSurface: Int {
        var open = 0
        for s in surfaceSites where cells.cellAt[Int(s)] < 0 { open += 1 }
        return open
    }

    /// Re-epithelialised fraction of the wound surface [%].
    public var closurePercent: Double {
        initialSurface == 0 ? 100 : 100 * (1 - Double(uncoveredSurface) / Double(initialSurface))
    }

    /// First time the closure reached 95 % [min], nil while it has not (censored).
    public var closureTimeMinutes: Double? { closureTime }
    /// First time 10 % of a kind's cells within 500 um of the wound edge were migratory [min].
    public var migrationOnsetMinutes: [CellKind: Double] { onset }

    private func observeEvents() {
        if closureTime == nil, closurePercent >= 95 { closureTime = time }
        guard onset.count < 3 else { return }
        var near = SIMD4<Int>.zero, migrating = SIMD4<Int>.zero
        let plane = lattice.nx * lattice.ny
        for c in 0..<cells.count {
            let s = Int(cells.site[c])
            if edgeDistance[s % plane] > 500 { continue }
            let k = Int(cells.kind[c])
            near[k] += 1
            if cells.flags[c] & CellFlags.migratory.rawValue != 0 { migrating[k] += 1 }
        }
        for kind in CellKind.allCases where onset[kind] == nil {
            let k = Int(kind.rawValue)
            if near[k] > 0, Double(migrating[k]) >= 0.1 * Double(near[k]) { onset[kind] = time }
        }
    }

    /// The metrics of DESIGN.md's timeseries, at the current time.
    public func observation() -> Observation {
        var counts = [0, 0, 0], inWound = [0, 0, 0], myo = 0
        for c in 0..<cells.count {
            let k = Int(cells.kind[c])
            counts[k] += 1
            if cells.flags[c] & CellFlags.myofibroblast.rawValue != 0 { myo += 1 }
            let r = regions.ids[Int(cells.site[c])]
            if r == Tissue.woundBed || r == Tissue.woundSurface { inWound[k] += 1 }
        }
        var collagenSum = 0.0, vessels = 0
        for s in bedSites { collagenSum += Double(collagen[Int(s)]); vessels += Int(vessel[Int(s)]) }
        let bed = max(1, bedSites.count)
        var means: [Double] = []
        for f in 0..<fields.factorCount {
            let b = fields.buffer(f)
            var sum = 0.0
            for s in woundSites { sum += b[Int(s)] }
            means.append(sum / Double(max(1, woundSites.count)))
        }
        let h = lattice.spacing
        return Observation(
            timeHours: time / 60,
            woundAreaMM2: Double(uncoveredSurface) * h * h / 1e6,
            closurePercent: closurePercent,
            keratinocytes: counts[0], fibroblasts: counts[1] - myo, myofibroblasts: myo, endothelial: counts[2],
            keratinocytesInWound: inWound[0], fibroblastsInWound: inWound[1], endothelialInWound: inWound[2],
            collagenInWound: collagenSum / Double(bed), vesselDensity: Double(vessels) / Double(bed),
            factorMeans: means)
    }
}

/// One row of the timeseries.
public struct Observation: Sendable, Equatable {
    public var timeHours: Double
    /// Open (not re-epithelialised) wound area [mm^2].
    public var woundAreaMM2: Double
    public var closurePercent: Double
    public var keratinocytes: Int, fibroblasts: Int, myofibroblasts: Int, endothelial: Int
    public var keratinocytesInWound: Int, fibroblastsInWound: Int, endothelialInWound: Int
    /// Mean collagen over the wound bed, as a fraction of intact dermis.
    public var collagenInWound: Double
    /// Fraction of wound-bed sites that are vessel.
    public var vesselDensity: Double
    /// Mean concentration of each factor over the wound sites [ng/mL].
    public var factorMeans: [Double]
}
