import Cells
import Fields
import Foundation
import SimCore
import Simulation
import StrictYAML

/// The scenario schema (DESIGN.md "Scenario file"): strict, every dimensional value with a unit.
public enum ScenarioDecoder {
    static let topKeys = ["name", "description", "seed", "extends", "lattice", "time", "wound", "factors", "secretome", "injury", "clot", "vessels", "cells", "culture", "condition", "mechanics"]
    static let behaviours = ["migration", "proliferation", "apoptosis", "collagen", "recruitment", "polarization", "vessel_regression"]

    /// Decodes a merged tree (after `extends:` and `--set`); `schema` hears of every key read.
    public static func decode(_ root: YNode, schema: ((String, String) -> Void)? = nil) throws(InputErrors) -> Scenario {
        let r = Reader()
        r.schema = schema
        var sources: [String: String] = [:]
        guard let top = r.map(root, "", allowed: topKeys, required: ["name", "lattice", "time", "wound", "factors", "cells"]) else {
            throw InputErrors(issues: r.issues)
        }
        let name = r.string(top["name"], "name") ?? "scenario"
        if name.isEmpty || name.contains("/") || name.contains("..") || name.hasPrefix(".") || name.count > 100
            || name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            r.fail(top["name"], "name", "\"\(name)\" must be a plain name (letters, digits, dashes)", hint: "it names output folders, so no slashes or dots at the start")
        }
        let description = r.string(top["description"], "description") ?? ""
        let seed = r.integer(top["seed"], "seed", min: 0).map { UInt64($0) } ?? 1

        // Lattice.
        var nx = 1, ny = 1, spacing = 20.0, layers: [Layer] = [.dermis, .epidermis], dermisLayers = 1
        if let l = r.map(top["lattice"], "lattice", allowed: ["size", "spacing", "layers", "dermis_layers"], required: ["size", "spacing"]) {
            if let size = r.list(l["size"], "lattice.size") {
                if size.count != 2 { r.fail(l["size"], "lattice.size", "needs two numbers [nx, ny], got \(size.count)", hint: "the layers set the third dimension") }
                else {
                    nx = r.integer(size[0], "lattice.size[0]", min: 1, max: 100_000) ?? 1
                    ny = r.integer(size[1], "lattice.size[1]", min: 1, max: 100_000) ?? 1
                }
            }
            spacing = r.quantity(l["spacing"], "lattice.spacing", .length, positive: true) ?? 20
            if let list = r.list(l["layers"], "lattice.layers") {
                layers = list.enumerated().compactMap { i, n in
                    r.choice(n, "lattice.layers[\(i)]", Layer.allCases.map(\.rawValue)).flatMap(Layer.init(rawValue:))
                }
                if Set(layers).count != layers.count || layers.isEmpty {
                    r.fail(l["layers"], "lattice.layers", "give dermis and/or epidermis, each once, bottom first")
                }
            }
            if l["dermis_layers"] != nil {
                dermisLayers = r.integer(l["dermis_layers"], "lattice.dermis_layers", min: 1, max: 1000) ?? 1
                if dermisLayers > 1, !layers.contains(.dermis) { r.fail(l["dermis_layers"], "lattice.dermis_layers", "needs a dermis in lattice.layers") }
            }
            let nz = layers.count + (layers.contains(.dermis) ? dermisLayers - 1 : 0)
            let sites = Double(nx) * Double(ny) * Double(max(1, nz))
            let estimate = sites * (8 * 4 + 4 + 4 + 2) + sites * 0.3 * 22
            if estimate > MemoryBudget.availableBytes {
                r.fail(l["size"], "lattice.size", "\(nx) x \(ny) x \(nz) sites need an estimated \(MemoryBudget.format(estimate)), more than the \(MemoryBudget.format(MemoryBudget.availableBytes)) this machine can give",
                       hint: "use a coarser spacing or a smaller lattice")
            }
        }

