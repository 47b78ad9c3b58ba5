import Cells
import Foundation
import StrictYAML

/// The reference of every key a scenario may set (`woundsim keys`): what it takes, what it
/// means, its default (the value in the bundled base scenario) and that value's source. The
/// keys and their types come from the decoder itself (every read it makes, over the bundled
/// scenarios and a few variants that reach the optional branches), so the list cannot drift
/// from what a scenario file accepts; only the meanings are written here, and
/// `ScenarioTests.testEveryKeyHasAMeaning` fails when a key lacks one.
public enum KeyReference {
    public struct Entry: Sendable {
        /// As `--set` takes it; list entries as `[i]` (`cells.keratinocyte.responses[i].ec50`).
        public var key: String
        /// What it takes: a quantity kind with an example, a number, a choice.
        public var type: String
        public var meaning: String
        /// The value in the bundled base scenario (list entries: each entry's value with its
        /// selector), or "" when the base does not set it.
        public var defaults: [String]
        /// The default's source (its `source:` or the comment on its line).
        public var source: String
    }

    /// The base scenario the defaults come from.
    public static let base = "excisional-wound-control"

    /// Every key, sorted; those starting with `prefix` when one is given.
    public static func entries(prefix: String = "") -> [Entry] {
        var types: [String: String] = [:]
        func hear(_ key: String, _ type: String) {
            let k = key.replacingOccurrences(of: #"\[[0-9]+\]"#, with: "[i]", options: .regularExpression)
            if types[k] == nil { types[k] = type }
        }
        for tree in probeTrees() { _ = try? ScenarioDecoder.decode(tree, schema: hear) }
        let baseTree = (try? ScenarioLoader.load(base).tree)
        let baseText = ScenarioLoader.bundledText(base) ?? ""
        // A list of plain values is one key (`lattice.size`), not one per element.
        let elements = Set(types.keys.filter { $0.hasSuffix("[i]") && types[String($0.dropLast(3))] == "list" })
        return types.keys.sorted().filter { $0.hasPrefix(prefix) && !$0.hasSuffix(".source") && !$0.hasSuffix(".lag_source") && $0 != "name" && $0 != "description"
            && !elements.contains($0) }.map { key in
            let (values, source) = baseTree.map { defaults(key, in: $0, text: baseText) } ?? ([], "")
            return Entry(key: key, type: types[key]!, meaning: meaning(key) ?? "", defaults: values, source: source)
        }
    }

    /// The bundled scenarios, and variants of the base that reach the branches none of them
    /// takes (other wound shapes and deliveries, the optional cell behaviours).
    static func probeTrees() -> [YNode] {
        var trees: [YNode] = []
        for name in ScenarioLoader.bundledNames { if let t = try? ScenarioLoader.load(name).tree { trees.append(t) } }
        let variants: [[String]] = [
            ["wound={shape: rectangle, width: \"1 mm\", height: \"1 mm\", center: [0.5, 0.5]}"],
            ["wound={shape: scratch, width: \"1 mm\"}"],
            ["secretome.delivery={kind: sustained, half_life: \"1 d\"}", "secretome.concentrations={EGF: \"1 ng/mL\"}", "secretome.deplete=[EGF]"],
            ["secretome.delivery={kind: bolus}"],
            ["condition=aged"],
            ["clot={amounts: {EGF: \"1 ng/mL\"}, half_life: \"6 h\", half_lives: {EGF: \"2 d\"}, fibrin_half_life: \"3 d\", source: \"probe\"}",
             "cells.keratinocyte.migration.matrix_needed=0.5"],
            ["condition={profile: diabetic, production: {EGF: 1}, source: \"probe\", keratinocyte: {migration: 1, proliferation: 1, secretion: 1, response: 1}}"],
            ["cells.fibroblast.proliferation={rate: \"0.01 /h\"}", "cells.fibroblast.migration={hop_rate: \"0.1 /min\", requires_activation: false}",
             "cells.fibroblast.chemotaxis=[{factor: EGF, sensitivity: \"1 mL/ng\"}]", "cells.fibroblast.differentiation={residence: \"1 d\"}",
             "cells.fibroblast.collagen={rate: \"0.01 /h\"}", "cells.fibroblast.recruitment={rate: \"0.001 /h\", from: wound_bed, matrix_inhibition: 1, source: \"probe\"}", "cells.fibroblast.vessel_trail=false", "cells.endothelial.vessel_regression={rate: \"0.1 /d\", source: \"probe\"}", "cells.endothelial.sprouting={tip_spacing: \"40 um\", tip_rate: \"0.25 /h\", source: \"probe\"}", "cells.fibroblast.apoptosis={rate: \"0.001 /h\"}", "cells.fibroblast.apoptosis={rate: \"0.1 /d\", only_differentiated: true}",
             "cells.fibroblast.secretion=[{factor: EGF, rate: \"0.01 ng/mL/h\", only_when_migratory: true}]", "cells.fibroblast.uptake=[{factor: EGF, rate: \"0.01 /h\"}]",
             "factors.EGF.wound_bed_diffusion=\"10 um^2/s\"", "factors.EGF.initial=\"0 ng/mL\"",
             "factors.EGF.boundary={x_low: no-flux, x_high: {fixed: \"0 ng/mL\"}, y_low: no-flux, y_high: no-flux}"],
            ["cells.macrophage={density: 0, migration: {hop_rate: \"0.1 /min\", requires_activation: false}, apoptosis: {rate: \"0.01 /h\"}, recruitment: {rate: \"0.001 /h\", source: \"probe\"}, polarization: {rate: \"0.02 /h\", after: \"1 h\", secretion: [{factor: VEGF, rate: \"0.01 ng/mL/h\", responses: [{factor: HGF, ec50: \"1 ng/mL\", hill: 1, max_fold: 2, source: \"probe\"}]}], source: \"probe\"}, secretion: [{factor: EGF, rate: \"0.01 ng/mL/h\", only_when_migratory: false, responses: [{factor: VEGF, ec50: \"1 ng/mL\", hill: 2, max_fold: 0.5, source: \"probe\"}]}], responses: [{behaviour: recruitment, factor: EGF, ec50: \"1 ng/mL\", max_fold: 10}, {behaviour: polarization, factor: HGF, ec50: \"1 ng/mL\", max_fold: 3}]}",
             "condition={macrophage: {polarization: 0.5, recruitment: 2}}"],
            // Neutrophils (only the bundled priors have them): the keys a scenario gives them,
            // and a condition's death-rate multiplier.
            ["cells.neutrophil={density: 0, migration: {hop_rate: \"0.2 /min\", requires_activation: false}, apoptosis: {rate: \"1 /d\"}, recruitment: {rate: \"0.001 /h\", source: \"probe\"}, chemotaxis: [{factor: EGF, sensitivity: \"1 mL/ng\"}], secretion: [{factor: EGF, rate: \"0.01 ng/mL/h\", only_when_migratory: false}], uptake: [{factor: EGF, rate: \"0.01 /h\"}], responses: [{behaviour: recruitment, factor: EGF, ec50: \"1 ng/mL\", max_fold: 10}]}",
             "condition={neutrophil: {migration: 1, proliferation: 1, secretion: 1, response: 1, recruitment: 2, apoptosis: 0.5}}"],
            ["mechanics={skin_modulus: \"1 kPa\", granulation_modulus: \"18 kPa\", poisson: 0.4, fibroblast_stress: \"175 Pa\", myofibroblast_stress: \"350 Pa\", wound_remodelling: \"4 /d\", skin_remodelling: \"0.1 /d\", still_radius: \"15 mm\", every: \"2 h\", crawl_in_space: false, source: \"probe\"}"],
        ]
        for sets in variants { if let t = try? ScenarioLoader.load(base, sets: sets).tree { trees.append(t) } }
        return trees
    }

    /// The base scenario's values at `key` and their source.
    static func defaults(_ key: String, in tree: YNode, text: String) -> ([String], String) {
        let parts = key.split(separator: ".").map(String.init)
        var nodes: [(YNode, String)] = [(tree, "")]
        var parents: [YNode] = []
        for part in parts {
            let isList = part.hasSuffix("[i]")
            let name = isList ? String(part.dropLast(3)) : part
            parents = nodes.map(\.0)
            nodes = nodes.flatMap { node, label -> [(YNode, String)] in
                guard let child = node[name] else { return [] }
                guard isList, case let .list(items) = child.value else { return [(child, label)] }
                return items.map { item in
                    // A list entry's value is shown with its selector and its own source.
                    var text = Overrides.selector(item, index: nil)
                    if case let .scalar(src, _)? = item["source"]?.value { text += " (\(src))" }
                    return (item, text)
                }
            }
        }
        let values = nodes.compactMap { node, label -> String? in
            switch node.value {
            case let .scalar(v, _): return label.isEmpty ? v : "\(v) \(label)"
            case let .list(items):
                let scalars = items.compactMap { if case let .scalar(v, _) = $0.value { return v } else { return nil } }
                return scalars.count == items.count ? "[" + scalars.joined(separator: ", ") + "]" : "\(items.count) entries"
            default: return nil
            }
        }
        if parts.contains(where: { $0.hasSuffix("[i]") }) { return (values, "") }
        // The source: the comment on the value's line, else the mapping's `source:` (or `lag_source:` for a lag).
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var source = ""
        if let first = nodes.first?.0, first.location.file.hasPrefix("[bundled] \(base)"), first.location.line > 0, first.location.line <= lines.count {
            source = comment(String(lines[first.location.line - 1]))
        }
        if source.isEmpty, let parent = parents.first {
            let own = parts.last == "lag" ? parent["lag_source"] ?? parent["source"] : parent["source"]
            if case let .scalar(v, _)? = own?.value { source = v }
        }
        return (values, source)
    }

    /// The comment of a YAML line (after a `#` outside quotes).
    static func comment(_ line: String) -> String {
        var quoted = false
        var previous: Character = " "
        for (i, c) in line.enumerated() {
            if c == "\"" { quoted.toggle() }
            if c == "#", !quoted, previous == " " { return String(line.dropFirst(i + 1)).trimmingCharacters(in: .whitespaces) }
            previous = c
        }
        return ""
    }

    /// The meaning of a key, by its pattern (a factor's name as FACTOR, a cell kind as KIND).
    public static func meaning(_ key: String) -> String? {
        var parts = key.split(separator: ".").map(String.init)
        if parts.count >= 2, ["factors", "cells"].contains(parts[0]) { parts[1] = parts[0] == "factors" ? "FACTOR" : "KIND" }
        if parts.count >= 3, ["concentrations", "levels", "amounts", "half_lives"].contains(parts[1]) { parts[2] = "FACTOR" }
        if parts.count == 3, parts[0] == "condition", CellKind(name: parts[1]) != nil { parts[1] = "KIND" }
        if parts.count == 3, parts[0] == "condition", parts[1] == "production" { parts[2] = "FACTOR" }
        if parts.count == 5, parts[0] == "cells", parts[3] == "half_activation" { parts[4] = "FACTOR" }
        return meanings[parts.joined(separator: ".")]
    }

    static let meanings: [String: String] = [
        "seed": "random seed of the run (replicates differ only in it)",
        "lattice.size": "sites along x and y [nx, ny]",
        "lattice.spacing": "distance between neighbouring sites (one site holds at most one cell)",
        "lattice.layers": "the tissue layers stacked in z, bottom first",
        "lattice.dermis_layers": "lattice layers of the dermis, each one spacing thick (default 1); with more, dermal cells also move in depth",
        "time.dt": "time step of the cells (and of the fields, unless time.field_dt is longer)",
        "time.field_dt": "time step of the fields (uptake, secretion, medium, decay, diffusion), a whole multiple of time.dt; default time.dt",
        "time.duration": "simulated time",
        "time.output_every": "interval of the rows of timeseries.csv",
        "time.snapshot_every": "interval of field, cell, frame and VTK snapshots (~ for none)",
        "time.checkpoint_every": "interval of checkpoints for `woundsim resume` (~ for none)",
        "wound.shape": "shape of the wound: circle (excisional), scratch (in vitro), rectangle, or none (an intact dish)",
        "wound.diameter": "diameter of a circular wound",
        "wound.width": "width of a scratch or rectangular wound",
        "wound.height": "height of a rectangular wound",
        "wound.center": "centre of the wound as fractions of the lattice [x, y]",
        "wound.depth": "depth of the wound below the dermis's upper surface (default: full thickness); needs lattice.dermis_layers above 1",
        "wound.profile": "the wound's walls in depth: cylinder (a punch, vertical) or bowl (a round wound narrowing as a half-ellipsoid)",
        "factors.FACTOR.diffusion": "diffusion coefficient in tissue",
        "factors.FACTOR.wound_bed_diffusion": "diffusion coefficient in the open wound bed (default: as in tissue)",
        "factors.FACTOR.decay": "first-order decay rate (ln 2 / half-life)",
        "factors.FACTOR.molar_mass": "molar mass, to convert molar concentrations (nM) to ng/mL",
        "factors.FACTOR.initial": "concentration everywhere at the start",
        "factors.FACTOR.boundary": "condition on every face: no-flux, periodic or {fixed: C}",
        "factors.FACTOR.quasi_steady": "solve the factor as a steady state between the vessels' supply and every loss (decay, the cells' uptake), every `every`, instead of stepping it (oxygen)",
        "factors.FACTOR.quasi_steady.every": "model time between solves; the field holds the last solution in between",
        "factors.FACTOR.quasi_steady.vessel_exchange": "exchange with the blood at a vessel site, per time (large: vessel sites at the blood's level)",
        "factors.FACTOR.quasi_steady.blood": "the level in the blood (molar units need the factor's molar_mass)",
        "factors.FACTOR.quasi_steady.tolerance": "a solve stops when the largest residual is below this fraction of the largest supply (default 1e-6)",
        "factors.FACTOR.boundary.x_low": "condition at the x = 0 face", "factors.FACTOR.boundary.x_high": "condition at the x = max face",
        "factors.FACTOR.boundary.y_low": "condition at the y = 0 face", "factors.FACTOR.boundary.y_high": "condition at the y = max face",
        "factors.FACTOR.boundary.x_low.fixed": "fixed concentration at the x = 0 face", "factors.FACTOR.boundary.x_high.fixed": "fixed concentration at the x = max face",
        "factors.FACTOR.boundary.y_low.fixed": "fixed concentration at the y = 0 face", "factors.FACTOR.boundary.y_high.fixed": "fixed concentration at the y = max face",
        "mechanics": "wound contraction: the skin around a round wound as an elastic sheet in rings, pulled by the wound bed's fibroblasts, the wound tissue remodelling into its contracted shape (DESIGN.md, Tissue mechanics)",
        "mechanics.skin_modulus": "effective in-plane Young's modulus of the skin around the wound",
        "mechanics.granulation_modulus": "Young's modulus of the wound's granulation tissue",
        "mechanics.poisson": "Poisson ratio of skin and wound (dimensionless, below 0.5)",
        "mechanics.fibroblast_stress": "active contractile stress of a wound bed with a fibroblast at every dermal site",
        "mechanics.myofibroblast_stress": "the same with a myofibroblast at every dermal site",
        "mechanics.wound_remodelling": "rate at which the wound tissue's plastic strain relaxes towards its strain (locks in the contraction)",
        "mechanics.skin_remodelling": "the same for the skin around the wound (default 0: elastic skin)",
        "mechanics.splint_radius": "radius at which a splint holds the skin still (a splinted wound)",
        "mechanics.still_radius": "without a splint: radius beyond which the skin is taken as still",
        "mechanics.every": "model time between solves (default 1 h)",
        "mechanics.crawl_in_space": "whether cells crawl at their speed in space, crossing contracted tissue faster (hop rates x 1/sqrt(areal stretch); default true)",
        "mechanics.source": "where the mechanical parameters come from",
        "condition": "the host's impairments: a bundled profile (normal, diabetic, aged) that multiplies the scenario's normal values",
        "condition.profile": "the bundled impairment profile the multipliers start from (normal, diabetic, aged)",
        "condition.production.FACTOR": "multiplier of the wound's own production of a factor (its injury release and every kind's secretion of it)",
        "condition.source": "where the condition's multipliers come from",
        "condition.KIND.migration": "multiplier of the kind's basal migration speed",
        "condition.KIND.proliferation": "multiplier of the kind's basal division rate",
        "condition.KIND.secretion": "multiplier of every secretion rate of the kind",
        "condition.KIND.response": "multiplier of the excess fold (max_fold - 1) of the kind's migration and proliferation responses",
        "condition.KIND.secretion_response": "multiplier of the excess fold (max_fold - 1) of the kind's secretion responses (both states)",
        "condition.KIND.polarization": "multiplier of the basal rate of the one-way switch to the pro-repair state (macrophages)",
        "condition.KIND.recruitment": "multiplier of the basal recruitment rate per source site (macrophages at vessel sites, fibroblasts into the wound bed)",
        "condition.KIND.apoptosis": "multiplier of the basal death rate (1 / life span in the tissue); the death rate's factor responses stay the cell's",
        "secretome.profile": "the conditioned medium applied: a bundled secretome profile (control: plain medium)",
        "secretome.dose": "concentration factor of the medium (1: as collected; 10: ten-fold concentrated)",
        "secretome.deplete": "factors removed from the medium (e.g. by antibody depletion)",
        "secretome.concentrations.FACTOR": "the medium's concentration of a factor, replacing the profile's",
        "secretome.delivery.kind": "how the medium is given: bolus (once), repeated, or sustained (a release with a half-life)",
        "secretome.delivery.every": "interval of repeated applications",
        "secretome.delivery.until": "last repeated application",
        "secretome.delivery.half_life": "half-life of a sustained release (e.g. from a hydrogel)",
        "secretome.everywhere": "apply the medium to the whole lattice, not only the wound",
        "injury.levels.FACTOR": "level of a factor the fresh wound releases (platelets, macrophages)",
        "injury.half_life": "half-life of the injury release",
        "clot.amounts.FACTOR": "total amount of a factor the fresh wound releases (platelets in the clot, injured cells), as a concentration over the wound sites",
        "clot.half_life": "half-life of the clot's first-order release",
        "clot.half_lives.FACTOR": "a factor's own release half-life, replacing clot.half_life for it (tissue that keeps producing a chemokine for days)",
        "clot.fibrin_half_life": "half-life of the clot's fibrin, the wound bed's first provisional matrix (fills the bed at t = 0, lysed exponentially); read by kinds with migration.matrix_needed",
        "clot.source": "where the clot's amounts and release come from",
        "vessels.spacing": "distance between vessel lines in intact dermis",
        "cells.KIND.density": "cells per site of the kind's layer in intact tissue (0 to 1)",
        "cells.KIND.migration.speed": "crawling speed of a migrating cell (with persistence, sets the hop rate)",
        "cells.KIND.migration.persistence": "persistence time of a migrating cell's direction",
        "cells.KIND.migration.hop_rate": "rate of hops to a neighbouring site (instead of speed and persistence)",
        "cells.KIND.migration.activated_by": "factors whose sum above the threshold activates migration",
        "cells.KIND.migration.threshold": "fixed lag: factor level that starts the exposure clock; graded: the activation state (a fraction) at which the cell migrates",
        "cells.KIND.migration.lag": "delay between activation and migration (timed migration)",
        "cells.KIND.migration.requires_activation": "only activated cells migrate",
        "cells.KIND.migration.reverts": "cells stop migrating again when the factors fade",
        "cells.KIND.migration.activation": "how a cell becomes migratory: fixed-lag (timed migration, the retracted prior) or graded (an activation state that follows the signal)",
        "cells.KIND.migration.half_activation.FACTOR": "graded activation: the factor's concentration that alone gives half the maximal activation",
        "cells.KIND.migration.response_time": "graded activation: time constant with which the activation state follows the signal",
        "cells.KIND.migration.hill": "graded activation: Hill coefficient of the activation's dependence on the signal (default 1)",
        "cells.KIND.migration.activation_source": "where the graded activation's values come from",
        "cells.KIND.proliferation.matrix_inhibition": "probability, per unit collagen of the daughter's site, that a division is refused (1: cells in mature matrix stay quiescent; 0: no gate)",
        "cells.KIND.migration.matrix_needed": "provisional matrix (clot fibrin plus collagen, a fraction of intact dermis) a hop or a daughter onto the wound surface needs under it; with less, it is refused with probability 1 - matrix/need (0: no gate)",
        "cells.KIND.migration.cohesion": "probability that a hop breaking the cell's last contact is refused (0: free cells, 1: a cohesive sheet)",
        "culture.medium_volume": "volume of medium in the dish or well (in vitro)",
        "culture.growth_area": "growth area under that medium; volume over area gives the medium's depth",
        "culture.medium_change_every": "interval of medium changes: every factor returns to fresh medium",
        "culture.source": "where the culture conditions come from",
        "cells.KIND.proliferation.doubling": "doubling time of a dividing cell",
        "cells.KIND.proliferation.rate": "division rate (instead of a doubling time)",
        "cells.KIND.apoptosis.rate": "rate of cell death (drawn once an hour for every cell of the kind, or for its differentiated cells under only_differentiated)",
        "cells.KIND.recruitment.matrix_inhibition": "probability, per unit collagen of an empty wound-bed site, that a recruit for it is refused (1: the influx fills only the empty bed; 0: no gate)",
        "cells.KIND.apoptosis.only_differentiated": "true: only the kind's differentiated cells (fibroblasts: myofibroblasts) can die; needs differentiation.residence (default false)",
        "cells.KIND.collagen.rate": "rate of collagen deposition at the cell's site",
        "cells.KIND.differentiation.residence": "time in the wound after which a fibroblast becomes a myofibroblast",
        "cells.KIND.vessel_trail": "the cell leaves a vessel behind as it moves (sprouting endothelium)",
        "cells.KIND.vessel_regression.rate": "rate at which a vessel site the kind's trail made regresses (drawn once an hour; the dermis's own vessels never regress); responses with behaviour: vessel_regression modulate it (VEGF as a survival factor: max_fold below 1)",
        "cells.KIND.vessel_regression.source": "where the regression rate comes from",
        "cells.KIND.sprouting": "sprouting angiogenesis: activated cells are tip cells (explore tissue without vessels, mark their trail, do not divide, fuse on reaching another vessel) or stalk cells (move and divide only along vessels)",
        "cells.KIND.sprouting.tip_spacing": "the closest two tip cells may be (lateral inhibition): an activated cell on a vessel becomes a tip only when no tip stands this near",
        "cells.KIND.sprouting.tip_rate": "the rate at which an activated cell on a vessel, with no tip near, becomes a tip",
        "cells.KIND.sprouting.source": "where the tip spacing and rate come from",
        "cells.KIND.recruitment.rate": "recruits per source site per time (vessel sites, or empty wound-bed sites with from: wound_bed); the factors at the site modulate it (responses with behaviour: recruitment)",
        "cells.KIND.recruitment.from": "where recruits enter: vessels (from the blood: macrophages) or wound_bed (from the fascia and subcutis under the lattice's dermis, into empty wound-bed sites: fibroblasts)",
        "cells.KIND.recruitment.source": "where the recruitment rate comes from",
        "cells.KIND.polarization.rate": "rate of the one-way switch to the second state (macrophages: pro-inflammatory to pro-repair); responses with behaviour: polarization modulate it",
        "cells.KIND.polarization.after": "time since a cell's arrival (or last division) before it can switch: monocytes mature in the tissue first (default 0)",
        "cells.KIND.polarization.secretion": "what a cell in the second state secretes instead of its secretion list, one entry each",
        "cells.KIND.polarization.secretion[i].factor": "the factor secreted in the second state",
        "cells.KIND.polarization.secretion[i].rate": "secretion rate in the second state, as concentration per time at the cell's site",
        "cells.KIND.polarization.source": "where the switch and the second state's secretion come from",
        "cells.KIND.responses": "factor effects on a behaviour, one entry each",
        "cells.KIND.responses[i].behaviour": "the behaviour a factor changes: migration, proliferation, apoptosis, collagen, recruitment or polarization",
        "cells.KIND.responses[i].factor": "the factor",
        "cells.KIND.responses[i].ec50": "concentration of half the maximal effect",
        "cells.KIND.responses[i].hill": "Hill coefficient of the response (default 1)",
        "cells.KIND.responses[i].max_fold": "rate at saturation as a multiple of the basal rate",
        "cells.KIND.responses[i].when": "above (default): the effect grows with the factor; below: it grows as the factor falls (a response to its lack, as to hypoxia), max_fold reached at 0",
        "cells.KIND.chemotaxis": "gradients the cell climbs, one entry each",
        "cells.KIND.chemotaxis[i].factor": "the factor whose gradient biases the hops",
        "cells.KIND.chemotaxis[i].sensitivity": "bias of the hop direction per unit of gradient",
        "cells.KIND.secretion": "factors the cell secretes, one entry each",
        "cells.KIND.secretion[i].factor": "the factor secreted",
        "cells.KIND.secretion[i].rate": "secretion rate, as concentration per time at the cell's site",
        "cells.KIND.secretion[i].only_when_migratory": "secrete only while activated (one flag per kind, for the lists of both states)",
        "cells.KIND.secretion[i].responses": "factors at the cell's site that scale this secretion rate, as a behaviour's responses do",
        "cells.KIND.secretion[i].responses[i].factor": "the factor that scales the secretion",
        "cells.KIND.secretion[i].responses[i].ec50": "concentration of half the maximal effect on the secretion",
        "cells.KIND.secretion[i].responses[i].hill": "Hill coefficient (default 1)",
        "cells.KIND.secretion[i].responses[i].max_fold": "secretion rate at saturation as a multiple of the basal rate (below 1 damps it)",
        "cells.KIND.secretion[i].responses[i].when": "above (default) or below: the secretion answers the factor's lack (hypoxia-induced VEGF)",
        "cells.KIND.secretion[i].responses[i].source": "where the response's values come from",
        "cells.KIND.polarization.secretion[i].responses": "factors at the cell's site that scale this second-state secretion rate",
        "cells.KIND.polarization.secretion[i].responses[i].factor": "the factor that scales the secretion",
        "cells.KIND.polarization.secretion[i].responses[i].ec50": "concentration of half the maximal effect on the secretion",
        "cells.KIND.polarization.secretion[i].responses[i].hill": "Hill coefficient (default 1)",
        "cells.KIND.polarization.secretion[i].responses[i].max_fold": "secretion rate at saturation as a multiple of the basal rate (below 1 damps it)",
        "cells.KIND.polarization.secretion[i].responses[i].when": "above (default) or below: the secretion answers the factor's lack",
        "cells.KIND.polarization.secretion[i].responses[i].source": "where the response's values come from",
        "cells.KIND.uptake": "factors the cell takes up, one entry each",
        "cells.KIND.uptake[i].factor": "the factor taken up",
        "cells.KIND.uptake[i].rate": "first-order uptake rate at the cell's site",
        "factors": "the diffusing factors by name", "cells": "the cell kinds (keratinocyte, fibroblast, endothelial, macrophage, neutrophil)", "secretome.delivery": "the schedule of the medium",
    ]
}
