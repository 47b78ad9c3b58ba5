import ArgumentParser
import Artifacts
import Foundation
import SimCore
import StrictYAML
import Sweep

/// `woundsim calibrate`: fits parameters to measured data (DESIGN.md "Calibration").
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit scenario parameters to measured data (GSL nonlinear least squares over model runs).",
        discussion: "`woundsim calibrate CAL.yaml --out DIR` is `woundsim calibrate fit`. Model runs go through the sweep executor in DIR/evaluations and are reused by a rerun.",
        subcommands: [CalibrateFit.self, CalibrateRecovery.self],
        defaultSubcommand: CalibrateFit.self
    )
}

/// Options shared by the calibration commands.
struct CalibrationOptions: ParsableArguments {
    @Argument(help: "Calibration file (YAML).")
    var file: String

    @Option(name: .long, help: "Output folder (default: calibrations/NAME).")
    var out: String?

    @Option(name: .long, help: "Simulations at a time (default: one per core).")
    var jobs: Int?

    @Option(name: .long, help: "Threads of each simulation (default: cores / jobs).")
    var threads: Int?

    func validate() throws {
        if let j = jobs, j < 1 || j > 1024 { throw ValidationError("--jobs \(j): give 1 to 1024 simulations at a time") }
        if let t = threads, t < 1 || t > 1024 { throw ValidationError("--threads \(t): give at least 1 thread") }
    }

    func load() throws -> (CalibrationSpec, URL, Executor.Options) {
        let spec: CalibrationSpec
        do { spec = try CalibrationFile.load(file) } catch {
            fail("woundsim: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(file):\n\(error.description)")
            throw ExitCode(2)
        }
        let folder = URL(fileURLWithPath: out ?? "calibrations/\(spec.name)").standardizedFileURL
        do { try checkOutputFolder(folder, createParents: out == nil) } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
        let cores = defaultThreadCount
        let jobs = self.jobs ?? cores
        let threads = self.threads ?? max(1, cores / jobs)
        return (spec, folder, .init(jobs: jobs, threads: threads, executable: Executor.currentExecutable, retryFailed: false, verbose: false, woundsim: buildIdentity))
    }

    func calibrator(_ spec: CalibrationSpec, _ folder: URL, _ options: Executor.Options) throws -> Calibrator {
        var notes: [String] = []
        defer { for n in notes where !n.contains("retracted") { warn(n.hasPrefix("warning: ") ? n : "woundsim: \(n)") } }
        do { return try Calibrator(spec, folder: folder, options: options, notes: &notes, message: { warn($0) }) } catch {
            fail("woundsim: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(file):\n\(error.description)")
            throw ExitCode(2)
        }
    }
}

