import ArgumentParser
import Artifacts
import BuildInfo
import Cells
import CWoundsimOS
import Foundation
import Logging
import Run
import Scenario
import SimCore
import Simulation
import StrictYAML
import Sweep
import Verification

/// `woundsim report`: (re)builds the report of a run folder or a sweep folder.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Build DIR/report.html for a run folder or a sweep folder (one self-contained page).",
        discussion: "Runs and sweeps write their report themselves; this rebuilds it, e.g. after a sweep's shards were merged by hand."
    )

    @Argument(help: "A run folder or a sweep folder.")
    var dir: String

    func run() throws {
        let url = URL(fileURLWithPath: dir).standardizedFileURL
        let fm = FileManager.default
        if fm.fileExists(atPath: url.appendingPathComponent("plan.json").path) {
            let folder = SweepFolder(path: dir)
            let plan: SweepPlan
            do { plan = try folder.loadPlan() } catch { fail("woundsim: \(error)"); throw ExitCode(2) }
            do { try SweepReport.write(plan, folder: folder, statuses: statuses(plan, folder)) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        } else if fm.fileExists(atPath: url.appendingPathComponent("summary.json").path) {
            do { try Report.writeRun(url) } catch { fail("woundsim: \(error)"); throw ExitCode(1) }
        } else {
            fail("woundsim: \(url.path) is neither a run folder (summary.json) nor a sweep folder (plan.json)")
            throw ExitCode(2)
        }
        print("report: \(url.appendingPathComponent("report.html").path)")
    }
}
