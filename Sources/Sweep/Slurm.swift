import Foundation

/// Slurm job scripts for a planned sweep: a job array whose task I runs shard I of N
/// (`woundsim sweep run --out DIR --shard I/N`), and a merge job that starts when every task
/// has ended, whatever its outcome (`--dependency=afterany`), and reports the shards that left
/// runs without a result. Every path in generated shell is single-quoted; the `#SBATCH` lines
/// hold no paths (the scripts are submitted from inside the sweep folder). The binary runs from
/// the sweep folder (`slurm/woundsim`, copied there), so nodes need not see the build folder.
public enum Slurm {
    public struct Options: Sendable {
        public var arraySize: Int
        public var cpusPerTask: Int
        public var partition: String?
        public var timeLimit: String?
        /// `--account`.
        public var account: String?
        /// `--mem` per task (Slurm's format: 4G, 500M).
        public var memory: String?
        /// Further `#SBATCH` options, as written (`--qos=short`).
        public var extra: [String]
        /// The binary the scripts run (the staged copy in the sweep folder).
        public var executable: String
        /// A shell script sourced before each task and the merge (module loads), if any.
        public var setup: String?
        public init(arraySize: Int, cpusPerTask: Int, partition: String? = nil, timeLimit: String? = nil, account: String? = nil,
                    memory: String? = nil, extra: [String] = [], executable: String, setup: String? = nil) {
            self.arraySize = arraySize; self.cpusPerTask = cpusPerTask; self.partition = partition; self.timeLimit = timeLimit
            self.account = account; self.memory = memory; self.extra = extra; self.executable = executable; self.setup = setup
        }
    }

    /// `s` as one shell word: single-quoted, a quote inside written as '\''.
    public static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// A job name from the sweep's name: letters, digits, `.`, `-`, `_` only.
    static func jobName(_ name: String) -> String {
        let clean = String(name.unicodeScalars.map { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) ? Character($0) : "_" })
        return "woundsim-" + String(clean.prefix(40))
    }

    /// Whether `value` may stand in an `#SBATCH` line: printable ASCII without quotes, `#`,
    /// backslash or spaces (Slurm reads the line itself, not a shell).
    public static func isSafeOption(_ value: String) -> Bool {
        !value.isEmpty && value.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 && !"'\"`\\#$;".unicodeScalars.contains($0) }
    }

    /// Folders that are usually private to each node (a job on another node would not see the
    /// sweep): the system's temporary folders and memory file systems.
    public static func nodeLocalPrefix(of path: String) -> String? {
        var prefixes = ["/tmp", "/var/tmp", "/dev/shm", "/run"]
        if let t = ProcessInfo.processInfo.environment["TMPDIR"], !t.isEmpty { prefixes.append(URL(fileURLWithPath: t).standardizedFileURL.path) }
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        return prefixes.first { resolved == $0 || resolved.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }

    /// The files, by name: `array.sbatch`, `merge.sbatch`, `submit.sh`.
    public static func scripts(plan: SweepPlan, folder: SweepFolder, options o: Options) -> [(name: String, text: String)] {
        let dir = quote(folder.url.path), exe = quote(o.executable)
        var common = ""
        if let p = o.partition { common += "#SBATCH --partition=\(p)\n" }
        if let t = o.timeLimit { common += "#SBATCH --time=\(t)\n" }
        if let a = o.account { common += "#SBATCH --account=\(a)\n" }
        for e in o.extra { common += "#SBATCH \(e)\n" }
        // Sourced before `set -eu`: module and conda set-up scripts use unset variables.
        let setup = o.setup.map { "# The set-up script (module loads, environments), sourced before the work.\n. \(quote($0))\n" } ?? ""
        let memory = o.memory.map { "#SBATCH --mem=\($0)\n" } ?? ""
        let array = """
        #!/bin/sh
        # woundsim sweep \(plan.name) (plan \(plan.hash)): \(plan.uniqueRunIDs.count) runs in \(o.arraySize) shards.
        # Submit with slurm/submit.sh, which runs sbatch from the sweep folder.
        #SBATCH --job-name=\(jobName(plan.name))
        #SBATCH --array=1-\(o.arraySize)
        #SBATCH --cpus-per-task=\(o.cpusPerTask)
        #SBATCH --ntasks=1
        #SBATCH --output=slurm/shard-%a.log
        \(memory)\(common)\(setup)set -eu
        exec \(exe) sweep run --out \(dir) --shard "${SLURM_ARRAY_TASK_ID}/\(o.arraySize)" --jobs 1 --threads "${SLURM_CPUS_PER_TASK:-\(o.cpusPerTask)}"

        """
        let merge = """
        #!/bin/sh
        # Joins the shards of sweep \(plan.name) into runs.csv and summary.csv once every array
        # task has ended, however it ended; names the shards that left runs without a result
        # and exits 1 when there are any.
        #SBATCH --job-name=\(jobName(plan.name))-merge
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=1
        #SBATCH --output=slurm/merge.log
        \(common)\(setup)set -eu
        exec \(exe) sweep merge \(dir) --shards \(o.arraySize)

        """
        let submit = """
        #!/bin/sh
        # Submits the array, then the merge job to run after every array task has ended
        # (afterany: a failed shard must not leave the merge pending for ever).
        # Prints the two job ids.
        set -eu
        cd \(dir)
        array_job=$(sbatch --parsable slurm/array.sbatch)
        array_job=${array_job%%;*}
        merge_job=$(sbatch --parsable --dependency=afterany:"$array_job" slurm/merge.sbatch)
        echo "$array_job ${merge_job%%;*}"

        """
        return [("array.sbatch", array), ("merge.sbatch", merge), ("submit.sh", submit)]
    }

    /// For each shard (1...count) with runs that have no result or failed: the shard, its
    /// pending and failed run ids.
    public static func incompleteShards(_ plan: SweepPlan, count: Int, statuses: [String: RunStatus]) -> [(shard: Int, pending: [String], failed: [String])] {
        (1...max(1, count)).compactMap { i in
            let ids = plan.shard(i, of: count)
            let pending = ids.filter { statuses[$0] == nil }
            let failed = ids.filter { statuses[$0]?.status == .failed }
            return pending.isEmpty && failed.isEmpty ? nil : (i, pending, failed)
        }
    }
}
