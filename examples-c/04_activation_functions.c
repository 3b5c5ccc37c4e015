/* 04_activation_functions: the seed's six activations (sigmoid, tanh, ReLU, leaky ReLU, GELU, SiLU/swish,
 * plus GELU's tanh approximation) evaluated on a grid over [-4, 4] with their derivatives from autograd.
 * Each value is checked against its closed form (computed here in double precision) and each derivative
 * against the closed-form derivative and a central finite difference of Swish's own forward. The curves
 * go to a CSV file and an SVG plot. Exits non-zero on any mismatch.
 *
 * usage: 04_activation_functions [--csv PATH] [--svg PATH]   (default: activations.csv, activations.svg
 *        in the current directory) */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <swish.h>

#include "plot_svg.h"

#define N 161 /* grid step 0.05 */
#define NACT 7
#define SLOPE 0.01

static double sigmoid_d(double x) { return 1 / (1 + exp(-x)); }
#ifndef M_PI /* strict C11 <math.h> does not define it */
#define M_PI 3.14159265358979323846
#endif

static double phi(double x) { return exp(-0.5 * x * x) / sqrt(2 * M_PI); }
static double Phi(double x) { return 0.5 * (1 + erf(x / sqrt(2.0))); }
static const double K = 0.7978845608028654; /* sqrt(2 / pi) */

/* Closed forms of each activation and its derivative. */
static double f_exact(int k, double x) {
    switch (k) {
    case 0: return sigmoid_d(x);
    case 1: return tanh(x);
    case 2: return x > 0 ? x : 0;
    case 3: return x > 0 ? x : SLOPE * x;
    case 4: return x * Phi(x);
    case 5: return 0.5 * x * (1 + tanh(K * (x + 0.044715 * x * x * x)));
    default: return x * sigmoid_d(x);
    }
}

static double df_exact(int k, double x) {
    switch (k) {
    case 0: return sigmoid_d(x) * (1 - sigmoid_d(x));
    case 1: return 1 - tanh(x) * tanh(x);
    case 2: return x > 0 ? 1 : 0;
    case 3: return x > 0 ? 1 : SLOPE;
    case 4: return Phi(x) + x * phi(x);
    case 5: {
        double t = tanh(K * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * 0.044715 * x * x);
    }
    default: return sigmoid_d(x) * (1 + x * (1 - sigmoid_d(x)));
    }
}

static const char *names[NACT] = {"sigmoid", "tanh", "relu", "leaky_relu", "gelu", "gelu_tanh", "silu"};

/* Swish's activation k applied to x. */
static swish_tensor *f_swish(int k, swish_tensor *x) {
    switch (k) {
    case 0: return swish_sigmoid(x);
    case 1: return swish_tanh(x);
    case 2: return swish_relu(x);
    case 3: return swish_leaky_relu(x, (float)SLOPE);
    case 4: return swish_gelu(x, SWISH_GELU_NONE);
    case 5: return swish_gelu(x, SWISH_GELU_TANH);
    default: return swish_silu(x);
    }
}

static float xs[N], ys[NACT][N], dys[NACT][N];

/* One chart: the curves of `v` over the grid, in the box at (x0, y0) of size w x h, y from lo to hi. */
static void plot_panel(FILE *f, float v[NACT][N], double x0, double y0, double w, double h, double lo, double hi,
                       const char *title, const char *ylabel) {
    svg_panel p = {x0, y0, w, h, -4, 4, lo, hi};
    svg_axes(f, &p, 2, 1, title, "x", ylabel);
    for (int k = 0; k < NACT; k++) svg_curve(f, &p, xs, v[k], N, svg_color(k), 0);
}

