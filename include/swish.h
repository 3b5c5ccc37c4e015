/*
 * swish.h -- the C API of Swish, a small deep-learning engine (tensors, autograd, modules,
 * initialization, optimizers) written in Swift on OpenBLAS, with PyTorch's semantics.
 *
 * Read this header top to bottom; every function says what it does, who owns what it returns and
 * how it fails.
 *
 * CONVENTIONS
 *
 *  Errors.   No function traps, aborts or exits on bad input. Functions that make an object return it,
 *            or NULL on failure; actions return a swish_status. After a failure, swish_last_status()
 *            and swish_last_error() describe it (thread-local; the message is owned by the library and
 *            valid until the next failure on the same thread).
 *
 *  NULL propagation.  A function given a NULL handle while an earlier call on this thread has failed
 *            returns NULL (or the error status) and keeps that earlier error, so a chain of calls reads
 *            like the Python it comes from and is checked once at the end:
 *                y = swish_relu(swish_add(swish_matmul(x, w), b));
 *                if (!y) fprintf(stderr, "%s\n", swish_last_error());
 *            Without an earlier failure a NULL argument is SWISH_ERR_INVALID_ARGUMENT. Successful calls
 *            do not clear the last error; swish_clear_error() does. swish_item(NULL) is NaN, so a loop
 *            such as `while (swish_item(s) > 1)` ends on error.
 *
 *  Handles.  swish_tensor, swish_module, swish_optimizer and swish_generator are opaque handles. A
 *            handle is not a pointer to memory: the library checks every handle it is given, so NULL,
 *            freed, wrong-kind and garbage handles give SWISH_ERR_INVALID_HANDLE, never a crash.
 *            Handles assume a 64-bit platform.
 *
 *  Ownership. Every handle a function returns is a new reference owned by the caller, who releases it
 *            with the matching _free function (NULL is accepted and ignored). Two handles may refer to
 *            the same object (a parameter fetched twice); each is freed on its own and the object lives
 *            while any handle or container holds it. Containers retain what they hold: a Sequential
 *            retains its children, an optimizer its parameters, so the caller may free its own handles
 *            right after handing them over.
 *
 *  Scopes.   Between swish_scope_begin() and swish_scope_end() every tensor handle returned on this
 *            thread belongs to the innermost scope and is freed at its end, unless swish_keep() moved
 *            it out. A training step in C then frees nothing by hand:
 *                swish_scope_begin();
 *                loss = swish_cross_entropy(swish_forward(net, x), y);
 *                swish_backward(loss);  swish_optimizer_step(opt);
 *                swish_scope_end();
 *            Using a tensor handle after its scope ended gives SWISH_ERR_INVALID_HANDLE.
 *
 *  Threads.  Global state (the handle registry, the default generator, error slots, scopes, grad
 *            mode) is safe to use from any number of threads; errors, scopes and grad mode are per
 *            thread. A tensor, module or optimizer must not be used by two threads at the same time;
 *            independent objects may be used on different threads concurrently. A generator may be
 *            shared (draws are serialized).
 *
 *  Tensors.  float32, row-major, contiguous, 0 to SWISH_MAX_DIMS dimensions; 0-d scalars and empty
 *            tensors are valid. Sizes are int64_t and must be >= 0, with a product that fits in 64 bits.
 *            Comparison results have dtype SWISH_BOOL and argmax gives SWISH_INT64; both are still
 *            stored as floats (0/1, and the index value).
 */
#ifndef SWISH_H
#define SWISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------------------------------ */

#define SWISH_VERSION_MAJOR 0
#define SWISH_VERSION_MINOR 1
#define SWISH_VERSION_PATCH 0
/** "0.1.0" */
#define SWISH_VERSION_STRING "0.1.0"
/** MAJOR * 10000 + MINOR * 100 + PATCH, for compile-time checks. */
#define SWISH_VERSION_NUMBER (SWISH_VERSION_MAJOR * 10000 + SWISH_VERSION_MINOR * 100 + SWISH_VERSION_PATCH)

/** The version of the library actually linked, as "MAJOR.MINOR.PATCH". Static string; never fails. */
const char *swish_version(void);

