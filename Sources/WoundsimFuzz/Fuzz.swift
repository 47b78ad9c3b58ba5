import Foundation
import Scenario
import StrictYAML
import Sweep

/// Fuzz target for the scenario and sweep parsers (issue 7). Each input is parsed as a scenario
/// (YAML text through the strict decoder) and as a sweep file (parser, then the planner, which
/// decodes the base scenario with the sweep's values). Both must return a value or a list of
/// problems, never crash or hang.
///
/// Built with `-sanitize=fuzzer -DWOUNDSIM_FUZZ` (`make fuzz`), libFuzzer drives it. Built
/// normally, it is a replay tool: `woundsim-fuzz FILE...` runs each file through the same code
/// (to reproduce a crash libFuzzer saved).
enum FuzzTarget {
    static func run(_ data: Data) {
        guard data.count <= 64 * 1024 else { return }
        let text = String(decoding: data, as: UTF8.self)
        var issues: [InputIssue] = []
        if let tree = YNode.parse(text, file: "fuzz.yaml", issues: &issues) {
            _ = try? ScenarioDecoder.decode(tree)
        }
        if let spec = try? SweepFile.parse(text, file: "/nonexistent/fuzz/sweep.yaml") {
            // Plan only modest sweeps: the fuzzer looks for crashes, not for big grids.
            let size = Designs.gridPointCount(spec, cap: 64)
            if size * spec.seeds.count <= 64, spec.samples <= 64 { _ = try? Planner.plan(spec) }
        }
    }
}

#if WOUNDSIM_FUZZ
/// libFuzzer's entry for programs with their own `main` (SwiftPM gives executables theirs).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { bytes, size in
            FuzzTarget.run(bytes.map { Data(bytes: $0, count: size) } ?? Data())
            return 0
        }
        exit(status)
    }
}
#else
@main
struct Replay {
    static func main() {
        let files = CommandLine.arguments.dropFirst()
        if files.isEmpty {
            print("usage: woundsim-fuzz FILE... (replays inputs; build with `make fuzz` to fuzz)")
            return
        }
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else { print("cannot read \(f)"); continue }
            FuzzTarget.run(data)
            print("ok: \(f)")
        }
    }
}
#endif
