/* safetensors_fixtures: files written by PyTorch (Tests/generate/gen_safetensors.py, with torch and the
 * safetensors package) load through the C API into the equivalent Swish models, which reproduce PyTorch's
 * outputs within 1e-5:
 *   mlp      the seed's MLP (hidden = LazyLinear(256), out = LazyLinear(10)), saved with save_file;
 *   tied     Sequential with one Linear(8, 8) placed at 2 and 4, saved with save_model (stored once,
 *            4.weight/4.bias recorded as aliases in __metadata__); the layers must stay tied;
 *   chimera  Sequential(NestMLP(), LazyLinear(20), FixedHiddenMLP()), custom modules with C forwards;
 *            rand_weight is a plain attribute in PyTorch, so it comes from the io file.
 * Each *_io.safetensors holds the input X and PyTorch's output Y. Also: metadata, dtype conversion and
 * refusal, non-strict loading. Exits non-zero on any mismatch. */
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

#define FIXTURES SWISH_SOURCE_DIR "/Tests/SwishTests/Fixtures/"

/* The largest |a - b| over two tensors of the same shape, or INFINITY if the shapes differ. */
static double max_diff(const swish_tensor *a, const swish_tensor *b) {
    int64_t n = swish_tensor_numel(a);
    if (!a || !b || n != swish_tensor_numel(b) || swish_tensor_ndim(a) != swish_tensor_ndim(b) || n > 4096) return INFINITY;
    float x[4096], y[4096];
    swish_tensor_copy_to(a, x, 4096);
    swish_tensor_copy_to(b, y, 4096);
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)x[i] - (double)y[i]);
        if (!(d <= worst)) worst = d; /* NaN makes it NaN, which fails every check */
    }
    return worst;
}

/* Runs `net` on the io file's X and compares with its Y. */
static void expect_output(const char *what, swish_module *net, const char *io_path) {
    swish_state_dict *io = swish_load_safetensors(io_path);
    CHECK(io != NULL, "%s: cannot load %s", what, io_path);
    swish_scope_begin();
    swish_tensor *y = swish_forward(net, swish_state_dict_get(io, "X"));
    double d = max_diff(y, swish_state_dict_get(io, "Y"));
    CHECK(d <= 1e-5, "%s: output differs from PyTorch's by %g", what, d);
    printf("%s: output matches PyTorch within %.2g\n", what, d);
    swish_scope_end();
    swish_state_dict_free(io);
}

/* ---- The seed's modules as custom modules (as in examples-c/01_layers_and_modules.c) ----------------- */

typedef struct {
    swish_module *a, *b; /* MLP: hidden, out; NestMLP: net, linear */
} Pair;

static void pair_destroy(void *userdata) {
    Pair *p = userdata;
    swish_module_free(p->a);
    swish_module_free(p->b);
    free(p);
}

/* A custom module of type `type` with children `a` and `b` named `name_a` and `name_b` (handles taken). */
static swish_module *pair_new(const char *type, swish_forward_fn forward, const char *name_a, swish_module *a,
                              const char *name_b, swish_module *b) {
    Pair *p = malloc(sizeof *p);
    if (!p) return NULL;
    p->a = a, p->b = b;
    swish_module *self = swish_module_new_custom(type, forward, p, pair_destroy);
    if (!self) {
        pair_destroy(p);
        return NULL;
    }
    swish_module_register_child(self, name_a, a);
    swish_module_register_child(self, name_b, b);
    return self;
}

/* MLP: self.out(F.relu(self.hidden(X))) */
static swish_tensor *mlp_forward(swish_module *self, swish_tensor *X, void *userdata) {
    (void)self;
    Pair *m = userdata;
    return swish_forward(m->b, swish_relu(swish_forward(m->a, X)));
}

/* NestMLP: self.linear(self.net(X)) */
static swish_tensor *nest_forward(swish_module *self, swish_tensor *X, void *userdata) {
    (void)self;
    Pair *m = userdata;
    return swish_forward(m->b, swish_forward(m->a, X));
}

/* A Sequential of the given modules; takes over the caller's handles. */
static swish_module *sequential_of(swish_module **mods, size_t n) {
    swish_module *seq = swish_sequential_new(mods, n);
    for (size_t i = 0; i < n; i++) swish_module_free(mods[i]);
    return seq;
}

typedef struct {
    swish_tensor *rand_weight;
    swish_module *linear;
} FixedHiddenMLP;