/** SWISH_VERSION_NUMBER of the library actually linked (compare with the header's). Never fails. */
int swish_version_number(void);

/** The largest number of dimensions a tensor may have. */
#define SWISH_MAX_DIMS 8

/* ---------------------------------------------------------------------------------------------------
 * Status and errors
 * ------------------------------------------------------------------------------------------------ */

/** Result of every action; also what swish_last_status() reports after a failed call. */
typedef enum swish_status {
    SWISH_OK = 0,
    SWISH_ERR_INVALID_ARGUMENT = 1, /**< an argument is out of range, or NULL */
    SWISH_ERR_INVALID_HANDLE = 2,   /**< a handle is freed, of the wrong kind, or not a handle */
    SWISH_ERR_SHAPE = 3,            /**< shapes that must agree do not */
    SWISH_ERR_OUT_OF_MEMORY = 4,    /**< an allocation failed or exceeds the memory limit */
    SWISH_ERR_IO = 5,               /**< reading or writing a file failed */
    SWISH_ERR_FORMAT = 6,           /**< a file is malformed */
    SWISH_ERR_STATE = 7,            /**< not valid now (backward twice, uninitialized lazy module, ...) */
    SWISH_ERR_CALLBACK = 8,         /**< a user callback failed */
    SWISH_ERR_INTERNAL = 9          /**< a bug in Swish; please report it */
} swish_status;

/** Status of the last failed call on this thread, or SWISH_OK if none failed since swish_clear_error(). */
swish_status swish_last_status(void);

/**
 * Message of the last failed call on this thread, or "not an error". Owned by the library; valid until
 * the next failure or swish_clear_error() on this thread. Never NULL.
 */
const char *swish_last_error(void);

/** Forgets the last error on this thread. */
void swish_clear_error(void);

/** A static name for a status ("SWISH_ERR_SHAPE"); "unknown status" for values outside the enum. */
const char *swish_status_string(swish_status status);

/* ---------------------------------------------------------------------------------------------------
 * Handles and scopes
 * ------------------------------------------------------------------------------------------------ */

/** A tensor (see Tensors in the conventions above). */
typedef struct swish_tensor swish_tensor;
/** A module: a layer, a container or a custom module with a C forward. */
typedef struct swish_module swish_module;
/** An optimizer over a list of parameters. */
typedef struct swish_optimizer swish_optimizer;
/** A seedable random number generator. */
typedef struct swish_generator swish_generator;

/** Element type tags. */
typedef enum swish_dtype {
    SWISH_FLOAT32 = 0,
    SWISH_BOOL = 1,
    SWISH_INT64 = 2
} swish_dtype;

/**
 * Releases a tensor handle. The tensor's memory is freed when no other handle, module or graph holds it.
 * NULL is ignored (SWISH_OK). A freed, scoped-out or non-tensor handle gives SWISH_ERR_INVALID_HANDLE
 * (so a double free is reported, not undefined).
 */
swish_status swish_tensor_free(swish_tensor *t);

/**
 * Opens a scope on this thread: tensor handles returned until the matching swish_scope_end() are
 * freed by it. Scopes nest. Returns SWISH_OK.
 */
swish_status swish_scope_begin(void);

/**
 * Closes the innermost scope on this thread, freeing every tensor handle it owns.
 * SWISH_ERR_STATE if no scope is open on this thread.
 */
swish_status swish_scope_end(void);

/**
 * Moves `t` out of its scope: the caller owns it and frees it with swish_tensor_free(). Returns `t`
 * (NULL propagates). Keeping a handle that belongs to no scope is allowed and changes nothing.
 */
swish_tensor *swish_keep(swish_tensor *t);

/** Number of live handles of all kinds in the process (for leak checks in tests). Never fails. */
int64_t swish_live_handles(void);

/* ---------------------------------------------------------------------------------------------------
 * Random generators
 * ------------------------------------------------------------------------------------------------ */

/**
 * A new generator whose stream is fixed by `seed` (xoshiro256++; the same seed gives the same numbers
 * on every machine, but not PyTorch's numbers). Caller frees it with swish_generator_free().
 */
