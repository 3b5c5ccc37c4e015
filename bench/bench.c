/* bench: times one training step of each workload through Swish's public C API, as a user calls it,
 * next to its BLAS floor: the same forward and backward GEMM shapes called straight through OpenBLAS,
 * with nothing else (no bias, activation, loss or optimizer work). Run by scripts/bench.sh.
 *
 *   bench [--only NAME] [--reps N] [--min-seconds S] [--threads N] [--peak-rss] [--steps N] [--flush-denormal]
 *
 * Prints `bench <name> swish_us=<median> floor_us=<median> swish/floor=<median ratio>` per workload.
 * After a warm-up, Swish and the floor are timed in `reps` interleaved rounds (default 7); in each round
 * each runs enough steps to last about `min-seconds` (default 0.2 s). The times are the medians over the
 * rounds, the ratio the median of the rounds' own ratios, which a change of load between rounds moves
 * less. Swish and the floor use the same OpenBLAS thread count (OpenBLAS's default, or `--threads N`,
 * set through swish_set_num_threads). `--peak-rss` runs Swish's steps only and prints the process's peak
 * resident memory (scripts/bench.sh runs the wide workload alone in its own process for that figure);
 * `--steps N` runs N untimed Swish steps for callgrind (scripts/profile.sh). `--flush-denormal` runs with
 * swish_set_flush_denormal(true) (subnormal floats flushed to zero, as torch.set_flush_denormal(True)). */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <swish.h>
#include <time.h>

void openblas_set_num_threads(int);
int openblas_get_num_threads(void);

static int reps = 7;
static double min_seconds = 0.2;
/* --steps N: run exactly N Swish steps of each workload after the warm-up, untimed and without the floor
 * (for instruction counts under callgrind: `valgrind --tool=callgrind --toggle-collect=profiled_steps`). */
static long profile_steps = 0;

/* The steps counted in --steps mode; a function of its own so callgrind can collect exactly these. */
__attribute__((noinline)) void profiled_steps(void (*step)(void *), void *ctx, long n) {
    for (long i = 0; i < n; i++) step(ctx);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const char *what) {
    fprintf(stderr, "bench: %s failed: %s\n", what, swish_last_error());
    exit(1);
}

/* Steps of `step` that take about `min_seconds` (at least one), judged from one timed call. */
static long calibrate(void (*step)(void *), void *ctx) {
    double t0 = now();
    step(ctx);
    double once = now() - t0;
    long n = (long)(min_seconds / (once > 1e-7 ? once : 1e-7));
    return n < 1 ? 1 : n;
}

/* Mean time of one call of `step` over `n` calls, in microseconds. */
static double block_us(void (*step)(void *), void *ctx, long n) {
    double t0 = now();
    for (long i = 0; i < n; i++) step(ctx);
    return (now() - t0) / (double)n * 1e6;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return v[n / 2];
}

/* Peak-RSS mode (--peak-rss): Swish's steps only, so the floor's buffers do not count. */
static int peak_mode = 0;

/* A workload's figures: medians of Swish's and the floor's step times, and the median of the per-round
 * ratios. */
typedef struct {
    double swish_us, floor_us, ratio;
} paired;

/* Times Swish's step and its floor side by side: after a warm-up, `reps` rounds, each a block of Swish
 * steps and a block of floor steps (about `min_seconds` each, the order alternating), so a change in the
 * shared machine's load between rounds falls on both. The ratio is the median of the rounds' own ratios. */
static paired measure(void (*swish)(void *), void *swish_ctx, void (*floor)(void *), void *floor_ctx) {
    paired r = {0, 0, 0};
    for (int i = 0; i < 3; i++) swish(swish_ctx); /* warm-up */
    if (profile_steps > 0) {
        profiled_steps(swish, swish_ctx, profile_steps);
        return r;
    }
    int rounds = reps < 64 ? reps : 64;
    if (peak_mode) {
        for (int k = 0; k < rounds; k++) swish(swish_ctx);
        return r;
    }
    for (int i = 0; i < 3; i++) floor(floor_ctx);
    long ns = calibrate(swish, swish_ctx), nf = calibrate(floor, floor_ctx);
    double s[64], f[64], q[64];
    for (int k = 0; k < rounds; k++) {
        if (k % 2 == 0) {
            s[k] = block_us(swish, swish_ctx, ns);
            f[k] = block_us(floor, floor_ctx, nf);
        } else {
            f[k] = block_us(floor, floor_ctx, nf);
            s[k] = block_us(swish, swish_ctx, ns);
        }
        q[k] = s[k] / f[k];
    }
    r.swish_us = median(s, rounds), r.floor_us = median(f, rounds), r.ratio = median(q, rounds);
    return r;
}

