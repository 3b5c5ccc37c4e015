/* malformed_safetensors: bad files through the C API. Every file below goes through
 * swish_load_safetensors(), swish_module_load_safetensors() and swish_optimizer_load(); each call must
 * fail with SWISH_ERR_FORMAT (SWISH_ERR_IO for paths that are not readable files) and a message naming
 * the file, leave the model and the optimizer unchanged, and return (no crash, no abort). Peak virtual
 * memory must not grow by more than 256 MiB over the run although some files claim gigabytes and
 * terabytes of data (skipped under AddressSanitizer, which maps memory of its own). Exits non-zero on any
 * mismatch. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <swish.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

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

static const char *BAD = "malformed_safetensors.bad.safetensors";
static const char *GOOD_MODEL = "malformed_safetensors.model.safetensors";
static const char *GOOD_OPTIM = "malformed_safetensors.adam.safetensors";
static const char *OPTIM_NOW = "malformed_safetensors.adam_now.safetensors";
static const char *MISSING = "malformed_safetensors.missing.safetensors";

static swish_module *net;
static swish_optimizer *opt;
static float model_before[64];
static int64_t model_floats;
static int cases = 0;

/* Peak virtual memory of the process in KiB (VmPeak), or -1 without /proc. */
static long long peak_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmPeak:", 7) == 0) kib = atoll(line + 7);
    fclose(f);
    return kib;
}

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

static void write_file(const char *path, const unsigned char *bytes, size_t size) {
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(bytes, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);
}

/* Copies every value of the model's state dict into `out`; returns the count. */
static int64_t model_values(float *out, int64_t capacity) {
    swish_state_dict *sd = swish_module_state_dict(net);
    int64_t total = 0;
    for (int64_t i = 0; i < swish_state_dict_size(sd); i++) {
        swish_tensor *t = swish_state_dict_tensor(sd, i);
        int64_t n = swish_tensor_numel(t);
        if (total + n <= capacity) swish_tensor_copy_to(t, out + total, (size_t)(capacity - total));
        total += n;
        swish_tensor_free(t);
    }
    swish_state_dict_free(sd);
    return total;
}

/* Whether the optimizer still holds the state saved in GOOD_OPTIM (compared through a fresh save). */
static int optimizer_unchanged(void) {
    if (swish_optimizer_save(opt, net, OPTIM_NOW) != SWISH_OK) return 0;
    long na = -1, nb = -2;
    unsigned char *a = read_file(GOOD_OPTIM, &na), *b = read_file(OPTIM_NOW, &nb);
    int same = a && b && na == nb && memcmp(a, b, (size_t)na) == 0;
    free(a);
    free(b);
    return same;
}

/* One failed call: status FORMAT (or IO when `io`), a message naming the file. */
static void expect_refused(const char *name, const char *call, swish_status s, const char *path, int io) {
    swish_status want = io ? SWISH_ERR_IO : SWISH_ERR_FORMAT;
    CHECK(s == want, "%s: %s gave %s, expected %s", name, call, swish_status_string(s), swish_status_string(want));
    CHECK(swish_last_status() == s, "%s: %s: the last status is not the returned one", name, call);
    CHECK(strlen(swish_last_error()) > 0 && strstr(swish_last_error(), path) != NULL,
          "%s: %s: the message does not name the file: '%s'", name, call, swish_last_error());
}

/* Runs the file at `path` through the three loaders. */
static void run_path(const char *name, const char *path, int io) {
    cases++;
    swish_clear_error();
    swish_state_dict *sd = swish_load_safetensors(path);
    CHECK(sd == NULL, "%s: swish_load_safetensors accepted it", name);
    swish_state_dict_free(sd);
    expect_refused(name, "swish_load_safetensors", swish_last_status(), path, io);
    if (cases <= 3) printf("%s: %s\n", name, swish_last_error());

    swish_state_dict *missing = NULL, *unexpected = NULL;
    swish_status s = swish_module_load_safetensors(net, path, true, &missing, &unexpected);
    expect_refused(name, "swish_module_load_safetensors", s, path, io);
    CHECK(missing == NULL && unexpected == NULL, "%s: out-parameters set on failure", name);
    s = swish_module_load_safetensors(net, path, false, NULL, NULL);
    expect_refused(name, "swish_module_load_safetensors (non-strict)", s, path, io);
    float now[64];
    CHECK(model_values(now, 64) == model_floats && memcmp(now, model_before, (size_t)model_floats * sizeof(float)) == 0,
          "%s: the failed load changed the model", name);

    s = swish_optimizer_load(opt, net, path);
    expect_refused(name, "swish_optimizer_load", s, path, io);
    /* Comparing the optimizer means saving it (with an fsync), so only every 16th case checks here; main()
     * checks once more at the end, which catches a change made by any case. */
    if (cases % 16 == 0) CHECK(optimizer_unchanged(), "%s: the failed load changed the optimizer", name);
}

static void run_bytes(const char *name, const unsigned char *bytes, size_t size) {
    write_file(BAD, bytes, size);
    run_path(name, BAD, 0);
}

/* A file of an 8-byte little-endian header length `length`, the header text, and `data_size` zero bytes. */
static void run_header(const char *name, const char *header, size_t data_size, uint64_t length) {
    size_t n = strlen(header);
    unsigned char *bytes = calloc(1, 8 + n + data_size);
    if (!bytes) return;
    for (int i = 0; i < 8; i++) bytes[i] = (unsigned char)(length >> (8 * i));
    memcpy(bytes + 8, header, n);
    run_bytes(name, bytes, 8 + n + data_size);
    free(bytes);
}

#define HEADER(name, header, data_size) run_header(name, header, data_size, strlen(header))

