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
 *            mode, the names swish_tensor_grad_fn() returns) is safe to use from any number of threads;
 *            errors, scopes and grad mode are per thread, and a handle may be passed between threads.
 *            A tensor, module, optimizer or state dict must not be used by two threads at the same time
 *            (nor a tensor while a module or optimizer that holds it is in use on another thread);
 *            independent objects may be used on different threads concurrently, and N models trained on
 *            N threads give bit-identical results to the same trainings run one after another. A
 *            generator may be shared: draws are serialized, so which values each thread gets depends on
 *            the interleaving (give each thread its own generator for reproducible runs). Callbacks run
 *            on the thread that made the call. Threads inside one call: large matrix products use
 *            OpenBLAS's own threads, as many as its process-wide setting (swish_set_num_threads(), which
 *            Swish never changes by itself); an optimizer step over 65,536 or more elements in all is
 *            cut into disjoint pieces that the calling thread shares with up to that many minus one
 *            helper threads of Swish's own (started on first use, asleep between steps), so its result
 *            does not depend on the count. Products and steps from several threads at once are safe
 *            (a step that finds the helpers busy runs on its own thread).
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
 * Threads used inside one call, and the floating-point mode
 * ------------------------------------------------------------------------------------------------ */

/**
 * Sets how many threads one large matrix product may use and returns the previous setting; values below 1
 * count as 1. This is OpenBLAS's own process-wide thread count (openblas_set_num_threads), so it also
 * applies to the host's own OpenBLAS calls; by default it is OpenBLAS's default (the number of
 * processors, or OPENBLAS_NUM_THREADS). Safe to call from any thread.
 *
 * Products of fewer than about a million multiply-adds always run on the calling thread (Swish cuts those
 * above OpenBLAS's own threshold into row blocks, because OpenBLAS's threads made them slower). Results are
 * deterministic for a given setting; another setting may change the last bits of large products.
 */
int swish_set_num_threads(int threads);

/** The current setting of swish_set_num_threads(). Never fails. */
int swish_get_num_threads(void);

/**
 * Flushes subnormal floats to zero on the calling thread (on = true) or stops doing so, and returns whether
 * this processor supports it and the mode was set (true on x86-64 and AArch64): torch.set_flush_denormal.
 * Off by default, as in PyTorch: arithmetic follows IEEE 754, subnormal numbers included. With it on,
 * subnormal inputs and results count as zero (x86-64: the MXCSR's flush-to-zero and denormals-are-zero
 * bits; AArch64: FPCR.FZ). Turn it on when speed matters more than values below 1.2e-38: processors take a
 * slow path for subnormal operands, and training makes them, for instance in Adam's state for a parameter
 * whose gradient stays 0 (a dead ReLU unit), which decays into the subnormal range and stays there, slowing
 * every later step (docs/performance.md). The mode belongs to the calling thread; Swish's own worker
 * threads take it from the thread that made the call, OpenBLAS's threads keep their own. Never fails.
 */
bool swish_set_flush_denormal(bool on);

/** Whether the calling thread flushes subnormal floats to zero (swish_set_flush_denormal()). Never fails. */
bool swish_get_flush_denormal(void);

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

/**
 * Reseeds the default generator, used wherever a `gen` argument is NULL (torch.manual_seed). The default
 * generator is shared by every thread of the process.
 */
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

/**
 * Forgets `t`'s gradient (PyTorch's zero_grad with set_to_none=True, its default): swish_tensor_grad() then
 * gives NULL. A gradient no handle or view holds keeps its memory, out of sight, for the next backward to
 * write `t`'s gradient into.
 */
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

/**
 * Restores the grad mode this thread had at the matching swish_no_grad_begin(). SWISH_ERR_STATE without
 * one on this thread.
 */
swish_status swish_no_grad_end(void);

/* ---------------------------------------------------------------------------------------------------
 * Activations
 *
 * PyTorch's definitions (torch.nn.functional), forward and backward. Each returns a new tensor owned by
 * the caller (or the open scope), or NULL; recorded by autograd when `a` requires grad. All stay finite,
 * with finite gradients, for any finite input (sigmoid and silu never form exp of a large positive
 * number; softmax and log_softmax subtract the maximum). swish_relu() is under Elementwise functions.
 * ------------------------------------------------------------------------------------------------ */

/** 1 / (1 + e^-a) */
swish_tensor *swish_sigmoid(const swish_tensor *a);

/** tanh(a) */
swish_tensor *swish_tanh(const swish_tensor *a);

/**
 * a where a > 0, negative_slope * a elsewhere (PyTorch's default slope is 0.01). The gradient at 0 is
 * negative_slope, as PyTorch's. SWISH_ERR_INVALID_ARGUMENT for a non-finite slope.
 */
swish_tensor *swish_leaky_relu(const swish_tensor *a, float negative_slope);

/** Which formula swish_gelu() uses (PyTorch's `approximate=`). */
typedef enum swish_gelu_approximate {
    SWISH_GELU_NONE = 0, /**< a * Phi(a), Phi the standard normal CDF (erf): approximate="none" */
    SWISH_GELU_TANH = 1  /**< 0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3))): approximate="tanh" */
} swish_gelu_approximate;

/** GELU, exact or with the tanh approximation. SWISH_ERR_INVALID_ARGUMENT for another `approximate`. */
swish_tensor *swish_gelu(const swish_tensor *a, swish_gelu_approximate approximate);

/** SiLU, also called swish: a * sigmoid(a). */
swish_tensor *swish_silu(const swish_tensor *a);

/**
 * exp(a) / sum(exp(a)) along `dim` (negative counts from the end). SWISH_ERR_INVALID_ARGUMENT for a dim
 * out of range.
 */
swish_tensor *swish_softmax(const swish_tensor *a, int64_t dim);

/** log(softmax(a)) along `dim`, computed as a - max - log(sum(exp(a - max))). */
swish_tensor *swish_log_softmax(const swish_tensor *a, int64_t dim);

/* ---------------------------------------------------------------------------------------------------
 * Losses
 *
 * PyTorch's definitions (torch.nn.functional). Each returns a new tensor owned by the caller (or the
 * open scope): a 0-d tensor for SWISH_REDUCTION_MEAN and _SUM, one loss per element (per sample for
 * cross-entropy) for _NONE; or NULL. Recorded by autograd: the input, and a float target, get gradients.
 * Computed stably (log-sum-exp with the maximum subtracted; softplus(-|x|) for logits), so large logits
 * give finite losses and gradients. Errors: SWISH_ERR_SHAPE when shapes do not match (the pointwise
 * losses need input and target of the same shape; no broadcasting), SWISH_ERR_INVALID_ARGUMENT for a
 * class index out of range, a bad reduction or a bad hyperparameter. On error no tensor is changed.
 * ------------------------------------------------------------------------------------------------ */

