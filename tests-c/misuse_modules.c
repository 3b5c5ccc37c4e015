/* misuse_modules: wrong use of the module, parameter, state dict and init API from C. Each case must give
 * the documented status and a message saying what is wrong, leave the module unchanged, and keep the
 * process alive; at the end no handle may be left. Exits non-zero on any deviation. */
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

/* The call just made failed with `status` and a message containing `text`; clears the error. */
#define EXPECT_ERROR(status, text)                                                                         \
    do {                                                                                                   \
        CHECK(swish_last_status() == (status), "expected %s, got %s", swish_status_string(status),         \
              swish_status_string(swish_last_status()));                                                   \
        CHECK(strstr(swish_last_error(), (text)) != NULL, "message lacks \"%s\"", (text));                 \
        swish_clear_error();                                                                               \
    } while (0)

/* A copy of every value of the module's state dict, to check that a failed call changed nothing. */
typedef struct {
    float values[256];
    int count;
} Snapshot;

static Snapshot snapshot(swish_module *m) {
    Snapshot s = {{0}, 0};
    swish_state_dict *sd = swish_module_state_dict(m);
    for (int64_t i = 0; i < swish_state_dict_size(sd); i++) {
        swish_tensor *t = swish_state_dict_tensor(sd, i);
        int64_t n = swish_tensor_numel(t);
        if (s.count + n <= 256) swish_tensor_copy_to(t, s.values + s.count, (size_t)n);
        s.count += (int)n;
        swish_tensor_free(t);
    }
    swish_state_dict_free(sd);
    return s;
}

static bool same(Snapshot a, Snapshot b) { return a.count == b.count && memcmp(a.values, b.values, sizeof a.values) == 0; }

/* A custom module whose forward fails in the way userdata selects. */
enum { OK_FORWARD, OWN_MESSAGE, INNER_FAILURE, SILENT_NULL, BAD_HANDLE };
static int destroyed = 0;

static swish_tensor *failing_forward(swish_module *self, swish_tensor *x, void *userdata) {
    (void)self;
    switch (*(int *)userdata) {
    case OWN_MESSAGE:
        swish_set_callback_error("FixedHiddenMLP: the weights are not loaded");
        return NULL;
    case INNER_FAILURE: /* a 2x4 input times a 3x3 matrix: the matmul fails, NULL propagates */
        return swish_relu(swish_matmul(x, swish_ones((int64_t[]){3, 3}, 2)));
    case SILENT_NULL:
        return NULL;
    case BAD_HANDLE:
        return (swish_tensor *)(uintptr_t)0x1234;
    default:
        return swish_mul_scalar(x, 2);
    }
}

static void count_destroy(void *userdata) {
    (void)userdata;
    destroyed++;
}

static swish_status failing_apply(swish_module *m, void *userdata) {
    (void)userdata;
    if (strcmp(swish_module_type_name(m), "ReLU") == 0) {
        swish_set_callback_error("init: no rule for ReLU");
        return SWISH_ERR_CALLBACK;
    }
    return SWISH_OK;
}

