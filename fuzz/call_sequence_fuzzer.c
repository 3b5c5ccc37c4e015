/* call_sequence_fuzzer: decodes the input bytes into a sequence of C API calls (create, ops, forward,
 * backward, optimizer steps, frees, double frees, scopes, state dicts, ...) on a small pool of handles,
 * and checks after every call that the library stays consistent:
 *   - a failed call reports a status in the enum and a non-empty message; a successful one leaves the
 *     handle pool exactly as it was told to (never a handle out of nowhere);
 *   - swish_live_handles() always equals the handles this program holds by its own count (the handles
 *     it made, minus those it freed and those its scopes released), so no call leaks or drops one;
 *   - a handle that was freed, scoped out or never existed is always refused, never used;
 *   - at the end of the input, after freeing everything, no handle is left.
 * A broken invariant calls abort(), which libFuzzer reports with the input. AddressSanitizer and
 * UndefinedBehaviorSanitizer catch memory errors in the C harness and (with the library built under
 * -sanitize=fuzzer,address) in the engine; a Swift trap is a crash as well.
 *
 * Built by scripts/fuzz.sh with -fsanitize=fuzzer; fuzz/replay_main.c turns it into a plain program
 * that replays files (the committed corpus and every regression input) as a ctest.
 *
 * To add a call: write an `act_` function that reads its arguments with the pick_/byte helpers, makes
 * the call, records what it returns with new_tensor/new_handle/status_result/freed, and add it to
 * `actions` at the bottom. The C safetensors API (load/save) is the next one to add: an act_load that
 * writes a slice of the input to a temporary file, loads it into a module or a state dict, and tracks
 * the handles it returns. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <swish.h>

/* ---- input ------------------------------------------------------------------------------------------ */

static const uint8_t *in_data;
static size_t in_size, in_pos;

static uint8_t byte(void) { return in_pos < in_size ? in_data[in_pos++] : 0; }
static int64_t small(int n) { return (int64_t)(byte() % n); }

static float pick_float(void) {
    static const float table[] = {0, 1, -1, 0.5f, 2, 1e-3f, 0.1f, 3, -0.25f, 1e30f, -1e30f, 1e-40f, -0.0f};
    uint8_t b = byte();
    switch (b % 20) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: { /* four raw bytes */
        uint32_t u = (uint32_t)byte() | (uint32_t)byte() << 8 | (uint32_t)byte() << 16 | (uint32_t)byte() << 24;
        float f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    default: return table[b % (sizeof table / sizeof table[0])];
    }
}

static int64_t pick_size(void) {
    /* Sizes that allocate stay small; the huge ones exceed any machine's memory (2^36 floats are 256 GiB),
     * so they must fail with SWISH_ERR_OUT_OF_MEMORY, or overflow, or multiply with a 0. */
    static const int64_t table[] = {1, 2, 3, 4, 0, 1, 2, 5, 3, 2, -1, INT64_MAX, (int64_t)1 << 40, (int64_t)1 << 36,
                                    INT64_MIN, 6};
    return table[byte() % (sizeof table / sizeof table[0])];
}

static int64_t pick_dim(void) {
    static const int64_t table[] = {0, 1, -1, 2, -2, 3, 0, 1, 8, -9, INT64_MAX, INT64_MIN};
    return table[byte() % (sizeof table / sizeof table[0])];
}

/* A shape of rank 0..3 mostly, up to 9 sometimes; `ndim` receives the rank. */
static int64_t shape_buf[16];
static const int64_t *pick_shape(size_t *ndim) {
    uint8_t r = byte();
    size_t n = r < 200 ? r % 4 : r % 10;
    for (size_t i = 0; i < n; i++) shape_buf[i] = pick_size();
    *ndim = n;
    return (r % 37 == 36) ? NULL : shape_buf; /* a NULL shape now and then */
}

/* ---- handle tracking -------------------------------------------------------------------------------- */

enum kind { TENSOR, MODULE, OPTIMIZER, GENERATOR, STATE_DICT, KINDS };

typedef struct {
    void *h;
    enum kind kind;
    int live;
    int scope; /* the scope depth that owns it (tensors made inside a scope), 0 for the caller */
} tracked;

enum { MAX_TRACKED = 8192, POOL = 16, MAX_SCOPES = 8 };
static tracked handles[MAX_TRACKED];
static int n_tracked, n_live, scope_depth;
static int64_t base_handles;