/** How a loss combines its per-element values. MEAN is 0, so a zeroed value means PyTorch's default. */
typedef enum swish_reduction {
    SWISH_REDUCTION_MEAN = 0, /**< the mean (cross-entropy with class weights: the weighted mean) */
    SWISH_REDUCTION_SUM = 1,  /**< the sum */
    SWISH_REDUCTION_NONE = 2  /**< no reduction */
} swish_reduction;

/**
 * An int64 tensor (dtype SWISH_INT64) of the given shape holding `data` (class indices, labels), the
 * target type of swish_cross_entropy(). Values must lie within +-2^24 (16777216), the integers the
 * float32 storage holds exactly: SWISH_ERR_INVALID_ARGUMENT otherwise. Owned by the caller (or the open
 * scope). Shape errors as swish_tensor_new().
 */
swish_tensor *swish_tensor_from_int64(const int64_t *data, const int64_t *shape, size_t ndim);

/** Mean squared error: (input - target)^2, reduced. */
swish_tensor *swish_mse_loss(const swish_tensor *input, const swish_tensor *target, swish_reduction reduction);

/** Mean absolute error: |input - target|, reduced (the gradient at a zero difference is 0). */
swish_tensor *swish_l1_loss(const swish_tensor *input, const swish_tensor *target, swish_reduction reduction);

/**
 * Huber loss with d = input - target: 0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere,
 * reduced. PyTorch's default delta is 1. SWISH_ERR_INVALID_ARGUMENT for delta <= 0.
 */
swish_tensor *swish_huber_loss(const swish_tensor *input, const swish_tensor *target, swish_reduction reduction,
                               float delta);

/**
 * Binary cross-entropy on logits (the sigmoid folded in): for logit x and target y in [0, 1],
 * -[pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))], computed as (1 - y) x + (1 + (pw - 1) y)
 * softplus(-x). `pos_weight` (may be NULL: 1) weighs positive examples and broadcasts to the input's
 * shape, e.g. one weight per class for [N, C] logits; it gets no gradient and must not require grad.
 * NULL for `pos_weight` always means "none", also after an earlier failure.
 */
swish_tensor *swish_binary_cross_entropy_with_logits(const swish_tensor *input, const swish_tensor *target,
                                                     const swish_tensor *pos_weight, swish_reduction reduction);

/**
 * Cross-entropy between logits and class indices, averaged: swish_cross_entropy_ex(input, target, NULL,
 * -100, SWISH_REDUCTION_MEAN, 0).
 */
swish_tensor *swish_cross_entropy(const swish_tensor *input, const swish_tensor *target);

/**
 * Cross-entropy between logits `input` and `target`, as torch.nn.functional.cross_entropy.
 *
 *  input   logits of shape [C], [N, C] or [N, C, d1, ...] (classes along dim 1; dim 0 for [C]).
 *  target  class indices: a SWISH_INT64 tensor (swish_tensor_from_int64(), or swish_argmax()) with the
 *          input's shape without the class dim ([] for [C], [N], [N, d1, ...]); each index in [0, C) or
 *          equal to `ignore_index`. Or class probabilities: a float tensor of the input's shape.
 *  weight  per-class weights of shape [C], or NULL for none (NULL always means none).
 *  ignore_index  index targets equal to it add nothing and count nothing (PyTorch's default: -100).
 *  label_smoothing  epsilon in [0, 1]: the loss becomes (1 - eps) * nll + (eps / C) * sum_c -w_c log p_c
 *          per sample; the mean divides by the sum of w[target] over counted samples, as PyTorch.
 *
 * The mean over samples that are all ignored is NaN, as in PyTorch. Errors: SWISH_ERR_INVALID_ARGUMENT
 * for an index out of range ("Target 10 is out of bounds"), a non-integer index, a float target whose
 * shape is not the input's, or label_smoothing outside [0, 1]; SWISH_ERR_SHAPE for a target or weight of
 * the wrong shape.
 */
swish_tensor *swish_cross_entropy_ex(const swish_tensor *input, const swish_tensor *target,
                                     const swish_tensor *weight, int64_t ignore_index, swish_reduction reduction,
                                     float label_smoothing);

/* ---------------------------------------------------------------------------------------------------
 * Modules
 *
 * A module owns named parameters, named buffers (state that is not trained) and named child modules, in
 * registration order, and has a forward. Modules have reference semantics: a module placed in two
 * positions is one module, so its parameters are shared (tied). Every function returning a module returns
 * a new handle owned by the caller, freed with swish_module_free(); module handles never belong to a
 * scope. Containers retain their children, so the caller may free its own handle right after handing a
 * module over. A module must not be used by two threads at the same time.
 * ------------------------------------------------------------------------------------------------ */

/**
 * A fully connected layer y = x @ weight^T + bias (nn.Linear): weight [out_features, in_features], bias
 * [out_features] when `bias`, both drawn uniform in +-1/sqrt(in_features) from `gen` (NULL: the default
 * generator) as PyTorch initializes them. SWISH_ERR_INVALID_ARGUMENT for a negative size.
 */
swish_module *swish_linear_new(int64_t in_features, int64_t out_features, bool bias, swish_generator *gen);

/**
 * A Linear whose in_features are inferred from its first input (nn.LazyLinear). Until that first forward
 * its parameters are uninitialized: fetching them gives SWISH_ERR_STATE, named_parameters and state_dict
 * fail with SWISH_ERR_STATE, and it prints as "LazyLinear(in_features=0, out_features=8, bias=True)". The
 * first forward (or loading a state dict) creates and initializes them from `gen` (NULL: the default
 * generator); from then on it is a Linear (swish_module_type_name() gives "Linear", as in PyTorch).
 */
swish_module *swish_lazy_linear_new(int64_t out_features, bool bias, swish_generator *gen);

/**
 * A Sequential of `count` modules applied in order (nn.Sequential), named "0", "1", ...; it retains them.
 * The same module may appear several times (its parameters are then tied). `modules` may be NULL when
 * `count` is 0. An element that is NULL (SWISH_ERR_INVALID_ARGUMENT, or the earlier error it propagates)
 * or not a live module (SWISH_ERR_INVALID_HANDLE) fails the call.
 */
swish_module *swish_sequential_new(swish_module *const *modules, size_t count);

/**
 * Appends `module` to the Sequential `seq` (retained), named by its position. SWISH_ERR_INVALID_ARGUMENT
 * if `seq` is not a Sequential or if `module` contains `seq` (a module may not contain itself).
 */
swish_status swish_sequential_append(swish_module *seq, swish_module *module);

/** nn.ReLU(): max(x, 0). */
swish_module *swish_relu_new(void);
/** nn.LeakyReLU(negative_slope) (PyTorch's default slope is 0.01). SWISH_ERR_INVALID_ARGUMENT if not finite. */
swish_module *swish_leaky_relu_new(float negative_slope);
/** nn.Sigmoid(). */
swish_module *swish_sigmoid_new(void);
/** nn.Tanh(). */
swish_module *swish_tanh_new(void);
/**
 * nn.GELU(approximate): `approximate` is "none" (exact, x * Phi(x); also for NULL) or "tanh".
 * SWISH_ERR_INVALID_ARGUMENT for any other string.
 */