swish_generator *swish_generator_new(uint64_t seed);

/** Restarts `gen`'s stream from `seed`. */
swish_status swish_generator_seed(swish_generator *gen, uint64_t seed);

/** Releases a generator handle. NULL is ignored. */
swish_status swish_generator_free(swish_generator *gen);

/** Reseeds the default generator, used wherever a `gen` argument is NULL (torch.manual_seed). */
void swish_manual_seed(uint64_t seed);

/* ---------------------------------------------------------------------------------------------------
 * Tensor creation. Each returns a new tensor owned by the caller (or the open scope), or NULL with
 * SWISH_ERR_INVALID_ARGUMENT (NULL shape with ndim > 0, ndim > SWISH_MAX_DIMS, negative size, size
 * product overflowing 64 bits) or SWISH_ERR_OUT_OF_MEMORY.
 * ------------------------------------------------------------------------------------------------ */

/** A tensor holding a copy of `data`, which has the product of `shape` elements (may be NULL if 0). */
swish_tensor *swish_tensor_new(const float *data, const int64_t *shape, size_t ndim);

/** A 0-d tensor holding `value`. */
swish_tensor *swish_scalar(float value);

/** Zeros of the given shape. */
swish_tensor *swish_zeros(const int64_t *shape, size_t ndim);

/** Ones of the given shape. */
swish_tensor *swish_ones(const int64_t *shape, size_t ndim);

/** A tensor of the given shape filled with `value`. */
swish_tensor *swish_full(const int64_t *shape, size_t ndim, float value);

/** 1-d values start, start+step, ... below `end` (torch.arange). step must be non-zero and finite. */
swish_tensor *swish_arange(float start, float end, float step);

/** Values uniform in [0, 1) from `gen` (NULL: the default generator). */
swish_tensor *swish_rand(const int64_t *shape, size_t ndim, swish_generator *gen);

/** Standard normal values from `gen` (NULL: the default generator). */
swish_tensor *swish_randn(const int64_t *shape, size_t ndim, swish_generator *gen);

/** A new tensor with a copy of `t`'s values, detached from the graph. */
swish_tensor *swish_clone(const swish_tensor *t);

/* ---------------------------------------------------------------------------------------------------
 * Tensor queries and data access
 * ------------------------------------------------------------------------------------------------ */

/** Number of dimensions, or -1 on error. */
int64_t swish_tensor_ndim(const swish_tensor *t);

/** Number of elements, or -1 on error. */
int64_t swish_tensor_numel(const swish_tensor *t);

/** Size of dimension `dim` (negative counts from the end), or -1 on error (bad handle, dim out of range). */
int64_t swish_tensor_dim(const swish_tensor *t, int64_t dim);

/**
 * Copies the sizes into `out`, which has room for `capacity` values (SWISH_MAX_DIMS always suffices).
 * SWISH_ERR_INVALID_ARGUMENT if `out` is NULL or too small.
 */
swish_status swish_tensor_shape(const swish_tensor *t, int64_t *out, size_t capacity);

/** The element type tag, or -1 on error. */
int swish_tensor_dtype(const swish_tensor *t);

/**
 * Copies the elements in row-major order into `out`, which has room for `capacity` floats.
 * SWISH_ERR_INVALID_ARGUMENT if `out` is NULL or `capacity` < numel.
 */
swish_status swish_tensor_copy_to(const swish_tensor *t, float *out, size_t capacity);

/**
 * Overwrites the elements with `count` floats from `data` (count must equal numel). Not recorded by
 * autograd. SWISH_ERR_STATE on a leaf that requires grad while grad mode is on (as PyTorch refuses
 * in-place changes there; use swish_no_grad_begin()).
 */
swish_status swish_tensor_copy_from(swish_tensor *t, const float *data, size_t count);

/** The value of a one-element tensor; NaN on error (NULL, bad handle, more than one element). */
float swish_item(const swish_tensor *t);

/**
 * Zero-copy access to the elements (row-major, numel floats), or NULL on error. The pointer stays valid
 * while the tensor's memory lives: as long as this handle, or any other handle, module or graph holding
 * the same tensor or a view of it, is alive. Writing through it changes the tensor without autograd
 * knowing (like PyTorch's `tensor.data`); do not write while a backward that saved the tensor is pending.
 */