        // Time.
        var dt = 2.0, duration = 14.0 * 1440, outputEvery = 360.0
        var snapshot: Double?, checkpoint: Double?
        var fieldSteps = 1
        if let t = r.map(top["time"], "time", allowed: ["dt", "field_dt", "duration", "output_every", "snapshot_every", "checkpoint_every"], required: ["dt", "duration"]) {
            dt = r.quantity(t["dt"], "time.dt", .time, positive: true) ?? dt
            // How many times `step` fits in `value`, when it fits a whole number of times.
            func multiple(_ value: Double, of step: Double) -> Int? {
                let k = (value / step).rounded()
                return k >= 1 && abs(k * step - value) <= 1e-9 * value ? Int(k) : nil
            }
            if let fieldDt = r.quantity(t["field_dt"], "time.field_dt", .time, positive: true) {
                if let k = multiple(fieldDt, of: dt), k <= 60 {
                    fieldSteps = k
                } else {
                    r.fail(t["field_dt"], "time.field_dt", "\(ScenarioWriter.num(fieldDt)) min is not a whole multiple (1 to 60) of time.dt = \(ScenarioWriter.num(dt)) min",
                           hint: "the fields advance once every few cell steps; give a multiple of dt, or leave it out for every step")
                }
            }
            duration = r.quantity(t["duration"], "time.duration", .time, positive: true) ?? duration
            outputEvery = r.quantity(t["output_every"], "time.output_every", .time, positive: true) ?? 360
            snapshot = r.quantity(t["snapshot_every"], "time.snapshot_every", .time, positive: true)
            checkpoint = r.quantity(t["checkpoint_every"], "time.checkpoint_every", .time, positive: true)
            if duration / dt > 1e8 { r.fail(t["duration"], "time.duration", "\(String(format: "%.3g", duration / dt)) steps is too many", hint: "a larger dt or a shorter duration") }
            // Outputs and checkpoints fall where the fields stand at the cells' time: at the end
            // of a field interval.
            if fieldSteps > 1 {
                let fieldDt = Double(fieldSteps) * dt
                for (key, value) in [("output_every", Optional(outputEvery)), ("snapshot_every", snapshot), ("checkpoint_every", checkpoint)] {
                    if let value, multiple(value, of: fieldDt) == nil {
                        r.fail(t[key], "time.\(key)", "\(ScenarioWriter.num(value)) min is not a whole multiple of time.field_dt = \(ScenarioWriter.num(fieldDt)) min",
                               hint: "outputs and checkpoints fall at the end of a field step")
                    }
                }
            }
        }

        // Wound.
        var wound = WoundShape.circle(diameter: 6000)
        var centre = (x: 0.5, y: 0.5)
        var woundDepth: Double?, woundProfile = WoundProfile.cylinder
        if let w = r.map(top["wound"], "wound", allowed: ["shape", "diameter", "width", "height", "center", "depth", "profile"], required: ["shape"]) {
            switch r.choice(w["shape"], "wound.shape", ["circle", "scratch", "rectangle", "none"]) {
            case "none":
                wound = .none
            case "circle":
                if let d = r.quantity(w["diameter"], "wound.diameter", .length, positive: true) { wound = .circle(diameter: d) }
                else if w["diameter"] == nil { r.fail(top["wound"], "wound.diameter", "is missing", hint: "a circle needs `diameter:`, e.g. \"6 mm\"") }
            case "scratch":
                if let width = r.quantity(w["width"], "wound.width", .length, positive: true) { wound = .scratch(width: width) }
                else if w["width"] == nil { r.fail(top["wound"], "wound.width", "is missing", hint: "a scratch needs `width:`, e.g. \"500 um\"") }
            case "rectangle":
                let width = r.quantity(w["width"], "wound.width", .length, positive: true)
                let height = r.quantity(w["height"], "wound.height", .length, positive: true)
                if let width, let height { wound = .rectangle(width: width, height: height) }
                else if w["width"] == nil || w["height"] == nil { r.fail(top["wound"], "wound", "a rectangle needs `width:` and `height:`") }
            default: break
            }
            let relevant: [String: [String]] = ["circle": ["diameter"], "scratch": ["width"], "rectangle": ["width", "height"], "none": []]
            if case let .scalar(shape, _)? = w["shape"]?.value, let keys = relevant[shape] {
                for k in ["diameter", "width", "height"] where w[k] != nil && !keys.contains(k) {
                    r.fail(w[k], "wound.\(k)", "does not apply to a \(shape)", hint: keys.isEmpty ? "no wound takes no size" : "a \(shape) takes \(keys.joined(separator: " and "))")
                }
            }
            if let c = r.list(w["center"], "wound.center") {
                if c.count == 2, let x = r.number(c[0], "wound.center[0]", min: 0, max: 1), let y = r.number(c[1], "wound.center[1]", min: 0, max: 1) { centre = (x, y) }
                else if c.count != 2 { r.fail(w["center"], "wound.center", "needs two fractions [x, y] of the lattice extent") }
            }
            woundDepth = r.quantity(w["depth"], "wound.depth", .length, positive: true)
            if w["profile"] != nil {
                woundProfile = r.choice(w["profile"], "wound.profile", WoundProfile.allCases.map(\.rawValue)).flatMap(WoundProfile.init(rawValue:)) ?? .cylinder
                if woundProfile == .bowl {
                    if case .circle = wound {} else { r.fail(w["profile"], "wound.profile", "a bowl needs a round wound (shape: circle)") }
                }
            }
            if dermisLayers == 1 {
                for k in ["depth", "profile"] where w[k] != nil {
                    r.fail(w[k], "wound.\(k)", "needs a dermis with depth", hint: "set lattice.dermis_layers above 1; one dermis layer is cut through")
                }
            }
        }

