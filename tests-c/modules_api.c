/* modules_api: the parts of the module, state dict and init API the seed examples do not use, called the
 * right way: every built-in module's constructor and printout (PyTorch's text), train/eval, zero_grad,
 * buffers, children by index and name, the functional linear, fans and the remaining initializers.
 * Exits non-zero on any mismatch. */
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

int main(void) {
    swish_scope_begin();
    int64_t handles_at_start = swish_live_handles();

    /* Every built-in module, printed as PyTorch prints it */
    swish_module *mods[] = {swish_linear_new(3, 4, false, NULL), swish_leaky_relu_new(0.2f), swish_gelu_new("tanh"),
                            swish_gelu_new(NULL),  swish_silu_new(),  swish_sigmoid_new(),     swish_tanh_new(),
                            swish_flatten_new(0, -1), swish_identity_new(), swish_relu_new()};
    const char *expected[] = {"Linear(in_features=3, out_features=4, bias=False)", "LeakyReLU(negative_slope=0.2)",
                              "GELU(approximate='tanh')", "GELU(approximate='none')", "SiLU()", "Sigmoid()", "Tanh()",
                              "Flatten(start_dim=0, end_dim=-1)", "Identity()", "ReLU()"};
    const char *types[] = {"Linear", "LeakyReLU", "GELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Flatten", "Identity", "ReLU"};
    for (int i = 0; i < 10; i++) {
        CHECK(swish_module_str(mods[i]) && strcmp(swish_module_str(mods[i]), expected[i]) == 0, "module %d prints %s", i,
              swish_module_str(mods[i]));
        CHECK(strcmp(swish_module_type_name(mods[i]), types[i]) == 0, "module %d is a %s", i, swish_module_type_name(mods[i]));
    }

    /* A Sequential of them runs each in turn: x [2, 3] -> Linear -> [2, 4] -> ... -> Flatten(0) -> [8] */
    swish_module *net = swish_sequential_new(mods, 10);
    for (int i = 0; i < 10; i++) swish_module_free(mods[i]);
    float xv[6] = {-1, 0.5f, 2, 0, -0.25f, 1};
    swish_tensor *x = swish_tensor_new(xv, (int64_t[]){2, 3}, 2);
    swish_tensor *y = swish_forward(net, x);
    CHECK(y && swish_tensor_ndim(y) == 1 && swish_tensor_dim(y, 0) == 8, "Sequential of activations: wrong shape");
    /* ... ending in relu(tanh(sigmoid(.))), so every value lies in (0, tanh(1)) */
    CHECK(swish_item(swish_max(y)) < tanhf(1) && swish_item(swish_max(swish_neg(y))) < 0, "activations out of range");
    /* The functional form agrees with the layer */
    swish_tensor *h = swish_linear(x, swish_module_param(net, "0.weight"), NULL);
    swish_module *first = swish_module_child(net, 0);
    CHECK(swish_all(swish_eq(h, swish_forward(first, x))) == 1, "swish_linear differs from the Linear module");
    swish_module_free(first);

    /* Children by index and by name */
    CHECK(swish_module_num_children(net) == 10, "num_children %lld", (long long)swish_module_num_children(net));
    CHECK(strcmp(swish_module_child_name(net, -1), "9") == 0, "name of the last child");
    swish_module *child = swish_module_child_by_name(net, "7");
    CHECK(child && strcmp(swish_module_type_name(child), "Flatten") == 0, "child 7");
    swish_module_free(child);
    child = swish_module_child_by_name(net, "");
    CHECK(child && strcmp(swish_module_type_name(child), "Sequential") == 0, "\"\" is the module itself");
    swish_module_free(child);

    /* train / eval reach every descendant */
    swish_module *inner = swish_module_child(net, 3);
    CHECK(swish_module_is_training(net) == 1 && swish_module_is_training(inner) == 1, "modules start in training mode");
    swish_module_eval(net);
    CHECK(swish_module_is_training(net) == 0 && swish_module_is_training(inner) == 0, "eval() did not propagate");
    swish_module_train(net, true);
    CHECK(swish_module_is_training(inner) == 1, "train() did not propagate");
    swish_module_free(inner);

    /* zero_grad forgets every parameter's gradient */
    swish_backward(swish_sum(swish_forward(net, x)));
    swish_tensor *w = swish_module_param(net, "0.weight");
    CHECK(swish_tensor_has_grad(w) == 1, "no gradient after backward");
    swish_module_zero_grad(net);
    CHECK(swish_tensor_has_grad(w) == 0, "zero_grad kept the gradient");

    /* Buffers: persistent ones in the state dict, all in named_buffers, none in named_parameters */
    swish_module *layer = swish_linear_new(2, 2, true, NULL);
    swish_module_register_buffer(layer, "running_mean", swish_zeros((int64_t[]){2}, 1), true);
    swish_module_register_buffer(layer, "scratch", swish_ones((int64_t[]){1}, 1), false);
    swish_state_dict *buffers = swish_module_named_buffers(layer);
    swish_state_dict *sd = swish_module_state_dict(layer);
    swish_state_dict *params = swish_module_named_parameters(layer);
    CHECK(swish_state_dict_size(buffers) == 2 && strcmp(swish_state_dict_name(buffers, 1), "scratch") == 0, "named_buffers");
    CHECK(swish_state_dict_size(sd) == 3 && strcmp(swish_state_dict_name(sd, 2), "running_mean") == 0, "state_dict keys");
    CHECK(swish_state_dict_size(params) == 2, "named_parameters has the buffers");
    CHECK(swish_item(swish_module_buffer(layer, "scratch")) == 1, "buffer value");
    CHECK(swish_tensor_requires_grad(swish_state_dict_get(sd, "weight")) == 0, "state dict tensors carry no graph");
    CHECK(swish_tensor_requires_grad(swish_state_dict_get(params, "weight")) == 1, "named_parameters gives the parameters");
    swish_state_dict_free(buffers);
    swish_state_dict_free(sd);
    swish_state_dict_free(params);
    swish_module_free(layer);

    /* Initializers and fans */
    int64_t fan_in = 0, fan_out = 0;
    swish_tensor *conv = swish_zeros((int64_t[]){16, 3, 5, 5}, 4);
    CHECK(swish_init_fans(conv, &fan_in, &fan_out) == SWISH_OK && fan_in == 75 && fan_out == 400, "fans %lld %lld",
          (long long)fan_in, (long long)fan_out);
    CHECK(swish_init_ones(conv) == SWISH_OK && swish_item(swish_sum(conv)) == 1200, "ones_");
    swish_generator *gen = swish_generator_new(3);
    swish_tensor *big = swish_zeros((int64_t[]){300, 500}, 2);
    CHECK(swish_init_xavier_normal(big, 2, gen) == SWISH_OK, "xavier_normal");
    swish_tensor *var = swish_mean(swish_square(big));
    double expected_var = 4 * 2.0 / 800;
    CHECK(fabs(swish_item(var) / expected_var - 1) < 0.02, "xavier_normal variance %g, expected %g", swish_item(var),
          expected_var);
    CHECK(swish_init_uniform(big, -2, -1, gen) == SWISH_OK, "uniform_");
    CHECK(swish_item(swish_max(big)) < -1 && swish_item(swish_max(swish_neg(big))) <= 2, "uniform_ range");
    CHECK(fabsf(swish_init_calculate_gain(SWISH_GAIN_LEAKY_RELU, 0.2f) - sqrtf(2 / 1.04f)) < 1e-6f, "leaky_relu gain");
    CHECK(swish_init_calculate_gain(SWISH_GAIN_SELU, NAN) == 0.75f, "selu gain");
    swish_generator_free(gen);

    swish_module_free(net);
    swish_scope_end();
    CHECK(swish_live_handles() == handles_at_start, "%lld handles leaked", (long long)(swish_live_handles() - handles_at_start));
    if (failures) {
        printf("%d checks failed\n", failures);
        return 1;
    }
    printf("modules_api: all checks passed\n");
    return 0;
}
