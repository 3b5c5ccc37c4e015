/* C helpers the Swift engine cannot express itself (as swift-numerics keeps its in _NumericsShims).
 *
 * swish_sqrt8: square root of eight floats as one vector operation. Swift's Float.squareRoot() goes
 * through a libm call kept for errno, so loops using it never vectorize; Adam and Yogi take one square
 * root per parameter per step, which made the scalar root their largest cost (scripts/profile.sh).
 * __builtin_elementwise_sqrt is the IEEE square root of each lane (correctly rounded, NaN for negative
 * inputs), the same value as sqrtf.
 *
 * swish_adam_avx2, swish_yogi_avx2: the optimizers' common-case updates compiled for AVX2, chosen at run
 * time when the processor has it (swish_cpu_has_avx2_fma). Swift code is compiled for the baseline x86-64
 * (SSE2) unless a package-wide unsafe flag says otherwise, and these updates are bound by the divider and
 * square-root units, which do eight lanes per instruction with AVX instead of four: measured 2x on this
 * project's machine. Each is the same arithmetic, operation for operation, as the Swift loop it replaces
 * (Optim/Adam.swift), with contraction into fused multiply-adds off, so results are bit-identical on
 * every processor.
 *
 * swish_sgemm_small_avx2: matrix products too small for OpenBLAS's fixed cost per call (below).
 *
 * swish_fp_control_get/set: the calling thread's floating-point control word, for setFlushDenormal.
 *
 * swish_spin_pause: the processor's spin-wait hint, for the optimizers' helper threads.
 *
 * swish_thread_slot_get/set: the calling thread's per-thread objects (ThreadLocal.swift). */
#ifndef SWISH_SHIMS_H
#define SWISH_SHIMS_H
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getcpu, CPU_SET, pthread_setaffinity_np */
#endif

#include <stdbool.h>
#include <stddef.h>

/* One pointer per thread for each of the engine's per-thread objects (Autograd/ThreadLocal.swift), in C's
 * thread-local storage because Swift has none. The block cache is read for every tensor made and freed,
 * the C layer's state for every tensor a C call returns: through pthread_getspecific each read was a
 * call into libc. The initial-exec model makes a read one load at a fixed offset from the thread pointer
 * (the slots are defined in shims.c, and a library loaded with dlopen takes them from the static TLS
 * space glibc keeps for that). */
enum {
    swish_thread_slot_block_cache = 0,
    swish_thread_slot_grad_mode = 1,
    swish_thread_slot_c_state = 2,
    swish_thread_slot_count = 3
};
#if defined(__ELF__)
#define SWISH_TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#define SWISH_TLS_MODEL
#endif
/* Hidden: libswish.so exports the C API's swish_ names only (tests-c/check_exports.cmake). */
extern __thread void *swish_thread_slots[swish_thread_slot_count] SWISH_TLS_MODEL
    __attribute__((visibility("hidden")));
static inline void *swish_thread_slot_get(int slot) { return swish_thread_slots[slot]; }
static inline void swish_thread_slot_set(int slot, void *value) { swish_thread_slots[slot] = value; }

typedef float swish_float8 __attribute__((ext_vector_type(8)));

static inline __attribute__((always_inline)) swish_float8 swish_sqrt8(swish_float8 x) {
    return __builtin_elementwise_sqrt(x);
}

/* A hint inside a spin-wait loop (x86 PAUSE, AArch64 YIELD): the waiting core backs off and yields its
 * execution resources, for Parallelism.forEachTask's wait for the helpers' last tasks. */
static inline void swish_spin_pause(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/* Where helper threads run (Linux). swish_current_cpu: the processor the calling thread is on, or -1.
 * swish_thread_avoid_cpu: lets `thread` run on the processors in `allowed` except `cpu` (on all of
 * `allowed` when that leaves none); returns 0 on success. The kernel tends to wake a helper on the
 * processor of the thread that woke it, which then cannot help. */
#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
typedef cpu_set_t swish_cpu_set;
static inline int swish_current_cpu(void) { return sched_getcpu(); }
static inline int swish_thread_affinity(pthread_t thread, swish_cpu_set *set) {
    return pthread_getaffinity_np(thread, sizeof *set, set);
}
static inline bool swish_cpu_set_has(const swish_cpu_set *set, int cpu) {
    return cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, set);
}
static inline int swish_cpu_set_count(const swish_cpu_set *set) { return CPU_COUNT(set); }
static inline int swish_thread_avoid_cpu(pthread_t thread, const swish_cpu_set *allowed, int cpu) {
    cpu_set_t set = *allowed;
    if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_CLR(cpu, &set);
    if (CPU_COUNT(&set) == 0) set = *allowed;
    return pthread_setaffinity_np(thread, sizeof set, &set);
}
#endif

