/* training_api: the activation, loss, optimizer and training-helper APIs used correctly from C.
 * Optimizer options are checked field by field: each optimizer runs 5 steps with non-default options and
 * must match a reference loop written here in double precision, so a field read from the wrong place
 * shows. Optimizers over a module take its parameters once each and outlive the module handle. Loss values
 * were computed by PyTorch 2.15. Exits non-zero on any mismatch. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <swish.h>

static int failures = 0;

static void expect_near(const char *what, double got, double want, double rtol) {
    if (!(fabs(got - want) <= 1e-7 + rtol * fabs(want))) {
        printf("FAIL %s: %.9g, expected %.9g (%s)\n", what, got, want, swish_last_error());
        failures++;
    }
}

#define NP 3
static const double coef[NP] = {0.5, 2.0, -1.5}; /* loss = sum(coef * p^2 + p), grad = 2 coef p + 1 */
static const float start[NP] = {1.0f, -0.5f, 2.0f};

/* Runs 5 steps of `opt` on a fresh copy of `p` and writes the result to `out`. */
static void run_swish(swish_optimizer *opt, swish_tensor *p, float *out) {
    swish_tensor *c = swish_tensor_new((float[]){0.5f, 2.0f, -1.5f}, (int64_t[]){NP}, 1);
    for (int s = 0; s < 5; s++) {
        swish_scope_begin();
        swish_optimizer_zero_grad(opt);
        swish_tensor *loss = swish_sum(swish_add(swish_mul(c, swish_square(p)), p));
        if (swish_backward(loss) != SWISH_OK || swish_optimizer_step(opt) != SWISH_OK) {
            printf("FAIL step: %s\n", swish_last_error());
            failures++;
        }
        swish_scope_end();
    }
    swish_tensor_copy_to(p, out, NP);
    swish_tensor_free(c);
}

static swish_tensor *fresh_param(void) {
    swish_tensor *p = swish_tensor_new(start, (int64_t[]){NP}, 1);
    swish_tensor_set_requires_grad(p, true);
    return p;
}

static void compare(const char *what, const float *got, const double *want) {
    for (int i = 0; i < NP; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s p[%d]", what, i);
        expect_near(name, got[i], want[i], 1e-5);
    }
}

static void check_sgd(void) {
    swish_sgd_options o;
    swish_sgd_options_default(&o);
    expect_near("sgd default lr", o.lr, 1e-3, 0);
    o.lr = 0.05f, o.momentum = 0.8f, o.dampening = 0.0f, o.weight_decay = 0.1f, o.nesterov = true;
    swish_tensor *p = fresh_param();
    swish_optimizer *opt = swish_sgd_new(&p, 1, &o);
    float got[NP];
    run_swish(opt, p, got);
    double want[NP], buf[NP];
    for (int i = 0; i < NP; i++) want[i] = start[i];
    for (int s = 0; s < 5; s++) {
        for (int i = 0; i < NP; i++) {
            double g = 2 * coef[i] * want[i] + 1 + 0.1 * want[i];
            buf[i] = s == 0 ? g : 0.8 * buf[i] + g;
            want[i] -= 0.05 * (g + 0.8 * buf[i]);
        }
    }
    compare("sgd nesterov", got, want);
    swish_optimizer_free(opt);
    swish_tensor_free(p);
}

/* Adam or AdamW with every option changed from its default. */
static void check_adam(int decoupled) {
    swish_adam_options o;
    if (decoupled) swish_adamw_options_default(&o);
    else swish_adam_options_default(&o);
    expect_near("adam default eps", o.eps, 1e-8, 0);
    expect_near("adam default weight decay", o.weight_decay, decoupled ? 1e-2 : 0, 1e-6);
    o.lr = 0.02f, o.beta1 = 0.7f, o.beta2 = 0.9f, o.eps = 0.5f, o.weight_decay = 0.3f, o.amsgrad = true;
    swish_tensor *p = fresh_param();
    swish_optimizer *opt = decoupled ? swish_adamw_new(&p, 1, &o) : swish_adam_new(&p, 1, &o);
    float got[NP];
    run_swish(opt, p, got);
    double want[NP], m[NP] = {0}, v[NP] = {0}, vmax[NP] = {0};
    for (int i = 0; i < NP; i++) want[i] = start[i];
    for (int t = 1; t <= 5; t++) {
        for (int i = 0; i < NP; i++) {
            double g = 2 * coef[i] * want[i] + 1;
            if (decoupled) want[i] *= 1 - 0.02 * 0.3;
            else g += 0.3 * want[i];
            m[i] = 0.7 * m[i] + 0.3 * g;
            v[i] = 0.9 * v[i] + 0.1 * g * g;
            vmax[i] = fmax(vmax[i], v[i]);
            double mh = m[i] / (1 - pow(0.7, t)), vh = vmax[i] / (1 - pow(0.9, t));
            want[i] -= 0.02 * mh / (sqrt(vh) + 0.5);
        }
    }
    compare(decoupled ? "adamw amsgrad" : "adam amsgrad", got, want);
    swish_optimizer_free(opt);
    swish_tensor_free(p);
}