float *swish_tensor_data(swish_tensor *t);

/** Read one element at `index` (`ndim` coordinates, negative counting from the end). NaN on error. */
float swish_tensor_get(const swish_tensor *t, const int64_t *index, size_t ndim);

/**
 * Writes one element, not recorded by autograd (the seed's `net[2].weight.data[0, 0] = 100`).
 * SWISH_ERR_INVALID_ARGUMENT for an index out of range.
 */
swish_status swish_tensor_set(swish_tensor *t, const int64_t *index, size_t ndim, float value);

/**
 * The tensor printed as PyTorch prints it: "tensor([1., 2.])", "tensor(0.2701, grad_fn=<SumBackward0>)".
 * The string is owned by the library, valid until the next swish_tensor_str() call on this thread.
 * NULL on error.
 */
const char *swish_tensor_str(const swish_tensor *t);

/** Writes swish_tensor_str(t) and a newline to stdout. */
swish_status swish_tensor_print(const swish_tensor *t);

/* ---------------------------------------------------------------------------------------------------
 * Arithmetic with broadcasting (PyTorch rules). Each returns a new tensor, or NULL with SWISH_ERR_SHAPE
 * when the shapes do not broadcast. Recorded by autograd when an input requires grad.
 * ------------------------------------------------------------------------------------------------ */

/** a + b */
swish_tensor *swish_add(const swish_tensor *a, const swish_tensor *b);
/** a - b */
swish_tensor *swish_sub(const swish_tensor *a, const swish_tensor *b);
/** a * b (elementwise) */
swish_tensor *swish_mul(const swish_tensor *a, const swish_tensor *b);
/** a / b (elementwise) */
swish_tensor *swish_div(const swish_tensor *a, const swish_tensor *b);
/** a + s */
swish_tensor *swish_add_scalar(const swish_tensor *a, float s);
/** a - s */
swish_tensor *swish_sub_scalar(const swish_tensor *a, float s);
/** s - a */
swish_tensor *swish_rsub_scalar(float s, const swish_tensor *a);
/** a * s */
swish_tensor *swish_mul_scalar(const swish_tensor *a, float s);
/** a / s */
swish_tensor *swish_div_scalar(const swish_tensor *a, float s);
/** s / a */
swish_tensor *swish_rdiv_scalar(float s, const swish_tensor *a);
/** -a */
swish_tensor *swish_neg(const swish_tensor *a);

/* ---------------------------------------------------------------------------------------------------
 * Elementwise functions
 * ------------------------------------------------------------------------------------------------ */

/** |a| */
swish_tensor *swish_abs(const swish_tensor *a);
/** e^a */
swish_tensor *swish_exp(const swish_tensor *a);
/** natural log of a */
swish_tensor *swish_log(const swish_tensor *a);
/** square root of a */
swish_tensor *swish_sqrt(const swish_tensor *a);
/** a^p for a scalar exponent p */
swish_tensor *swish_pow_scalar(const swish_tensor *a, float p);
/** a^2 */
swish_tensor *swish_square(const swish_tensor *a);
/**
 * a clamped into [min, max]. Pass -INFINITY or INFINITY (or NAN) for a side without bound; at least one
 * side must be bounded. NaN elements stay NaN.
 */
swish_tensor *swish_clamp(const swish_tensor *a, float min, float max);
/** max(a, 0) */
swish_tensor *swish_relu(const swish_tensor *a);

/* ---------------------------------------------------------------------------------------------------
 * Matrix products and shapes
 * ------------------------------------------------------------------------------------------------ */

/**
 * Matrix product with torch.matmul's rules: 1-d x 1-d is a dot product (0-d result), 2-d x 2-d a matrix
 * product, a 1-d operand is promoted to a matrix and the added dim removed, and higher ranks are
 * batched with broadcast batch dims. SWISH_ERR_SHAPE when inner sizes differ. Uses cblas_sgemm.
 */
swish_tensor *swish_matmul(const swish_tensor *a, const swish_tensor *b);