/* The calling thread's floating-point control bits that flush subnormal numbers to zero: on x86-64 the
 * MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6), on AArch64 the FPCR's FZ (bit 24), as
 * torch.set_flush_denormal sets them. swish_fp_flush_supported says whether this build can set them. */
#if defined(__x86_64__)
#include <xmmintrin.h>
static const unsigned swish_fp_flush_bits = 0x8040u;
static inline unsigned swish_fp_control_get(void) { return _mm_getcsr(); }
static inline void swish_fp_control_set(unsigned v) { _mm_setcsr(v); }
static inline bool swish_fp_flush_supported(void) { return true; }
#elif defined(__aarch64__)
static const unsigned swish_fp_flush_bits = 1u << 24;
static inline unsigned swish_fp_control_get(void) {
    unsigned long v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return (unsigned)v;
}
static inline void swish_fp_control_set(unsigned v) {
    unsigned long w = v;
    __asm__ volatile("msr fpcr, %0" : : "r"(w));
}
static inline bool swish_fp_flush_supported(void) { return true; }
#else
static const unsigned swish_fp_flush_bits = 0;
static inline unsigned swish_fp_control_get(void) { return 0; }
static inline void swish_fp_control_set(unsigned v) { (void)v; }
static inline bool swish_fp_flush_supported(void) { return false; }
#endif

#if defined(__x86_64__) && defined(__clang__)
#include <cpuid.h>
#include <immintrin.h>

/* Whether the processor and the operating system support AVX2 and FMA (CPUID leaf 7 for AVX2, leaf 1
 * for OSXSAVE, AVX and FMA, XCR0 for the saved YMM state). Every processor with AVX2 so far has FMA;
 * the small-product kernel needs both. */
static inline bool swish_cpu_has_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX) || !(c & bit_FMA)) return false;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return false; /* XMM and YMM state saved by the OS */
    if (__get_cpuid_max(0, NULL) < 7) return false;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & bit_AVX2) != 0;
}

/* The bias correction's square root sc2 = sqrt(1 - beta2^t) rounds to exactly 1 after about 16,600 steps
 * (beta2 = 0.999), and x / 1 is x for every float: the updates below then skip that division, which is
 * one of the three divider operations (two divisions, one square root) that bound them. Same bits. */

/* Adam without weight decay or amsgrad on elements [lo, hi), hi - lo a multiple of 8:
 * m = m + w1 (g - m); v = v b2 + w2 g g; p = p + (-step m) / (sqrt(v) / sc2 + eps). */
static inline __attribute__((always_inline, target("avx2"))) void swish_adam_avx2_loop(
    float *p, const float *g, float *m, float *v, ptrdiff_t lo, ptrdiff_t hi,
    float w1, float w2, float b2, float step, float sc2, float eps, const bool unit_sc2) {
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
        swish_float8 root = __builtin_elementwise_sqrt(vv);
        swish_float8 pp = p0 + (-step) * mm / ((unit_sc2 ? root : root / sc2) + eps);
        __builtin_memcpy(p + i, &pp, sizeof pp);
    }
}

static __attribute__((target("avx2"))) void swish_adam_avx2(
    float *p, const float *g, float *m, float *v, ptrdiff_t lo, ptrdiff_t hi,
    float w1, float w2, float b2, float step, float sc2, float eps) {
    if (sc2 == 1)
        swish_adam_avx2_loop(p, g, m, v, lo, hi, w1, w2, b2, step, sc2, eps, true);
    else
        swish_adam_avx2_loop(p, g, m, v, lo, hi, w1, w2, b2, step, sc2, eps, false);
}

