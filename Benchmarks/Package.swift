// swift-tools-version: 6.1
// Benchmarks for woundsim, kept in their own package so that their dependencies never reach users.
import PackageDescription

let package = Package(
    name: "woundsim-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "woundsim", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "FieldStep",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Fields", package: "woundsim"),
                .product(name: "Scenario", package: "woundsim"),
                .product(name: "SimCore", package: "woundsim"),
            ],
            path: "Benchmarks/FieldStep",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CellStep",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Cells", package: "woundsim"),
                .product(name: "Fields", package: "woundsim"),
                .product(name: "Scenario", package: "woundsim"),
                .product(name: "Simulation", package: "woundsim"),
                .product(name: "SimCore", package: "woundsim"),
            ],
            path: "Benchmarks/CellStep",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
