/* consumer: a program built against an installed Swish, the way a user builds one (tests-c/install.cmake
 * builds it once with find_package(Swish) and once with pkg-config). It checks that the header it was
 * compiled with and the library the loader found agree on the version, then fits y = 3x - 1 with one
 * Linear layer and SGD, and exits non-zero unless the mean squared error fell at least 100-fold. */
#include <stdio.h>
#include <string.h>
#include <swish.h>

int main(void) {
    printf("swish %s\n", swish_version());
    if (strcmp(swish_version(), SWISH_VERSION_STRING) != 0 || swish_version_number() != SWISH_VERSION_NUMBER) {
        printf("FAILED: the header says %s, the library %s\n", SWISH_VERSION_STRING, swish_version());
        return 1;
    }
    enum { N = 8, STEPS = 200 };
    float xs[N], ys[N];
    for (int i = 0; i < N; i++) {
        xs[i] = (float)i / 4 - 1;
        ys[i] = 3 * xs[i] - 1;
    }
    swish_tensor *x = swish_tensor_new(xs, (int64_t[]){N, 1}, 2);
    swish_tensor *y = swish_tensor_new(ys, (int64_t[]){N, 1}, 2);
    swish_module *net = swish_linear_new(1, 1, true, NULL);
    swish_tensor *params[] = {swish_module_param(net, "weight"), swish_module_param(net, "bias")};
    swish_sgd_options opts;
    swish_sgd_options_default(&opts);
    opts.lr = 0.1f;
    swish_optimizer *opt = swish_sgd_new(params, 2, &opts);
    if (!opt) {
        printf("FAILED: %s\n", swish_last_error());
        return 1;
    }
    float first = 0, last = 0;
    for (int step = 0; step < STEPS; step++) {
        swish_scope_begin();
        swish_optimizer_zero_grad(opt);
        swish_tensor *loss = swish_mse_loss(swish_forward(net, x), y, SWISH_REDUCTION_MEAN);
        float value = swish_item(loss);
        swish_status status = swish_backward(loss);
        if (status == SWISH_OK) status = swish_optimizer_step(opt);
        swish_scope_end();
        if (status != SWISH_OK) {
            printf("FAILED at step %d: %s\n", step, swish_last_error());
            return 1;
        }
        if (step == 0) first = value;
        last = value;
    }
    printf("mse %.4g -> %.4g after %d SGD steps\n", first, last, STEPS);
    swish_optimizer_free(opt);
    swish_tensor_free(params[0]);
    swish_tensor_free(params[1]);
    swish_module_free(net);
    swish_tensor_free(x);
    swish_tensor_free(y);
    return last < first / 100 ? 0 : 1;
}
