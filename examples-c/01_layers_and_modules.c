/* 01_layers_and_modules: the seed notebook's section 1, "Layers and Modules", cell by cell in C.
 *
 * Each nn.Module subclass of the notebook is a custom module: a forward callback holding arbitrary C
 * code and control flow, its layers kept in a struct passed as userdata and registered as children so
 * they are listed, printed and trained like PyTorch's.
 *
 *   class MLP(nn.Module)             hidden = LazyLinear(256), out = LazyLinear(10)
 *   class FixedHiddenMLP(nn.Module)  a constant random weight, one linear layer used twice, a while loop
 *   class NestMLP(nn.Module)         a Sequential inside a module
 *   chimera = nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP()); chimera(X)
 *
 * Exits non-zero on any mismatch.
 *
 * The tutorial begin/end comments mark the code docs/tutorial.md shows (scripts/tutorial.py copies it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* tutorial:begin sequential-of */
/* A Sequential of the given modules; takes over the caller's handles. */
static swish_module *sequential_of(swish_module **mods, size_t n) {
    swish_module *seq = swish_sequential_new(mods, n);
    for (size_t i = 0; i < n; i++) swish_module_free(mods[i]);
    return seq;
}
/* tutorial:end sequential-of */

/* ---- In [11]: class MLP(nn.Module) --------------------------------------------------------------- */

/* tutorial:begin mlp */
typedef struct {
    swish_module *hidden, *out;
} MLP;

/* return self.out(F.relu(self.hidden(X))) -- intermediates belong to the callback's scope. */
static swish_tensor *mlp_forward(swish_module *self, swish_tensor *X, void *userdata) {
    (void)self;
    MLP *m = userdata;
    return swish_forward(m->out, swish_relu(swish_forward(m->hidden, X)));
}

static void mlp_destroy(void *userdata) {
    MLP *m = userdata;
    swish_module_free(m->hidden);
    swish_module_free(m->out);
    free(m);
}

static swish_module *mlp_new(void) {
    MLP *m = malloc(sizeof *m);
    if (!m) return NULL;
    m->hidden = swish_lazy_linear_new(256, true, NULL);
    m->out = swish_lazy_linear_new(10, true, NULL);
    swish_module *self = swish_module_new_custom("MLP", mlp_forward, m, mlp_destroy);
    if (!self) {
        mlp_destroy(m);
        return NULL;
    }
    swish_module_register_child(self, "hidden", m->hidden);
    swish_module_register_child(self, "out", m->out);
    return self;
}
/* tutorial:end mlp */

/* ---- In [12]: class FixedHiddenMLP(nn.Module) ---------------------------------------------------- */

/* tutorial:begin fixed-hidden */
typedef struct {
    swish_tensor *rand_weight;
    swish_module *linear;
} FixedHiddenMLP;

static swish_tensor *fixed_hidden_forward(swish_module *self, swish_tensor *X, void *userdata) {
    (void)self;
    FixedHiddenMLP *m = userdata;
    X = swish_forward(m->linear, X);
    X = swish_relu(swish_add_scalar(swish_matmul(X, m->rand_weight), 1));
    /* Reuse the fully connected layer. This is equivalent to sharing parameters with two fully connected layers */
    X = swish_forward(m->linear, X);
    /* Control flow (swish_item of a failed call is NaN, so the loop also ends on error) */
    while (swish_item(swish_sum(swish_abs(X))) > 1) X = swish_div_scalar(X, 2);
    return swish_sum(X);
}
/* tutorial:end fixed-hidden */

static void fixed_hidden_destroy(void *userdata) {
    FixedHiddenMLP *m = userdata;
    swish_tensor_free(m->rand_weight);
    swish_module_free(m->linear);
    free(m);
}

