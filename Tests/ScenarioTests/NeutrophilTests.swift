import Artifacts
import Cells
import Foundation
import Run
import Scenario
import SimCore
import Simulation
import XCTest

/// Neutrophils, the fifth kind (issue 13): recruited from vessel sites beside the macrophages,
/// each kind at its own rate from its own streams; counted in the outputs only when the scenario
/// has them; bit-identical at any thread count and across a checkpoint.
final class NeutrophilTests: XCTestCase {
    /// A small wound whose only cells are recruited macrophages and neutrophils that neither move
    /// nor die (`extra` may change that).
    private func model(macrophageRate: String, neutrophilRate: String, extra: [String] = []) throws -> ModelConfig {
        try ScenarioLoader.load("excisional-wound-control", sets: [
            "lattice.size=[60, 60]", "wound.diameter=\"0.6 mm\"", "injury=~",
            "cells.keratinocyte.density=0", "cells.fibroblast.density=0", "cells.endothelial.density=0",
            "cells.macrophage={density: 0, recruitment: {rate: \"\(macrophageRate)\"}}",
            "cells.neutrophil={density: 0, recruitment: {rate: \"\(neutrophilRate)\"}}",
        ] + extra).scenario.model
    }

    /// Runs `scenario` on 2 threads into a new temporary folder (the caller removes it).
    private func run(_ scenario: Scenario, named name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("woundsim-\(name)-\(getpid())")
        _ = try Runner.run(scenario, world: try World(scenario.model), folder: try RunFolder(path: dir.path, force: true),
                           options: .init(threads: 2, command: "test", progress: false))
        return dir
    }

    /// The kinds' tables and stream ids cover the new kind, and the first four keep their ids.
    func testTheKindTablesCoverTheNeutrophilAndTheOldStreamIdsStay() {
        XCTAssertEqual(CellKind.allCases.count, 5)
        XCTAssertEqual(CellKind(name: "neutrophil"), .neutrophil)
        XCTAssertFalse(CellKind.resident.contains(.neutrophil))
        XCTAssertEqual(CellKind.resident.map(\.rawValue), [0, 1, 2], "the onset tally counts raw values below the resident count")
        func draws(_ r: RandomStream) -> [Double] { var r = r; return (0..<4).map { _ in r.uniform() } }
        var seen = Set<[Double]>()
        for s in [0, 1, 17, 1 << 29] {
            for k in 0..<5 {
                let stream = draws(CellStepper.recruitmentStream(seed: 7, step: 3, site: s, kind: k))
                if k < 4 { XCTAssertEqual(stream, draws(RandomStream(seed: 7, step: 3, id: s * 4 + k, purpose: .recruitment)), "kind \(k) keeps its stream") }
                XCTAssertTrue(seen.insert(stream).inserted, "site \(s), kind \(k): a stream of its own")
            }
        }
    }

    /// Each kind's recruits per vessel site per step are Bernoulli(rate dt), from its own draws:
    /// at rates 1:3 the counts follow, within 4 SD of each expectation (few enough per vessel site
    /// that nearly every draw finds room).
    func testNeutrophilsAndMacrophagesAreRecruitedEachAtItsOwnRate() throws {
        let m = try model(macrophageRate: "0.02 /h", neutrophilRate: "0.06 /h")
        let w = try World(m)
        XCTAssertTrue(w.hasNeutrophils)
        let nv = w.vessel.filter { $0 != 0 && $0 & CellStepper.blindVessel == 0 }.count
        XCTAssertGreaterThan(nv, 50)
        let steps = 360
        for _ in 0..<steps { w.advance(threads: 1) }
        var counts = [CellKind: Int]()
        for c in 0..<w.cells.count { counts[CellKind(rawValue: w.cells.kind[c])!, default: 0] += 1 }
        for (kind, rate) in [(CellKind.macrophage, 0.02), (.neutrophil, 0.06)] {
            let p = rate / 60 * m.dt
            let expected = Double(nv * steps) * p, sd = (expected * (1 - p)).squareRoot()
            XCTAssertEqual(Double(counts[kind] ?? 0), expected, accuracy: 4 * sd, "\(kind): \(counts[kind] ?? 0), expected \(expected) +- \(sd)")
        }
        let o = w.observation()
        XCTAssertEqual(o.neutrophils?.total, counts[.neutrophil])
        XCTAssertEqual(o.macrophages?.total, counts[.macrophage])
        // A condition multiplies the neutrophils' recruitment as it does the macrophages'.
        let halved = try model(macrophageRate: "0.02 /h", neutrophilRate: "0.06 /h", extra: ["condition={neutrophil: {recruitment: 0.5}}"]).conditioned()
        XCTAssertEqual(halved.cells.first { $0.parameters.kind == .neutrophil }?.parameters.recruitment.basal ?? 0, 0.03 / 60, accuracy: 1e-15)
        XCTAssertEqual(halved.cells.first { $0.parameters.kind == .macrophage }?.parameters.recruitment.basal ?? 0, 0.02 / 60, accuracy: 1e-15)
    }