/* Yogi without weight decay on elements [lo, hi), hi - lo a multiple of 8:
 * m = m + w1 (g - m); s = s - w2 sign(s - g g) g g; p = p + (-step m) / (sqrt(s) / sc2 + eps). */
static inline __attribute__((always_inline, target("avx2"))) void swish_yogi_avx2_loop(
    float *p, const float *g, float *m, float *s, ptrdiff_t lo, ptrdiff_t hi,
    float w1, float w2, float step, float sc2, float eps, const bool unit_sc2) {
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
        swish_float8 root = __builtin_elementwise_sqrt(ss);
        swish_float8 pp = p0 + (-step) * mm / ((unit_sc2 ? root : root / sc2) + eps);
        __builtin_memcpy(p + i, &pp, sizeof pp);
    }
}

static __attribute__((target("avx2"))) void swish_yogi_avx2(
    float *p, const float *g, float *m, float *s, ptrdiff_t lo, ptrdiff_t hi,
    float w1, float w2, float step, float sc2, float eps) {
    if (sc2 == 1)
        swish_yogi_avx2_loop(p, g, m, s, lo, hi, w1, w2, step, sc2, eps, true);
    else
        swish_yogi_avx2_loop(p, g, m, s, lo, hi, w1, w2, step, sc2, eps, false);
}

/* ---- Small matrix products ------------------------------------------------------------------------
 * swish_sgemm_small_avx2: row-major C[m x n] = alpha op(A)[m x k] op(B)[k x n] + beta C, for products too
 * small for OpenBLAS to pay off: OpenBLAS spends thousands of instructions per call (argument checks,
 * buffer handout, packing both operands, zeroing C for beta = 0) whatever the size, which was half of a
 * batch-2 training step (scripts/profile.sh).
 *
 * op(A)[i, p] is a[i * lda + p], or a[p * lda + i] when trans_a; op(B)[p, j] is b[p * ldb + j], or
 * b[j * ldb + p] when trans_b. beta = 0 writes C without reading it (NaN in C does not survive), as BLAS
 * does. `panel` is scratch of at least swish_sgemm_small_panel(trans_a, trans_b, n, k) floats (none but
 * for op(A) and op(B) both transposed).
 *
 * Two kernels, by where the sum's index p is contiguous:
 * - A row-major and B transposed (x @ W^T, a linear layer's forward): both operands are contiguous in p,
 *   so each element is a dot product: eight lanes of partial sums over p (lane l sums the terms
 *   p = l mod 8, in order), then one fixed tree of additions, eight elements at a time.
 * - otherwise: op(B)'s rows are contiguous in j (B packed first when both are transposed), and tiles of
 *   C are held in registers, each element summing its terms in order p = 0 ... k-1 with fused
 *   multiply-adds.
 * In both, an element's arithmetic depends only on its row of op(A) and column of op(B), not on m or on
 * where a tile starts, so a row gives the same bits whichever call computes it. */

/* Floats of scratch swish_sgemm_small_avx2 needs for these operands: op(B) packed when both are
 * transposed, none otherwise. */
static inline ptrdiff_t swish_sgemm_small_panel(bool trans_a, bool trans_b, ptrdiff_t n, ptrdiff_t k) {
    return trans_a && trans_b ? k * n : 0;
}