swish_module *swish_gelu_new(const char *approximate);
/** nn.SiLU(): x * sigmoid(x). */
swish_module *swish_silu_new(void);
/** nn.Flatten(start_dim, end_dim): flattens those dims into one (PyTorch's defaults are 1 and -1). */
swish_module *swish_flatten_new(int64_t start_dim, int64_t end_dim);
/** nn.Identity(): returns its input. */
swish_module *swish_identity_new(void);

/**
 * Releases a module handle. The module lives on while another handle or a container holds it. NULL is
 * ignored; a freed or non-module handle gives SWISH_ERR_INVALID_HANDLE.
 */
swish_status swish_module_free(swish_module *m);

/**
 * The forward function of a custom module. `self` is the module (to fetch its parameters, buffers or
 * children) and `input` the input; both handles are lent for the duration of the call and freed by the
 * library afterwards. The library opens a scope around the call (see Scopes), so every tensor handle the
 * callback creates, including the one it returns, is freed when it returns: intermediates need no
 * swish_tensor_free, and the library takes the returned tensor before the scope ends. Handles the callback
 * did not create (kept in userdata) are left alone. Return NULL on failure, after describing it with
 * swish_set_callback_error() or after a failed swish_ call (whose error is then reported).
 */
typedef swish_tensor *(*swish_forward_fn)(swish_module *self, swish_tensor *input, void *userdata);

/**
 * A module whose forward is the C function `forward` (an nn.Module subclass in C). `type_name` (copied)
 * is what it prints as and what swish_module_type_name() returns. Its parameters, buffers and children
 * are added with swish_module_register_parameter/_buffer/_child. `destroy` (may be NULL) is called with
 * `userdata` when the module is released for the last time. If this call fails, `destroy` is not called
 * and the caller keeps `userdata`. SWISH_ERR_INVALID_ARGUMENT for a NULL or empty type_name or a NULL
 * forward.
 */
swish_module *swish_module_new_custom(const char *type_name, swish_forward_fn forward, void *userdata,
                                      void (*destroy)(void *userdata));

/**
 * Reports a failure from inside a callback: records SWISH_ERR_CALLBACK with a copy of `message` (NULL:
 * "callback failed") as this thread's last error. A forward callback that then returns NULL makes
 * swish_forward() fail with SWISH_ERR_CALLBACK and exactly this message.
 */
void swish_set_callback_error(const char *message);

/**
 * Runs the module's forward on `input` and returns its output (a new tensor, owned by the caller or the
 * open scope), recorded by autograd when parameters or the input require grad. Errors of the layers
 * inside are reported as they occur (SWISH_ERR_SHAPE for a wrong input size, ...); a custom module's
 * failed callback gives SWISH_ERR_CALLBACK with the callback's message, or with the message of the call
 * that failed inside it.
 */
swish_tensor *swish_forward(swish_module *m, const swish_tensor *input);

/**
 * The affine map x @ weight^T + bias (F.linear) for x [..., in], weight [out, in], bias [out] or NULL:
 * one GEMM with the bias folded in. SWISH_ERR_SHAPE when the sizes disagree.
 */
swish_tensor *swish_linear(const swish_tensor *x, const swish_tensor *weight, const swish_tensor *bias);

/**
 * The module's type name as PyTorch's type(m).__name__ gives it: "Linear", "Sequential", "ReLU",
 * "LazyLinear" (until its first forward), a custom module's type_name. Static storage; NULL on error.
 * Test a module's kind with strcmp (the seed's `if type(m) == nn.Linear`).
 */
const char *swish_module_type_name(const swish_module *m);

/** Number of direct children, a child placed twice counted twice (len(net) for a Sequential); -1 on error. */
int64_t swish_module_num_children(const swish_module *m);

/**
 * The direct child at `index` in registration order (net[2]); negative counts from the end (net[-1]).
 * New handle owned by the caller. SWISH_ERR_INVALID_ARGUMENT when out of range.
 */
swish_module *swish_module_child(const swish_module *m, int64_t index);

/** The name of the child at `index` ("0", "hidden"). Static storage; NULL on error (as swish_module_child). */
const char *swish_module_child_name(const swish_module *m, int64_t index);

/**
 * The module at a dotted path of child names ("net.2"; "" is `m` itself), PyTorch's get_submodule. New
 * handle owned by the caller. SWISH_ERR_INVALID_ARGUMENT naming the first unknown part.
 */
swish_module *swish_module_child_by_name(const swish_module *m, const char *path);

/** Sets training mode (`mode` true) or evaluation mode on `m` and all its descendants (module.train(mode)). */
swish_status swish_module_train(swish_module *m, bool mode);
/** Sets evaluation mode on `m` and all its descendants (module.eval()). */
swish_status swish_module_eval(swish_module *m);
/** 1 if `m` is in training mode (the default), 0 in evaluation mode, -1 on error. */
int swish_module_is_training(const swish_module *m);

/**
 * Forgets the gradient of every parameter of `m` and its descendants (zero_grad(), set_to_none=True), as
 * swish_tensor_zero_grad() does for each.
 */
swish_status swish_module_zero_grad(swish_module *m);

/**
 * A function swish_module_apply() calls on each module. `m` is lent for the call; tensor handles created
 * inside are freed when it returns (the library opens a scope around it). Return SWISH_OK to go on.
 */
typedef swish_status (*swish_module_fn)(swish_module *m, void *userdata);

/**
 * Calls `fn` on every descendant of `m` and then on `m`, children before parents, as nn.Module.apply: a
 * module placed twice in the same parent is visited once. If `fn` returns anything but SWISH_OK, apply
 * stops and returns SWISH_ERR_CALLBACK with the message set by swish_set_callback_error() (or of the call
 * that failed inside `fn`); modules already visited keep their changes.
 */
swish_status swish_module_apply(swish_module *m, swish_module_fn fn, void *userdata);

/**
 * The module printed as PyTorch's print(net) prints it, e.g.
 *     Sequential(
 *       (0): Linear(in_features=4, out_features=8, bias=True)
 *       (1): ReLU()
 *       (2): Linear(in_features=8, out_features=1, bias=True)
 *     )
 * (a custom module shows its type name and children). Owned by the library, valid until the next
 * swish_module_str() call on this thread. NULL on error.
 */
const char *swish_module_str(const swish_module *m);

/** Writes swish_module_str(m) and a newline to stdout. */
swish_status swish_module_print(const swish_module *m);