/* tutorial:begin fixed-hidden */
static swish_module *fixed_hidden_new(void) {
    FixedHiddenMLP *m = malloc(sizeof *m);
    if (!m) return NULL;
    /* Random weight parameters that will not compute gradients and therefore keep constant during training: a
     * buffer. Non-persistent, so the state dict has the keys PyTorch gives for the notebook's plain attribute.
     * Kept out of any open scope: this struct owns the handle until fixed_hidden_destroy. */
    m->rand_weight = swish_keep(swish_rand((int64_t[]){20, 20}, 2, NULL));
    m->linear = swish_lazy_linear_new(20, true, NULL);
    swish_module *self = swish_module_new_custom("FixedHiddenMLP", fixed_hidden_forward, m, fixed_hidden_destroy);
    if (!self) {
        fixed_hidden_destroy(m);
        return NULL;
    }
    swish_module_register_buffer(self, "rand_weight", m->rand_weight, false);
    swish_module_register_child(self, "linear", m->linear);
    return self;
}
/* tutorial:end fixed-hidden */

/* ---- In [13]: class NestMLP(nn.Module) ----------------------------------------------------------- */

/* tutorial:begin nest */
typedef struct {
    swish_module *net, *linear;
} NestMLP;

static swish_tensor *nest_forward(swish_module *self, swish_tensor *X, void *userdata) {
    (void)self;
    NestMLP *m = userdata;
    return swish_forward(m->linear, swish_forward(m->net, X));
}
/* tutorial:end nest */

static void nest_destroy(void *userdata) {
    NestMLP *m = userdata;
    swish_module_free(m->net);
    swish_module_free(m->linear);
    free(m);
}

/* tutorial:begin nest */
static swish_module *nest_new(void) {
    NestMLP *m = malloc(sizeof *m);
    if (!m) return NULL;
    m->net = sequential_of((swish_module *[]){swish_lazy_linear_new(64, true, NULL), swish_relu_new(),
                                              swish_lazy_linear_new(32, true, NULL), swish_relu_new()},
                           4);
    m->linear = swish_lazy_linear_new(16, true, NULL);
    swish_module *self = swish_module_new_custom("NestMLP", nest_forward, m, nest_destroy);
    if (!self) {
        nest_destroy(m);
        return NULL;
    }
    swish_module_register_child(self, "net", m->net);
    swish_module_register_child(self, "linear", m->linear);
    return self;
}
/* tutorial:end nest */

