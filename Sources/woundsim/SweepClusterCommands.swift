import ArgumentParser
import Foundation
import SimCore
import StrictYAML
import Sweep

/// `woundsim sweep slurm`.
struct SweepSlurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Plan a sweep and write Slurm scripts: a job array (one shard per task) and a merge job that runs after it.",
        discussion: "Writes DIR/slurm/array.sbatch, merge.sbatch and submit.sh and copies the binary (and --setup) into DIR/slurm/; `sh DIR/slurm/submit.sh` (or --submit) submits both. The sweep folder must be on a file system every node sees. The merge runs however the tasks ended, names the shards that left runs without a result and exits 1 then."
    )

    @Argument(help: "Sweep file (YAML).")
    var sweep: String

    @OptionGroup var planOptions: SweepPlanOptions

    @Option(name: .long, help: "Array tasks (shards); default: one per run, at most 100.")
    var arraySize: Int?

    @Option(name: .long, help: "CPUs (threads) per array task (default 1).")
    var cpusPerTask: Int = 1

    @Option(name: .long, help: "Slurm partition.")
    var partition: String?

    @Option(name: .long, help: "Time limit per array task (Slurm's format, e.g. 2:00:00).")
    var time: String?

    @Option(name: .long, help: "Slurm account to charge.")
    var account: String?

    @Option(name: .long, help: "Memory per array task (Slurm's format, e.g. 4G).")
    var mem: String?

    @Option(name: .customLong("sbatch-arg"), help: "A further #SBATCH option, e.g. --sbatch-arg=--qos=short (repeatable).")
    var sbatchArgs: [String] = []

    @Option(name: .long, help: "A shell script sourced before each task and the merge (e.g. module loads); copied into DIR/slurm/setup.sh.")
    var setup: String?

    @Option(name: .long, help: "The woundsim binary the nodes run (default: this one), copied into DIR/slurm/woundsim. Give a static build (make build-static) when nodes lack the Swift runtime or GSL.")
    var binary: String?

    @Flag(name: .customLong("allow-node-local"), help: "Accept a sweep folder under /tmp, /var/tmp, /dev/shm or $TMPDIR (only right when every task runs on this machine).")
    var allowNodeLocal = false

    @Flag(name: .long, help: "Submit with sbatch right away and print the job ids.")
    var submit = false

    func validate() throws {
        if let n = arraySize, n < 1 || n > 100_000 { throw ValidationError("--array-size \(n): give 1 to 100000 tasks") }
        if cpusPerTask < 1 || cpusPerTask > 1024 { throw ValidationError("--cpus-per-task \(cpusPerTask): give at least 1") }
        if let p = partition, p.isEmpty || !p.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.,".contains($0)) }) {
            throw ValidationError("--partition \(p): give a partition name (letters, digits, - _ . ,)")
        }
        if let t = time, t.isEmpty || !t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ":" || $0 == "-") }) {
            throw ValidationError("--time \(t): give a Slurm time such as 2:00:00 or 1-12:00:00")
        }
        if let a = account, !Slurm.isSafeOption(a) { throw ValidationError("--account \(a): give an account name (no spaces or quotes)") }
        if let m = mem, m.range(of: "^[0-9]+[KMGT]?$", options: .regularExpression) == nil {
            throw ValidationError("--mem \(m): give Slurm's form, a number with an optional K, M, G or T (e.g. 4G)")
        }
        for a in sbatchArgs where !(a.hasPrefix("-") && Slurm.isSafeOption(a)) {
            throw ValidationError("--sbatch-arg \(a): give one sbatch option as written on an #SBATCH line, e.g. --qos=short (no spaces or quotes)")
        }
    }

    func run() throws {
        let fm = FileManager.default
        if let setup, !fm.isReadableFile(atPath: setup) { fail("woundsim: --setup \(setup): cannot read it"); throw ExitCode(2) }
        let source = binary ?? Executor.currentExecutable
        guard fm.isExecutableFile(atPath: source) else { fail("woundsim: --binary \(source): not an executable file"); throw ExitCode(2) }
        // The folder the sweep would use (its default is sweeps/NAME under the current folder).
        let target = planOptions.out ?? (try? SweepFile.load(sweep)).map { "sweeps/\($0.name)" }
        if let out = target, !allowNodeLocal, let prefix = Slurm.nodeLocalPrefix(of: out) {
            fail("woundsim: --out \(out) is under \(prefix), which is usually private to each node: tasks on other nodes would write their runs where the merge cannot see them. Give a folder on a shared file system (home, project or scratch), or --allow-node-local when every task runs on this machine")
            throw ExitCode(2)
        }
        let (plan, folder) = try planOptions.prepare(sweep)
        let size = min(arraySize ?? min(plan.uniqueRunIDs.count, 100), plan.uniqueRunIDs.count)
        let staged = folder.url.appendingPathComponent("slurm/woundsim")
        let setupCopy = folder.url.appendingPathComponent("slurm/setup.sh")
        do {
            // The binary and the set-up script travel with the sweep: a rebuild or an edit after
            // submission does not change what the tasks run.
            try fm.createDirectory(at: staged.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? fm.removeItem(at: staged)
            try fm.copyItem(atPath: source, toPath: staged.path)
            chmod(staged.path, 0o755)
            if let setup {
                try? fm.removeItem(at: setupCopy)
                try fm.copyItem(atPath: setup, toPath: setupCopy.path)
            }
        } catch { fail("woundsim: could not stage the binary in \(staged.path): \(error.localizedDescription)"); throw ExitCode(1) }
        let scripts = Slurm.scripts(plan: plan, folder: folder, options: .init(arraySize: size, cpusPerTask: cpusPerTask, partition: partition,
                                                                               timeLimit: time, account: account, memory: mem, extra: sbatchArgs,
                                                                               executable: staged.path, setup: setup == nil ? nil : setupCopy.path))
        do {
            for (name, text) in scripts {
                try folder.write("slurm/\(name)", Data(text.utf8))
                chmod(folder.url.appendingPathComponent("slurm/\(name)").path, 0o755)
            }
        } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        let submitPath = folder.url.appendingPathComponent("slurm/submit.sh").path
        guard submit else {
            print("wrote \(folder.url.appendingPathComponent("slurm").path)/{array.sbatch,merge.sbatch,submit.sh}: \(size) array tasks for \(plan.uniqueRunIDs.count) runs")
            print("submit with: sh \(Slurm.quote(submitPath))")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [submitPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { fail("woundsim: could not run \(submitPath): \(error)"); throw ExitCode(1) }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { fail("woundsim: sbatch failed (exit \(process.terminationStatus))"); throw ExitCode(1) }
        print("submitted: array job and merge job \(output)")
    }
}

/// `woundsim sweep check`.
struct SweepCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read and plan a sweep file without running it: every problem with its line, or what it would run.",
        discussion: "Exit 0 when the sweep is valid, 2 with each problem listed. Writes nothing."
    )

    @Argument(help: "Sweep file (YAML).")
    var sweep: String

    func run() throws {
        try checkSweepFile(sweep)
    }
}