static void check_yogi(void) {
    swish_yogi_options o;
    swish_yogi_options_default(&o);
    expect_near("yogi default lr", o.lr, 1e-2, 1e-6);
    expect_near("yogi default eps", o.eps, 1e-3, 1e-6);
    expect_near("yogi default initial accumulator", o.initial_accumulator, 1e-6, 1e-6);
    o.lr = 0.05f, o.beta1 = 0.6f, o.beta2 = 0.95f, o.eps = 0.01f, o.initial_accumulator = 2.0f, o.weight_decay = 0.2f;
    swish_tensor *p = fresh_param();
    swish_optimizer *opt = swish_yogi_new(&p, 1, &o);
    float got[NP];
    run_swish(opt, p, got);
    double want[NP], m[NP] = {0}, s[NP] = {2, 2, 2};
    for (int i = 0; i < NP; i++) want[i] = start[i];
    for (int t = 1; t <= 5; t++) {
        for (int i = 0; i < NP; i++) {
            double g = 2 * coef[i] * want[i] + 1 + 0.2 * want[i];
            double g2 = g * g, d = s[i] - g2;
            m[i] = 0.6 * m[i] + 0.4 * g;
            s[i] -= 0.05 * (d > 0 ? 1 : (d < 0 ? -1 : 0)) * g2;
            want[i] -= 0.05 * (m[i] / (1 - pow(0.6, t))) / (sqrt(s[i] / (1 - pow(0.95, t))) + 0.01);
        }
    }
    compare("yogi", got, want);
    swish_optimizer_free(opt);
    swish_tensor_free(p);
}

/* Optimizers over a module: each takes the module's parameters once (a tied layer counts once), and
 * keeps updating them after the module handle is freed. */
static void check_module_optimizers(void) {
    swish_generator *gen = swish_generator_new(11);
    swish_module *shared = swish_linear_new(3, 3, true, gen);
    swish_module *layers[] = {swish_linear_new(2, 3, true, gen), swish_relu_new(), shared, swish_relu_new(), shared,
                              swish_linear_new(3, 1, true, gen)};
    swish_module *net = swish_sequential_new(layers, 6);
    for (int i = 0; i < 6; i++) {
        if (i != 4) swish_module_free(layers[i]); /* the Sequential retains them; layers[4] is `shared` */
    }
    swish_generator_free(gen);
    swish_sgd_options sgd;
    swish_sgd_options_default(&sgd);
    sgd.momentum = 0.9f;
    swish_yogi_options yogi;
    swish_yogi_options_default(&yogi);
    swish_optimizer *opts[] = {swish_sgd_new_module(net, &sgd), swish_adam_new_module(net, NULL),
                               swish_adamw_new_module(net, NULL), swish_yogi_new_module(net, &yogi)};
    for (int i = 0; i < 4; i++) {
        expect_near("module optimizer: 6 distinct parameters", (double)swish_optimizer_num_params(opts[i]), 6, 0);
        swish_optimizer_free(opts[i]);
    }

    /* Adam over the module, then the module freed: the optimizer still holds and updates the tensors. */
    swish_adam_options o;
    swish_adam_options_default(&o);
    o.lr = 0.01f;
    swish_optimizer *opt = swish_adam_new_module(net, &o);
    swish_tensor *w = swish_module_param(net, "0.weight"); /* a handle to the parameter itself */
    float before[6], after[6];
    swish_tensor_copy_to(w, before, 6);
    expect_near("free the module", swish_module_free(net), SWISH_OK, 0);
    swish_scope_begin();
    swish_optimizer_zero_grad(opt);
    expect_near("backward", swish_backward(swish_sum(swish_square(w))), SWISH_OK, 0);
    expect_near("step after the module was freed", swish_optimizer_step(opt), SWISH_OK, 0);
    swish_scope_end();
    swish_tensor_copy_to(w, after, 6);
    /* Adam's first step moves each element by lr against its gradient's sign (g = 2w here). */
    for (int i = 0; i < 6; i++) expect_near("first Adam step of 0.weight", after[i], before[i] - 0.01 * (before[i] > 0 ? 1 : -1), 1e-5);
    swish_optimizer_free(opt);
    swish_tensor_free(w);
}

