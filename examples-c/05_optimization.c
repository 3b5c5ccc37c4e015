/* 05_optimization: the seed's optimizers from C. Adam, Yogi and SGD with momentum first minimise a fixed
 * ill-conditioned quadratic, f(x) = 0.5 * sum_i a_i x_i^2 with a = (1, 10, 100) (condition number 100),
 * and then train a small regression network written with raw tensors,
 * y = tanh(x W1^T + b1) W2^T + b2 with 1 input, 16 hidden units and 1 output, on 64 points of
 * sin(2x) + 0.3x. Both loss curves are printed, and the program exits non-zero unless every optimizer
 * lowers the quadratic by 1e8 and the network's mean squared error by 100.
 *
 * The tutorial begin/end comments mark the code docs/tutorial.md shows (scripts/tutorial.py copies it).
 */
#include <math.h>
#include <stdio.h>
#include <swish.h>

enum { ADAM, YOGI, SGD, NOPT };
static const char *opt_names[NOPT] = {"Adam", "Yogi", "SGD+momentum"};

static int check(int ok, const char *what) {
    if (!ok) printf("FAILED: %s (%s)\n", what, swish_last_error());
    return ok;
}

/* tutorial:begin make-optimizer */
/* An optimizer of kind `kind` over `n` parameters with learning rate `lr`. */
static swish_optimizer *make_optimizer(int kind, swish_tensor **params, size_t n, float lr) {
    if (kind == ADAM) {
        swish_adam_options o;
        swish_adam_options_default(&o);
        o.lr = lr;
        return swish_adam_new(params, n, &o);
    }
    if (kind == YOGI) {
        swish_yogi_options o;
        swish_yogi_options_default(&o);
        o.lr = lr;
        return swish_yogi_new(params, n, &o);
    }
    swish_sgd_options o;
    swish_sgd_options_default(&o);
    o.lr = lr;
    o.momentum = 0.9f;
    return swish_sgd_new(params, n, &o);
}
/* tutorial:end make-optimizer */

/* --- Part 1: the quadratic. ------------------------------------------------------------------------ */
#define Q_STEPS 300
#define Q_EVERY 30
static float q_curve[NOPT][Q_STEPS];

/* tutorial:begin quadratic */
static int quadratic(int kind, float lr) {
    const float start[] = {-5, 2, 1};
    swish_tensor *x = swish_tensor_new(start, (int64_t[]){3}, 1);
    swish_tensor *a = swish_tensor_new((float[]){1, 10, 100}, (int64_t[]){3}, 1);
    swish_tensor_set_requires_grad(x, true);
    swish_optimizer *opt = make_optimizer(kind, &x, 1, lr);
    if (!check(opt != NULL, "creating the optimizer")) return 0;
    for (int step = 0; step < Q_STEPS; step++) {
        swish_scope_begin();
        swish_optimizer_zero_grad(opt);
        swish_tensor *f = swish_mul_scalar(swish_sum(swish_mul(a, swish_square(x))), 0.5f);
        q_curve[kind][step] = swish_item(f);
        int ok = check(swish_backward(f) == SWISH_OK && swish_optimizer_step(opt) == SWISH_OK, "quadratic step");
        swish_scope_end();
        if (!ok) return 0;
    }
    swish_optimizer_free(opt);
    swish_tensor_free(x);
    swish_tensor_free(a);
    return 1;
}
/* tutorial:end quadratic */

/* --- Part 2: the regression network. ---------------------------------------------------------------- */
#define NPTS 64
#define HIDDEN 16
#define R_STEPS 500
#define R_EVERY 50
static float r_curve[NOPT][R_STEPS];
static float init_w1[HIDDEN], init_b1[HIDDEN], init_w2[HIDDEN], init_b2[1];

/* tutorial:begin regression */
static int regression(int kind, float lr, swish_tensor *x, swish_tensor *y) {
    swish_tensor *w1 = swish_tensor_new(init_w1, (int64_t[]){HIDDEN, 1}, 2);
    swish_tensor *b1 = swish_tensor_new(init_b1, (int64_t[]){HIDDEN}, 1);
    swish_tensor *w2 = swish_tensor_new(init_w2, (int64_t[]){1, HIDDEN}, 2);
    swish_tensor *b2 = swish_tensor_new(init_b2, (int64_t[]){1}, 1);
    swish_tensor *params[] = {w1, b1, w2, b2};
    for (int i = 0; i < 4; i++) swish_tensor_set_requires_grad(params[i], true);
    swish_optimizer *opt = make_optimizer(kind, params, 4, lr);
    if (!check(opt != NULL, "creating the optimizer")) return 0;
    for (int step = 0; step < R_STEPS; step++) {
        swish_scope_begin();
        swish_optimizer_zero_grad(opt);
        swish_tensor *h = swish_tanh(swish_add(swish_matmul(x, swish_t(w1)), b1));
        swish_tensor *out = swish_add(swish_matmul(h, swish_t(w2)), b2);
        swish_tensor *loss = swish_mse_loss(out, y, SWISH_REDUCTION_MEAN);
        r_curve[kind][step] = swish_item(loss);
        int ok = check(swish_backward(loss) == SWISH_OK && swish_optimizer_step(opt) == SWISH_OK, "regression step");
        swish_scope_end();
        if (!ok) return 0;
    }
    swish_optimizer_free(opt);
    for (int i = 0; i < 4; i++) swish_tensor_free(params[i]);
    return 1;
}
/* tutorial:end regression */

