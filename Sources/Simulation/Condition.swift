import Cells

/// The host a wound is made in: a named impairment profile (`condition:` in a scenario). The
/// scenario's cell and factor values are those of a normal young mouse; a condition multiplies
/// them, each multiplier cited (PARAMETERS.md "Wound conditions"). Applied once, when a `World`
/// is built (`ModelConfig.conditioned()`), so that a scenario, a `--set` or a sweep changes the
/// normal value and the condition still scales it, and the resolved scenario keeps both.
public struct Condition: Sendable, Equatable {
    /// What a condition does to one cell kind: multipliers of its normal values, each >= 0.
    public struct KindImpairment: Sendable, Equatable {
        /// Basal migration speed (the hop rate) [dimensionless multiplier].
        public var migration: Double = 1
        /// Basal division rate (1 / doubling time) [dimensionless multiplier].
        public var proliferation: Double = 1
        /// Every secretion rate of the kind [dimensionless multiplier].
        public var secretion: Double = 1
        /// Responsiveness: the excess fold (max_fold - 1) of every migration and proliferation
        /// response [dimensionless multiplier]; 0 makes the kind deaf to its factors.
        public var response: Double = 1
        /// Responsiveness of secretion: the excess fold (max_fold - 1) of every secretion response
        /// (both states' lists) [dimensionless multiplier]; 0 keeps each secretion at its basal rate
        /// whatever the factors do (db/db fibroblasts' VEGF does not rise in hypoxia).
        public var secretionResponse: Double = 1
        /// Basal rate of the one-way switch to the pro-repair state (macrophages) [dimensionless
        /// multiplier]; below 1 holds the kind pro-inflammatory longer.
        public var polarization: Double = 1
        /// Basal recruitment per source site (macrophages at vessel sites, fibroblasts from below the
        /// wound bed) [dimensionless multiplier].
        public var recruitment: Double = 1
        /// Basal death rate (1 / life span in the tissue) [dimensionless multiplier]; below 1 keeps
        /// the kind longer (a neutrophil's delayed apoptosis). Factor responses of the death rate
        /// are the cell's and stay as they are.
        public var apoptosis: Double = 1

        public init(migration: Double = 1, proliferation: Double = 1, secretion: Double = 1, response: Double = 1,
                    polarization: Double = 1, recruitment: Double = 1, secretionResponse: Double = 1, apoptosis: Double = 1) {
            self.migration = migration; self.proliferation = proliferation; self.secretion = secretion; self.response = response
            self.polarization = polarization; self.recruitment = recruitment; self.secretionResponse = secretionResponse
            self.apoptosis = apoptosis
        }
        public var isNeutral: Bool {
            migration == 1 && proliferation == 1 && secretion == 1 && response == 1 && polarization == 1 && recruitment == 1
                && secretionResponse == 1 && apoptosis == 1
        }
    }

    /// The profile's name, as scenarios write it (`normal`, `diabetic`, `aged`).
    public var name: String
    /// The wound's own production of a factor, by factor name [dimensionless multiplier]: scales
    /// the factor's `injury` release and every kind's secretion of it. A factor not listed, or not
    /// in the scenario, is unchanged.
    public var production: [String: Double] = [:]
    /// Impairments by kind; a kind not listed is unimpaired.
    public var kinds: [CellKind: KindImpairment] = [:]
    /// Where the multipliers come from.
    public var source: String = ""

    public init(name: String, production: [String: Double] = [:], kinds: [CellKind: KindImpairment] = [:], source: String = "") {
        self.name = name; self.production = production; self.kinds = kinds; self.source = source
    }

    public var isNeutral: Bool { production.values.allSatisfy { $0 == 1 } && kinds.values.allSatisfy(\.isNeutral) }

    /// Equal when the name, the source and every multiplier agree (a multiplier of 1 written out
    /// equals one left out).
    public static func == (a: Condition, b: Condition) -> Bool {
        a.name == b.name && a.source == b.source
            && Set(a.production.keys).union(b.production.keys).allSatisfy { (a.production[$0] ?? 1) == (b.production[$0] ?? 1) }
            && CellKind.allCases.allSatisfy { (a.kinds[$0] ?? .init()) == (b.kinds[$0] ?? .init()) }
    }

    /// No impairment.
    public static let normal = Condition(name: "normal", source: "the scenario's values")