/* Prints a workload's line (scripts/bench.sh adds PyTorch's figure and the ratios). */
static void report(const char *name, paired r) {
    printf("bench %s swish_us=%.1f floor_us=%.1f swish/floor=%.3f\n", name, r.swish_us, r.floor_us, r.ratio);
    fflush(stdout);
}

/* ---- The BLAS floor ------------------------------------------------------------------------------
 * A Linear(in, out) layer on a batch of b rows costs three GEMMs in a training step: forward
 * y[b,out] = x[b,in] @ W[out,in]^T, backward dW[out,in] = dy^T @ x and, except for the first layer (whose
 * input needs no gradient), dx[b,in] = dy @ W. A plain matmul X[b,k] @ R[k,n] with R constant costs the
 * forward and dX. */
typedef struct {
    int b, in, out;
    int needs_dx;
    float *x, *w, *y, *dy, *dw, *dx;
} gemm_layer;

typedef struct {
    gemm_layer layers[16];
    int n;
} floor_model;

static float *filled(size_t n) {
    float *p = malloc(n * sizeof *p);
    if (!p) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return p;
}

static void floor_add(floor_model *f, int b, int in, int out, int needs_dx) {
    gemm_layer *l = &f->layers[f->n++];
    l->b = b, l->in = in, l->out = out, l->needs_dx = needs_dx;
    l->x = filled((size_t)b * in), l->w = filled((size_t)out * in), l->y = filled((size_t)b * out);
    l->dy = filled((size_t)b * out), l->dw = filled((size_t)out * in), l->dx = filled((size_t)b * in);
}

static void floor_free(floor_model *f) {
    for (int i = 0; i < f->n; i++) {
        gemm_layer *l = &f->layers[i];
        free(l->x), free(l->w), free(l->y), free(l->dy), free(l->dw), free(l->dx);
    }
}

static void floor_step(void *ctx) {
    floor_model *f = ctx;
    for (int i = 0; i < f->n; i++) {
        gemm_layer *l = &f->layers[i];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l->b, l->out, l->in, 1, l->x, l->in, l->w, l->in, 0,
                    l->y, l->out);
    }
    for (int i = f->n - 1; i >= 0; i--) {
        gemm_layer *l = &f->layers[i];
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l->out, l->in, l->b, 1, l->dy, l->out, l->x, l->in, 0,
                    l->dw, l->in);
        if (l->needs_dx)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l->b, l->in, l->out, 1, l->dy, l->out, l->w, l->in,
                        0, l->dx, l->in);
    }
}

/* ---- Swish workloads --------------------------------------------------------------------------- */

typedef struct {
    swish_module *net;
    swish_optimizer *opt;
    swish_tensor *x, *y;
    int mse;
} train_ctx;

/* An MLP of Linear layers with ReLU between them, PyTorch's default init. */
static swish_module *mlp(const int *sizes, int n, swish_generator *gen) {
    swish_module *mods[32];
    int k = 0;
    for (int i = 0; i + 1 < n; i++) {
        mods[k++] = swish_linear_new(sizes[i], sizes[i + 1], true, gen);
        if (i + 2 < n) mods[k++] = swish_relu_new();
    }
    swish_module *seq = swish_sequential_new(mods, (size_t)k);
    for (int i = 0; i < k; i++) swish_module_free(mods[i]);
    if (!seq) die("building the MLP");
    return seq;
}

