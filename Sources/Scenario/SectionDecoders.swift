import Cells
import Fields
import Foundation
import SimCore
import Simulation
import StrictYAML

/// The decoders of the scenario's repeated sections: one factor of `factors:`, one kind of `cells:`.
extension ScenarioDecoder {
    /// Names a factor may not take: the run folder's other pictures and maps use them (cells, and
    /// `Formats.tissueMapMeanings` of the Run module, which this module cannot see).
    static let reservedFactorNames: Set<String> = ["cells", "collagen", "vessel", "myofibroblast"]

    static func decodeFactor(_ e: YEntry, _ r: Reader, _ sources: inout [String: String]) -> FactorSpec {
        let key = "factors.\(e.key)"
        var spec = FactorSpec(name: e.key, diffusion: 0, decay: 0)
        // The run folder's frames/ holds cells_*.png and the tissue maps beside one picture per factor.
        // Compared without case: a case-insensitive file system (macOS) would mix Collagen_ with collagen_.
        if reservedFactorNames.contains(e.key.lowercased()) {
            r.fail(e.value, key, "\"\(e.key)\" names a picture of the run folder (frames/\(e.key)_tNNNNNmin.png); give the factor another name")
        }
        guard let m = r.map(e.value, key, allowed: ["diffusion", "wound_bed_diffusion", "decay", "molar_mass", "initial", "boundary", "quasi_steady", "source"],
                            required: ["diffusion", "decay"]) else { return spec }
        spec.molarMass = r.quantity(m["molar_mass"], "\(key).molar_mass", .molarMass, positive: true)
        spec.diffusion = r.quantity(m["diffusion"], "\(key).diffusion", .diffusivity) ?? 0
        if let d = r.quantity(m["wound_bed_diffusion"], "\(key).wound_bed_diffusion", .diffusivity) {
            spec.regionDiffusion[Tissue.woundBed] = d
        }
        spec.decay = r.quantity(m["decay"], "\(key).decay", .rate) ?? 0
        spec.initial = r.quantity(m["initial"], "\(key).initial", .concentration, molarMass: spec.molarMass) ?? 0
        if let src = r.source(m["source"], "\(key).source") { sources[key] = src }
        // Solved as a steady state between the vessels' supply and every loss (oxygen).
        if let q = r.map(m["quasi_steady"], "\(key).quasi_steady", allowed: ["every", "vessel_exchange", "blood", "tolerance"],
                         required: ["every", "vessel_exchange", "blood"]) {
            let every = r.quantity(q["every"], "\(key).quasi_steady.every", .time, positive: true)
            let exchange = r.quantity(q["vessel_exchange"], "\(key).quasi_steady.vessel_exchange", .rate)
            let blood = r.quantity(q["blood"], "\(key).quasi_steady.blood", .concentration, molarMass: spec.molarMass)
            let tolerance = r.number(q["tolerance"], "\(key).quasi_steady.tolerance", positive: true) ?? QuasiSteady.defaultTolerance
            if let every, let exchange, let blood {
                spec.quasiSteady = QuasiSteady(vesselExchange: exchange, bloodLevel: blood, every: every, tolerance: tolerance)
            }
        }
        if let b = m["boundary"] {
            let options = ["no-flux", "periodic"]
            func condition(_ n: YNode?, _ k: String) -> BoundaryCondition? {
                guard let n else { return nil }
                if case .map = n.value {
                    guard let f = r.map(n, k, allowed: ["fixed"], required: ["fixed"]),
                          let v = r.quantity(f["fixed"], "\(k).fixed", .concentration, molarMass: spec.molarMass) else { return nil }
                    return .fixed(v)
                }
                switch r.choice(n, k, options) { case "periodic": return .periodic; case "no-flux": return .noFlux; default: return nil }
            }
            if case .map = b.value, b["fixed"] == nil {
                let faces = Face.allCases.map(\.description)
                if let fm = r.map(b, "\(key).boundary", allowed: faces) {
                    for face in Face.allCases { if let c = condition(fm[face.description], "\(key).boundary.\(face)") { spec.boundaries[face.rawValue] = c } }
                }
            } else if let c = condition(b, "\(key).boundary") {
                spec.boundaries = FactorSpec.uniform(c)
            }
        }
        return spec
    }

