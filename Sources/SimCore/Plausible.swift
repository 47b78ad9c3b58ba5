/// The plausible range of each kind of quantity, for warnings about values that are most often a
/// wrong unit.
extension QuantityKind {
    /// Values of this kind that a wound model can plausibly hold, in internal units; nil for
    /// kinds without a natural scale. A value outside is accepted with a warning (it is most
    /// often a wrong unit, `60 m^2/s` for `60 um^2/s`). [assumption] Each range spans the cited
    /// values of PARAMETERS.md and of the measurements they come from by about 100x either way:
    /// lengths from a sub-micrometre mesh to a 10 cm wound; times from 1 s to a year; cell
    /// speeds up to 1 mm/h (keratinocytes crawl at 20-60 um/h); diffusivities from 0.01 um^2/s
    /// (matrix-bound proteins) to 1e5 um^2/s (oxygen in water is 3e3 um^2/s); rates up to 10 /s;
    /// concentrations up to 100 mg/mL (plasma albumin, 40 mg/mL); molar masses from 10 Da to
    /// 10 MDa. A zero is always plausible (no decay, no uptake).
    public var plausible: ClosedRange<Double>? {
        switch self {
        case .length: return 0.1...1e5                 // um
        case .time: return (1.0 / 60)...(525_600)      // min
        case .speed: return 1e-4...(1000.0 / 60)       // um/min: 0.006 um/h to 1 mm/h
        case .diffusivity: return 0.6...6e6            // um^2/min: 0.01 to 1e5 um^2/s
        case .rate: return 1e-8...600                  // 1/min: once in 190 years to 10 /s
        case .concentration: return 1e-6...1e8         // ng/mL: 1 fg/mL to 100 mg/mL
        case .molarMass: return 10...1e7               // g/mol
        case .volume: return 1e6...1e15                // um^3: 1 nL to 1 L of medium
        case .area: return 1e4...1e10                  // um^2: 0.01 mm^2 to 100 cm^2 of dish
        case .pressure: return 0.1...1e9               // Pa: a single cell's pull to bone
        case .concentrationRate, .sensitivity, .dimensionless: return nil
        }
    }

    /// `plausible` as a reader would write it.
    public var plausibleText: String {
        switch self {
        case .length: return "0.1 um to 10 cm"
        case .time: return "1 s to 1 year"
        case .speed: return "0.006 um/h to 1 mm/h"
        case .diffusivity: return "0.01 to 1e5 um^2/s"
        case .rate: return "1 per 190 years to 10 /s"
        case .concentration: return "1 fg/mL to 100 mg/mL"
        case .molarMass: return "10 Da to 10 MDa"
        case .volume: return "1 nL to 1 L"
        case .area: return "0.01 mm^2 to 100 cm^2"
        case .pressure: return "0.1 Pa to 1 GPa"
        case .concentrationRate, .sensitivity, .dimensionless: return "any"
        }
    }
}
