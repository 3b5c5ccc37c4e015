/* Checks shared by the misuse tests (misuse_core.c, misuse_classes.c): each failing call runs through one
 * of the CHECK_* macros, which clear the last error, record the live handle count, make the call, and
 * then check that
 *   - the return value signals failure (NULL, the status, NaN, -1),
 *   - swish_last_status() is the expected status,
 *   - swish_last_error() is non-empty, starts with the C function's name and ": " (callback errors, whose
 *     message is the callback's own, use the CHECK_CALLBACK_* forms) and contains a relevant word,
 *   - no handle was created (swish_live_handles() is unchanged).
 * `misuse_checks` and `misuse_failures` count them; a test prints and returns them. Header-only: each
 * misuse program includes it once. */
#ifndef SWISH_TESTS_MISUSE_CHECK_H
#define SWISH_TESTS_MISUSE_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <swish.h>

static int misuse_checks = 0, misuse_failures = 0;

static void misuse_failed(int line, const char *call, const char *why) {
    misuse_failures++;
    printf("FAIL line %d: %s\n    %s\n    last status %s, last error \"%s\"\n", line, call, why,
           swish_status_string(swish_last_status()), swish_last_error());
}

/* The C function's name: the text of the call up to the first '('. */
static void misuse_function_name(const char *call, char *out, size_t size) {
    size_t n = strcspn(call, "(");
    if (n >= size) n = size - 1;
    memcpy(out, call, n);
    out[n] = '\0';
}

static int64_t misuse_handles_before;

/* Checks the error state after a call that must fail with `want`. `returned_failure` says whether the
 * return value signalled failure; `prefixed` whether the message must start with the function's name. */
static void misuse_check_error(int line, const char *call, int returned_failure, swish_status want,
                               const char *word, int prefixed) {
    misuse_checks++;
    char name[64], why[256];
    if (!returned_failure) {
        misuse_failed(line, call, "the return value does not signal failure");
        return;
    }
    if (swish_last_status() != want) {
        snprintf(why, sizeof why, "expected %s", swish_status_string(want));
        misuse_failed(line, call, why);
        return;
    }
    const char *msg = swish_last_error();
    if (msg == NULL || msg[0] == '\0' || strcmp(msg, "not an error") == 0) {
        misuse_failed(line, call, "the message is empty");
        return;
    }
    misuse_function_name(call, name, sizeof name);
    size_t n = strlen(name);
    if (prefixed && (strncmp(msg, name, n) != 0 || strncmp(msg + n, ": ", 2) != 0 || msg[n + 2] == '\0')) {
        snprintf(why, sizeof why, "the message should start with \"%s: \" and explain the problem", name);
        misuse_failed(line, call, why);
        return;
    }
    if (word && !strstr(msg, word)) {
        snprintf(why, sizeof why, "the message should mention \"%s\"", word);
        misuse_failed(line, call, why);
        return;
    }
    if (swish_live_handles() != misuse_handles_before) {
        snprintf(why, sizeof why, "a failed call changed the number of live handles from %lld to %lld",
                 (long long)misuse_handles_before, (long long)swish_live_handles());
        misuse_failed(line, call, why);
    }
}

#define BEGIN_CALL() (swish_clear_error(), misuse_handles_before = swish_live_handles())
/* A call returning a pointer (a tensor, a module, a string): NULL on failure. */
#define CHECK_NULL(call, want, word) \
    (BEGIN_CALL(), misuse_check_error(__LINE__, #call, (const void *)(call) == NULL, want, word, 1))
/* A call returning a swish_status. */
#define CHECK_STATUS(call, want, word) \
    (BEGIN_CALL(), misuse_check_error(__LINE__, #call, (call) == (want), want, word, 1))
/* A call returning a float: NaN on failure. */
#define CHECK_NAN(call, want, word) \
    (BEGIN_CALL(), misuse_check_error(__LINE__, #call, isnan(call), want, word, 1))
/* A call returning an integer: -1 on failure. */
#define CHECK_MINUS1(call, want, word) \
    (BEGIN_CALL(), misuse_check_error(__LINE__, #call, (call) == -1, want, word, 1))
/* A call that fails with SWISH_ERR_CALLBACK and the callback's own message (not prefixed). */
#define CHECK_CALLBACK_NULL(call, word) \
    (BEGIN_CALL(), misuse_check_error(__LINE__, #call, (const void *)(call) == NULL, SWISH_ERR_CALLBACK, word, 0))
#define CHECK_CALLBACK_STATUS(call, word) \
    (BEGIN_CALL(), misuse_check_error(__LINE__, #call, (call) == SWISH_ERR_CALLBACK, SWISH_ERR_CALLBACK, word, 0))

/* A condition that must hold. */
#define EXPECT(cond)                                                        \
    do {                                                                    \
        misuse_checks++;                                                    \
        if (!(cond)) misuse_failed(__LINE__, #cond, "condition is false"); \
    } while (0)

/* Checks that `t` is a live tensor holding exactly `values` (n of them; NaN matches NaN). */
static void misuse_expect_values(int line, const char *what, const swish_tensor *t, const float *values, int64_t n) {
    misuse_checks++;
    float got[64];
    if (n > 64 || swish_tensor_numel(t) != n || swish_tensor_copy_to(t, got, 64) != SWISH_OK) {
        misuse_failed(line, what, "is not a live tensor with the expected number of elements");
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        if (got[i] != values[i] && !(isnan(got[i]) && isnan(values[i]))) {
            char why[128];
            snprintf(why, sizeof why, "element %lld is %g, expected %g", (long long)i, got[i], values[i]);
            misuse_failed(line, what, why);
            return;
        }
    }
}
#define EXPECT_VALUES(t, values, n) misuse_expect_values(__LINE__, #t, t, values, n)

#endif