static swish_optimizer *adam_over(swish_module *net) {
    swish_state_dict *params = swish_module_named_parameters(net);
    int64_t n = swish_state_dict_size(params);
    swish_tensor *list[64];
    for (int64_t i = 0; i < n && i < 64; i++) list[i] = swish_state_dict_tensor(params, i);
    swish_optimizer *opt = swish_adam_new(list, (size_t)n, NULL);
    for (int64_t i = 0; i < n && i < 64; i++) swish_tensor_free(list[i]);
    swish_state_dict_free(params);
    if (!opt) die("creating Adam");
    return opt;
}

/* One training step as a C user writes it: zero_grad, forward, loss, backward, step, in a scope. */
static void train_step(void *p) {
    train_ctx *c = p;
    swish_scope_begin();
    swish_optimizer_zero_grad(c->opt);
    swish_tensor *out = swish_forward(c->net, c->x);
    swish_tensor *loss = c->mse ? swish_mse_loss(out, c->y, SWISH_REDUCTION_MEAN) : swish_cross_entropy(out, c->y);
    if (swish_backward(loss) != SWISH_OK || swish_optimizer_step(c->opt) != SWISH_OK) die("a training step");
    swish_scope_end();
}

static void bench_mlp(const char *name, const int *sizes, int n, int batch, int mse) {
    swish_generator *gen = swish_generator_new(0);
    train_ctx c = {0};
    c.net = mlp(sizes, n, gen);
    c.opt = adam_over(c.net);
    c.mse = mse;
    c.x = swish_rand((int64_t[]){batch, sizes[0]}, 2, gen);
    if (mse) {
        c.y = swish_rand((int64_t[]){batch, sizes[n - 1]}, 2, gen);
    } else {
        int64_t *labels = malloc(sizeof(int64_t) * (size_t)batch);
        for (int i = 0; i < batch; i++) labels[i] = (i * 7) % sizes[n - 1];
        c.y = swish_tensor_from_int64(labels, (int64_t[]){batch}, 1);
        free(labels);
    }
    if (!c.x || !c.y) die("making the batch");
    floor_model f = {0};
    if (!peak_mode)
        for (int i = 0; i + 1 < n; i++) floor_add(&f, batch, sizes[i], sizes[i + 1], i > 0);
    report(name, measure(train_step, &c, floor_step, &f));
    floor_free(&f);
    swish_tensor_free(c.x), swish_tensor_free(c.y);
    swish_optimizer_free(c.opt), swish_module_free(c.net), swish_generator_free(gen);
}

/* ---- The seed's chimera: Sequential(NestMLP(), LazyLinear(20), FixedHiddenMLP()) ------------------ */

typedef struct {
    swish_module *net, *linear;
} nest_mlp;

static swish_tensor *nest_forward(swish_module *self, swish_tensor *X, void *ud) {
    (void)self;
    nest_mlp *m = ud;
    return swish_forward(m->linear, swish_forward(m->net, X));
}

static void nest_destroy(void *ud) {
    nest_mlp *m = ud;
    swish_module_free(m->net), swish_module_free(m->linear), free(m);
}

typedef struct {
    swish_tensor *rand_weight;
    swish_module *linear;
} fixed_hidden_mlp;

static swish_tensor *fixed_forward(swish_module *self, swish_tensor *X, void *ud) {
    (void)self;
    fixed_hidden_mlp *m = ud;
    X = swish_forward(m->linear, X);
    X = swish_relu(swish_add_scalar(swish_matmul(X, m->rand_weight), 1));
    X = swish_forward(m->linear, X);
    while (swish_item(swish_sum(swish_abs(X))) > 1) X = swish_div_scalar(X, 2);
    return swish_sum(X);
}

static void fixed_destroy(void *ud) {
    fixed_hidden_mlp *m = ud;
    swish_tensor_free(m->rand_weight), swish_module_free(m->linear), free(m);
}