/* ---------------------------------------------------------------------------------------------------
 * Parameters and state dicts
 *
 * Names follow PyTorch: a child's entries are prefixed with its name and a dot ("0.weight", "net.2.bias",
 * "hidden.weight"). named_parameters lists each module's own parameters before its children's, in
 * registration order, each tensor once (a tied module's parameters appear under their first name only);
 * a state dict lists every parameter and persistent buffer under every name it has (tied ones several
 * times).
 * ------------------------------------------------------------------------------------------------ */

/**
 * An ordered list of named tensors: a module's state dict, its named parameters or buffers, or a list
 * built by hand. The list holds references to its tensors (those of a module's state dict share memory
 * with the module's). State dict handles never belong to a scope; free them with swish_state_dict_free().
 */
typedef struct swish_state_dict swish_state_dict;

/**
 * Adds `t` to `m` as a trainable parameter called `name` (register_parameter). `t` itself becomes the
 * parameter (it is marked as requiring grad) and is retained; the caller's handle stays valid and refers
 * to it. SWISH_ERR_INVALID_ARGUMENT if `name` is empty, contains '.', or is already used by a parameter,
 * buffer or child of `m`, or if `t` is not a float leaf tensor; nothing is changed then.
 */
swish_status swish_module_register_parameter(swish_module *m, const char *name, swish_tensor *t);

/**
 * Adds `t` to `m` as a buffer called `name`: state that is not trained (register_buffer). A persistent
 * buffer is part of the state dict, a non-persistent one only of named_buffers. Errors as for
 * swish_module_register_parameter.
 */
swish_status swish_module_register_buffer(swish_module *m, const char *name, swish_tensor *t, bool persistent);

/**
 * Adds `child` to `m` as a child module called `name` (register_module), retained. Errors as for
 * swish_module_register_parameter, and SWISH_ERR_INVALID_ARGUMENT if `child` contains `m`.
 */
swish_status swish_module_register_child(swish_module *m, const char *name, swish_module *child);

/**
 * The parameter at a dotted path ("weight", "2.bias", "net.0.weight"), PyTorch's get_parameter: a new
 * handle to the parameter itself (not a copy), owned by the caller or the open scope. Write its values
 * with swish_tensor_set() or swish_tensor_data() (the seed's net[2].weight.data[0, 0] = 100).
 * SWISH_ERR_INVALID_ARGUMENT for an unknown path, SWISH_ERR_STATE for an uninitialized lazy parameter.
 */
swish_tensor *swish_module_param(const swish_module *m, const char *path);

/** The buffer at a dotted path (get_buffer); otherwise as swish_module_param(). */
swish_tensor *swish_module_buffer(const swish_module *m, const char *path);

/**
 * The parameters of `m` and its descendants with their names, in PyTorch's named_parameters() order,
 * each tensor once. The tensors are the parameters themselves (their grads are visible). New handle
 * owned by the caller. SWISH_ERR_STATE while a lazy module's parameters are uninitialized.
 */
swish_state_dict *swish_module_named_parameters(const swish_module *m);

/** The buffers (persistent or not) with their names, each tensor once (named_buffers()). New handle. */
swish_state_dict *swish_module_named_buffers(const swish_module *m);

/**
 * The module's state dict (state_dict()): every parameter and persistent buffer under each of its names,
 * as tensors that share memory with the module's and carry no graph. New handle owned by the caller.
 * SWISH_ERR_STATE while a lazy module's parameters are uninitialized.
 */
swish_state_dict *swish_module_state_dict(const swish_module *m);

/**
 * Copies the values of `sd` into the parameters and persistent buffers of `m` (load_state_dict); the
 * module keeps its tensors, only their values change, and an uninitialized lazy parameter takes the
 * shape of its entry. Shapes must match (SWISH_ERR_SHAPE); with `strict`, every key must match
 * (SWISH_ERR_INVALID_ARGUMENT listing the missing and unexpected keys, as PyTorch's message does). On any
 * error nothing is changed. If `missing_keys` / `unexpected_keys` are not NULL they receive new state
 * dicts (owned by the caller) of the module's entries absent from `sd` (with the module's current tensor;
 * an empty tensor for an uninitialized parameter) and of the entries of `sd` the module lacks; they are
 * set to NULL when the call fails.
 */
swish_status swish_module_load_state_dict(swish_module *m, const swish_state_dict *sd, bool strict,
                                          swish_state_dict **missing_keys, swish_state_dict **unexpected_keys);

/** A new, empty state dict, owned by the caller. */
swish_state_dict *swish_state_dict_new(void);

/** Releases a state dict handle (its tensors live on while held elsewhere). NULL is ignored. */
swish_status swish_state_dict_free(swish_state_dict *sd);

/** Number of entries, or -1 on error. */
int64_t swish_state_dict_size(const swish_state_dict *sd);

/**
 * The name of the entry at `index` (negative counts from the end). Owned by `sd`: valid until `sd` is
 * freed, even if the entry is removed. NULL on error (SWISH_ERR_INVALID_ARGUMENT when out of range).
 */
const char *swish_state_dict_name(const swish_state_dict *sd, int64_t index);

/** The tensor of the entry at `index`: a new handle owned by the caller or the open scope. */
swish_tensor *swish_state_dict_tensor(const swish_state_dict *sd, int64_t index);

/** The tensor stored under `name`, as a new handle. SWISH_ERR_INVALID_ARGUMENT if there is none. */
swish_tensor *swish_state_dict_get(const swish_state_dict *sd, const char *name);

/** 1 if `sd` has an entry `name`, 0 if not, -1 on error. */
int swish_state_dict_contains(const swish_state_dict *sd, const char *name);

/** Stores `t` (retained) under `name`: replaces the entry in place, or appends a new one. */
swish_status swish_state_dict_set(swish_state_dict *sd, const char *name, swish_tensor *t);

/** Removes the entry `name`. SWISH_ERR_INVALID_ARGUMENT if there is none. */
swish_status swish_state_dict_remove(swish_state_dict *sd, const char *name);

/* ---------------------------------------------------------------------------------------------------
 * Initialization (nn.init)
 *
 * Each function overwrites the values of `t` in place without recording anything for autograd (PyTorch
 * runs them under no_grad), so it applies to a parameter directly, e.g. from swish_module_param(). Random
 * ones draw from `gen`, NULL meaning the default generator. Errors leave `t` unchanged.
 * ------------------------------------------------------------------------------------------------ */

/** The nonlinearity a layer is followed by, for the gain (PyTorch's nonlinearity names). */
typedef enum swish_nonlinearity {
    SWISH_GAIN_LINEAR = 0,
    SWISH_GAIN_CONV1D = 1,
    SWISH_GAIN_CONV2D = 2,
    SWISH_GAIN_CONV3D = 3,
    SWISH_GAIN_CONV_TRANSPOSE1D = 4,
    SWISH_GAIN_CONV_TRANSPOSE2D = 5,
    SWISH_GAIN_CONV_TRANSPOSE3D = 6,
    SWISH_GAIN_SIGMOID = 7,
    SWISH_GAIN_TANH = 8,
    SWISH_GAIN_RELU = 9,
    SWISH_GAIN_LEAKY_RELU = 10,
    SWISH_GAIN_SELU = 11
} swish_nonlinearity;