        // Factors.
        var factors: [FactorSpec] = []
        if let fnode = top["factors"] {
            if case let .map(entries) = fnode.value {
                if entries.count > Rules.maximumFactors { r.fail(fnode, "factors", "\(entries.count) factors; a table holds at most \(Rules.maximumFactors)") }
                for e in entries { factors.append(decodeFactor(e, r, &sources)) }
            } else { r.fail(fnode, "factors", "must be a mapping of factor names to their properties") }
        }
        let factorNames = factors.map(\.name)
        func factorIndex(_ node: YNode?, _ key: String) -> Int? {
            guard let n = r.string(node, key) else { return nil }
            if let i = factorNames.firstIndex(of: n) { return i }
            let close = factorNames.min { editDistance($0, n) < editDistance($1, n) }
            r.fail(node, key, "names the factor \"\(n)\", which the scenario does not define",
                   hint: close.map { "did you mean `\($0)`? The factors are \(factorNames.joined(separator: ", "))" } ?? "define it under `factors:`")
            return nil
        }
        func concentrations(_ node: YNode?, _ key: String) -> [Double] {
            var c = [Double](repeating: 0, count: factors.count)
            guard let m = r.map(node, key, allowed: factorNames) else { return c }
            for (name, v) in m {
                let i = factorNames.firstIndex(of: name)!
                c[i] = r.quantity(v, "\(key).\(name)", .concentration, molarMass: factors[i].molarMass) ?? 0
            }
            return c
        }

        // Secretome.
        var secretome = Secretome(profile: "control", concentrations: [Double](repeating: 0, count: factors.count))
        if let s = r.map(top["secretome"], "secretome", allowed: ["profile", "dose", "deplete", "concentrations", "delivery", "everywhere", "source"]) {
            let profileNames = Array(DefaultModel.profileLevels.keys).sorted()
            if let p = r.choice(s["profile"], "secretome.profile", profileNames) {
                secretome.profile = p
                let levels = DefaultModel.profileLevels[p]!
                secretome.concentrations = factorNames.map { levels[$0] ?? 0 }
            }
            if let src = r.source(s["source"], "secretome.source") { sources["secretome"] = src }
            if s["concentrations"] != nil {
                let given = concentrations(s["concentrations"], "secretome.concentrations")
                if case let .map(entries) = s["concentrations"]!.value {
                    for e in entries { if let i = factorNames.firstIndex(of: e.key) { secretome.concentrations[i] = given[i] } }
                }
            }
            if let list = r.list(s["deplete"], "secretome.deplete") {
                for (i, n) in list.enumerated() { if let f = factorIndex(n, "secretome.deplete[\(i)]") { secretome.concentrations[f] = 0 } }
            }
            secretome.dose = r.number(s["dose"], "secretome.dose", min: 0, max: 1e6) ?? 1
            secretome.everywhere = r.bool(s["everywhere"], "secretome.everywhere") ?? false
            if let d = r.map(s["delivery"], "secretome.delivery", allowed: ["kind", "every", "until", "half_life"], required: ["kind"]) {
                switch r.choice(d["kind"], "secretome.delivery.kind", ["bolus", "repeated", "sustained"]) {
                case "repeated":
                    let every = r.quantity(d["every"], "secretome.delivery.every", .time, positive: true)
                    let until = r.quantity(d["until"], "secretome.delivery.until", .time, positive: true)
                    if d["every"] == nil || d["until"] == nil { r.fail(s["delivery"], "secretome.delivery", "repeated doses need `every:` and `until:`") }
                    if let every, let until { secretome.delivery = .repeated(every: every, until: until) }
                case "sustained":
                    if let hl = r.quantity(d["half_life"], "secretome.delivery.half_life", .time, positive: true) { secretome.delivery = .sustained(halfLife: hl) }
                    else if d["half_life"] == nil { r.fail(s["delivery"], "secretome.delivery.half_life", "is missing", hint: "a dressing's release half-life, e.g. \"12 h\"") }
                default: secretome.delivery = .bolus
                }
            }
        }