static void fail(const char *what) {
    fprintf(stderr, "call_sequence_fuzzer: invariant broken: %s (last status %s, last error \"%s\")\n", what,
            swish_status_string(swish_last_status()), swish_last_error());
    abort();
}

static void check_live_count(const char *after) {
    int64_t live = swish_live_handles();
    if (live != base_handles + n_live) {
        char msg[256];
        snprintf(msg, sizeof msg, "after %s: %lld live handles, expected %lld", after, (long long)live,
                 (long long)(base_handles + n_live));
        fail(msg);
    }
}

/* A new handle returned by the library. */
static void *track(void *h, enum kind kind) {
    if (!h) return NULL;
    for (int i = 0; i < n_tracked; i++)
        if (handles[i].live && handles[i].h == h) fail("the library returned a handle that is already live");
    if (n_tracked == MAX_TRACKED) fail("too many handles for the harness");
    handles[n_tracked++] = (tracked){h, kind, 1, kind == TENSOR ? scope_depth : 0};
    n_live++;
    return h;
}

static tracked *find(void *h) {
    for (int i = n_tracked - 1; i >= 0; i--)
        if (handles[i].h == h) return &handles[i];
    return NULL;
}

static int is_live(void *h, enum kind kind) {
    tracked *t = find(h);
    return t && t->live && t->kind == kind;
}

/* The pools the calls take their arguments from: recent handles of each kind (live or not) and a few
 * values that are not handles. */
static void *pool[KINDS][POOL];
static unsigned pool_next[KINDS];

static void remember(void *h, enum kind kind) {
    if (!h) return;
    pool[kind][pool_next[kind]++ % POOL] = h;
}

static void *pick(enum kind kind) {
    uint8_t b = byte();
    if (b >= 250) {
        static const uintptr_t garbage[] = {1, 0xdeadbeef, UINTPTR_MAX, 0x5A10000000000000u, 0x5A11000000ffffffu};
        return (void *)garbage[b % 5];
    }
    if (b >= 240) { /* a handle of another kind */
        enum kind other = (enum kind)((kind + 1 + b % (KINDS - 1)) % KINDS);
        return pool[other][byte() % POOL];
    }
    return pool[kind][b % POOL]; /* may be NULL, freed or scoped out */
}

#define T() ((swish_tensor *)pick(TENSOR))
#define M() ((swish_module *)pick(MODULE))
#define O() ((swish_optimizer *)pick(OPTIMIZER))
#define G() ((swish_generator *)pick(GENERATOR))
#define SD() ((swish_state_dict *)pick(STATE_DICT))

/* A failed call must leave a status in the enum and a message. */
static void check_error_state(void) {
    swish_status s = swish_last_status();
    const char *msg = swish_last_error();
    if (s < SWISH_OK || s > SWISH_ERR_INTERNAL) fail("a status outside the enum");
    if (!msg || (s != SWISH_OK && msg[0] == '\0')) fail("an empty message");
    if (s == SWISH_ERR_INTERNAL) fail("SWISH_ERR_INTERNAL (a bug by the library's own account)");
    (void)strlen(msg);
}

/* Records the result of a call returning a new tensor (plus `extra` other new handles it reported). */
static swish_tensor *new_tensor(swish_tensor *t) {
    if (!t) {
        check_error_state();
        if (swish_last_status() == SWISH_OK) fail("NULL returned without an error");
    }
    remember(track(t, TENSOR), TENSOR);
    return t;
}

static void *new_handle(void *h, enum kind kind) {
    if (!h) {
        check_error_state();
        if (swish_last_status() == SWISH_OK) fail("NULL returned without an error");
    }
    remember(track(h, kind), kind);
    return h;
}

static void status_result(swish_status s) {
    if (s < SWISH_OK || s > SWISH_ERR_INTERNAL) fail("a returned status outside the enum");
    if (s != SWISH_OK) {
        check_error_state();
        if (swish_last_status() == SWISH_OK) fail("a failed call left no error");
    }
}

/* A free function's result: OK exactly for a live handle of the kind (which is then dead), an error for
 * anything else. */