/// Plans `file` without writing anything and prints what it would run (exit 2 on a problem).
func checkSweepFile(_ file: String) throws {
    let spec: SweepSpec
    do { spec = try SweepFile.load(file) } catch {
        fail("woundsim: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(file):\n\(error.description)")
        throw ExitCode(2)
    }
    let plan: SweepPlan
    var notes: [String] = []
    defer { for n in notes { warn(n.hasPrefix("warning: ") ? n : "woundsim: \(n)") } }
    do { (plan, _) = try Planner.plan(spec, notes: &notes) } catch {
        fail("woundsim: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(file):\n\(error.description)")
        throw ExitCode(2)
    }
    let controls = plan.points.filter { $0.role == .control }.count
    print("\(file): sweep \(plan.name) is valid")
    print("  base: \(spec.base); design: \(plan.design.rawValue), \(plan.points.count - controls) points\(controls > 0 ? " + \(controls) control arm\(controls == 1 ? "" : "s")" : "")")
    for p in plan.parameters { print("  parameter \(p.title)\(p.categories.isEmpty ? "" : ": " + p.categories.joined(separator: ", "))") }
    print("  seeds: \(plan.seeds.map(String.init).joined(separator: ", ")); \(plan.runs.count) runs, \(plan.uniqueRunIDs.count) distinct, \(String(format: "%g", plan.durationHours)) h each")
    print("  metrics: \(plan.metrics.joined(separator: ", "))")
}