        // Injury.
        var injury = [Double](repeating: 0, count: factors.count)
        var injuryHalfLife = 0.0
        if let i = r.map(top["injury"], "injury", allowed: ["levels", "half_life", "source"], required: ["levels", "half_life"]) {
            injury = concentrations(i["levels"], "injury.levels")
            injuryHalfLife = r.quantity(i["half_life"], "injury.half_life", .time, positive: true) ?? 0
            if let src = r.source(i["source"], "injury.source") { sources["injury"] = src }
        }
        var clot: [Double] = []
        var clotHalfLife = 0.0
        var clotHalfLives: [Double] = []
        var fibrinHalfLife = 0.0
        if let c = r.map(top["clot"], "clot", allowed: ["amounts", "half_life", "half_lives", "fibrin_half_life", "source"], required: ["amounts", "half_life"]) {
            clot = concentrations(c["amounts"], "clot.amounts")
            clotHalfLife = r.quantity(c["half_life"], "clot.half_life", .time, positive: true) ?? 0
            // Per-factor half-lives override the clot's one for the factors they name.
            if let m = r.map(c["half_lives"], "clot.half_lives", allowed: factorNames) {
                clotHalfLives = [Double](repeating: 0, count: factors.count)
                for (name, v) in m {
                    clotHalfLives[factorNames.firstIndex(of: name)!] = r.quantity(v, "clot.half_lives.\(name)", .time, positive: true) ?? 0
                }
            }
            if let src = r.source(c["source"], "clot.source") { sources["clot"] = src }
            fibrinHalfLife = r.quantity(c["fibrin_half_life"], "clot.fibrin_half_life", .time, positive: true) ?? 0
        }
        var vesselSpacing = 0.0
        if let v = r.map(top["vessels"], "vessels", allowed: ["spacing", "source"]) {
            vesselSpacing = r.quantity(v["spacing"], "vessels.spacing", .length, positive: true) ?? 0
            if let src = r.source(v["source"], "vessels.source") { sources["vessels"] = src }
        }

        // Culture (in vitro).
        var culture: Culture?
        if let c = r.map(top["culture"], "culture", allowed: ["medium_volume", "growth_area", "medium_change_every", "source"],
                         required: ["medium_volume", "growth_area"]) {
            let volume = r.quantity(c["medium_volume"], "culture.medium_volume", .volume, positive: true)
            let area = r.quantity(c["growth_area"], "culture.growth_area", .area, positive: true)
            let change = r.quantity(c["medium_change_every"], "culture.medium_change_every", .time, positive: true)
            if let src = r.source(c["source"], "culture.source") { sources["culture"] = src }
            if let volume, let area { culture = Culture(mediumDepth: volume / area, mediumChangeEvery: change) }
            for k in ["injury", "clot", "vessels"] where top[k] != nil {
                r.fail(top[k], k, "is an in-vivo term; a scenario with `culture:` has none", hint: "drop `\(k):` (a scenario that extends an in-vivo one can remove it with `\(k): ~`)")
            }
            if let e = top["secretome"]?["everywhere"], r.bool(e, "secretome.everywhere") == false {
                r.fail(e, "secretome.everywhere", "must be true in culture: the medium bathes the whole dish")
            }
            secretome.everywhere = true
        }

