/* threads_train: N independent models trained on N threads at the same time give bit-identical results to
 * the same N trainings run one after another, and the library's global state holds up under concurrency:
 *   - the handle registry: every thread creates and frees thousands of handles (scoped and not) while the
 *     others do; the live count returns exactly to where it started;
 *   - error slots: each thread fails calls on purpose and must read back its own message, never another
 *     thread's;
 *   - the default generator: all threads draw from it (and reseed it) at once; every draw is a valid
 *     uniform value and nothing crashes (the values themselves depend on the interleaving);
 *   - the interned grad_fn names: every thread asks for them at once and gets the right string;
 *   - matrix products: each model also multiplies 192x192 matrices (7M multiply-adds, run on OpenBLAS's
 *     own threads) from N threads at once, and the results must still be bit-identical to the
 *     sequential run.
 * Optimizer steps shared with Swish's helper threads are tested by threads_step.c.
 * Each training uses its own generator, so its result does not depend on scheduling. Run under
 * ThreadSanitizer by scripts/test.sh --tsan. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <swish.h>

enum { N = 4, STEPS = 150, BATCH = 16, IN = 8, HIDDEN = 16, BIG = 192 };

#include "expect.h"

typedef struct {
    int id;
    float losses[STEPS];
    float params[IN * HIDDEN + HIDDEN + HIDDEN + 1];
    float big_checksum;
} result;

/* The regression target for inputs x: x - x^3/6 elementwise (sin's Taylor polynomial). */
static swish_tensor *target(swish_tensor *x) {
    return swish_sub(x, swish_div_scalar(swish_mul(x, swish_square(x)), 6));
}

/* Trains model `id` (seeded by its id) and records its losses and final parameters. */
static void train(int id, result *r) {
    memset(r, 0, sizeof *r);
    r->id = id;
    swish_generator *gen = swish_generator_new(1000 + (uint64_t)id);
    swish_module *layers[] = {swish_linear_new(IN, HIDDEN, true, gen), swish_tanh_new(),
                              swish_linear_new(HIDDEN, 1, true, gen)};
    swish_module *net = swish_sequential_new(layers, 3);
    for (int i = 0; i < 3; i++) swish_module_free(layers[i]);
    swish_state_dict *named = swish_module_named_parameters(net);
    int64_t n_params = swish_state_dict_size(named);
    swish_tensor *params[4] = {0};
    for (int64_t i = 0; i < n_params && i < 4; i++) params[i] = swish_state_dict_tensor(named, i);
    swish_adam_options o;
    swish_adam_options_default(&o);
    o.lr = 1e-2f;
    swish_optimizer *opt = swish_adam_new(params, (size_t)n_params, &o);
    EXPECT(net && opt && n_params == 4);

    swish_tensor *x = swish_randn((int64_t[]){BATCH, IN}, 2, gen);
    swish_scope_begin();
    swish_tensor *y = swish_keep(swish_sum_dim(target(x), 1, true));
    swish_scope_end();
    for (int step = 0; step < STEPS; step++) {
        swish_scope_begin();
        swish_tensor *loss = swish_mse_loss(swish_forward(net, x), y, SWISH_REDUCTION_MEAN);
        r->losses[step] = swish_item(loss);
        EXPECT(swish_optimizer_zero_grad(opt) == SWISH_OK);
        EXPECT(swish_backward(loss) == SWISH_OK);
        EXPECT(swish_optimizer_step(opt) == SWISH_OK);
        /* A product large enough to be split over Swish's product threads. */
        if (step % 25 == 0) {
            swish_tensor *a = swish_randn((int64_t[]){BIG, BIG}, 2, gen);
            r->big_checksum += swish_item(swish_sum(swish_matmul(a, swish_t(a))));
        }
        EXPECT(swish_scope_end() == SWISH_OK);
    }
    int k = 0;
    for (int i = 0; i < 4; i++) {
        int64_t n = swish_tensor_numel(params[i]);
        EXPECT(swish_tensor_copy_to(params[i], r->params + k, sizeof r->params / sizeof r->params[0] - (size_t)k) ==
               SWISH_OK);
        k += (int)n;
        swish_tensor_free(params[i]);
    }
    EXPECT(r->losses[STEPS - 1] < r->losses[0]);
    swish_tensor_free(y);
    swish_tensor_free(x);
    swish_optimizer_free(opt);
    swish_state_dict_free(named);
    swish_module_free(net);
    swish_generator_free(gen);
}

