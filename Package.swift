// swift-tools-version: 6.1
// woundsim: agent-based simulation of skin-wound repair under cell-free (secretome) therapy.
import PackageDescription

/// Release hot loops run with exclusivity checks off; overflow checks are avoided in the
/// kernels themselves (unsafe buffers, wrapping arithmetic), not by a global flag.
let hotLoopSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "woundsim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "woundsim", targets: ["woundsim"]),
        .executable(name: "woundsim-fuzz", targets: ["WoundsimFuzz"]),
        .library(name: "SimCore", targets: ["SimCore"]),
        .library(name: "Fields", targets: ["Fields"]),
        .library(name: "Cells", targets: ["Cells"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "StrictYAML", targets: ["StrictYAML"]),
        .library(name: "Scenario", targets: ["Scenario"]),
        .library(name: "Artifacts", targets: ["Artifacts"]),
        .library(name: "Run", targets: ["Run"]),
        .library(name: "Verification", targets: ["Verification"]),
        .library(name: "Sweep", targets: ["Sweep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    // The module graph (DESIGN.md "Modules"; ArchitectureTests fails on an import outside it):
    // numerics (SimCore, Fields, Cells) -> the model (Simulation) -> its inputs (StrictYAML,
    // Scenario) -> its outputs (Artifacts: model-free encoders; Run: the run loop and run folder)
    // -> Sweep (many runs, as child processes: it needs the artifacts, not the run loop) -> CLI.
    targets: [
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(name: "CWoundsimOS"),
        .target(name: "SimCore", dependencies: ["CGSL", "CWoundsimOS"], swiftSettings: hotLoopSettings),
        .target(name: "Fields", dependencies: ["SimCore"], swiftSettings: hotLoopSettings),
        .target(name: "Cells", dependencies: ["SimCore"], swiftSettings: hotLoopSettings),
        .target(name: "Simulation", dependencies: ["Cells", "Fields", "SimCore"], swiftSettings: hotLoopSettings),
        .target(name: "StrictYAML", dependencies: ["SimCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "Scenario", dependencies: ["StrictYAML", "Simulation", "Cells", "Fields", "SimCore"]),
        .target(name: "Artifacts", dependencies: ["CPNG", "CWoundsimOS"]),
        // The version and the git revision the binary was built from (stamped by the plugin).
        .plugin(name: "BuildStamp", capability: .buildTool()),
        .target(name: "BuildInfo", plugins: ["BuildStamp"]),
        .target(name: "Run", dependencies: ["Artifacts", "BuildInfo", "Scenario", "StrictYAML", "Simulation", "Cells", "Fields", "SimCore"]),
        .target(name: "Sweep", dependencies: ["CWoundsimOS", "Artifacts", "StrictYAML", "Scenario", "Simulation", "SimCore"]),
        .target(name: "Verification", dependencies: ["Fields", "SimCore", "CGSL"]),
        .executableTarget(
            name: "woundsim",
            dependencies: [
                "Run", "Artifacts", "BuildInfo", "Scenario", "StrictYAML", "Simulation", "Cells", "Verification", "Fields", "SimCore", "Sweep",
                "CWoundsimOS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The scenario and sweep parsers' fuzz target: a replay tool by default; `make fuzz`
        // builds it with -sanitize=fuzzer -DWOUNDSIM_FUZZ for libFuzzer.
        .executableTarget(name: "WoundsimFuzz", dependencies: ["Scenario", "StrictYAML", "Sweep"]),
        .testTarget(name: "ArchitectureTests"),
        .testTarget(name: "SimCoreTests", dependencies: ["SimCore", "CGSL"]),
        .testTarget(name: "FieldsTests", dependencies: ["Fields", "SimCore", "Scenario"]),
        .testTarget(name: "CellsTests", dependencies: ["Cells", "Simulation", "Fields", "SimCore"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "StrictYAML", "Simulation", "SimCore", "Run", "Cells", "Artifacts", "Fields"]),
        .testTarget(name: "ValidationTests", dependencies: ["Scenario", "Simulation", "SimCore"]),
        .testTarget(name: "VerificationTests", dependencies: ["Verification", "Fields", "SimCore"]),
        .testTarget(name: "ArtifactsTests", dependencies: ["Artifacts"]),
        .testTarget(name: "CLITests", dependencies: ["woundsim"]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "Scenario", "StrictYAML", "SimCore"]),
    ],
    swiftLanguageModes: [.v6]
)