static void freed(void *h, enum kind kind, swish_status s) {
    int was_live = is_live(h, kind);
    if (h == NULL) {
        if (s != SWISH_OK) fail("freeing NULL failed");
        return;
    }
    if (was_live) {
        if (s != SWISH_OK) fail("freeing a live handle failed");
        find(h)->live = 0;
        n_live--;
    } else if (s != SWISH_ERR_INVALID_HANDLE) {
        fail("freeing a dead, foreign or forged handle was not SWISH_ERR_INVALID_HANDLE");
    }
}

/* A call given `h` must refuse it unless it is live and of the kind: checked where the result shows it. */
static void refused_unless_live(void *h, enum kind kind, int succeeded) {
    if (succeeded && h && !is_live(h, kind)) fail("a call succeeded with a dead, foreign or forged handle");
}

/* ---- actions ---------------------------------------------------------------------------------------- */

static void act_zeros(void) {
    size_t n;
    const int64_t *s = pick_shape(&n);
    switch (byte() % 5) {
    case 0: new_tensor(swish_zeros(s, n)); break;
    case 1: new_tensor(swish_ones(s, n)); break;
    case 2: new_tensor(swish_full(s, n, pick_float())); break;
    case 3: {
        swish_generator *g = byte() % 2 ? G() : NULL;
        swish_tensor *t = new_tensor(swish_rand(s, n, g));
        refused_unless_live(g, GENERATOR, t != NULL);
        break;
    }
    default: new_tensor(swish_randn(s, n, NULL)); break;
    }
}

static void act_tensor_new(void) {
    float data[64];
    for (int i = 0; i < 64; i++) data[i] = pick_float();
    int64_t shape[2] = {small(5), small(5)}; /* at most 16 elements: data always has room */
    size_t n = (size_t)small(3);
    new_tensor(swish_tensor_new(byte() % 8 ? data : NULL, shape, n));
}

static void act_scalar_arange(void) {
    if (byte() % 2) new_tensor(swish_scalar(pick_float()));
    else {
        float start = pick_float(), end = pick_float(), step = pick_float();
        /* A valid arange of more than 2^20 values is a legitimate big allocation, not a bug: skip it. */
        double count = ((double)end - (double)start) / (double)step;
        if (isfinite(count) && fabs(count) > (double)(1 << 20)) return;
        new_tensor(swish_arange(start, end, step));
    }
}

static void act_from_int64(void) {
    int64_t data[16];
    for (int i = 0; i < 16; i++) data[i] = (int64_t)(int8_t)byte() % 5;
    if (byte() % 8 == 0) data[0] = INT64_MIN;
    int64_t shape[1] = {small(17)};
    new_tensor(swish_tensor_from_int64(data, shape, 1));
}

static void act_binary(void) {
    swish_tensor *a = T(), *b = T(), *r = NULL;
    switch (byte() % 8) {
    case 0: r = swish_add(a, b); break;
    case 1: r = swish_sub(a, b); break;
    case 2: r = swish_mul(a, b); break;
    case 3: r = swish_div(a, b); break;
    case 4: r = swish_matmul(a, b); break;
    case 5: r = swish_compare(a, b, (swish_compare_op)(byte() % 8)); break;
    case 6: r = swish_eq(a, b); break;
    default: r = swish_linear(a, b, byte() % 2 ? T() : NULL); break;
    }
    new_tensor(r);
    refused_unless_live(a, TENSOR, r != NULL);
    refused_unless_live(b, TENSOR, r != NULL);
}

static void act_unary(void) {
    swish_tensor *a = T(), *r = NULL;
    float f = pick_float();
    switch (byte() % 24) {
    case 0: r = swish_neg(a); break;
    case 1: r = swish_abs(a); break;
    case 2: r = swish_exp(a); break;
    case 3: r = swish_log(a); break;
    case 4: r = swish_sqrt(a); break;
    case 5: r = swish_relu(a); break;
    case 6: r = swish_sigmoid(a); break;
    case 7: r = swish_tanh(a); break;
    case 8: r = swish_gelu(a, (swish_gelu_approximate)(byte() % 3)); break;
    case 9: r = swish_silu(a); break;
    case 10: r = swish_softmax(a, pick_dim()); break;
    case 11: r = swish_log_softmax(a, pick_dim()); break;
    case 12: r = swish_clamp(a, f, pick_float()); break;
    case 13: r = swish_pow_scalar(a, f); break;
    case 14: r = swish_leaky_relu(a, f); break;
    case 15: r = swish_square(a); break;
    case 16: r = swish_add_scalar(a, f); break;
    case 17: r = swish_rdiv_scalar(f, a); break;
    case 18: r = swish_clone(a); break;
    case 19: r = swish_detach(a); break;
    case 20: r = swish_compare_scalar(a, f, (swish_compare_op)(byte() % 8)); break;
    case 21: r = swish_rsub_scalar(f, a); break;
    case 22: r = swish_div_scalar(a, f); break;
    default: r = swish_mul_scalar(a, f); break;
    }
    new_tensor(r);
    refused_unless_live(a, TENSOR, r != NULL);
}

