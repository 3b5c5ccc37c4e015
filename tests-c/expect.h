/* The check the multi-threaded C tests share: EXPECT(cond) prints the failing line, the condition and
 * the thread's last error, and counts the failure (atomically: worker threads check too). Include after
 * swish.h and stdio.h; the program reports `failures` at its end. */
#ifndef SWISH_TESTS_EXPECT_H
#define SWISH_TESTS_EXPECT_H

static int failures = 0;
#define EXPECT(cond)                                                                              \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            printf("FAIL line %d: %s (last error: %s)\n", __LINE__, #cond, swish_last_error()); \
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);                                   \
        }                                                                                         \
    } while (0)

#endif