static swish_module *chimera_new(void) {
    nest_mlp *n = malloc(sizeof *n);
    swish_module *inner[] = {swish_lazy_linear_new(64, true, NULL), swish_relu_new(), swish_lazy_linear_new(32, true, NULL),
                             swish_relu_new()};
    n->net = swish_sequential_new(inner, 4);
    for (int i = 0; i < 4; i++) swish_module_free(inner[i]);
    n->linear = swish_lazy_linear_new(16, true, NULL);
    swish_module *nest = swish_module_new_custom("NestMLP", nest_forward, n, nest_destroy);
    swish_module_register_child(nest, "net", n->net);
    swish_module_register_child(nest, "linear", n->linear);

    fixed_hidden_mlp *f = malloc(sizeof *f);
    f->rand_weight = swish_rand((int64_t[]){20, 20}, 2, NULL);
    f->linear = swish_lazy_linear_new(20, true, NULL);
    swish_module *fixed = swish_module_new_custom("FixedHiddenMLP", fixed_forward, f, fixed_destroy);
    swish_module_register_buffer(fixed, "rand_weight", f->rand_weight, false);
    swish_module_register_child(fixed, "linear", f->linear);

    swish_module *parts[] = {nest, swish_lazy_linear_new(20, true, NULL), fixed};
    swish_module *chimera = swish_sequential_new(parts, 3);
    for (int i = 0; i < 3; i++) swish_module_free(parts[i]);
    if (!chimera) die("building the chimera");
    return chimera;
}

static void chimera_step(void *p) {
    train_ctx *c = p;
    swish_scope_begin();
    swish_module_zero_grad(c->net);
    if (swish_backward(swish_forward(c->net, c->x)) != SWISH_OK) die("the chimera's forward and backward");
    swish_scope_end();
}

static void bench_chimera(void) {
    swish_manual_seed(0);
    train_ctx c = {0};
    c.net = chimera_new();
    c.x = swish_rand((int64_t[]){2, 20}, 2, NULL);
    swish_tensor_free(swish_forward(c.net, c.x)); /* materialize the lazy layers */
    /* Its GEMMs: 20->64->32->16 (NestMLP), 16->20 (LazyLinear), then FixedHiddenMLP's linear twice and
     * X @ rand_weight between them (the while loop is not GEMM work). */
    floor_model f = {0};
    floor_add(&f, 2, 20, 64, 0), floor_add(&f, 2, 64, 32, 1), floor_add(&f, 2, 32, 16, 1);
    floor_add(&f, 2, 16, 20, 1), floor_add(&f, 2, 20, 20, 1), floor_add(&f, 2, 20, 20, 1);
    floor_add(&f, 2, 20, 20, 1);
    report("chimera_fwd_bwd", measure(chimera_step, &c, floor_step, &f));
    floor_free(&f);
    swish_tensor_free(c.x), swish_module_free(c.net);
}

/* Peak resident memory, from the kernel's high-water mark. */
static long peak_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb;
}

int main(int argc, char **argv) {
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--min-seconds") && i + 1 < argc) min_seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--peak-rss")) peak_mode = 1;
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) profile_steps = atol(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) swish_set_num_threads(atoi(argv[++i]));
        else if (!strcmp(argv[i], "--flush-denormal")) swish_set_flush_denormal(true);
        else {
            fprintf(stderr, "usage: bench [--only NAME] [--reps N] [--min-seconds S] [--peak-rss] [--steps N] [--threads N] "
                            "[--flush-denormal]\n");
            return 2;
        }
    }
    if (reps < 1) reps = 1;
#define RUN(name) (!only || !strcmp(only, name))
    if (RUN("tiny_mlp_b2_adam")) bench_mlp("tiny_mlp_b2_adam", (int[]){20, 256, 10}, 3, 2, 0);
    if (RUN("chimera_fwd_bwd")) bench_chimera();
    if (RUN("mnist_mlp_b128_adam")) bench_mlp("mnist_mlp_b128_adam", (int[]){784, 256, 256, 10}, 4, 128, 0);
    if (RUN("wide_mlp_b256_adam")) bench_mlp("wide_mlp_b256_adam", (int[]){1024, 4096, 4096, 1024}, 4, 256, 1);
    if (peak_mode) printf("bench peak_rss_mb swish=%.0f\n", peak_rss_kb() / 1024.0);
    return 0;
}
