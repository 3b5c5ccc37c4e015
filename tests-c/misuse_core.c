/* misuse_core: every class of bad input to the core C API (tensors, autograd, scopes, generators) must
 * give the documented status and a clear message, leave the objects involved working, create no
 * handle, and never crash. Counts failed checks; exits non-zero if any failed.
 * Each failing call runs through one of the CHECK_* macros of misuse/check.h. */
#include "misuse/check.h"

static const float XV[6] = {1, 2, 3, 4, 5, 6};
static const int64_t SHAPE_2x3[2] = {2, 3};

/* A fresh 2x3 tensor [[1, 2, 3], [4, 5, 6]] owned by the caller. */
static swish_tensor *make_x(void) { return swish_tensor_new(XV, SHAPE_2x3, 2); }

static void null_arguments(void) {
    swish_tensor *x = make_x();
    swish_tensor *s = swish_scalar(1);
    int64_t dims[SWISH_MAX_DIMS] = {0};
    float buf[8] = {0};
    swish_tensor *idx = NULL;

    /* NULL handles: SWISH_ERR_INVALID_ARGUMENT naming the argument, when no earlier error is pending. */
    CHECK_MINUS1(swish_tensor_ndim(NULL), SWISH_ERR_INVALID_ARGUMENT, "'t' is NULL");
    CHECK_MINUS1(swish_tensor_numel(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_tensor_dim(NULL, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_tensor_shape(NULL, dims, SWISH_MAX_DIMS), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_tensor_dtype(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_tensor_copy_to(NULL, buf, 8), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_tensor_copy_from(NULL, buf, 6), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NAN(swish_item(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_tensor_data(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NAN(swish_tensor_get(NULL, (int64_t[]){0, 0}, 2), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_tensor_set(NULL, (int64_t[]){0, 0}, 2, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_tensor_str(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_tensor_print(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_clone(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_keep(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");

    CHECK_NULL(swish_add(NULL, x), SWISH_ERR_INVALID_ARGUMENT, "'a' is NULL");
    CHECK_NULL(swish_add(x, NULL), SWISH_ERR_INVALID_ARGUMENT, "'b' is NULL");
    CHECK_NULL(swish_sub(x, NULL), SWISH_ERR_INVALID_ARGUMENT, "'b' is NULL");
    CHECK_NULL(swish_mul(NULL, x), SWISH_ERR_INVALID_ARGUMENT, "'a' is NULL");
    CHECK_NULL(swish_div(x, NULL), SWISH_ERR_INVALID_ARGUMENT, "'b' is NULL");
    CHECK_NULL(swish_add_scalar(NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_sub_scalar(NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_rsub_scalar(1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_mul_scalar(NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_div_scalar(NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_rdiv_scalar(1, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_neg(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_abs(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_exp(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_log(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_sqrt(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_pow_scalar(NULL, 2), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_square(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_clamp(NULL, 0, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_relu(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_matmul(NULL, x), SWISH_ERR_INVALID_ARGUMENT, "'a' is NULL");
    CHECK_NULL(swish_matmul(x, NULL), SWISH_ERR_INVALID_ARGUMENT, "'b' is NULL");
    CHECK_NULL(swish_transpose(NULL, 0, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_t(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_reshape(NULL, (int64_t[]){6}, 1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_unsqueeze(NULL, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_squeeze(NULL, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_flatten(NULL, 0, -1), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_select(NULL, 0, 0), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_sum(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_sum_dim(NULL, 0, false), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_mean(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_mean_dim(NULL, 0, true), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_max(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    idx = s; /* must be overwritten with NULL on failure */
    CHECK_NULL(swish_max_dim(NULL, 0, false, &idx), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    EXPECT(idx == NULL);
    CHECK_NULL(swish_argmax(NULL, 0, false), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_compare(NULL, x, SWISH_EQ), SWISH_ERR_INVALID_ARGUMENT, "'a' is NULL");
    CHECK_NULL(swish_compare(x, NULL, SWISH_EQ), SWISH_ERR_INVALID_ARGUMENT, "'b' is NULL");
    CHECK_NULL(swish_compare_scalar(NULL, 1, SWISH_GT), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_eq(x, NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_all(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");

    CHECK_STATUS(swish_tensor_set_requires_grad(NULL, true), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_tensor_requires_grad(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_tensor_is_leaf(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_tensor_grad_fn(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_backward(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_backward_ex(NULL, NULL, false), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_tensor_grad(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_MINUS1(swish_tensor_has_grad(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_tensor_zero_grad(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_tensor_retain_grad(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NULL(swish_detach(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_STATUS(swish_generator_seed(NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "'gen' is NULL");

    /* NULL buffers and shapes. */
    CHECK_NULL(swish_tensor_new(XV, NULL, 2), SWISH_ERR_INVALID_ARGUMENT, "'shape' is NULL");
    CHECK_NULL(swish_tensor_new(NULL, SHAPE_2x3, 2), SWISH_ERR_INVALID_ARGUMENT, "'data' is NULL");
    CHECK_NULL(swish_zeros(NULL, 2), SWISH_ERR_INVALID_ARGUMENT, "'shape' is NULL");
    CHECK_NULL(swish_ones(NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "'shape' is NULL");
    CHECK_NULL(swish_full(NULL, 3, 7), SWISH_ERR_INVALID_ARGUMENT, "'shape' is NULL");
    CHECK_NULL(swish_rand(NULL, 2, NULL), SWISH_ERR_INVALID_ARGUMENT, "'shape' is NULL");
    CHECK_NULL(swish_randn(NULL, 2, NULL), SWISH_ERR_INVALID_ARGUMENT, "'shape' is NULL");
    CHECK_NULL(swish_reshape(x, NULL, 1), SWISH_ERR_INVALID_ARGUMENT, "'shape' is NULL");
    CHECK_STATUS(swish_tensor_shape(x, NULL, SWISH_MAX_DIMS), SWISH_ERR_INVALID_ARGUMENT, "'out' is NULL");
    CHECK_STATUS(swish_tensor_copy_to(x, NULL, 6), SWISH_ERR_INVALID_ARGUMENT, "'out' is NULL");
    CHECK_STATUS(swish_tensor_copy_from(x, NULL, 6), SWISH_ERR_INVALID_ARGUMENT, "'data' is NULL");
    CHECK_NAN(swish_tensor_get(x, NULL, 2), SWISH_ERR_INVALID_ARGUMENT, "'index' is NULL");
    CHECK_STATUS(swish_tensor_set(x, NULL, 2, 9), SWISH_ERR_INVALID_ARGUMENT, "'index' is NULL");

    /* NULL is fine where the header says so. */
    swish_clear_error();
    EXPECT(swish_tensor_free(NULL) == SWISH_OK);
    EXPECT(swish_generator_free(NULL) == SWISH_OK);
    swish_tensor *e = swish_tensor_new(NULL, (int64_t[]){0, 3}, 2); /* no elements: data may be NULL */
    EXPECT(e != NULL && swish_tensor_numel(e) == 0);
    EXPECT(swish_tensor_copy_from(e, NULL, 0) == SWISH_OK);
    EXPECT(swish_tensor_copy_to(e, NULL, 0) == SWISH_ERR_INVALID_ARGUMENT); /* 'out' is documented non-NULL */
    swish_clear_error();
    swish_tensor *z = swish_zeros(NULL, 0); /* ndim 0: a scalar, the shape is not read */
    EXPECT(z != NULL && swish_tensor_ndim(z) == 0 && swish_item(z) == 0);
    EXPECT(swish_last_status() == SWISH_OK);

    /* Nothing touched x. */
    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(z);
    swish_tensor_free(e);
    swish_tensor_free(s);
    swish_tensor_free(x);
}

static void bad_handles(void) {
    swish_tensor *x = make_x();
    swish_generator *gen = swish_generator_new(42);
    float buf[8];

    /* Use after free and double free. */
    swish_tensor *dead = make_x();
    EXPECT(swish_tensor_free(dead) == SWISH_OK);
    CHECK_NULL(swish_add(x, dead), SWISH_ERR_INVALID_HANDLE, "'b' is a tensor handle that was already freed");
    CHECK_NAN(swish_item(dead), SWISH_ERR_INVALID_HANDLE, "freed");
    CHECK_MINUS1(swish_tensor_numel(dead), SWISH_ERR_INVALID_HANDLE, "freed");
    CHECK_STATUS(swish_tensor_copy_to(dead, buf, 8), SWISH_ERR_INVALID_HANDLE, "freed");
    CHECK_STATUS(swish_backward(dead), SWISH_ERR_INVALID_HANDLE, "freed");
    CHECK_NULL(swish_keep(dead), SWISH_ERR_INVALID_HANDLE, "freed");
    CHECK_STATUS(swish_tensor_free(dead), SWISH_ERR_INVALID_HANDLE, "freed");
    /* A new tensor may reuse the freed slot; the old handle must still be dead. */
    swish_tensor *reuse = make_x();
    CHECK_MINUS1(swish_tensor_ndim(dead), SWISH_ERR_INVALID_HANDLE, "freed");
    CHECK_STATUS(swish_tensor_free(dead), SWISH_ERR_INVALID_HANDLE, "freed");
    EXPECT_VALUES(reuse, XV, 6);
    swish_tensor_free(reuse);

    /* Generators: use after free and double free. */
    swish_generator *gdead = swish_generator_new(1);
    EXPECT(swish_generator_free(gdead) == SWISH_OK);
    CHECK_NULL(swish_rand((int64_t[]){2}, 1, gdead), SWISH_ERR_INVALID_HANDLE, "freed");
    CHECK_STATUS(swish_generator_seed(gdead, 3), SWISH_ERR_INVALID_HANDLE, "freed");
    CHECK_STATUS(swish_generator_free(gdead), SWISH_ERR_INVALID_HANDLE, "freed");

    /* Wrong kind: a generator passed as a tensor, and the other way round. Both stay usable. */
    swish_tensor *as_tensor = (swish_tensor *)(void *)gen;
    swish_generator *as_gen = (swish_generator *)(void *)x;
    CHECK_NULL(swish_add(x, as_tensor), SWISH_ERR_INVALID_HANDLE, "is a generator handle, expected a tensor");
    CHECK_NAN(swish_item(as_tensor), SWISH_ERR_INVALID_HANDLE, "generator");
    CHECK_STATUS(swish_tensor_free(as_tensor), SWISH_ERR_INVALID_HANDLE, "generator");
    CHECK_NULL(swish_randn((int64_t[]){2}, 1, as_gen), SWISH_ERR_INVALID_HANDLE, "is a tensor handle, expected a generator");
    CHECK_STATUS(swish_generator_seed(as_gen, 1), SWISH_ERR_INVALID_HANDLE, "tensor");
    CHECK_STATUS(swish_generator_free(as_gen), SWISH_ERR_INVALID_HANDLE, "tensor");
    EXPECT_VALUES(x, XV, 6);
    swish_clear_error();
    swish_tensor *r1 = swish_rand((int64_t[]){3}, 1, gen);
    EXPECT(swish_generator_seed(gen, 42) == SWISH_OK);
    swish_tensor *r2 = swish_rand((int64_t[]){3}, 1, gen);
    EXPECT(r1 && r2 && swish_all(swish_eq(r1, r2)) == 1); /* the generator still works (same seed, same draws) */

    /* Values that were never handles: small integers, a real C pointer, all ones, and a real handle with
     * its kind or tag bits changed. */
    int local = 0;
    uintptr_t real = (uintptr_t)(void *)x;
    uintptr_t forged[] = {1, 0x1234, (uintptr_t)(void *)&local, UINTPTR_MAX, real ^ ((uintptr_t)1 << 63),
                          real ^ ((uintptr_t)1 << 52)};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        swish_tensor *g = (swish_tensor *)(void *)forged[i];
        CHECK_NULL(swish_neg(g), SWISH_ERR_INVALID_HANDLE, "is not a Swish tensor handle");
        CHECK_STATUS(swish_tensor_free(g), SWISH_ERR_INVALID_HANDLE, "is not a Swish tensor handle");
    }
    /* Every one-bit change of a real handle is either another live handle or SWISH_ERR_INVALID_HANDLE with
     * a message that does not contradict itself (such as "is a tensor handle, expected a tensor"). */
    for (unsigned bit = 0; bit < sizeof(uintptr_t) * 8; bit++) {
        swish_tensor *g = (swish_tensor *)(void *)(real ^ ((uintptr_t)1 << bit));
        BEGIN_CALL();
        if (swish_tensor_ndim(g) >= 0) continue; /* it names another live tensor */
        misuse_check_error(__LINE__, "swish_tensor_ndim(real handle with one bit flipped)", 1, SWISH_ERR_INVALID_HANDLE,
                    NULL, 1);
        misuse_checks++;
        if (strstr(swish_last_error(), "is a tensor handle, expected a tensor"))
            misuse_failed(__LINE__, "swish_tensor_ndim(real handle with one bit flipped)", "contradictory message");
    }
    EXPECT_VALUES(x, XV, 6);

    /* A tensor used after its scope ended. */
    swish_scope_begin();
    swish_tensor *scoped = swish_add(x, x);
    swish_tensor *kept = swish_keep(swish_mul(x, x));
    EXPECT(swish_scope_end() == SWISH_OK);
    CHECK_NAN(swish_tensor_get(scoped, (int64_t[]){0, 0}, 2), SWISH_ERR_INVALID_HANDLE, "freed");
    CHECK_STATUS(swish_tensor_free(scoped), SWISH_ERR_INVALID_HANDLE, "freed");
    const float sq[6] = {1, 4, 9, 16, 25, 36};
    EXPECT_VALUES(kept, sq, 6); /* kept survives the scope */

    /* No-grad pairs that do not match (for scopes see unmatched_scope_end, run outside main's scope). */
    CHECK_STATUS(swish_no_grad_end(), SWISH_ERR_STATE, "swish_no_grad_begin");
    EXPECT(swish_is_grad_enabled());
    swish_no_grad_begin();
    EXPECT(!swish_is_grad_enabled());
    EXPECT(swish_no_grad_end() == SWISH_OK);
    EXPECT(swish_is_grad_enabled());
    CHECK_STATUS(swish_no_grad_end(), SWISH_ERR_STATE, "swish_no_grad_begin");

    swish_tensor_free(kept);
    swish_tensor_free(r1);
    swish_tensor_free(r2);
    swish_generator_free(gen);
    swish_tensor_free(x);
}

static void bad_shapes(void) {
    swish_tensor *x = make_x();
    int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    int64_t big = (int64_t)1 << 32;

    /* Negative sizes, too many dims, products overflowing 64 bits: every creation function. */
    CHECK_NULL(swish_zeros((int64_t[]){2, -3}, 2), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_ones((int64_t[]){-1}, 1), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_full((int64_t[]){INT64_MIN}, 1, 1), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_rand((int64_t[]){4, -4}, 2, NULL), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_randn((int64_t[]){-2}, 1, NULL), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_tensor_new(XV, (int64_t[]){-6}, 1), SWISH_ERR_INVALID_ARGUMENT, "negative");
    CHECK_NULL(swish_zeros(nine, 9), SWISH_ERR_INVALID_ARGUMENT, "at most 8");
    CHECK_NULL(swish_tensor_new(XV, nine, 9), SWISH_ERR_INVALID_ARGUMENT, "at most 8");
    CHECK_NULL(swish_reshape(x, nine, 9), SWISH_ERR_INVALID_ARGUMENT, "at most 8");
    CHECK_NULL(swish_zeros(nine, SIZE_MAX), SWISH_ERR_INVALID_ARGUMENT, "got 18446744073709551615");
    CHECK_NULL(swish_zeros((int64_t[]){big, big}, 2), SWISH_ERR_INVALID_ARGUMENT, "64 bits");
    CHECK_NULL(swish_ones((int64_t[]){INT64_MAX, 2}, 2), SWISH_ERR_INVALID_ARGUMENT, "64 bits");
    CHECK_NULL(swish_randn((int64_t[]){1 << 16, 1 << 16, 1 << 16, 1 << 16}, 4, NULL), SWISH_ERR_INVALID_ARGUMENT,
               "64 bits");
    /* ... and larger than memory: 1e12 floats are 4 TB. */
    CHECK_NULL(swish_zeros((int64_t[]){1000000, 1000000}, 2), SWISH_ERR_OUT_OF_MEMORY, "memory");
    CHECK_NULL(swish_full((int64_t[]){INT64_MAX}, 1, 0), SWISH_ERR_OUT_OF_MEMORY, "memory");
    /* An empty tensor with huge sizes is fine, and so is a 0-d one. */
    swish_clear_error();
    swish_tensor *empty = swish_zeros((int64_t[]){0, INT64_MAX}, 2);
    EXPECT(empty != NULL && swish_tensor_numel(empty) == 0 && swish_tensor_dim(empty, 1) == INT64_MAX);

    /* Shapes that do not agree. */
    swish_tensor *four = swish_ones((int64_t[]){4}, 1);
    CHECK_NULL(swish_add(x, four), SWISH_ERR_SHAPE, "must match");
    CHECK_NULL(swish_mul(four, x), SWISH_ERR_SHAPE, "must match");
    CHECK_NULL(swish_compare(x, four, SWISH_LT), SWISH_ERR_SHAPE, "must match");
    CHECK_NULL(swish_matmul(x, x), SWISH_ERR_SHAPE, "cannot be multiplied");
    CHECK_NULL(swish_matmul(x, four), SWISH_ERR_SHAPE, "cannot be multiplied");
    CHECK_NULL(swish_reshape(x, (int64_t[]){4}, 1), SWISH_ERR_SHAPE, "invalid for input of size 6");
    CHECK_NULL(swish_reshape(x, (int64_t[]){-1, 4}, 2), SWISH_ERR_SHAPE, "invalid for input of size 6");
    CHECK_NULL(swish_reshape(x, (int64_t[]){-1, -1}, 2), SWISH_ERR_INVALID_ARGUMENT, "only one dimension");
    CHECK_NULL(swish_reshape(x, (int64_t[]){-2, -3}, 2), SWISH_ERR_INVALID_ARGUMENT, "-2");
    CHECK_NULL(swish_reshape(empty, (int64_t[]){-1, 0}, 2), SWISH_ERR_SHAPE, NULL);
    /* Matrix sizes beyond what the BLAS interface takes, without allocating anything. */
    swish_tensor *tall = swish_zeros((int64_t[]){big, 0}, 2);
    swish_tensor *wide = swish_zeros((int64_t[]){0, big}, 2);
    CHECK_NULL(swish_matmul(tall, wide), SWISH_ERR_INVALID_ARGUMENT, "not supported");
    swish_tensor *scalar = swish_scalar(2);
    CHECK_NULL(swish_matmul(scalar, x), SWISH_ERR_INVALID_ARGUMENT, "at least 1D");

    /* Dims out of range, including the extremes of int64. */
    CHECK_MINUS1(swish_tensor_dim(x, 2), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_MINUS1(swish_tensor_dim(x, -3), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_MINUS1(swish_tensor_dim(x, INT64_MIN), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_sum_dim(x, 2, false), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_mean_dim(x, INT64_MAX, true), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_max_dim(x, -3, false, NULL), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_argmax(x, 5, false), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_transpose(x, 0, 2), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_transpose(x, INT64_MIN, 0), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_unsqueeze(x, 3), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_unsqueeze(x, INT64_MIN), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_squeeze(x, 2), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_flatten(x, 0, 2), SWISH_ERR_INVALID_ARGUMENT, "out of range");
    CHECK_NULL(swish_flatten(x, 1, 0), SWISH_ERR_INVALID_ARGUMENT, "start_dim");
    CHECK_NULL(swish_select(x, 2, 0), SWISH_ERR_INVALID_ARGUMENT, "out of range");

    /* Indices out of range. */
    CHECK_NULL(swish_select(x, 0, 2), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_NULL(swish_select(x, 1, -4), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_NULL(swish_select(x, 1, INT64_MIN), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_NAN(swish_tensor_get(x, (int64_t[]){2, 0}, 2), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_NAN(swish_tensor_get(x, (int64_t[]){0, -4}, 2), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_NAN(swish_tensor_get(x, (int64_t[]){INT64_MAX, 0}, 2), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_NAN(swish_tensor_get(x, (int64_t[]){0}, 1), SWISH_ERR_INVALID_ARGUMENT, "coordinates");
    CHECK_NAN(swish_tensor_get(x, nine, 9), SWISH_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(swish_tensor_set(x, (int64_t[]){0, 3}, 2, 9), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_STATUS(swish_tensor_set(x, (int64_t[]){INT64_MIN, 0}, 2, 9), SWISH_ERR_INVALID_ARGUMENT, "out of bounds");
    CHECK_STATUS(swish_tensor_set(x, (int64_t[]){0, 0, 0}, 3, 9), SWISH_ERR_INVALID_ARGUMENT, "coordinates");

    /* Caller buffers that are too small are reported and left untouched. */
    float out[8] = {-7, -7, -7, -7, -7, -7, -7, -7};
    int64_t dims[2] = {-7, -7};
    CHECK_STATUS(swish_tensor_copy_to(x, out, 5), SWISH_ERR_INVALID_ARGUMENT, "room for 5");
    EXPECT(out[0] == -7 && out[4] == -7);
    CHECK_STATUS(swish_tensor_shape(x, dims, 1), SWISH_ERR_INVALID_ARGUMENT, "room for 1");
    EXPECT(dims[0] == -7);
    CHECK_STATUS(swish_tensor_copy_from(x, XV, 5), SWISH_ERR_INVALID_ARGUMENT, "count is 5");
    CHECK_STATUS(swish_tensor_copy_from(x, XV, 7), SWISH_ERR_INVALID_ARGUMENT, "count is 7");
    CHECK_STATUS(swish_tensor_copy_from(x, XV, SIZE_MAX), SWISH_ERR_INVALID_ARGUMENT, "count is 18446744073709551615");
    /* A capacity larger than needed is fine, however large. */
    swish_clear_error();
    EXPECT(swish_tensor_copy_to(x, out, SIZE_MAX) == SWISH_OK && out[5] == 6);
    EXPECT(swish_tensor_shape(x, dims, SIZE_MAX) == SWISH_OK && dims[0] == 2 && dims[1] == 3);

    /* Other out-of-range arguments. */
    CHECK_NULL(swish_arange(0, 1, 0), SWISH_ERR_INVALID_ARGUMENT, "step");
    CHECK_NULL(swish_arange(0, NAN, 1), SWISH_ERR_INVALID_ARGUMENT, "finite");
    CHECK_NULL(swish_arange(0, 1e30f, 1e-30f), SWISH_ERR_INVALID_ARGUMENT, "elements");
    CHECK_NULL(swish_arange(5, 0, 1), SWISH_ERR_INVALID_ARGUMENT, "step sign");
    CHECK_NULL(swish_clamp(x, NAN, INFINITY), SWISH_ERR_INVALID_ARGUMENT, "min");
    CHECK_NULL(swish_compare(x, x, (swish_compare_op)42), SWISH_ERR_INVALID_ARGUMENT, "42");
    CHECK_NULL(swish_compare_scalar(x, 1, (swish_compare_op)-1), SWISH_ERR_INVALID_ARGUMENT, "comparison");
    CHECK_NULL(swish_max(empty), SWISH_ERR_INVALID_ARGUMENT, NULL);
    swish_tensor *cube = swish_zeros((int64_t[]){1, 1, 1}, 3);
    CHECK_NULL(swish_t(cube), SWISH_ERR_INVALID_ARGUMENT, "<= 2");
    EXPECT(strcmp(swish_status_string((swish_status)99), "unknown status") == 0);
    EXPECT(strcmp(swish_status_string((swish_status)-1), "unknown status") == 0);
    EXPECT(strcmp(swish_status_string(SWISH_ERR_SHAPE), "SWISH_ERR_SHAPE") == 0);

    EXPECT_VALUES(x, XV, 6);
    swish_tensor_free(tall);
    swish_tensor_free(wide);
    swish_tensor_free(four);
    swish_tensor_free(empty);
    swish_tensor_free(x);
}

static void items_and_propagation(void) {
    swish_tensor *x = make_x();
    swish_tensor *w = swish_ones((int64_t[]){2, 2}, 2); /* wrong inner size for x @ w */
    swish_tensor *b = swish_zeros((int64_t[]){2}, 1);

    /* swish_item: NaN for NULL, for a bad handle and for more than one element. */
    CHECK_NAN(swish_item(NULL), SWISH_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_NAN(swish_item(x), SWISH_ERR_INVALID_ARGUMENT, "6 elements");
    swish_tensor *two = swish_ones((int64_t[]){2}, 1);
    CHECK_NAN(swish_item(two), SWISH_ERR_INVALID_ARGUMENT, "2 elements");
    swish_tensor *empty = swish_zeros((int64_t[]){0}, 1);
    CHECK_NAN(swish_item(empty), SWISH_ERR_INVALID_ARGUMENT, "0 elements");

    /* A chain of calls after a failure reports the first failure. */
    swish_clear_error();
    int64_t before = swish_live_handles();
    swish_scope_begin();
    swish_tensor *y = swish_relu(swish_add(swish_matmul(x, w), b));
    float v = swish_item(swish_sum(y));
    swish_status st = swish_backward(swish_mean(y));
    EXPECT(y == NULL);
    EXPECT(isnan(v));
    EXPECT(st == SWISH_ERR_SHAPE);
    EXPECT(swish_last_status() == SWISH_ERR_SHAPE);
    EXPECT(strncmp(swish_last_error(), "swish_matmul: ", 14) == 0);
    EXPECT(strstr(swish_last_error(), "cannot be multiplied") != NULL);
    EXPECT(swish_tensor_copy_to(NULL, NULL, 0) == SWISH_ERR_SHAPE);
    EXPECT(swish_tensor_ndim(NULL) == -1 && swish_tensor_numel(NULL) == -1);
    EXPECT(swish_tensor_str(NULL) == NULL);
    EXPECT(swish_keep(NULL) == NULL);
    EXPECT(swish_generator_seed(NULL, 1) == SWISH_ERR_SHAPE);
    EXPECT(strncmp(swish_last_error(), "swish_matmul: ", 14) == 0);
    /* A non-NULL bad argument is a new error and replaces the old one. */
    EXPECT(swish_add(x, b) == NULL && swish_last_status() == SWISH_ERR_SHAPE &&
           strncmp(swish_last_error(), "swish_add: ", 11) == 0);
    /* Successful calls do not clear the error. */
    EXPECT(swish_neg(x) != NULL && strncmp(swish_last_error(), "swish_add: ", 11) == 0);
    EXPECT(swish_scope_end() == SWISH_OK);
    EXPECT(swish_live_handles() == before);
    swish_clear_error();
    EXPECT(swish_last_status() == SWISH_OK && strcmp(swish_last_error(), "not an error") == 0);

    swish_tensor_free(empty);
    swish_tensor_free(two);
    swish_tensor_free(b);
    swish_tensor_free(w);
    swish_tensor_free(x);
}

static void autograd_misuse(void) {
    swish_tensor *w = make_x();
    EXPECT(swish_tensor_set_requires_grad(w, true) == SWISH_OK);
    swish_tensor *plain = make_x();
    swish_tensor *twice = swish_mul_scalar(w, 2); /* non-scalar, requires grad */
    swish_tensor *loss = swish_sum(swish_mul(w, w)); /* MulBackward0 saves its inputs; the product is freed
                                                        by main's scope */

    CHECK_STATUS(swish_backward(twice), SWISH_ERR_INVALID_ARGUMENT, "scalar outputs");
    CHECK_STATUS(swish_backward(plain), SWISH_ERR_STATE, "does not require grad");
    swish_tensor *wrong = swish_ones((int64_t[]){3, 2}, 2);
    CHECK_STATUS(swish_backward_ex(twice, wrong, false), SWISH_ERR_SHAPE, "Mismatch in shape");
    EXPECT(swish_tensor_has_grad(w) == 0); /* the failures above changed no gradient */

    swish_clear_error();
    EXPECT(swish_backward(loss) == SWISH_OK);
    swish_tensor *g = swish_tensor_grad(w);
    const float g1[6] = {2, 4, 6, 8, 10, 12};
    EXPECT_VALUES(g, g1, 6);
    CHECK_STATUS(swish_backward(loss), SWISH_ERR_STATE, "second time");
    EXPECT_VALUES(g, g1, 6); /* the failed second backward did not accumulate */

    /* requires_grad: only leaves, only float tensors. */
    CHECK_STATUS(swish_tensor_set_requires_grad(twice, false), SWISH_ERR_STATE, "leaf");
    EXPECT(swish_tensor_requires_grad(twice) == 1);
    swish_tensor *mask = swish_compare_scalar(plain, 3, SWISH_GT);
    CHECK_STATUS(swish_tensor_set_requires_grad(mask, true), SWISH_ERR_INVALID_ARGUMENT, "floating point");

    /* Writing into a leaf that requires grad while grad mode is on: refused, values unchanged. */
    const float zeros[6] = {0};
    CHECK_STATUS(swish_tensor_copy_from(w, zeros, 6), SWISH_ERR_STATE, "in-place");
    EXPECT_VALUES(w, XV, 6);
    swish_no_grad_begin();
    swish_clear_error();
    EXPECT(swish_tensor_copy_from(w, zeros, 6) == SWISH_OK); /* allowed under no-grad */
    EXPECT(swish_no_grad_end() == SWISH_OK);
    EXPECT_VALUES(w, zeros, 6);

    swish_tensor_free(mask);
    swish_tensor_free(g);
    swish_tensor_free(wrong);
    swish_tensor_free(loss);
    swish_tensor_free(twice);
    swish_tensor_free(plain);
    swish_tensor_free(w);
}

/* swish_scope_end without an open scope; then one opened and closed twice. */
static void unmatched_scope_end(void) {
    CHECK_STATUS(swish_scope_end(), SWISH_ERR_STATE, "no scope is open");
    EXPECT(swish_scope_begin() == SWISH_OK);
    swish_tensor *t = swish_scalar(1);
    EXPECT(swish_scope_end() == SWISH_OK);
    CHECK_STATUS(swish_scope_end(), SWISH_ERR_STATE, "no scope is open");
    CHECK_NAN(swish_item(t), SWISH_ERR_INVALID_HANDLE, "freed");
}

int main(void) {
    int64_t start = swish_live_handles();
    unmatched_scope_end();
    /* Run in a scope so the few handles the checks create on purpose (arguments built inline) are freed. */
    EXPECT(swish_scope_begin() == SWISH_OK);
    null_arguments();
    bad_handles();
    bad_shapes();
    items_and_propagation();
    autograd_misuse();
    EXPECT(swish_scope_end() == SWISH_OK);
    swish_clear_error();
    int64_t end = swish_live_handles();
    if (end != start) {
        misuse_failures++;
        printf("FAIL: %lld live handles at the start, %lld at the end (a leak)\n", (long long)start, (long long)end);
    }
    printf("misuse_core: %d checks, %d failed\n", misuse_checks, misuse_failures);
    return misuse_failures ? 1 : 0;
}
