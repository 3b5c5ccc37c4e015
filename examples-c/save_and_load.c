/* save_and_load: checkpointing a training run in C and resuming it exactly.
 *
 * A small MLP is trained with Adam for N steps, then the model and the optimizer are saved as
 * safetensors files (swish_save_safetensors, swish_optimizer_save). Fresh objects (other initial
 * weights) load both (swish_module_load_safetensors, swish_optimizer_load) and train M more steps. The
 * result must equal N + M steps run straight through, bit for bit: the weights, and the files both runs
 * save at the end, byte for byte.
 *
 * Then a truncated copy of each file is loaded: the calls fail with SWISH_ERR_FORMAT and a message, and
 * the model and optimizer are unchanged. Exits non-zero on any mismatch. */
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

enum { ROWS = 32, FEATURES = 4, CLASSES = 3, BATCH = 8, N_STEPS = 5, M_STEPS = 6 };

/* Files in the working directory (ctest runs each test in the build folder), removed at the end. */
static const char *MODEL = "save_and_load.model.safetensors";
static const char *OPTIM = "save_and_load.adam.safetensors";
static const char *MODEL_END = "save_and_load.model_end.safetensors";
static const char *OPTIM_END = "save_and_load.adam_end.safetensors";
static const char *STRAIGHT_MODEL = "save_and_load.straight_model.safetensors";
static const char *STRAIGHT_OPTIM = "save_and_load.straight_adam.safetensors";
static const char *TRUNCATED = "save_and_load.truncated.safetensors";

static swish_tensor *X, *Y; /* the data set: ROWS samples of FEATURES, labels in 0..CLASSES-1 */

/* Linear(4, 16) -> ReLU -> Linear(16, 3), its weights drawn from a generator seeded with `seed`. */
static swish_module *make_net(uint64_t seed) {
    swish_generator *g = swish_generator_new(seed);
    swish_module *layers[3] = {swish_linear_new(FEATURES, 16, true, g), swish_relu_new(),
                               swish_linear_new(16, CLASSES, true, g)};
    swish_module *net = swish_sequential_new(layers, 3);
    for (int i = 0; i < 3; i++) swish_module_free(layers[i]);
    swish_generator_free(g);
    return net;
}

/* Adam (lr 0.02, weight decay 1e-3) over the parameters of `net`. */
static swish_optimizer *make_adam(swish_module *net) {
    swish_state_dict *named = swish_module_named_parameters(net);
    int64_t n = swish_state_dict_size(named);
    swish_tensor *params[8];
    for (int64_t i = 0; i < n && i < 8; i++) params[i] = swish_state_dict_tensor(named, i);
    swish_adam_options o;
    swish_adam_options_default(&o);
    o.lr = 0.02f;
    o.weight_decay = 1e-3f;
    swish_optimizer *opt = n > 0 && n <= 8 ? swish_adam_new(params, (size_t)n, &o) : NULL;
    for (int64_t i = 0; i < n && i < 8; i++) swish_tensor_free(params[i]);
    swish_state_dict_free(named);
    return opt;
}

/* Training steps `from` to `to` - 1; step k sees rows (5k + i) mod ROWS. The learning rate halves at
 * step 7, after the checkpoint, so a schedule must carry over too. */
static void train(swish_module *net, swish_optimizer *opt, int from, int to) {
    for (int k = from; k < to; k++) {
        if (k == 7) swish_optimizer_set_lr(opt, swish_optimizer_get_lr(opt) / 2);
        int64_t rows[BATCH];
        for (int i = 0; i < BATCH; i++) rows[i] = (5 * k + i) % ROWS;
        swish_scope_begin();
        swish_optimizer_zero_grad(opt);
        swish_tensor *loss = swish_cross_entropy(swish_forward(net, swish_take_rows(X, rows, BATCH)),
                                                 swish_take_rows(Y, rows, BATCH));
        CHECK(swish_backward(loss) == SWISH_OK && swish_optimizer_step(opt) == SWISH_OK, "training step %d failed", k);
        swish_scope_end();
    }
}

/* Every value of the state dict of `net` in order, into `out` (room for `capacity` floats). Returns the
 * number of floats, or -1. */
static int64_t snapshot(const swish_module *net, float *out, int64_t capacity) {
    swish_state_dict *sd = swish_module_state_dict(net);
    int64_t total = 0;
    for (int64_t i = 0; i < swish_state_dict_size(sd); i++) {
        swish_tensor *t = swish_state_dict_tensor(sd, i);
        int64_t n = swish_tensor_numel(t);
        if (total + n > capacity || swish_tensor_copy_to(t, out + total, (size_t)(capacity - total)) != SWISH_OK) total = -1;
        swish_tensor_free(t);
        if (total < 0) break;
        total += n;
    }
    swish_state_dict_free(sd);
    return total;
}