/** A copy of `a` with dims d0 and d1 swapped (negative dims count from the end). */
swish_tensor *swish_transpose(const swish_tensor *a, int64_t d0, int64_t d1);

/** Transpose of a matrix; 0-d and 1-d tensors are returned unchanged. SWISH_ERR_INVALID_ARGUMENT above 2-d. */
swish_tensor *swish_t(const swish_tensor *a);

/**
 * A view of `a` with a new shape of the same element count, sharing memory; one size may be -1 (inferred).
 * SWISH_ERR_SHAPE if the count differs.
 */
swish_tensor *swish_reshape(const swish_tensor *a, const int64_t *shape, size_t ndim);

/** Inserts a size-1 dimension at `dim` (a view). */
swish_tensor *swish_unsqueeze(const swish_tensor *a, int64_t dim);

/** Removes dimension `dim` if its size is 1 (a view). */
swish_tensor *swish_squeeze(const swish_tensor *a, int64_t dim);

/** Flattens dims start..end (inclusive, negative from the end) into one (a view). */
swish_tensor *swish_flatten(const swish_tensor *a, int64_t start_dim, int64_t end_dim);

/** The sub-tensor at `index` along `dim` (x[index] for dim 0, a view sharing memory; other dims copy). */
swish_tensor *swish_select(const swish_tensor *a, int64_t dim, int64_t index);

/* ---------------------------------------------------------------------------------------------------
 * Reductions
 * ------------------------------------------------------------------------------------------------ */

/** Sum of all elements (0-d). */
swish_tensor *swish_sum(const swish_tensor *a);
/** Sum over `dim`, keeping it as size 1 when `keepdim`. */
swish_tensor *swish_sum_dim(const swish_tensor *a, int64_t dim, bool keepdim);
/** Mean of all elements (0-d; NaN for an empty tensor, as in PyTorch). */
swish_tensor *swish_mean(const swish_tensor *a);
/** Mean over `dim`. */
swish_tensor *swish_mean_dim(const swish_tensor *a, int64_t dim, bool keepdim);
/** Largest element (0-d). SWISH_ERR_INVALID_ARGUMENT for an empty tensor. */
swish_tensor *swish_max(const swish_tensor *a);
/**
 * Largest values along `dim`. If `indices` is not NULL, *indices receives a new SWISH_INT64 tensor of
 * their positions (owned like the result). NaN counts as largest; ties give the first position.
 */
swish_tensor *swish_max_dim(const swish_tensor *a, int64_t dim, bool keepdim, swish_tensor **indices);
/** Positions of the largest values along `dim` (SWISH_INT64, not differentiable). */
swish_tensor *swish_argmax(const swish_tensor *a, int64_t dim, bool keepdim);

/* ---------------------------------------------------------------------------------------------------
 * Comparisons: broadcast like arithmetic, give SWISH_BOOL tensors (1 for true), never record gradients.
 * ------------------------------------------------------------------------------------------------ */

/** Which comparison swish_compare() makes. */
typedef enum swish_compare_op {
    SWISH_EQ = 0,
    SWISH_NE = 1,
    SWISH_GT = 2,
    SWISH_LT = 3,
    SWISH_GE = 4,
    SWISH_LE = 5
} swish_compare_op;

/** a OP b elementwise. */
swish_tensor *swish_compare(const swish_tensor *a, const swish_tensor *b, swish_compare_op op);
/** a OP s elementwise. */
swish_tensor *swish_compare_scalar(const swish_tensor *a, float s, swish_compare_op op);
/** a == b */
swish_tensor *swish_eq(const swish_tensor *a, const swish_tensor *b);
/** 1 if every element of `a` is non-zero, 0 if not, -1 on error. */
int swish_all(const swish_tensor *a);

/* ---------------------------------------------------------------------------------------------------
 * Autograd
 * ------------------------------------------------------------------------------------------------ */

/**
 * Marks a leaf tensor as requiring (or not) gradients. SWISH_ERR_STATE for a non-leaf (use
 * swish_detach()), SWISH_ERR_INVALID_ARGUMENT for a non-float tensor.
 */
