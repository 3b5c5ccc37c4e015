/* scopes: nested scopes own exactly the tensor handles created while each was the innermost, whatever
 * their sizes and however they are interleaved; swish_keep moves one out of any of them; a custom module's
 * callback runs in scopes of its own and leaves the caller's last error as it found it; a thread that
 * exits with nested scopes open releases what all of them own. Prints "scopes: N failures". */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <swish.h>

#include "expect.h"

static int alive(swish_tensor *t) { return swish_tensor_numel(t) >= 0; }

/* Handles made in an outer scope before and after an inner one belong to the outer one. */
static void nested(void) {
    int64_t start = swish_live_handles();
    swish_scope_begin();
    swish_tensor *a = swish_scalar(1);
    swish_scope_begin();
    swish_tensor *b = swish_scalar(2), *c = swish_keep(swish_scalar(3));
    swish_scope_begin(); /* an empty scope in between */
    EXPECT(swish_scope_end() == SWISH_OK);
    swish_tensor *d = swish_scalar(4);
    EXPECT(swish_live_handles() == start + 4);
    EXPECT(swish_scope_end() == SWISH_OK);
    swish_clear_error();
    EXPECT(alive(a) && !alive(b) && alive(c) && !alive(d));
    swish_clear_error();
    swish_tensor *e = swish_scalar(5); /* after the inner scope: the outer one's */
    EXPECT(swish_scope_end() == SWISH_OK);
    EXPECT(!alive(a) && !alive(e) && alive(c));
    swish_clear_error();
    EXPECT(swish_item(c) == 3);
    swish_tensor_free(c);
    EXPECT(swish_live_handles() == start);
}

/* Scopes far larger than a training step's, at the outermost level and nested, then small ones again. */
static void large(void) {
    int64_t start = swish_live_handles();
    enum { N = 10000 };
    for (int round = 0; round < 2; round++) {
        swish_scope_begin();
        swish_tensor *first = swish_scalar(0), *kept = NULL;
        for (int i = 0; i < N; i++) {
            swish_tensor *t = swish_scalar((float)i);
            if (i == N / 2) kept = swish_keep(t);
        }
        swish_scope_begin();
        for (int i = 0; i < N; i++) swish_scalar(1);
        EXPECT(swish_live_handles() == start + 2 * N + 1);
        EXPECT(swish_scope_end() == SWISH_OK);
        EXPECT(swish_live_handles() == start + N + 1 && alive(first));
        EXPECT(swish_scope_end() == SWISH_OK);
        EXPECT(swish_live_handles() == start + 1 && swish_item(kept) == N / 2);
        swish_tensor_free(kept);
        for (int i = 0; i < 3; i++) {
            swish_scope_begin();
            swish_tensor *s = swish_scalar(7);
            EXPECT(swish_item(s) == 7);
            EXPECT(swish_scope_end() == SWISH_OK);
        }
        EXPECT(swish_live_handles() == start);
    }
}

/* A custom module's forward: twice its input, through scopes it opens and does not all close. */
static swish_tensor *doubling(swish_module *self, swish_tensor *x, void *userdata) {
    (void)self;
    int *fail = userdata;
    swish_scope_begin();
    swish_tensor *t = swish_add(x, x);
    swish_scope_begin();
    swish_mul_scalar(t, 3);
    if (*fail) {
        swish_set_callback_error("doubling: refused");
        return NULL;
    }
    return t; /* the library takes the tensor before it ends the scopes left open */
}

static void callback_keeps_callers_error(void) {
    int fail = 0;
    swish_module *m = swish_module_new_custom("Doubling", doubling, &fail, NULL);
    swish_tensor *x = swish_scalar(2);
    int64_t start = swish_live_handles();

    /* An earlier error stays the last error across a forward that succeeds. */
    EXPECT(swish_tensor_ndim(NULL) == -1 && swish_last_status() == SWISH_ERR_INVALID_ARGUMENT);
    char before[256];
    snprintf(before, sizeof before, "%s", swish_last_error());
    swish_tensor *y = swish_forward(m, x);
    EXPECT(y != NULL && swish_item(y) == 4);
    EXPECT(swish_last_status() == SWISH_ERR_INVALID_ARGUMENT && strcmp(swish_last_error(), before) == 0);
    swish_tensor_free(y);
    EXPECT(swish_live_handles() == start);

    /* No error before: none after. */
    swish_clear_error();
    y = swish_forward(m, x);
    EXPECT(y != NULL && swish_last_status() == SWISH_OK && strcmp(swish_last_error(), "not an error") == 0);
    swish_tensor_free(y);

    /* A failing forward replaces the earlier error with its own. */
    EXPECT(swish_tensor_ndim(NULL) == -1);
    fail = 1;
    EXPECT(swish_forward(m, x) == NULL && swish_last_status() == SWISH_ERR_CALLBACK);
    EXPECT(strstr(swish_last_error(), "doubling: refused") != NULL);
    EXPECT(swish_live_handles() == start);
    swish_clear_error();

    swish_tensor_free(x);
    swish_module_free(m);
}

/* Leaves three scopes open, each owning tensors, and exits. */
static void *leaves_scopes_open(void *arg) {
    (void)arg;
    for (int depth = 0; depth < 3; depth++) {
        swish_scope_begin();
        for (int i = 0; i <= depth; i++) EXPECT(swish_scalar((float)i) != NULL);
    }
    return NULL;
}

int main(void) {
    int64_t start = swish_live_handles();
    nested();
    large();
    callback_keeps_callers_error();
    pthread_t t;
    EXPECT(pthread_create(&t, NULL, leaves_scopes_open, NULL) == 0);
    EXPECT(pthread_join(t, NULL) == 0);
    EXPECT(swish_live_handles() == start);
    EXPECT(swish_scope_end() == SWISH_ERR_STATE); /* no scope of this thread was left open */
    printf("scopes: %d failures\n", failures);
    return failures ? 1 : 0;
}
