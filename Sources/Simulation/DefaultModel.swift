import Cells
import Foundation
import Fields
import SimCore

/// Default values of the wound model, each with its source (PARAMETERS.md). Tags: [seen] read
/// in the source, [lit] a standard literature value, [derived] computed from others,
/// [assumption] a modelling choice of this project with no measurement behind it, and
/// [retracted] from a retracted paper: a prior to vary in sweeps, never a fact.
public enum DefaultModel {
    /// Factor indices of `DefaultFactors.all`.
    public static let egf = 0, bFGF = 1, vegf = 2, hgf = 3
    static let h = 20.0  // um, the bundled spacing

    /// Hops per minute of a lattice walk with the diffusivity of a persistent walker of speed S
    /// [um/h] and persistence time P [h]: D = S^2 P / d (PARAMETERS.md, d = 2), and a walk
    /// hopping at rate q has D = q h^2 / 4, so q = 2 S^2 P / h^2.
    static func hops(speed: Double, persistence: Double) -> Double { 2 * speed * speed * persistence / (h * h) / 60 }
    /// Rate [1/min] of a doubling time [h].
    static func doubling(_ hours: Double) -> Double { log(2) / (hours * 60) }

    /// Keratinocytes: basal layer, one per epidermis site at h = 20 um (PARAMETERS: ~1e4 /mm^2
    /// [derived], coarse-grained to one cell per 400 um^2 site).
    public static func keratinocyte() -> CellSetup {
        var p = KindParameters(
            kind: .keratinocyte,
            // ~60 um/h single cell with factors (Fang 1998 [seen]); persistence 0.5 h [assumption].
            motility: .init(basal: hops(speed: 60, persistence: 0.5), responses: [
                Response(factor: egf, ec50: 0.5, maxFold: 2, source: "O'Keefe 1982 Kd ~1 nM [seen]; EC50 0.1-1 ng/mL"),
                Response(factor: hgf, ec50: 5, maxFold: 1.5, source: "[lit] EC50 1-10 ng/mL"),
            ]),
            // Doubling 24 h (24-48 h [lit]); EGF speeds colony growth (Barrandon & Green 1987 [seen]).
            proliferation: .init(basal: doubling(24), responses: [
                Response(factor: egf, ec50: 0.5, maxFold: 3, source: "Barrandon & Green 1987 [seen]; EC50 [lit]"),
            ]),
            activation: ActivationRule(factors: [egf, hgf], threshold: 0.05, lag: 24 * 60,
                                       source: "Hu 2013 Exp Ther Med 5:701 [retracted]: 24 h lag is a prior"),
            secretion: [(vegf, ModulatedRate(basal: 1e-3))],  // stimulated keratinocytes secrete VEGF [assumption: rate]
            uptake: [(egf, 1e-3), (hgf, 1e-3)]                // receptor-mediated uptake [assumption]
        )
        p.secretesOnlyWhenMigratory = true
        // Once migrating, the sheet keeps going (loss of contact inhibition at the free edge,
        // autocrine signals) [assumption].
        p.revertsWhenUnstimulated = false
        return CellSetup(parameters: p, density: 1)
    }

    /// Fibroblasts: 2,100-4,100 /mm^3 mid-dermis [seen] is 0.017-0.033 per 8,000 um^3 site.
    public static func fibroblast() -> CellSetup {
        var p = KindParameters(
            kind: .fibroblast,
            // 30 um/h (20-60 in 2-D, 5-20 in 3-D collagen [lit]), persistence 1 h (1-3 h [lit]).
            motility: .init(basal: hops(speed: 30, persistence: 1), responses: [
                Response(factor: bFGF, ec50: 0.5, maxFold: 3, source: "[lit] EC50 0.1-1 ng/mL; review's claim partly from Zhao 2013 [retracted]"),
            ]),
            proliferation: .init(basal: doubling(36), responses: [
                Response(factor: bFGF, ec50: 0.5, maxFold: 3, source: "[lit]"),
                Response(factor: egf, ec50: 0.5, maxFold: 1.5, source: "Zhao 2013 BioMed Res Int [retracted]"),
            ]),
            activation: ActivationRule(factors: [bFGF, egf], threshold: 0.05, lag: 12 * 60,
                                       source: "Hu 2013 [retracted]: 12 h lag is a prior"),
            differentiationResidence: 5 * 24 * 60,  // myofibroblasts after ~5 days in the wound [assumption]
            collagenDeposition: .init(basal: 1.0 / (7 * 24 * 60)),  // a site filled in ~7 days [assumption]
            uptake: [(bFGF, 1e-3)]
        )
        p.revertsWhenUnstimulated = true  // quiescent again once the factors fade [assumption]
        return CellSetup(parameters: p, density: 0.025)
    }

