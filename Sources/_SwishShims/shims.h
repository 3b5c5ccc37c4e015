/* C helpers the Swift engine cannot express itself (as swift-numerics keeps its in _NumericsShims).
 *
 * swish_sqrt8: square root of eight floats as one vector operation. Swift's Float.squareRoot() goes
 * through a libm call kept for errno, so loops using it never vectorize; Adam and Yogi take one square
 * root per parameter per step, which made the scalar root their largest cost (scripts/profile.sh).
 * __builtin_elementwise_sqrt is the IEEE square root of each lane (correctly rounded, NaN for negative
 * inputs), the same value as sqrtf. */
#ifndef SWISH_SHIMS_H
#define SWISH_SHIMS_H

typedef float swish_float8 __attribute__((ext_vector_type(8)));

static inline __attribute__((always_inline)) swish_float8 swish_sqrt8(swish_float8 x) {
    return __builtin_elementwise_sqrt(x);
}

#endif