swish_status swish_tensor_set_requires_grad(swish_tensor *t, bool requires_grad);

/** 1 if `t` requires grad, 0 if not, -1 on error. */
int swish_tensor_requires_grad(const swish_tensor *t);

/** 1 if `t` is a leaf (made by the user, not by a recorded op), 0 if not, -1 on error. */
int swish_tensor_is_leaf(const swish_tensor *t);

/**
 * Name of the op that made `t`, as PyTorch names it ("SumBackward0"), or NULL for a leaf (or on error;
 * check swish_last_status()). Static storage.
 */
const char *swish_tensor_grad_fn(const swish_tensor *t);

/**
 * Backpropagates from a one-element tensor: adds d(t)/d(leaf) into the .grad of every leaf that requires
 * grad (gradients accumulate across calls, as in PyTorch). The graph's saved tensors are freed, so a
 * second backward through ops that saved tensors is SWISH_ERR_STATE (use swish_backward_ex with
 * retain_graph). SWISH_ERR_INVALID_ARGUMENT for a tensor with more than one element, SWISH_ERR_STATE if
 * `t` does not require grad. On failure no .grad is changed.
 */
swish_status swish_backward(swish_tensor *t);

/**
 * Backpropagates with an explicit output gradient `grad` (same shape as `t`; NULL means ones for a
 * one-element `t`) and keeps the graph for another backward when `retain_graph`.
 */
swish_status swish_backward_ex(swish_tensor *t, const swish_tensor *grad, bool retain_graph);

/**
 * The accumulated gradient of `t` as a new handle (sharing memory with it), or NULL when `t` has none
 * yet: then swish_last_status() is unchanged if the handle was valid. Use swish_tensor_has_grad() to
 * tell the cases apart without looking at errors.
 */
swish_tensor *swish_tensor_grad(const swish_tensor *t);

/** 1 if `t` has an accumulated gradient, 0 if not, -1 on error. */
int swish_tensor_has_grad(const swish_tensor *t);

/** Forgets `t`'s gradient (PyTorch's zero_grad with set_to_none=True, its default). */
swish_status swish_tensor_zero_grad(swish_tensor *t);

/** Makes a non-leaf keep its gradient after backward (tensor.retain_grad()). A no-op on leaves. */
swish_status swish_tensor_retain_grad(swish_tensor *t);

/** A new handle viewing the same memory, cut off from the graph (tensor.detach()). */
swish_tensor *swish_detach(const swish_tensor *t);

/**
 * Turns recording of operations for autograd on or off on this thread; returns the previous setting.
 * Never fails.
 */
bool swish_set_grad_enabled(bool enabled);

/** Whether recording is on for this thread. */
bool swish_is_grad_enabled(void);

/**
 * Turns recording off on this thread until the matching swish_no_grad_end() (like `with
 * torch.no_grad():`). Pairs nest.
 */
void swish_no_grad_begin(void);

/** Restores the grad mode saved by the matching swish_no_grad_begin(). SWISH_ERR_STATE without one. */
swish_status swish_no_grad_end(void);

/* ---------------------------------------------------------------------------------------------------
 * Activations
 * ------------------------------------------------------------------------------------------------ */

/* ---------------------------------------------------------------------------------------------------
 * Losses
 * ------------------------------------------------------------------------------------------------ */

/* ---------------------------------------------------------------------------------------------------
 * Modules
 * ------------------------------------------------------------------------------------------------ */

/* ---------------------------------------------------------------------------------------------------
 * Parameters and state dicts
 * ------------------------------------------------------------------------------------------------ */

/* ---------------------------------------------------------------------------------------------------
 * Initialization (nn.init)
 * ------------------------------------------------------------------------------------------------ */

/* ---------------------------------------------------------------------------------------------------
 * Optimizers
 * ------------------------------------------------------------------------------------------------ */

/* ---------------------------------------------------------------------------------------------------
 * Training helpers
 * ------------------------------------------------------------------------------------------------ */

/* ---------------------------------------------------------------------------------------------------
 * Saving and loading (safetensors)
 * ------------------------------------------------------------------------------------------------ */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SWISH_H */
