import CWoundsimOS

/// Runs `body` on the calling thread with subnormal numbers flushed to zero (x86-64: FTZ and DAZ;
/// AArch64: FZ), then restores the thread's previous mode.
///
/// Every kernel of a step runs in this mode (`World.advance` and each worker of `parallelFor`,
/// unless it is called with `flushingSubnormals: false`, as for the snapshot's encoding),
/// whatever the thread count, so the determinism invariant holds. Why: a factor that only the
/// medium supplies decays towards zero once dosing ends, and values below 2.2e-308 take a
/// microcode assist in every multiply and add. In the 14-day ASC-CM wound with clot and
/// macrophages (40 um, 2 threads) the diffusion took 119.5 s with subnormals and 24.7 s without
/// them, with the same closure time (DESIGN.md "Parallelism and determinism").
/// Values that small are zero for every purpose of the model (concentrations in ng/mL, uM).
@inline(never)
public func withSubnormalsFlushed<Result>(_ body: () throws -> Result) rethrows -> Result {
    try withFloatingPointControl(woundsim_fp_control_flushing, body)
}

/// Runs `body` on the calling thread with gradual underflow (subnormal numbers kept), then
/// restores the thread's previous mode. For work that must not flush whatever mode its thread
/// was left in: a thread inherits the floating-point mode of the thread that created it
/// (pthread_create), so a Dispatch worker started while a flushed worker asked for help keeps
/// flushing for good (seen: `FloatingPointModeTests` failed once in CI, 2026-12-07).
@inline(never)
public func withSubnormalsKept<Result>(_ body: () throws -> Result) rethrows -> Result {
    try withFloatingPointControl(woundsim_fp_control_gradual, body)
}

/// Runs `body` with the calling thread's control register set to `mode(saved)`, then restores
/// `saved` (nothing is written when the mode is already set).
@inline(__always)
private func withFloatingPointControl<Result>(_ mode: (UInt) -> UInt, _ body: () throws -> Result) rethrows -> Result {
    let saved = woundsim_fp_control()
    let wanted = mode(saved)
    if wanted == saved { return try body() }
    woundsim_set_fp_control(wanted)
    defer { woundsim_set_fp_control(saved) }
    return try body()
}

/// Whether the calling thread flushes subnormal numbers to zero now (tests).
public var subnormalsFlushed: Bool {
    let control = woundsim_fp_control()
    return woundsim_fp_control_flushing(control) == control
}