static void act_reduce(void) {
    swish_tensor *a = T(), *r = NULL, *idx = NULL;
    int64_t d = pick_dim();
    bool keep = byte() % 2;
    switch (byte() % 7) {
    case 0: r = swish_sum(a); break;
    case 1: r = swish_mean(a); break;
    case 2: r = swish_sum_dim(a, d, keep); break;
    case 3: r = swish_mean_dim(a, d, keep); break;
    case 4: r = swish_max(a); break;
    case 5:
        r = swish_max_dim(a, d, keep, byte() % 2 ? &idx : NULL);
        if (!r && idx) fail("max_dim failed but set indices");
        if (idx) new_tensor(idx);
        break;
    default: r = swish_argmax(a, d, keep); break;
    }
    new_tensor(r);
    refused_unless_live(a, TENSOR, r != NULL);
}

static void act_shape(void) {
    swish_tensor *a = T(), *r = NULL;
    switch (byte() % 8) {
    case 0: {
        size_t n;
        const int64_t *s = pick_shape(&n);
        r = swish_reshape(a, s, n);
        break;
    }
    case 1: r = swish_transpose(a, pick_dim(), pick_dim()); break;
    case 2: r = swish_t(a); break;
    case 3: r = swish_unsqueeze(a, pick_dim()); break;
    case 4: r = swish_squeeze(a, pick_dim()); break;
    case 5: r = swish_flatten(a, pick_dim(), pick_dim()); break;
    case 6: r = swish_select(a, pick_dim(), pick_dim()); break;
    default: {
        int64_t rows[4] = {pick_dim(), pick_dim(), pick_dim(), pick_dim()};
        r = swish_take_rows(a, rows, (size_t)small(5));
        break;
    }
    }
    new_tensor(r);
    refused_unless_live(a, TENSOR, r != NULL);
}

static void act_query(void) {
    swish_tensor *a = T();
    int64_t out[SWISH_MAX_DIMS + 1];
    float buf[32];
    int64_t idx[3] = {pick_dim(), pick_dim(), pick_dim()};
    switch (byte() % 10) {
    case 0: (void)swish_tensor_ndim(a); (void)swish_tensor_numel(a); (void)swish_tensor_dim(a, pick_dim()); break;
    case 1: status_result(swish_tensor_shape(a, out, (size_t)small(SWISH_MAX_DIMS + 2))); break;
    case 2: status_result(swish_tensor_copy_to(a, buf, (size_t)small(33))); break;
    case 3: status_result(swish_tensor_copy_from(a, buf, (size_t)small(33))); break;
    case 4: (void)swish_item(a); break;
    case 5: {
        float *p = swish_tensor_data(a);
        int64_t n = swish_tensor_numel(a);
        if (p && n > 0) p[n - 1] = p[0]; /* the whole range is writable */
        break;
    }
    case 6: (void)swish_tensor_get(a, idx, (size_t)small(4)); break;
    case 7: status_result(swish_tensor_set(a, idx, (size_t)small(4), pick_float())); break;
    case 8: {
        /* Printing takes time linear in what it shows, and PyTorch's format shows every element of a
         * tensor none of whose dims exceeds 6 (a [6]*8 tensor: 1.7M numbers, 29 MB of text; 5 s here,
         * 21 s in PyTorch, past libFuzzer's 10 s timeout under ASan). So the harness prints tensors of
         * at most 100,000 elements, which still reach every path (summarized prints start at 1,001). */
        if (swish_tensor_numel(a) > 100000) break;
        const char *s = swish_tensor_str(a);
        if (s) (void)strlen(s);
        break;
    }
    default: (void)swish_tensor_dtype(a); (void)swish_all(a); (void)swish_tensor_grad_fn(a); break;
    }
}

