import Foundation
import PackagePlugin

/// Stamps the `BuildInfo` target with the git revision the binary is built from and whether the
/// checkout had uncommitted changes, so a run records what built it without starting `git` (and
/// without naming whatever the checkout holds later). A prebuild command, which SwiftPM runs only
/// when it plans a build afresh (swiftlang/swift-package-manager#5476), so the Makefile runs the
/// same script before each build; the generated file is rewritten only when the stamp changes,
/// so an unchanged checkout recompiles nothing. Outside a git checkout the revision is "unknown".
@main
struct BuildStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Stamp")
        let script = context.package.directoryURL.appending(path: "scripts/build-stamp.sh")
        return [
            .prebuildCommand(
                displayName: "Stamping BuildInfo with the git revision",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, context.package.directoryURL.path, output.path],
                outputFilesDirectory: output
            ),
        ]
    }
}