/** Which fan Kaiming initialization scales by. */
typedef enum swish_fan_mode {
    SWISH_FAN_IN = 0, /**< keeps the variance of the activations in the forward pass */
    SWISH_FAN_OUT = 1 /**< keeps the variance of the gradients in the backward pass */
} swish_fan_mode;

/**
 * calculate_gain: 1 for linear, convolutions and sigmoid, 5/3 for tanh, sqrt(2) for relu,
 * sqrt(2 / (1 + param^2)) for leaky relu (`param` is the negative slope; NAN means PyTorch's default
 * 0.01), 3/4 for selu. NaN with SWISH_ERR_INVALID_ARGUMENT for a value outside the enum.
 */
float swish_init_calculate_gain(swish_nonlinearity nonlinearity, float param);

/**
 * PyTorch's fan computation for a weight of shape [out, in, k...]: fan_in = in * prod(k), fan_out =
 * out * prod(k). Either output pointer may be NULL. SWISH_ERR_INVALID_ARGUMENT for a tensor below 2-d.
 */
swish_status swish_init_fans(const swish_tensor *t, int64_t *fan_in, int64_t *fan_out);

/** uniform_(t, a, b): values from U(a, b). SWISH_ERR_INVALID_ARGUMENT unless a <= b, both finite. */
swish_status swish_init_uniform(swish_tensor *t, float a, float b, swish_generator *gen);

/** normal_(t, mean, std): values from N(mean, std^2). SWISH_ERR_INVALID_ARGUMENT for std < 0. */
swish_status swish_init_normal(swish_tensor *t, float mean, float std, swish_generator *gen);

/** constant_(t, value). */
swish_status swish_init_constant(swish_tensor *t, float value);

/** zeros_(t). */
swish_status swish_init_zeros(swish_tensor *t);

/** ones_(t). */
swish_status swish_init_ones(swish_tensor *t);

/**
 * xavier_uniform_(t, gain): U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (PyTorch's default gain
 * is 1). SWISH_ERR_INVALID_ARGUMENT for a tensor below 2-d.
 */
swish_status swish_init_xavier_uniform(swish_tensor *t, float gain, swish_generator *gen);

/** xavier_normal_(t, gain): N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)). */
swish_status swish_init_xavier_normal(swish_tensor *t, float gain, swish_generator *gen);

/**
 * kaiming_uniform_(t, a, mode, nonlinearity): U(-b, b) with b = gain * sqrt(3 / fan), the gain of
 * `nonlinearity` with `a` as the leaky relu slope, the fan chosen by `mode` (PyTorch's defaults: a = 0,
 * SWISH_FAN_IN, SWISH_GAIN_LEAKY_RELU). An empty tensor is left as is. SWISH_ERR_INVALID_ARGUMENT for a
 * tensor below 2-d or an enum value out of range.
 */
swish_status swish_init_kaiming_uniform(swish_tensor *t, float a, swish_fan_mode mode,
                                        swish_nonlinearity nonlinearity, swish_generator *gen);

/** kaiming_normal_(t, a, mode, nonlinearity): N(0, std^2) with std = gain / sqrt(fan). */
swish_status swish_init_kaiming_normal(swish_tensor *t, float a, swish_fan_mode mode,
                                       swish_nonlinearity nonlinearity, swish_generator *gen);

/* ---------------------------------------------------------------------------------------------------
 * Optimizers
 *
 * An optimizer holds a list of distinct parameters (it retains them: the caller may free its own
 * handles), a learning rate and per-parameter state. Parameters are deduplicated when it is made, so a
 * parameter listed twice or tied in two places is updated once per step. swish_optimizer_step() skips
 * parameters without a gradient (their state does not advance, as in PyTorch).
 *
 * Each kind has an options struct. Fill it with its swish_xxx_options_default() (PyTorch's defaults),
 * change what you need, and pass it to swish_xxx_new(); NULL options mean the defaults:
 *
 *     swish_adam_options o;
 *     swish_adam_options_default(&o);
 *     o.lr = 1e-2f;
 *     swish_optimizer *opt = swish_adam_new(params, 4, &o);
 *     ...  swish_optimizer_zero_grad(opt); swish_backward(loss); swish_optimizer_step(opt);  ...
 *     swish_optimizer_free(opt);
 *
 * Hyperparameters are checked when the optimizer is made: a negative or non-finite learning rate,
 * betas outside [0, 1), eps <= 0, a negative weight decay or momentum, or Nesterov momentum without
 * momentum or with dampening give NULL with SWISH_ERR_INVALID_ARGUMENT. So do an empty list, a NULL
 * entry, a non-leaf or non-float parameter; a freed or non-tensor handle gives SWISH_ERR_INVALID_HANDLE.
 *
 * swish_xxx_new_module() makes the same optimizer over a module's parameters (its named_parameters, so a
 * tied parameter is updated once), the usual way to train a network:
 *
 *     swish_optimizer *opt = swish_adam_new_module(net, NULL);
 * ------------------------------------------------------------------------------------------------ */

/** Options of swish_sgd_new(); defaults: lr 1e-3, momentum 0, dampening 0, weight_decay 0, nesterov false. */
typedef struct swish_sgd_options {
    float lr;
    float momentum;     /**< >= 0; 0 means plain SGD */
    float dampening;    /**< the momentum buffer takes (1 - dampening) of each gradient */
    float weight_decay; /**< L2 penalty added to the gradient: g + weight_decay * p */
    bool nesterov;      /**< Nesterov momentum (needs momentum > 0 and dampening 0) */
} swish_sgd_options;

/** Options of swish_adam_new() and swish_adamw_new(). */
typedef struct swish_adam_options {
    float lr;           /**< default 1e-3 */
    float beta1;        /**< default 0.9, in [0, 1) */
    float beta2;        /**< default 0.999, in [0, 1) */
    float eps;          /**< default 1e-8, > 0 */
    float weight_decay; /**< Adam: L2 added to the gradient (default 0); AdamW: decoupled (default 1e-2) */
    bool amsgrad;       /**< use the running maximum of the second moment (default false) */
} swish_adam_options;

/** Options of swish_yogi_new(). */
typedef struct swish_yogi_options {
    float lr;                  /**< default 1e-2 */
    float beta1;               /**< default 0.9, in [0, 1) */
    float beta2;               /**< default 0.999, in [0, 1) */
    float eps;                 /**< default 1e-3, > 0 */
    float initial_accumulator; /**< the second moment's starting value, default 1e-6, >= 0 */
    float weight_decay;        /**< L2 added to the gradient, default 0 */
} swish_yogi_options;