static void act_autograd(void) {
    swish_tensor *a = T();
    switch (byte() % 9) {
    case 0: status_result(swish_tensor_set_requires_grad(a, byte() % 4 != 0)); break;
    case 1: status_result(swish_backward(a)); break;
    case 2: status_result(swish_backward_ex(a, byte() % 2 ? T() : NULL, byte() % 2)); break;
    case 3: {
        swish_tensor *g = swish_tensor_grad(a);
        remember(track(g, TENSOR), TENSOR); /* NULL without an error when there is no gradient */
        break;
    }
    case 4: status_result(swish_tensor_zero_grad(a)); break;
    case 5: status_result(swish_tensor_retain_grad(a)); break;
    case 6: (void)swish_tensor_has_grad(a); (void)swish_tensor_requires_grad(a); (void)swish_tensor_is_leaf(a); break;
    case 7: swish_no_grad_begin(); break;
    default: (void)swish_no_grad_end(); break;
    }
}

static void act_loss(void) {
    swish_tensor *a = T(), *b = T(), *r = NULL;
    swish_reduction red = (swish_reduction)(byte() % 4);
    switch (byte() % 6) {
    case 0: r = swish_mse_loss(a, b, red); break;
    case 1: r = swish_l1_loss(a, b, red); break;
    case 2: r = swish_huber_loss(a, b, red, pick_float()); break;
    case 3: r = swish_binary_cross_entropy_with_logits(a, b, byte() % 3 ? NULL : T(), red); break;
    case 4: r = swish_cross_entropy(a, b); break;
    default:
        r = swish_cross_entropy_ex(a, b, byte() % 3 ? NULL : T(), pick_dim(), red, pick_float());
        break;
    }
    new_tensor(r);
    if (byte() % 2) {
        (void)swish_accuracy(a, b);
        (void)swish_count_correct(a, b);
    }
}

static void act_free_tensor(void) {
    swish_tensor *t = T();
    freed(t, TENSOR, swish_tensor_free(t));
}

static void act_keep(void) {
    swish_tensor *t = T();
    swish_tensor *k = swish_keep(t);
    if (k && k != t) fail("swish_keep returned another handle");
    if (k && !is_live(t, TENSOR)) fail("swish_keep accepted a dead handle");
    if (k) find(t)->scope = 0;
}

static void act_scope(void) {
    if (byte() % 2 && scope_depth < MAX_SCOPES) {
        status_result(swish_scope_begin());
        scope_depth++;
        return;
    }
    swish_status s = swish_scope_end();
    if (scope_depth == 0) {
        if (s != SWISH_ERR_STATE) fail("swish_scope_end without a scope did not fail with SWISH_ERR_STATE");
        return;
    }
    if (s != SWISH_OK) fail("swish_scope_end failed");
    for (int i = 0; i < n_tracked; i++) {
        if (handles[i].live && handles[i].kind == TENSOR && handles[i].scope == scope_depth) {
            handles[i].live = 0;
            n_live--;
        }
    }
    scope_depth--;
}

/* A custom module's forward: doubles its input, or fails, as the byte at module creation said. */
static swish_tensor *custom_forward(swish_module *self, swish_tensor *x, void *userdata) {
    (void)self;
    switch ((uintptr_t)userdata % 4) {
    case 0: return swish_mul_scalar(x, 2);
    case 1: return NULL;
    case 2: return swish_ones((int64_t[]){3, 5}, 2); /* a shape the next layer may not take */
    default: return swish_relu(swish_matmul(x, x));
    }
}

static void act_module_new(void) {
    swish_module *m = NULL;
    switch (byte() % 8) {
    case 0: m = swish_linear_new(pick_size(), pick_size(), byte() % 2, NULL); break;
    case 1: m = swish_lazy_linear_new(pick_size(), byte() % 2, NULL); break;
    case 2: {
        swish_module *list[3] = {M(), M(), M()};
        m = swish_sequential_new(list, (size_t)small(4));
        break;
    }
    case 3: m = swish_relu_new(); break;
    case 4: m = swish_leaky_relu_new(pick_float()); break;
    case 5: m = swish_flatten_new(pick_dim(), pick_dim()); break;
    case 6: m = swish_module_new_custom("Fuzz", custom_forward, (void *)(uintptr_t)byte(), NULL); break;
    default: m = swish_gelu_new(byte() % 2 ? "tanh" : "none"); break;
    }
    new_handle(m, MODULE);
}