        // Cells.
        var cells: [CellSetup] = []
        if let cnode = top["cells"], let m = r.map(cnode, "cells", allowed: CellKind.allCases.map(\.description)) {
            for kind in CellKind.allCases {
                guard let node = m[kind.description] else { continue }
                if let setup = decodeCell(kind, node, r, factorIndex, &sources, spacing: spacing, factorNames: factorNames, molarMasses: factors.map(\.molarMass)) { cells.append(setup) }
            }
        }

        // Condition (the host's impairments).
        var condition = Condition.normal
        if let cnode = top["condition"] {
            let names = Condition.profiles.keys.sorted()
            if case .scalar = cnode.value {
                if let n = r.choice(cnode, "condition", names) { condition = Condition.profiles[n]! }
            } else if let c = r.map(cnode, "condition", allowed: ["profile", "production", "source"] + CellKind.allCases.map(\.description)) {
                if let n = r.choice(c["profile"], "condition.profile", names) { condition = Condition.profiles[n]! }
                if let pm = r.map(c["production"], "condition.production", allowed: factorNames) {
                    for name in factorNames { if let x = r.number(pm[name], "condition.production.\(name)", min: 0, max: 1e3) { condition.production[name] = x } }
                }
                if let src = r.source(c["source"], "condition.source") { condition.source = src }
                for kind in CellKind.allCases {
                    let key = "condition.\(kind)"
                    guard let k = r.map(c[kind.description], key, allowed: ["migration", "proliferation", "secretion", "response", "secretion_response", "polarization", "recruitment", "apoptosis"]) else { continue }
                    var imp = condition.kinds[kind] ?? .init()
                    if let v = r.number(k["migration"], "\(key).migration", min: 0, max: 1e3) { imp.migration = v }
                    if let v = r.number(k["proliferation"], "\(key).proliferation", min: 0, max: 1e3) { imp.proliferation = v }
                    if let v = r.number(k["secretion"], "\(key).secretion", min: 0, max: 1e3) { imp.secretion = v }
                    if let v = r.number(k["response"], "\(key).response", min: 0, max: 1e3) { imp.response = v }
                    if let v = r.number(k["secretion_response"], "\(key).secretion_response", min: 0, max: 1e3) { imp.secretionResponse = v }
                    // A multiplier of a rate the kind does not have would change nothing: refused.
                    let own = cells.first { $0.parameters.kind == kind }?.parameters
                    let multipliers: [(String, String, Bool, WritableKeyPath<Condition.KindImpairment, Double>)] = [
                        ("polarization", "a switch rate", (own?.polarization.basal ?? 0) > 0, \.polarization),
                        ("recruitment", "a recruitment rate", (own?.recruitment.basal ?? 0) > 0, \.recruitment),
                        ("apoptosis", "a death rate", (own?.apoptosis.basal ?? 0) > 0, \.apoptosis),
                    ]
                    for (name, what, has, field) in multipliers {
                        guard let v = r.number(k[name], "\(key).\(name)", min: 0, max: 1e3) else { continue }
                        // The profile's own value is taken back as written (a resolved scenario of
                        // a wound without the rate names the profile's multipliers).
                        if v != 1, v != imp[keyPath: field], !has {
                            r.fail(k[name], "\(key).\(name)", "multiplies \(what) that \(kind) cells do not have in this scenario",
                                   hint: "give cells.\(kind).\(name).rate, or remove it")
                        }
                        imp[keyPath: field] = v
                    }
                    condition.kinds[kind] = imp
                }
            }
            if culture != nil, !condition.isNeutral {
                r.fail(cnode, "condition", "is the host's condition in a wound; a scenario with `culture:` has no host",
                       hint: "give cells from a diabetic donor their own rates under `cells:`")
            }
        }

