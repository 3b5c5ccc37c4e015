/* Compiled (not run) by the header_* ctests, as C11 and as C++17, with -Wall -Wextra -Werror -pedantic:
 * include/swish.h must compile cleanly in both languages, twice in one translation unit (include guard),
 * and its macros must be usable in constant expressions. */
#include <swish.h>
#include <swish.h>

#ifdef __cplusplus
static_assert(SWISH_VERSION_NUMBER == SWISH_VERSION_MAJOR * 10000 + SWISH_VERSION_MINOR * 100 + SWISH_VERSION_PATCH,
              "SWISH_VERSION_NUMBER");
static_assert(SWISH_MAX_DIMS == 8, "SWISH_MAX_DIMS");
#else
_Static_assert(SWISH_VERSION_NUMBER == SWISH_VERSION_MAJOR * 10000 + SWISH_VERSION_MINOR * 100 + SWISH_VERSION_PATCH,
               "SWISH_VERSION_NUMBER");
_Static_assert(SWISH_MAX_DIMS == 8, "SWISH_MAX_DIMS");
#endif

/* Uses of the declarations, so their types are checked where they are used too. */
int swish_header_check(void);
int swish_header_check(void) {
    const char *v = swish_version();
    swish_status s = swish_last_status();
    swish_tensor *t = swish_zeros(0, 0);
    int64_t shape[SWISH_MAX_DIMS];
    return (v != 0) + (int)s + (int)swish_tensor_shape(t, shape, SWISH_MAX_DIMS) + (int)sizeof(SWISH_VERSION_STRING);
}