static void act_module_use(void) {
    swish_module *m = M();
    switch (byte() % 12) {
    case 0: {
        swish_tensor *x = T();
        swish_tensor *y = new_tensor(swish_forward(m, x));
        refused_unless_live(m, MODULE, y != NULL);
        break;
    }
    case 1: freed(m, MODULE, swish_module_free(m)); break;
    case 2: {
        static const char *names[] = {"weight", "bias", "0.weight", "1.bias", "", "..", "0"};
        new_tensor(swish_module_param(m, names[byte() % 7]));
        break;
    }
    case 3: new_handle(swish_module_state_dict(m), STATE_DICT); break;
    case 4: new_handle(swish_module_named_parameters(m), STATE_DICT); break;
    case 5: {
        swish_state_dict *missing = NULL, *unexpected = NULL;
        bool want = byte() % 2;
        status_result(swish_module_load_state_dict(m, SD(), byte() % 2, want ? &missing : NULL,
                                                   want ? &unexpected : NULL));
        remember(track(missing, STATE_DICT), STATE_DICT);
        remember(track(unexpected, STATE_DICT), STATE_DICT);
        break;
    }
    case 6: status_result(swish_sequential_append(m, M())); break;
    case 7: status_result(swish_module_register_child(m, byte() % 2 ? "c" : "d", M())); break;
    case 8: status_result(swish_module_register_parameter(m, byte() % 2 ? "p" : "weight", T())); break;
    case 9: status_result(swish_module_train(m, byte() % 2)); status_result(swish_module_zero_grad(m)); break;
    case 10: {
        const char *s = swish_module_str(m);
        if (s) (void)strlen(s);
        new_handle(swish_module_child(m, pick_dim()), MODULE);
        break;
    }
    default:
        status_result(swish_init_kaiming_uniform(T(), pick_float(), (swish_fan_mode)(byte() % 3),
                                                 (swish_nonlinearity)(byte() % 13), NULL));
        break;
    }
}

static void act_optimizer(void) {
    switch (byte() % 8) {
    case 0: case 1: {
        swish_tensor *params[3] = {T(), T(), T()};
        size_t n = (size_t)small(4);
        swish_optimizer *o = NULL;
        switch (byte() % 4) {
        case 0: {
            swish_sgd_options s;
            swish_sgd_options_default(&s);
            s.lr = pick_float();
            s.momentum = byte() % 2 ? pick_float() : 0;
            s.nesterov = byte() % 4 == 0;
            o = swish_sgd_new(params, n, &s);
            break;
        }
        case 1: {
            swish_adam_options a;
            swish_adam_options_default(&a);
            a.lr = pick_float();
            a.amsgrad = byte() % 2;
            o = swish_adam_new(params, n, byte() % 2 ? &a : NULL);
            break;
        }
        case 2: o = swish_adamw_new(params, n, NULL); break;
        default: {
            swish_yogi_options y;
            swish_yogi_options_default(&y);
            y.eps = byte() % 2 ? pick_float() : y.eps;
            o = swish_yogi_new(params, n, &y);
            break;
        }
        }
        new_handle(o, OPTIMIZER);
        break;
    }
    case 2: status_result(swish_optimizer_step(O())); break;
    case 3: status_result(swish_optimizer_zero_grad(O())); break;
    case 4: status_result(swish_optimizer_set_lr(O(), pick_float())); break;
    case 5: {
        float norm;
        status_result(swish_optimizer_clip_grad_norm(O(), pick_float(), pick_float(), byte() % 2 ? &norm : NULL));
        break;
    }
    case 6: {
        swish_optimizer *o = O();
        freed(o, OPTIMIZER, swish_optimizer_free(o));
        break;
    }
    default: (void)swish_optimizer_get_lr(O()); (void)swish_optimizer_num_params(O()); break;
    }
}

static void act_generator(void) {
    switch (byte() % 3) {
    case 0: new_handle(swish_generator_new(byte()), GENERATOR); break;
    case 1: status_result(swish_generator_seed(G(), byte())); break;
    default: {
        swish_generator *g = G();
        freed(g, GENERATOR, swish_generator_free(g));
        break;
    }
    }
}