/* swish_set_flush_denormal: off by default (IEEE subnormals, as PyTorch), on for the calling thread only.
 * Results are compared by their bits: with denormals-are-zero on, a subnormal compares equal to 0. */
static uint32_t half_of_tiny_bits(void) {
    const uint32_t tiny_bits = 0x00AE42E2u; /* 1.6e-38, normal; its half is subnormal */
    float tiny, half;
    memcpy(&tiny, &tiny_bits, sizeof tiny);
    swish_scope_begin();
    half = swish_item(swish_mul_scalar(swish_tensor_new(&tiny, (int64_t[]){1}, 1), 0.5f));
    swish_scope_end();
    uint32_t bits;
    memcpy(&bits, &half, sizeof bits);
    return bits;
}

static void *flush_on_other_thread(void *arg) {
    (void)arg;
    swish_set_flush_denormal(true);
    return NULL;
}

static void check_flush_denormal(void) {
    expect_near("flush denormal is off by default", swish_get_flush_denormal(), 0, 0);
    expect_near("IEEE: half of 1.6e-38 is a subnormal", half_of_tiny_bits(), 0x00572171u, 0);
    pthread_t other;
    pthread_create(&other, NULL, flush_on_other_thread, NULL);
    pthread_join(other, NULL);
    expect_near("another thread's mode is its own", swish_get_flush_denormal(), 0, 0);
    expect_near("swish_set_flush_denormal(true) is supported here", swish_set_flush_denormal(true), 1, 0);
    expect_near("the mode is on", swish_get_flush_denormal(), 1, 0);
    uint32_t flushed = half_of_tiny_bits();
    expect_near("swish_set_flush_denormal(false)", swish_set_flush_denormal(false), 1, 0);
    expect_near("flushed: half of 1.6e-38 is 0", flushed, 0, 0);
    expect_near("back to IEEE", half_of_tiny_bits(), 0x00572171u, 0);
}

