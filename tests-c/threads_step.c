/* threads_step: optimizer steps large enough to be shared with Swish's helper threads (65,536 elements or
 * more in all), taken by several threads at once, give the bits of the same trainings run one after
 * another, and the bits of one thread doing all the work (swish_set_num_threads(1)).
 *
 * The helpers serve one step at a time, so while N threads train at once most steps find them busy and
 * run alone, and the others share them: both paths run here, under ThreadSanitizer with
 * scripts/test.sh --tsan. Adam, Yogi and SGD with momentum each update a model of 74,256 parameters
 * (Linear(128,512)-ReLU-Linear(512,16)); each training has its own generator, so its result does not
 * depend on scheduling. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <swish.h>

enum { N = 3, STEPS = 8, BATCH = 4, IN = 128, HIDDEN = 512, OUT = 16 };
enum { PARAMS = IN * HIDDEN + HIDDEN + HIDDEN * OUT + OUT };

#include "expect.h"

typedef struct {
    float losses[STEPS];
    float params[PARAMS];
} result;

/* The optimizer for training `id`: Adam, Yogi and SGD with momentum in turn. */
static swish_optimizer *optimizer(int id, swish_tensor **params, size_t n) {
    switch (id % 3) {
    case 0: return swish_adam_new(params, n, NULL);
    case 1: return swish_yogi_new(params, n, NULL);
    default: {
        swish_sgd_options o;
        swish_sgd_options_default(&o);
        o.lr = 0.01f;
        o.momentum = 0.9f;
        return swish_sgd_new(params, n, &o);
    }
    }
}

static void train(int id, result *r) {
    memset(r, 0, sizeof *r);
    swish_generator *gen = swish_generator_new(500 + (uint64_t)id);
    swish_module *layers[] = {swish_linear_new(IN, HIDDEN, true, gen), swish_relu_new(),
                              swish_linear_new(HIDDEN, OUT, true, gen)};
    swish_module *net = swish_sequential_new(layers, 3);
    for (int i = 0; i < 3; i++) swish_module_free(layers[i]);
    swish_state_dict *named = swish_module_named_parameters(net);
    swish_tensor *params[4] = {0};
    for (int64_t i = 0; i < 4; i++) params[i] = swish_state_dict_tensor(named, i);
    swish_optimizer *opt = optimizer(id, params, 4);
    EXPECT(net && opt && swish_state_dict_size(named) == 4);

    swish_tensor *x = swish_randn((int64_t[]){BATCH, IN}, 2, gen);
    swish_tensor *y = swish_randn((int64_t[]){BATCH, OUT}, 2, gen);
    for (int step = 0; step < STEPS; step++) {
        swish_scope_begin();
        EXPECT(swish_optimizer_zero_grad(opt) == SWISH_OK);
        swish_tensor *loss = swish_mse_loss(swish_forward(net, x), y, SWISH_REDUCTION_MEAN);
        r->losses[step] = swish_item(loss);
        EXPECT(swish_backward(loss) == SWISH_OK);
        EXPECT(swish_optimizer_step(opt) == SWISH_OK);
        EXPECT(swish_scope_end() == SWISH_OK);
    }
    size_t k = 0;
    for (int i = 0; i < 4; i++) {
        EXPECT(swish_tensor_copy_to(params[i], r->params + k, PARAMS - k) == SWISH_OK);
        k += (size_t)swish_tensor_numel(params[i]);
        swish_tensor_free(params[i]);
    }
    EXPECT(k == PARAMS);
    EXPECT(r->losses[STEPS - 1] < r->losses[0]);
    swish_tensor_free(x), swish_tensor_free(y);
    swish_optimizer_free(opt);
    swish_state_dict_free(named);
    swish_module_free(net);
    swish_generator_free(gen);
}

static result concurrent[N], sequential[N], alone[N];

static void *train_thread(void *arg) {
    int id = (int)(intptr_t)arg;
    train(id, &concurrent[id]);
    return NULL;
}

int main(void) {
    int64_t start = swish_live_handles();
    int old = swish_set_num_threads(2);
    pthread_t threads[N];
    for (int i = 0; i < N; i++) EXPECT(pthread_create(&threads[i], NULL, train_thread, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < N; i++) EXPECT(pthread_join(threads[i], NULL) == 0);
    for (int i = 0; i < N; i++) train(i, &sequential[i]);
    swish_set_num_threads(1);
    for (int i = 0; i < N; i++) train(i, &alone[i]);
    swish_set_num_threads(old);

    for (int i = 0; i < N; i++) {
        int same = memcmp(concurrent[i].params, sequential[i].params, sizeof concurrent[i].params) == 0 &&
                   memcmp(concurrent[i].losses, sequential[i].losses, sizeof concurrent[i].losses) == 0;
        int same_alone = memcmp(alone[i].params, sequential[i].params, sizeof alone[i].params) == 0;
        EXPECT(same);
        EXPECT(same_alone);
        printf("threads_step: training %d (%s): loss %.6f -> %.6f; concurrent, sequential and one-thread %s\n", i,
               i % 3 == 0 ? "Adam" : i % 3 == 1 ? "Yogi" : "SGD", sequential[i].losses[0],
               sequential[i].losses[STEPS - 1], same && same_alone ? "bit-identical" : "DIFFERENT");
    }
    EXPECT(memcmp(sequential[0].params, sequential[1].params, sizeof sequential[0].params) != 0);
    EXPECT(swish_live_handles() == start);
    printf("threads_step: %d threads, %d failures\n", N, failures);
    return failures ? 1 : 0;
}