/* Lanes [0, count) of a mask (count clamped to 0 ... 8). */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256i swish_lanes_avx2(ptrdiff_t count) {
    int n = count < 0 ? 0 : count > 8 ? 8 : (int)count;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* C[0, 0 ... 8) = alpha x + beta C, or only the lanes of `mask` unless `full`. */
static inline __attribute__((always_inline, target("avx2,fma"))) void swish_store8_masked_avx2(
    float *c, __m256 x, bool full, __m256i mask, float alpha, float beta) {
    __m256 out = alpha == 1 ? x : _mm256_mul_ps(_mm256_set1_ps(alpha), x);
    if (full) {
        if (beta != 0) {
            __m256 old = _mm256_loadu_ps(c);
            out = _mm256_add_ps(beta == 1 ? old : _mm256_mul_ps(_mm256_set1_ps(beta), old), out);
        }
        _mm256_storeu_ps(c, out);
        return;
    }
    if (beta != 0) {
        __m256 old = _mm256_maskload_ps(c, mask);
        out = _mm256_add_ps(beta == 1 ? old : _mm256_mul_ps(_mm256_set1_ps(beta), old), out);
    }
    _mm256_maskstore_ps(c, mask, out);
}

/* C[0, 0 ... cols) = alpha x + beta C, for the first min(cols, 8) columns. */
static inline __attribute__((always_inline, target("avx2,fma"))) void swish_store8_avx2(
    float *c, __m256 x, ptrdiff_t cols, float alpha, float beta) {
    if (cols >= 8)
        swish_store8_masked_avx2(c, x, true, _mm256_setzero_si256(), alpha, beta);
    else
        swish_store8_masked_avx2(c, x, false, swish_lanes_avx2(cols), alpha, beta);
}

/* Rows x (8 vecs) tile of C from op(A) rows (element (r, p) at a[r * a_row + p * a_col]) and op(B) rows
 * (stride ldp). `masked` (the last, partial column block) reads only the tile's first `cols` columns of
 * each op(B) row, as zeros beyond; otherwise all 8 vecs columns are read. */
static inline __attribute__((always_inline, target("avx2,fma"))) void swish_sgemm_tile_avx2(
    const int rows, const int vecs, const bool masked, ptrdiff_t k, const float *a, ptrdiff_t a_row,
    ptrdiff_t a_col, const float *bp, ptrdiff_t ldp, float *c, ptrdiff_t ldc, ptrdiff_t cols, float alpha,
    float beta) {
    __m256i bmask[4];
    if (masked) {
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < vecs; v++) bmask[v] = swish_lanes_avx2(cols - 8 * v);
    }
    __m256 acc[4][4];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < vecs; v++) acc[r][v] = _mm256_setzero_ps();
    for (ptrdiff_t p = 0; p < k; p++) {
        __m256 b[4];
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < vecs; v++)
            b[v] = masked ? _mm256_maskload_ps(bp + p * ldp + 8 * v, bmask[v]) : _mm256_loadu_ps(bp + p * ldp + 8 * v);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < rows; r++) {
            __m256 ar = _mm256_broadcast_ss(a + r * a_row + p * a_col);
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < vecs; v++) acc[r][v] = _mm256_fmadd_ps(ar, b[v], acc[r][v]);
        }
    }
    _Pragma("clang loop unroll(full)")
    for (int v = 0; v < vecs && cols - 8 * v > 0; v++)
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < rows; r++) swish_store8_avx2(c + r * ldc + 8 * v, acc[r][v], cols - 8 * v, alpha, beta);
}

/* C[i, j ... j + cols) for cols <= 8: dot products of A's row i with rows j ... of B (stride ldb), all
 * contiguous in p. Rows of B past `cols` are read again from row j (valid memory) and not stored. */
static inline __attribute__((always_inline, target("avx2,fma"))) void swish_sgemm_dot8_avx2(
    ptrdiff_t k, const float *a, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t cols, float alpha,
    float beta) {
    const float *row[8];
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < 8; q++) row[q] = b + (q < cols ? q : 0) * ldb;
    __m256 acc[8];
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < 8; q++) acc[q] = _mm256_setzero_ps();
    ptrdiff_t p = 0;
    for (; p + 8 <= k; p += 8) {
        __m256 x = _mm256_loadu_ps(a + p);
        _Pragma("clang loop unroll(full)")
        for (int q = 0; q < 8; q++) acc[q] = _mm256_fmadd_ps(x, _mm256_loadu_ps(row[q] + p), acc[q]);
    }
    if (p < k) {
        const __m256i mask = swish_lanes_avx2(k - p);
        __m256 x = _mm256_maskload_ps(a + p, mask);
        _Pragma("clang loop unroll(full)")
        for (int q = 0; q < 8; q++) acc[q] = _mm256_fmadd_ps(x, _mm256_maskload_ps(row[q] + p, mask), acc[q]);
    }
    /* Lane sums of the eight accumulators: result lane q = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))
     * of acc[q]. */
    __m256 t0 = _mm256_hadd_ps(acc[0], acc[1]), t1 = _mm256_hadd_ps(acc[2], acc[3]);
    __m256 t2 = _mm256_hadd_ps(acc[4], acc[5]), t3 = _mm256_hadd_ps(acc[6], acc[7]);
    __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
    __m256 sum = _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
    swish_store8_avx2(c, sum, cols, alpha, beta);
}

