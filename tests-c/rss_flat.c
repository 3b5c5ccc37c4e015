/* rss_flat: 10,000 training steps of a small MLP written with raw tensors, each step inside a scope
 * (forward: matmul, add, relu, sub, square, mean; backward; SGD update under no-grad through
 * swish_tensor_data), must keep the process's resident memory flat and leave no handle behind.
 *
 * Resident memory is read from /proc/self/statm after a warm-up of 1,000 steps (allocator pools, the
 * handle table and OpenBLAS buffers have reached their working size by then) and after the last step.
 * The bound on the growth, 2 MiB, is far below what any per-step leak would add over the 9,000 measured
 * steps: the smallest tensor the step makes (the 1-element loss) costs a Tensor object, its Storage and a
 * 64-byte aligned block, together more than 250 bytes, i.e. more than 2.1 MiB over 9,000 steps; a leaked
 * graph (the 32x32 hidden activations alone are 4 KiB) would add more than 36 MiB. Leaked handles are
 * caught exactly by swish_live_handles(). The loss must also fall, so the loop really trains. */
#include <stdio.h>
#include <stdlib.h>
#include <swish.h>
#include <unistd.h>

/* AddressSanitizer keeps freed memory in a quarantine (256 MiB by default), so resident memory grows
 * without any leak: under it only the handle count is checked. */
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

enum { BATCH = 32, IN = 16, HIDDEN = 32, STEPS = 10000, WARMUP = 1000 };
static const double BOUND_BYTES = 2.0 * 1024 * 1024;

/* Resident set size in bytes, or -1 if /proc is not available. */
static long long resident_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    long long size = 0, resident = -1;
    if (fscanf(f, "%lld %lld", &size, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

static int fail(const char *what) {
    printf("rss_flat: FAIL %s: %s (%s)\n", what, swish_last_error(), swish_status_string(swish_last_status()));
    return 1;
}

int main(void) {
    int64_t handles_at_start = swish_live_handles();
    swish_generator *gen = swish_generator_new(7);
    /* Data: a fixed batch and targets y = sum of the inputs' first half minus the second half. */
    swish_tensor *x = swish_randn((int64_t[]){BATCH, IN}, 2, gen);
    swish_tensor *y = swish_zeros((int64_t[]){BATCH, 1}, 2);
    float *xd = swish_tensor_data(x), *yd = swish_tensor_data(y);
    if (!xd || !yd) return fail("data");
    for (int i = 0; i < BATCH; i++)
        for (int j = 0; j < IN; j++) yd[i] += (j < IN / 2 ? 0.25f : -0.25f) * xd[i * IN + j];

    /* Parameters: small random weights, zero biases. Made in a scope that frees the temporaries. */
    swish_scope_begin();
    swish_tensor *params[4] = {
        swish_keep(swish_mul_scalar(swish_randn((int64_t[]){IN, HIDDEN}, 2, gen), 0.25f)),
        swish_keep(swish_zeros((int64_t[]){HIDDEN}, 1)),
        swish_keep(swish_mul_scalar(swish_randn((int64_t[]){HIDDEN, 1}, 2, gen), 0.25f)),
        swish_keep(swish_zeros((int64_t[]){1}, 1)),
    };
    swish_scope_end();
    for (int p = 0; p < 4; p++)
        if (swish_tensor_set_requires_grad(params[p], true) != SWISH_OK) return fail("requires_grad");
    const float lr = 0.05f;

    long long rss_warm = -1, rss_end = -1;
    float first_loss = 0, last_loss = 0;
    for (int step = 0; step < STEPS; step++) {
        swish_scope_begin();
        swish_tensor *h = swish_relu(swish_add(swish_matmul(x, params[0]), params[1]));
        swish_tensor *out = swish_add(swish_matmul(h, params[2]), params[3]);
        swish_tensor *loss = swish_mean(swish_square(swish_sub(out, y)));
        float value = swish_item(loss);
        if (swish_backward(loss) != SWISH_OK) return fail("forward or backward");
        swish_no_grad_begin();
        for (int p = 0; p < 4; p++) {
            swish_tensor *g = swish_tensor_grad(params[p]);
            float *w = swish_tensor_data(params[p]);
            const float *gd = swish_tensor_data(g);
            int64_t n = swish_tensor_numel(params[p]);
            if (!w || !gd || n < 0) return fail("update");
            for (int64_t i = 0; i < n; i++) w[i] -= lr * gd[i];
            swish_tensor_zero_grad(params[p]);
        }
        if (swish_no_grad_end() != SWISH_OK || swish_scope_end() != SWISH_OK) return fail("no_grad/scope");
        if (step == 0) first_loss = value;
        last_loss = value;
        if (step == WARMUP - 1) rss_warm = resident_bytes();
    }
    rss_end = resident_bytes();

    int failures = 0;
    for (int p = 0; p < 4; p++) swish_tensor_free(params[p]);
    swish_tensor_free(x);
    swish_tensor_free(y);
    swish_generator_free(gen);
    int64_t leaked = swish_live_handles() - handles_at_start;

    printf("rss_flat: loss %g -> %g over %d steps\n", first_loss, last_loss, STEPS);
    if (!(last_loss < 0.1f * first_loss)) {
        printf("rss_flat: FAIL the loss did not fall to a tenth\n");
        failures++;
    }
    if (rss_warm < 0 || rss_end < 0) {
        printf("rss_flat: FAIL /proc/self/statm is not readable\n");
        failures++;
    } else {
        double growth = (double)(rss_end - rss_warm);
        printf("rss_flat: resident %.1f MiB after %d warm-up steps, %.1f MiB after %d; growth %.0f KiB "
               "(bound %.0f KiB)\n",
               rss_warm / 1048576.0, WARMUP, rss_end / 1048576.0, STEPS, growth / 1024, BOUND_BYTES / 1024);
        if (UNDER_ASAN) {
            printf("rss_flat: built with AddressSanitizer, whose quarantine holds freed memory: bound not checked\n");
        } else if (growth > BOUND_BYTES) {
            printf("rss_flat: FAIL resident memory grew by more than the bound\n");
            failures++;
        }
    }
    printf("rss_flat: live handles %lld at the start, %lld at the end\n", (long long)handles_at_start,
           (long long)(handles_at_start + leaked));
    if (leaked != 0) {
        printf("rss_flat: FAIL handles leaked\n");
        failures++;
    }
    return failures ? 1 : 0;
}
