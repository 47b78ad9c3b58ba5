import Cells
import Fields
import Foundation
import SimCore
import Simulation
import StrictYAML

/// Writes a decoded scenario back as YAML with every value and its unit, in internal units
/// (um, min, ng/mL), for `scenario.resolved.yaml` and `woundsim check`. Values are written as
/// strings with units (Yams would print 0.15 as 1.5e-1).
public enum ScenarioWriter {
    public static func yaml(_ s: Scenario) -> String {
        let m = s.model
        let names = m.factors.map(\.name)
        func q(_ v: Double, _ unit: String) -> String { "\"\(num(v)) \(unit)\"" }
        var out = "# Resolved by woundsim: every value in internal units (um, min, ng/mL).\n"
        out += "name: \(m.name)\n"
        if !s.description.isEmpty { out += "description: \"\(s.description.replacingOccurrences(of: "\"", with: "'"))\"\n" }
        out += "seed: \(m.seed)\n"
        out += "lattice:\n  size: [\(m.nx), \(m.ny)]\n  spacing: \(q(m.spacing, "um"))\n  layers: [\(m.layers.map(\.rawValue).joined(separator: ", "))]\n"
        if m.dermisLayers > 1 { out += "  dermis_layers: \(m.dermisLayers)\n" }
        out += "time:\n  dt: \(q(m.dt, "min"))\n"
        if m.fieldSteps > 1 { out += "  field_dt: \(q(m.fieldDt, "min"))\n" }
        out += "  duration: \(q(m.duration, "min"))\n  output_every: \(q(m.outputEvery, "min"))\n"
        if let v = s.snapshotEvery { out += "  snapshot_every: \(q(v, "min"))\n" }
        if let v = s.checkpointEvery { out += "  checkpoint_every: \(q(v, "min"))\n" }
        out += "wound:\n"
        switch m.wound {
        case let .circle(d): out += "  shape: circle\n  diameter: \(q(d, "um"))\n"
        case let .scratch(w): out += "  shape: scratch\n  width: \(q(w, "um"))\n"
        case let .rectangle(w, h): out += "  shape: rectangle\n  width: \(q(w, "um"))\n  height: \(q(h, "um"))\n"
        case .none: out += "  shape: none\n"
        }
        out += "  center: [\(num(m.woundCentre.x)), \(num(m.woundCentre.y))]\n"
        if m.dermisLayers > 1 {
            if let d = m.woundDepth { out += "  depth: \(q(d, "um"))\n" }
            out += "  profile: \(m.woundProfile.rawValue)\n"
        }
        out += "factors:\n"
        for f in m.factors {
            out += "  \(f.name):\n    diffusion: \(q(f.diffusion, "um^2/min"))\n"
            if let d = f.regionDiffusion[Tissue.woundBed] { out += "    wound_bed_diffusion: \(q(d, "um^2/min"))\n" }
            out += "    decay: \(q(f.decay, "/min"))\n"
            if let m = f.molarMass { out += "    molar_mass: \(q(m, "g/mol"))\n" }
            out += "    initial: \(q(f.initial, "ng/mL"))\n"
            out += "    boundary: {" + Face.allCases.map { face in
                switch f.boundaries[face.rawValue] {
                case .noFlux: return "\(face): no-flux"
                case .periodic: return "\(face): periodic"
                case let .fixed(v): return "\(face): {fixed: \(q(v, "ng/mL"))}"
                }
            }.joined(separator: ", ") + "}\n"
            if let qs = f.quasiSteady {
                out += "    quasi_steady: {every: \(q(qs.every, "min")), vessel_exchange: \(q(qs.vesselExchange, "/min")), blood: \(q(qs.bloodLevel, "ng/mL")), tolerance: \(num(qs.tolerance))}\n"
            }
            if let src = s.sources["factors.\(f.name)"] { out += "    source: \"\(src)\"\n" }
        }
        let sec = m.secretome
        out += "secretome:\n  profile: \(sec.profile)\n  dose: \(num(sec.dose))\n  everywhere: \(sec.everywhere)\n"
        out += "  concentrations: {" + zip(names, sec.concentrations).map { "\($0): \(q($1, "ng/mL"))" }.joined(separator: ", ") + "}\n"
        switch sec.delivery {
        case .bolus: out += "  delivery: {kind: bolus}\n"
        case let .repeated(every, until): out += "  delivery: {kind: repeated, every: \(q(every, "min")), until: \(q(until, "min"))}\n"
        case let .sustained(hl): out += "  delivery: {kind: sustained, half_life: \(q(hl, "min"))}\n"
        }
        if let c = m.culture {
            // The depth as a volume over one square millimetre of dish.
            out += "culture:\n  medium_volume: \(q(c.mediumDepth * 1e6, "um^3"))\n  growth_area: \"1000000 um^2\"\n"
            if let e = c.mediumChangeEvery { out += "  medium_change_every: \(q(e, "min"))\n" }
            if let src = s.sources["culture"] { out += "  source: \"\(src)\"\n" }
        } else {
            if m.injuryHalfLife > 0 {
                out += "injury:\n  levels: {" + zip(names, m.injuryRelease).map { "\($0): \(q($1, "ng/mL"))" }.joined(separator: ", ") + "}\n"
                out += "  half_life: \(q(m.injuryHalfLife, "min"))\n"
            }
            if m.clotHalfLife > 0, !m.clotRelease.isEmpty {
                out += "clot:\n  amounts: {" + zip(names, m.clotRelease).map { "\($0): \(q($1, "ng/mL"))" }.joined(separator: ", ") + "}\n"
                out += "  half_life: \(q(m.clotHalfLife, "min"))\n"
                if m.fibrinHalfLife > 0 { out += "  fibrin_half_life: \(q(m.fibrinHalfLife, "min"))\n" }
                let own = m.clotHalfLives.indices.filter { m.clotHalfLives[$0] > 0 && m.clotHalfLives[$0] != m.clotHalfLife }
                if !own.isEmpty { out += "  half_lives: {" + own.map { "\(names[$0]): \(q(m.clotHalfLives[$0], "min"))" }.joined(separator: ", ") + "}\n" }
                if let src = s.sources["clot"] { out += "  source: \"\(src)\"\n" }
            }
            out += "vessels:\n  spacing: \(q(m.vesselSpacing, "um"))\n"
        }
        if let mc = m.mechanics {
            out += "mechanics:\n  skin_modulus: \(q(mc.skinModulus, "Pa"))\n  granulation_modulus: \(q(mc.granulationModulus, "Pa"))\n"
            out += "  poisson: \(num(mc.poisson))\n  fibroblast_stress: \(q(mc.fibroblastStress, "Pa"))\n"
            out += "  myofibroblast_stress: \(q(mc.myofibroblastStress, "Pa"))\n  wound_remodelling: \(q(mc.woundRemodelling, "/min"))\n"
            out += "  skin_remodelling: \(q(mc.skinRemodelling, "/min"))\n"
            if let r = mc.splintRadius { out += "  splint_radius: \(q(r, "um"))\n" } else { out += "  still_radius: \(q(mc.stillRadius, "um"))\n" }
            out += "  every: \(q(mc.every, "min"))\n  crawl_in_space: \(mc.crawlInSpace)\n"
            if let src = s.sources["mechanics"] { out += "  source: \"\(src)\"\n" }
        }
        let cond = m.condition
        if cond != .normal {
            out += "condition:\n  profile: \(cond.name)\n  production: {" + names.map { "\($0): \(num(cond.production[$0] ?? 1))" }.joined(separator: ", ") + "}\n"
            for kind in CellKind.allCases {
                let k = cond.kinds[kind] ?? .init()
                // The later multipliers only when set, or when the profile sets them (an override
                // back to 1 must survive the reload); a kind without them writes what it did before.
                let own = Condition.profiles[cond.name]?.kinds[kind] ?? .init()
                // A kind added after the first four (neutrophils) only when it is impaired, so that
                // the resolved text of every earlier scenario, and with it the ids of its sweep
                // runs, stays as it was.
                if kind.rawValue > CellKind.macrophage.rawValue, k == .init(), own == .init() { continue }
                func extra(_ name: String, _ field: Swift.KeyPath<Condition.KindImpairment, Double>) -> String {
                    k[keyPath: field] != 1 || own[keyPath: field] != 1 ? ", \(name): \(num(k[keyPath: field]))" : ""
                }
                let more = extra("secretion_response", \Condition.KindImpairment.secretionResponse)
                    + extra("polarization", \Condition.KindImpairment.polarization) + extra("recruitment", \Condition.KindImpairment.recruitment)
                    + extra("apoptosis", \Condition.KindImpairment.apoptosis)
                out += "  \(kind): {migration: \(num(k.migration)), proliferation: \(num(k.proliferation)), secretion: \(num(k.secretion)), response: \(num(k.response))\(more)}\n"
            }
            if !cond.source.isEmpty {
                out += "  source: \"" + cond.source.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"\n"
            }
        }
        out += "cells:\n"
        for c in m.cells {
            let p = c.parameters
            out += "  \(p.kind):\n    density: \(num(c.density))\n"
            out += "    migration:\n      hop_rate: \(q(p.motility.basal, "/min"))\n      requires_activation: \(p.activationRequired)\n      reverts: \(p.revertsWhenUnstimulated)\n"
            if p.cohesion > 0 { out += "      cohesion: \(num(p.cohesion))\n" }
            if p.matrixNeeded > 0 { out += "      matrix_needed: \(num(p.matrixNeeded))\n" }
            if let a = p.activation, a.mode == .graded {
                out += "      activation: graded\n      activated_by: [\(a.factors.map { names[$0] }.joined(separator: ", "))]\n"
                out += "      half_activation: {" + zip(a.factors, a.halfActivation).map { "\(names[$0]): \(q($1, "ng/mL"))" }.joined(separator: ", ") + "}\n"
                out += "      threshold: \(num(a.threshold))\n      hill: \(num(a.hill))\n      response_time: \(q(a.responseTime, "min"))\n"
                if !a.source.isEmpty { out += "      activation_source: \"\(a.source)\"\n" }
            } else if let a = p.activation {
                out += "      activated_by: [\(a.factors.map { names[$0] }.joined(separator: ", "))]\n      threshold: \(q(a.threshold, "ng/mL"))\n      lag: \(q(a.lag, "min"))\n"
                if !a.source.isEmpty { out += "      lag_source: \"\(a.source)\"\n" }
            }
            let gate = p.matrixInhibition > 0 ? ", matrix_inhibition: \(num(p.matrixInhibition))" : ""
            out += "    proliferation: {rate: \(q(p.proliferation.basal, "/min"))\(gate)}\n    apoptosis: {rate: \(q(p.apoptosis.basal, "/min"))\(p.apoptosisOnlyDifferentiated ? ", only_differentiated: true" : "")}\n"
            var responses: [String] = []
            for (behaviour, rate) in [("migration", p.motility), ("proliferation", p.proliferation), ("apoptosis", p.apoptosis), ("collagen", p.collagenDeposition),
                                      ("recruitment", p.recruitment), ("polarization", p.polarization), ("vessel_regression", p.vesselRegression)] {
                for r in rate.responses {
                    var line = "      - {behaviour: \(behaviour), factor: \(names[r.factor]), ec50: \(q(r.ec50, "ng/mL")), hill: \(num(r.hill)), max_fold: \(num(r.maxFold))"
                    if r.below { line += ", when: below" }
                    if !r.source.isEmpty { line += ", source: \"\(r.source)\"" }
                    responses.append(line + "}")
                }
            }
            if !responses.isEmpty { out += "    responses:\n" + responses.joined(separator: "\n") + "\n" }
            if !p.chemotaxis.isEmpty { out += "    chemotaxis: [" + p.chemotaxis.map { "{factor: \(names[$0.factor]), sensitivity: \(q($0.sensitivity, "mL/ng"))}" }.joined(separator: ", ") + "]\n" }
            // A secretion entry's own responses, if any.
            func own(_ rate: ModulatedRate) -> String {
                if rate.responses.isEmpty { return "" }
                return ", responses: [" + rate.responses.map { r in
                    "{factor: \(names[r.factor]), ec50: \(q(r.ec50, "ng/mL")), hill: \(num(r.hill)), max_fold: \(num(r.maxFold))" + (r.below ? ", when: below" : "") + (r.source.isEmpty ? "" : ", source: \"\(r.source)\"") + "}"
                }.joined(separator: ", ") + "]"
            }
            if !p.secretion.isEmpty { out += "    secretion: [" + p.secretion.map { "{factor: \(names[$0.factor]), rate: \(q($0.rate.basal, "ng/mL/min")), only_when_migratory: \(p.secretesOnlyWhenMigratory)\(own($0.rate))}" }.joined(separator: ", ") + "]\n" }
            if !p.uptake.isEmpty { out += "    uptake: [" + p.uptake.map { "{factor: \(names[$0.factor]), rate: \(q($0.rate, "/min"))}" }.joined(separator: ", ") + "]\n" }
            if p.collagenDeposition.basal > 0 { out += "    collagen: {rate: \(q(p.collagenDeposition.basal, "/min"))}\n" }
            if let r = p.differentiationResidence { out += "    differentiation: {residence: \(q(r, "min"))}\n" }
            if p.leavesVesselTrail { out += "    vessel_trail: true\n" }
            if let sp = p.sprouting {
                out += "    sprouting: {tip_spacing: \(q(sp.tipSpacing, "um")), tip_rate: \(q(sp.tipRate, "/min"))"
                if let src = s.sources["cells.\(p.kind).sprouting"] { out += ", source: \"\(src)\"" }
                out += "}\n"
            }
            if p.vesselRegression.basal > 0 || s.sources["cells.\(p.kind).vessel_regression"] != nil {
                out += "    vessel_regression: {rate: \(q(p.vesselRegression.basal, "/min"))"
                if let src = s.sources["cells.\(p.kind).vessel_regression"] { out += ", source: \"\(src)\"" }
                out += "}\n"
            }
            if p.recruitment.basal > 0 || p.recruitedFrom != .vessels || s.sources["cells.\(p.kind).recruitment"] != nil {
                out += "    recruitment: {rate: \(q(p.recruitment.basal, "/min"))"
                if p.recruitedFrom != .vessels { out += ", from: \(p.recruitedFrom.rawValue)" }
                if p.recruitmentMatrixInhibition > 0 { out += ", matrix_inhibition: \(num(p.recruitmentMatrixInhibition))" }
                if let src = s.sources["cells.\(p.kind).recruitment"] { out += ", source: \"\(src)\"" }
                out += "}\n"
            }
            if p.polarization.basal > 0 || p.polarizationAfter > 0 || !p.repairSecretion.isEmpty || s.sources["cells.\(p.kind).polarization"] != nil {
                out += "    polarization:\n      rate: \(q(p.polarization.basal, "/min"))\n"
                if p.polarizationAfter > 0 { out += "      after: \(q(p.polarizationAfter, "min"))\n" }
                if !p.repairSecretion.isEmpty { out += "      secretion: [" + p.repairSecretion.map { "{factor: \(names[$0.factor]), rate: \(q($0.rate.basal, "ng/mL/min"))\(own($0.rate))}" }.joined(separator: ", ") + "]\n" }
                if let src = s.sources["cells.\(p.kind).polarization"] { out += "      source: \"\(src)\"\n" }
            }
        }
        return out
    }

    static func num(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