    /// Endothelial cells line the vessels of intact dermis.
    public static func endothelial() -> CellSetup {
        var p = KindParameters(
            kind: .endothelial,
            // 30 um/h (20-40 [lit]), persistence 1 h (2-5 h, Stokes 1991 [lit]; shortened so that
            // the hop probability stays below 1 at dt = 2 min).
            motility: .init(basal: hops(speed: 30, persistence: 1), responses: [
                Response(factor: vegf, ec50: 3, maxFold: 2, source: "[lit] 1-6 ng/mL; tip activation ~3 ng/mL (Song & Finley 2022 [seen])"),
                Response(factor: hgf, ec50: 5, maxFold: 1.5, source: "Cai 2007 Stem Cells 25:3234 [lit]"),
            ]),
            chemotaxis: [(vegf, 2.0)],  // mL/ng [assumption]
            proliferation: .init(basal: doubling(48), responses: [
                Response(factor: vegf, ec50: 3, maxFold: 2.5, source: "[lit]"),
                Response(factor: hgf, ec50: 5, maxFold: 2.5, source: "Cai 2007 [lit]"),
            ]),
            activation: ActivationRule(factors: [vegf, hgf], threshold: 0.05, lag: 4 * 60,
                                       source: "Hu 2013 [retracted]: 4 h lag is a prior"),
            uptake: [(vegf, 1e-3), (hgf, 1e-3)]
        )
        p.leavesVesselTrail = true
        p.revertsWhenUnstimulated = true  // [assumption]
        return CellSetup(parameters: p, density: 1)
    }

    /// Conditioned-medium profiles [ng/mL] in factor order EGF, bFGF, VEGF, HGF.
    public static let profiles: [String: (concentrations: [Double], note: String)] = [
        "control": ([0, 0, 0, 0], "plain medium"),
        "asc-monolayer": ([0.1, 0.1, 0.3, 1.2], "VEGF, HGF from Rehman 2004 per 1e6 cells in 10 mL [derived]; EGF, bFGF mid working range [lit]; rough"),
        "asc-hypoxic": ([0.29, 0.1, 0.79, 1.2], "EGF 0.29, VEGF 0.79 by ELISA [seen]; bFGF [lit], HGF as monolayer; rough"),
        "asc-spheroid": ([0.1, 2.0, 6.0, 24.0], "VEGF, bFGF, HGF 20x monolayer, the low end of 20-145x (J Surg Res 2015, PMID 25475020 [seen]); rough"),
        "bm-msc": ([0.1, 0.1, 0.6, 1.2], "higher VEGF-A than adipose (Du 2016; Hsiao 2012 [qualitative]): 2x assumed; rough"),
        "placental-msc": ([0.1, 0.2, 0.3, 2.4], "higher HGF and bFGF (Du 2016; Hsiao 2012 [qualitative]): 2x assumed; rough"),
    ]

    /// The profiles by factor name [ng/mL], for scenarios whose factor list differs.
    public static var profileLevels: [String: [String: Double]] {
        let names = DefaultFactors.all.map(\.name)
        return profiles.mapValues { Dictionary(uniqueKeysWithValues: zip(names, $0.concentrations)) }
    }

    /// A profile with one factor removed (as in HGF knock-down experiments, Cai 2007).
    public static func depleted(_ profile: [Double], factor: Int) -> [Double] {
        var p = profile
        p[factor] = 0
        return p
    }

    /// Endogenous production in a fresh wound (platelet degranulation, then macrophages) at the
    /// levels EGF 1, bFGF 0.5, VEGF 1, HGF 1 ng/mL (wound-fluid order of magnitude), fading with
    /// a 72 h half-life [assumption], so that an untreated wound heals too.
    public static let injuryRelease = [1.0, 0.5, 1.0, 1.0]
    public static let injuryHalfLife = 72.0 * 60

    /// A 6 mm excisional mouse wound on 10 x 10 mm of skin (500 x 500 sites of 20 um, dermis and
    /// epidermis), 14 days, conditioned medium every 24 h for 7 days (DESIGN.md sketch).
    public static func excisionalWound(name: String, profile: String, concentrations: [Double]? = nil, dose: Double = 10,
                                       days: Double = 14, size: Int = 500, dt: Double = 2, seed: UInt64 = 1) -> ModelConfig {
        let c = concentrations ?? profiles[profile]!.concentrations
        return ModelConfig(
            name: name, seed: seed, nx: size, ny: size, spacing: h, layers: [.dermis, .epidermis],
            dt: dt, duration: days * 24 * 60, outputEvery: 6 * 60,
            wound: .circle(diameter: 6000 * Double(size) / 500), woundCentre: (0.5, 0.5),
            factors: DefaultFactors.all,
            secretome: Secretome(profile: profile, concentrations: c, dose: dose, delivery: .repeated(every: 24 * 60, until: 7 * 24 * 60)),
            injuryRelease: injuryRelease, injuryHalfLife: injuryHalfLife, vesselSpacing: 500,
            cells: [keratinocyte(), fibroblast(), endothelial()])
    }

    /// Keratinocyte monolayer with a 500 um scratch (in vitro), 48 h, medium everywhere.
    public static func scratchAssay(name: String, profile: String, dose: Double = 1, dt: Double = 2, seed: UInt64 = 1) -> ModelConfig {
        ModelConfig(
            name: name, seed: seed, nx: 150, ny: 100, spacing: h, layers: [.epidermis],
            dt: dt, duration: 48 * 60, outputEvery: 2 * 60,
            wound: .scratch(width: 500), woundCentre: (0.5, 0.5),
            factors: DefaultFactors.all,
            secretome: Secretome(profile: profile, concentrations: profiles[profile]!.concentrations, dose: dose, delivery: .bolus, everywhere: true),
            injuryRelease: injuryRelease, injuryHalfLife: injuryHalfLife, vesselSpacing: 0,
            cells: [keratinocyte()])
    }
}
