// Shim for Linux system calls Swift cannot call directly (variadic C functions).
#ifndef WOUNDSIM_CSYSTEM_SHIM_H
#define WOUNDSIM_CSYSTEM_SHIM_H

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/// Asks the kernel to send SIGKILL to this process when its parent dies (Linux), so runs a
/// sweep started do not outlive a killed sweep. Returns 0 on success, -1 where unsupported.
static inline int woundsim_die_with_parent(void) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, SIGKILL);
#else
    return -1;
#endif
}

/// The calling thread's floating-point control register: MXCSR on x86-64, FPCR on AArch64
/// (0 elsewhere, where the mode is left alone).
static inline unsigned long woundsim_fp_control(void) {
#if defined(__x86_64__)
    unsigned int r;
    __asm__ volatile("stmxcsr %0" : "=m"(r));
    return r;
#elif defined(__aarch64__)
    unsigned long r;
    __asm__ volatile("mrs %0, fpcr" : "=r"(r));
    return r;
#else
    return 0;
#endif
}

/// Sets the calling thread's floating-point control register (see `woundsim_fp_control`).
static inline void woundsim_set_fp_control(unsigned long value) {
#if defined(__x86_64__)
    unsigned int r = (unsigned int)value;
    __asm__ volatile("ldmxcsr %0" : : "m"(r));
#elif defined(__aarch64__)
    __asm__ volatile("msr fpcr, %0" : : "r"(value));
#else
    (void)value;
#endif
}

/// `control` with subnormal results flushed to zero and subnormal operands read as zero:
/// MXCSR's FTZ (bit 15) and DAZ (bit 6) on x86-64, FPCR's FZ (bit 24) on AArch64.
static inline unsigned long woundsim_fp_control_flushing(unsigned long control) {
#if defined(__x86_64__)
    return control | 0x8040UL;
#elif defined(__aarch64__)
    return control | (1UL << 24);
#else
    return control;
#endif
}

#endif