int main(void) {
    const int64_t handles_at_start = swish_live_handles();
    check_flush_denormal();
    check_module_optimizers();
    expect_near("module optimizers release every handle", (double)(swish_live_handles() - handles_at_start), 0, 0);
    check_sgd();
    check_adam(0);
    check_adam(1);
    check_yogi();

    swish_scope_begin();
    /* Tied parameters: the same tensor twice is one parameter. */
    swish_tensor *p = fresh_param();
    swish_tensor *twice[] = {p, p};
    swish_optimizer *opt = swish_sgd_new(twice, 2, NULL);
    expect_near("duplicates count once", (double)swish_optimizer_num_params(opt), 1, 0);
    expect_near("set_lr", swish_optimizer_set_lr(opt, swish_lr_step(0.1f, 7, 3, 0.5f)), SWISH_OK, 0);
    expect_near("lr after StepLR(0.1, 3, 0.5) at epoch 7", swish_optimizer_get_lr(opt), 0.025, 1e-6);
    expect_near("cosine at t_max is eta_min", swish_lr_cosine(0.1f, 10, 10, 0.001f), 0.001, 1e-6);
    expect_near("cosine halfway", swish_lr_cosine(0.1f, 5, 10, 0.0f), 0.05, 1e-6);
    /* Gradient clipping: grad = 2 * coef * p + 1 = [2, -1, -5], norm sqrt(30). */
    swish_tensor *c = swish_tensor_new((float[]){0.5f, 2.0f, -1.5f}, (int64_t[]){NP}, 1);
    swish_backward(swish_sum(swish_add(swish_mul(c, swish_square(p)), p)));
    float norm = 0, g[NP];
    expect_near("clip status", swish_optimizer_clip_grad_norm(opt, 1.0f, 2.0f, &norm), SWISH_OK, 0);
    expect_near("total norm", norm, sqrt(30.0), 1e-6);
    swish_tensor_copy_to(swish_tensor_grad(p), g, NP);
    expect_near("clipped grad[2]", g[2], -5 / (sqrt(30.0) + 1e-6), 1e-6);
    swish_optimizer_free(opt);
    swish_tensor_free(p);

    /* Losses (values computed by PyTorch 2.15). */
    swish_tensor *x = swish_tensor_new((float[]){2, -1, 0.5f, 0.1f, 0.2f, 3}, (int64_t[]){2, 3}, 2);
    swish_tensor *y = swish_tensor_from_int64((int64_t[]){0, 2}, (int64_t[]){2}, 1);
    swish_tensor *w = swish_tensor_new((float[]){1, 2, 0.5f}, (int64_t[]){3}, 1);
    expect_near("cross_entropy", swish_item(swish_cross_entropy(x, y)), 0.17545640468597412, 1e-6);
    expect_near("cross_entropy weight + smoothing",
                swish_item(swish_cross_entropy_ex(x, y, w, -100, SWISH_REDUCTION_MEAN, 0.2f)), 0.8902906775474548, 1e-6);
    swish_tensor *y_ign = swish_tensor_from_int64((int64_t[]){0, -100}, (int64_t[]){2}, 1);
    expect_near("cross_entropy ignore_index", swish_item(swish_cross_entropy(x, y_ign)), 0.24131132662296295, 1e-6);
    swish_tensor *t = swish_tensor_new((float[]){1, 0, 1, 0, 1, 0.5f}, (int64_t[]){2, 3}, 2);
    swish_tensor *pw = swish_tensor_new((float[]){2, 1, 3}, (int64_t[]){3}, 1);
    expect_near("bce with logits + pos_weight",
                swish_item(swish_binary_cross_entropy_with_logits(x, t, pw, SWISH_REDUCTION_SUM)), 4.929059028625488, 1e-6);
    expect_near("huber delta 0.5", swish_item(swish_huber_loss(x, swish_zeros((int64_t[]){2, 3}, 2), SWISH_REDUCTION_MEAN, 0.5f)),
                0.4625000059604645, 1e-6);
    expect_near("l1 sum", swish_item(swish_l1_loss(x, swish_ones((int64_t[]){2, 3}, 2), SWISH_REDUCTION_SUM)), 7.2, 1e-6);
    expect_near("mse none shape", (double)swish_tensor_numel(swish_mse_loss(x, t, SWISH_REDUCTION_NONE)), 6, 0);
    expect_near("log_softmax row sums to 1 in exp", swish_item(swish_sum(swish_exp(swish_log_softmax(x, 1)))), 2, 1e-6);
    expect_near("softmax of extremes", swish_item(swish_select(swish_softmax(swish_tensor_new((float[]){1e4f, -1e4f}, (int64_t[]){2}, 1), 0), 0, 0)), 1, 0);
    expect_near("accuracy", swish_accuracy(x, y), 1.0, 0);
    expect_near("count_correct", (double)swish_count_correct(x, swish_tensor_from_int64((int64_t[]){1, 2}, (int64_t[]){2}, 1)), 1, 0);

    /* Training helpers. */
    int64_t order[10], again[10];
    swish_generator *gen = swish_generator_new(5);
    swish_randperm(order, 10, gen);
    swish_generator_seed(gen, 5);
    swish_randperm(again, 10, gen);
    int seen[10] = {0}, identity = 1;
    for (int i = 0; i < 10; i++) {
        seen[order[i]]++;
        identity &= order[i] == i;
    }
    for (int i = 0; i < 10; i++) expect_near("randperm is a permutation", seen[i], 1, 0);
    if (identity || memcmp(order, again, sizeof order) != 0) {
        printf("FAIL randperm: shuffled %d, reproducible %d\n", !identity, memcmp(order, again, sizeof order) == 0);
        failures++;
    }
    swish_generator_free(gen);
    swish_tensor *rows = swish_take_rows(x, (int64_t[]){1, 1, 0}, 3);
    float rv[9];
    swish_tensor_copy_to(rows, rv, 9);
    expect_near("take_rows shape", (double)swish_tensor_dim(rows, 0), 3, 0);
    expect_near("take_rows [0][2]", rv[2], 3, 0);
    expect_near("take_rows [2][0]", rv[6], 2, 0);
    char line[128];
    int64_t len = swish_progress_format(line, sizeof line, 3, 10, 0.23456f, 0.93126f, 48213.4);
    if (strcmp(line, "epoch 3/10: loss 0.2346, accuracy 0.9313, 48213 samples/s") != 0 || len != (int64_t)strlen(line)) {
        printf("FAIL progress line \"%s\" (%lld)\n", line, (long long)len);
        failures++;
    }
    expect_near("progress on by default", swish_set_progress(false), 1, 0);
    swish_progress_print(1, 1, 0.5f, NAN, 1); /* silenced: prints nothing */
    swish_set_progress(true);
    swish_progress_print(1, 1, 0.5f, NAN, 1);
    swish_scope_end();

    if (failures) {
        printf("training_api: %d failures\n", failures);
        return 1;
    }
    printf("training_api: optimizers, losses and helpers match their references\n");
    return 0;
}
