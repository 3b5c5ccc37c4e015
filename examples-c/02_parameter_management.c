/* 02_parameter_management: the seed notebook's section 2, "Parameter Management", cell by cell in C.
 *
 *   net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))   -> net(X).shape, print(net)
 *   net[2].state_dict(); net[2].bias.data; [(name, param.shape) for name, param in net.named_parameters()]
 *   the tied net: shared = nn.LazyLinear(8) at positions 2 and 4, net[2].weight.data[0, 0] = 100 seen
 *   through net[4], and the shared weight's gradient: the sum of both uses, checked against an untied copy
 *   and against PyTorch's values (Tests/SwishTests/Fixtures/modules_tied.txt, Tests/generate/gen_modules.py).
 *
 * Prints what the notebook prints where it is deterministic and exits non-zero on any mismatch.
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

/* "torch.Size([2, 1])" */
static const char *torch_size(const swish_tensor *t) {
    static char buf[128];
    int64_t shape[SWISH_MAX_DIMS];
    int64_t n = swish_tensor_ndim(t);
    if (n < 0 || swish_tensor_shape(t, shape, SWISH_MAX_DIMS) != SWISH_OK) return "?";
    int len = snprintf(buf, sizeof buf, "torch.Size([");
    for (int64_t i = 0; i < n; i++) len += snprintf(buf + len, sizeof buf - len, "%s%lld", i ? ", " : "", (long long)shape[i]);
    snprintf(buf + len, sizeof buf - len, "])");
    return buf;
}

/* A Sequential of the given modules; takes over the caller's handles. */
static swish_module *sequential_of(swish_module **mods, size_t n) {
    swish_module *seq = swish_sequential_new(mods, n);
    for (size_t i = 0; i < n; i++) swish_module_free(mods[i]);
    return seq;
}

/* The closed-form weights shared with gen_modules.py: ((i * 37 + k * 11) % 17 - 8) / 16 for element i of
 * parameter number k in named_parameters order. */
static void set_formula_weights(swish_module *net) {
    swish_state_dict *params = swish_module_named_parameters(net);
    for (int64_t k = 0; k < swish_state_dict_size(params); k++) {
        swish_tensor *p = swish_state_dict_tensor(params, k);
        float *data = swish_tensor_data(p);
        for (int64_t i = 0; i < swish_tensor_numel(p); i++) data[i] = (float)(((i * 37 + k * 11) % 17 - 8) / 16.0);
    }
    swish_state_dict_free(params);
}