    /// Both recruited kinds, moving, dying and secreting: the state is the same at 1 and 2 threads
    /// and after a restore mid-run; the run folder's timeseries, summary and report carry the
    /// neutrophils; a scenario without them has none of their columns.
    func testNeutrophilStateIsBitIdenticalAndReported() throws {
        let neutrophil = "{density: 0, migration: {hop_rate: \"0.2 /min\", requires_activation: false}, apoptosis: {rate: \"1 /d\"}, recruitment: {rate: \"0.02 /h\"}, chemotaxis: [{factor: EGF, sensitivity: \"1 mL/ng\"}], secretion: [{factor: EGF, rate: \"0.01 ng/mL/h\", only_when_migratory: false}], responses: [{behaviour: recruitment, factor: EGF, ec50: \"0.2 ng/mL\", max_fold: 5}]}"
        let macrophage = "{density: 0, migration: {hop_rate: \"0.05 /min\", requires_activation: false}, apoptosis: {rate: \"0.5 /d\"}, recruitment: {rate: \"0.01 /h\"}}"
        let scenario = try ScenarioLoader.load("excisional-wound-control", sets: [
            "lattice.size=[160, 128]", "wound.diameter=\"1.5 mm\"", "cells.macrophage=\(macrophage)", "cells.neutrophil=\(neutrophil)",
            "time.duration=\"12 h\"", "time.output_every=\"2 h\"", "time.snapshot_every=\"6 h\"",
        ]).scenario
        let m = scenario.model
        let a = try World(m), b = try World(m)
        var resumed: World?
        for step in 1...360 {
            a.advance(threads: 1); b.advance(threads: 2)
            resumed?.advance(threads: 2)
            if step == 151 {
                let r = try World(m)
                try r.restoreState(a.encodeState())
                resumed = r
            }
        }
        XCTAssertGreaterThan(a.observation().neutrophils?.total ?? 0, 20)
        var inWound = 0
        for c in 0..<a.cells.count where a.cells.kind[c] == CellKind.neutrophil.rawValue {
            let r = a.regions.ids[Int(a.cells.site[c])]
            if r == Tissue.woundBed || r == Tissue.woundSurface { inWound += 1 }
        }
        XCTAssertGreaterThan(inWound, 0, "some neutrophils have moved into the wound")
        XCTAssertEqual(a.observation().neutrophils?.inWound, inWound)
        XCTAssertEqual(b.encodeState(), a.encodeState(), "2 threads")
        XCTAssertEqual(resumed?.encodeState(), a.encodeState(), "restored at step 151")

        let dir = try run(scenario, named: "neutrophils")
        defer { try? FileManager.default.removeItem(at: dir) }
        let series = try String(contentsOf: dir.appendingPathComponent("timeseries.csv"), encoding: .utf8)
        let header = series.prefix { $0 != "\n" }.split(separator: ",").map(String.init)
        XCTAssertTrue(header.contains("neutrophils") && header.contains("neutrophils_in_wound"), "\(header)")
        let last = series.split(separator: "\n").last!.split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertEqual(Int(last[header.firstIndex(of: "neutrophils")!]), a.observation().neutrophils?.total)
        let summary = try String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"neutrophils_in_wound\""), summary)
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8).contains("Neutrophils"))

        let plain = try World(ScenarioLoader.load("excisional-wound-control", sets: ["lattice.size=[40, 40]", "wound.diameter=\"0.4 mm\""]).scenario.model)
        XCTAssertFalse(plain.hasNeutrophils)
        XCTAssertNil(plain.observation().neutrophils)
        XCTAssertFalse(Formats.timeseriesCSV([plain.observation()], factorNames: plain.config.factors.map(\.name)).contains("neutrophil"))
    }

    /// Neutrophils may rise from the wound bed as fibroblasts do: one Bernoulli(rate dt) draw per
    /// empty bed site and step, from their own stream.
    func testNeutrophilsRecruitedFromTheWoundBed() throws {
        let m = try model(macrophageRate: "0 /h", neutrophilRate: "0 /h",
                          extra: ["cells.neutrophil.recruitment={rate: \"0.05 /h\", from: wound_bed}"])
        let w = try World(m)
        var bed = 0
        for s in 0..<w.lattice.count where w.regions.ids[s] == Tissue.woundBed { bed += 1 }
        XCTAssertGreaterThan(bed, 100)
        let steps = 60
        for _ in 0..<steps { w.advance(threads: 1) }
        let p = 0.05 / 60 * m.dt
        // Each bed site fills at most once: the expected count over `steps` draws per site.
        let expected = Double(bed) * (1 - pow(1 - p, Double(steps))), sd = (expected * (1 - expected / Double(bed))).squareRoot()
        let n = w.observation().neutrophils
        XCTAssertEqual(Double(n?.total ?? 0), expected, accuracy: 4 * sd, "\(n?.total ?? 0) of \(bed) bed sites, expected \(expected)")
        XCTAssertEqual(n?.inWound, n?.total, "every recruit on a wound-bed site")
    }

    /// The written scenario names the neutrophils (and a condition's multiplier of them) and
    /// loads back to the same model; a conditioned scenario that does not impair them does not
    /// name them, so its resolved text, and its sweep runs' ids, are what they were.
    func testTheWriterRoundTripsTheNeutrophils() throws {
        let s = try ScenarioLoader.load("excisional-wound-control", sets: [
            "cells.neutrophil={density: 0, apoptosis: {rate: \"1 /d\"}, recruitment: {rate: \"0.02 /h\"}}",
            "condition={profile: diabetic, neutrophil: {recruitment: 1.5}}",
        ]).scenario
        let text = ScenarioWriter.yaml(s)
        XCTAssertTrue(text.contains("  neutrophil:\n"), text)
        XCTAssertTrue(text.contains("  neutrophil: {migration: 1, proliferation: 1, secretion: 1, response: 1, recruitment: 1.5}"), text)
        let back = try ScenarioLoader.reloaded(text, name: "neutrophil")
        XCTAssertEqual(back.cells.map(\.parameters), s.model.cells.map(\.parameters))
        XCTAssertEqual(back.condition, s.model.condition)
        XCTAssertFalse(ScenarioWriter.yaml(try ScenarioLoader.load("excisional-wound-diabetic-control").scenario).contains("neutrophil"))
    }

    /// The bundled prior (`excisional-wound-neutrophils`), shrunk to a 2 mm wound: the injured
    /// tissue's chemokine brings neutrophils in within the first day, they peak within two days and
    /// are fewer by day 3 as the chemokine fades and they die (in the full 6 mm wound the count at
    /// day 3 is still near its peak: VALIDATION.md), their traps are in the wound, and the traps
    /// hold the epidermis back (closure at day 3 below the same wound's without neutrophils).
    func testTheBundledNeutrophilWoundRecruitsEarlyResolvesAndHoldsTheEpidermisBack() throws {
        func model(_ extra: [String]) throws -> ModelConfig {
            try ScenarioLoader.load("excisional-wound-neutrophils", sets: [
                "seed=3", "lattice.spacing=\"40 um\"", "lattice.size=[100, 100]", "wound.diameter=\"2 mm\"",
            ] + extra).scenario.model
        }
        let m = try model([])
        let net = try XCTUnwrap(m.factors.firstIndex { $0.name == "NET" })
        let w = try World(m), depleted = try World(try model(["cells.neutrophil.recruitment.rate=\"0 /h\""]))
        let stepsPerHalfDay = Int((12 * 60 / m.dt).rounded())
        var counts: [Int] = [], traps: [Double] = []
        for _ in 0..<6 {
            for _ in 0..<stepsPerHalfDay { w.advance(threads: 2); depleted.advance(threads: 2) }
            let o = w.observation()
            counts.append(try XCTUnwrap(o.neutrophils).inWound)
            traps.append(o.factorMeans[net])
        }
        let peak = try XCTUnwrap(counts.indices.max { counts[$0] < counts[$1] })
        XCTAssertGreaterThan(counts[0], 0, "neutrophils in the wound at 12 h: \(counts)")
        XCTAssertLessThanOrEqual(peak, 3, "the peak within 2 days: \(counts)")
        XCTAssertLessThan(counts[5], counts[peak], "fewer at day 3 than at the peak: \(counts)")
        XCTAssertTrue(traps.allSatisfy { $0 > 0 }, "traps in the wound: \(traps)")
        XCTAssertEqual(depleted.observation().neutrophils?.inWound, 0)
        XCTAssertLessThan(w.observation().closurePercent, depleted.observation().closurePercent, "the traps slow the epidermis")
    }

    /// The first four kinds keep their bits: a short run of the clot-and-macrophage ASC-CM wound
    /// (recruitment from vessels and the wound bed, oxygen's classes, the onset tally) writes the
    /// timeseries it wrote before the fifth kind (pinned on 2026-12-07 from the f47fca8 build,
    /// `woundsim run excisional-wound-inflammation-asc-cm --seed 5 --days 1` with these sets). A
    /// deliberate change of the model changes the pin; say so in its commit.
    func testTheClotAndMacrophageWoundKeepsItsPinnedTimeseries() throws {
        var scenario = try ScenarioLoader.load("excisional-wound-inflammation-asc-cm", sets: [
            "seed=5", "lattice.spacing=\"40 um\"", "lattice.size=[100, 100]", "wound.diameter=\"2 mm\"",
            "time.checkpoint_every=\"1 d\"", "time.snapshot_every=~",
        ]).scenario
        scenario.model.duration = 24 * 60
        let dir = try run(scenario, named: "pin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let series = try Data(contentsOf: dir.appendingPathComponent("timeseries.csv"))
        XCTAssertEqual(SHA256.hex(series), "6e159521dff456454a4dc4fd4785f28544342ab72ad608b7eec514a67b870218")
    }
}