    static func decodeCell(_ kind: CellKind, _ node: YNode, _ r: Reader, _ factorIndex: (YNode?, String) -> Int?,
                           _ sources: inout [String: String], spacing: Double, factorNames: [String], molarMasses: [Double?] = []) -> CellSetup? {
        func factorName(_ f: Int) -> String { f < factorNames.count ? factorNames[f] : "\(f)" }
        let key = "cells.\(kind)"
        guard let m = r.map(node, key, allowed: ["density", "migration", "proliferation", "apoptosis", "responses", "chemotaxis",
                                                  "secretion", "uptake", "collagen", "differentiation", "vessel_trail", "vessel_regression", "sprouting",
                                                  "recruitment", "polarization", "source"],
                            required: ["density"]) else { return nil }
        var p = KindParameters(kind: kind)
        let density = r.number(m["density"], "\(key).density", min: 0, max: 1)
        if let d = m["density"], density == nil, case let .scalar(text, _) = d.value, let v = Double(text), v > 1 {
            _ = v  // already reported as "at most 1"
        }
        if let mig = r.map(m["migration"], "\(key).migration", allowed: ["speed", "persistence", "hop_rate", "lag", "lag_source", "threshold", "activated_by",
                                                                          "requires_activation", "reverts", "activation", "half_activation",
                                                                          "response_time", "hill", "activation_source", "cohesion", "matrix_needed"]) {
            if let forms = Overrides.mixedForms("migration", Array(mig.keys)) {
                r.fail(m["migration"], "\(key).migration", "gives two forms of the hop rate: \(forms.map { $0.filter(mig.keys.contains).joined(separator: " and ") }.joined(separator: ", and "))",
                       hint: "give either speed with persistence or hop_rate in one file; a later file or --set replaces the inherited form")
            }
            if let q = r.quantity(mig["hop_rate"], "\(key).migration.hop_rate", .rate) { p.motility.basal = q }
            if let speed = r.quantity(mig["speed"], "\(key).migration.speed", .speed) {
                // A persistent walker has D = S^2 P / 2 in 2-D; a lattice walk hopping at rate q
                // has D = q h^2 / 4, so q = 2 S^2 P / h^2 (PARAMETERS.md, "Cells").
                if mig["persistence"] == nil {
                    r.fail(m["migration"], "\(key).migration.persistence", "is missing", hint: "a speed needs its persistence time, e.g. \"1 h\", to give a hop rate")
                } else if let persistence = r.quantity(mig["persistence"], "\(key).migration.persistence", .time, positive: true) {
                    p.motility.basal = 2 * speed * speed * persistence / (spacing * spacing)
                }
            } else if mig["speed"] == nil && mig["persistence"] != nil {
                r.fail(m["migration"], "\(key).migration.speed", "is missing", hint: "persistence needs a speed, e.g. \"60 um/h\"")
            }
            var rule = ActivationRule(factors: [], threshold: 0, lag: 0)
            var hasRule = false
            let mode = r.choice(mig["activation"], "\(key).migration.activation", ["fixed-lag", "graded"]).flatMap(ActivationRule.Mode.init(rawValue:)) ?? .fixedLag
            rule.mode = mode
            if mode == .graded {
                hasRule = true
                for k in ["lag", "lag_source"] where mig[k] != nil {
                    r.fail(mig[k], "\(key).migration.\(k)", "does not apply to graded activation", hint: "graded activation takes half_activation, response_time and threshold (a fraction)")
                }
                rule.threshold = r.number(mig["threshold"], "\(key).migration.threshold", min: 0, max: 1) ?? 0.5
                rule.responseTime = r.quantity(mig["response_time"], "\(key).migration.response_time", .time, positive: true) ?? 0
                if mig["response_time"] == nil { r.fail(m["migration"], "\(key).migration.response_time", "is missing", hint: "graded activation needs the state's response time, e.g. \"2 h\"") }
                rule.hill = r.number(mig["hill"], "\(key).migration.hill", positive: true) ?? 1
                if let src = r.source(mig["activation_source"], "\(key).migration.activation_source") { rule.source = src; sources["\(key).migration.activation"] = src }
            } else {
                for k in ["half_activation", "response_time", "hill", "activation_source"] where mig[k] != nil {
                    r.fail(mig[k], "\(key).migration.\(k)", "applies to graded activation only", hint: "set `activation: graded`, or give lag and threshold for the fixed lag")
                }
                if let lag = r.quantity(mig["lag"], "\(key).migration.lag", .time) { rule.lag = lag; hasRule = true }
                if let t = r.quantity(mig["threshold"], "\(key).migration.threshold", .concentration) { rule.threshold = t; hasRule = true }
                if let src = r.source(mig["lag_source"], "\(key).migration.lag_source") { rule.source = src; sources["\(key).migration.lag"] = src }
            }
            if let list = r.list(mig["activated_by"], "\(key).migration.activated_by") {
                rule.factors = list.enumerated().compactMap { factorIndex($1, "\(key).migration.activated_by[\($0)]") }
                hasRule = true
            }
            if mode == .graded {
                let given = r.map(mig["half_activation"], "\(key).migration.half_activation", allowed: rule.factors.map(factorName)) ?? [:]
                if mig["half_activation"] == nil { r.fail(m["migration"], "\(key).migration.half_activation", "is missing", hint: "the concentration of each activating factor that gives half the maximal activation, e.g. {EGF: \"0.5 ng/mL\"}") }
                rule.halfActivation = rule.factors.map { f in
                    let name = factorName(f)
                    if given[name] == nil, mig["half_activation"] != nil { r.fail(mig["half_activation"], "\(key).migration.half_activation.\(name)", "is missing") }
                    return r.quantity(given[name], "\(key).migration.half_activation.\(name)", .concentration, positive: true) ?? 1
                }
            }
            if let c = r.number(mig["cohesion"], "\(key).migration.cohesion", min: 0, max: 1) { p.cohesion = c }
            if let g = r.number(mig["matrix_needed"], "\(key).migration.matrix_needed", min: 0, max: 1) { p.matrixNeeded = g }
            if hasRule {
                if rule.factors.isEmpty { r.fail(m["migration"], "\(key).migration.activated_by", "is missing", hint: "name the factors whose exposure counts toward the lag") }
                p.activation = rule
            }
            p.activationRequired = r.bool(mig["requires_activation"], "\(key).migration.requires_activation") ?? hasRule
            p.revertsWhenUnstimulated = r.bool(mig["reverts"], "\(key).migration.reverts") ?? false
        }
        if let pr = r.map(m["proliferation"], "\(key).proliferation", allowed: ["doubling", "rate", "matrix_inhibition"]) {
            if Overrides.mixedForms("proliferation", Array(pr.keys)) != nil {
                r.fail(m["proliferation"], "\(key).proliferation", "gives two forms of the division rate: doubling and rate",
                       hint: "give one of them in one file; a later file or --set replaces the inherited form")
            }
            if let d = r.quantity(pr["doubling"], "\(key).proliferation.doubling", .time, positive: true) { p.proliferation.basal = log(2) / d }
            if let rate = r.quantity(pr["rate"], "\(key).proliferation.rate", .rate) { p.proliferation.basal = rate }
            if let g = r.number(pr["matrix_inhibition"], "\(key).proliferation.matrix_inhibition", min: 0, max: 1) { p.matrixInhibition = g }
        }
        if let ap = r.map(m["apoptosis"], "\(key).apoptosis", allowed: ["rate", "only_differentiated"]) {
            if let rate = r.quantity(ap["rate"], "\(key).apoptosis.rate", .rate) { p.apoptosis.basal = rate }
            if let only = r.bool(ap["only_differentiated"], "\(key).apoptosis.only_differentiated") { p.apoptosisOnlyDifferentiated = only }
        }
        if let col = r.map(m["collagen"], "\(key).collagen", allowed: ["rate"]) {
            p.collagenDeposition.basal = r.quantity(col["rate"], "\(key).collagen.rate", .rate) ?? 0
        }
        if let dif = r.map(m["differentiation"], "\(key).differentiation", allowed: ["residence"]) {
            p.differentiationResidence = r.quantity(dif["residence"], "\(key).differentiation.residence", .time)
        }
        p.leavesVesselTrail = r.bool(m["vessel_trail"], "\(key).vessel_trail") ?? false
        if let sp = r.map(m["sprouting"], "\(key).sprouting", allowed: ["tip_spacing", "tip_rate", "source"], required: ["tip_spacing", "tip_rate"]) {
            let spacing = r.quantity(sp["tip_spacing"], "\(key).sprouting.tip_spacing", .length, positive: true) ?? 1
            let rate = r.quantity(sp["tip_rate"], "\(key).sprouting.tip_rate", .rate, positive: true) ?? 1
            let src = r.source(sp["source"], "\(key).sprouting.source")
            if let src { sources["\(key).sprouting"] = src }
            p.sprouting = Sprouting(tipSpacing: spacing, tipRate: rate, source: src ?? "")
        }
        if let vr = r.map(m["vessel_regression"], "\(key).vessel_regression", allowed: ["rate", "source"], required: ["rate"]) {
            p.vesselRegression.basal = r.quantity(vr["rate"], "\(key).vessel_regression.rate", .rate) ?? 0
            if let src = r.source(vr["source"], "\(key).vessel_regression.source") { sources["\(key).vessel_regression"] = src }
        }
        // One response entry (factor, ec50, hill, max_fold, source), in a kind's `responses` list
        // or a secretion entry's; its source is recorded under its key.
        func response(_ e: [String: YNode], _ k: String) -> Response? {
            let f = factorIndex(e["factor"], "\(k).factor")
            // A molar EC50 ("10 uM") converts through the factor's molar mass.
            let mass = f.flatMap { $0 < molarMasses.count ? molarMasses[$0] : nil }
            let ec50 = r.quantity(e["ec50"], "\(k).ec50", .concentration, molarMass: mass, positive: true)
            let below = r.choice(e["when"], "\(k).when", ["above", "below"]) == "below"
            let hill = r.number(e["hill"], "\(k).hill", positive: true) ?? 1
            let fold = r.number(e["max_fold"], "\(k).max_fold", min: 0)
            let src = r.source(e["source"], "\(k).source") ?? ""
            guard let f, let ec50, let fold else { return nil }
            if !src.isEmpty { sources[k] = src }
            return Response(factor: f, ec50: ec50, hill: hill, maxFold: fold, source: src, below: below)
        }
        if let list = r.list(m["responses"], "\(key).responses") {
            for (i, n) in list.enumerated() {
                let k = "\(key).responses[\(i)]"
                guard let e = r.map(n, k, allowed: ["behaviour", "factor", "ec50", "hill", "max_fold", "when", "source"], required: ["behaviour", "factor", "ec50", "max_fold"]) else { continue }
                let behaviour = r.choice(e["behaviour"], "\(k).behaviour", behaviours)
                guard let resp = response(e, k), let behaviour else { continue }
                switch behaviour {
                case "migration": p.motility.responses.append(resp)
                case "proliferation": p.proliferation.responses.append(resp)
                case "apoptosis": p.apoptosis.responses.append(resp)
                case "recruitment": p.recruitment.responses.append(resp)
                case "polarization": p.polarization.responses.append(resp)
                case "vessel_regression": p.vesselRegression.responses.append(resp)
                default: p.collagenDeposition.responses.append(resp)
                }
            }
        }
        if let list = r.list(m["chemotaxis"], "\(key).chemotaxis") {
            for (i, n) in list.enumerated() {
                let k = "\(key).chemotaxis[\(i)]"
                guard let e = r.map(n, k, allowed: ["factor", "sensitivity"], required: ["factor", "sensitivity"]) else { continue }
                if let f = factorIndex(e["factor"], "\(k).factor"), let chi = r.quantity(e["sensitivity"], "\(k).sensitivity", .sensitivity) {
                    p.chemotaxis.append((f, chi))
                }
            }
        }
        // A secretion entry's own responses: factors at the cell's site that scale its rate
        // (a cytokine inducing a chemokine, a prostaglandin damping a cytokine).
        func secretionResponses(_ node: YNode?, _ k: String) -> [Response] {
            guard let list = r.list(node, "\(k).responses") else { return [] }
            var out: [Response] = []
            for (j, n) in list.enumerated() {
                let kj = "\(k).responses[\(j)]"
                guard let e = r.map(n, kj, allowed: ["factor", "ec50", "hill", "max_fold", "when", "source"], required: ["factor", "ec50", "max_fold"]),
                      let resp = response(e, kj) else { continue }
                out.append(resp)
            }
            return out
        }
        if let list = r.list(m["secretion"], "\(key).secretion") {
            for (i, n) in list.enumerated() {
                let k = "\(key).secretion[\(i)]"
                guard let e = r.map(n, k, allowed: ["factor", "rate", "only_when_migratory", "responses"], required: ["factor", "rate"]) else { continue }
                let responses = secretionResponses(e["responses"], k)
                if let f = factorIndex(e["factor"], "\(k).factor"), let rate = r.quantity(e["rate"], "\(k).rate", .concentrationRate) {
                    p.secretion.append((f, ModulatedRate(basal: rate, responses: responses)))
                }
                if let only = r.bool(e["only_when_migratory"], "\(k).only_when_migratory") { p.secretesOnlyWhenMigratory = only }
            }
        }
        if let rc = r.map(m["recruitment"], "\(key).recruitment", allowed: ["rate", "from", "matrix_inhibition", "source"], required: ["rate"]) {
            p.recruitment.basal = r.quantity(rc["rate"], "\(key).recruitment.rate", .rate) ?? 0
            if let g = r.number(rc["matrix_inhibition"], "\(key).recruitment.matrix_inhibition", min: 0, max: 1) { p.recruitmentMatrixInhibition = g }
            if let from = r.choice(rc["from"], "\(key).recruitment.from", RecruitmentSource.allCases.map(\.rawValue)).flatMap(RecruitmentSource.init(rawValue:)) {
                p.recruitedFrom = from
            }
            if let src = r.source(rc["source"], "\(key).recruitment.source") { sources["\(key).recruitment"] = src }
        }
        if let po = r.map(m["polarization"], "\(key).polarization", allowed: ["rate", "after", "secretion", "source"], required: ["rate"]) {
            p.polarization.basal = r.quantity(po["rate"], "\(key).polarization.rate", .rate) ?? 0
            if po["after"] != nil { p.polarizationAfter = r.quantity(po["after"], "\(key).polarization.after", .time) ?? 0 }
            if let list = r.list(po["secretion"], "\(key).polarization.secretion") {
                for (i, n) in list.enumerated() {
                    let k = "\(key).polarization.secretion[\(i)]"
                    guard let e = r.map(n, k, allowed: ["factor", "rate", "responses"], required: ["factor", "rate"]) else { continue }
                    let responses = secretionResponses(e["responses"], k)
                    if let f = factorIndex(e["factor"], "\(k).factor"), let rate = r.quantity(e["rate"], "\(k).rate", .concentrationRate) {
                        p.repairSecretion.append((f, ModulatedRate(basal: rate, responses: responses)))
                    }
                }
            }
            if let src = r.source(po["source"], "\(key).polarization.source") { sources["\(key).polarization"] = src }
        }
        if let list = r.list(m["uptake"], "\(key).uptake") {
            for (i, n) in list.enumerated() {
                let k = "\(key).uptake[\(i)]"
                guard let e = r.map(n, k, allowed: ["factor", "rate"], required: ["factor", "rate"]) else { continue }
                if let f = factorIndex(e["factor"], "\(k).factor"), let rate = r.quantity(e["rate"], "\(k).rate", .rate) { p.uptake.append((f, rate)) }
            }
        }
        if let src = r.source(m["source"], "\(key).source") { sources[key] = src }
        guard let density else { return nil }
        return CellSetup(parameters: p, density: density)
    }
}