int main(void) {
    swish_manual_seed(5);
    int64_t handles_at_start = swish_live_handles();
    swish_scope_begin(); /* the tensors made below; modules and state dicts are freed one by one */

    swish_module *layers[] = {swish_linear_new(4, 8, true, NULL), swish_relu_new(), swish_linear_new(8, 1, true, NULL)};
    swish_module *net = swish_sequential_new(layers, 3);
    for (int i = 0; i < 3; i++) swish_module_free(layers[i]);
    char before[512];
    snprintf(before, sizeof before, "%s", swish_module_str(net));
    Snapshot original = snapshot(net);

    /* Unknown child name, index out of range */
    CHECK(swish_module_child_by_name(net, "5") == NULL, "child '5' found");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "no child module `5`");
    CHECK(swish_module_child_by_name(net, "0.foo") == NULL, "child '0.foo' found");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "Linear has no child module `foo`");
    CHECK(swish_module_child(net, 3) == NULL && swish_last_status() == SWISH_ERR_INVALID_ARGUMENT, "child 3");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "index 3 is out of range");
    CHECK(swish_module_child(net, -4) == NULL, "child -4");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "index -4 is out of range");
    CHECK(swish_module_child_name(net, 7) == NULL, "child name 7");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK(swish_module_param(net, "1.weight") == NULL, "ReLU has a weight");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "ReLU has no parameter `weight`");
    swish_module *last = swish_module_child(net, -1);
    CHECK(last && strcmp(swish_module_type_name(last), "Linear") == 0, "net[-1] is not the last Linear");
    swish_module_free(last);

    /* Loading a state dict with a missing key, an unexpected key, a wrong shape: nothing changes. The other
     * entries hold new values, so a partial load would show. */
    swish_state_dict *sd = swish_module_state_dict(net);
    swish_state_dict *edited = swish_state_dict_new();
    for (int64_t i = 0; i < swish_state_dict_size(sd); i++) {
        swish_tensor *t = swish_add_scalar(swish_state_dict_tensor(sd, i), 1);
        swish_state_dict_set(edited, swish_state_dict_name(sd, i), t);
    }
    swish_state_dict_free(sd);
    CHECK(swish_state_dict_remove(edited, "0.bias") == SWISH_OK, "remove 0.bias");
    CHECK(swish_state_dict_remove(edited, "0.bias") == SWISH_ERR_INVALID_ARGUMENT, "remove 0.bias twice");
    swish_clear_error();
    CHECK(swish_module_load_state_dict(net, edited, true, NULL, NULL) == SWISH_ERR_INVALID_ARGUMENT, "missing key accepted");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "Missing key(s) in state_dict: \"0.bias\"");
    CHECK(same(original, snapshot(net)), "a failed load changed the module");

    swish_state_dict_set(edited, "0.bias", swish_zeros((int64_t[]){3}, 1));
    CHECK(swish_module_load_state_dict(net, edited, true, NULL, NULL) == SWISH_ERR_SHAPE, "wrong shape accepted");
    EXPECT_ERROR(SWISH_ERR_SHAPE,
                 "size mismatch for 0.bias: copying a param with shape torch.Size([3]) from checkpoint, the shape in "
                 "current model is torch.Size([8])");
    CHECK(same(original, snapshot(net)), "a failed load changed the module");
    /* Not even without strict: shapes must always match */
    CHECK(swish_module_load_state_dict(net, edited, false, NULL, NULL) == SWISH_ERR_SHAPE, "wrong shape accepted");
    swish_clear_error();
    CHECK(same(original, snapshot(net)), "a failed load changed the module");

    swish_state_dict_remove(edited, "0.bias");
    swish_state_dict_set(edited, "3.weight", swish_zeros((int64_t[]){1}, 1));
    CHECK(swish_module_load_state_dict(net, edited, true, NULL, NULL) == SWISH_ERR_INVALID_ARGUMENT, "strict load");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "Unexpected key(s) in state_dict: \"3.weight\"");
    CHECK(same(original, snapshot(net)), "a failed load changed the module");
    /* Without strict the matching keys load and the others are reported */
    swish_state_dict *missing = NULL, *unexpected = NULL;
    CHECK(swish_module_load_state_dict(net, edited, false, &missing, &unexpected) == SWISH_OK, "non-strict load");
    CHECK(swish_state_dict_size(missing) == 1 && strcmp(swish_state_dict_name(missing, 0), "0.bias") == 0, "missing keys");
    CHECK(swish_state_dict_size(unexpected) == 1 && strcmp(swish_state_dict_name(unexpected, 0), "3.weight") == 0,
          "unexpected keys");
    CHECK(!same(original, snapshot(net)), "the non-strict load changed nothing");
    swish_state_dict_free(missing);
    swish_state_dict_free(unexpected);
    swish_state_dict_free(edited);

    /* Registering a duplicate name, a dotted or empty name, a non-leaf parameter, a module into itself */
    int mode = OK_FORWARD;
    swish_module *custom = swish_module_new_custom("Custom", failing_forward, &mode, count_destroy);
    swish_tensor *w = swish_zeros((int64_t[]){2, 2}, 2);
    CHECK(swish_module_register_parameter(custom, "w", w) == SWISH_OK, "register w");
    CHECK(swish_tensor_requires_grad(w) == 1, "a registered parameter must require grad");
    CHECK(swish_module_register_parameter(custom, "w", w) == SWISH_ERR_INVALID_ARGUMENT, "duplicate parameter");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "attribute 'w' already exists");
    CHECK(swish_module_register_buffer(custom, "w", w, true) == SWISH_ERR_INVALID_ARGUMENT, "buffer named like a parameter");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "attribute 'w' already exists");
    CHECK(swish_module_register_child(custom, "w", net) == SWISH_ERR_INVALID_ARGUMENT, "child named like a parameter");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "attribute 'w' already exists");
    CHECK(swish_module_register_parameter(custom, "a.b", w) == SWISH_ERR_INVALID_ARGUMENT, "dotted name");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "can't contain \".\"");
    CHECK(swish_module_register_parameter(custom, "", w) == SWISH_ERR_INVALID_ARGUMENT, "empty name");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "can't be empty");
    CHECK(swish_module_register_parameter(custom, NULL, w) == SWISH_ERR_INVALID_ARGUMENT, "NULL name");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "argument 'name' is NULL");
    swish_tensor *computed = swish_mul_scalar(w, 2);
    CHECK(swish_module_register_parameter(custom, "v", computed) == SWISH_ERR_INVALID_ARGUMENT, "non-leaf parameter");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "non-leaf");
    swish_tensor_free(computed);
    CHECK(swish_module_register_child(custom, "net", net) == SWISH_OK, "register net");
    CHECK(swish_module_register_child(net, "custom", custom) == SWISH_ERR_INVALID_ARGUMENT, "a cycle");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "would contain itself");
    CHECK(swish_sequential_append(net, net) == SWISH_ERR_INVALID_ARGUMENT, "appending a Sequential to itself");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "would contain itself");
    CHECK(swish_sequential_append(custom, net) == SWISH_ERR_INVALID_ARGUMENT, "append to a custom module");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "is a Custom, not a Sequential");
    CHECK(strcmp(before, swish_module_str(net)) == 0, "failed registrations changed net");
    swish_state_dict *params = swish_module_named_parameters(custom);
    CHECK(swish_state_dict_size(params) == 5 && strcmp(swish_state_dict_name(params, 0), "w") == 0 &&
              strcmp(swish_state_dict_name(params, 1), "net.0.weight") == 0,
          "custom module's parameters");
    swish_state_dict_free(params);

    /* A custom module whose callback fails: SWISH_ERR_CALLBACK with the callback's message */
    swish_tensor *x = swish_ones((int64_t[]){2, 4}, 2);
    mode = OWN_MESSAGE;
    CHECK(swish_forward(custom, x) == NULL, "a failing forward returned a tensor");
    EXPECT_ERROR(SWISH_ERR_CALLBACK, "FixedHiddenMLP: the weights are not loaded");
    mode = INNER_FAILURE;
    CHECK(swish_forward(custom, x) == NULL, "a failing forward returned a tensor");
    EXPECT_ERROR(SWISH_ERR_CALLBACK, "swish_matmul: mat1 and mat2 shapes cannot be multiplied");
    mode = SILENT_NULL;
    CHECK(swish_forward(custom, x) == NULL, "a failing forward returned a tensor");
    EXPECT_ERROR(SWISH_ERR_CALLBACK, "returned NULL");
    mode = BAD_HANDLE;
    CHECK(swish_forward(custom, x) == NULL, "a forward returning garbage succeeded");
    EXPECT_ERROR(SWISH_ERR_CALLBACK, "bad handle");
    /* Inside a Sequential the callback's own message comes out unchanged */
    swish_module *outer = swish_sequential_new((swish_module *[]){custom}, 1);
    mode = OWN_MESSAGE;
    CHECK(swish_forward(outer, x) == NULL, "a failing nested forward returned a tensor");
    CHECK(swish_last_status() == SWISH_ERR_CALLBACK &&
              strcmp(swish_last_error(), "FixedHiddenMLP: the weights are not loaded") == 0,
          "nested callback error changed to \"%s\"", swish_last_error());
    swish_clear_error();
    /* ...and the module still works, without leaking the callback's tensors */
    mode = OK_FORWARD;
    int64_t live = swish_live_handles();
    swish_tensor *y = swish_forward(outer, x);
    CHECK(y && swish_item(swish_sum(y)) == 16, "the custom module does not work after failures");
    CHECK(swish_live_handles() == live + 2, "a forward left %lld handles", (long long)(swish_live_handles() - live - 2));
    CHECK(swish_last_status() == SWISH_OK, "a successful forward left an error");
    swish_tensor_free(y);
    swish_module_free(outer);

    /* An apply callback that fails stops apply with its message */
    CHECK(swish_module_apply(net, failing_apply, NULL) == SWISH_ERR_CALLBACK, "failing apply succeeded");
    EXPECT_ERROR(SWISH_ERR_CALLBACK, "init: no rule for ReLU");
    CHECK(swish_module_apply(net, NULL, NULL) == SWISH_ERR_INVALID_ARGUMENT, "NULL apply callback");
    swish_clear_error();

    /* A forward with the wrong input size */
    CHECK(swish_forward(net, swish_ones((int64_t[]){2, 5}, 2)) == NULL, "wrong input size accepted");
    EXPECT_ERROR(SWISH_ERR_SHAPE, "mat1 and mat2 shapes cannot be multiplied (2x5 and 4x8)");
    /* NULL propagation: a failed input keeps the first error */
    CHECK(swish_forward(net, swish_reshape(x, (int64_t[]){3, 3}, 2)) == NULL, "NULL input accepted");
    EXPECT_ERROR(SWISH_ERR_SHAPE, "swish_reshape");

    /* An uninitialized lazy module: its parameters cannot be read, listed or saved yet */
    swish_module *lazy = swish_lazy_linear_new(3, true, NULL);
    CHECK(strcmp(swish_module_str(lazy), "LazyLinear(in_features=0, out_features=3, bias=True)") == 0, "lazy print");
    CHECK(swish_module_param(lazy, "weight") == NULL, "uninitialized weight readable");
    EXPECT_ERROR(SWISH_ERR_STATE, "uninitialized");
    CHECK(swish_module_named_parameters(lazy) == NULL, "uninitialized parameters listed");
    EXPECT_ERROR(SWISH_ERR_STATE, "uninitialized");
    CHECK(swish_module_state_dict(lazy) == NULL, "uninitialized state dict");
    EXPECT_ERROR(SWISH_ERR_STATE, "uninitialized");
    CHECK(swish_forward(lazy, swish_scalar(1)) == NULL, "0-d input to LazyLinear");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "0-d");
    CHECK(strcmp(swish_module_type_name(lazy), "LazyLinear") == 0, "a failed forward initialized the lazy layer");
    swish_module_free(lazy);

    /* Handles of the wrong kind, freed handles, bad constructor arguments */
    CHECK(swish_forward((swish_module *)x, x) == NULL, "a tensor used as a module");
    EXPECT_ERROR(SWISH_ERR_INVALID_HANDLE, "is a tensor handle, expected a module");
    swish_module *gone = swish_relu_new();
    swish_module_free(gone);
    CHECK(swish_module_free(gone) == SWISH_ERR_INVALID_HANDLE, "double free");
    EXPECT_ERROR(SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK(swish_module_type_name(gone) == NULL, "freed module");
    EXPECT_ERROR(SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK(swish_linear_new(-1, 3, true, NULL) == NULL, "negative in_features");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "in_features must be >= 0");
    CHECK(swish_gelu_new("fast") == NULL, "unknown GELU approximation");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "approximate must be");
    CHECK(swish_module_new_custom("X", NULL, NULL, NULL) == NULL, "NULL forward");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "'forward' is NULL");
    CHECK(swish_state_dict_name(swish_module_state_dict(NULL), 0) == NULL, "NULL module");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "argument 'm' is NULL");

    /* Init on tensors it cannot handle leaves them unchanged */
    swish_tensor *v = swish_ones((int64_t[]){5}, 1);
    CHECK(swish_init_xavier_uniform(v, 1, NULL) == SWISH_ERR_INVALID_ARGUMENT, "xavier on 1-d");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "fewer than 2 dimensions");
    CHECK(swish_init_kaiming_normal(v, 0, SWISH_FAN_IN, SWISH_GAIN_RELU, NULL) == SWISH_ERR_INVALID_ARGUMENT, "kaiming 1-d");
    swish_clear_error();
    CHECK(swish_init_uniform(v, 1, 0, NULL) == SWISH_ERR_INVALID_ARGUMENT, "uniform from > to");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "from=1.0 > to=0.0");
    CHECK(swish_init_normal(v, 0, -1, NULL) == SWISH_ERR_INVALID_ARGUMENT, "normal std < 0");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "std >= 0.0");
    CHECK(swish_init_kaiming_uniform(w, 0, (swish_fan_mode)7, SWISH_GAIN_RELU, NULL) == SWISH_ERR_INVALID_ARGUMENT, "mode 7");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "Mode 7 not supported");
    CHECK(isnan(swish_init_calculate_gain((swish_nonlinearity)99, NAN)), "gain of an unknown nonlinearity");
    EXPECT_ERROR(SWISH_ERR_INVALID_ARGUMENT, "Unsupported nonlinearity 99");
    CHECK(swish_item(swish_sum(v)) == 5, "failed init changed the tensor");

    swish_tensor_free(v);
    swish_tensor_free(x);
    swish_tensor_free(w);
    CHECK(destroyed == 0, "custom module destroyed while still held");
    swish_module_free(custom);
    CHECK(destroyed == 1, "custom module's destroy ran %d times", destroyed);
    swish_module_free(net);
    swish_scope_end();
    CHECK(swish_live_handles() == handles_at_start, "%lld handles leaked", (long long)(swish_live_handles() - handles_at_start));
    if (failures) {
        printf("%d checks failed\n", failures);
        return 1;
    }
    printf("misuse_modules: every misuse reported, nothing changed, nothing leaked\n");
    return 0;
}