        // Wound contraction (issue 14).
        var mechanics: MechanicsConfig?
        let mechanicsKeys = ["skin_modulus", "granulation_modulus", "poisson", "fibroblast_stress", "myofibroblast_stress",
                             "wound_remodelling", "skin_remodelling", "splint_radius", "still_radius", "every", "crawl_in_space", "source"]
        if let mnode = top["mechanics"], let m = r.map(mnode, "mechanics", allowed: mechanicsKeys) {
            let required = ["skin_modulus", "granulation_modulus", "poisson", "fibroblast_stress", "myofibroblast_stress", "wound_remodelling"]
            for k in required where m[k] == nil {
                r.fail(mnode, "mechanics.\(k)", "is missing", hint: "mechanics: needs \(required.joined(separator: ", ")) and splint_radius or still_radius")
            }
            let skin = r.quantity(m["skin_modulus"], "mechanics.skin_modulus", .pressure, positive: true)
            let granulation = r.quantity(m["granulation_modulus"], "mechanics.granulation_modulus", .pressure, positive: true)
            let poisson = r.number(m["poisson"], "mechanics.poisson", min: -0.99, max: 0.49)
            let fibroblastStress = r.quantity(m["fibroblast_stress"], "mechanics.fibroblast_stress", .pressure)
            let myofibroblastStress = r.quantity(m["myofibroblast_stress"], "mechanics.myofibroblast_stress", .pressure)
            let woundRemodelling = r.quantity(m["wound_remodelling"], "mechanics.wound_remodelling", .rate)
            let skinRemodelling = m["skin_remodelling"] == nil ? 0 : r.quantity(m["skin_remodelling"], "mechanics.skin_remodelling", .rate)
            let splint = m["splint_radius"].flatMap { r.quantity($0, "mechanics.splint_radius", .length, positive: true) }
            let still = m["still_radius"].flatMap { r.quantity($0, "mechanics.still_radius", .length, positive: true) }
            if m["splint_radius"] != nil, m["still_radius"] != nil {
                r.fail(mnode, "mechanics", "gives both splint_radius and still_radius", hint: "a splinted wound is held at the splint; drop one (`~` drops an inherited one)")
            }
            if m["splint_radius"] == nil, m["still_radius"] == nil {
                r.fail(mnode, "mechanics", "holds the skin nowhere", hint: "give splint_radius (a splinted wound) or still_radius (unsplinted: where the skin is taken as still)")
            }
            let every = m["every"] == nil ? 60 : r.quantity(m["every"], "mechanics.every", .time, positive: true)
            let crawl = m["crawl_in_space"] == nil ? true : r.bool(m["crawl_in_space"], "mechanics.crawl_in_space")
            if let src = r.source(m["source"], "mechanics.source") { sources["mechanics"] = src }
            if case .circle = wound {} else {
                r.fail(mnode, "mechanics", "needs a round wound (wound.shape: circle): the skin is solved in rings around the wound's centre")
            }
            if culture != nil { r.fail(mnode, "mechanics", "is the skin's; a scenario with `culture:` has none", hint: "remove `mechanics:`") }
            if let skin, let granulation, let poisson, let fibroblastStress, let myofibroblastStress, let woundRemodelling, let skinRemodelling, let every,
               let crawl, splint != nil || still != nil {
                mechanics = MechanicsConfig(skinModulus: skin, granulationModulus: granulation, poisson: poisson, fibroblastStress: fibroblastStress,
                                            myofibroblastStress: myofibroblastStress, woundRemodelling: woundRemodelling, skinRemodelling: skinRemodelling,
                                            splintRadius: splint, stillRadius: still ?? splint ?? 0, every: every,
                                            crawlInSpace: crawl)
            }
        }

        if !r.issues.isEmpty { throw InputErrors(issues: r.issues) }
        var model = ModelConfig(name: name, seed: seed, nx: nx, ny: ny, spacing: spacing, layers: layers, dt: dt, duration: duration,
                                outputEvery: outputEvery, wound: wound, woundCentre: centre, factors: factors, secretome: secretome,
                                injuryRelease: injury, injuryHalfLife: injuryHalfLife, vesselSpacing: vesselSpacing, cells: cells)
        model.fieldSteps = fieldSteps
        model.culture = culture
        model.condition = condition
        model.dermisLayers = dermisLayers
        model.woundDepth = woundDepth
        model.woundProfile = woundProfile
        model.clotRelease = clot
        model.clotHalfLife = clotHalfLife
        model.clotHalfLives = clotHalfLives
        model.fibrinHalfLife = fibrinHalfLife
        model.mechanics = mechanics
        return Scenario(model: model, description: description, snapshotEvery: snapshot, checkpointEvery: checkpoint,
                        sources: sources, warnings: r.warnings)
    }
}
