/* 03_parameter_initialization: the seed notebook's section 3, "Parameter Initialization", cell by cell in C.
 *
 *   net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1)); net(X).shape
 *   net.apply(init_normal)      weights N(0, 0.01^2), biases 0
 *   net.apply(init_constant)    weights 1, biases 0
 *   net[0].apply(init_xavier); net[2].apply(init_42)
 *
 * Each init function is an apply callback that tests the module's type as the notebook's
 * `if type(module) == nn.Linear` does. Random values differ from the notebook's (another generator);
 * what they must satisfy is checked. Exits non-zero on any mismatch.
 *
 * The tutorial begin/end comments mark the code docs/tutorial.md shows (scripts/tutorial.py copies it).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <swish.h>

static int failures = 0;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            printf("FAIL line %d: ", __LINE__);                                            \
            printf(__VA_ARGS__);                                                           \
            printf(" [last error: %s]\n", swish_last_error());                             \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

/* tutorial:begin init-functions */
static bool is_linear(swish_module *m) { return strcmp(swish_module_type_name(m), "Linear") == 0; }

/* In [23]: def init_normal(module) */
static swish_status init_normal(swish_module *module, void *userdata) {
    (void)userdata;
    if (is_linear(module)) {
        swish_init_normal(swish_module_param(module, "weight"), 0, 0.01f, NULL);
        return swish_init_zeros(swish_module_param(module, "bias"));
    }
    return SWISH_OK;
}

/* In [24]: def init_constant(module) */
static swish_status init_constant(swish_module *module, void *userdata) {
    (void)userdata;
    if (is_linear(module)) {
        swish_init_constant(swish_module_param(module, "weight"), 1);
        return swish_init_zeros(swish_module_param(module, "bias"));
    }
    return SWISH_OK;
}

/* In [26]: def init_xavier(module) and def init_42(module) */
static swish_status init_xavier(swish_module *module, void *userdata) {
    (void)userdata;
    if (is_linear(module)) return swish_init_xavier_uniform(swish_module_param(module, "weight"), 1, NULL);
    return SWISH_OK;
}

static swish_status init_42(swish_module *module, void *userdata) {
    (void)userdata;
    if (is_linear(module)) return swish_init_constant(swish_module_param(module, "weight"), 42);
    return SWISH_OK;
}
/* tutorial:end init-functions */

/* Prints `(net[0].weight.data[0], net[0].bias.data[0])` as Python prints the tuple. */
static const char *first_row_and_bias(swish_module *net) {
    static char buf[256];
    swish_tensor *w0 = swish_select(swish_detach(swish_module_param(net, "0.weight")), 0, 0);
    swish_tensor *b0 = swish_select(swish_detach(swish_module_param(net, "0.bias")), 0, 0);
    snprintf(buf, sizeof buf, "(%s, ", swish_tensor_str(w0));
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s)", swish_tensor_str(b0));
    return buf;
}

/* min, max, mean and standard deviation of a tensor's values */
static void stats(swish_tensor *t, float *lo, float *hi, double *mean, double *std) {
    const float *d = swish_tensor_data(t);
    int64_t n = swish_tensor_numel(t);
    double s = 0, s2 = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        *lo = fminf(*lo, d[i]);
        *hi = fmaxf(*hi, d[i]);
        s += d[i];
        s2 += (double)d[i] * d[i];
    }
    *mean = s / n;
    *std = sqrt(s2 / n - *mean * *mean);
}

