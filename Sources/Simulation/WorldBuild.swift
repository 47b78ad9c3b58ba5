import Cells
import Fields
import Foundation
import SimCore

/// Everything a new `World` is built from: the lattice, the wound's geometry and regions, the
/// solver, the vessels, the collagen of intact dermis and the initial cells, with every value of
/// the configuration checked (a bad one names its scenario key).
struct WorldLayout {
    var lattice: Lattice
    var fields: FieldSet
    var solver: DiffusionSolver
    var stepper: CellStepper
    var cells: CellPopulation
    var regions: RegionMap
    var collagen: UnsafeMutableBufferPointer<Float>
    var terms: SiteTerms
    var vessel: UnsafeMutableBufferPointer<UInt8>
    var steady: SteadyFields
    var edgeDistance: [Float]
    var woundSites: [Int32], surfaceSites: [Int32], bedSites: [Int32]
    /// The factors nothing supplies, one flag per factor (`World.setSilent` applies them).
    var silent: [Bool]

    init(_ config: ModelConfig) throws(ModelError) {
        guard config.layers.count >= 1, Set(config.layers).count == config.layers.count else {
            throw .invalid(key: "lattice.layers", message: "give each of dermis and epidermis at most once, bottom first")
        }
        guard config.dermisLayers >= 1, config.dermisLayers == 1 || config.layers.contains(.dermis) else {
            throw .invalid(key: "lattice.dermis_layers", message: "\(config.dermisLayers) layers need a dermis (and at least 1)")
        }
        if let d = config.woundDepth, !(d.isFinite && d > 0) { throw .invalid(key: "wound.depth", message: "\(d) um must be > 0") }
        let compartments = config.layerCompartments
        let lattice: Lattice
        do { lattice = try Lattice(nx: config.nx, ny: config.ny, nz: compartments.count, spacing: config.spacing) }
        catch { throw .invalid(key: "lattice", message: error.description) }
        self.lattice = lattice
        guard config.dt.isFinite, config.dt > 0 else { throw .invalid(key: "time.dt", message: "\(config.dt) min must be > 0") }
        guard config.fieldSteps >= 1 else { throw .invalid(key: "time.field_dt", message: "\(config.fieldSteps) cell steps per field step must be >= 1") }
        guard config.duration.isFinite, config.duration > 0 else { throw .invalid(key: "time.duration", message: "\(config.duration) min must be > 0") }
        guard config.outputEvery.isFinite, config.outputEvery >= config.dt else {
            throw .invalid(key: "time.output_every", message: "\(config.outputEvery) min must be at least dt = \(config.dt) min")
        }
        guard config.secretome.concentrations.count == config.factors.count, config.injuryRelease.count == config.factors.count,
              config.clotRelease.isEmpty || config.clotRelease.count == config.factors.count else {
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
                case .none:
                    (inside, distance) = (false, .infinity)
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
        case .none:
            break
        }
        if let c = config.culture {
            guard c.mediumDepth.isFinite, c.mediumDepth > 0 else { throw .invalid(key: "culture.medium", message: "a medium depth of \(c.mediumDepth) um must be > 0") }
            if let e = c.mediumChangeEvery, !(e.isFinite && e >= config.dt) {
                throw .invalid(key: "culture.medium_change_every", message: "\(e) min must be at least dt = \(config.dt) min")
            }
            guard config.injuryRelease.allSatisfy({ $0 == 0 }), config.clotRelease.allSatisfy({ $0 == 0 }), config.vesselSpacing == 0 else {
                throw .invalid(key: "culture", message: "a dish has no injury or clot release and no vessels; drop `injury:`, `clot:` and `vessels:`")
            }
        }
        if case .none = config.wound {} else if woundCount == 0 { throw .invalid(key: "wound", message: "the wound covers no site; make it larger than the spacing \(h) um") }
        edgeDistance = edge

        // Regions, wound site lists.
        var regionMap = RegionMap(lattice: lattice)
        var wound: [Int32] = [], surface: [Int32] = [], bed: [Int32] = []
        // In a dermis with depth the wound reaches a layer where its depth covers the layer's site
        // centres, (d + 1/2) h below the dermis's upper surface for the d-th layer from the top,
        // within the outline at that depth (a bowl narrows as a half-ellipsoid).
        let topDermis = compartments.lastIndex(of: .dermis) ?? 0
        let woundDepth = config.woundDepth ?? Double(config.dermisLayers) * h
        for (k, layer) in compartments.enumerated() {
            let below = Double(topDermis - k) * h + h / 2
            var outline = inWound
            if layer == .dermis, config.dermisLayers > 1 {
                for p in 0..<(nx * ny) where outline[p] {
                    if below > woundDepth { outline[p] = false; continue }
                    if config.woundProfile == .bowl, case let .circle(d) = config.wound {
                        let x = lattice.centre(p % nx) - cx, y = lattice.centre(p / nx) - cy
                        let radius = d / 2 * (1 - (below / woundDepth) * (below / woundDepth)).squareRoot()
                        outline[p] = (x * x + y * y).squareRoot() <= radius
                    }
                }
            }
            for p in 0..<(nx * ny) {
                let s = k * nx * ny + p
                switch layer {
                case .dermis: regionMap.ids[s] = outline[p] ? Tissue.woundBed : Tissue.dermis
                case .epidermis: regionMap.ids[s] = outline[p] ? Tissue.woundSurface : Tissue.epidermis
                }
                if outline[p] {
                    wound.append(Int32(s))
                    if layer == .epidermis { surface.append(Int32(s)) } else { bed.append(Int32(s)) }
                }
            }
        }
        regions = regionMap
        woundSites = wound; surfaceSites = surface; bedSites = bed

        do {
            fields = try FieldSet(lattice: lattice, factors: config.factors)
            solver = try DiffusionSolver(lattice: lattice, factors: config.factors, regions: regionMap, dt: config.fieldDt)
        } catch { throw .invalid(key: "factors", message: error.description) }

        // Vessels: lines in intact dermis. A dermis with depth has two horizontal plexuses, as skin
        // has (Braverman 2000 J Investig Dermatol Symp Proc 5:3): under the epidermis (its top
        // layer) and at its base (its bottom layer).
        vessel = .allocate(capacity: lattice.count)
        vessel.initialize(repeating: 0)
        let every = max(1, Int((config.vesselSpacing / h).rounded()))
        if let bottom = compartments.firstIndex(of: .dermis), config.vesselSpacing > 0 {
            for k in Set([bottom, topDermis]).sorted() {
                for j in 0..<ny { for i in 0..<nx where regionMap.ids[k * nx * ny + j * nx + i] == Tissue.dermis
                    && (i % every == every / 2 || j % every == every / 2) {
                    vessel[k * nx * ny + j * nx + i] = 1
                } }
            }
        }
        collagen = .allocate(capacity: lattice.count)
        collagen.initialize(repeating: 0)
        for s in 0..<lattice.count where regionMap.ids[s] == Tissue.dermis { collagen[s] = 1 }

        // Quasi-steady factors (oxygen): supplied by the vessels alone, taken up as a loss of the
        // steady problem rather than per step.
        let steadyFactors = Set(config.factors.indices.filter { config.factors[$0].quasiSteady != nil })
        var steadyUptake: [Int: SIMD8<Double>] = [:]
        for f in steadyFactors.sorted() {
            let name = config.factors[f].name
            if config.culture != nil {
                throw .invalid(key: "factors.\(name).quasi_steady", message: "a dish has no vessels to supply a quasi-steady factor")
            }
            for (what, amounts) in [("secretome.concentrations", config.secretome.concentrations), ("injury.levels", config.injuryRelease),
                                    ("clot.amounts", config.clotRelease)] where f < amounts.count && amounts[f] != 0 {
                throw .invalid(key: "\(what).\(name)", message: "\(name) is quasi-steady: only the vessels supply it")
            }
            for setup in config.cells {
                let p = setup.parameters
                if (p.secretion + p.repairSecretion).contains(where: { $0.factor == f }) {
                    throw .invalid(key: "cells.\(p.kind).secretion", message: "\(name) is quasi-steady: only the vessels supply it")
                }
                for u in p.uptake where u.factor == f {
                    guard u.rate.isFinite, u.rate >= 0 else {
                        throw .invalid(key: "cells.\(p.kind).uptake", message: "\(u.rate) /min of \(name) must be >= 0")
                    }
                    steadyUptake[f, default: .zero][Int(p.kind.rawValue)] += u.rate
                }
            }
        }
        steady = try SteadyFields(factors: config.factors, fields: fields, dt: config.dt, uptake: steadyUptake)

        // Cells.
        do {
            // In culture a cell's secretion and uptake spread over its column of medium.
            let dilution = config.culture?.dilution(spacing: h) ?? 1
            let kinds = config.cells.map { setup in
                var p = setup.parameters
                p.uptake.removeAll { steadyFactors.contains($0.factor) }
                if dilution != 1 {
                    p.secretion = p.secretion.map { s in var r = s.rate; r.basal *= dilution; return (s.factor, r) }
                    p.repairSecretion = p.repairSecretion.map { s in var r = s.rate; r.basal *= dilution; return (s.factor, r) }
                    p.uptake = p.uptake.map { ($0.factor, $0.rate * dilution) }
                }
                return p
            }
            stepper = try CellStepper(lattice: lattice, parameters: kinds, dt: config.dt, fieldDt: config.fieldDt, seed: config.seed,
                                      factorCount: config.factors.count)
        } catch { throw .invalid(key: "cells", message: error.description) }
        stepper.setRegions(regionMap.ids)
        // Factors nothing supplies (no initial value, fixed boundary value, medium, clot, injury or
        // secretion) stay zero for good: the solver skips them (an untreated wound's medium-only
        // factors, HGF and PGE2: 2 of its 8 split fields; the 3-D wound's diffuse phase fell from
        // 547 to 462 s over 14 days).
        var supplied = config.factors.enumerated().map { f, spec in
            spec.initial != 0 || spec.quasiSteady != nil
                || spec.boundaries.contains { if case let .fixed(v) = $0 { return v != 0 } else { return false } }
                || config.secretome.dose * config.secretome.concentrations[f] != 0
                || (config.injuryHalfLife > 0 && config.injuryRelease[f] != 0)
                || (f < config.clotRelease.count && config.clotRelease[f] != 0)
        }
        for p in stepper.parameters {
            for s in p.secretion + p.repairSecretion where s.rate.basal != 0 { supplied[s.factor] = true }
        }
        silent = supplied.map { !$0 }
        stepper.vessel = vessel.baseAddress
        stepper.collagen = collagen.baseAddress
        // Kinds recruited from the wound bed enter its empty sites at every depth, at their rate
        // per site: the filled fraction does not depend on the number of layers.
        stepper.bedSites = bed
        // Dermal cells move between the dermis's layers (up and down links of each layer).
        stepper.setLayerLinks(compartments.indices.map { k in
            (k > 0 && compartments[k - 1] == compartments[k] ? 1 : 0) | (k + 1 < compartments.count && compartments[k + 1] == compartments[k] ? 2 : 0)
        })
        if let fromBed = config.cells.first(where: { $0.parameters.recruitedFrom == .woundBed && $0.parameters.recruitment.basal > 0 }) {
            let p = fromBed.parameters
            guard !bed.isEmpty, config.culture == nil else {
                throw .invalid(key: "cells.\(p.kind).recruitment.from", message: "wound_bed needs a wound with a wound bed (a dermis layer under the wound, not a dish)")
            }
            guard p.allowedRegions.isEmpty || p.allowedRegions.contains(Tissue.woundBed) else {
                throw .invalid(key: "cells.\(p.kind).recruitment.from", message: "wound_bed, but \(p.kind)s may not enter the wound bed")
            }
        }
        // The matrix under the wound surface: the dermis's top layer's collagen, with the clot's fibrin.
        if let needing = config.cells.first(where: { $0.parameters.matrixNeeded > 0 }) {
            guard config.culture == nil, let k = compartments.lastIndex(of: .dermis), config.layers.contains(.epidermis) else {
                throw .invalid(key: "cells.\(needing.parameters.kind).migration.matrix_needed",
                               message: "needs a wound bed under a wound surface (lattice.layers [dermis, epidermis], not a dish)")
            }
            stepper.substrate = collagen.baseAddress! + k * nx * ny
        }
        // The wound's sources are added by the solver in its first sweep.
        var woundMask = [Bool](repeating: false, count: lattice.count)
        for s in wound { woundMask[Int(s)] = true }
        terms = SiteTerms(lattice: lattice, factorCount: config.factors.count, wound: woundMask)
        // The active set of the cell step reads the solver's tile maxima.
        solver.trackMaxima(tileSize: stepper.tiles.tileSize)
        stepper.fieldMaxima = solver.tileMaxima
        // The timeseries' factor means averaged over each output interval.
        solver.trackSums(over: wound)
        var population = CellPopulation(lattice: lattice)
        for setup in config.cells {
            let kind = setup.parameters.kind
            let key = "cells.\(kind).density"
            guard setup.density.isFinite, setup.density >= 0, setup.density <= 1 else {
                throw .invalid(key: key, message: "\(setup.density) per site must be between 0 and 1 (one cell per site at most)")
            }
            if setup.density == 0 { continue }
            let home = ModelConfig.homeLayer(of: kind)
            guard config.layers.contains(home) else {
                throw .invalid(key: key, message: "\(kind)s live in the \(home.rawValue), which lattice.layers does not have")
            }
            for k in compartments.indices where compartments[k] == home {
                for p in 0..<(nx * ny) where regionMap.ids[k * nx * ny + p] == Tissue.dermis || regionMap.ids[k * nx * ny + p] == Tissue.epidermis {
                let s = k * nx * ny + p
                if population.cellAt[s] >= 0 { continue }
                if kind == .endothelial {
                    if vessel[s] == 0 { continue }
                } else if kind == .fibroblast, vessel[s] != 0 { continue }
                var rng = RandomStream(seed: config.seed, step: 0, id: s, purpose: .initialPlacement(kind: kind.rawValue))
                if setup.density >= 1 || rng.uniform() < setup.density { population.add(kind, at: s) }
                }
            }
        }
        cells = population
    }
}