/* C[i, j ... j + cols) and C[i + 1, j ... j + cols) for cols <= 4: two rows of A (a0, a1) against four
 * rows of B at a time, so that each chunk of B is loaded once for both rows and the eight sums fill one
 * reduction tree. Lane for lane, term for term, the same arithmetic as swish_sgemm_dot8_avx2 (the
 * accumulators are ordered row 0's four columns, then row 1's): a row has the same bits either way. */
static inline __attribute__((always_inline, target("avx2,fma"))) void swish_sgemm_dot2x4_avx2(
    ptrdiff_t k, const float *a0, const float *a1, const float *b, ptrdiff_t ldb, float *c0, float *c1,
    ptrdiff_t cols, float alpha, float beta) {
    const float *w0 = b, *w1 = b + (cols > 1 ? ldb : 0), *w2 = b + (cols > 2 ? 2 * ldb : 0),
                *w3 = b + (cols > 3 ? 3 * ldb : 0);
    __m256 acc[8];
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < 8; q++) acc[q] = _mm256_setzero_ps();
    ptrdiff_t p = 0;
    for (; p + 8 <= k; p += 8) {
        const __m256 x0 = _mm256_loadu_ps(a0 + p), x1 = _mm256_loadu_ps(a1 + p);
        const __m256 v0 = _mm256_loadu_ps(w0 + p), v1 = _mm256_loadu_ps(w1 + p), v2 = _mm256_loadu_ps(w2 + p),
                     v3 = _mm256_loadu_ps(w3 + p);
        acc[0] = _mm256_fmadd_ps(x0, v0, acc[0]), acc[1] = _mm256_fmadd_ps(x0, v1, acc[1]);
        acc[2] = _mm256_fmadd_ps(x0, v2, acc[2]), acc[3] = _mm256_fmadd_ps(x0, v3, acc[3]);
        acc[4] = _mm256_fmadd_ps(x1, v0, acc[4]), acc[5] = _mm256_fmadd_ps(x1, v1, acc[5]);
        acc[6] = _mm256_fmadd_ps(x1, v2, acc[6]), acc[7] = _mm256_fmadd_ps(x1, v3, acc[7]);
    }
    if (p < k) {
        const __m256i mask = swish_lanes_avx2(k - p);
        const __m256 x0 = _mm256_maskload_ps(a0 + p, mask), x1 = _mm256_maskload_ps(a1 + p, mask);
        const __m256 v0 = _mm256_maskload_ps(w0 + p, mask), v1 = _mm256_maskload_ps(w1 + p, mask),
                     v2 = _mm256_maskload_ps(w2 + p, mask), v3 = _mm256_maskload_ps(w3 + p, mask);
        acc[0] = _mm256_fmadd_ps(x0, v0, acc[0]), acc[1] = _mm256_fmadd_ps(x0, v1, acc[1]);
        acc[2] = _mm256_fmadd_ps(x0, v2, acc[2]), acc[3] = _mm256_fmadd_ps(x0, v3, acc[3]);
        acc[4] = _mm256_fmadd_ps(x1, v0, acc[4]), acc[5] = _mm256_fmadd_ps(x1, v1, acc[5]);
        acc[6] = _mm256_fmadd_ps(x1, v2, acc[6]), acc[7] = _mm256_fmadd_ps(x1, v3, acc[7]);
    }
    /* The tree of swish_sgemm_dot8_avx2. */
    __m256 t0 = _mm256_hadd_ps(acc[0], acc[1]), t1 = _mm256_hadd_ps(acc[2], acc[3]);
    __m256 t2 = _mm256_hadd_ps(acc[4], acc[5]), t3 = _mm256_hadd_ps(acc[6], acc[7]);
    __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
    __m256 sum = _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
    if (alpha != 1) sum = _mm256_mul_ps(_mm256_set1_ps(alpha), sum);
    __m128 r0 = _mm256_castps256_ps128(sum), r1 = _mm256_extractf128_ps(sum, 1);
    const __m128i mask = cols >= 4 ? _mm_set1_epi32(-1) : _mm256_castsi256_si128(swish_lanes_avx2(cols));
    if (beta != 0) {
        __m128 old0 = cols >= 4 ? _mm_loadu_ps(c0) : _mm_maskload_ps(c0, mask);
        __m128 old1 = cols >= 4 ? _mm_loadu_ps(c1) : _mm_maskload_ps(c1, mask);
        if (beta != 1) {
            old0 = _mm_mul_ps(_mm_set1_ps(beta), old0);
            old1 = _mm_mul_ps(_mm_set1_ps(beta), old1);
        }
        r0 = _mm_add_ps(old0, r0);
        r1 = _mm_add_ps(old1, r1);
    }
    if (cols >= 4) {
        _mm_storeu_ps(c0, r0);
        _mm_storeu_ps(c1, r1);
    } else {
        _mm_maskstore_ps(c0, mask, r0);
        _mm_maskstore_ps(c1, mask, r1);
    }
}