/// `woundsim calibrate fit`.
struct CalibrateFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit the parameters and write calibration.json, fit.csv and report.html.")

    @OptionGroup var options: CalibrationOptions

    func run() throws {
        let (spec, folder, executor) = try options.load()
        let c = try options.calibrator(spec, folder, executor)
        warn("woundsim: calibration \(spec.name): \(spec.parameters.count) parameters, \(spec.observations.count) observations, \(spec.arms.count) arm\(spec.arms.count == 1 ? "" : "s") x \(spec.seeds.count) seeds per evaluation; folder \(folder.path)")
        StopSignal.install()
        let started = Date()
        let result: Calibrator.Result
        do { result = try c.fit() } catch {
            fail("woundsim: calibration \(spec.name): \(error)")
            throw ExitCode(StopSignal.received != 0 ? StopSignal.exitCode(StopSignal.received) : 1)
        }
        do { try c.savePlan(); try CalibrationReport.write(c, result, to: folder) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        print("calibration \(spec.name): chi^2 \(String(format: "%.4g", result.chiSquared)) with \(result.degreesOfFreedom) degrees of freedom, \(result.iterations) iterations, \(result.evaluations) model evaluations, \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
        for (i, p) in spec.parameters.enumerated() {
            print("  \(p.key) = \(p.text(result.estimates[i])) (SE \(p.text(result.standardErrors[i])); 95 % CI \(p.text(result.intervals[i].0)) to \(p.text(result.intervals[i].1)))")
        }
        for w in CalibrationReport.warnings(spec, result) { warn("woundsim: warning: " + w) }
        print("outputs in \(folder.path)")
    }
}

/// `woundsim calibrate recovery`: does the calibration recover parameters it knows?
struct CalibrateRecovery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery",
        abstract: "Fit synthetic data made by the model at known values plus noise, and count how often the 95 % intervals cover them.",
        discussion: "The known values are the parameters' `start:` values; each fit starts from the middle of the ranges. Noise: normal with each observation's sigma, drawn per data set. Exits 1 when an interval covers its true value in fewer than --minimum-coverage of the data sets.")

    @OptionGroup var options: CalibrationOptions

    @Option(name: .long, help: "Synthetic data sets.")
    var dataSets = 20

    @Option(name: .long, help: "The least share of data sets whose 95 % interval must cover each true value.")
    var minimumCoverage = 0.8

    func run() throws {
        let (spec, folder, executor) = try options.load()
        guard spec.parameters.allSatisfy({ $0.start != nil }) else {
            fail("woundsim: recovery needs the true value of every parameter as its `start:`")
            throw ExitCode(2)
        }
        let c = try options.calibrator(spec, folder, executor)
        StopSignal.install()
        let started = Date()
        let truth = spec.parameters.map { $0.start! }
        let middle = spec.parameters.map { $0.value(($0.lower + $0.upper) / 2) }
        var covered = [Int](repeating: 0, count: truth.count), fits = 0
        var lines = "data_set," + spec.parameters.map { "\($0.key),\($0.key)_low,\($0.key)_high" }.joined(separator: ",") + ",chi_squared,chi_squared_at_truth,iterations\n"
        do {
            let exact = try c.evaluate([truth])[0]
            for k in 1...dataSets {
                var rng = RandomStream(seed: UInt64(k), step: 0, id: 0, purpose: .syntheticData)
                c.observed = zip(exact, spec.observations).map { $0 + $1.sigma * Self.normal(&rng) }
                let atTruth = zip(zip(exact, c.observed), spec.observations).reduce(0.0) { $0 + pow(($1.0.0 - $1.0.1) / $1.1.sigma, 2) }
                let r = try c.fit(start: middle)
                fits += 1
                var row = ["\(k)"]
                for i in truth.indices {
                    let inside = r.intervals[i].0 <= truth[i] && truth[i] <= r.intervals[i].1
                    if inside { covered[i] += 1 }
                    row += [SweepFile.format(r.estimates[i], ""), SweepFile.format(r.intervals[i].0, ""), SweepFile.format(r.intervals[i].1, "")]
                }
                lines += (row + [String(format: "%.4g", r.chiSquared), String(format: "%.4g", atTruth), "\(r.iterations)"]).joined(separator: ",") + "\n"
                warn("woundsim: data set \(k)/\(dataSets) (chi^2 \(String(format: "%.3g", r.chiSquared)), at the truth \(String(format: "%.3g", atTruth))): " + truth.indices.map { "\(spec.parameters[$0].key) \(spec.parameters[$0].text(r.estimates[$0])) [\(spec.parameters[$0].text(r.intervals[$0].0)), \(spec.parameters[$0].text(r.intervals[$0].1))]" }.joined(separator: "; "))
            }
        } catch {
            fail("woundsim: recovery \(spec.name): \(error)")
            throw ExitCode(StopSignal.received != 0 ? StopSignal.exitCode(StopSignal.received) : 1)
        }
        try? c.savePlan()
        try? Data(lines.utf8).write(to: folder.appendingPathComponent("recovery.csv"))
        print("recovery \(spec.name): \(fits) data sets in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
        var ok = true
        for (i, p) in spec.parameters.enumerated() {
            let share = Double(covered[i]) / Double(max(1, fits))
            print("  \(p.key) = \(p.text(truth[i])): covered by \(covered[i]) of \(fits) 95 % intervals (\(String(format: "%.0f", 100 * share)) %)")
            if share < minimumCoverage { ok = false }
        }
        print("table in \(folder.appendingPathComponent("recovery.csv").path)")
        if !ok {
            fail("woundsim: an interval covered its true value in fewer than \(String(format: "%.0f", 100 * minimumCoverage)) % of the data sets")
            throw ExitCode(1)
        }
    }

    /// A standard normal deviate (Box-Muller) from the stream.
    static func normal(_ rng: inout RandomStream) -> Double {
        let u1 = max(rng.uniform(), 1e-300), u2 = rng.uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
