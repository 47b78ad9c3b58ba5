/// What built this binary: the version, and the git revision and dirty flag fixed at build time
/// by the `BuildStamp` plugin (`scripts/build-stamp.sh`), so a run starts no `git` process and
/// names the commit it was built from, not whatever the checkout holds when it runs.
public enum BuildInfo {
    public static let version = "0.1.0"
    /// The commit the binary was built from ("unknown" outside a git checkout).
    public static let gitRevision = BuildStamp.gitRevision
    /// Whether the checkout differed from that commit when it was built: tracked files changed, or
    /// new files where the build reads them (Sources, Tests, Scenarios, Plugins).
    public static let dirty = BuildStamp.dirty
    /// A hash of the uncommitted changes (the binary diff against the commit and the new files'
    /// contents; 12 hex digits) when dirty, else "": two dirty builds of one commit differ by it.
    public static let changes = BuildStamp.changes
    /// The revision with "-dirty" appended when the build had uncommitted changes.
    public static var revisionLabel: String { dirty ? gitRevision + "-dirty" : gitRevision }
}