/** Fills `opts` with SGD's defaults. SWISH_ERR_INVALID_ARGUMENT if `opts` is NULL. */
swish_status swish_sgd_options_default(swish_sgd_options *opts);
/** Fills `opts` with Adam's defaults (weight_decay 0). SWISH_ERR_INVALID_ARGUMENT if `opts` is NULL. */
swish_status swish_adam_options_default(swish_adam_options *opts);
/** Fills `opts` with AdamW's defaults (weight_decay 1e-2). SWISH_ERR_INVALID_ARGUMENT if `opts` is NULL. */
swish_status swish_adamw_options_default(swish_adam_options *opts);
/** Fills `opts` with Yogi's defaults. SWISH_ERR_INVALID_ARGUMENT if `opts` is NULL. */
swish_status swish_yogi_options_default(swish_yogi_options *opts);

/**
 * SGD over the `n` tensors in `params`, exactly as torch.optim.SGD: g = grad + weight_decay * p; with
 * momentum, b = g on the first step and b = momentum * b + (1 - dampening) * g after, then g = b (or
 * g + momentum * b with nesterov); p = p - lr * g. Caller frees it with swish_optimizer_free().
 */
swish_optimizer *swish_sgd_new(swish_tensor *const *params, size_t n, const swish_sgd_options *opts);

/**
 * Adam, exactly as torch.optim.Adam. At a parameter's t-th update: g = grad + weight_decay * p;
 * m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2 (with amsgrad v = max(v_max, v));
 * p = p - lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t).
 * Caller frees it with swish_optimizer_free().
 */
swish_optimizer *swish_adam_new(swish_tensor *const *params, size_t n, const swish_adam_options *opts);

/**
 * AdamW, exactly as torch.optim.AdamW: each update first decays p = p * (1 - lr * weight_decay), then
 * takes Adam's step without an L2 term. NULL options use swish_adamw_options_default() (weight_decay
 * 1e-2). Caller frees it with swish_optimizer_free().
 */
swish_optimizer *swish_adamw_new(swish_tensor *const *params, size_t n, const swish_adam_options *opts);

/**
 * Yogi (Zaheer et al., "Adaptive Methods for Nonconvex Optimization", NeurIPS 2018) with the bias
 * correction of Dive into Deep Learning section 12.10. At a parameter's t-th update:
 *     g = grad + weight_decay * p
 *     m = beta1 m + (1 - beta1) g                          (m starts at 0)
 *     s = s - (1 - beta2) sign(s - g^2) g^2                (s starts at initial_accumulator)
 *     p = p - lr * m_hat / (sqrt(s_hat) + eps),  m_hat = m / (1 - beta1^t),  s_hat = s / (1 - beta2^t)
 * Adam's second moment moves multiplicatively towards g^2; Yogi's moves additively, by at most
 * (1 - beta2) g^2 per step. Caller frees it with swish_optimizer_free().
 */
swish_optimizer *swish_yogi_new(swish_tensor *const *params, size_t n, const swish_yogi_options *opts);

/**
 * swish_sgd_new(), swish_adam_new(), swish_adamw_new() and swish_yogi_new() over the parameters of the
 * module `m` and its descendants, each tensor once, in swish_module_named_parameters() order (PyTorch's
 * optim.Adam(net.parameters())). The optimizer retains the parameter tensors themselves, not the module:
 * `m` may be freed afterwards and the optimizer keeps updating them. Parameters registered on the module
 * later are not included. Caller frees the optimizer with swish_optimizer_free(). Errors as for the list
 * versions, and: SWISH_ERR_INVALID_HANDLE for a freed or non-module `m` (NULL: SWISH_ERR_INVALID_ARGUMENT,
 * or the earlier error it propagates); SWISH_ERR_STATE while a lazy module's parameters are uninitialized
 * (run a forward first); SWISH_ERR_INVALID_ARGUMENT for a module without parameters.
 */
swish_optimizer *swish_sgd_new_module(swish_module *m, const swish_sgd_options *opts);
/** Adam over a module's parameters; see swish_sgd_new_module() and swish_adam_new(). */
swish_optimizer *swish_adam_new_module(swish_module *m, const swish_adam_options *opts);
/** AdamW over a module's parameters (NULL options: weight_decay 1e-2); see swish_sgd_new_module(). */
swish_optimizer *swish_adamw_new_module(swish_module *m, const swish_adam_options *opts);
/** Yogi over a module's parameters; see swish_sgd_new_module() and swish_yogi_new(). */
swish_optimizer *swish_yogi_new_module(swish_module *m, const swish_yogi_options *opts);

/**
 * Updates every parameter that has a gradient. SWISH_ERR_STATE if none has one (a step before any
 * backward, or after zero_grad): PyTorch silently does nothing there; Swish reports it, and nothing is
 * changed. On any failure no parameter or state is changed.
 */
swish_status swish_optimizer_step(swish_optimizer *opt);

/**
 * Forgets the gradient of every parameter (PyTorch's zero_grad(), which sets them to None), as
 * swish_tensor_zero_grad() does for each.
 */
swish_status swish_optimizer_zero_grad(swish_optimizer *opt);

/** The learning rate the next step uses, or NaN on error. */
float swish_optimizer_get_lr(const swish_optimizer *opt);

/**
 * Sets the learning rate for the following steps (for schedules, see swish_lr_step() and
 * swish_lr_cosine()). SWISH_ERR_INVALID_ARGUMENT for a negative or non-finite rate (nothing changes).
 */
swish_status swish_optimizer_set_lr(swish_optimizer *opt, float lr);

/** The number of distinct parameters the optimizer updates, or -1 on error. */
int64_t swish_optimizer_num_params(const swish_optimizer *opt);

/** Releases an optimizer handle (its parameters live on while other handles hold them). NULL is ignored. */
swish_status swish_optimizer_free(swish_optimizer *opt);

/**
 * Scales the gradients of the `n` tensors in `params` in place so that their joint norm is at most
 * `max_norm`, as torch.nn.utils.clip_grad_norm_: the joint `norm_type`-norm of all gradient elements
 * (2 for the Euclidean norm, INFINITY for the largest magnitude) is computed, and every gradient is
 * multiplied by min(1, max_norm / (norm + 1e-6)). Tensors without a gradient are skipped, duplicates
 * count once. Writes the norm before clipping to *total_norm (if not NULL; 0 when no tensor has a
 * gradient). SWISH_ERR_INVALID_ARGUMENT for max_norm < 0 or norm_type <= 0.
 */
swish_status swish_clip_grad_norm(swish_tensor *const *params, size_t n, float max_norm, float norm_type,
                                  float *total_norm);

/** swish_clip_grad_norm() over the optimizer's parameters. */
swish_status swish_optimizer_clip_grad_norm(swish_optimizer *opt, float max_norm, float norm_type, float *total_norm);