int main(void) {
    /* A model and an Adam that has taken one step, saved as the reference. */
    swish_generator *g = swish_generator_new(3);
    swish_module *layers[3] = {swish_linear_new(4, 3, true, g), swish_relu_new(), swish_linear_new(3, 2, true, g)};
    net = swish_sequential_new(layers, 3);
    for (int i = 0; i < 3; i++) swish_module_free(layers[i]);
    swish_state_dict *named = swish_module_named_parameters(net);
    swish_tensor *params[4];
    for (int i = 0; i < 4; i++) params[i] = swish_state_dict_tensor(named, i);
    opt = swish_adam_new(params, 4, NULL);
    for (int i = 0; i < 4; i++) swish_tensor_free(params[i]);
    swish_state_dict_free(named);
    swish_scope_begin();
    swish_tensor *x = swish_randn((int64_t[]){5, 4}, 2, g);
    CHECK(swish_backward(swish_sum(swish_square(swish_forward(net, x)))) == SWISH_OK && swish_optimizer_step(opt) == SWISH_OK,
          "the training step failed");
    swish_scope_end();
    swish_generator_free(g);
    model_floats = model_values(model_before, 64);
    CHECK(model_floats == 4 * 3 + 3 + 3 * 2 + 2, "the model has %lld values", (long long)model_floats);
    CHECK(swish_save_safetensors(net, GOOD_MODEL, NULL, NULL, 0) == SWISH_OK, "saving the model failed");
    CHECK(swish_optimizer_save(opt, net, GOOD_OPTIM) == SWISH_OK, "saving the optimizer failed");
    long long peak_before = peak_kib();

    /* Paths that are not readable files. */
    remove(MISSING);
    run_path("missing file", MISSING, 1);
    run_path("a folder", ".", 1);

    /* Truncations of a valid model file and of a valid optimizer file at every length. */
    const char *valid[2] = {GOOD_MODEL, GOOD_OPTIM};
    for (int k = 0; k < 2; k++) {
        long size = 0;
        unsigned char *bytes = read_file(valid[k], &size);
        CHECK(bytes != NULL && size > 100, "cannot read %s", valid[k]);
        for (long cut = 0; bytes && cut < size; cut += (cut < 16 ? 1 : 7)) {
            char name[96];
            snprintf(name, sizeof name, "%s truncated to %ld of %ld bytes", k ? "optimizer file" : "model file", cut, size);
            run_bytes(name, bytes, (size_t)cut);
        }
        free(bytes);
    }

    /* Files of zeros and of random bytes. */
    unsigned char junk[4096];
    memset(junk, 0, sizeof junk);
    run_bytes("8 zero bytes", junk, 8);
    run_bytes("4096 zero bytes", junk, sizeof junk);
    uint64_t state = 0x9E3779B97F4A7C15u;
    for (int r = 0; r < 24; r++) {
        size_t size = 1 + (size_t)(state % sizeof junk);
        for (size_t i = 0; i < size; i++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            junk[i] = (unsigned char)(state >> 56);
        }
        /* Half of them with a plausible header length, so the JSON parser sees random bytes too. */
        if (r % 2 && size > 8) {
            uint64_t n = (size - 8) / 2;
            for (int i = 0; i < 8; i++) junk[i] = (unsigned char)(n >> (8 * i));
        }
        char name[64];
        snprintf(name, sizeof name, "random bytes #%d (%zu bytes)", r, size);
        run_bytes(name, junk, size);
    }

    /* Forged headers. */
    run_header("header length 2^63", "{}", 0, (uint64_t)1 << 63);
    run_header("header length past the end", "{}", 0, 1000);
    HEADER("header not JSON", "{\"0.weight\": [garbage", 0);
    HEADER("header is an array", "[1, 2, 3]", 0);
    HEADER("duplicate keys",
           "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
           "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
           8);
    HEADER("integer dtype", "{\"0.weight\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
    HEADER("unknown dtype", "{\"0.weight\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
    HEADER("offsets out of bounds", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,48]}}", 8);
    HEADER("a gigabyte tensor in a tiny file",
           "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[268435456],\"data_offsets\":[0,1073741824]}}", 16);
    HEADER("a terabyte tensor in a tiny file",
           "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[1099511627776],\"data_offsets\":[0,4398046511104]}}", 16);
    HEADER("shape product overflows",
           "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,0]}}", 0);
    HEADER("span does not match the shape", "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,4]}}", 4);
    HEADER("overlapping tensors",
           "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
           12);
    HEADER("negative dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4);
    HEADER("metadata not strings", "{\"__metadata__\":{\"epoch\":3}}", 0);
    HEADER("trailing bytes", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12);

    CHECK(optimizer_unchanged(), "a failed load changed the optimizer");
    long long peak_after = peak_kib();
    if (peak_before >= 0 && peak_after >= 0 && !UNDER_ASAN) {
        CHECK(peak_after - peak_before <= 256 * 1024, "peak virtual memory grew by %lld KiB", peak_after - peak_before);
        printf("malformed_safetensors: peak virtual memory grew by %lld KiB over the run\n", peak_after - peak_before);
    }

    remove(BAD);
    remove(GOOD_MODEL);
    remove(GOOD_OPTIM);
    remove(OPTIM_NOW);
    swish_optimizer_free(opt);
    swish_module_free(net);
    if (swish_live_handles() != 0) {
        printf("FAIL: %lld handles leaked\n", (long long)swish_live_handles());
        failures++;
    }
    if (failures) {
        printf("%d checks failed\n", failures);
        return 1;
    }
    printf("malformed_safetensors: %d bad files refused by all three loaders, nothing changed\n", cases);
    return 0;
}