/* C[m x n] for sums of K <= 4 terms (a weight's gradient over a batch of up to 4 rows): op(B)'s K rows,
 * 16 columns at a time (8 for the last block when that is enough), are loaded once and kept in registers
 * while every row of C is computed from them: K broadcasts and fused multiply-adds per vector. The tiles
 * above would load them again for every 4 rows. Each element gets the same operations as in a tile. */
static inline __attribute__((always_inline, target("avx2,fma"))) void swish_sgemm_short_sum_avx2(
    const int K, ptrdiff_t m, ptrdiff_t n, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *bp,
    ptrdiff_t ldp, float *c, ptrdiff_t ldc, float alpha, float beta) {
    for (ptrdiff_t j = 0; j < n; j += 16) {
        const ptrdiff_t cols = n - j;
        const __m256i mask0 = swish_lanes_avx2(cols), mask1 = swish_lanes_avx2(cols - 8);
        __m256 b0[4], b1[4];
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < K; p++) {
            const float *row = bp + p * ldp + j;
            b0[p] = cols >= 8 ? _mm256_loadu_ps(row) : _mm256_maskload_ps(row, mask0);
            b1[p] = cols >= 16 ? _mm256_loadu_ps(row + 8) : _mm256_maskload_ps(row + 8, mask1);
        }
        if (cols > 8) {
            for (ptrdiff_t i = 0; i < m; i++) {
                __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
                _Pragma("clang loop unroll(full)")
                for (int p = 0; p < K; p++) {
                    const __m256 ar = _mm256_broadcast_ss(a + i * a_row + p * a_col);
                    acc0 = _mm256_fmadd_ps(ar, b0[p], acc0);
                    acc1 = _mm256_fmadd_ps(ar, b1[p], acc1);
                }
                swish_store8_masked_avx2(c + i * ldc + j, acc0, true, mask0, alpha, beta);
                swish_store8_masked_avx2(c + i * ldc + j + 8, acc1, cols >= 16, mask1, alpha, beta);
            }
        } else {
            for (ptrdiff_t i = 0; i < m; i++) {
                __m256 acc0 = _mm256_setzero_ps();
                _Pragma("clang loop unroll(full)")
                for (int p = 0; p < K; p++)
                    acc0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + i * a_row + p * a_col), b0[p], acc0);
                swish_store8_masked_avx2(c + i * ldc + j, acc0, cols >= 8, mask0, alpha, beta);
            }
        }
    }
}

