/* autograd_basics: y = sum(relu(x @ w + b)), backward, and the gradients checked against values worked
 * out by hand below. Exits non-zero on any mismatch. */
#include <math.h>
#include <stdio.h>
#include <swish.h>

static int failures = 0;

static void check(const char *what, swish_tensor *t, const float *expected, int n) {
    float got[16];
    if (!t || swish_tensor_copy_to(t, got, 16) != SWISH_OK) {
        printf("FAIL %s: %s\n", what, swish_last_error());
        failures++;
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!(fabsf(got[i] - expected[i]) <= 1e-6f)) { /* NaN fails too */
            printf("FAIL %s[%d]: got %g, expected %g\n", what, i, got[i], expected[i]);
            failures++;
        }
    }
}

int main(void) {
    /* x: 2x3, w: 3x2, b: 2 */
    const float xv[] = {1, 2, 3, -1, 0.5f, 2};
    const float wv[] = {0.5f, -1, 0.25f, 1, -0.5f, 0.5f};
    const float bv[] = {0.1f, -0.2f};
    swish_tensor *x = swish_tensor_new(xv, (int64_t[]){2, 3}, 2);
    swish_tensor *w = swish_tensor_new(wv, (int64_t[]){3, 2}, 2);
    swish_tensor *b = swish_tensor_new(bv, (int64_t[]){2}, 1);
    swish_tensor_set_requires_grad(w, true);
    swish_tensor_set_requires_grad(b, true);

    swish_scope_begin();
    swish_tensor *h = swish_add(swish_matmul(x, w), b);
    swish_tensor *y = swish_sum(swish_relu(h));
    if (!y) {
        printf("forward failed: %s\n", swish_last_error());
        return 1;
    }
    swish_tensor_print(h);
    swish_tensor_print(y);
    if (swish_backward(y) != SWISH_OK) {
        printf("backward failed: %s\n", swish_last_error());
        return 1;
    }
    float y_value = swish_item(y); /* y is freed with its scope: read it now */
    swish_scope_end();

    /* By hand: h = x @ w + b
     *   row 0: [1*0.5 + 2*0.25 + 3*(-0.5) + 0.1, 1*(-1) + 2*1 + 3*0.5 - 0.2] = [-0.4, 2.3]
     *   row 1: [-0.5 + 0.125 - 1 + 0.1, 1 + 0.5 + 1 - 0.2]                    = [-1.275, 2.3]
     * y = relu(h).sum() = 4.6. The relu mask m = [[0, 1], [0, 1]], so
     *   dL/dw = x^T @ m = [[0, 1 - 1], [0, 2 + 0.5], [0, 3 + 2]] = [[0, 0], [0, 2.5], [0, 5]]
     *   dL/db = column sums of m = [0, 2] */
    swish_scope_begin();
    const float y_expected[] = {4.6f};
    const float gw_expected[] = {0, 0, 0, 2.5f, 0, 5};
    const float gb_expected[] = {0, 2};
    check("y", swish_scalar(y_value), y_expected, 1);
    swish_tensor *gw = swish_tensor_grad(w);
    swish_tensor *gb = swish_tensor_grad(b);
    printf("w.grad = %s\n", swish_tensor_str(gw));
    printf("b.grad = %s\n", swish_tensor_str(gb));
    check("w.grad", gw, gw_expected, 6);
    check("b.grad", gb, gb_expected, 2);
    swish_scope_end();

    swish_tensor_free(x);
    swish_tensor_free(w);
    swish_tensor_free(b);
    if (failures) {
        printf("%d mismatches\n", failures);
        return 1;
    }
    printf("autograd_basics: all gradients match\n");
    return 0;
}
