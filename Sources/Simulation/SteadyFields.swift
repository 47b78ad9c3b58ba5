import Cells
import Fields
import Foundation
import SimCore

/// The world's quasi-steady factors (oxygen, issue 14): each is solved as the steady state of
///
///     D lap c - a c + b = 0,   a = decay + exchange (vessel sites) + uptake of the site's cell,
///                              b = exchange x blood level (vessel sites)
///
/// every `QuasiSteady.every` of model time, from the last solution (a warm start), by its own
/// `SteadyStateSolver`, whose solution is the factor's field row, so the cells read it like any
/// factor. The loss and supply take few values, so the solver holds them as site classes (1 byte
/// per site): class = 6 x (perfused vessel ? 1 : 0) + (a cell ? 1 + its kind : 0) (`classesPerVesselState`). A cell's uptake of such a factor is a loss of the steady problem, not a per-step
/// exponential (`WorldLayout` moves it here from the kind's uptake list). Every perfused vessel
/// site (the intact dermis's lines and the sites endothelial cells have marked) supplies it.
final class SteadyFields: @unchecked Sendable {
    struct Entry {
        let factor: Int
        let spec: QuasiSteady
        /// Its solver: site classes (their loss and supply hold the decay, the vessels' exchange
        /// and each kind's uptake), the solution in the factor's field row.
        let solver: SteadyStateSolver
        /// Steps between solves (>= 1).
        let every: Int
    }

    let entries: [Entry]
    let fields: FieldSet
    /// Solves that stopped before reaching their tolerance (reported in the summary).
    private(set) var unconverged = 0
    /// V-cycles run so far, over every factor.
    private(set) var cycles = 0

    /// Site classes per vessel state: no cell, then one per kind.
    static let classesPerVesselState = 1 + CellKind.allCases.count

    /// - Parameter uptake: per quasi-steady factor index, the uptake rate per kind (by raw value) [1/min].
    /// - Parameter fields: the field rows the solutions live in (kept alive here).
    init(factors: [FactorSpec], fields: FieldSet, dt: Double, uptake: [Int: SIMD8<Double>]) throws(ModelError) {
        var entries: [Entry] = []
        self.fields = fields
        for (f, spec) in factors.enumerated() {
            guard let q = spec.quasiSteady else { continue }
            let solver: SteadyStateSolver
            let per = Self.classesPerVesselState
            do { solver = try SteadyStateSolver(lattice: fields.lattice, diffusion: spec.diffusion, classCount: 2 * per, solution: fields.buffer(f)) }
            catch { throw .invalid(key: "factors.\(spec.name).quasi_steady", message: error.description) }
            solver.solution.update(repeating: spec.initial)
            // The classes' loss and supply, summed in the order the per-site terms were:
            // decay, then a vessel's exchange, then the cell's uptake.
            let rates = uptake[f] ?? .zero
            for vessel in 0..<2 {
                for cell in 0..<per {
                    var a = spec.decay, b = 0.0
                    if vessel == 1 { a += q.vesselExchange; b = q.vesselExchange * q.bloodLevel }
                    if cell > 0 { a += rates[cell - 1] }
                    solver.setClass(per * vessel + cell, loss: a, supply: b)
                }
            }
            entries.append(Entry(factor: f, spec: q, solver: solver,
                                 every: max(1, Int((q.every / dt).rounded()))))
        }
        self.entries = entries
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Whether any factor is due for a solve at `step`.
    func due(at step: Int) -> Bool { entries.contains { step % $0.every == 0 } }

    /// Solves every factor due at `step` and writes its solution into its field row.
    func solve(at step: Int, fields: FieldSet, cells: inout CellPopulation, vessel: UnsafeMutableBufferPointer<UInt8>,
               diffusion: DiffusionSolver, threads: Int) {
        precondition(fields === self.fields, "the solutions live in the field set the solvers were made with")
        let n = fields.lattice.count
        let chunk = 16_384
        for e in entries where step % e.every == 0 {
            let code = e.solver.siteClass
            cells.withPointers { cp in
                let context = UncheckedSendable(cp)
                parallelFor(chunks: (n + chunk - 1) / chunk, threads: threads) { ch in
                    let cp = context.value
                    let per = UInt8(Self.classesPerVesselState)
                    for s in (ch * chunk)..<min(n, (ch + 1) * chunk) {
                        var k: UInt8 = vessel[s] != 0 && vessel[s] & CellStepper.blindVessel == 0 ? per : 0
                        let c = Int(cp.cellAt[s])
                        if c >= 0 { k &+= 1 &+ cp.kind[c] }
                        code[s] = k
                    }
                }
            }
            let outcome = e.solver.solve(tolerance: e.spec.tolerance, maxCycles: 100, threads: threads)
            cycles += outcome.cycles
            if !outcome.converged { unconverged += 1 }
            // The exact solution is >= 0; an iterate stopped at the tolerance could dip below it by
            // a rounding-sized amount, which the field may not hold. The solver's solution is the
            // row, so the warm start is the row a checkpoint carries. A NaN (a singular problem,
            // counted in `unconverged`) is left for the run's guard to report.
            let solution = e.solver.solution
            let context = UncheckedSendable(solution)
            parallelFor(chunks: (n + chunk - 1) / chunk, threads: threads) { ch in
                let x = context.value
                for s in (ch * chunk)..<min(n, (ch + 1) * chunk) where x[s] < 0 { x[s] = 0 }
            }
            diffusion.recordSteady(factor: e.factor, fields: fields)
        }
    }

    /// After a restore: each solver starts from the field row it solves in (as the uninterrupted
    /// run's did), and the row's maxima and wound sum are recorded.
    func restored(fields: FieldSet, diffusion: DiffusionSolver) {
        for e in entries {
            diffusion.recordSteady(factor: e.factor, fields: fields)
        }
    }
}
