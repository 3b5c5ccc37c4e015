/* misuse_training: wrong calls into the activation, loss, optimizer and training-helper APIs. Each must
 * fail with the documented status and a message naming the function, change nothing, and leave the
 * process running. Exits non-zero on the first unexpected outcome count > 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <swish.h>

static int failures = 0;

/* Expects the last call to have failed with `status` and a message containing `part`. */
static void expect_error(const char *what, swish_status status, const char *part) {
    const char *msg = swish_last_error();
    if (swish_last_status() != status || !strstr(msg, part)) {
        printf("FAIL %s: status %s, message \"%s\"; expected %s with \"%s\"\n", what,
               swish_status_string(swish_last_status()), msg, swish_status_string(status), part);
        failures++;
    } else {
        printf("ok   %s: %s\n", what, msg);
    }
    swish_clear_error();
}

static void expect_true(const char *what, int ok) {
    if (!ok) {
        printf("FAIL %s\n", what);
        failures++;
    }
}

static void expect_values(const char *what, swish_tensor *t, const float *expected, int n) {
    float got[16];
    if (swish_tensor_copy_to(t, got, 16) != SWISH_OK) {
        printf("FAIL %s: %s\n", what, swish_last_error());
        failures++;
        return;
    }
    for (int i = 0; i < n; i++) {
        if (got[i] != expected[i]) {
            printf("FAIL %s[%d]: %g, expected %g (changed by a failed call)\n", what, i, got[i], expected[i]);
            failures++;
        }
    }
}