int main(int argc, char **argv) {
    const char *csv_path = "activations.csv", *svg_path = "activations.svg";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--csv") == 0) csv_path = argv[i + 1];
        else if (strcmp(argv[i], "--svg") == 0) svg_path = argv[i + 1];
        else {
            fprintf(stderr, "usage: %s [--csv PATH] [--svg PATH]\n", argv[0]);
            return 2;
        }
    }
    for (int i = 0; i < N; i++) xs[i] = -4.0f + 0.05f * (float)i;

    const float h = 1e-2f;
    float xp[N], xm[N];
    for (int i = 0; i < N; i++) {
        xp[i] = xs[i] + h;
        xm[i] = xs[i] - h;
    }
    int mismatches = 0;
    double worst_value = 0, worst_exact = 0, worst_fd = 0;
    for (int k = 0; k < NACT; k++) {
        swish_scope_begin();
        swish_tensor *x = swish_tensor_new(xs, (int64_t[]){N}, 1);
        swish_tensor_set_requires_grad(x, true);
        swish_tensor *y = f_swish(k, x);
        swish_status st = swish_backward(swish_sum(y));
        float plus[N], minus[N];
        swish_tensor *yp = f_swish(k, swish_tensor_new(xp, (int64_t[]){N}, 1));
        swish_tensor *ym = f_swish(k, swish_tensor_new(xm, (int64_t[]){N}, 1));
        if (st != SWISH_OK || swish_tensor_copy_to(y, ys[k], N) != SWISH_OK ||
            swish_tensor_copy_to(swish_tensor_grad(x), dys[k], N) != SWISH_OK ||
            swish_tensor_copy_to(yp, plus, N) != SWISH_OK || swish_tensor_copy_to(ym, minus, N) != SWISH_OK) {
            fprintf(stderr, "%s failed: %s\n", names[k], swish_last_error());
            return 1;
        }
        swish_scope_end();
        for (int i = 0; i < N; i++) {
            double x0 = xs[i];
            double ev = fabs(ys[k][i] - f_exact(k, x0)), tol_v = 2e-6 + 1e-5 * fabs(f_exact(k, x0));
            double ed = fabs(dys[k][i] - df_exact(k, x0)), tol_d = 2e-6 + 1e-5 * fabs(df_exact(k, x0));
            double fd = ((double)plus[i] - (double)minus[i]) / (2.0 * h);
            double ef = fabs(dys[k][i] - fd);
            /* Finite differences straddling ReLU's kink at 0 say nothing; skip them there. */
            int near_kink = (k == 2 || k == 3) && fabs(x0) <= h;
            if (ev > tol_v) {
                printf("MISMATCH %s(%g) = %.8g, closed form %.8g\n", names[k], x0, ys[k][i], f_exact(k, x0));
                mismatches++;
            }
            if (ed > tol_d && !near_kink) {
                printf("MISMATCH %s'(%g) = %.8g, closed form %.8g\n", names[k], x0, dys[k][i], df_exact(k, x0));
                mismatches++;
            }
            if (!near_kink && ef > 2e-3) {
                printf("MISMATCH %s'(%g) = %.8g, finite difference %.8g\n", names[k], x0, dys[k][i], fd);
                mismatches++;
            }
            if (ev > worst_value) worst_value = ev;
            if (!near_kink && ed > worst_exact) worst_exact = ed;
            if (!near_kink && ef > worst_fd) worst_fd = ef;
        }
    }

    FILE *csv = fopen(csv_path, "w");
    if (!csv) {
        perror(csv_path);
        return 1;
    }
    fprintf(csv, "x");
    for (int k = 0; k < NACT; k++) fprintf(csv, ",%s,d_%s", names[k], names[k]);
    fprintf(csv, "\n");
    for (int i = 0; i < N; i++) {
        fprintf(csv, "%.2f", xs[i]);
        for (int k = 0; k < NACT; k++) fprintf(csv, ",%.8g,%.8g", ys[k][i], dys[k][i]);
        fprintf(csv, "\n");
    }
    fclose(csv);

    FILE *svg = svg_open(svg_path, 900, 460);
    if (!svg) {
        perror(svg_path);
        return 1;
    }
    plot_panel(svg, ys, 60, 40, 360, 340, -1, 4, "activation f(x)", "f(x)");
    plot_panel(svg, dys, 500, 40, 360, 340, -1, 2, "derivative f'(x) (autograd)", "f'(x)");
    svg_legend(svg, 40, 440, names, NACT, 120);
    if (svg_close(svg) != 0) {
        fprintf(stderr, "%s: write failed\n", svg_path);
        return 1;
    }

    printf("%d activations on %d points in [-4, 4]: largest difference from the closed form %.2g (values), "
           "%.2g (derivatives); from finite differences %.2g\n",
           NACT, N, worst_value, worst_exact, worst_fd);
    printf("wrote %s and %s\n", csv_path, svg_path);
    if (mismatches) {
        printf("%d mismatches\n", mismatches);
        return 1;
    }
    printf("04_activation_functions: all values and derivatives match\n");
    return 0;
}
