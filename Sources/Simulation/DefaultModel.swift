/// The secretome profiles that scenarios name (`secretome.profile`), with their sources
/// (PARAMETERS.md). This table is the only place these levels are written; every other default of
/// the wound model (the factors' diffusion, decay and molar mass included) lives in the bundled
/// scenario files (`Scenarios/excisional-wound-control.yaml`), next to its citation, so that each
/// value has one source. Tags: [seen] read in the source, [lit] a standard literature value,
/// [derived] computed from others, [assumption] a modelling choice of this project.
public enum DefaultModel {
    /// The factors a profile gives levels for, in the order of `profiles`. A scenario takes the
    /// levels of the factors its table holds (the injury-plateau wounds hold the first four only).
    /// TGF-beta1 and PGE2 are the medium's anti-inflammatory component (PARAMETERS.md "Conditioned
    /// medium"): both speed the macrophages' switch to the pro-repair state, PGE2 also lowers
    /// their TNF.
    public static let profileFactors = ["EGF", "bFGF", "VEGF", "HGF", "TGFb1", "PGE2"]

    /// Conditioned-medium profiles [ng/mL] in the order of `profileFactors`. TGF-beta1: total
    /// TGF-beta by ELISA, a tenth taken as active, as the clot's [assumption]. PGE2: about 0.1-1
    /// ng/mL in monolayer MSC medium and single-digit ng/mL in spheroid medium [lit, values not
    /// seen], "markedly elevated" in spheroid medium (Ylostalo 2012 Stem Cells 30:2283 [seen]).
    public static let profiles: [String: (concentrations: [Double], note: String)] = [
        "control": ([0, 0, 0, 0, 0, 0], "plain medium"),
        "asc-monolayer": ([0.1, 0.1, 0.3, 1.2, 0.012, 0.5], "VEGF, HGF, TGF-beta from Rehman 2004 per 1e6 cells in 10 mL [derived], a tenth of the TGF-beta active [assumption]; EGF, bFGF mid working range [lit]; PGE2 0.1-1 ng/mL [lit]; rough"),
        "asc-hypoxic": ([0.29, 0.1, 0.79, 1.2, 0.063, 0.5], "EGF 0.29, VEGF 0.79, TGF-beta 0.63 by ELISA [seen], a tenth active [assumption]; bFGF [lit], HGF and PGE2 as monolayer; rough"),
        "asc-spheroid": ([0.1, 2.0, 6.0, 24.0, 0.012, 5.0], "VEGF, bFGF, HGF 20x monolayer, the low end of 20-145x (J Surg Res 2015, PMID 25475020 [seen]); PGE2 10x, markedly elevated (Ylostalo 2012 [seen]; value [lit]); TGF-beta as monolayer (not measured); rough"),
        "bm-msc": ([0.1, 0.1, 0.6, 1.2, 0.012, 0.5], "higher VEGF-A than adipose (Du 2016; Hsiao 2012 [qualitative]): 2x assumed; TGF-beta, PGE2 as adipose monolayer; rough"),
        "placental-msc": ([0.1, 0.2, 0.3, 2.4, 0.012, 0.5], "higher HGF and bFGF (Du 2016; Hsiao 2012 [qualitative]): 2x assumed; TGF-beta, PGE2 as adipose monolayer; rough"),
    ]

    /// The profiles by factor name [ng/mL], for scenarios whose factor list differs.
    public static var profileLevels: [String: [String: Double]] {
        profiles.mapValues { Dictionary(uniqueKeysWithValues: zip(profileFactors, $0.concentrations)) }
    }
}