static result concurrent[N], sequential[N];

static void *train_thread(void *arg) {
    int id = (int)(intptr_t)arg;
    train(id, &concurrent[id]);
    return NULL;
}

/* Global state hammered from every thread at once. */
static void *global_state_thread(void *arg) {
    int id = (int)(intptr_t)arg;
    char mine[64];
    snprintf(mine, sizeof mine, "thread %d failed on purpose", id);
    for (int i = 0; i < 2000; i++) {
        /* Registry: scoped and unscoped handles, a double free. */
        swish_scope_begin();
        swish_tensor *a = swish_rand((int64_t[]){4}, 1, NULL); /* the default generator */
        swish_tensor *b = swish_keep(swish_add_scalar(a, 1));
        swish_scope_end();
        float v = swish_tensor_get(b, (int64_t[]){0}, 1);
        EXPECT(v >= 1 && v < 2);
        EXPECT(swish_tensor_free(b) == SWISH_OK);
        EXPECT(swish_tensor_free(b) == SWISH_ERR_INVALID_HANDLE);
        if (i % 100 == 0) swish_manual_seed((uint64_t)i);
        /* The interned grad_fn names: the same static string from every thread. */
        swish_tensor *w = swish_ones((int64_t[]){2}, 1);
        swish_tensor_set_requires_grad(w, true);
        swish_tensor *ops[3] = {swish_mul_scalar(w, 2), swish_sum(w), swish_exp(w)};
        static const char *names[3] = {"MulBackward0", "SumBackward0", "ExpBackward0"};
        for (int k = 0; k < 3; k++) {
            const char *name = swish_tensor_grad_fn(ops[(k + id) % 3]);
            EXPECT(name && strcmp(name, names[(k + id) % 3]) == 0);
            swish_tensor_free(ops[(k + id) % 3]);
        }
        swish_tensor_free(w);
        /* Error slots: this thread's message, whatever the others do. */
        swish_set_callback_error(mine);
        EXPECT(swish_last_status() == SWISH_ERR_CALLBACK && strcmp(swish_last_error(), mine) == 0);
        swish_clear_error();
        EXPECT(swish_last_status() == SWISH_OK);
    }
    return NULL;
}

int main(void) {
    int64_t start = swish_live_handles();
    pthread_t threads[N];

    for (int i = 0; i < N; i++) EXPECT(pthread_create(&threads[i], NULL, train_thread, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < N; i++) EXPECT(pthread_join(threads[i], NULL) == 0);
    for (int i = 0; i < N; i++) train(i, &sequential[i]);
    for (int i = 0; i < N; i++) {
        EXPECT(memcmp(concurrent[i].losses, sequential[i].losses, sizeof concurrent[i].losses) == 0);
        EXPECT(memcmp(concurrent[i].params, sequential[i].params, sizeof concurrent[i].params) == 0);
        EXPECT(memcmp(&concurrent[i].big_checksum, &sequential[i].big_checksum, sizeof(float)) == 0);
        printf("threads_train: model %d: loss %.6f -> %.6f, concurrent and sequential %s\n", i,
               sequential[i].losses[0], sequential[i].losses[STEPS - 1],
               memcmp(concurrent[i].params, sequential[i].params, sizeof concurrent[i].params) == 0 ? "bit-identical"
                                                                                                    : "DIFFERENT");
    }
    /* Models 0 and 1 differ (different seeds), so the comparison above is not trivially true. */
    EXPECT(memcmp(sequential[0].params, sequential[1].params, sizeof sequential[0].params) != 0);
    EXPECT(swish_live_handles() == start);

    for (int i = 0; i < N; i++)
        EXPECT(pthread_create(&threads[i], NULL, global_state_thread, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < N; i++) EXPECT(pthread_join(threads[i], NULL) == 0);
    EXPECT(swish_live_handles() == start);

    printf("threads_train: %d threads, %d failures\n", N, failures);
    return failures ? 1 : 0;
}