int main(void) {
    /* Learning rates: Adam's and Yogi's steps are about lr per coordinate, SGD's lr * a_i * x_i, so SGD
     * needs lr < 2 (1 + momentum) / max a_i = 0.038 to stay stable on the quadratic. */
    const float q_lr[NOPT] = {0.1f, 0.1f, 0.01f};
    for (int k = 0; k < NOPT; k++) {
        if (!quadratic(k, q_lr[k])) return 1;
    }
    printf("Quadratic 0.5 * (x1^2 + 10 x2^2 + 100 x3^2) from (-5, 2, 1):\n%6s", "step");
    for (int k = 0; k < NOPT; k++) printf("  %14s", opt_names[k]);
    printf("\n");
    for (int s = 0; s < Q_STEPS; s += Q_EVERY) {
        printf("%6d", s);
        for (int k = 0; k < NOPT; k++) printf("  %14.6g", q_curve[k][s]);
        printf("\n");
    }
    printf("%6d", Q_STEPS - 1);
    for (int k = 0; k < NOPT; k++) printf("  %14.6g", q_curve[k][Q_STEPS - 1]);
    printf("\n\n");

    /* The data: 64 points of sin(2x) + 0.3x on [-2, 2]; initial weights from a seeded generator. */
    float xv[NPTS], yv[NPTS];
    for (int i = 0; i < NPTS; i++) {
        xv[i] = -2.0f + 4.0f * (float)i / (NPTS - 1);
        yv[i] = sinf(2 * xv[i]) + 0.3f * xv[i];
    }
    swish_tensor *x = swish_tensor_new(xv, (int64_t[]){NPTS, 1}, 2);
    swish_tensor *y = swish_tensor_new(yv, (int64_t[]){NPTS, 1}, 2);
    swish_generator *gen = swish_generator_new(7);
    swish_scope_begin();
    swish_tensor_copy_to(swish_randn((int64_t[]){HIDDEN}, 1, gen), init_w1, HIDDEN);
    swish_tensor_copy_to(swish_mul_scalar(swish_randn((int64_t[]){HIDDEN}, 1, gen), 0.25f), init_w2, HIDDEN);
    swish_scope_end();
    swish_generator_free(gen);
    const float r_lr[NOPT] = {0.01f, 0.03f, 0.05f};
    for (int k = 0; k < NOPT; k++) {
        if (!regression(k, r_lr[k], x, y)) return 1;
    }
    printf("Regression net 1-%d-1 (tanh), mean squared error:\n%6s", HIDDEN, "step");
    for (int k = 0; k < NOPT; k++) printf("  %14s", opt_names[k]);
    printf("\n");
    for (int s = 0; s < R_STEPS; s += R_EVERY) {
        printf("%6d", s);
        for (int k = 0; k < NOPT; k++) printf("  %14.6g", r_curve[k][s]);
        printf("\n");
    }
    printf("%6d", R_STEPS - 1);
    for (int k = 0; k < NOPT; k++) printf("  %14.6g", r_curve[k][R_STEPS - 1]);
    printf("\n\n");
    swish_tensor_free(x);
    swish_tensor_free(y);

    /* The claims: each optimizer lowers the quadratic by at least 1e8 and the network's error by 100. */
    int failures = 0;
    for (int k = 0; k < NOPT; k++) {
        double qf = q_curve[k][0] / q_curve[k][Q_STEPS - 1], rf = r_curve[k][0] / r_curve[k][R_STEPS - 1];
        int ok = qf >= 1e8 && rf >= 100;
        printf("%-13s quadratic fell by %.3g (needs 1e8), network error by %.3g (needs 100): %s\n", opt_names[k], qf,
               rf, ok ? "ok" : "FAILED");
        failures += !ok;
    }
    if (failures) return 1;
    printf("05_optimization: every optimizer reached its stated factor\n");
    return 0;
}
