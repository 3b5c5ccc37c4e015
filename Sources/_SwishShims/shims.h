/* C helpers the Swift engine cannot express itself (as swift-numerics keeps its in _NumericsShims).
 *
 * swish_sqrt8: square root of eight floats as one vector operation. Swift's Float.squareRoot() goes
 * through a libm call kept for errno, so loops using it never vectorize; Adam and Yogi take one square
 * root per parameter per step, which made the scalar root their largest cost (scripts/profile.sh).
 * __builtin_elementwise_sqrt is the IEEE square root of each lane (correctly rounded, NaN for negative
 * inputs), the same value as sqrtf.
 *
 * swish_adam_avx2, swish_yogi_avx2: the optimizers' common-case updates compiled for AVX2, chosen at run
 * time when the processor has it (swish_cpu_has_avx2). Swift code is compiled for the baseline x86-64
 * (SSE2) unless a package-wide unsafe flag says otherwise, and these updates are bound by the divider and
 * square-root units, which do eight lanes per instruction with AVX instead of four: measured 2x on this
 * project's machine. Each is the same arithmetic, operation for operation, as the Swift loop it replaces
 * (Optim/Adam.swift), with contraction into fused multiply-adds off, so results are bit-identical on
 * every processor. */
#ifndef SWISH_SHIMS_H
#define SWISH_SHIMS_H

#include <stdbool.h>
#include <stddef.h>

typedef float swish_float8 __attribute__((ext_vector_type(8)));

static inline __attribute__((always_inline)) swish_float8 swish_sqrt8(swish_float8 x) {
    return __builtin_elementwise_sqrt(x);
}

#if defined(__x86_64__) && defined(__clang__)
#include <cpuid.h>

/* Whether the processor and the operating system support AVX2 (CPUID leaf 7 for AVX2, leaf 1 for
 * OSXSAVE and AVX, XCR0 for the saved YMM state). */
static inline bool swish_cpu_has_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return false;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return false; /* XMM and YMM state saved by the OS */
    if (__get_cpuid_max(0, NULL) < 7) return false;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & bit_AVX2) != 0;
}

/* Adam without weight decay or amsgrad on elements [lo, hi), hi - lo a multiple of 8:
 * m = m + w1 (g - m); v = v b2 + w2 g g; p = p + (-step m) / (sqrt(v) / sc2 + eps). */
static __attribute__((target("avx2"))) void swish_adam_avx2(
    float *p, const float *g, float *m, float *v, ptrdiff_t lo, ptrdiff_t hi,
    float w1, float w2, float b2, float step, float sc2, float eps) {
#pragma clang fp contract(off)
    for (ptrdiff_t i = lo; i + 8 <= hi; i += 8) {
        swish_float8 gi, m0, v0, p0;
        __builtin_memcpy(&gi, g + i, sizeof gi);
        __builtin_memcpy(&m0, m + i, sizeof m0);
        __builtin_memcpy(&v0, v + i, sizeof v0);
        __builtin_memcpy(&p0, p + i, sizeof p0);
        swish_float8 mm = m0 + w1 * (gi - m0);
        swish_float8 vv = v0 * b2 + w2 * gi * gi;
        __builtin_memcpy(m + i, &mm, sizeof mm);
        __builtin_memcpy(v + i, &vv, sizeof vv);
        swish_float8 pp = p0 + (-step) * mm / (__builtin_elementwise_sqrt(vv) / sc2 + eps);
        __builtin_memcpy(p + i, &pp, sizeof pp);
    }
}

/* Yogi without weight decay on elements [lo, hi), hi - lo a multiple of 8:
 * m = m + w1 (g - m); s = s - w2 sign(s - g g) g g; p = p + (-step m) / (sqrt(s) / sc2 + eps). */
static __attribute__((target("avx2"))) void swish_yogi_avx2(
    float *p, const float *g, float *m, float *s, ptrdiff_t lo, ptrdiff_t hi,
    float w1, float w2, float step, float sc2, float eps) {
#pragma clang fp contract(off)
    for (ptrdiff_t i = lo; i + 8 <= hi; i += 8) {
        swish_float8 gi, m0, s0, p0;
        __builtin_memcpy(&gi, g + i, sizeof gi);
        __builtin_memcpy(&m0, m + i, sizeof m0);
        __builtin_memcpy(&s0, s + i, sizeof s0);
        __builtin_memcpy(&p0, p + i, sizeof p0);
        swish_float8 mm = m0 + w1 * (gi - m0);
        swish_float8 g2 = gi * gi;
        swish_float8 zero = 0;
        swish_float8 signed_g2 = s0 > g2 ? g2 : (s0 < g2 ? -g2 : zero);
        swish_float8 ss = s0 - w2 * signed_g2;
        __builtin_memcpy(m + i, &mm, sizeof mm);
        __builtin_memcpy(s + i, &ss, sizeof ss);
        swish_float8 pp = p0 + (-step) * mm / (__builtin_elementwise_sqrt(ss) / sc2 + eps);
        __builtin_memcpy(p + i, &pp, sizeof pp);
    }
}

#else
static inline bool swish_cpu_has_avx2(void) { return false; }
#endif

#endif