int main(void) {
    /* tutorial:begin main */
    swish_manual_seed(3);
    swish_scope_begin();

    /* In [22]: net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1)); X = torch.rand(size=(2, 4)); net(X).shape */
    swish_module *layers[] = {swish_lazy_linear_new(8, true, NULL), swish_relu_new(), swish_lazy_linear_new(1, true, NULL)};
    swish_module *net = swish_sequential_new(layers, 3);
    for (int i = 0; i < 3; i++) swish_module_free(layers[i]);
    swish_tensor *X = swish_rand((int64_t[]){2, 4}, 2, NULL);
    swish_tensor *y = swish_forward(net, X);
    /* tutorial:end main */
    CHECK(y && swish_tensor_dim(y, 0) == 2 && swish_tensor_dim(y, 1) == 1, "net(X).shape is not [2, 1]");
    /* tutorial:begin main */
    printf("torch.Size([%lld, %lld])\n", (long long)swish_tensor_dim(y, 0), (long long)swish_tensor_dim(y, 1));
    /* tutorial:end main */

    /* PyTorch's default init of a Linear: weight and bias uniform in +-1/sqrt(in_features) = +-0.5 here */
    float lo, hi;
    double mean, sd;
    stats(swish_module_param(net, "0.weight"), &lo, &hi, &mean, &sd);
    CHECK(lo >= -0.5f && hi <= 0.5f, "default weight init outside +-1/sqrt(4): [%g, %g]", lo, hi);

    /* tutorial:begin main */
    /* In [23]: net.apply(init_normal); net[0].weight.data[0], net[0].bias.data[0] */
    CHECK(swish_module_apply(net, init_normal, NULL) == SWISH_OK, "apply(init_normal) failed");
    printf("%s\n", first_row_and_bias(net));
    /* tutorial:end main */
    swish_tensor *w = swish_module_param(net, "0.weight");
    stats(w, &lo, &hi, &mean, &sd);
    CHECK(fabsf(lo) < 0.06f && fabsf(hi) < 0.06f, "N(0, 0.01) weights beyond 6 sigma: [%g, %g]", lo, hi);
    CHECK(sd > 0.005 && sd < 0.015, "N(0, 0.01) weights have std %g", sd);
    CHECK(swish_all(swish_compare_scalar(swish_module_param(net, "2.bias"), 0, SWISH_EQ)) == 1, "bias not zeroed");

    /* tutorial:begin main */
    /* In [24]: net.apply(init_constant) */
    CHECK(swish_module_apply(net, init_constant, NULL) == SWISH_OK, "apply(init_constant) failed");
    const char *shown = first_row_and_bias(net);
    printf("%s\n", shown);
    /* tutorial:end main */
    CHECK(strcmp(shown, "(tensor([1., 1., 1., 1.]), tensor(0.))") == 0, "init_constant shows %s", shown);
    CHECK(swish_all(swish_compare_scalar(swish_module_param(net, "2.weight"), 1, SWISH_EQ)) == 1, "net[2] weights not 1");

    /* tutorial:begin main */
    /* In [26]: net[0].apply(init_xavier); net[2].apply(init_42); print(net[0].weight.data[0]); print(net[2].weight.data) */
    swish_module *net0 = swish_module_child(net, 0), *net2 = swish_module_child(net, 2);
    CHECK(swish_module_apply(net0, init_xavier, NULL) == SWISH_OK, "apply(init_xavier) failed");
    CHECK(swish_module_apply(net2, init_42, NULL) == SWISH_OK, "apply(init_42) failed");
    swish_tensor_print(swish_select(swish_detach(swish_module_param(net, "0.weight")), 0, 0));
    swish_tensor *w2 = swish_detach(swish_module_param(net, "2.weight"));
    swish_tensor_print(w2);
    /* tutorial:end main */
    CHECK(strcmp(swish_tensor_str(w2), "tensor([[42., 42., 42., 42., 42., 42., 42., 42.]])") == 0, "init_42 gives %s",
          swish_tensor_str(w2));
    /* Xavier: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) = sqrt(6 / 12) */
    stats(swish_module_param(net, "0.weight"), &lo, &hi, &mean, &sd);
    float a = sqrtf(6.0f / 12.0f);
    CHECK(lo >= -a && hi <= a && hi - lo > 0.5f * a, "xavier weights [%g, %g], bound %g", lo, hi, a);
    CHECK(swish_all(swish_compare_scalar(swish_module_param(net, "0.bias"), 0, SWISH_EQ)) == 1,
          "init_xavier must leave the bias alone");
    swish_module_free(net0);
    swish_module_free(net2);

    /* The laws on a large tensor, from a generator of their own: kaiming_normal_ (fan_in, relu) has std
     * sqrt(2 / fan_in), kaiming_uniform_ bound sqrt(6 / fan_in), and a Linear drawn from a seeded generator
     * is reproducible on its own. */
    swish_generator *gen = swish_generator_new(7);
    swish_tensor *big = swish_zeros((int64_t[]){512, 256}, 2);
    CHECK(swish_init_kaiming_normal(big, 0, SWISH_FAN_IN, SWISH_GAIN_RELU, gen) == SWISH_OK, "kaiming_normal failed");
    stats(big, &lo, &hi, &mean, &sd);
    double kaiming_std = sd;
    CHECK(fabs(sd / sqrt(2.0 / 256) - 1) < 0.02 && fabs(mean) < 0.002, "kaiming_normal std %g, mean %g", sd, mean);
    CHECK(swish_init_kaiming_uniform(big, 0, SWISH_FAN_IN, SWISH_GAIN_RELU, gen) == SWISH_OK, "kaiming_uniform failed");
    stats(big, &lo, &hi, &mean, &sd);
    float bound = sqrtf(6.0f / 256);
    CHECK(lo >= -bound && hi <= bound && hi > 0.99f * bound, "kaiming_uniform range [%g, %g], bound %g", lo, hi, bound);
    CHECK(fabsf(swish_init_calculate_gain(SWISH_GAIN_TANH, NAN) - 5.0f / 3) < 1e-7f, "gain(tanh)");
    swish_generator_seed(gen, 11);
    swish_module *l1 = swish_linear_new(4, 3, true, gen);
    swish_generator_seed(gen, 11);
    swish_module *l2 = swish_linear_new(4, 3, true, gen);
    CHECK(swish_all(swish_eq(swish_module_param(l1, "weight"), swish_module_param(l2, "weight"))) == 1,
          "same seed, different Linear weights");
    printf("kaiming_normal_ std %.4f (expected %.4f); kaiming_uniform_ max %.4f (bound %.4f)\n", kaiming_std, sqrt(2.0 / 256), hi,
           bound);
    swish_module_free(l1);
    swish_module_free(l2);
    swish_generator_free(gen);

    swish_module_free(net);
    swish_scope_end();
    if (swish_live_handles() != 0) {
        printf("FAIL: %lld handles leaked\n", (long long)swish_live_handles());
        failures++;
    }
    if (failures) {
        printf("%d checks failed\n", failures);
        return 1;
    }
    printf("03_parameter_initialization: all checks passed\n");
    return 0;
}