/**
 * StepLR's learning rate for `epoch` (0-based): base_lr * gamma^floor(epoch / step_size), PyTorch's
 * closed form. Set it with swish_optimizer_set_lr() at the start of each epoch. NaN with
 * SWISH_ERR_INVALID_ARGUMENT for base_lr < 0, step_size < 1 or gamma < 0.
 */
float swish_lr_step(float base_lr, int64_t epoch, int64_t step_size, float gamma);

/**
 * CosineAnnealingLR's learning rate for `epoch`: eta_min + (base_lr - eta_min) (1 + cos(pi epoch /
 * t_max)) / 2, PyTorch's closed form. NaN with SWISH_ERR_INVALID_ARGUMENT for base_lr < 0, t_max < 1 or
 * eta_min < 0.
 */
float swish_lr_cosine(float base_lr, int64_t epoch, int64_t t_max, float eta_min);

/* ---------------------------------------------------------------------------------------------------
 * Training helpers
 *
 * Mini-batches over in-memory data without hidden state: keep the whole data set in two tensors, draw
 * an order per epoch with swish_randperm(), and gather each batch's rows with swish_take_rows():
 *
 *     swish_tensor *X = swish_tensor_new(images, (int64_t[]){n, 784}, 2);
 *     swish_tensor *Y = swish_tensor_from_int64(labels, (int64_t[]){n}, 1);
 *     for (int epoch = 1; epoch <= epochs; epoch++) {
 *         swish_randperm(order, n, gen);                        // same seed, same batches
 *         for (int64_t start = 0; start < n; start += batch) {
 *             size_t count = n - start < batch ? n - start : batch;
 *             swish_scope_begin();
 *             swish_tensor *xb = swish_take_rows(X, order + start, count);
 *             swish_tensor *yb = swish_take_rows(Y, order + start, count);
 *             ... forward, loss, backward, step; correct += swish_count_correct(logits, yb) ...
 *             swish_scope_end();
 *         }
 *         swish_progress_print(epoch, epochs, mean_loss, (float)correct / n, n / seconds);
 *     }
 *
 * examples-c/mlp_demo.h (the program behind train_mnist and train_digits) is a complete training loop.
 * ------------------------------------------------------------------------------------------------ */

/**
 * Writes a uniformly random permutation of 0 .. n-1 into `out` (room for n values), drawn from `gen`
 * (NULL: the default generator); the same seed gives the same permutation on every machine.
 * SWISH_ERR_INVALID_ARGUMENT if `out` is NULL with n > 0.
 */
swish_status swish_randperm(int64_t *out, size_t n, swish_generator *gen);

/**
 * The rows `rows[0 .. count)` of `t` along dim 0, in that order, as a new tensor of t's dtype and shape
 * [count, ...] (torch.index_select(t, 0, rows)); indices may repeat and be negative (from the end).
 * Owned by the caller (or the open scope). Recorded by autograd. SWISH_ERR_INVALID_ARGUMENT for an
 * index out of range, a 0-d `t`, or NULL `rows` with count > 0.
 */
swish_tensor *swish_take_rows(const swish_tensor *t, const int64_t *rows, size_t count);

/**
 * The number of rows of `logits` [N, C] whose largest entry (the first, on ties) is at the class in
 * `labels` [N] (any dtype holding integers). -1 on error (SWISH_ERR_SHAPE for other shapes).
 */
int64_t swish_count_correct(const swish_tensor *logits, const swish_tensor *labels);

/** swish_count_correct() / N, or NaN on error (also for N = 0). */
float swish_accuracy(const swish_tensor *logits, const swish_tensor *labels);

/**
 * Turns the per-epoch progress lines on or off for the whole process (they are on by default): both
 * swish_progress_print() and the library's own training loops follow it. Returns the previous setting.
 */
bool swish_set_progress(bool enabled);

/**
 * Formats one epoch's progress line, "epoch 3/10: loss 0.2345, accuracy 0.9312, 48213 samples/s"
 * (without "/epochs" when epochs <= 0, without the accuracy when it is NaN), into `buf` like snprintf:
 * at most `size` bytes including the terminating NUL. Returns the full line's length (excluding the
 * NUL), or -1 with SWISH_ERR_INVALID_ARGUMENT if `buf` is NULL with size > 0.
 */
int64_t swish_progress_format(char *buf, size_t size, int64_t epoch, int64_t epochs, float loss, float accuracy,
                              double samples_per_second);

/** Writes swish_progress_format()'s line and a newline to stdout, unless progress lines are turned off. */
void swish_progress_print(int64_t epoch, int64_t epochs, float loss, float accuracy, double samples_per_second);

/* ---------------------------------------------------------------------------------------------------
 * Saving and loading (safetensors)
 *
 * Weights are safetensors files (https://github.com/huggingface/safetensors) whose keys are exactly
 * PyTorch's state_dict keys ("0.weight", "hidden.bias"), so files cross in both directions:
 *   - a file from safetensors.torch.save_file(model.state_dict(), f) or save_model(model, f) loads into
 *     the equivalent Swish model with swish_module_load_safetensors();
 *   - a file from swish_save_safetensors() loads into the equivalent PyTorch model with
 *     model.load_state_dict(safetensors.torch.load_file(f)), or into numpy with safetensors.numpy.
 *
 * Dtypes: every tensor is written as F32. On load F32 is read as is; F16, BF16 and F64 are converted to
 * float32 (IEEE rounding, as torch's .float()); any other dtype (I64, U8, BOOL, ...) is SWISH_ERR_FORMAT
 * naming it. The optional __metadata__ string map is written from the arguments below and read into the
 * loaded state dict (swish_state_dict_metadata_*).
 *
 * Tied parameters (a module placed twice, as the seed's shared layer) are written once per state-dict key,
 * as equal data. Loading copies values into the module's own tensors, so a tie is kept through every
 * round trip. Files from save_model, which store a tied tensor once and record each dropped key in
 * __metadata__ as "dropped key" -> "kept key", load too: such aliases become entries of the loaded state
 * dict (a metadata entry is an alias when its key is not a tensor of the file and its value is), and
 * swish_module_load_safetensors() also fills a key the file lacks from another key of the same tied group
 * of the module. (PyTorch's load_model(strict=True) refuses Swish's two-copy files: load them in PyTorch
 * with load_state_dict(load_file(f)).)
 *
 * Optimizer state (swish_optimizer_save/_load) is a safetensors file too: a tensor
 * "state.<name>.<buffer>" per buffer of each updated parameter (PyTorch's state names: exp_avg,
 * exp_avg_sq, max_exp_avg_sq, momentum_buffer), and in __metadata__ "optimizer" (the type: "Adam",
 * "AdamW", "SGD", "Yogi"), "optimizer_state_version" ("1"), "state.<name>.step" (updates of each
 * parameter; "0" for one never updated) and the hyperparameters by PyTorch's names ("lr", "beta1",
 * "weight_decay", ...; booleans as 1 or 0). <name> is the parameter's name in the module passed (its first
 * name when tied), or its position in the optimizer ("0", "1", ...) when the module is NULL. Saving the
 * module and the optimizer after N steps and loading both into fresh objects continues training bit for
 * bit as if it had not stopped.
 *
 * Errors: SWISH_ERR_IO when a file cannot be opened, read or written (missing, a folder, no permission,
 * disk full); SWISH_ERR_FORMAT when its content is not a valid file of the expected kind (truncated,
 * zeros, random bytes, bad JSON header, offsets out of bounds, unsupported dtype, not an optimizer
 * state): the message names the file and the problem. The reader checks every size against the file's
 * length before allocating, so a hostile file cannot make it allocate more than the file holds (F16 and
 * BF16 data doubles when widened). On any failure the module, state dict or optimizer given is unchanged,
 * and saving is atomic: a failed save leaves an existing file as it was.
 * ------------------------------------------------------------------------------------------------ */