int main(void) {
    const int64_t handles_at_start = swish_live_handles();
    const float wv[] = {1, -2, 3, 0.5f};
    swish_tensor *w = swish_tensor_new(wv, (int64_t[]){2, 2}, 2);
    swish_tensor_set_requires_grad(w, true);
    swish_tensor *params[] = {w};

    /* --- Bad hyperparameters: NULL, invalid argument, no handle made. --- */
    swish_sgd_options sgd;
    swish_sgd_options_default(&sgd);
    sgd.lr = -0.1f;
    expect_true("sgd lr -0.1 -> NULL", swish_sgd_new(params, 1, &sgd) == NULL);
    expect_error("sgd negative lr", SWISH_ERR_INVALID_ARGUMENT, "swish_sgd_new: Invalid learning rate: -0.1");
    swish_sgd_options_default(&sgd);
    sgd.nesterov = true;
    expect_true("nesterov without momentum -> NULL", swish_sgd_new(params, 1, &sgd) == NULL);
    expect_error("nesterov without momentum", SWISH_ERR_INVALID_ARGUMENT, "Nesterov");
    swish_sgd_options_default(&sgd);
    sgd.momentum = -0.5f;
    expect_true("negative momentum -> NULL", swish_sgd_new(params, 1, &sgd) == NULL);
    expect_error("negative momentum", SWISH_ERR_INVALID_ARGUMENT, "momentum");

    swish_adam_options adam;
    swish_adam_options_default(&adam);
    adam.beta1 = 1.0f;
    expect_true("adam beta1 1 -> NULL", swish_adam_new(params, 1, &adam) == NULL);
    expect_error("adam beta1 = 1", SWISH_ERR_INVALID_ARGUMENT, "beta parameter at index 0");
    swish_adam_options_default(&adam);
    adam.beta2 = -0.1f;
    expect_true("adam beta2 -0.1 -> NULL", swish_adam_new(params, 1, &adam) == NULL);
    expect_error("adam beta2 < 0", SWISH_ERR_INVALID_ARGUMENT, "beta parameter at index 1");
    swish_adamw_options_default(&adam);
    adam.eps = 0;
    expect_true("adamw eps 0 -> NULL", swish_adamw_new(params, 1, &adam) == NULL);
    expect_error("adamw eps = 0", SWISH_ERR_INVALID_ARGUMENT, "epsilon");
    swish_adamw_options_default(&adam);
    adam.weight_decay = -1;
    expect_true("adamw negative weight decay -> NULL", swish_adamw_new(params, 1, &adam) == NULL);
    expect_error("adamw weight_decay < 0", SWISH_ERR_INVALID_ARGUMENT, "weight_decay");
    swish_yogi_options yogi;
    swish_yogi_options_default(&yogi);
    yogi.eps = -1e-3f;
    expect_true("yogi eps < 0 -> NULL", swish_yogi_new(params, 1, &yogi) == NULL);
    expect_error("yogi eps < 0", SWISH_ERR_INVALID_ARGUMENT, "swish_yogi_new: Invalid epsilon");
    swish_yogi_options_default(&yogi);
    yogi.lr = NAN;
    expect_true("yogi lr NaN -> NULL", swish_yogi_new(params, 1, &yogi) == NULL);
    expect_error("yogi lr NaN", SWISH_ERR_INVALID_ARGUMENT, "learning rate");
    expect_true("options_default(NULL)", swish_adam_options_default(NULL) == SWISH_ERR_INVALID_ARGUMENT);
    expect_error("options_default(NULL)", SWISH_ERR_INVALID_ARGUMENT, "'opts' is NULL");

    /* --- Bad parameter lists. --- */
    expect_true("empty list -> NULL", swish_adam_new(params, 0, NULL) == NULL);
    expect_error("empty parameter list", SWISH_ERR_INVALID_ARGUMENT, "empty parameter list");
    expect_true("NULL params -> NULL", swish_adam_new(NULL, 2, NULL) == NULL);
    expect_error("NULL params", SWISH_ERR_INVALID_ARGUMENT, "'params' is NULL");
    swish_tensor *freed = swish_tensor_new(wv, (int64_t[]){4}, 1);
    swish_tensor_free(freed);
    swish_tensor *with_freed[] = {w, freed};
    expect_true("freed parameter -> NULL", swish_sgd_new(with_freed, 2, NULL) == NULL);
    expect_error("freed parameter", SWISH_ERR_INVALID_HANDLE, "params[1]' is a tensor handle that was already freed");
    swish_tensor *computed = swish_mul_scalar(w, 2);
    swish_tensor *non_leaf[] = {computed};
    expect_true("non-leaf parameter -> NULL", swish_sgd_new(non_leaf, 1, NULL) == NULL);
    expect_error("non-leaf parameter", SWISH_ERR_INVALID_ARGUMENT, "non-leaf");
    swish_tensor_free(computed);
    expect_true("no optimizer handle leaked", swish_live_handles() == handles_at_start + 1);

    /* --- Step before any backward: state error, nothing changed. --- */
    swish_optimizer *opt = swish_adam_new(params, 1, NULL);
    expect_true("adam with defaults", opt != NULL && swish_optimizer_num_params(opt) == 1);
    expect_true("step before backward fails", swish_optimizer_step(opt) == SWISH_ERR_STATE);
    expect_error("step before backward", SWISH_ERR_STATE, "swish_optimizer_step: no parameter has a gradient");
    expect_values("w after a refused step", w, wv, 4);
    expect_true("lr before", swish_optimizer_get_lr(opt) == 1e-3f);
    expect_true("negative lr refused", swish_optimizer_set_lr(opt, -1) == SWISH_ERR_INVALID_ARGUMENT);
    expect_error("set_lr(-1)", SWISH_ERR_INVALID_ARGUMENT, "swish_optimizer_set_lr: Invalid learning rate");
    expect_true("lr unchanged", swish_optimizer_get_lr(opt) == 1e-3f);
    expect_true("clip with negative max_norm", swish_optimizer_clip_grad_norm(opt, -1, 2, NULL) == SWISH_ERR_INVALID_ARGUMENT);
    expect_error("clip_grad_norm max_norm < 0", SWISH_ERR_INVALID_ARGUMENT, "max_norm");

    /* --- Wrong handles for optimizer calls. --- */
    expect_true("tensor as optimizer", swish_optimizer_step((swish_optimizer *)w) == SWISH_ERR_INVALID_HANDLE);
    expect_error("tensor passed as optimizer", SWISH_ERR_INVALID_HANDLE, "is a tensor handle, expected an optimizer");
    expect_true("NULL optimizer", swish_optimizer_zero_grad(NULL) == SWISH_ERR_INVALID_ARGUMENT);
    expect_error("NULL optimizer", SWISH_ERR_INVALID_ARGUMENT, "'opt' is NULL");
    expect_true("optimizer as tensor", swish_sigmoid((swish_tensor *)opt) == NULL);
    expect_error("optimizer passed as tensor", SWISH_ERR_INVALID_HANDLE, "swish_sigmoid: argument 'a' is an optimizer handle");
    expect_true("free optimizer", swish_optimizer_free(opt) == SWISH_OK);
    expect_true("step on freed optimizer", swish_optimizer_step(opt) == SWISH_ERR_INVALID_HANDLE);
    expect_error("freed optimizer", SWISH_ERR_INVALID_HANDLE, "already freed");
    expect_true("get_lr on freed optimizer is NaN", isnan(swish_optimizer_get_lr(opt)));
    swish_clear_error();
    expect_true("double free", swish_optimizer_free(opt) == SWISH_ERR_INVALID_HANDLE);
    expect_error("double free of an optimizer", SWISH_ERR_INVALID_HANDLE, "already freed");
    expect_values("w after all of the above", w, wv, 4);

    /* --- Optimizers over a module: bad module handles and unusable modules; no handle made. --- */
    const int64_t handles_before_modules = swish_live_handles();
    swish_module *net = swish_linear_new(2, 2, true, NULL);
    swish_module *gone = swish_linear_new(2, 2, true, NULL);
    swish_module_free(gone);
    expect_true("adam over NULL module", swish_adam_new_module(NULL, NULL) == NULL);
    expect_error("adam_new_module(NULL)", SWISH_ERR_INVALID_ARGUMENT, "swish_adam_new_module: argument 'm' is NULL");
    expect_true("sgd over a freed module", swish_sgd_new_module(gone, NULL) == NULL);
    expect_error("sgd_new_module(freed)", SWISH_ERR_INVALID_HANDLE,
                 "swish_sgd_new_module: argument 'm' is a module handle that was already freed");
    expect_true("adamw over a tensor", swish_adamw_new_module((swish_module *)w, NULL) == NULL);
    expect_error("adamw_new_module(tensor)", SWISH_ERR_INVALID_HANDLE, "argument 'm' is a tensor handle, expected a module");
    swish_optimizer *real = swish_sgd_new_module(net, NULL);
    expect_true("sgd over a module", real != NULL && swish_optimizer_num_params(real) == 2);
    expect_true("yogi over an optimizer", swish_yogi_new_module((swish_module *)real, NULL) == NULL);
    expect_error("yogi_new_module(optimizer)", SWISH_ERR_INVALID_HANDLE, "is an optimizer handle, expected a module");
    swish_optimizer_free(real);
    expect_true("yogi over a garbage handle", swish_yogi_new_module((swish_module *)(uintptr_t)0x1234, NULL) == NULL);
    expect_error("yogi_new_module(garbage)", SWISH_ERR_INVALID_HANDLE, "is not a Swish module handle");
    /* NULL after a failure keeps that failure: one check after the chain. */
    expect_true("NULL propagates", swish_adam_new_module(swish_linear_new(-1, 2, true, NULL), NULL) == NULL);
    expect_error("adam_new_module(failed linear_new)", SWISH_ERR_INVALID_ARGUMENT, "swish_linear_new");
    swish_module *lazy = swish_lazy_linear_new(3, true, NULL);
    expect_true("adam over an uninitialized lazy module", swish_adam_new_module(lazy, NULL) == NULL);
    expect_error("adam_new_module(lazy)", SWISH_ERR_STATE, "uninitialized parameter");
    swish_module *relu = swish_relu_new();
    expect_true("sgd over a module without parameters", swish_sgd_new_module(relu, NULL) == NULL);
    expect_error("sgd_new_module(ReLU)", SWISH_ERR_INVALID_ARGUMENT, "empty parameter list (the ReLU has no parameters)");
    swish_adam_options_default(&adam);
    adam.beta1 = 1.5f;
    expect_true("bad options over a module", swish_adam_new_module(net, &adam) == NULL);
    expect_error("adam_new_module beta1 1.5", SWISH_ERR_INVALID_ARGUMENT, "swish_adam_new_module: Invalid beta parameter at index 0");
    swish_module_free(lazy);
    swish_module_free(relu);
    swish_module_free(net);
    expect_true("no handle leaked by module optimizers", swish_live_handles() == handles_before_modules);

    /* --- Losses: shapes, class indices, reductions. --- */
    swish_scope_begin();
    swish_tensor *a = swish_tensor_new((float[]){1, 2, 3, 4, 5, 6}, (int64_t[]){2, 3}, 2);
    swish_tensor *b = swish_tensor_new((float[]){1, 2, 3, 4, 5, 6}, (int64_t[]){3, 2}, 2);
    swish_tensor_set_requires_grad(a, true);
    expect_true("mse mismatched shapes", swish_mse_loss(a, b, SWISH_REDUCTION_MEAN) == NULL);
    expect_error("mse_loss [2,3] vs [3,2]", SWISH_ERR_SHAPE, "swish_mse_loss: mse_loss: target size [3, 2] must be the same as input size [2, 3]");
    expect_true("bce mismatched shapes", swish_binary_cross_entropy_with_logits(a, b, NULL, SWISH_REDUCTION_SUM) == NULL);
    expect_error("bce_with_logits [2,3] vs [3,2]", SWISH_ERR_SHAPE, "must be the same as input size");
    expect_true("bad reduction", swish_l1_loss(a, a, (swish_reduction)7) == NULL);
    expect_error("reduction 7", SWISH_ERR_INVALID_ARGUMENT, "reduction is 7");
    expect_true("huber delta 0", swish_huber_loss(a, a, SWISH_REDUCTION_MEAN, 0) == NULL);
    expect_error("huber delta 0", SWISH_ERR_INVALID_ARGUMENT, "delta");
    swish_tensor *y_bad = swish_tensor_from_int64((int64_t[]){0, 3}, (int64_t[]){2}, 1);
    expect_true("class index 3 of 3", swish_cross_entropy(a, y_bad) == NULL);
    expect_error("out-of-range class index", SWISH_ERR_INVALID_ARGUMENT, "swish_cross_entropy: cross_entropy: Target 3 is out of bounds");
    swish_tensor *y_neg = swish_tensor_from_int64((int64_t[]){-1, 0}, (int64_t[]){2}, 1);
    expect_true("class index -1", swish_cross_entropy_ex(a, y_neg, NULL, -100, SWISH_REDUCTION_MEAN, 0) == NULL);
    expect_error("negative class index", SWISH_ERR_INVALID_ARGUMENT, "Target -1 is out of bounds");
    swish_tensor *y_float = swish_tensor_new((float[]){0, 1}, (int64_t[]){2}, 1);
    expect_true("float class indices", swish_cross_entropy(a, y_float) == NULL);
    expect_error("float class indices", SWISH_ERR_INVALID_ARGUMENT, "must be an int64 tensor");
    swish_tensor *y_len = swish_tensor_from_int64((int64_t[]){0, 1, 2}, (int64_t[]){3}, 1);
    expect_true("3 targets for 2 samples", swish_cross_entropy(a, y_len) == NULL);
    expect_error("target of the wrong length", SWISH_ERR_SHAPE, "expected target of shape [2]");
    swish_tensor *y_ok = swish_tensor_from_int64((int64_t[]){0, 2}, (int64_t[]){2}, 1);
    expect_true("label smoothing 2", swish_cross_entropy_ex(a, y_ok, NULL, -100, SWISH_REDUCTION_MEAN, 2) == NULL);
    expect_error("label_smoothing 2", SWISH_ERR_INVALID_ARGUMENT, "label_smoothing must be between 0.0 and 1.0");
    swish_tensor *wrong_weight = swish_ones((int64_t[]){2}, 1);
    expect_true("weight of 2 for 3 classes", swish_cross_entropy_ex(a, y_ok, wrong_weight, -100, SWISH_REDUCTION_MEAN, 0) == NULL);
    expect_error("class weight of the wrong size", SWISH_ERR_SHAPE, "weight tensor should be defined");
    expect_true("int64 beyond 2^24", swish_tensor_from_int64((int64_t[]){1 << 30}, (int64_t[]){1}, 1) == NULL);
    expect_error("from_int64(2^30)", SWISH_ERR_INVALID_ARGUMENT, "outside +-16777216");
    expect_true("no gradient from failed losses", swish_tensor_has_grad(a) == 0);
    /* A good loss still works after all that, and NULL propagates the first error. */
    swish_tensor *good = swish_cross_entropy(a, y_ok);
    expect_true("valid cross entropy", good != NULL && isfinite(swish_item(good)));
    expect_true("NULL propagation", swish_mse_loss(swish_cross_entropy(a, y_bad), a, SWISH_REDUCTION_MEAN) == NULL);
    expect_error("NULL keeps the first error", SWISH_ERR_INVALID_ARGUMENT, "swish_cross_entropy: cross_entropy: Target 3");
    expect_true("activations: bad gelu mode", swish_gelu(a, (swish_gelu_approximate)5) == NULL);
    expect_error("gelu approximate 5", SWISH_ERR_INVALID_ARGUMENT, "approximate is 5");
    expect_true("softmax dim 2 of 2-d", swish_softmax(a, 2) == NULL);
    expect_error("softmax dim out of range", SWISH_ERR_INVALID_ARGUMENT, "Dimension out of range");
    expect_true("leaky_relu NaN slope", swish_leaky_relu(a, NAN) == NULL);
    expect_error("leaky_relu NaN slope", SWISH_ERR_INVALID_ARGUMENT, "negative_slope");

    /* --- Training helpers. --- */
    expect_true("take_rows out of range", swish_take_rows(a, (int64_t[]){0, 2}, 2) == NULL);
    expect_error("take_rows index 2 of 2", SWISH_ERR_INVALID_ARGUMENT, "swish_take_rows: index 2");
    expect_true("take_rows NULL rows", swish_take_rows(a, NULL, 1) == NULL);
    expect_error("take_rows NULL rows", SWISH_ERR_INVALID_ARGUMENT, "'rows' is NULL");
    expect_true("randperm NULL out", swish_randperm(NULL, 3, NULL) == SWISH_ERR_INVALID_ARGUMENT);
    expect_error("randperm NULL out", SWISH_ERR_INVALID_ARGUMENT, "'out' is NULL");
    expect_true("randperm freed generator", swish_randperm((int64_t[3]){0}, 3, (swish_generator *)w) == SWISH_ERR_INVALID_HANDLE);
    expect_error("randperm with a tensor as generator", SWISH_ERR_INVALID_HANDLE, "expected a generator");
    expect_true("accuracy of 1-d logits", isnan(swish_accuracy(y_ok, y_ok)));
    expect_error("accuracy shapes", SWISH_ERR_SHAPE, "logits of shape [N, C]");
    expect_true("count_correct label count", swish_count_correct(a, y_len) == -1);
    expect_error("count_correct shapes", SWISH_ERR_SHAPE, "labels of shape [2]");
    expect_true("progress_format NULL buf", swish_progress_format(NULL, 10, 1, 2, 0.5f, 0.5f, 1) == -1);
    expect_error("progress_format NULL buf", SWISH_ERR_INVALID_ARGUMENT, "'buf' is NULL");
    char small[8];
    int64_t need = swish_progress_format(small, sizeof small, 1, 2, 0.5f, 0.25f, 1000);
    expect_true("progress_format truncates like snprintf", need > 8 && strlen(small) == 7 && strncmp(small, "epoch 1", 7) == 0);
    expect_true("lr_step step_size 0 is NaN", isnan(swish_lr_step(0.1f, 3, 0, 0.5f)));
    expect_error("lr_step step_size 0", SWISH_ERR_INVALID_ARGUMENT, "step_size");
    expect_true("lr_cosine t_max 0 is NaN", isnan(swish_lr_cosine(0.1f, 3, 0, 0)));
    expect_error("lr_cosine t_max 0", SWISH_ERR_INVALID_ARGUMENT, "T_max");
    float norm = -1;
    expect_true("clip norm_type 0", swish_clip_grad_norm(params, 1, 1, 0, &norm) == SWISH_ERR_INVALID_ARGUMENT && norm == -1);
    expect_error("clip_grad_norm norm_type 0", SWISH_ERR_INVALID_ARGUMENT, "norm_type");
    swish_scope_end();

    swish_tensor_free(w);
    expect_true("every handle released", swish_live_handles() == handles_at_start);
    if (failures) {
        printf("misuse_training: %d failures\n", failures);
        return 1;
    }
    printf("misuse_training: every misuse reported, nothing changed\n");
    return 0;
}
