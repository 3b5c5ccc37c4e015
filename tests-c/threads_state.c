/* threads_state: the per-thread state the header promises. Errors, scopes and grad mode of one thread do
 * not leak into another; a thread that exits with a scope open releases what the scope owns; two threads
 * working at once (each on its own tensors, sharing one generator) keep the handle count exact. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <swish.h>

#include "expect.h"

/* Fails a call, leaves a scope open with a tensor in it and turns grad mode off, then exits. */
static void *messy_thread(void *arg) {
    (void)arg;
    EXPECT(swish_last_status() == SWISH_OK); /* the main thread's error is not visible here */
    swish_tensor *a = swish_ones((int64_t[]){2}, 1), *b = swish_ones((int64_t[]){3}, 1);
    EXPECT(swish_add(a, b) == NULL && swish_last_status() == SWISH_ERR_SHAPE);
    swish_scope_begin();
    EXPECT(swish_zeros((int64_t[]){4}, 1) != NULL); /* owned by the scope this thread never closes */
    swish_set_grad_enabled(false);
    swish_no_grad_begin();
    swish_tensor_free(a);
    swish_tensor_free(b);
    return NULL;
}

enum { STEPS = 2000 };

/* Scoped forward/backward steps on its own tensors, drawing from a shared generator. */
static void *worker(void *arg) {
    swish_generator *gen = arg;
    swish_tensor *w = swish_rand((int64_t[]){4, 4}, 2, gen);
    EXPECT(w && swish_tensor_set_requires_grad(w, true) == SWISH_OK);
    for (int i = 0; i < STEPS; i++) {
        swish_scope_begin();
        swish_tensor *x = swish_randn((int64_t[]){8, 4}, 2, gen);
        swish_tensor *loss = swish_mean(swish_relu(swish_matmul(x, w)));
        EXPECT(swish_backward(loss) == SWISH_OK);
        swish_tensor_zero_grad(w);
        EXPECT(swish_scope_end() == SWISH_OK);
    }
    EXPECT(swish_last_status() == SWISH_OK);
    swish_tensor_free(w);
    return NULL;
}

int main(void) {
    int64_t start = swish_live_handles();

    /* An error on the main thread, then a thread that makes its own mess. */
    EXPECT(swish_tensor_ndim(NULL) == -1 && swish_last_status() == SWISH_ERR_INVALID_ARGUMENT);
    char before[256];
    snprintf(before, sizeof before, "%s", swish_last_error());
    pthread_t t;
    EXPECT(pthread_create(&t, NULL, messy_thread, NULL) == 0);
    EXPECT(pthread_join(t, NULL) == 0);
    EXPECT(swish_last_status() == SWISH_ERR_INVALID_ARGUMENT && strcmp(swish_last_error(), before) == 0);
    EXPECT(swish_is_grad_enabled());               /* the other thread's grad mode stayed there */
    EXPECT(swish_scope_end() == SWISH_ERR_STATE);  /* and so did its scope */
    EXPECT(swish_live_handles() == start);         /* which was released when the thread exited */
    swish_clear_error();

    /* Two threads at once, sharing one generator. */
    swish_generator *gen = swish_generator_new(3);
    pthread_t w1, w2;
    EXPECT(pthread_create(&w1, NULL, worker, gen) == 0);
    EXPECT(pthread_create(&w2, NULL, worker, gen) == 0);
    EXPECT(pthread_join(w1, NULL) == 0);
    EXPECT(pthread_join(w2, NULL) == 0);
    swish_generator_free(gen);
    EXPECT(swish_live_handles() == start);

    printf("threads_state: %d failures\n", failures);
    return failures ? 1 : 0;
}
