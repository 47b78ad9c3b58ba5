// Shim for Linux system calls Swift cannot call directly (variadic C functions).
#ifndef WOUNDSIM_CSYSTEM_SHIM_H
#define WOUNDSIM_CSYSTEM_SHIM_H

#include <signal.h>
#include <stdint.h>
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

/// `control` with gradual underflow: the bits `woundsim_fp_control_flushing` sets, cleared.
static inline unsigned long woundsim_fp_control_gradual(unsigned long control) {
#if defined(__x86_64__)
    return control & ~0x8040UL;
#elif defined(__aarch64__)
    return control & ~(1UL << 24);
#else
    return control;
#endif
}

/// Adds `value` to `*counter` atomically and returns the value it held before (relaxed order:
/// it only hands out work indices; the join that ends the parallel region orders the writes).
static inline intptr_t woundsim_fetch_add(intptr_t *counter, intptr_t value) {
    return __atomic_fetch_add(counter, value, __ATOMIC_RELAXED);
}

/// Adds 1 to `*counter` with release order: what the caller wrote before is visible to a thread
/// that reads the new count with `woundsim_load_acquire`.
static inline void woundsim_increment_release(intptr_t *counter) {
    __atomic_fetch_add(counter, 1, __ATOMIC_RELEASE);
}

/// Reads `*counter` with acquire order (see `woundsim_increment_release`).
static inline intptr_t woundsim_load_acquire(const intptr_t *counter) {
    return __atomic_load_n(counter, __ATOMIC_ACQUIRE);
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

/// 1 when the CPU has the SHA-256 instructions (x86-64 SHA extensions, CPUID leaf 7 EBX bit 29,
/// with SSSE3 and SSE4.1, leaf 1 ECX bits 9 and 19), else 0.
static inline int woundsim_has_sha256_instructions(void) {
#if defined(__x86_64__)
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 9)) || !(c & (1u << 19))) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 29) & 1;
#else
    return 0;
#endif
}

/// SHA-256's compression function (FIPS 180-4, 6.2.2) over `blocks` 64-byte blocks at `m`,
/// updating the eight state words `h`, with the x86-64 SHA extensions. Call only when
/// `woundsim_has_sha256_instructions()` is 1. `k` is the 64 round constants. The instructions
/// keep the state as the words (A, B, E, F) and (C, D, G, H); `sha256rnds2` does two rounds and
/// returns the new (A, B, E, F), the old one being the new (C, D, G, H); `sha256msg1` and
/// `sha256msg2` give the sigma-0 and sigma-1 parts of four schedule words.
#if defined(__x86_64__)
__attribute__((target("sha,sse4.1,ssse3")))
static inline void woundsim_sha256_blocks(unsigned int *h, const unsigned char *m, long blocks, const unsigned int *k) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abcd = _mm_loadu_si128((const __m128i *)h);
    __m128i efgh = _mm_loadu_si128((const __m128i *)(h + 4));
    abcd = _mm_shuffle_epi32(abcd, 0xB1);                 /* B A D C */
    efgh = _mm_shuffle_epi32(efgh, 0x1B);                 /* H G F E */
    __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);        /* F E B A */
    __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);     /* H G D C */
    for (long n = 0; n < blocks; n++, m += 64) {
        const __m128i abefStart = abef, cdghStart = cdgh;
        __m128i w[4];
        for (int g = 0; g < 16; g++) {
            __m128i cur;
            if (g < 4) {
                cur = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(m + 16 * g)), swap);
            } else {
                /* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] for t = 4g..4g+3 */
                __m128i t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                cur = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
            }
            w[g & 3] = cur;
            __m128i wk = _mm_add_epi32(cur, _mm_loadu_si128((const __m128i *)(k + 4 * g)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);    /* rounds 4g, 4g+1: new ABEF in cdgh */
            wk = _mm_shuffle_epi32(wk, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);    /* rounds 4g+2, 4g+3 */
        }
        abef = _mm_add_epi32(abef, abefStart);
        cdgh = _mm_add_epi32(cdgh, cdghStart);
    }
    __m128i t = _mm_shuffle_epi32(abef, 0x1B);            /* A B E F */
    cdgh = _mm_shuffle_epi32(cdgh, 0xB1);                 /* G H C D */
    abcd = _mm_blend_epi16(t, cdgh, 0xF0);                /* A B C D */
    efgh = _mm_alignr_epi8(cdgh, t, 8);                   /* E F G H */
    _mm_storeu_si128((__m128i *)h, abcd);
    _mm_storeu_si128((__m128i *)(h + 4), efgh);
}
#else
static inline void woundsim_sha256_blocks(unsigned int *h, const unsigned char *m, long blocks, const unsigned int *k) {
    (void)h; (void)m; (void)blocks; (void)k;
}
#endif

#endif