    /// Type 2 diabetic db/db mouse (BKS.Cg-Lepr^db). Only impairments measured in diabetic cells
    /// or wounds with a number, or derived from one (tagged), are given; the others stay 1 (not known, not assumed): wound VEGF,
    /// PDGF and EGF-receptor expression are lower in db/db wounds (Frank 1995 J Biol Chem
    /// 270:12607; Beer 1997 J Invest Dermatol 109:132; Okonkwo 2020 PLoS One 15:e0231962) but no
    /// ratio was found, and splinted db/db wounds re-epithelialise at the normal rate (Michaels
    /// 2007 Wound Repair Regen 15:665; unsplinted: Tkalcevic 2009 Toxicol Pathol 37:183), so
    /// keratinocyte migration is unchanged; their delay is in the wound bed (less granulation
    /// tissue, less proliferation: Michaels 2007), which the fibroblasts' slower influx carries. Not included because
    /// no number was found: the prolonged pro-inflammatory state of db/db wound macrophages (Mirza
    /// 2013 Diabetes 62:2579, qualitative; `condition.macrophage.polarization` expresses it) and
    /// the impaired contraction (issue 14).
    public static let diabetic = Condition(
        name: "diabetic",
        kinds: [
            // Lerman 2003 Am J Pathol 162:303 [seen]: db/db dermal fibroblasts migrate 75 % less
            // (0.25x) and make 0.13x the VEGF of wild type (4.5 vs 34.8 pg/mL), which hypoxia does
            // not raise (wild type: 3x; so no secretion response). The influx into the wound bed
            // is fascia fibroblasts migrating up (Correa-Gallegos 2019 Nature 576:287; Jiang 2020
            // Nat Commun 11:5653), so it takes the same 0.25x [derived: a migration assay's ratio
            // applied to an in-vivo migration]. Proliferation: 0.57-0.60x DNA content in
            // fibroblasts of type 2 diabetic GK rats (Hehenberger 1999 Wound Repair Regen 7:65
            // [seen]; a rat model, not db/db).
            .fibroblast: KindImpairment(migration: 0.25, proliferation: 0.6, secretion: 0.13, recruitment: 0.25, secretionResponse: 0),
            // Keratinocytes in high glucose: doubling 5.43 d vs 3.65 d (0.67x; Int Wound J 2005
            // 2:298 [seen]).
            .keratinocyte: KindImpairment(proliferation: 0.67),
        ],
        source: "Lerman 2003 Am J Pathol 162:303 (the fibroblasts' influx derived from it); Hehenberger 1999 Wound Repair Regen 7:65 (GK rat); Int Wound J 2005 2:298 [seen]")

    /// Aged mouse (about 2 years against 2-8 months). Soft: reports disagree on whether and how
    /// much aged mice heal slower (PARAMETERS.md "Wound conditions"). From PVA sponges implanted
    /// under the skin of 23-25 against 6-8 month old mice at day 14 (Sadoun & Reed 2003 J
    /// Histochem Cytochem 51:1119 [seen]): angiogenic invasion 0.47x (9.0 vs 19.0 % area) as the
    /// endothelial migration, VEGF expression 0.33x (0.63 vs 1.92) as the wound's VEGF production.
    public static let aged = Condition(
        name: "aged",
        production: ["VEGF": 0.33],
        kinds: [.endothelial: KindImpairment(migration: 0.47)],
        source: "Sadoun & Reed 2003 J Histochem Cytochem 51:1119 [seen]; soft")

    /// The bundled profiles by name.
    public static let profiles: [String: Condition] = ["normal": .normal, "diabetic": .diabetic, "aged": .aged]
}

extension ModelConfig {
    /// The configuration with its condition's multipliers applied and its condition then normal
    /// (itself when the condition is neutral): each factor's injury release and secretion scaled by its `production`, each
    /// kind's basal migration, division, switch, recruitment and death rates, secretion rates and the
    /// response folds of its migration, division and secretion by its impairment.
    public func conditioned() -> ModelConfig {
        guard !condition.isNeutral else { return self }
        var m = self
        m.condition = .normal  // applied: applying again changes nothing
        let production = factors.map { condition.production[$0.name] ?? 1 }
        m.injuryRelease = zip(injuryRelease, production).map { $0 * $1 }
        m.clotRelease = zip(clotRelease, production).map { $0 * $1 }
        for (i, setup) in cells.enumerated() {
            let k = condition.kinds[setup.parameters.kind] ?? .init()
            var p = setup.parameters
            func weaker(_ r: ModulatedRate, _ by: Double) -> ModulatedRate {
                guard by != 1 else { return r }  // (x - 1) + 1 need not be x in floating point
                var r = r
                // An inhibition (max_fold < 1) made stronger stops at 0, not below.
                r.responses = r.responses.map { var x = $0; x.maxFold = Swift.max(0, 1 + (x.maxFold - 1) * by); return x }
                return r
            }
            p.motility = weaker(p.motility, k.response); p.motility.basal *= k.migration
            p.proliferation = weaker(p.proliferation, k.response); p.proliferation.basal *= k.proliferation
            p.polarization.basal *= k.polarization
            p.recruitment.basal *= k.recruitment
            p.apoptosis.basal *= k.apoptosis
            func secreted(_ s: (factor: Int, rate: ModulatedRate)) -> (factor: Int, rate: ModulatedRate) {
                var r = weaker(s.rate, k.secretionResponse); r.basal *= k.secretion * production[s.factor]; return (s.factor, r)
            }
            p.secretion = p.secretion.map(secreted)
            p.repairSecretion = p.repairSecretion.map(secreted)
            m.cells[i].parameters = p
        }
        return m
    }
}
