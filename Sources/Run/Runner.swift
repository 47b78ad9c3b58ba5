import Artifacts
import BuildInfo
import Cells
import Foundation
import Scenario
import SimCore
import Simulation

/// Runs one scenario into a run folder.
public enum Runner {
    public struct Options: Sendable {
        public var threads: Int
        /// The command line, for the manifest.
        public var command: String
        /// Print a progress line on stderr (only when it is a terminal).
        public var progress: Bool
        /// Testing only: poison factor 0 at one site after this step, to exercise the guard.
        public var injectNaNAtStep: Int?
        /// The text of `scenario.resolved.yaml` when the run folder already has it (a resume):
        /// kept as it is, marks included, since its checkpoints are tied to it.
        public var resolvedText: String?
        public init(threads: Int, command: String, progress: Bool, injectNaNAtStep: Int? = nil, resolvedText: String? = nil) {
            self.threads = threads; self.command = command; self.progress = progress; self.injectNaNAtStep = injectNaNAtStep
            self.resolvedText = resolvedText
        }
    }

    /// Where a run starts when not at step 0: a resumed run or an arm forked from a checkpoint.
    public struct Start: Sendable {
        /// The timeseries CSV up to the checkpoint's step (header included).
        public var timeseries: String
        /// For a forked arm: what it was forked from (recorded in the manifest and summary).
        public var forkedFrom: [String: JSONValue]?
        public init(timeseries: String, forkedFrom: [String: JSONValue]?) { self.timeseries = timeseries; self.forkedFrom = forkedFrom }
    }

    /// The numerical guard looks at every field value this often [steps], and before every output.
    public static let guardEvery = 30

    /// What a finished run reports.
    public struct Result: Sendable {
        public var summary: [String: JSONValue]
        public var wallSeconds: Double
        public var profile: [(phase: String, seconds: Double)]
        public var cellUpdatesPerSecond: Double
        public var voxelFactorUpdatesPerSecond: Double
        /// Fraction of tile visits the cell step skipped as quiet (the active set).
        public var skippedTileShare: Double
    }