static swish_tensor *fixed_hidden_forward(swish_module *self, swish_tensor *X, void *userdata) {
    (void)self;
    FixedHiddenMLP *m = userdata;
    X = swish_forward(m->linear, X);
    X = swish_relu(swish_add_scalar(swish_matmul(X, m->rand_weight), 1));
    X = swish_forward(m->linear, X);
    while (swish_item(swish_sum(swish_abs(X))) > 1) X = swish_div_scalar(X, 2);
    return swish_sum(X);
}

static void fixed_hidden_destroy(void *userdata) {
    FixedHiddenMLP *m = userdata;
    swish_tensor_free(m->rand_weight);
    swish_module_free(m->linear);
    free(m);
}

static swish_module *fixed_hidden_new(void) {
    FixedHiddenMLP *m = malloc(sizeof *m);
    if (!m) return NULL;
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

/* ---- The checks --------------------------------------------------------------------------------------- */

static void seed_mlp(void) {
    swish_module *net = pair_new("MLP", mlp_forward, "hidden", swish_lazy_linear_new(256, true, NULL), "out",
                                 swish_lazy_linear_new(10, true, NULL));
    /* The lazy layers take their shapes from the file. */
    CHECK(swish_module_load_safetensors(net, FIXTURES "mlp.safetensors", true, NULL, NULL) == SWISH_OK, "loading mlp failed");
    swish_tensor *w = swish_module_param(net, "hidden.weight");
    CHECK(swish_tensor_ndim(w) == 2 && swish_tensor_dim(w, 0) == 256 && swish_tensor_dim(w, 1) == 20,
          "hidden.weight did not take the file's shape [256, 20]");
    swish_tensor_free(w);
    expect_output("seed MLP", net, FIXTURES "mlp_io.safetensors");
    swish_module_free(net);
}

static void tied_net(void) {
    /* The aliases save_model recorded become entries sharing the kept tensor. */
    swish_state_dict *sd = swish_load_safetensors(FIXTURES "tied.safetensors");
    CHECK(swish_state_dict_size(sd) == 8, "tied.safetensors gives %lld entries, expected 6 stored + 2 aliases",
          (long long)swish_state_dict_size(sd));
    const char *alias = swish_state_dict_metadata_get(sd, "4.weight");
    CHECK(alias && strcmp(alias, "2.weight") == 0, "metadata 4.weight is %s", alias ? alias : "(null)");
    swish_tensor *kept = swish_state_dict_get(sd, "2.weight"), *aliased = swish_state_dict_get(sd, "4.weight");
    CHECK(kept && swish_tensor_data(kept) == swish_tensor_data(aliased), "4.weight does not share 2.weight's tensor");
    swish_tensor_free(kept);
    swish_tensor_free(aliased);
    swish_state_dict_free(sd);

    swish_module *shared = swish_linear_new(8, 8, true, NULL);
    swish_module *layers[7] = {swish_linear_new(4, 8, true, NULL), swish_relu_new(), shared, swish_relu_new(),
                               shared, swish_relu_new(), swish_linear_new(8, 1, true, NULL)};
    swish_module *net = swish_sequential_new(layers, 7);
    for (int i = 0; i < 7; i++)
        if (i != 4) swish_module_free(layers[i]); /* layers[4] is `shared` again: one handle, freed once */
    swish_state_dict *missing = NULL, *unexpected = NULL;
    CHECK(swish_module_load_safetensors(net, FIXTURES "tied.safetensors", true, &missing, &unexpected) == SWISH_OK,
          "loading the tied net failed");
    CHECK(swish_state_dict_size(missing) == 0 && swish_state_dict_size(unexpected) == 0, "keys did not match");
    swish_state_dict_free(missing);
    swish_state_dict_free(unexpected);
    swish_tensor *w2 = swish_module_param(net, "2.weight"), *w4 = swish_module_param(net, "4.weight");
    CHECK(w2 && swish_tensor_data(w2) == swish_tensor_data(w4), "layers 2 and 4 are no longer tied");
    swish_tensor_free(w2);
    swish_tensor_free(w4);
    expect_output("tied net (save_model)", net, FIXTURES "tied_io.safetensors");

    /* Non-strict into the wrong model: every key reported, nothing loaded, no error. */
    swish_module *mlp = pair_new("MLP", mlp_forward, "hidden", swish_linear_new(20, 256, true, NULL), "out",
                                 swish_linear_new(256, 10, true, NULL));
    CHECK(swish_module_load_safetensors(mlp, FIXTURES "tied.safetensors", false, &missing, &unexpected) == SWISH_OK,
          "non-strict load failed");
    CHECK(swish_state_dict_size(missing) == 4 && swish_state_dict_size(unexpected) == 8,
          "non-strict: %lld missing (expected 4), %lld unexpected (expected 8)", (long long)swish_state_dict_size(missing),
          (long long)swish_state_dict_size(unexpected));
    CHECK(swish_state_dict_contains(missing, "hidden.weight") == 1 && swish_state_dict_contains(unexpected, "4.bias") == 1,
          "non-strict: wrong keys reported");
    swish_state_dict_free(missing);
    swish_state_dict_free(unexpected);
    swish_status s = swish_module_load_safetensors(mlp, FIXTURES "tied.safetensors", true, NULL, NULL);
    CHECK(s == SWISH_ERR_INVALID_ARGUMENT && strstr(swish_last_error(), "Missing key(s) in state_dict") != NULL,
          "strict load into the wrong model gave %s", swish_status_string(s));
    swish_module_free(mlp);
    swish_module_free(net);
}

static void chimera(void) {
    swish_module *nest = pair_new("NestMLP", nest_forward, "net",
                                  sequential_of((swish_module *[]){swish_lazy_linear_new(64, true, NULL), swish_relu_new(),
                                                                   swish_lazy_linear_new(32, true, NULL), swish_relu_new()},
                                                4),
                                  "linear", swish_lazy_linear_new(16, true, NULL));
    swish_module *net = sequential_of((swish_module *[]){nest, swish_lazy_linear_new(20, true, NULL), fixed_hidden_new()}, 3);
    CHECK(swish_module_load_safetensors(net, FIXTURES "chimera.safetensors", true, NULL, NULL) == SWISH_OK,
          "loading the chimera failed");
    /* rand_weight: a plain attribute in PyTorch, so not in the state dict; copy it from the io file. */
    swish_state_dict *io = swish_load_safetensors(FIXTURES "chimera_io.safetensors");
    swish_scope_begin();
    float values[400];
    CHECK(swish_tensor_copy_to(swish_state_dict_get(io, "rand_weight"), values, 400) == SWISH_OK &&
              swish_tensor_copy_from(swish_module_buffer(net, "2.rand_weight"), values, 400) == SWISH_OK,
          "setting rand_weight failed");
    swish_scope_end();
    swish_state_dict_free(io);
    expect_output("chimera", net, FIXTURES "chimera_io.safetensors");
    swish_module_free(net);
}

static void metadata_and_dtypes(void) {
    swish_state_dict *sd = swish_load_safetensors(FIXTURES "st_python_f32.safetensors");
    CHECK(swish_state_dict_metadata_size(sd) == 1, "st_python_f32 should have one metadata entry");
    const char *key = swish_state_dict_metadata_key(sd, 0), *note = swish_state_dict_metadata_get(sd, "note");
    CHECK(key && strcmp(key, "note") == 0, "metadata key 0 is %s", key ? key : "(null)");
    CHECK(note && strcmp(note, "written by safetensors.torch \xe2\x9c\x93") == 0, "metadata note is %s", note ? note : "(null)");
    swish_state_dict_free(sd);

    /* F16, BF16 and F64 become float32 (the values are checked bit for bit by the Swift tests). */
    sd = swish_load_safetensors(FIXTURES "st_dtypes.safetensors");
    swish_scope_begin();
    swish_tensor *f16 = swish_state_dict_get(sd, "f16");
    CHECK(f16 && swish_tensor_dtype(f16) == SWISH_FLOAT32 && swish_tensor_numel(f16) == 12, "f16 was not converted");
    float v[12];
    swish_tensor_copy_to(f16, v, 12);
    CHECK(v[5] == 65504.0f && v[2] == ldexpf(1, -24) && isinf(v[7]) && isnan(v[9]), "f16 values are wrong");
    swish_scope_end();
    swish_state_dict_free(sd);

    /* An integer dtype is refused, naming it. */
    swish_clear_error();
    CHECK(swish_load_safetensors(FIXTURES "st_int64.safetensors") == NULL && swish_last_status() == SWISH_ERR_FORMAT &&
              strstr(swish_last_error(), "I64") != NULL,
          "an I64 file should be SWISH_ERR_FORMAT naming I64");
}

int main(void) {
    swish_manual_seed(0);
    seed_mlp();
    tied_net();
    chimera();
    metadata_and_dtypes();
    if (swish_live_handles() != 0) {
        printf("FAIL: %lld handles leaked\n", (long long)swish_live_handles());
        failures++;
    }
    if (failures) {
        printf("%d checks failed\n", failures);
        return 1;
    }
    printf("safetensors_fixtures: all checks passed\n");
    return 0;
}