static void act_state_dict(void) {
    static const char *names[] = {"weight", "bias", "0.weight", "x", ""};
    swish_state_dict *sd = SD();
    switch (byte() % 6) {
    case 0: new_handle(swish_state_dict_new(), STATE_DICT); break;
    case 1: status_result(swish_state_dict_set(sd, names[byte() % 5], T())); break;
    case 2: new_tensor(swish_state_dict_get(sd, names[byte() % 5])); break;
    case 3: status_result(swish_state_dict_remove(sd, names[byte() % 5])); break;
    case 4: {
        const char *n = swish_state_dict_name(sd, pick_dim());
        if (n) (void)strlen(n);
        new_tensor(swish_state_dict_tensor(sd, pick_dim()));
        break;
    }
    default: freed(sd, STATE_DICT, swish_state_dict_free(sd)); break;
    }
}

static void act_misc(void) {
    switch (byte() % 5) {
    case 0: swish_clear_error(); break;
    case 1: (void)swish_set_grad_enabled(byte() % 2); break;
    case 2: {
        int64_t perm[8];
        status_result(swish_randperm(perm, (size_t)small(9), byte() % 2 ? G() : NULL));
        break;
    }
    case 3: {
        char buf[32];
        (void)swish_progress_format(buf, (size_t)small(33), pick_dim(), pick_dim(), pick_float(), pick_float(),
                                    (double)pick_float());
        break;
    }
    default: (void)swish_lr_cosine(pick_float(), pick_dim(), pick_dim(), pick_float()); break;
    }
}

typedef struct {
    const char *name;
    void (*run)(void);
} action;

static const action actions[] = {
    {"create", act_zeros},        {"tensor_new", act_tensor_new}, {"scalar/arange", act_scalar_arange},
    {"from_int64", act_from_int64}, {"binary op", act_binary},    {"unary op", act_unary},
    {"reduction", act_reduce},    {"shape op", act_shape},        {"query", act_query},
    {"autograd", act_autograd},   {"loss", act_loss},             {"free tensor", act_free_tensor},
    {"keep", act_keep},           {"scope", act_scope},           {"module new", act_module_new},
    {"module use", act_module_use}, {"optimizer", act_optimizer}, {"generator", act_generator},
    {"state dict", act_state_dict}, {"misc", act_misc},           {"binary op", act_binary},
    {"unary op", act_unary},      {"autograd", act_autograd},     {"create", act_zeros},
};

/* ---- one input -------------------------------------------------------------------------------------- */

static void release_everything(void) {
    while (scope_depth > 0) {
        if (swish_scope_end() != SWISH_OK) fail("closing the remaining scopes failed");
        for (int i = 0; i < n_tracked; i++)
            if (handles[i].live && handles[i].kind == TENSOR && handles[i].scope == scope_depth) {
                handles[i].live = 0;
                n_live--;
            }
        scope_depth--;
    }
    if (swish_scope_end() != SWISH_ERR_STATE) fail("a scope was open that the harness did not open");
    for (int i = n_tracked - 1; i >= 0; i--) {
        if (!handles[i].live) continue;
        swish_status s = SWISH_OK;
        switch (handles[i].kind) {
        case TENSOR: s = swish_tensor_free(handles[i].h); break;
        case MODULE: s = swish_module_free(handles[i].h); break;
        case OPTIMIZER: s = swish_optimizer_free(handles[i].h); break;
        case GENERATOR: s = swish_generator_free(handles[i].h); break;
        default: s = swish_state_dict_free(handles[i].h); break;
        }
        if (s != SWISH_OK) fail("freeing a live handle at the end failed");
        handles[i].live = 0;
        n_live--;
    }
    while (swish_no_grad_end() == SWISH_OK) {
    }
    swish_set_grad_enabled(true);
    swish_clear_error();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int initialized = 0;
    if (!initialized) {
        swish_set_progress(false);
        initialized = 1;
    }
    in_data = data;
    in_size = size;
    in_pos = 0;
    n_tracked = n_live = scope_depth = 0;
    memset(pool, 0, sizeof pool);
    memset(pool_next, 0, sizeof pool_next);
    swish_manual_seed(1);
    base_handles = swish_live_handles();
    const size_t n_actions = sizeof actions / sizeof actions[0];
    for (int step = 0; step < 256 && in_pos < in_size; step++) {
        const action *a = &actions[byte() % n_actions];
        a->run();
        check_live_count(a->name);
    }
    release_everything();
    check_live_count("releasing everything");
    if (swish_live_handles() != base_handles) fail("handles left at the end of the input");
    return 0;
}