/**
 * Writes the state dict of `m` (every parameter and persistent buffer under its PyTorch key, tied ones
 * under each key) to the safetensors file at `path`, as F32, atomically: the data goes to a temporary file
 * in the same folder that is renamed over `path` once complete, so a failed save leaves an existing file
 * unchanged. `meta_keys[i]` -> `meta_values[i]` for i < n_meta (UTF-8 strings, copied) become __metadata__
 * (none when n_meta is 0; the arrays may then be NULL).
 * SWISH_ERR_STATE while a lazy module's parameters are uninitialized; SWISH_ERR_INVALID_ARGUMENT for a
 * NULL or empty path, a NULL or non-UTF-8 string, a metadata key given twice; SWISH_ERR_IO when the
 * file cannot be written.
 */
swish_status swish_save_safetensors(const swish_module *m, const char *path, const char *const *meta_keys,
                                    const char *const *meta_values, size_t n_meta);

/**
 * Writes the entries of `sd` (in any order; a file lists tensors sorted by name) to the safetensors file
 * at `path` as swish_save_safetensors() does. __metadata__ is the metadata of `sd` (see
 * swish_state_dict_metadata_set()) with the `n_meta` given pairs added, replacing equal keys. Errors as
 * swish_save_safetensors(), and SWISH_ERR_INVALID_ARGUMENT for an entry named "__metadata__".
 */
swish_status swish_state_dict_save_safetensors(const swish_state_dict *sd, const char *path,
                                               const char *const *meta_keys, const char *const *meta_values,
                                               size_t n_meta);

/**
 * Reads the safetensors file at `path` into a new state dict owned by the caller (free it with
 * swish_state_dict_free()): its tensors as float32 in the file's order, then the save_model aliases (see
 * above) as entries sharing the tensor they name; the file's __metadata__ is the state dict's metadata.
 * The tensors are new and require no grad. NULL on error: SWISH_ERR_IO or SWISH_ERR_FORMAT (see above),
 * SWISH_ERR_INVALID_ARGUMENT for a NULL, empty or non-UTF-8 path, SWISH_ERR_OUT_OF_MEMORY.
 */
swish_state_dict *swish_load_safetensors(const char *path);

/**
 * Loads the safetensors file at `path` into the parameters and persistent buffers of `m`, as
 * swish_module_load_state_dict() does with swish_load_safetensors()'s state dict, after filling each key
 * the file lacks from another key of the same tied group of `m`. An uninitialized lazy parameter takes the
 * shape of its entry. Shapes must match (SWISH_ERR_SHAPE); with `strict` every key must match
 * (SWISH_ERR_INVALID_ARGUMENT listing the missing and unexpected keys, PyTorch's message). If
 * `missing_keys` / `unexpected_keys` are not NULL they receive new state dicts (owned by the caller) of the
 * keys of `m` the file lacks (with the module's current tensors) and of the file's keys `m` lacks; they
 * are set to NULL when the call fails. File errors: SWISH_ERR_IO, SWISH_ERR_FORMAT. On any error `m` is
 * unchanged.
 */
swish_status swish_module_load_safetensors(swish_module *m, const char *path, bool strict,
                                           swish_state_dict **missing_keys, swish_state_dict **unexpected_keys);

/** Number of metadata entries of `sd` (the __metadata__ of the file it was loaded from), or -1 on error. */
int64_t swish_state_dict_metadata_size(const swish_state_dict *sd);

/**
 * The metadata key at `index` in UTF-8 byte order (negative counts from the end). Owned by `sd`: valid
 * until `sd` is freed. NULL on error (SWISH_ERR_INVALID_ARGUMENT when out of range).
 */
const char *swish_state_dict_metadata_key(const swish_state_dict *sd, int64_t index);

/**
 * The metadata value stored under `key`. Owned by `sd`: valid until `sd` is freed, even if the entry is
 * changed. NULL with SWISH_ERR_INVALID_ARGUMENT if there is none.
 */
const char *swish_state_dict_metadata_get(const swish_state_dict *sd, const char *key);

/**
 * Sets metadata `key` to `value` (both UTF-8, copied), replacing an existing value; a NULL `value` removes
 * the key (SWISH_OK if it was absent). SWISH_ERR_INVALID_ARGUMENT for a NULL key or a non-UTF-8 string.
 */
swish_status swish_state_dict_metadata_set(swish_state_dict *sd, const char *key, const char *value);

/**
 * Writes the state of `opt` (each parameter's step count and buffers, keyed by the parameter's name in
 * `m`, or by its position in `opt` when `m` is NULL) and its hyperparameters to the safetensors file at
 * `path`, atomically (see the section's text for the layout). Save the module too, with
 * swish_save_safetensors(): the optimizer's file holds no weights. SWISH_ERR_INVALID_ARGUMENT when a
 * parameter of `opt` is not a parameter of `m`, or for a NULL, empty or non-UTF-8 path; SWISH_ERR_IO when
 * the file cannot be written (an existing file is then unchanged).
 */
swish_status swish_optimizer_save(const swish_optimizer *opt, const swish_module *m, const char *path);

/**
 * Replaces the state and the learning rate of `opt` with those swish_optimizer_save() wrote to `path`,
 * matching parameters by their names in `m` (or by position when `m` is NULL, as when saved). Everything is
 * checked before anything changes: SWISH_ERR_IO / SWISH_ERR_FORMAT for a file that cannot be read, is
 * malformed or is not an optimizer state; SWISH_ERR_INVALID_ARGUMENT when it holds another type of
 * optimizer, other hyperparameters (all but the learning rate must be equal), or state for other
 * parameters (the message lists them); SWISH_ERR_SHAPE when a buffer's shape is not its parameter's. On
 * any error `opt` is unchanged.
 */
swish_status swish_optimizer_load(swish_optimizer *opt, const swish_module *m, const char *path);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SWISH_H */