int main(void) {
    /* tutorial:begin access */
    swish_manual_seed(2);
    swish_scope_begin();

    /* In [14]: net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1)); X = torch.rand(size=(2, 4)); net(X).shape */
    swish_module *net = sequential_of(
        (swish_module *[]){swish_lazy_linear_new(8, true, NULL), swish_relu_new(), swish_lazy_linear_new(1, true, NULL)}, 3);
    swish_tensor *X = swish_rand((int64_t[]){2, 4}, 2, NULL);
    swish_tensor *y = swish_forward(net, X);
    printf("%s\n", torch_size(y));
    /* tutorial:end access */
    CHECK(y && strcmp(torch_size(y), "torch.Size([2, 1])") == 0, "net(X).shape is %s", torch_size(y));

    /* print(net), as PyTorch prints it after the lazy layers saw their input */
    const char *expected_net =
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=8, out_features=1, bias=True)\n"
        ")";
    /* tutorial:begin access */
    swish_module_print(net);
    /* tutorial:end access */
    CHECK(swish_module_str(net) && strcmp(swish_module_str(net), expected_net) == 0, "print(net) differs");

    /* tutorial:begin access */
    /* In [17]: net[2].state_dict() */
    swish_module *net2 = swish_module_child(net, 2);
    swish_state_dict *sd = swish_module_state_dict(net2);
    printf("OrderedDict([");
    for (int64_t i = 0; i < swish_state_dict_size(sd); i++)
        printf("%s('%s', %s)", i ? ", " : "", swish_state_dict_name(sd, i), swish_tensor_str(swish_state_dict_tensor(sd, i)));
    printf("])\n");
    /* tutorial:end access */
    CHECK(swish_state_dict_size(sd) == 2, "net[2].state_dict() has %lld entries", (long long)swish_state_dict_size(sd));
    CHECK(strcmp(swish_state_dict_name(sd, 0), "weight") == 0 && strcmp(swish_state_dict_name(sd, 1), "bias") == 0,
          "net[2].state_dict() keys");
    CHECK(strcmp(torch_size(swish_state_dict_get(sd, "weight")), "torch.Size([1, 8])") == 0, "weight shape");

    /* tutorial:begin access */
    /* In [18]: net[2].bias.data -- the same values as the state dict's, and the same memory */
    swish_tensor *bias = swish_detach(swish_module_param(net, "2.bias"));
    swish_tensor_print(bias);
    /* tutorial:end access */
    CHECK(swish_item(bias) == swish_item(swish_state_dict_get(sd, "bias")), "net[2].bias differs from its state dict");
    CHECK(swish_tensor_data(bias) == swish_tensor_data(swish_state_dict_get(sd, "bias")),
          "the state dict does not share memory with the parameter");
    swish_state_dict_free(sd);
    swish_module_free(net2);

    /* tutorial:begin access */
    /* In [19]: [(name, param.shape) for name, param in net.named_parameters()] */
    swish_state_dict *params = swish_module_named_parameters(net);
    const char *names[] = {"0.weight", "0.bias", "2.weight", "2.bias"};
    const char *shapes[] = {"torch.Size([8, 4])", "torch.Size([8])", "torch.Size([1, 8])", "torch.Size([1])"};
    CHECK(swish_state_dict_size(params) == 4, "named_parameters has %lld entries", (long long)swish_state_dict_size(params));
    printf("[");
    for (int64_t i = 0; i < swish_state_dict_size(params) && i < 4; i++) {
        const char *name = swish_state_dict_name(params, i);
        const char *shape = torch_size(swish_state_dict_tensor(params, i));
        printf("%s('%s', %s)", i ? ",\n " : "", name, shape);
        CHECK(strcmp(name, names[i]) == 0, "parameter %lld is %s, expected %s", (long long)i, name, names[i]);
        CHECK(strcmp(shape, shapes[i]) == 0, "%s has shape %s, expected %s", name, shape, shapes[i]);
    }
    printf("]\n");
    swish_state_dict_free(params);
    swish_module_free(net);
    /* tutorial:end access */

    /* tutorial:begin tied */
    /* In [20]: the tied net */
    swish_module *shared = swish_lazy_linear_new(8, true, NULL);
    net = sequential_of((swish_module *[]){swish_lazy_linear_new(8, true, NULL), swish_relu_new(), shared, swish_relu_new(),
                                           shared, swish_relu_new(), swish_lazy_linear_new(1, true, NULL)},
                        7);
    swish_forward(net, X);
    /* print(net[2].weight.data[0] == net[4].weight.data[0]) */
    swish_tensor *w2 = swish_module_param(net, "2.weight"), *w4 = swish_module_param(net, "4.weight");
    swish_tensor *same = swish_eq(swish_select(w2, 0, 0), swish_select(w4, 0, 0));
    swish_tensor_print(same);
    /* tutorial:end tied */
    CHECK(swish_all(same) == 1, "net[2] and net[4] differ");
    /* tutorial:begin tied */
    /* net[2].weight.data[0, 0] = 100 */
    swish_tensor_set(swish_detach(w2), (int64_t[]){0, 0}, 2, 100);
    same = swish_eq(swish_select(w2, 0, 0), swish_select(w4, 0, 0));
    swish_tensor_print(same);
    /* tutorial:end tied */
    CHECK(swish_all(same) == 1, "after the write net[2] and net[4] differ");
    CHECK(swish_tensor_get(w4, (int64_t[]){0, 0}, 2) == 100, "net[4].weight[0, 0] is not 100");

    /* Tied parameters appear once in named_parameters and under each name in the state dict */
    params = swish_module_named_parameters(net);
    sd = swish_module_state_dict(net);
    CHECK(swish_state_dict_size(params) == 6, "tied net has %lld named parameters, expected 6", (long long)swish_state_dict_size(params));
    CHECK(swish_state_dict_size(sd) == 8, "tied net has %lld state dict entries, expected 8", (long long)swish_state_dict_size(sd));
    CHECK(swish_state_dict_contains(params, "4.weight") == 0 && swish_state_dict_contains(sd, "4.weight") == 1,
          "4.weight listed wrongly");
    swish_state_dict_free(params);
    swish_state_dict_free(sd);

    /* tutorial:begin tied */
    /* The gradients of a tied layer add up: with fixed weights, backward through the tied net and through a copy
     * whose positions 2 and 4 are two separate layers holding the same values. */
    float xv[8];
    for (int i = 0; i < 8; i++) xv[i] = (float)(((i * 7) % 11 - 5) / 8.0);
    swish_tensor *Xt = swish_tensor_new(xv, (int64_t[]){2, 4}, 2);
    set_formula_weights(net);
    swish_tensor *loss = swish_sum(swish_forward(net, Xt));
    CHECK(swish_backward(loss) == SWISH_OK, "backward through the tied net failed");
    swish_tensor *g_shared = swish_tensor_grad(swish_module_param(net, "2.weight"));
    swish_tensor *gb_shared = swish_tensor_grad(swish_module_param(net, "2.bias"));

    swish_module *untied = sequential_of((swish_module *[]){swish_linear_new(4, 8, true, NULL), swish_relu_new(),
                                                            swish_linear_new(8, 8, true, NULL), swish_relu_new(),
                                                            swish_linear_new(8, 8, true, NULL), swish_relu_new(),
                                                            swish_linear_new(8, 1, true, NULL)},
                                         7);
    swish_state_dict *tied_state = swish_module_state_dict(net);
    CHECK(swish_module_load_state_dict(untied, tied_state, true, NULL, NULL) == SWISH_OK,
          "loading the tied net's state dict into the untied copy failed");
    swish_state_dict_free(tied_state);
    CHECK(swish_backward(swish_sum(swish_forward(untied, Xt))) == SWISH_OK, "backward through the untied copy failed");
    swish_tensor *g_sum = swish_add(swish_tensor_grad(swish_module_param(untied, "2.weight")),
                                    swish_tensor_grad(swish_module_param(untied, "4.weight")));
    float got[64], sum[64];
    swish_tensor_copy_to(g_shared, got, 64);
    swish_tensor_copy_to(g_sum, sum, 64);
    int differ = 0;
    for (int i = 0; i < 64; i++) differ += fabsf(got[i] - sum[i]) > 1e-6f;
    CHECK(differ == 0, "%d elements of the shared gradient are not the sum of both uses", differ);
    /* tutorial:end tied */

    /* ... and PyTorch's values for the same net */
    char path[1024];
    snprintf(path, sizeof path, "%s/Tests/SwishTests/Fixtures/modules_tied.txt", SWISH_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f) && line[0] == '#') {}
        float ref_loss = strtof(line, NULL), ref_w[64], ref_b[8], gb[8];
        int ok = 1;
        for (int i = 0; i < 64; i++) ok &= fscanf(f, "%f", &ref_w[i]) == 1;
        for (int i = 0; i < 8; i++) ok &= fscanf(f, "%f", &ref_b[i]) == 1;
        fclose(f);
        CHECK(ok, "malformed %s", path);
        CHECK(fabsf(swish_item(loss) - ref_loss) < 1e-5f, "output sum %g, PyTorch %g", swish_item(loss), ref_loss);
        swish_tensor_copy_to(gb_shared, gb, 8);
        int wrong = 0;
        for (int i = 0; i < 64; i++) wrong += fabsf(got[i] - ref_w[i]) > 1e-5f + 1e-5f * fabsf(ref_w[i]);
        for (int i = 0; i < 8; i++) wrong += fabsf(gb[i] - ref_b[i]) > 1e-5f + 1e-5f * fabsf(ref_b[i]);
        CHECK(wrong == 0, "%d elements of the shared layer's gradients differ from PyTorch's", wrong);
        printf("net[2].bias.grad = %s: the sum of both uses, as PyTorch computes it\n", swish_tensor_str(gb_shared));
    }

    swish_module_free(untied);
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
    printf("02_parameter_management: all checks passed\n");
    return 0;
}
