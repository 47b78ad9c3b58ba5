import Foundation

/// Slurm job scripts for a planned sweep: a job array whose task I runs shard I of N
/// (`woundsim sweep run --out DIR --shard I/N`), and a merge job that starts when every task has
/// succeeded (`--dependency=afterok`). Every path in generated shell is single-quoted; the
/// `#SBATCH` lines hold no paths (the scripts are submitted from inside the sweep folder).
public enum Slurm {
    public struct Options: Sendable {
        public var arraySize: Int
        public var cpusPerTask: Int
        public var partition: String?
        public var timeLimit: String?
        public var executable: String
        public init(arraySize: Int, cpusPerTask: Int, partition: String?, timeLimit: String?, executable: String) {
            self.arraySize = arraySize; self.cpusPerTask = cpusPerTask; self.partition = partition; self.timeLimit = timeLimit; self.executable = executable
        }
    }

    /// `s` as one shell word: single-quoted, a quote inside written as '\''.
    public static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// A job name from the sweep's name: letters, digits, `.`, `-`, `_` only.
    static func jobName(_ name: String) -> String {
        let clean = String(name.unicodeScalars.map { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) ? Character($0) : "_" })
        return "woundsim-" + String(clean.prefix(40))
    }

    /// The three files, by name: `array.sbatch`, `merge.sbatch`, `submit.sh`.
    public static func scripts(plan: SweepPlan, folder: SweepFolder, options o: Options) -> [(name: String, text: String)] {
        let dir = quote(folder.url.path), exe = quote(o.executable)
        var common = ""
        if let p = o.partition { common += "#SBATCH --partition=\(p)\n" }
        if let t = o.timeLimit { common += "#SBATCH --time=\(t)\n" }
        let array = """
        #!/bin/sh
        # woundsim sweep \(plan.name) (plan \(plan.hash)): \(plan.uniqueRunIDs.count) runs in \(o.arraySize) shards.
        # Submit with slurm/submit.sh, which runs sbatch from the sweep folder.
        #SBATCH --job-name=\(jobName(plan.name))
        #SBATCH --array=1-\(o.arraySize)
        #SBATCH --cpus-per-task=\(o.cpusPerTask)
        #SBATCH --ntasks=1
        #SBATCH --output=slurm/shard-%a.log
        \(common)set -eu
        exec \(exe) sweep run --out \(dir) --shard "${SLURM_ARRAY_TASK_ID}/\(o.arraySize)" --jobs 1 --threads "${SLURM_CPUS_PER_TASK:-\(o.cpusPerTask)}"

        """
        let merge = """
        #!/bin/sh
        # Joins the shards of sweep \(plan.name) into runs.csv and summary.csv.
        #SBATCH --job-name=\(jobName(plan.name))-merge
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=1
        #SBATCH --output=slurm/merge.log
        \(common)set -eu
        exec \(exe) sweep merge \(dir)

        """
        let submit = """
        #!/bin/sh
        # Submits the array, then the merge job to run after every array task succeeded.
        # Prints the two job ids.
        set -eu
        cd \(dir)
        array_job=$(sbatch --parsable slurm/array.sbatch)
        array_job=${array_job%%;*}
        merge_job=$(sbatch --parsable --dependency=afterok:"$array_job" slurm/merge.sbatch)
        echo "$array_job ${merge_job%%;*}"

        """
        return [("array.sbatch", array), ("merge.sbatch", merge), ("submit.sh", submit)]
    }
}