/* The bytes of a file (caller frees), its size in *size; NULL if it cannot be read. */
static unsigned char *read_file(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *bytes = NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        bytes = malloc((size_t)*size + 1);
        if (bytes && fread(bytes, 1, (size_t)*size, f) != (size_t)*size) {
            free(bytes);
            bytes = NULL;
        }
    }
    fclose(f);
    return bytes;
}

static int write_file(const char *path, const unsigned char *bytes, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(bytes, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

/* Whether two files hold the same bytes. */
static int same_file(const char *a, const char *b) {
    long na = -1, nb = -2;
    unsigned char *x = read_file(a, &na), *y = read_file(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, (size_t)na) == 0;
    free(x);
    free(y);
    return same;
}

/* Writes the first half of `path` to TRUNCATED. */
static int truncate_copy(const char *path) {
    long size = 0;
    unsigned char *bytes = read_file(path, &size);
    int ok = bytes && write_file(TRUNCATED, bytes, (size_t)size / 2);
    free(bytes);
    return ok;
}

int main(void) {
    /* The data: fixed random inputs, labels from a fixed rule. */
    swish_generator *g = swish_generator_new(42);
    X = swish_randn((int64_t[]){ROWS, FEATURES}, 2, g);
    swish_generator_free(g);
    int64_t labels[ROWS];
    float x[ROWS * FEATURES];
    swish_tensor_copy_to(X, x, ROWS * FEATURES);
    for (int i = 0; i < ROWS; i++) labels[i] = (x[i * FEATURES] > 0) + (x[i * FEATURES + 1] > 0.5f);
    Y = swish_tensor_from_int64(labels, (int64_t[]){ROWS}, 1);

    /* N + M steps straight through. */
    swish_module *straight = make_net(1);
    swish_optimizer *straight_opt = make_adam(straight);
    CHECK(straight && straight_opt, "could not build the model and optimizer");
    train(straight, straight_opt, 0, N_STEPS + M_STEPS);

    /* N steps, then save the model and the optimizer; the objects are freed as a process that stops would. */
    swish_module *first = make_net(1);
    swish_optimizer *first_opt = make_adam(first);
    train(first, first_opt, 0, N_STEPS);
    const char *keys[] = {"epoch", "note"}, *values[] = {"5", "checkpoint of save_and_load.c"};
    CHECK(swish_save_safetensors(first, MODEL, keys, values, 2) == SWISH_OK, "saving the model failed");
    CHECK(swish_optimizer_save(first_opt, first, OPTIM) == SWISH_OK, "saving the optimizer failed");
    swish_optimizer_free(first_opt);
    swish_module_free(first);

    /* The files: the model's state dict keys with its metadata; the optimizer's type and steps. */
    swish_state_dict *file = swish_load_safetensors(MODEL);
    CHECK(swish_state_dict_size(file) == 4, "the model file has %lld tensors, expected 4", (long long)swish_state_dict_size(file));
    CHECK(swish_state_dict_contains(file, "0.weight") == 1 && swish_state_dict_contains(file, "2.bias") == 1,
          "the model file lacks PyTorch's keys");
    CHECK(swish_state_dict_metadata_size(file) == 2, "the model file should have 2 metadata entries");
    const char *epoch = swish_state_dict_metadata_get(file, "epoch");
    CHECK(epoch && strcmp(epoch, "5") == 0, "metadata epoch is %s", epoch ? epoch : "(null)");
    swish_state_dict_free(file);
    file = swish_load_safetensors(OPTIM);
    const char *kind = swish_state_dict_metadata_get(file, "optimizer");
    const char *step = swish_state_dict_metadata_get(file, "state.0.weight.step");
    CHECK(kind && strcmp(kind, "Adam") == 0, "the optimizer file's type is %s", kind ? kind : "(null)");
    CHECK(step && strcmp(step, "5") == 0, "the optimizer file's step of 0.weight is %s", step ? step : "(null)");
    CHECK(swish_state_dict_contains(file, "state.2.weight.exp_avg_sq") == 1, "the optimizer file lacks exp_avg_sq");
    swish_state_dict_free(file);

    /* Fresh objects with other initial weights load both files and train M more steps. */
    swish_module *resumed = make_net(2);
    swish_optimizer *resumed_opt = make_adam(resumed);
    swish_state_dict *missing = NULL, *unexpected = NULL;
    CHECK(swish_module_load_safetensors(resumed, MODEL, true, &missing, &unexpected) == SWISH_OK, "loading the model failed");
    CHECK(swish_state_dict_size(missing) == 0 && swish_state_dict_size(unexpected) == 0, "keys did not match");
    swish_state_dict_free(missing);
    swish_state_dict_free(unexpected);
    CHECK(swish_optimizer_load(resumed_opt, resumed, OPTIM) == SWISH_OK, "loading the optimizer failed");
    CHECK(swish_optimizer_get_lr(resumed_opt) == 0.02f, "the learning rate was not restored");
    train(resumed, resumed_opt, N_STEPS, N_STEPS + M_STEPS);

    /* Bit for bit: the weights, and the files both runs write now. */
    float a[512], b[512];
    int64_t na = snapshot(straight, a, 512), nb = snapshot(resumed, b, 512);
    CHECK(na == 4 * 16 + 16 + 16 * 3 + 3 && na == nb, "snapshots have %lld and %lld values", (long long)na, (long long)nb);
    CHECK(na == nb && na > 0 && memcmp(a, b, (size_t)na * sizeof(float)) == 0,
          "the resumed weights differ from the straight run's");
    CHECK(swish_save_safetensors(straight, STRAIGHT_MODEL, NULL, NULL, 0) == SWISH_OK &&
              swish_save_safetensors(resumed, MODEL_END, NULL, NULL, 0) == SWISH_OK,
          "saving the final models failed");
    CHECK(swish_optimizer_save(straight_opt, straight, STRAIGHT_OPTIM) == SWISH_OK &&
              swish_optimizer_save(resumed_opt, resumed, OPTIM_END) == SWISH_OK,
          "saving the final optimizers failed");
    CHECK(same_file(STRAIGHT_MODEL, MODEL_END), "the final model files differ");
    CHECK(same_file(STRAIGHT_OPTIM, OPTIM_END), "the final optimizer files differ (moments, steps or lr)");
    printf("save_and_load: %d + %d Adam steps with a save and a load in between equal %d steps straight, bit for bit\n",
           N_STEPS, M_STEPS, N_STEPS + M_STEPS);

    /* A failed load changes nothing: truncated copies of both files. */
    CHECK(truncate_copy(MODEL), "could not write the truncated model file");
    swish_clear_error();
    missing = unexpected = (swish_state_dict *)1; /* must be set to NULL on failure */
    swish_status s = swish_module_load_safetensors(resumed, TRUNCATED, true, &missing, &unexpected);
    CHECK(s == SWISH_ERR_FORMAT, "loading a truncated model file gave %s", swish_status_string(s));
    CHECK(missing == NULL && unexpected == NULL, "the out-parameters were not cleared on failure");
    CHECK(strstr(swish_last_error(), TRUNCATED) != NULL, "the message does not name the file: %s", swish_last_error());
    printf("truncated model file: %s: %s\n", swish_status_string(s), swish_last_error());
    nb = snapshot(resumed, b, 512);
    CHECK(nb == na && memcmp(a, b, (size_t)na * sizeof(float)) == 0, "the failed load changed the model");

    CHECK(truncate_copy(OPTIM_END), "could not write the truncated optimizer file");
    s = swish_optimizer_load(resumed_opt, resumed, TRUNCATED);
    CHECK(s == SWISH_ERR_FORMAT, "loading a truncated optimizer file gave %s", swish_status_string(s));
    printf("truncated optimizer file: %s: %s\n", swish_status_string(s), swish_last_error());
    CHECK(swish_optimizer_save(resumed_opt, resumed, OPTIM_END) == SWISH_OK && same_file(STRAIGHT_OPTIM, OPTIM_END),
          "the failed load changed the optimizer");
    /* Loading the model's file as an optimizer state is a format error too, and changes nothing. */
    s = swish_optimizer_load(resumed_opt, resumed, MODEL);
    CHECK(s == SWISH_ERR_FORMAT, "loading a model file as optimizer state gave %s", swish_status_string(s));
    CHECK(swish_optimizer_save(resumed_opt, resumed, OPTIM_END) == SWISH_OK && same_file(STRAIGHT_OPTIM, OPTIM_END),
          "the refused load changed the optimizer");

    const char *files[] = {MODEL, OPTIM, MODEL_END, OPTIM_END, STRAIGHT_MODEL, STRAIGHT_OPTIM, TRUNCATED};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) remove(files[i]);
    swish_optimizer_free(straight_opt);
    swish_optimizer_free(resumed_opt);
    swish_module_free(straight);
    swish_module_free(resumed);
    swish_tensor_free(X);
    swish_tensor_free(Y);
    if (swish_live_handles() != 0) {
        printf("FAIL: %lld handles leaked\n", (long long)swish_live_handles());
        failures++;
    }
    if (failures) {
        printf("%d checks failed\n", failures);
        return 1;
    }
    printf("save_and_load: all checks passed\n");
    return 0;
}