int main(void) {
    /* tutorial:begin main */
    swish_manual_seed(1);
    swish_scope_begin();

    /* In [10]: X = torch.rand(2, 20) */
    swish_tensor *X = swish_rand((int64_t[]){2, 20}, 2, NULL);

    /* The MLP: hidden sees 20 features, out 256. */
    swish_module *net = mlp_new();
    swish_tensor *y = swish_forward(net, X);
    /* tutorial:end main */
    CHECK(y != NULL, "MLP forward failed");
    CHECK(swish_tensor_ndim(y) == 2 && swish_tensor_dim(y, 0) == 2 && swish_tensor_dim(y, 1) == 10, "MLP output is not 2x10");
    /* tutorial:begin main */
    swish_module_print(net);
    /* tutorial:end main */
    CHECK(strcmp(swish_module_str(net),
                 "MLP(\n"
                 "  (hidden): Linear(in_features=20, out_features=256, bias=True)\n"
                 "  (out): Linear(in_features=256, out_features=10, bias=True)\n"
                 ")") == 0,
          "print(MLP()) differs");
    /* d sum(y) / d out.bias is the number of rows, 2, for each of the 10 outputs */
    CHECK(swish_backward(swish_sum(y)) == SWISH_OK, "MLP backward failed");
    swish_tensor *gb = swish_tensor_grad(swish_module_param(net, "out.bias"));
    CHECK(swish_all(swish_compare_scalar(gb, 2, SWISH_EQ)) == 1, "out.bias.grad is %s, expected all 2", swish_tensor_str(gb));
    /* tutorial:begin main */
    swish_module_free(net);

    /* In [13]: chimera = nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP()); chimera(X) */
    swish_module *chimera = sequential_of((swish_module *[]){nest_new(), swish_lazy_linear_new(20, true, NULL), fixed_hidden_new()}, 3);
    y = swish_forward(chimera, X);
    swish_tensor_print(y);
    /* tutorial:end main */
    CHECK(y && swish_tensor_ndim(y) == 0, "chimera(X) is not a scalar");
    CHECK(y && strcmp(swish_tensor_grad_fn(y), "SumBackward0") == 0, "chimera(X) grad_fn is not SumBackward0");
    CHECK(fabsf(swish_item(y)) <= 1, "the while loop left |sum| = %g > 1", fabsf(swish_item(y)));

    /* tutorial:begin main */
    /* print(chimera): custom modules by their type name, with their children (PyTorch's text) */
    swish_module_print(chimera);
    /* tutorial:end main */
    CHECK(strcmp(swish_module_str(chimera),
                 "Sequential(\n"
                 "  (0): NestMLP(\n"
                 "    (net): Sequential(\n"
                 "      (0): Linear(in_features=20, out_features=64, bias=True)\n"
                 "      (1): ReLU()\n"
                 "      (2): Linear(in_features=64, out_features=32, bias=True)\n"
                 "      (3): ReLU()\n"
                 "    )\n"
                 "    (linear): Linear(in_features=32, out_features=16, bias=True)\n"
                 "  )\n"
                 "  (1): Linear(in_features=16, out_features=20, bias=True)\n"
                 "  (2): FixedHiddenMLP(\n"
                 "    (linear): Linear(in_features=20, out_features=20, bias=True)\n"
                 "  )\n"
                 ")") == 0,
          "print(chimera) differs");

    /* Its parameters, with PyTorch's names; the reused linear layer appears once, the constant weight not at all */
    const char *expected[] = {"0.net.0.weight", "0.net.0.bias", "0.net.2.weight", "0.net.2.bias", "0.linear.weight",
                              "0.linear.bias",  "1.weight",     "1.bias",         "2.linear.weight", "2.linear.bias"};
    swish_state_dict *params = swish_module_named_parameters(chimera);
    CHECK(swish_state_dict_size(params) == 10, "chimera has %lld parameters, expected 10", (long long)swish_state_dict_size(params));
    for (int64_t i = 0; i < swish_state_dict_size(params) && i < 10; i++)
        CHECK(strcmp(swish_state_dict_name(params, i), expected[i]) == 0, "parameter %lld is %s, expected %s", (long long)i,
              swish_state_dict_name(params, i), expected[i]);

    /* Backward through the C callbacks: every parameter gets a gradient of its own shape; the buffer gets none */
    CHECK(swish_backward(y) == SWISH_OK, "chimera backward failed");
    for (int64_t i = 0; i < swish_state_dict_size(params); i++) {
        swish_tensor *p = swish_state_dict_tensor(params, i);
        swish_tensor *g = swish_tensor_grad(p);
        CHECK(g && swish_tensor_numel(g) == swish_tensor_numel(p) && swish_tensor_ndim(g) == swish_tensor_ndim(p),
              "%s has no gradient of its shape", swish_state_dict_name(params, i));
        CHECK(g && isfinite(swish_item(swish_sum(swish_abs(g)))), "%s.grad is not finite", swish_state_dict_name(params, i));
    }
    swish_tensor *rand_weight = swish_module_buffer(chimera, "2.rand_weight");
    CHECK(swish_tensor_requires_grad(rand_weight) == 0 && swish_tensor_has_grad(rand_weight) == 0,
          "rand_weight should be a constant");
    swish_state_dict *sd = swish_module_state_dict(chimera);
    CHECK(swish_state_dict_size(sd) == 10 && swish_state_dict_contains(sd, "2.rand_weight") == 0,
          "chimera's state dict should hold exactly the 10 parameters");
    printf("chimera: %lld parameters, %lld state dict entries, all with gradients after backward\n",
           (long long)swish_state_dict_size(params), (long long)swish_state_dict_size(sd));
    swish_state_dict_free(sd);
    swish_state_dict_free(params);

    swish_module_free(chimera);
    swish_scope_end();
    if (swish_live_handles() != 0) {
        printf("FAIL: %lld handles leaked\n", (long long)swish_live_handles());
        failures++;
    }
    if (failures) {
        printf("%d checks failed\n", failures);
        return 1;
    }
    printf("01_layers_and_modules: all checks passed\n");
    return 0;
}