static inline __attribute__((always_inline, target("avx2,fma"))) void swish_sgemm_small_body_avx2(
    bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
    ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc, float *panel) {
    if (!trans_a && trans_b) {
        ptrdiff_t i = 0;
        for (; i + 2 <= m; i += 2)
            for (ptrdiff_t j = 0; j < n; j += 4)
                swish_sgemm_dot2x4_avx2(k, a + i * lda, a + (i + 1) * lda, b + j * ldb, ldb, c + i * ldc + j,
                                        c + (i + 1) * ldc + j, n - j, alpha, beta);
        for (; i < m; i++)
            for (ptrdiff_t j = 0; j < n; j += 8)
                swish_sgemm_dot8_avx2(k, a + i * lda, b + j * ldb, ldb, c + i * ldc + j, n - j, alpha, beta);
        return;
    }
    /* op(B) row-major: b itself, or packed from its transpose. */
    const float *bp = b;
    ptrdiff_t ldp = ldb;
    if (trans_b) {
        ldp = n;
        for (ptrdiff_t p = 0; p < k; p++)
            for (ptrdiff_t j = 0; j < n; j++) panel[p * ldp + j] = b[j * ldb + p];
        bp = panel;
    }
    const ptrdiff_t a_row = trans_a ? 1 : lda, a_col = trans_a ? lda : 1;
    switch (k) {
    case 1: swish_sgemm_short_sum_avx2(1, m, n, a, a_row, a_col, bp, ldp, c, ldc, alpha, beta); return;
    case 2: swish_sgemm_short_sum_avx2(2, m, n, a, a_row, a_col, bp, ldp, c, ldc, alpha, beta); return;
    case 3: swish_sgemm_short_sum_avx2(3, m, n, a, a_row, a_col, bp, ldp, c, ldc, alpha, beta); return;
    case 4: swish_sgemm_short_sum_avx2(4, m, n, a, a_row, a_col, bp, ldp, c, ldc, alpha, beta); return;
    default: break;
    }
    ptrdiff_t i = 0;
    /* Four rows by 16 columns, then what is left two rows and one row at a time by 32 columns: enough
     * independent sums in flight to hide the fused multiply-add's latency. The last column block of each
     * reads op(B) through masks, so no row is read past its end. */
#define SWISH_TILES(ROWS, VECS)                                                                               \
    for (; i + ROWS <= m; i += ROWS) {                                                                       \
        ptrdiff_t j = 0;                                                                                     \
        for (; j + 8 * VECS <= n; j += 8 * VECS)                                                             \
            swish_sgemm_tile_avx2(ROWS, VECS, false, k, a + i * a_row, a_row, a_col, bp + j, ldp,           \
                                  c + i * ldc + j, ldc, n - j, alpha, beta);                                 \
        if (j < n) { /* the last block, as many vectors wide as its columns need */                          \
            if ((VECS) >= 2 && n - j <= 8)                                                                   \
                SWISH_TILE_TAIL(ROWS, 1);                                                                    \
            else if ((VECS) >= 3 && n - j <= 16)                                                             \
                SWISH_TILE_TAIL(ROWS, 2);                                                                    \
            else if ((VECS) >= 4 && n - j <= 24)                                                             \
                SWISH_TILE_TAIL(ROWS, 3);                                                                    \
            else                                                                                             \
                SWISH_TILE_TAIL(ROWS, VECS);                                                                 \
        }                                                                                                    \
    }
#define SWISH_TILE_TAIL(ROWS, VECS)                                                                          \
    swish_sgemm_tile_avx2(ROWS, (VECS), true, k, a + i * a_row, a_row, a_col, bp + j, ldp, c + i * ldc + j,  \
                          ldc, n - j, alpha, beta)
    SWISH_TILES(4, 2)
    SWISH_TILES(2, 4)
    SWISH_TILES(1, 4)
#undef SWISH_TILE_TAIL
#undef SWISH_TILES
}

static __attribute__((target("avx2,fma"))) void swish_sgemm_small_avx2(
    bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
    ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc, float *panel) {
    /* The usual alpha and beta as constants, so that each store has no test for them. */
    if (alpha == 1 && beta == 0)
        swish_sgemm_small_body_avx2(trans_a, trans_b, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, panel);
    else if (alpha == 1 && beta == 1)
        swish_sgemm_small_body_avx2(trans_a, trans_b, m, n, k, 1, a, lda, b, ldb, 1, c, ldc, panel);
    else
        swish_sgemm_small_body_avx2(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, panel);
}

#else
/* Elsewhere the engine uses its portable loops and OpenBLAS; these are never called. */
static inline bool swish_cpu_has_avx2_fma(void) { return false; }
static inline ptrdiff_t swish_sgemm_small_panel(bool trans_a, bool trans_b, ptrdiff_t n, ptrdiff_t k) {
    return 0;
}
static inline void swish_sgemm_small_avx2(
    bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
    ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta, float *c, ptrdiff_t ldc, float *panel) {}
#endif

#endif