    /// Steps the world to the scenario's end, writing outputs as it goes.
    /// - Throws: `OutputError` when a file cannot be written (earlier files stay valid).
    public static func run(_ scenario: Scenario, world: World, folder: RunFolder, options: Options, from begin: Start? = nil) throws(OutputError) -> Result {
        let start = Date()
        let model = scenario.model
        // The resolved scenario, with the values the user set marked in comments; a resumed run
        // keeps its folder's file (its checkpoints are tied to that text).
        let resolved = options.resolvedText ?? Overrides.annotate(ScenarioWriter.yaml(scenario), marks: scenario.marks)
        if options.resolvedText == nil { try folder.write("scenario.resolved.yaml", text: resolved) }
        let steps = Int((model.duration / model.dt).rounded())
        let outputEvery = max(1, Int((model.outputEvery / model.dt).rounded()))
        let snapshotEvery = scenario.snapshotEvery.map { max(1, Int(($0 / model.dt).rounded())) }
        let checkpointEvery = scenario.checkpointEvery.map { max(1, Int(($0 / model.dt).rounded())) }
        let factorNames = model.factors.map(\.name)
        var rows: [Observation] = []
        func timeseries() -> String {
            guard let prior = begin?.timeseries else { return Formats.timeseriesCSV(rows, factorNames: factorNames) }
            return Formats.continuing(prior, with: Formats.timeseriesCSV(rows, factorNames: factorNames))
        }
        /// The state as it stands, written as a checkpoint.
        func checkpoint(_ step: Int) throws(OutputError) {
            try Checkpoint.write(folder.url, step: step, data: Checkpoint.encode(step: step, scenarioText: resolved, timeseries: timeseries(), state: world.encodeState()))
        }
        if begin == nil {
            if let problem = world.healthProblem(threads: options.threads) { throw .stopped("step 0: \(problem)") }
            rows.append(world.observation())
            try snapshot(world, folder: folder, scenario: scenario, threads: options.threads)
        }
        let interactive = options.progress && isatty(STDERR_FILENO) != 0
        var lastProgress = Date.distantPast
        let first = world.step + 1
        for s in first...max(first, steps) where s <= steps {
            if StopSignal.received != 0 {
                // Stopped between steps: the state is whole. Save it and the series so far.
                let signal = StopSignal.received
                if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                try folder.write("timeseries.csv", text: timeseries())
                try checkpoint(s - 1)
                throw .interrupted(signal, String(format: "stopped by %@ at t = %.1f h (step %d of %d); a checkpoint is saved: continue with `woundsim resume %@`",
                                                  StopSignal.name(signal) as NSString, world.time / 60, s - 1, steps, folder.url.path as NSString))
            }
            world.advance(threads: options.threads)
            if s == options.injectNaNAtStep { world.fields.buffer(0)[world.lattice.count / 2] = .nan }
            let output = s % outputEvery == 0 || s == steps
            let snap = snapshotEvery.map { s % $0 == 0 || s == steps } ?? false
            let check = checkpointEvery.map { s % $0 == 0 && s != steps } ?? false
            if output || snap || check || s % guardEvery == 0, let problem = world.healthProblem(threads: options.threads) {
                // Stop before writing anything computed from a broken state; keep the series so far.
                try? folder.write("timeseries.csv", text: timeseries())
                throw .stopped(String(format: "step %d (t = %.2f h): ", s, world.time / 60) + problem)
            }
            if output { rows.append(world.observation()); world.startInterval() }
            if snap { try snapshot(world, folder: folder, scenario: scenario, threads: options.threads) }
            if check {
                try checkpoint(s)
            }
            if interactive, Date().timeIntervalSince(lastProgress) > 0.5 {
                lastProgress = Date()
                let elapsed = Date().timeIntervalSince(start)
                let rate = Double(s - first + 1) / max(elapsed, 1e-9)
                let eta = Double(steps - s) / rate
                let line = String(format: "\r  t %.1f / %.0f h  closure %.1f %%  %.0f steps/s  ETA %@   ",
                                  world.time / 60, model.duration / 60, world.closurePercent, rate, duration(eta))
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        try folder.write("timeseries.csv", text: timeseries())
        if checkpointEvery != nil, world.step == steps, first <= steps {
            // The final state, so that `woundsim resume DIR --days D` can extend the run.
            try checkpoint(steps)
        }

        let wall = Date().timeIntervalSince(start)
        var profile = StepPhase.allCases.map { (phase: $0.description, seconds: world.seconds(in: $0)) }
        // Everything outside the step's phases: outputs, checkpoints, the guard (on the stepping thread).
        profile.append((phase: "outside", seconds: max(0, wall - profile.reduce(0) { $0 + $1.seconds })))
        let tileVisits = Double(world.stepper.tiles.count * world.lattice.nz * max(1, steps - first + 1))
        let skippedShare = Double(world.stepper.skippedTiles) / tileVisits
        // Field steps run: the steps m in first...steps (1-based) that end a field interval.
        let fieldSteps = world.config.fieldSteps
        let voxelUpdates = Double(world.lattice.count * model.factors.count * (steps / fieldSteps - (first - 1) / fieldSteps))
        let cellRate = Double(world.cellUpdates) / max(world.seconds(in: .cells), 1e-9)
        let fieldRate = voxelUpdates / max(world.seconds(in: .diffuse), 1e-9)
        let final = world.observation()
        var onset: [String: JSONValue] = [:]
        for kind in CellKind.resident { onset[kind.description] = world.migrationOnsetMinutes[kind].map { .number($0 / 60) } ?? .null }
        let total = profile.reduce(0) { $0 + $1.1 }
        var summary: [String: JSONValue] = [
            "scenario": .string(model.name),
            "seed": .number(Double(model.seed)),
            "closure_time_h": world.closureTimeMinutes.map { .number($0 / 60) } ?? .null,
            "closure_pct_final": .number(final.closurePercent),
            "migration_onset_h": .object(onset),
            "final_counts": .object([
                "keratinocytes": .number(Double(final.keratinocytes)), "fibroblasts": .number(Double(final.fibroblasts)),
                "myofibroblasts": .number(Double(final.myofibroblasts)), "endothelial": .number(Double(final.endothelial)),
                "keratinocytes_in_wound": .number(Double(final.keratinocytesInWound)),
                "fibroblasts_in_wound": .number(Double(final.fibroblastsInWound)),
                "endothelial_in_wound": .number(Double(final.endothelialInWound)),
            ]),
            "collagen_in_wound_final": .number(final.collagenInWound),
            "vessel_density_in_wound_final": .number(final.vesselDensity),
            "simulated_h": .number(world.time / 60),
            "steps": .number(Double(steps)),
            "wall_time_s": .number(wall),
            "threads": .number(Double(options.threads)),
            "profile": .array(profile.map { .object(["phase": .string($0.0), "seconds": .number($0.1), "share": .number(total > 0 ? $0.1 / total : 0)]) }),
            "cell_updates_per_s": .number(cellRate),
            "voxel_factor_updates_per_s": .number(fieldRate),
            "warnings": .array(scenario.warnings.map { .string($0.description) }),
        ]
        if let m = final.macrophages, case var .object(counts)? = summary["final_counts"] {
            counts["macrophages"] = .number(Double(m.total))
            counts["macrophages_repair"] = .number(Double(m.repair))
            counts["macrophages_in_wound"] = .number(Double(m.inWound))
            summary["final_counts"] = .object(counts)
        }
        if let n = final.neutrophils, case var .object(counts)? = summary["final_counts"] {
            counts["neutrophils"] = .number(Double(n.total))
            counts["neutrophils_in_wound"] = .number(Double(n.inWound))
            summary["final_counts"] = .object(counts)
        }
        if let gap = final.gapClosurePercent {
            summary["gap_closure_pct_final"] = .number(gap)
            summary["detached_ahead_pct_final"] = .number(final.detachedAheadPercent ?? 0)
            summary["edge_migration_onset_h"] = world.edgeMigrationOnsetMinutes.map { .number($0 / 60) } ?? .null
        }
        if let mechanics = world.mechanics {
            summary["contraction_pct_final"] = .number(final.contractionPercent ?? 0)
            summary["closure_with_contraction_pct_final"] = .number(final.closureWithContractionPercent ?? 0)
            summary["contraction_pct_at_closure"] = mechanics.contractionAtClosure.map { .number($0) } ?? .null
        }
        if world.hasQuasiSteadyFactors {
            // Counted by this process (a resumed run counts from its restart).
            summary["quasi_steady"] = .object(["solves_unconverged": .number(Double(world.steadyUnconverged)),
                                               "v_cycles": .number(Double(world.steadyCycles))])
        }
        if let f = begin?.forkedFrom { summary["forked_from"] = .object(f) }
        try folder.write("summary.json", JSONValue.object(summary).data)
        try folder.write("report.html", text: Report.run(folder.url))
        var manifest: [String: JSONValue] = [
            "woundsim_version": .string(BuildInfo.version),
            "git_revision": .string(BuildInfo.gitRevision),
            "git_dirty": .bool(BuildInfo.dirty),
            "git_changes": .string(BuildInfo.changes),
            "command": .string(options.command),
            "threads": .number(Double(options.threads)),
            "wall_time_s": .number(Date().timeIntervalSince(start)),
            "created": .string(ISO8601DateFormatter().string(from: start)),
            "sha256": .object(folder.checksums.mapValues { .string($0) }),
        ]
        if let f = begin?.forkedFrom { manifest["forked_from"] = .object(f) }
        if begin != nil, begin?.forkedFrom == nil { manifest["resumed_at_step"] = .number(Double(first - 1)) }
        try folder.write("manifest.json", JSONValue.object(manifest).data)
        return Result(summary: summary, wallSeconds: wall, profile: profile, cellUpdatesPerSecond: cellRate, voxelFactorUpdatesPerSecond: fieldRate,
                      skippedTileShare: skippedShare)
    }

    /// Fields as `.npy` (shape nz, ny, nx), in skin the tissue's maps as `.npy` too, cells as CSV,
    /// their pictures and the VTK files, at the current time. The files are encoded on `threads`
    /// workers (each file from the world as it stands, which nothing changes meanwhile), then
    /// handed to the folder in a fixed order. The encoders run in the default floating-point
    /// mode, not with subnormals flushed: a Double below Float's normal range must still convert
    /// to a subnormal Float in the `.npy` and VTK files.
    static func snapshot(_ world: World, folder: RunFolder, scenario: Scenario, threads: Int = 1) throws(OutputError) {
        guard scenario.snapshotEvery != nil else { return }
        let stamp = String(format: "t%05dmin", Int(world.time.rounded()))
        let l = world.lattice
        let hours = String(format: "t = %.1f h", world.time / 60)
        let closure = String(format: "closure %.1f%%", world.closurePercent)
        let factors = scenario.model.factors
        let tissue = Formats.tissueMaps(world)
        var jobs: [() -> [(String, Data)]] = []
        for (f, spec) in factors.enumerated() {
            jobs.append {
                var files = [("fields/\(spec.name)_\(stamp).npy", Formats.npy(UnsafeBufferPointer(world.fields.buffer(f)), shape: [l.nz, l.ny, l.nx]))]
                if let png = Frames.factor(world, f, label: "\(spec.name)  \(hours)").png() { files.append(("frames/\(spec.name)_\(stamp).png", png)) }
                return files
            }
        }
        jobs.append { [("cells/cells_\(stamp).csv", Formats.cellsCSV(world.cells, time: world.time))] }
        jobs.append { Frames.cells(world, label: "\(hours)  \(closure)").png().map { [("frames/cells_\(stamp).png", $0)] } ?? [] }
        for m in tissue {
            jobs.append {
                var files = [("tissue/\(m.name)_\(stamp).npy", m.values.withUnsafeBufferPointer { Formats.npy($0, shape: [l.nz, l.ny, l.nx]) })]
                if let png = Frames.tissue(world, m, label: "\(m.meaning)  \(hours)").png() { files.append(("frames/\(m.name)_\(stamp).png", png)) }
                return files
            }
        }
        jobs.append { [("vtk/fields_\(stamp).vti", Formats.vti(world.fields, names: factors.map(\.name), tissue: tissue))] }
        jobs.append { [("vtk/cells_\(stamp).vtp", Formats.vtp(world.cells))] }
        // The largest jobs are taken first (the .vti holds every field, the .vtp and the CSV every
        // cell), then the rest, each by whichever worker is free (`parallelFor` claims in order;
        // dealt round-robin before, one worker got the .vti on top of half the others). Encoded
        // in the stepping thread's mode, which keeps gradual underflow.
        let order = [jobs.count - 2, jobs.count - 1, factors.count] + (0..<jobs.count - 2).filter { $0 != factors.count }
        let results = UnsafeMutableBufferPointer<[(String, Data)]>.allocate(capacity: jobs.count)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        let context = UncheckedSendable((jobs, results))
        parallelFor(chunks: order.count, threads: threads, flushingSubnormals: false) { n in
            let (jobs, results) = context.value
            results[order[n]] = jobs[order[n]]()
        }
        for files in results { for (path, data) in files { try folder.write(path, data) } }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds)
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
