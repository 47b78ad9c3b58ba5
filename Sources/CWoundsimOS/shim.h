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

#endif
