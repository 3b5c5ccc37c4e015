/* misuse_classes: the classes of bad input a C caller can pass, one function each, across the whole C API
 * (tensors, autograd, modules, state dicts, init, losses, optimizers, training helpers). Every failing
 * call must give the documented status and a non-empty message naming the function (see misuse/check.h),
 * create no handle, and leave the objects involved working, which each class then checks by using them.
 * Nothing may trap: a crash fails the test by itself.
 *
 * The classes are listed in `classes` at the bottom and counted; the program prints one line per class
 * and a total, "misuse_classes: N classes, M checks, F failed", and exits non-zero if a check failed, a
 * class made no check, or a handle leaked. misuse_core, misuse_modules and misuse_training go deeper
 * into their areas (every core function with NULL, every bit flip of a handle, message texts). */
#include <stdlib.h>

#include "misuse/check.h"

/* ---- helpers ---------------------------------------------------------------------------------------- */

static const float XV[6] = {1, 2, 3, 4, 5, 6};

/* [[1, 2, 3], [4, 5, 6]], owned by the caller. */
static swish_tensor *make_x(void) { return swish_tensor_new(XV, (int64_t[]){2, 3}, 2); }

/* A Linear(3, 2) with fixed weights (all 0.5) and bias (0.25), owned by the caller. */
static swish_module *make_linear(void) {
    swish_module *m = swish_linear_new(3, 2, true, NULL);
    swish_tensor *w = swish_module_param(m, "weight"), *b = swish_module_param(m, "bias");
    swish_init_constant(w, 0.5f);
    swish_init_constant(b, 0.25f);
    swish_tensor_free(w);
    swish_tensor_free(b);
    return m;
}

/* The Linear above still computes x @ W^T + b for make_x(): [[3.25, 3.25], [7.75, 7.75]]. */
static void expect_linear_works(int line, swish_module *m) {
    static const float want[4] = {3.25f, 3.25f, 7.75f, 7.75f};
    swish_clear_error();
    swish_tensor *x = make_x();
    swish_tensor *y = swish_forward(m, x);
    misuse_expect_values(line, "forward of the module after the misuse", y, want, 4);
    swish_tensor_free(y);
    swish_tensor_free(x);
}
#define EXPECT_LINEAR_WORKS(m) expect_linear_works(__LINE__, m)

/* An SGD optimizer (lr 0.1) over one tensor. */
static swish_optimizer *make_sgd(swish_tensor *p) {
    swish_sgd_options o;
    swish_sgd_options_default(&o);
    o.lr = 0.1f;
    return swish_sgd_new((swish_tensor *[]){p}, 1, &o);
}

/* One SGD step on sum(p) (gradient 1 everywhere) must subtract lr from every element of p. */
static void expect_step_works(int line, swish_optimizer *opt, swish_tensor *p) {
    misuse_checks++;
    swish_clear_error();
    float before[64], after[64];
    int64_t n = swish_tensor_numel(p);
    float lr = swish_optimizer_get_lr(opt);
    swish_optimizer_zero_grad(opt);
    swish_tensor *loss = swish_sum(p);
    if (n < 1 || n > 64 || swish_tensor_copy_to(p, before, 64) != SWISH_OK || swish_backward(loss) != SWISH_OK ||
        swish_optimizer_step(opt) != SWISH_OK || swish_tensor_copy_to(p, after, 64) != SWISH_OK) {
        misuse_failed(line, "an optimizer step after the misuse", "a call failed");
    } else {
        for (int64_t i = 0; i < n; i++) {
            if (after[i] != before[i] - lr) {
                misuse_failed(line, "an optimizer step after the misuse", "the parameter did not move by -lr");
                break;
            }
        }
    }
    swish_optimizer_zero_grad(opt);
    swish_tensor_free(loss);
}
#define EXPECT_STEP_WORKS(opt, p) expect_step_works(__LINE__, opt, p)

/* A custom module's forward, chosen through userdata. */
enum forward_mode { FORWARD_DOUBLE, FORWARD_NULL, FORWARD_NULL_WITH_MESSAGE, FORWARD_WRONG_SHAPE, FORWARD_GARBAGE,
                    FORWARD_MODULE_HANDLE, FORWARD_FREED_INPUT, FORWARD_INNER_FAILURE, FORWARD_FREES_SELF,
                    FORWARD_ENDS_SCOPE, FORWARD_LEAVES_SCOPE_OPEN };

static swish_tensor *custom_forward(swish_module *self, swish_tensor *x, void *userdata) {
    switch (*(enum forward_mode *)userdata) {
    case FORWARD_NULL: return NULL;
    case FORWARD_NULL_WITH_MESSAGE: swish_set_callback_error("custom: refused"); return NULL;
    case FORWARD_WRONG_SHAPE: return swish_ones((int64_t[]){5, 7}, 2);
    case FORWARD_GARBAGE: return (swish_tensor *)(uintptr_t)0xdeadbeef;
    case FORWARD_MODULE_HANDLE: return (swish_tensor *)(void *)self;
    case FORWARD_FREED_INPUT: swish_tensor_free(x); return x;
    case FORWARD_INNER_FAILURE: return swish_matmul(x, x); /* [2, 3] @ [2, 3] */
    case FORWARD_FREES_SELF: swish_module_free(self); return swish_mul_scalar(x, 2);
    case FORWARD_ENDS_SCOPE: swish_scope_end(); return swish_mul_scalar(x, 2);
    case FORWARD_LEAVES_SCOPE_OPEN: swish_scope_begin(); return swish_mul_scalar(x, 2);
    default: return swish_mul_scalar(x, 2);
    }
}

static swish_status apply_fails(swish_module *m, void *userdata) {
    (void)m;
    (void)userdata;
    swish_set_callback_error("apply: refused");
    return SWISH_ERR_CALLBACK;
}

static swish_status apply_frees_lent_module(swish_module *m, void *userdata) {
    (void)userdata;
    return swish_module_free(m); /* the library's own handle: it must not be freed twice */
}

/* ---- the classes ------------------------------------------------------------------------------------ */

/* NULL for the pointer arguments of the module, state dict, init, loss, activation, optimizer and
 * training API (misuse_core covers every core tensor function). */
