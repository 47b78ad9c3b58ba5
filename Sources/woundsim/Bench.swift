import Artifacts
import Cells
import Dispatch
import Fields
import Foundation
import Run
import Scenario
import SimCore
import Simulation
import StrictYAML

/// `woundsim bench`: the diffusion, cell and full-step kernels at chosen sizes and thread counts,
/// as throughput (medians of repeated steps), with the scaling exponent of each kernel in sites
/// or cells and the memory per site and per cell.
public enum Bench {
    public struct Row: Sendable {
        public var kernel: String
        public var size: Int
        public var threads: Int
        /// Updates per second (voxel-factor updates for diffusion, cell updates otherwise).
        public var throughput: Double
        /// Median wall time of one step [s].
        public var seconds: Double
        /// Sites (diffusion, step) or cells (cells) in the problem.
        public var work: Int
    }

    /// Median of `repeats` timed calls after one warm-up call [s].
    static func median(_ repeats: Int, _ body: () -> Void) -> Double {
        body()
        var t: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            t.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        t.sort()
        return t[t.count / 2]
    }

    /// One field step of the four default factors on n x n sites.
    public static func diffusion(n: Int, threads: Int) throws -> Row {
        let l = try Lattice(nx: n, ny: n, spacing: 20)
        let fields = try FieldSet(lattice: l, factors: ScenarioLoader.bundledFactors)
        for f in 0..<4 { let b = fields.buffer(f); for s in 0..<b.count { b[s] = Double((s &* 2654435761) % 1000) / 100 } }
        let solver = try DiffusionSolver(lattice: l, factors: ScenarioLoader.bundledFactors, dt: 2)
        let t = median(9) { solver.step(fields, threads: threads) }
        return Row(kernel: "diffusion", size: n, threads: threads, throughput: Double(l.count * 4) / t, seconds: t, work: l.count)
    }

    /// The cell phase: activated fibroblasts at half the sites of n x n, sensing four factors.
    public static func cells(n: Int, threads: Int) throws -> Row {
        let l = try Lattice(nx: n, ny: n, spacing: 20)
        let fields = try FieldSet(lattice: l, factors: ScenarioLoader.bundledFactors)
        for f in 0..<4 { let b = fields.buffer(f); for s in 0..<b.count { b[s] = Double((s &* 2654435761 &+ f) % 1000) / 500 } }
        let p = KindParameters(kind: .fibroblast,
                               motility: .init(basal: 0.1, responses: [Response(factor: 1, ec50: 0.5, maxFold: 3)]),
                               proliferation: .init(basal: 1e-4, responses: [Response(factor: 1, ec50: 0.5, maxFold: 3)]),
                               apoptosis: .init(basal: 1e-4), activation: ActivationRule(factors: [1, 0], threshold: 0.1, lag: 0))
        var pop = CellPopulation(lattice: l)
        var r = RandomStream(seed: 3, step: 0, id: 0)
        for s in 0..<l.count where r.uniform() < 0.5 { pop.add(.fibroblast, at: s) }
        let stepper = try CellStepper(lattice: l, parameters: [p], dt: 2, seed: 1, factorCount: 4)
        var step = 0
        let cells = pop.count
        let t = median(9) { stepper.step(&pop, fields: fields, step: step, threads: threads); step += 1 }
        return Row(kernel: "cells", size: n, threads: threads, throughput: Double(cells) / t, seconds: t, work: cells)
    }

    /// One whole step of the bundled ASC-CM wound scaled to n x n sites (the wound keeps its
    /// share of the lattice), after 30 warm-up steps.
    public static func step(n: Int, threads: Int) throws -> Row {
        let diameter = 6.0 * Double(n) / 500
        var s = try ScenarioLoader.load("excisional-wound-asc-cm", sets: ["lattice.size=[\(n), \(n)]", "wound.diameter=\"\(diameter) mm\""]).scenario
        s.model.duration = 1e9
        let world = try World(s.model)
        for _ in 0..<30 { world.advance(threads: threads) }
        let t = median(21) { world.advance(threads: threads) }
        return Row(kernel: "step", size: n, threads: threads, throughput: Double(world.cells.count) / t, seconds: t, work: world.lattice.count)
    }

    /// Fitted exponent p of time ~ work^p (GSL least squares on the logs).
    public static func exponent(_ rows: [Row]) -> Double {
        guard rows.count >= 2 else { return .nan }
        return (try? GSL.linearFit(x: rows.map { log(Double($0.work)) }, y: rows.map { log($0.seconds) }).slope) ?? .nan
    }

    /// Bytes per lattice site of a wound world with `factors` factors: the fields, the region id,
    /// the site -> cell index, collagen and the vessel flag.
    public static func bytesPerSite(factors: Int) -> Int { 8 * factors + 1 + 4 + 4 + 1 }

    /// A description of this machine for the JSON history.
    public static var machine: String {
        var model = "unknown"
        if let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = cpu.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) {
            model = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? model
        }
        return "\(ProcessInfo.processInfo.hostName), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(model)"
    }
}
