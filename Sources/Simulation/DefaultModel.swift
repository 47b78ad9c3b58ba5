/// The secretome profiles that scenarios name (`secretome.profile`), with their sources
/// (PARAMETERS.md). This table is the only place these levels are written; every other default of
/// the wound model (the factors' diffusion, decay and molar mass included) lives in the bundled
/// scenario files (`Scenarios/excisional-wound-control.yaml`), next to its citation, so that each
/// value has one source. Tags: [seen] read in the source, [lit] a standard literature value,
/// [derived] computed from others, [assumption] a modelling choice of this project.
public enum DefaultModel {
    /// The factors a profile gives levels for, in the order of `profiles`.
    public static let profileFactors = ["EGF", "bFGF", "VEGF", "HGF"]

    /// Conditioned-medium profiles [ng/mL] in the order of `profileFactors`.
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
        profiles.mapValues { Dictionary(uniqueKeysWithValues: zip(profileFactors, $0.concentrations)) }
    }
}