static void null_pointer_arguments(void) {
    swish_module *m = make_linear();
    swish_tensor *x = make_x(), *y = swish_tensor_from_int64((int64_t[]){0, 1}, (int64_t[]){2}, 1);
    swish_state_dict *sd = swish_state_dict_new();
    int64_t fan = 0;
    enum forward_mode mode = FORWARD_DOUBLE;

    CHECK_NULL(swish_sequential_new(NULL, 2), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_sequential_new((swish_module *[]){m, NULL}, 2), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_sequential_append(NULL, m), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_new_custom(NULL, custom_forward, &mode, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_new_custom("C", NULL, &mode, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_forward(NULL, x), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_forward(m, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_linear(NULL, x, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_linear(x, NULL, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_type_name(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_module_num_children(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_child(NULL, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_child_name(NULL, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_child_by_name(NULL, ""), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_child_by_name(m, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_train(NULL, true), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_eval(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_module_is_training(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_zero_grad(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_apply(NULL, apply_fails, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_apply(m, NULL, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_str(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_print(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_register_parameter(NULL, "p", x), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_register_parameter(m, NULL, x), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_register_parameter(m, "p", NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_register_buffer(NULL, "b", x, true), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_register_buffer(m, NULL, x, true), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_register_buffer(m, "b", NULL, true), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_register_child(NULL, "c", m), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_register_child(m, NULL, m), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_register_child(m, "c", NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_param(NULL, "weight"), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_param(m, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_buffer(NULL, "b"), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_buffer(m, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_named_parameters(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_named_buffers(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_module_state_dict(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_load_state_dict(NULL, sd, false, NULL, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_module_load_state_dict(m, NULL, false, NULL, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_state_dict_size(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_state_dict_name(NULL, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_state_dict_tensor(NULL, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_state_dict_get(NULL, "a"), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_state_dict_get(sd, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_state_dict_contains(NULL, "a"), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_state_dict_contains(sd, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_state_dict_set(NULL, "a", x), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_state_dict_set(sd, NULL, x), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_state_dict_set(sd, "a", NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_state_dict_remove(NULL, "a"), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_state_dict_remove(sd, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_init_fans(NULL, &fan, &fan), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_init_uniform(NULL, 0, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_init_normal(NULL, 0, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_init_constant(NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_init_zeros(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_init_ones(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_init_xavier_uniform(NULL, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_init_xavier_normal(NULL, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_init_kaiming_uniform(NULL, 0, SWISH_FAN_IN, SWISH_GAIN_RELU, NULL), SWISH_ERR_INVALID_ARGUMENT,
                 "NULL");
    CHECK_STATUS(swish_init_kaiming_normal(NULL, 0, SWISH_FAN_IN, SWISH_GAIN_RELU, NULL), SWISH_ERR_INVALID_ARGUMENT,
                 "NULL");
    CHECK_NULL(swish_sigmoid(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_tanh(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_leaky_relu(NULL, 0.01f), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_gelu(NULL, SWISH_GELU_NONE), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_silu(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_softmax(NULL, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_log_softmax(NULL, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_tensor_from_int64(NULL, (int64_t[]){2}, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_tensor_from_int64((int64_t[]){1, 2}, NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_mse_loss(NULL, x, SWISH_REDUCTION_MEAN), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_l1_loss(x, NULL, SWISH_REDUCTION_MEAN), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_huber_loss(NULL, x, SWISH_REDUCTION_MEAN, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_binary_cross_entropy_with_logits(x, NULL, NULL, SWISH_REDUCTION_MEAN), SWISH_ERR_INVALID_ARGUMENT,
               "NULL");
    CHECK_NULL(swish_cross_entropy(NULL, y), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_cross_entropy(x, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_cross_entropy_ex(NULL, y, NULL, -100, SWISH_REDUCTION_MEAN, 0), SWISH_ERR_INVALID_ARGUMENT,
               "NULL");
    CHECK_STATUS(swish_sgd_options_default(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_adamw_options_default(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_yogi_options_default(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_sgd_new(NULL, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_adam_new((swish_tensor *[]){NULL}, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_adamw_new(NULL, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_yogi_new(NULL, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_optimizer_step(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_optimizer_zero_grad(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NAN(swish_optimizer_get_lr(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_optimizer_set_lr(NULL, 0.1f), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_optimizer_num_params(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_optimizer_clip_grad_norm(NULL, 1, 2, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_clip_grad_norm(NULL, 1, 1, 2, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_randperm(NULL, 3, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_take_rows(NULL, (int64_t[]){0}, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_take_rows(x, NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NAN(swish_accuracy(NULL, y), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_count_correct(x, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_progress_format(NULL, 16, 1, 1, 0, 0, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");

    /* NULL where the header allows it: frees, defaults, optional outputs. */
    swish_clear_error();
    EXPECT(swish_module_free(NULL) == SWISH_OK && swish_state_dict_free(NULL) == SWISH_OK &&
           swish_optimizer_free(NULL) == SWISH_OK);
    EXPECT(swish_init_fans(x, NULL, NULL) == SWISH_OK);
    swish_module *gelu = swish_gelu_new(NULL);
    EXPECT(gelu != NULL && strcmp(swish_module_type_name(gelu), "GELU") == 0);
    swish_module_free(gelu);
    EXPECT(swish_last_status() == SWISH_OK);
    swish_set_callback_error(NULL); /* allowed: "callback failed" */
    EXPECT(swish_last_status() == SWISH_ERR_CALLBACK && strlen(swish_last_error()) > 0);

    EXPECT_LINEAR_WORKS(m);
    EXPECT_VALUES(x, XV, 6);
    EXPECT(swish_state_dict_size(sd) == 0);
    swish_state_dict_free(sd);
    swish_tensor_free(y);
    swish_tensor_free(x);
    swish_module_free(m);
}

/* The handles of every kind, and the functions that release each kind. */
typedef struct {
    void *tensor, *module, *optimizer, *generator, *state_dict;
} handles;

static handles make_handles(void) {
    handles h;
    h.tensor = make_x();
    swish_tensor_set_requires_grad(h.tensor, true);
    h.module = make_linear();
    h.optimizer = make_sgd(h.tensor);
    h.generator = swish_generator_new(9);
    h.state_dict = swish_module_state_dict(h.module);
    return h;
}

static void free_handles(handles h) {
    swish_state_dict_free(h.state_dict);
    swish_generator_free(h.generator);
    swish_optimizer_free(h.optimizer);
    swish_module_free(h.module);
    swish_tensor_free(h.tensor);
}

/* All five kinds still work. */
static void expect_handles_work(int line, handles h) {
    swish_clear_error();
    EXPECT_LINEAR_WORKS(h.module);
    expect_step_works(line, h.optimizer, h.tensor);
    misuse_checks++;
    swish_tensor *r = swish_rand((int64_t[]){2}, 1, h.generator);
    if (!r || swish_state_dict_size(h.state_dict) != 2) misuse_failed(line, "generator or state dict", "broken");
    swish_tensor_free(r);
}
#define EXPECT_HANDLES_WORK(h) expect_handles_work(__LINE__, h)

/* A dead handle of each kind: made and freed. */
static handles make_dead_handles(void) {
    handles d = make_handles();
    free_handles(d);
    return d;
}

static void use_after_free(void) {
    handles live = make_handles(), dead = make_dead_handles();
    swish_tensor *x = make_x();
    CHECK_NULL(swish_add(x, dead.tensor), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_NAN(swish_item(dead.tensor), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_NULL(swish_forward(dead.module, x), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_NULL(swish_module_state_dict(dead.module), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_STATUS(swish_optimizer_step(dead.optimizer), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_NAN(swish_optimizer_get_lr(dead.optimizer), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_NULL(swish_randn((int64_t[]){2}, 1, dead.generator), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_MINUS1(swish_state_dict_size(dead.state_dict), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_STATUS(swish_module_load_state_dict(live.module, dead.state_dict, true, NULL, NULL), SWISH_ERR_INVALID_HANDLE,
                 "already freed");
    CHECK_STATUS(swish_module_register_parameter(live.module, "p", dead.tensor), SWISH_ERR_INVALID_HANDLE,
                 "already freed");
    CHECK_NULL(swish_sequential_new((swish_module *[]){live.module, dead.module}, 2), SWISH_ERR_INVALID_HANDLE,
               "already freed");
    /* New objects may take the freed slots; the old handles stay dead. */
    handles reuse = make_handles();
    CHECK_MINUS1(swish_tensor_ndim(dead.tensor), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_MINUS1(swish_module_num_children(dead.module), SWISH_ERR_INVALID_HANDLE, "already freed");
    EXPECT_HANDLES_WORK(reuse);
    EXPECT_HANDLES_WORK(live);
    free_handles(reuse);
    free_handles(live);
    swish_tensor_free(x);
}

static void double_free(void) {
    handles live = make_handles(), h = make_handles();
    free_handles(h);
    CHECK_STATUS(swish_tensor_free(h.tensor), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_STATUS(swish_module_free(h.module), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_STATUS(swish_optimizer_free(h.optimizer), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_STATUS(swish_generator_free(h.generator), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_STATUS(swish_state_dict_free(h.state_dict), SWISH_ERR_INVALID_HANDLE, "already freed");
    /* A second handle to the same object is its own reference: freeing both is fine, a third free is not. */
    swish_tensor *w1 = swish_module_param(live.module, "weight"), *w2 = swish_module_param(live.module, "weight");
    EXPECT(swish_tensor_free(w1) == SWISH_OK && swish_tensor_free(w2) == SWISH_OK);
    CHECK_STATUS(swish_tensor_free(w2), SWISH_ERR_INVALID_HANDLE, "already freed");
    EXPECT_HANDLES_WORK(live);
    free_handles(live);
}

static void wrong_kind(void) {
    handles h = make_handles();
    swish_tensor *x = make_x();
    /* Each kind where each other kind is expected: the use, then the free. */
    void *all[5] = {h.tensor, h.module, h.optimizer, h.generator, h.state_dict};
    for (int i = 0; i < 5; i++) {
        if (i != 0) CHECK_NULL(swish_neg((swish_tensor *)all[i]), SWISH_ERR_INVALID_HANDLE, "expected a tensor");
        if (i != 0) CHECK_STATUS(swish_tensor_free((swish_tensor *)all[i]), SWISH_ERR_INVALID_HANDLE, "expected a tensor");
        if (i != 1) CHECK_NULL(swish_forward((swish_module *)all[i], x), SWISH_ERR_INVALID_HANDLE, "expected a module");
        if (i != 1) CHECK_STATUS(swish_module_free((swish_module *)all[i]), SWISH_ERR_INVALID_HANDLE, "expected a module");
        if (i != 2) CHECK_STATUS(swish_optimizer_step((swish_optimizer *)all[i]), SWISH_ERR_INVALID_HANDLE, "expected an optimizer");
        if (i != 2) CHECK_STATUS(swish_optimizer_free((swish_optimizer *)all[i]), SWISH_ERR_INVALID_HANDLE, "expected an optimizer");
        if (i != 3) CHECK_NULL(swish_rand((int64_t[]){1}, 1, (swish_generator *)all[i]), SWISH_ERR_INVALID_HANDLE, "expected a generator");
        if (i != 3) CHECK_STATUS(swish_generator_free((swish_generator *)all[i]), SWISH_ERR_INVALID_HANDLE, "expected a generator");
        if (i != 4) CHECK_MINUS1(swish_state_dict_size((swish_state_dict *)all[i]), SWISH_ERR_INVALID_HANDLE, "expected a state dict");
        if (i != 4) CHECK_STATUS(swish_state_dict_free((swish_state_dict *)all[i]), SWISH_ERR_INVALID_HANDLE, "expected a state dict");
    }
    EXPECT_HANDLES_WORK(h);
    swish_tensor_free(x);
    free_handles(h);
}

static void random_pointer_values(void) {
    handles h = make_handles();
    int local = 0;
    void *heap = malloc(64);
    memset(heap, 0xAB, 64);
    uintptr_t values[] = {1, 8, 0xdeadbeef, (uintptr_t)(void *)&local, (uintptr_t)heap, UINTPTR_MAX,
                          UINTPTR_MAX - 7, (uintptr_t)1 << 63, (uintptr_t)h.tensor + 1,
                          (uintptr_t)h.module ^ ((uintptr_t)1 << 60)};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        void *g = (void *)values[i];
        /* "is not a Swish tensor handle", or "already freed" for a value that names a free slot */
        CHECK_NULL(swish_relu((swish_tensor *)g), SWISH_ERR_INVALID_HANDLE, "handle");
        CHECK_STATUS(swish_tensor_free((swish_tensor *)g), SWISH_ERR_INVALID_HANDLE, "handle");
        CHECK_NULL(swish_module_str((swish_module *)g), SWISH_ERR_INVALID_HANDLE, "handle");
        CHECK_STATUS(swish_module_free((swish_module *)g), SWISH_ERR_INVALID_HANDLE, "handle");
        CHECK_STATUS(swish_optimizer_zero_grad((swish_optimizer *)g), SWISH_ERR_INVALID_HANDLE, "handle");
        CHECK_STATUS(swish_optimizer_free((swish_optimizer *)g), SWISH_ERR_INVALID_HANDLE, "handle");
        CHECK_STATUS(swish_generator_seed((swish_generator *)g, 1), SWISH_ERR_INVALID_HANDLE, "handle");
        CHECK_STATUS(swish_generator_free((swish_generator *)g), SWISH_ERR_INVALID_HANDLE, "handle");
        CHECK_NULL(swish_state_dict_name((swish_state_dict *)g, 0), SWISH_ERR_INVALID_HANDLE, "handle");
        CHECK_STATUS(swish_state_dict_free((swish_state_dict *)g), SWISH_ERR_INVALID_HANDLE, "handle");
    }
    unsigned char untouched[64];
    memset(untouched, 0xAB, 64);
    EXPECT(memcmp(heap, untouched, 64) == 0); /* the library never wrote through the pointer */
    free(heap);
    EXPECT_HANDLES_WORK(h);
    free_handles(h);
}

static void tensor_after_scope_end(void) {
    swish_module *m = make_linear();
    swish_tensor *x = make_x();
    swish_scope_begin();
    swish_tensor *y = swish_forward(m, x);
    swish_tensor *w = swish_module_param(m, "weight"); /* a scoped handle to a tensor the module keeps */
    swish_scope_begin();
    swish_tensor *inner = swish_relu(y);
    EXPECT(swish_scope_end() == SWISH_OK);
    CHECK_NULL(swish_neg(inner), SWISH_ERR_INVALID_HANDLE, "already freed");
    EXPECT(swish_tensor_numel(y) == 4); /* the outer scope's handles live on */
    EXPECT(swish_scope_end() == SWISH_OK);
    CHECK_NAN(swish_tensor_get(y, (int64_t[]){0, 0}, 2), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_STATUS(swish_tensor_free(w), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_NULL(swish_keep(y), SWISH_ERR_INVALID_HANDLE, "already freed");
    CHECK_STATUS(swish_backward(y), SWISH_ERR_INVALID_HANDLE, "already freed");
    EXPECT_LINEAR_WORKS(m); /* the weight's handle died with the scope, the weight did not */
    swish_tensor_free(x);
    swish_module_free(m);
}

static void negative_dimensions(void) {
    swish_tensor *x = make_x();
    CHECK_NULL(swish_zeros((int64_t[]){3, -1}, 2), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_rand((int64_t[]){-5}, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_tensor_from_int64((int64_t[]){1}, (int64_t[]){-1}, 1), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_reshape(x, (int64_t[]){-2, -3}, 2), SWISH_ERR_INVALID_ARGUMENT, "-2");
    CHECK_NULL(swish_linear_new(-1, 2, true, NULL), SWISH_ERR_INVALID_ARGUMENT, ">= 0");
    CHECK_NULL(swish_linear_new(2, INT64_MIN, false, NULL), SWISH_ERR_INVALID_ARGUMENT, ">= 0");
    CHECK_NULL(swish_lazy_linear_new(-3, true, NULL), SWISH_ERR_INVALID_ARGUMENT, ">= 0");
    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(x);
}

/* Zero-size dimensions are valid: every op family must handle empty tensors, including backward. */
static void zero_dimensions(void) {
    swish_clear_error();
    swish_scope_begin();
    swish_tensor *e = swish_zeros((int64_t[]){0, 3}, 2);
    swish_tensor_set_requires_grad(e, true);
    swish_tensor *w = swish_ones((int64_t[]){3, 4}, 2);
    swish_tensor *h = swish_relu(swish_add_scalar(swish_matmul(e, w), 1));
    EXPECT(h && swish_tensor_dim(h, 0) == 0 && swish_tensor_dim(h, 1) == 4);
    EXPECT(swish_item(swish_sum(h)) == 0);
    EXPECT(isnan(swish_item(swish_mean(h))));
    swish_tensor *sm = swish_softmax(h, 1), *lsm = swish_log_softmax(h, 0);
    EXPECT(sm && lsm && swish_tensor_numel(sm) == 0);
    EXPECT(swish_backward(swish_sum(h)) == SWISH_OK);
    swish_tensor *g = swish_tensor_grad(e);
    EXPECT(g && swish_tensor_numel(g) == 0);
    /* A batch of zero samples through a module and the losses. */
    swish_module *m = make_linear();
    swish_tensor *out = swish_forward(m, e);
    EXPECT(out && swish_tensor_dim(out, 0) == 0);
    swish_tensor *labels = swish_tensor_from_int64(NULL, (int64_t[]){0}, 1);
    EXPECT(isnan(swish_item(swish_cross_entropy(out, labels)))); /* PyTorch: mean over nothing is NaN */
    EXPECT(swish_item(swish_mse_loss(out, out, SWISH_REDUCTION_SUM)) == 0);
    EXPECT(swish_count_correct(out, labels) == 0);
    CHECK_NAN(swish_accuracy(out, labels), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_max(e), SWISH_ERR_INVALID_ARGUMENT, "numel() == 0");
    /* A layer with zero inputs or outputs, initialized and trained. */
    swish_module *z = swish_linear_new(0, 2, true, NULL);
    EXPECT(z != NULL);
    swish_tensor *zw = swish_module_param(z, "weight");
    EXPECT(swish_init_kaiming_uniform(zw, 0, SWISH_FAN_IN, SWISH_GAIN_LEAKY_RELU, NULL) == SWISH_OK);
    EXPECT(swish_init_xavier_normal(zw, 1, NULL) == SWISH_OK);
    swish_tensor *zout = swish_forward(z, swish_zeros((int64_t[]){5, 0}, 2));
    EXPECT(zout && swish_tensor_dim(zout, 0) == 5 && swish_tensor_dim(zout, 1) == 2);
    swish_tensor *lin0[] = {zw};
    swish_optimizer *opt = swish_adam_new(lin0, 1, NULL);
    EXPECT(opt != NULL && swish_backward(swish_sum(zout)) == SWISH_OK);
    EXPECT(swish_optimizer_step(opt) == SWISH_OK);
    swish_optimizer_free(opt);
    int64_t perm[1] = {-9};
    EXPECT(swish_randperm(perm, 0, NULL) == SWISH_OK && perm[0] == -9);
    swish_tensor *none = swish_take_rows(make_x(), NULL, 0);
    EXPECT(none && swish_tensor_dim(none, 0) == 0 && swish_tensor_dim(none, 1) == 3);
    EXPECT_LINEAR_WORKS(m);
    swish_module_free(z);
    swish_module_free(m);
    EXPECT(swish_scope_end() == SWISH_OK);
}

static void huge_dimensions(void) {
    swish_tensor *x = make_x();
    int64_t big = (int64_t)1 << 40;
    CHECK_NULL(swish_full((int64_t[]){INT64_MAX}, 1, 1), SWISH_ERR_OUT_OF_MEMORY, "memory");
    CHECK_NULL(swish_randn((int64_t[]){big}, 1, NULL), SWISH_ERR_OUT_OF_MEMORY, "memory");
    CHECK_NULL(swish_linear_new((int64_t)1 << 30, 16, true, NULL), SWISH_ERR_OUT_OF_MEMORY, "memory"); /* 64 GiB */
    CHECK_NULL(swish_arange(0, 3e38f, 1), SWISH_ERR_INVALID_ARGUMENT, "elements");
    CHECK_STATUS(swish_randperm((int64_t[1]){0}, SIZE_MAX, NULL), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_take_rows(x, (int64_t[1]){0}, SIZE_MAX), SWISH_ERR_INVALID_ARGUMENT, "negative");
    /* A huge dim with a zero beside it holds nothing and is fine. */
    swish_clear_error();
    swish_tensor *e = swish_zeros((int64_t[]){0, INT64_MAX}, 2);
    EXPECT(e && swish_tensor_numel(e) == 0);
    swish_tensor_free(e);
    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(x);
}

static void shape_product_overflow(void) {
    swish_tensor *x = make_x();
    int64_t b32 = (int64_t)1 << 32;
    CHECK_NULL(swish_zeros((int64_t[]){b32, b32}, 2), SWISH_ERR_INVALID_ARGUMENT, "64 bits");
    CHECK_NULL(swish_ones((int64_t[]){INT64_MAX, 2}, 2), SWISH_ERR_INVALID_ARGUMENT, "64 bits");
    CHECK_NULL(swish_rand((int64_t[]){1 << 16, 1 << 16, 1 << 16, 1 << 16}, 4, NULL), SWISH_ERR_INVALID_ARGUMENT,
               "64 bits");
    CHECK_NULL(swish_tensor_from_int64((int64_t[]){1}, (int64_t[]){b32, b32}, 2), SWISH_ERR_INVALID_ARGUMENT,
               "64 bits");
    CHECK_NULL(swish_reshape(x, (int64_t[]){b32, b32, 0}, 3), SWISH_ERR_INVALID_ARGUMENT, "too large");
    CHECK_NULL(swish_linear_new(b32, b32, true, NULL), SWISH_ERR_INVALID_ARGUMENT, "64 bits");
    /* Broadcasting two shapes whose result overflows. */
    swish_tensor *a = swish_zeros((int64_t[]){b32, 1, 0}, 3), *b = swish_zeros((int64_t[]){1, b32, 0}, 3);
    /* [2^32, 2^32, 0] holds nothing, but its sizes overflow before the 0 is reached: Swish refuses such a
     * shape wherever it arises, as swish_zeros refuses to make it. */
    CHECK_NULL(swish_add(a, b), SWISH_ERR_INVALID_ARGUMENT, "64 bits");
    swish_tensor *ab = NULL;
    swish_clear_error();
    swish_tensor *c = swish_zeros((int64_t[]){0, 1, b32}, 3), *d = swish_zeros((int64_t[]){0, b32, 1}, 3);
    swish_tensor *cd = swish_add(c, d); /* [0, 2^32, 2^32]: 0 elements, though 2^32 * 2^32 overflows */
    EXPECT(cd && swish_tensor_numel(cd) == 0);
    swish_tensor_free(cd);
    swish_tensor_free(d);
    swish_tensor_free(c);
    swish_tensor_free(ab);
    swish_tensor_free(b);
    swish_tensor_free(a);
    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(x);
}

static void rank_above_maximum(void) {
    int64_t ones9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    swish_tensor *x = make_x();
    CHECK_NULL(swish_zeros(ones9, 9), SWISH_ERR_INVALID_ARGUMENT, "at most 8");
    CHECK_NULL(swish_tensor_new(XV, ones9, 9), SWISH_ERR_INVALID_ARGUMENT, "at most 8");
    CHECK_NULL(swish_tensor_from_int64((int64_t[]){1}, ones9, 9), SWISH_ERR_INVALID_ARGUMENT, "at most 8");
    CHECK_NULL(swish_reshape(x, ones9, 9), SWISH_ERR_INVALID_ARGUMENT, "at most 8");
    swish_tensor *r8 = swish_zeros(ones9, 8);
    CHECK_NULL(swish_unsqueeze(r8, 0), SWISH_ERR_INVALID_ARGUMENT, NULL);
    swish_clear_error();
    EXPECT(swish_item(swish_sum(r8)) == 0 && swish_tensor_ndim(r8) == 8);
    swish_tensor_free(r8);
    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(x);
}

static void dim_out_of_range(void) {
    swish_tensor *x = make_x();
    CHECK_NULL(swish_sum_dim(x, 2, false), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_mean_dim(x, -3, false), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_max_dim(x, INT64_MAX, false, NULL), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_argmax(x, INT64_MIN, true), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_softmax(x, 2), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_log_softmax(x, -3), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_transpose(x, 0, 5), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_squeeze(x, -9), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_unsqueeze(x, 4), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_flatten(x, 0, 7), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_select(x, 3, 0), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_MINUS1(swish_tensor_dim(x, 2), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    swish_module *flat = swish_flatten_new(3, 5);
    CHECK_NULL(swish_forward(flat, x), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    swish_tensor *s = swish_scalar(1);
    CHECK_NULL(swish_softmax(s, 1), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    swish_clear_error();
    swish_tensor *ok = swish_softmax(s, 0); /* a 0-d tensor takes dim 0 and -1, as in PyTorch */
    EXPECT(ok && swish_item(ok) == 1);
    swish_tensor_free(ok);
    swish_tensor_free(s);
    swish_module_free(flat);
    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(x);
}

static void binary_op_shape_mismatch(void) {
    swish_tensor *x = make_x(), *v4 = swish_ones((int64_t[]){4}, 1), *m32 = swish_ones((int64_t[]){3, 2}, 2);
    CHECK_NULL(swish_add(x, v4), SWISH_ERR_SHAPE, "must match");
    CHECK_NULL(swish_sub(v4, x), SWISH_ERR_SHAPE, "must match");
    CHECK_NULL(swish_mul(x, m32), SWISH_ERR_SHAPE, "must match");
    CHECK_NULL(swish_div(m32, x), SWISH_ERR_SHAPE, "must match");
    CHECK_NULL(swish_eq(x, v4), SWISH_ERR_SHAPE, "must match");
    for (int op = SWISH_EQ; op <= SWISH_LE; op++)
        CHECK_NULL(swish_compare(x, m32, (swish_compare_op)op), SWISH_ERR_SHAPE, "must match");
    EXPECT_VALUES(x, XV, 6);
    swish_clear_error();
    swish_tensor *ok = swish_add(x, swish_ones((int64_t[]){3}, 1)); /* broadcasting still works */
    const float plus1[6] = {2, 3, 4, 5, 6, 7};
    EXPECT_VALUES(ok, plus1, 6);
    swish_tensor_free(ok);
    swish_tensor_free(m32);
    swish_tensor_free(v4);
    swish_tensor_free(x);
}

static void matmul_shape_mismatch(void) {
    swish_tensor *x = make_x(), *w = swish_ones((int64_t[]){2, 4}, 2), *b = swish_ones((int64_t[]){3}, 1);
    swish_tensor *b4 = swish_ones((int64_t[]){4, 2, 3}, 3), *b3 = swish_ones((int64_t[]){3, 3, 2}, 3);
    swish_tensor *w23 = swish_ones((int64_t[]){2, 3}, 2);
    swish_module *m = make_linear();
    CHECK_NULL(swish_matmul(x, x), SWISH_ERR_SHAPE, "cannot be multiplied");
    CHECK_NULL(swish_matmul(b4, b3), SWISH_ERR_SHAPE, NULL); /* batch dims 4 and 3 do not broadcast */
    CHECK_NULL(swish_linear(x, w, NULL), SWISH_ERR_SHAPE, NULL);
    CHECK_NULL(swish_linear(x, w23, b), SWISH_ERR_SHAPE, "bias");
    CHECK_NULL(swish_forward(m, w), SWISH_ERR_SHAPE, "cannot be multiplied");
    swish_module *seq = swish_sequential_new((swish_module *[]){m, m}, 2); /* 3 -> 2, then 2 into a 3-input layer */
    CHECK_NULL(swish_forward(seq, x), SWISH_ERR_SHAPE, "cannot be multiplied");
    swish_module_free(seq);
    EXPECT_LINEAR_WORKS(m);
    swish_module_free(m);
    swish_tensor_free(b);
    swish_tensor_free(w);
    swish_tensor_free(x);
}

static void loss_shape_mismatch(void) {
    swish_tensor *x = make_x(), *t = swish_ones((int64_t[]){3, 2}, 2), *v = swish_ones((int64_t[]){6}, 1);
    swish_tensor *y3 = swish_tensor_from_int64((int64_t[]){0, 1, 2}, (int64_t[]){3}, 1);
    swish_tensor *y2 = swish_tensor_from_int64((int64_t[]){0, 1}, (int64_t[]){2}, 1);
    swish_tensor *w2 = swish_ones((int64_t[]){2}, 1), *w4 = swish_ones((int64_t[]){4}, 1);
    swish_tensor_set_requires_grad(x, true);
    CHECK_NULL(swish_mse_loss(x, t, SWISH_REDUCTION_MEAN), SWISH_ERR_SHAPE, "size");
    CHECK_NULL(swish_l1_loss(x, v, SWISH_REDUCTION_SUM), SWISH_ERR_SHAPE, "size");
    CHECK_NULL(swish_huber_loss(x, t, SWISH_REDUCTION_NONE, 1), SWISH_ERR_SHAPE, "size");
    CHECK_NULL(swish_binary_cross_entropy_with_logits(x, t, NULL, SWISH_REDUCTION_MEAN), SWISH_ERR_SHAPE, "size");
    CHECK_NULL(swish_binary_cross_entropy_with_logits(x, x, w2, SWISH_REDUCTION_MEAN), SWISH_ERR_SHAPE, NULL);
    CHECK_NULL(swish_cross_entropy(x, y3), SWISH_ERR_SHAPE, NULL);
    CHECK_NULL(swish_cross_entropy(x, t), SWISH_ERR_INVALID_ARGUMENT, NULL); /* float target of another shape */
    CHECK_NULL(swish_cross_entropy_ex(x, y2, w4, -100, SWISH_REDUCTION_MEAN, 0), SWISH_ERR_SHAPE, "weight");
    CHECK_MINUS1(swish_count_correct(x, y3), SWISH_ERR_SHAPE, NULL);
    EXPECT(swish_tensor_has_grad(x) == 0);
    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(w4);
    swish_tensor_free(w2);
    swish_tensor_free(y2);
    swish_tensor_free(y3);
    swish_tensor_free(v);
    swish_tensor_free(t);
    swish_tensor_free(x);
}

static void load_state_dict_shape_mismatch(void) {
    swish_module *m = make_linear();
    swish_state_dict *sd = swish_module_state_dict(m);
    swish_state_dict *bad = swish_state_dict_new();
    swish_state_dict_set(bad, "weight", swish_ones((int64_t[]){3, 2}, 2)); /* transposed */
    swish_state_dict_set(bad, "bias", swish_ones((int64_t[]){2}, 1));
    CHECK_STATUS(swish_module_load_state_dict(m, bad, true, NULL, NULL), SWISH_ERR_SHAPE, "size mismatch for weight");
    CHECK_STATUS(swish_module_load_state_dict(m, bad, false, NULL, NULL), SWISH_ERR_SHAPE, "size mismatch");
    swish_state_dict_set(bad, "weight", swish_ones((int64_t[]){2, 3}, 2));
    swish_state_dict_set(bad, "bias", swish_ones((int64_t[]){1, 2}, 2)); /* same count, other shape */
    CHECK_STATUS(swish_module_load_state_dict(m, bad, true, NULL, NULL), SWISH_ERR_SHAPE, "size mismatch for bias");
    EXPECT_LINEAR_WORKS(m); /* the weight (first) was not loaded either */
    swish_state_dict_free(bad);
    swish_state_dict_free(sd);
    swish_module_free(m);
}

static void backward_non_scalar_without_gradient(void) {
    swish_tensor *x = make_x();
    swish_tensor_set_requires_grad(x, true);
    swish_tensor *y = swish_mul_scalar(x, 3);
    CHECK_STATUS(swish_backward(y), SWISH_ERR_INVALID_ARGUMENT, "scalar outputs");
    CHECK_STATUS(swish_backward_ex(y, NULL, false), SWISH_ERR_INVALID_ARGUMENT, "scalar outputs");
    swish_tensor *flat = swish_ones((int64_t[]){6}, 1);
    CHECK_STATUS(swish_backward_ex(y, flat, false), SWISH_ERR_SHAPE, "shape");
    swish_tensor_free(flat);
    EXPECT(swish_tensor_has_grad(x) == 0);
    swish_clear_error();
    swish_tensor *ones = swish_ones((int64_t[]){2, 3}, 2);
    EXPECT(swish_backward_ex(y, ones, false) == SWISH_OK); /* with a gradient it works */
    swish_tensor *g = swish_tensor_grad(x);
    const float threes[6] = {3, 3, 3, 3, 3, 3};
    EXPECT_VALUES(g, threes, 6);
    swish_tensor_free(g);
    swish_tensor_free(ones);
    swish_tensor_free(y);
    swish_tensor_free(x);
}

static void backward_twice(void) {
    swish_tensor *x = make_x();
    swish_tensor_set_requires_grad(x, true);
    swish_tensor *loss = swish_sum(swish_mul(x, x));
    EXPECT(swish_backward(loss) == SWISH_OK);
    CHECK_STATUS(swish_backward(loss), SWISH_ERR_STATE, "second time");
    CHECK_STATUS(swish_backward_ex(loss, NULL, true), SWISH_ERR_STATE, "second time");
    swish_tensor *g = swish_tensor_grad(x);
    const float twice_x[6] = {2, 4, 6, 8, 10, 12};
    EXPECT_VALUES(g, twice_x, 6); /* the failed backwards added nothing */
    /* With retain_graph a second backward is allowed and accumulates. */
    swish_tensor *l2 = swish_sum(swish_mul(x, x));
    swish_tensor_zero_grad(x);
    swish_clear_error();
    EXPECT(swish_backward_ex(l2, NULL, true) == SWISH_OK && swish_backward(l2) == SWISH_OK);
    swish_tensor *g2 = swish_tensor_grad(x);
    const float four_x[6] = {4, 8, 12, 16, 20, 24};
    EXPECT_VALUES(g2, four_x, 6);
    CHECK_STATUS(swish_backward(l2), SWISH_ERR_STATE, "second time");
    swish_tensor_free(g2);
    swish_tensor_free(l2);
    swish_tensor_free(g);
    swish_tensor_free(loss);
    swish_tensor_free(x);
}

static void step_without_gradients(void) {
    swish_tensor *p = make_x();
    swish_tensor_set_requires_grad(p, true);
    swish_optimizer *sgd = make_sgd(p), *adam = swish_adam_new((swish_tensor *[]){p}, 1, NULL);
    CHECK_STATUS(swish_optimizer_step(sgd), SWISH_ERR_STATE, "no parameter has a gradient");
    CHECK_STATUS(swish_optimizer_step(adam), SWISH_ERR_STATE, "no parameter has a gradient");
    EXPECT_STEP_WORKS(sgd, p); /* ends with zero_grad */
    CHECK_STATUS(swish_optimizer_step(sgd), SWISH_ERR_STATE, "no parameter has a gradient");
    swish_optimizer_free(adam);
    swish_optimizer_free(sgd);
    swish_tensor_free(p);
}

static void optimizer_over_freed_module(void) {
    swish_module *m = make_linear();
    swish_state_dict *params = swish_module_named_parameters(m);
    swish_tensor *w = swish_state_dict_tensor(params, 0), *b = swish_state_dict_tensor(params, 1);
    swish_optimizer *opt = swish_sgd_new((swish_tensor *[]){w, b}, 2, NULL);
    swish_optimizer_set_lr(opt, 0.5f);
    swish_tensor_free(w);
    swish_tensor_free(b);
    swish_state_dict_free(params);
    swish_module_free(m); /* the optimizer retains the parameters */
    swish_clear_error();
    EXPECT(swish_optimizer_num_params(opt) == 2);
    CHECK_STATUS(swish_optimizer_step(opt), SWISH_ERR_STATE, "no parameter has a gradient");
    /* Gradients cannot be made any more (the module and the handles are gone), but the optimizer still
     * works: zero_grad, lr, clipping, free. */
    swish_clear_error();
    EXPECT(swish_optimizer_zero_grad(opt) == SWISH_OK);
    EXPECT(swish_optimizer_set_lr(opt, 0.25f) == SWISH_OK && swish_optimizer_get_lr(opt) == 0.25f);
    float norm = -1;
    EXPECT(swish_optimizer_clip_grad_norm(opt, 1, 2, &norm) == SWISH_OK && norm == 0);
    EXPECT(swish_optimizer_free(opt) == SWISH_OK);

    /* The same with gradients computed before the module goes: the step still updates its parameters. */
    m = make_linear();
    swish_tensor *x = make_x();
    swish_tensor *wt = swish_module_param(m, "weight");
    swish_optimizer *opt2 = make_sgd(wt);
    swish_tensor *loss = swish_sum(swish_forward(m, x));
    EXPECT(swish_backward(loss) == SWISH_OK);
    swish_module_free(m);
    EXPECT(swish_optimizer_step(opt2) == SWISH_OK);
    /* d(sum)/dW[j][k] = sum of column k of x = 5, 7, 9: W = 0.5 - 0.1 * that. */
    const float moved[6] = {0.5f - 0.5f, 0.5f - 0.7f, 0.5f - 0.9f, 0.5f - 0.5f, 0.5f - 0.7f, 0.5f - 0.9f};
    float got[6];
    EXPECT(swish_tensor_copy_to(wt, got, 6) == SWISH_OK);
    for (int i = 0; i < 6; i++) EXPECT(fabsf(got[i] - moved[i]) < 1e-6f);
    swish_optimizer_free(opt2);
    swish_tensor_free(loss);
    swish_tensor_free(wt);
    swish_tensor_free(x);
}

static void bad_hyperparameters(void) {
    swish_tensor *p = make_x();
    swish_tensor_set_requires_grad(p, true);
    swish_tensor *ps[] = {p};
    swish_sgd_options s;
    swish_adam_options a;
    swish_yogi_options y;
    swish_sgd_options_default(&s); s.lr = -1;
    CHECK_NULL(swish_sgd_new(ps, 1, &s), SWISH_ERR_INVALID_ARGUMENT, "learning rate");
    swish_sgd_options_default(&s); s.momentum = -0.1f;
    CHECK_NULL(swish_sgd_new(ps, 1, &s), SWISH_ERR_INVALID_ARGUMENT, "momentum");
    swish_sgd_options_default(&s); s.momentum = 0.9f; s.dampening = 0.5f; s.nesterov = true;
    CHECK_NULL(swish_sgd_new(ps, 1, &s), SWISH_ERR_INVALID_ARGUMENT, "Nesterov");
    swish_sgd_options_default(&s); s.weight_decay = -1;
    CHECK_NULL(swish_sgd_new(ps, 1, &s), SWISH_ERR_INVALID_ARGUMENT, "weight_decay");
    swish_adam_options_default(&a); a.beta1 = 1;
    CHECK_NULL(swish_adam_new(ps, 1, &a), SWISH_ERR_INVALID_ARGUMENT, "beta");
    swish_adam_options_default(&a); a.beta2 = 2;
    CHECK_NULL(swish_adamw_new(ps, 1, &a), SWISH_ERR_INVALID_ARGUMENT, "beta");
    swish_adam_options_default(&a); a.eps = -1e-8f;
    CHECK_NULL(swish_adam_new(ps, 1, &a), SWISH_ERR_INVALID_ARGUMENT, "epsilon");
    swish_yogi_options_default(&y); y.initial_accumulator = -1;
    CHECK_NULL(swish_yogi_new(ps, 1, &y), SWISH_ERR_INVALID_ARGUMENT, NULL);
    swish_yogi_options_default(&y); y.beta1 = -0.5f;
    CHECK_NULL(swish_yogi_new(ps, 1, &y), SWISH_ERR_INVALID_ARGUMENT, "beta");
    CHECK_NAN(swish_lr_step(0.1f, 1, 0, 0.5f), SWISH_ERR_INVALID_ARGUMENT, "step_size");
    CHECK_NAN(swish_lr_step(-0.1f, 1, 1, 0.5f), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NAN(swish_lr_cosine(0.1f, 1, 0, 0), SWISH_ERR_INVALID_ARGUMENT, "T_max");
    CHECK_NAN(swish_lr_cosine(0.1f, 1, 10, -1), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_clip_grad_norm(ps, 1, -1, 2, NULL), SWISH_ERR_INVALID_ARGUMENT, "max_norm");
    CHECK_STATUS(swish_clip_grad_norm(ps, 1, 1, -2, NULL), SWISH_ERR_INVALID_ARGUMENT, "norm_type");
    CHECK_NULL(swish_huber_loss(p, p, SWISH_REDUCTION_MEAN, -1), SWISH_ERR_INVALID_ARGUMENT, "delta");
    CHECK_NULL(swish_cross_entropy_ex(p, p, NULL, -100, SWISH_REDUCTION_MEAN, -0.5f), SWISH_ERR_INVALID_ARGUMENT,
               "label_smoothing");
    CHECK_NULL(swish_leaky_relu_new(INFINITY), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_init_uniform(p, 1, 0, NULL), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_init_normal(p, 0, -1, NULL), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_gelu_new("fast"), SWISH_ERR_INVALID_ARGUMENT, "fast");
    CHECK_NULL(swish_arange(0, 1, 0), SWISH_ERR_INVALID_ARGUMENT, "step");
    EXPECT_VALUES(p, XV, 6);
    swish_optimizer *ok = make_sgd(p);
    EXPECT_STEP_WORKS(ok, p);
    swish_optimizer_free(ok);
    swish_tensor_free(p);
}

/* NaN and infinity in the data propagate as in IEEE arithmetic (and PyTorch); nothing traps. */
static void nan_and_inf_in_inputs(void) {
    swish_clear_error();
    swish_scope_begin();
    const float v[6] = {NAN, INFINITY, -INFINITY, 0, 1, -1};
    swish_tensor *x = swish_tensor_new(v, (int64_t[]){2, 3}, 2);
    swish_tensor_set_requires_grad(x, true);
    EXPECT(isnan(swish_item(swish_sum(x))));
    EXPECT(isnan(swish_item(swish_max(x)))); /* NaN counts as largest */
    EXPECT(swish_item(swish_max(swish_select(x, 0, 1))) == 1);
    swish_tensor *am = swish_argmax(x, 1, false);
    EXPECT(am && swish_tensor_get(am, (int64_t[]){0}, 1) == 0);
    swish_tensor *ops[] = {swish_relu(x), swish_sigmoid(x), swish_tanh(x), swish_gelu(x, SWISH_GELU_TANH),
                           swish_silu(x), swish_softmax(x, 1), swish_log_softmax(x, 1), swish_exp(x),
                           swish_log(x), swish_sqrt(x), swish_pow_scalar(x, 0.5f), swish_clamp(x, -1, 1),
                           swish_matmul(x, swish_t(x)), swish_div(x, swish_zeros((int64_t[]){3}, 1)),
                           swish_leaky_relu(x, 0.2f), swish_abs(x)};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) EXPECT(ops[i] != NULL && swish_tensor_numel(ops[i]) > 0);
    EXPECT(swish_tensor_str(x) != NULL && strstr(swish_tensor_str(x), "nan") && strstr(swish_tensor_str(x), "inf"));
    EXPECT(isnan(swish_item(swish_mse_loss(x, swish_zeros((int64_t[]){2, 3}, 2), SWISH_REDUCTION_MEAN))));
    swish_tensor *labels = swish_tensor_from_int64((int64_t[]){1, 2}, (int64_t[]){2}, 1);
    swish_tensor *ce = swish_cross_entropy(x, labels);
    EXPECT(ce && isnan(swish_item(ce)));
    EXPECT(swish_count_correct(x, labels) >= 0 && !isnan(swish_accuracy(x, labels)));
    /* backward through all of it gives NaN gradients, and an optimizer step takes them. */
    swish_tensor *total = swish_sum(swish_mul(x, x));
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) total = swish_add(total, swish_sum(ops[i]));
    total = swish_add(total, ce);
    EXPECT(swish_backward(total) == SWISH_OK);
    swish_tensor *g = swish_tensor_grad(x);
    EXPECT(g && isnan(swish_tensor_get(g, (int64_t[]){0, 0}, 2)));
    swish_optimizer *opt = swish_adam_new((swish_tensor *[]){x}, 1, NULL);
    float norm = 0;
    EXPECT(swish_optimizer_clip_grad_norm(opt, 1, 2, &norm) == SWISH_OK && isnan(norm));
    EXPECT(swish_optimizer_step(opt) == SWISH_OK);
    EXPECT(isnan(swish_tensor_get(x, (int64_t[]){1, 2}, 2)));
    /* Init with non-finite values where they are data, not hyperparameters. */
    EXPECT(swish_init_constant(x, NAN) == SWISH_OK && isnan(swish_tensor_get(x, (int64_t[]){0, 1}, 2)));
    swish_tensor *c = swish_full((int64_t[]){2}, 1, INFINITY);
    EXPECT(c && isinf(swish_item(swish_sum(c))));
    swish_tensor *cl = swish_clamp(c, NAN, 3); /* NaN bound: no bound on that side */
    EXPECT(cl && swish_tensor_get(cl, (int64_t[]){0}, 1) == 3);
    char line[128];
    EXPECT(swish_progress_format(line, sizeof line, 1, 2, NAN, INFINITY, NAN) > 0);
    EXPECT(swish_progress_format(line, sizeof line, INT64_MIN, INT64_MAX, -INFINITY, NAN, INFINITY) > 0);
    EXPECT(swish_progress_format(line, sizeof line, 1, 1, 0, 0, -1e300) > 0);
    EXPECT(swish_progress_format(line, sizeof line, 1, 1, 0, 0, 1e300) > 0);
    swish_optimizer_free(opt);
    EXPECT(swish_last_status() == SWISH_OK);
    EXPECT(swish_scope_end() == SWISH_OK);
}

static void nan_and_inf_hyperparameters(void) {
    swish_tensor *p = make_x();
    swish_tensor_set_requires_grad(p, true);
    swish_tensor *ps[] = {p};
    swish_sgd_options s;
    swish_adam_options a;
    swish_sgd_options_default(&s); s.lr = NAN;
    CHECK_NULL(swish_sgd_new(ps, 1, &s), SWISH_ERR_INVALID_ARGUMENT, "learning rate");
    swish_sgd_options_default(&s); s.lr = INFINITY;
    CHECK_NULL(swish_sgd_new(ps, 1, &s), SWISH_ERR_INVALID_ARGUMENT, "learning rate");
    swish_sgd_options_default(&s); s.momentum = NAN;
    CHECK_NULL(swish_sgd_new(ps, 1, &s), SWISH_ERR_INVALID_ARGUMENT, "momentum");
    swish_adam_options_default(&a); a.beta1 = NAN;
    CHECK_NULL(swish_adam_new(ps, 1, &a), SWISH_ERR_INVALID_ARGUMENT, "beta");
    swish_adam_options_default(&a); a.eps = INFINITY;
    CHECK_NULL(swish_adamw_new(ps, 1, &a), SWISH_ERR_INVALID_ARGUMENT, "epsilon");
    swish_adam_options_default(&a); a.weight_decay = NAN;
    CHECK_NULL(swish_adam_new(ps, 1, &a), SWISH_ERR_INVALID_ARGUMENT, "weight_decay");
    swish_optimizer *opt = make_sgd(p);
    CHECK_STATUS(swish_optimizer_set_lr(opt, NAN), SWISH_ERR_INVALID_ARGUMENT, "learning rate");
    CHECK_STATUS(swish_optimizer_set_lr(opt, INFINITY), SWISH_ERR_INVALID_ARGUMENT, "learning rate");
    CHECK_STATUS(swish_optimizer_set_lr(opt, -INFINITY), SWISH_ERR_INVALID_ARGUMENT, "learning rate");
    EXPECT(swish_optimizer_get_lr(opt) == 0.1f);
    CHECK_NAN(swish_lr_step(NAN, 1, 1, 0.5f), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NAN(swish_lr_step(0.1f, 1, 1, NAN), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NAN(swish_lr_cosine(INFINITY, 1, 10, 0), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NAN(swish_lr_cosine(0.1f, 1, 10, NAN), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_clip_grad_norm(ps, 1, NAN, 2, NULL), SWISH_ERR_INVALID_ARGUMENT, "max_norm");
    CHECK_STATUS(swish_clip_grad_norm(ps, 1, 1, NAN, NULL), SWISH_ERR_INVALID_ARGUMENT, "norm_type");
    CHECK_NULL(swish_huber_loss(p, p, SWISH_REDUCTION_MEAN, NAN), SWISH_ERR_INVALID_ARGUMENT, "delta");
    CHECK_NULL(swish_cross_entropy_ex(p, p, NULL, -100, SWISH_REDUCTION_MEAN, NAN), SWISH_ERR_INVALID_ARGUMENT,
               "label_smoothing");
    CHECK_NULL(swish_leaky_relu(p, NAN), SWISH_ERR_INVALID_ARGUMENT, "negative_slope");
    CHECK_NULL(swish_arange(0, INFINITY, 1), SWISH_ERR_INVALID_ARGUMENT, "finite");
    CHECK_NULL(swish_arange(0, 1, NAN), SWISH_ERR_INVALID_ARGUMENT, "finite");
    CHECK_STATUS(swish_init_uniform(p, -INFINITY, 0, NULL), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_init_uniform(p, NAN, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_init_normal(p, 0, NAN, NULL), SWISH_ERR_INVALID_ARGUMENT, NULL);
    /* A large finite learning rate is legal: the parameters overflow to infinity, nothing traps. */
    swish_clear_error();
    EXPECT(swish_optimizer_set_lr(opt, 3e38f) == SWISH_OK);
    swish_tensor *loss = swish_sum(swish_mul_scalar(p, 3e38f));
    EXPECT(swish_backward(loss) == SWISH_OK && swish_optimizer_step(opt) == SWISH_OK);
    EXPECT(isinf(swish_tensor_get(p, (int64_t[]){0, 0}, 2)));
    swish_tensor_free(loss);
    swish_optimizer_free(opt);
    swish_tensor_free(p);
}

static void callback_returns_null(void) {
    enum forward_mode mode = FORWARD_NULL;
    swish_module *c = swish_module_new_custom("Custom", custom_forward, &mode, NULL);
    swish_tensor *x = make_x();
    CHECK_CALLBACK_NULL(swish_forward(c, x), "returned NULL");
    mode = FORWARD_NULL_WITH_MESSAGE;
    CHECK_CALLBACK_NULL(swish_forward(c, x), "custom: refused");
    mode = FORWARD_INNER_FAILURE;
    CHECK_CALLBACK_NULL(swish_forward(c, x), "swish_matmul");
    CHECK_CALLBACK_STATUS(swish_module_apply(c, apply_fails, NULL), "apply: refused");
    mode = FORWARD_DOUBLE;
    swish_clear_error();
    swish_tensor *y = swish_forward(c, x);
    const float doubled[6] = {2, 4, 6, 8, 10, 12};
    EXPECT_VALUES(y, doubled, 6);
    swish_tensor_free(y);
    swish_tensor_free(x);
    swish_module_free(c);
}

static void callback_returns_wrong_shape(void) {
    enum forward_mode mode = FORWARD_WRONG_SHAPE;
    swish_module *c = swish_module_new_custom("Custom", custom_forward, &mode, NULL);
    swish_module *lin = make_linear();
    swish_module *seq = swish_sequential_new((swish_module *[]){c, lin}, 2);
    swish_tensor *x = make_x();
    /* A forward may return any shape (as in PyTorch); the layer after it reports the mismatch. */
    CHECK_NULL(swish_forward(seq, x), SWISH_ERR_SHAPE, "cannot be multiplied (5x7 and 3x2)");
    swish_clear_error();
    swish_tensor *y = swish_forward(c, x);
    EXPECT(y && swish_tensor_dim(y, 0) == 5 && swish_tensor_dim(y, 1) == 7);
    CHECK_NULL(swish_mse_loss(y, x, SWISH_REDUCTION_MEAN), SWISH_ERR_SHAPE, NULL);
    swish_tensor_free(y);
    mode = FORWARD_DOUBLE;
    swish_clear_error();
    swish_tensor *ok = swish_forward(seq, x); /* 2x then the Linear: [[6.25, 6.25], [15.25, 15.25]] */
    const float want[4] = {6.25f, 6.25f, 15.25f, 15.25f};
    EXPECT_VALUES(ok, want, 4);
    swish_tensor_free(ok);
    swish_tensor_free(x);
    swish_module_free(seq);
    swish_module_free(lin);
    swish_module_free(c);
}

/* Callbacks that return handles that are not a live tensor of theirs, free what they are lent, or
 * unbalance the library's scopes. */
static void callback_misbehaves(void) {
    enum forward_mode mode = FORWARD_GARBAGE;
    swish_module *c = swish_module_new_custom("Custom", custom_forward, &mode, NULL);
    swish_tensor *x = swish_keep(make_x()); /* outlives the scope the class runs in, which is ended below */
    CHECK_CALLBACK_NULL(swish_forward(c, x), "bad handle");
    mode = FORWARD_MODULE_HANDLE;
    CHECK_CALLBACK_NULL(swish_forward(c, x), "bad handle");
    mode = FORWARD_FREED_INPUT;
    CHECK_CALLBACK_NULL(swish_forward(c, x), "bad handle");
    EXPECT_VALUES(x, XV, 6); /* only the lent handle was freed, not the caller's */
    mode = FORWARD_ENDS_SCOPE;
    swish_scope_begin(); /* the caller's scope, which the callback must not be able to end */
    swish_tensor *mine = swish_ones((int64_t[]){2}, 1);
    CHECK_CALLBACK_NULL(swish_forward(c, x), "scope");
    EXPECT(swish_scope_end() == SWISH_OK);
    (void)mine;
    swish_clear_error();
    mode = FORWARD_LEAVES_SCOPE_OPEN; /* closed by the library with its own */
    int64_t before = swish_live_handles();
    swish_tensor *y = swish_forward(c, x);
    EXPECT(y != NULL && swish_live_handles() == before + 1);
    swish_tensor_free(y);
    /* No scope was left open on this thread: the class's own scope is the only one. */
    EXPECT(swish_scope_end() == SWISH_OK);
    EXPECT(swish_scope_end() == SWISH_ERR_STATE);
    EXPECT(swish_scope_begin() == SWISH_OK);
    mode = FORWARD_FREES_SELF; /* frees the library's handle to itself: harmless */
    swish_clear_error();
    y = swish_forward(c, x);
    EXPECT(y != NULL && swish_module_num_children(c) == 0);
    swish_tensor_free(y);
    swish_clear_error();
    EXPECT(swish_module_apply(c, apply_frees_lent_module, NULL) == SWISH_OK);
    mode = FORWARD_DOUBLE;
    y = swish_forward(c, x);
    const float doubled[6] = {2, 4, 6, 8, 10, 12};
    EXPECT_VALUES(y, doubled, 6);
    EXPECT(swish_last_status() == SWISH_OK);
    swish_tensor_free(y);
    swish_tensor_free(x);
    swish_module_free(c);
}

static void caller_buffer_too_small(void) {
    swish_tensor *x = make_x();
    float out[6] = {-1, -1, -1, -1, -1, -1};
    int64_t dims[2] = {-1, -1};
    CHECK_STATUS(swish_tensor_copy_to(x, out, 5), SWISH_ERR_INVALID_ARGUMENT, "room for 5");
    CHECK_STATUS(swish_tensor_copy_to(x, out, 0), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_tensor_shape(x, dims, 1), SWISH_ERR_INVALID_ARGUMENT, "room for 1");
    CHECK_STATUS(swish_tensor_copy_from(x, out, 5), SWISH_ERR_INVALID_ARGUMENT, NULL);
    EXPECT(out[0] == -1 && out[4] == -1 && dims[0] == -1);
    EXPECT_VALUES(x, XV, 6);
    /* progress_format truncates like snprintf and reports the full length. */
    char small[6] = "xxxxx";
    swish_clear_error();
    int64_t need = swish_progress_format(small, sizeof small, 3, 10, 0.5f, 0.25f, 100);
    EXPECT(need > 5 && strlen(small) == 5 && strncmp(small, "epoch", 5) == 0);
    char one[1] = {'x'};
    EXPECT(swish_progress_format(one, 1, 3, 10, 0.5f, 0.25f, 100) == need && one[0] == '\0');
    EXPECT(swish_progress_format(NULL, 0, 3, 10, 0.5f, 0.25f, 100) == need);
    swish_tensor_free(x);
}

static void allocation_larger_than_memory(void) {
    int64_t n = (int64_t)1 << 20;
    swish_tensor *x = make_x();
    CHECK_NULL(swish_zeros((int64_t[]){n, n}, 2), SWISH_ERR_OUT_OF_MEMORY, "memory"); /* 4 TiB */
    CHECK_NULL(swish_ones((int64_t[]){n, n, 4}, 3), SWISH_ERR_OUT_OF_MEMORY, "memory");
    swish_tensor *col = swish_zeros((int64_t[]){n, 1}, 2), *row = swish_zeros((int64_t[]){1, n}, 2);
    CHECK_NULL(swish_add(col, row), SWISH_ERR_OUT_OF_MEMORY, "memory"); /* broadcast to [n, n] */
    CHECK_NULL(swish_matmul(col, row), SWISH_ERR_OUT_OF_MEMORY, "memory");
    CHECK_NULL(swish_linear_new(n, n, true, NULL), SWISH_ERR_OUT_OF_MEMORY, "memory");
    swish_module *lazy = swish_lazy_linear_new(n, false, NULL);
    CHECK_NULL(swish_forward(lazy, col), SWISH_ERR_OUT_OF_MEMORY, "memory"); /* weight [n, 1], output [n, n] */
    CHECK_NULL(swish_full((int64_t[]){n * n}, 1, 0), SWISH_ERR_OUT_OF_MEMORY, "memory");
    swish_clear_error();
    swish_tensor *s = swish_sum(swish_add_scalar(col, 1)); /* a real allocation still works */
    EXPECT(s && swish_item(s) == (float)n);
    swish_tensor_free(s);
    swish_module_free(lazy);
    swish_tensor_free(row);
    swish_tensor_free(col);
    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(x);
}

static void index_out_of_range(void) {
    swish_module *m = make_linear();
    swish_module *seq = swish_sequential_new((swish_module *[]){m}, 1);
    swish_state_dict *sd = swish_module_state_dict(m);
    swish_tensor *x = make_x();
    CHECK_NULL(swish_select(x, 0, 2), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_NAN(swish_tensor_get(x, (int64_t[]){0, 3}, 2), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_STATUS(swish_tensor_set(x, (int64_t[]){-3, 0}, 2, 0), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_NULL(swish_take_rows(x, (int64_t[]){0, INT64_MIN}, 2), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_module_child(seq, 1), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_module_child_name(seq, INT64_MIN), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_state_dict_name(sd, 2), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_state_dict_tensor(sd, INT64_MAX), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    swish_tensor *y = swish_tensor_from_int64((int64_t[]){0, 3}, (int64_t[]){2}, 1);
    CHECK_NULL(swish_cross_entropy(x, y), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_NULL(swish_tensor_from_int64((int64_t[]){INT64_MAX}, (int64_t[]){1}, 1), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_cross_entropy_ex(x, y, NULL, INT64_MIN, SWISH_REDUCTION_MEAN, 0), SWISH_ERR_INVALID_ARGUMENT,
               NULL);
    EXPECT_VALUES(x, XV, 6);
    EXPECT_LINEAR_WORKS(seq);
    swish_tensor_free(y);
    swish_tensor_free(x);
    swish_state_dict_free(sd);
    swish_module_free(seq);
    swish_module_free(m);
}

static void enum_values_out_of_range(void) {
    swish_tensor *x = make_x();
    CHECK_NULL(swish_compare(x, x, (swish_compare_op)6), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_compare_scalar(x, 0, (swish_compare_op)-1), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_mse_loss(x, x, (swish_reduction)3), SWISH_ERR_INVALID_ARGUMENT, "reduction");
    CHECK_NULL(swish_l1_loss(x, x, (swish_reduction)-1), SWISH_ERR_INVALID_ARGUMENT, "reduction");
    CHECK_NULL(swish_gelu(x, (swish_gelu_approximate)2), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NAN(swish_init_calculate_gain((swish_nonlinearity)12, 0), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NAN(swish_init_calculate_gain((swish_nonlinearity)-1, 0), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_init_kaiming_uniform(x, 0, (swish_fan_mode)2, SWISH_GAIN_RELU, NULL), SWISH_ERR_INVALID_ARGUMENT,
                 NULL);
    CHECK_STATUS(swish_init_kaiming_normal(x, 0, SWISH_FAN_IN, (swish_nonlinearity)99, NULL), SWISH_ERR_INVALID_ARGUMENT,
                 NULL);
    EXPECT(strcmp(swish_status_string((swish_status)1000), "unknown status") == 0);
    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(x);
}

static void unmatched_begin_end_pairs(void) {
    /* main runs each class inside a scope: close it first, then restore it. */
    EXPECT(swish_scope_end() == SWISH_OK);
    CHECK_STATUS(swish_scope_end(), SWISH_ERR_STATE, "no scope is open");
    CHECK_STATUS(swish_no_grad_end(), SWISH_ERR_STATE, "swish_no_grad_begin");
    EXPECT(swish_is_grad_enabled());
    swish_no_grad_begin();
    swish_no_grad_begin();
    EXPECT(swish_no_grad_end() == SWISH_OK && !swish_is_grad_enabled());
    EXPECT(swish_no_grad_end() == SWISH_OK && swish_is_grad_enabled());
    CHECK_STATUS(swish_no_grad_end(), SWISH_ERR_STATE, "swish_no_grad_begin");
    EXPECT(swish_scope_begin() == SWISH_OK);
}

static void null_propagation_keeps_first_error(void) {
    swish_module *m = make_linear();
    swish_tensor *bad = swish_ones((int64_t[]){2, 4}, 2);
    swish_clear_error();
    swish_tensor *y = swish_tensor_from_int64((int64_t[]){0, 1}, (int64_t[]){2}, 1);
    swish_tensor *loss = swish_cross_entropy(swish_relu(swish_forward(m, bad)), y);
    EXPECT(loss == NULL && swish_backward(loss) == SWISH_ERR_SHAPE && isnan(swish_item(loss)));
    EXPECT(swish_module_load_state_dict(m, swish_module_state_dict(NULL), true, NULL, NULL) == SWISH_ERR_SHAPE);
    EXPECT(swish_optimizer_step(NULL) == SWISH_ERR_SHAPE && swish_sequential_new((swish_module *[]){NULL}, 1) == NULL);
    EXPECT(strncmp(swish_last_error(), "swish_forward: ", 15) == 0);
    EXPECT_LINEAR_WORKS(m);
    swish_tensor_free(y);
    swish_tensor_free(bad);
    swish_module_free(m);
}

static void in_place_write_to_leaf_requiring_grad(void) {
    swish_module *m = make_linear();
    swish_tensor *w = swish_module_param(m, "weight");
    const float z[6] = {0};
    /* copy_from is refused as PyTorch refuses in-place changes of such a leaf; swish_tensor_set and the
     * init functions are the documented `.data` writes and stay allowed. */
    CHECK_STATUS(swish_tensor_copy_from(w, z, 6), SWISH_ERR_STATE, "in-place");
    EXPECT_LINEAR_WORKS(m);
    swish_no_grad_begin();
    swish_clear_error();
    EXPECT(swish_tensor_copy_from(w, z, 6) == SWISH_OK);
    EXPECT(swish_no_grad_end() == SWISH_OK);
    EXPECT(swish_init_constant(w, 0.5f) == SWISH_OK);
    EXPECT_LINEAR_WORKS(m);
    swish_tensor_free(w);
    swish_module_free(m);
}

static void requires_grad_on_non_leaf_or_non_float(void) {
    swish_tensor *x = make_x();
    swish_tensor_set_requires_grad(x, true);
    swish_tensor *y = swish_mul_scalar(x, 2), *b = swish_compare_scalar(x, 2, SWISH_GT);
    swish_tensor *i = swish_argmax(x, 1, false);
    swish_module *m = make_linear();
    CHECK_STATUS(swish_tensor_set_requires_grad(y, false), SWISH_ERR_STATE, "leaf");
    CHECK_STATUS(swish_tensor_set_requires_grad(b, true), SWISH_ERR_INVALID_ARGUMENT, "floating point");
    CHECK_STATUS(swish_tensor_set_requires_grad(i, true), SWISH_ERR_INVALID_ARGUMENT, "floating point");
    CHECK_NULL(swish_sgd_new((swish_tensor *[]){y}, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "leaf");
    CHECK_NULL(swish_adam_new((swish_tensor *[]){i}, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_module_register_parameter(m, "p", y), SWISH_ERR_INVALID_ARGUMENT, "leaf");
    CHECK_STATUS(swish_module_register_parameter(m, "q", i), SWISH_ERR_INVALID_ARGUMENT, NULL);
    EXPECT(swish_tensor_requires_grad(y) == 1 && swish_tensor_requires_grad(b) == 0);
    EXPECT_LINEAR_WORKS(m);
    swish_module_free(m);
    swish_tensor_free(i);
    swish_tensor_free(b);
    swish_tensor_free(y);
    swish_tensor_free(x);
}

static void bad_names_and_paths(void) {
    swish_module *m = make_linear();
    swish_module *seq = swish_sequential_new((swish_module *[]){m}, 1);
    swish_state_dict *sd = swish_module_state_dict(seq);
    swish_tensor *t = swish_ones((int64_t[]){1}, 1);
    CHECK_STATUS(swish_module_register_parameter(m, "", t), SWISH_ERR_INVALID_ARGUMENT, "empty");
    CHECK_STATUS(swish_module_register_buffer(m, "a.b", t, true), SWISH_ERR_INVALID_ARGUMENT, ".");
    CHECK_STATUS(swish_module_register_parameter(m, "weight", t), SWISH_ERR_INVALID_ARGUMENT, "already exists");
    CHECK_NULL(swish_module_param(seq, "0.nope"), SWISH_ERR_INVALID_ARGUMENT, "nope");
    CHECK_NULL(swish_module_param(seq, "7.weight"), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_module_param(seq, "..."), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_module_buffer(seq, "0.weight"), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_module_child_by_name(seq, "0.0"), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_NULL(swish_state_dict_get(sd, "missing"), SWISH_ERR_INVALID_ARGUMENT, "missing");
    CHECK_STATUS(swish_state_dict_remove(sd, "missing"), SWISH_ERR_INVALID_ARGUMENT, "missing");
    CHECK_NULL(swish_module_new_custom("", custom_forward, NULL, NULL), SWISH_ERR_INVALID_ARGUMENT, "empty");
    /* Names with bytes that are not UTF-8 are names like any other. */
    swish_clear_error();
    EXPECT(swish_state_dict_set(sd, "\xff\xfe", t) == SWISH_OK && swish_state_dict_contains(sd, "\xff\xfe") == 1);
    EXPECT_LINEAR_WORKS(seq);
    swish_tensor_free(t);
    swish_state_dict_free(sd);
    swish_module_free(seq);
    swish_module_free(m);
}

static void module_containing_itself(void) {
    swish_module *m = make_linear();
    swish_module *inner = swish_sequential_new((swish_module *[]){m}, 1);
    swish_module *outer = swish_sequential_new((swish_module *[]){inner}, 1);
    CHECK_STATUS(swish_sequential_append(inner, outer), SWISH_ERR_INVALID_ARGUMENT, "contain itself");
    CHECK_STATUS(swish_sequential_append(outer, outer), SWISH_ERR_INVALID_ARGUMENT, "contain itself");
    CHECK_STATUS(swish_module_register_child(m, "up", outer), SWISH_ERR_INVALID_ARGUMENT, "contain itself");
    CHECK_STATUS(swish_sequential_append(m, inner), SWISH_ERR_INVALID_ARGUMENT, "not a Sequential");
    EXPECT(swish_module_num_children(outer) == 1 && swish_module_num_children(inner) == 1);
    EXPECT_LINEAR_WORKS(outer);
    swish_module_free(outer);
    swish_module_free(inner);
    swish_module_free(m);
}

static void uninitialized_lazy_module(void) {
    swish_module *lazy = swish_lazy_linear_new(2, true, NULL);
    CHECK_NULL(swish_module_param(lazy, "weight"), SWISH_ERR_STATE, "uninitialized");
    CHECK_NULL(swish_module_named_parameters(lazy), SWISH_ERR_STATE, "uninitialized");
    CHECK_NULL(swish_module_state_dict(lazy), SWISH_ERR_STATE, "uninitialized");
    CHECK_NULL(swish_module_param(lazy, "bias"), SWISH_ERR_STATE, "uninitialized");
    swish_tensor *s = swish_scalar(1), *x4 = swish_ones((int64_t[]){2, 4}, 2);
    CHECK_NULL(swish_forward(lazy, s), SWISH_ERR_INVALID_ARGUMENT, "0-d");
    swish_clear_error();
    swish_tensor *x = make_x();
    swish_tensor *y = swish_forward(lazy, x);
    EXPECT(y && swish_tensor_dim(y, 1) == 2 && strcmp(swish_module_type_name(lazy), "Linear") == 0);
    CHECK_NULL(swish_forward(lazy, x4), SWISH_ERR_SHAPE, NULL); /* in is now 3 */
    swish_tensor_free(x4);
    swish_tensor_free(s);
    swish_tensor_free(y);
    swish_tensor_free(x);
    swish_module_free(lazy);
}

static void bad_parameter_lists(void) {
    swish_tensor *p = make_x();
    swish_tensor_set_requires_grad(p, true);
    CHECK_NULL(swish_sgd_new((swish_tensor *[]){p}, 0, NULL), SWISH_ERR_INVALID_ARGUMENT, "empty");
    CHECK_NULL(swish_adam_new((swish_tensor *[]){p, NULL}, 2, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_sgd_new((swish_tensor *[]){p}, SIZE_MAX, NULL), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_STATUS(swish_clip_grad_norm((swish_tensor *[]){p}, SIZE_MAX, 1, 2, NULL), SWISH_ERR_INVALID_ARGUMENT, NULL);
    /* A parameter listed twice is updated once. */
    swish_clear_error();
    swish_optimizer *opt = swish_sgd_new((swish_tensor *[]){p, p, p}, 3, NULL);
    EXPECT(opt && swish_optimizer_num_params(opt) == 1);
    swish_optimizer_set_lr(opt, 0.1f);
    EXPECT_STEP_WORKS(opt, p);
    swish_optimizer_free(opt);
    swish_tensor_free(p);
}

static void strict_load_with_wrong_keys(void) {
    swish_module *m = make_linear();
    swish_state_dict *sd = swish_state_dict_new();
    swish_tensor *w = swish_zeros((int64_t[]){2, 3}, 2);
    swish_state_dict_set(sd, "weight", w);
    swish_state_dict_set(sd, "extra", w);
    swish_state_dict *missing = (swish_state_dict *)(uintptr_t)1, *unexpected = (swish_state_dict *)(uintptr_t)1;
    CHECK_STATUS(swish_module_load_state_dict(m, sd, true, &missing, &unexpected), SWISH_ERR_INVALID_ARGUMENT,
                 "Missing key(s)");
    EXPECT(missing == NULL && unexpected == NULL);
    EXPECT(strstr(swish_last_error(), "Unexpected key(s)") != NULL);
    EXPECT_LINEAR_WORKS(m);
    swish_tensor_free(w);
    swish_state_dict_free(sd);
    swish_module_free(m);
}

/* Empty tensors whose other sizes are huge: an op's output shape can overflow where its input did not,
 * and a loop over the other sizes of an empty tensor must not run. Found by the call-sequence fuzzer and
 * the probes that followed it; each line was a crash or a hang before its fix. */
static void empty_tensors_with_huge_sizes(void) {
    int64_t b32 = (int64_t)1 << 32, b40 = (int64_t)1 << 40;
    swish_tensor *x = swish_zeros((int64_t[]){b32, 0, b32}, 3);
    EXPECT(x && swish_tensor_numel(x) == 0);
    /* The sum over the 0 would be [2^32, 2^32]: refused, not allocated as 0 floats and written (a heap
     * overflow before). */
    CHECK_NULL(swish_sum_dim(x, 1, false), SWISH_ERR_INVALID_ARGUMENT, "64 bits");
    CHECK_NULL(swish_mean_dim(x, 1, true), SWISH_ERR_INVALID_ARGUMENT, "64 bits");
    /* Loops over an empty tensor's other sizes: each of these took 2^40 iterations (a hang) before. */
    swish_clear_error();
    swish_tensor *wide = swish_zeros((int64_t[]){0, b40}, 2), *tall = swish_zeros((int64_t[]){b40, 3, 0}, 3);
    swish_tensor *sm = swish_softmax(wide, 0), *lsm = swish_log_softmax(wide, 0);
    EXPECT(sm && lsm && swish_tensor_numel(sm) == 0 && swish_tensor_dim(lsm, 1) == b40);
    swish_tensor *idx = NULL;
    swish_tensor *mx = swish_max_dim(tall, 1, false, &idx);
    EXPECT(mx && idx && swish_tensor_numel(mx) == 0 && swish_tensor_dim(mx, 0) == b40);
    swish_tensor *am = swish_argmax(tall, 1, true), *sd = swish_sum_dim(tall, 1, false);
    EXPECT(am && sd && swish_tensor_numel(am) == 0 && swish_tensor_numel(sd) == 0);
    swish_tensor *col = swish_zeros((int64_t[]){b40, 0}, 2), *w32 = swish_ones((int64_t[]){3, 2}, 2);
    swish_tensor *batch = swish_zeros((int64_t[]){b40, 0, 3}, 3);
    swish_tensor *tr = swish_t(col), *sel = swish_select(tall, 1, 2), *mm = swish_matmul(batch, w32);
    EXPECT(tr && swish_tensor_dim(tr, 1) == b40 && sel && swish_tensor_numel(sel) == 0);
    EXPECT(mm && swish_tensor_dim(mm, 0) == b40 && swish_tensor_dim(mm, 2) == 2);
    EXPECT(swish_last_status() == SWISH_OK);
    /* Cross-entropy with 2^40 classes and no sample: the per-class weights (ones) are refused like any
     * allocation of 4 TiB, instead of an unchecked array that trapped. */
    swish_tensor *logits = swish_zeros((int64_t[]){0, b40}, 2), *probs = swish_zeros((int64_t[]){0, b40}, 2);
    swish_tensor *labels = swish_tensor_from_int64(NULL, (int64_t[]){0}, 1);
    CHECK_NULL(swish_cross_entropy(logits, probs), SWISH_ERR_OUT_OF_MEMORY, "memory");
    CHECK_NULL(swish_cross_entropy(logits, labels), SWISH_ERR_OUT_OF_MEMORY, "memory");
    swish_clear_error();
    swish_tensor *more[] = {labels, probs, logits, mm, sel, tr, batch, w32, col};
    for (int i = 0; i < 9; i++) swish_tensor_free(more[i]);
    /* Init of an empty tensor is a no-op, as in PyTorch, even when its fans overflow (xavier trapped on
     * the overflow before); swish_init_fans cannot return them and says so. */
    swish_tensor *square = swish_zeros((int64_t[]){0, b40, b40}, 3);
    EXPECT(swish_init_xavier_uniform(square, 1, NULL) == SWISH_OK);
    EXPECT(swish_init_xavier_normal(square, 1, NULL) == SWISH_OK);
    EXPECT(swish_init_kaiming_normal(square, 0, SWISH_FAN_OUT, SWISH_GAIN_RELU, NULL) == SWISH_OK);
    int64_t fan_in = -1;
    CHECK_STATUS(swish_init_fans(square, &fan_in, NULL), SWISH_ERR_INVALID_ARGUMENT, "64 bits");
    EXPECT(fan_in == -1);
    swish_tensor *tensors[] = {square, sd, am, idx, mx, lsm, sm, tall, wide};
    for (int i = 0; i < 9; i++) swish_tensor_free(tensors[i]);
    swish_tensor_free(x);
}

/* Values an int64 or bool tensor cannot hold, written through swish_tensor_set or swish_tensor_data (the
 * storage is float): printing, comparing and counting them must not trap. Printing NaN in an int64
 * tensor trapped converting it (found by the call-sequence fuzzer). */
static void non_integer_values_in_integer_tensors(void) {
    swish_tensor *idx = swish_tensor_from_int64((int64_t[]){0, 1, 2}, (int64_t[]){3}, 1);
    swish_tensor *logits = swish_ones((int64_t[]){3, 4}, 2);
    const float odd[3] = {NAN, INFINITY, 1e30f};
    for (int i = 0; i < 3; i++) EXPECT(swish_tensor_set(idx, (int64_t[]){i}, 1, odd[i]) == SWISH_OK);
    const char *s = swish_tensor_str(idx);
    EXPECT(s != NULL && strstr(s, "nan") != NULL && strstr(s, "inf") != NULL);
    swish_tensor *mask = swish_compare_scalar(idx, 0, SWISH_GT);
    float *m = swish_tensor_data(mask);
    EXPECT(m != NULL);
    if (m) m[0] = NAN; /* a bool tensor holding NaN */
    EXPECT(swish_tensor_str(mask) != NULL && swish_all(mask) >= 0);
    EXPECT(swish_count_correct(logits, idx) >= 0);
    CHECK_NULL(swish_cross_entropy(logits, idx), SWISH_ERR_INVALID_ARGUMENT, NULL); /* not class indices */
    swish_tensor_free(mask);
    swish_tensor_free(logits);
    swish_tensor_free(idx);
}

/* ---- driver ----------------------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    void (*run)(void);
} misuse_class;

static const misuse_class classes[] = {
    {"NULL for pointer arguments", null_pointer_arguments},
    {"freed handle (use after free), every kind", use_after_free},
    {"double free, every kind", double_free},
    {"handle of the wrong kind, every pair of kinds", wrong_kind},
    {"random pointer values as handles", random_pointer_values},
    {"tensor used after its scope ended", tensor_after_scope_end},
    {"negative dimensions", negative_dimensions},
    {"zero dimensions through ops, modules, losses, init and optimizers", zero_dimensions},
    {"huge dimensions and counts", huge_dimensions},
    {"shape products that overflow 64 bits", shape_product_overflow},
    {"rank above the maximum", rank_above_maximum},
    {"dim/axis out of range", dim_out_of_range},
    {"shape mismatch in every binary op", binary_op_shape_mismatch},
    {"shape mismatch in matmul, linear and forward", matmul_shape_mismatch},
    {"shape mismatch in losses", loss_shape_mismatch},
    {"shape mismatch in load_state_dict", load_state_dict_shape_mismatch},
    {"backward on a non-scalar without a gradient", backward_non_scalar_without_gradient},
    {"backward twice", backward_twice},
    {"optimizer step with no gradients", step_without_gradients},
    {"optimizer over parameters whose module was freed", optimizer_over_freed_module},
    {"bad hyperparameters", bad_hyperparameters},
    {"NaN and Inf in inputs (propagate)", nan_and_inf_in_inputs},
    {"NaN and Inf as learning rate and hyperparameters", nan_and_inf_hyperparameters},
    {"custom-module callback returning NULL", callback_returns_null},
    {"custom-module callback returning a tensor of the wrong shape", callback_returns_wrong_shape},
    {"callback returning bad handles, freeing lent handles, unbalancing scopes", callback_misbehaves},
    {"caller buffer too small", caller_buffer_too_small},
    {"allocation larger than memory", allocation_larger_than_memory},
    {"index out of range", index_out_of_range},
    {"enum values out of range", enum_values_out_of_range},
    {"unmatched scope and no-grad ends", unmatched_begin_end_pairs},
    {"NULL propagation keeps the first error", null_propagation_keeps_first_error},
    {"in-place write to a leaf that requires grad", in_place_write_to_leaf_requiring_grad},
    {"requires_grad or parameters from non-leaf or non-float tensors", requires_grad_on_non_leaf_or_non_float},
    {"bad names and paths", bad_names_and_paths},
    {"module containing itself", module_containing_itself},
    {"uninitialized lazy module", uninitialized_lazy_module},
    {"bad parameter lists", bad_parameter_lists},
    {"strict load_state_dict with missing and unexpected keys", strict_load_with_wrong_keys},
    {"empty tensors whose other sizes overflow or are huge", empty_tensors_with_huge_sizes},
    {"non-integer values in int64 and bool tensors", non_integer_values_in_integer_tensors},
};

int main(void) {
    swish_set_progress(false);
    int64_t start = swish_live_handles();
    int n = (int)(sizeof classes / sizeof classes[0]), failed_classes = 0;
    for (int i = 0; i < n; i++) {
        int checks0 = misuse_checks, failures0 = misuse_failures;
        /* A scope frees the arguments made inline in the checks. */
        swish_scope_begin();
        classes[i].run();
        if (swish_scope_end() != SWISH_OK) misuse_failed(__LINE__, classes[i].name, "the class left no scope open");
        swish_clear_error();
        int checks = misuse_checks - checks0, failures = misuse_failures - failures0;
        if (checks == 0) misuse_failed(__LINE__, classes[i].name, "the class made no check");
        if (swish_live_handles() != start) {
            char why[96];
            snprintf(why, sizeof why, "%lld handles left behind", (long long)(swish_live_handles() - start));
            misuse_failed(__LINE__, classes[i].name, why);
            start = swish_live_handles();
        }
        int ok = misuse_failures == failures0;
        failed_classes += !ok;
        printf("%-4s class %2d: %s (%d checks%s)\n", ok ? "ok" : "FAIL", i + 1, classes[i].name, checks,
               failures ? ", some failed" : "");
    }
    printf("misuse_classes: %d classes, %d checks, %d failed (%d classes failed)\n", n, misuse_checks, misuse_failures,
           failed_classes);
    return misuse_failures ? 1 : 0;
}
