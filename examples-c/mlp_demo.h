/* mlp_demo.h: the training program behind train_mnist and train_digits, which differ only in their data
 * set and layer sizes (an mlp_demo_spec each). It
 *   1. reads a bundled gzip-compressed CSV of digit images (examples-c/data/, credited in its README) by
 *      running the system's `gzip -dc` (no zlib needed), splits it (row i is a test row when i % 5 == 4)
 *      and scales the pixels to [0, 1];
 *   2. builds an MLP features-hidden-hidden-classes with ReLU from the module API, PyTorch's default
 *      Linear initialization drawn from a generator seeded with --seed;
 *   3. trains it with cross-entropy and Adam (or Yogi, or SGD with momentum) on shuffled mini-batches,
 *      one scope per step so no intermediate tensor is freed by hand, printing a progress line per epoch
 *      (training loss and accuracy from the batches, test accuracy after the epoch);
 *   4. writes the loss and accuracy per epoch as an SVG chart, then prints exactly the two lines
 *          test accuracy: 0.XXXX
 *          train time: X.XX s
 *      The train time counts the training steps only: not loading, not the per-epoch evaluation.
 * It exits non-zero on any error, and when the final test accuracy is below the bound for the
 * configuration run (--min-accuracy; by default the spec's bound when every training option is at its
 * default, and none otherwise).
 *
 * The including file defines _POSIX_C_SOURCE before any header (popen and clock_gettime are POSIX). */
#ifndef SWISH_EXAMPLES_MLP_DEMO_H
#define SWISH_EXAMPLES_MLP_DEMO_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <swish.h>
#include <time.h>

#include "plot_svg.h"

/* Where the bundled data sets are: the source tree CMake passes in, else relative to the working folder. */
#ifdef SWISH_SOURCE_DIR
#define MLP_DEMO_DATA_DIR SWISH_SOURCE_DIR "/examples-c/data/"
#else
#define MLP_DEMO_DATA_DIR "examples-c/data/"
#endif

/* What one demo trains on and how. */
typedef struct mlp_demo_spec {
    const char *program;   /* name in messages, e.g. "train_mnist" */
    const char *data_path; /* default --data */
    int features;          /* pixels per image */
    float pixel_max;       /* pixels are divided by this */
    int classes;
    int hidden;            /* width of both hidden layers */
    int epochs;            /* default --epochs */
    float min_accuracy;    /* accuracy bound when every training option is at its default */
    const char *svg_path;  /* default --svg */
} mlp_demo_spec;

/* Defaults of the training options shared by both demos. */
enum { MLP_DEMO_BATCH = 64 };
#define MLP_DEMO_SEED 0

/* The command line. */
typedef struct mlp_demo_options {
    const char *data, *optimizer, *svg; /* svg NULL: no chart */
    int epochs, batch;
    float lr; /* NAN: the optimizer's default below */
    uint64_t seed;
    int quiet;
    float min_accuracy; /* NAN: the default for the configuration */
} mlp_demo_options;

/* The learning rate used when --lr is not given: Adam's is the demo's 1e-3 and Yogi's its own default
 * (1e-2); SGD's (with momentum 0.9) is 0.1. With seed 0 Yogi reached 0.944 (MNIST) and 0.975 (digits),
 * SGD 0.950 and 0.967 (measured once each, release build). */
static inline float mlp_demo_default_lr(const char *optimizer) {
    if (strcmp(optimizer, "yogi") == 0) return 1e-2f;
    if (strcmp(optimizer, "sgd") == 0) return 0.1f;
    return 1e-3f;
}

static inline void mlp_demo_usage(const mlp_demo_spec *spec, FILE *to) {
    fprintf(to,
            "usage: %s [options]\n"
            "  --data PATH          gzip-compressed CSV (default %s)\n"
            "  --epochs N           passes over the training rows (default %d)\n"
            "  --batch-size N       rows per step (default %d)\n"
            "  --optimizer NAME     adam, yogi or sgd (SGD with momentum 0.9) (default adam)\n"
            "  --lr X               learning rate (default: adam 0.001, yogi 0.01, sgd 0.1)\n"
            "  --seed N             seeds the initialization and the shuffling (default %d)\n"
            "  --svg PATH           where the loss/accuracy chart goes (default %s)\n"
            "  --no-svg             no chart\n"
            "  --min-accuracy X     exit 1 if the final test accuracy is below X (default %.2f with every\n"
            "                       training option at its default, otherwise no bound)\n"
            "  --quiet              print only the final two lines\n",
            spec->program, spec->data_path, spec->epochs, MLP_DEMO_BATCH, MLP_DEMO_SEED, spec->svg_path,
            spec->min_accuracy);
}

/* Parses a whole decimal integer in [lo, hi]; 0 if `s` is not one. */
static inline int mlp_demo_parse_int(const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

/* Parses a whole finite number >= 0; 0 if `s` is not one. */
static inline int mlp_demo_parse_float(const char *s, float *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0) return 0;
    *out = (float)v;
    return 1;
}

/* Reads the command line into `o`: 1 to go on, 0 after --help, -1 on a usage error (message printed). */
static inline int mlp_demo_parse(const mlp_demo_spec *spec, int argc, char **argv, mlp_demo_options *o) {
    *o = (mlp_demo_options){spec->data_path, "adam", spec->svg_path, spec->epochs, MLP_DEMO_BATCH, NAN,
                            MLP_DEMO_SEED, 0, NAN};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long long n;
        int ok = 1, takes_value = 1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            mlp_demo_usage(spec, stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1, takes_value = 0;
        } else if (strcmp(a, "--no-svg") == 0) {
            o->svg = NULL, takes_value = 0;
        } else if (!v) {
            ok = 0;
        } else if (strcmp(a, "--data") == 0) {
            o->data = v;
        } else if (strcmp(a, "--svg") == 0) {
            o->svg = v;
        } else if (strcmp(a, "--optimizer") == 0) {
            ok = strcmp(v, "adam") == 0 || strcmp(v, "yogi") == 0 || strcmp(v, "sgd") == 0;
            o->optimizer = v;
        } else if (strcmp(a, "--epochs") == 0) {
            ok = mlp_demo_parse_int(v, 1, 100000, &n);
            o->epochs = (int)n;
        } else if (strcmp(a, "--batch-size") == 0) {
            ok = mlp_demo_parse_int(v, 1, 1 << 20, &n);
            o->batch = (int)n;
        } else if (strcmp(a, "--seed") == 0) {
            ok = mlp_demo_parse_int(v, 0, INT64_MAX, &n);
            o->seed = (uint64_t)n;
        } else if (strcmp(a, "--lr") == 0) {
            ok = mlp_demo_parse_float(v, &o->lr);
        } else if (strcmp(a, "--min-accuracy") == 0) {
            ok = mlp_demo_parse_float(v, &o->min_accuracy) && o->min_accuracy <= 1;
        } else {
            ok = 0;
        }
        if (!ok) {
            fprintf(stderr, "%s: bad option %s%s%s\n", spec->program, a, v && takes_value ? " " : "",
                    v && takes_value ? v : "");
            mlp_demo_usage(spec, stderr);
            return -1;
        }
        i += takes_value;
    }
    int defaults = strcmp(o->optimizer, "adam") == 0 && isnan(o->lr) && o->epochs == spec->epochs &&
                   o->batch == MLP_DEMO_BATCH;
    if (isnan(o->lr)) o->lr = mlp_demo_default_lr(o->optimizer);
    if (isnan(o->min_accuracy)) o->min_accuracy = defaults ? spec->min_accuracy : 0;
    return 1;
}

/* --- Data --------------------------------------------------------------------------------------------- */

/* One half of the split: n images of `features` floats in [0, 1] and their labels. */
typedef struct mlp_demo_split {
    float *x;
    int64_t *y;
    int64_t n;
} mlp_demo_split;

/* The whole output of `gzip -dc PATH` in a NUL-terminated buffer (caller frees), or NULL with a message.
 * The path goes to the shell single-quoted, any ' in it as '\''. */
static inline char *mlp_demo_gunzip(const char *path, size_t *size) {
    size_t quoted_len = 32 + 4 * strlen(path);
    char *cmd = malloc(quoted_len);
    if (!cmd) return NULL;
    char *c = cmd + sprintf(cmd, "gzip -dc -- '");
    for (const char *p = path; *p; p++) {
        if (*p == '\'') c += sprintf(c, "'\\''");
        else *c++ = *p;
    }
    strcpy(c, "'");
    FILE *pipe = popen(cmd, "r");
    free(cmd);
    if (!pipe) {
        perror("popen(gzip -dc)");
        return NULL;
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, pipe);
        if (len < cap - 1) break; /* end of the stream (or a read error, which pclose reports) */
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) free(buf);
        buf = bigger, cap *= 2;
    }
    int status = pclose(pipe);
    if (!buf || status != 0) {
        fprintf(stderr, "could not read %s with `gzip -dc` (%s)\n", path,
                !buf ? "out of memory" : "gzip failed; is the file there, and gzip installed?");
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *size = len;
    return buf;
}

static inline void mlp_demo_free_split(mlp_demo_split *s) {
    free(s->x), free(s->y);
    *s = (mlp_demo_split){NULL, NULL, 0};
}

/* Reads the CSV (rows of `features` integer pixels in [0, pixel_max] and a label in [0, classes)) and
 * splits it: row i goes to `test` when i % 5 == 4, else to `train`. 1 on success; 0 with a message. */
static inline int mlp_demo_load(const mlp_demo_spec *spec, const char *path, mlp_demo_split *train,
                                mlp_demo_split *test) {
    size_t size;
    char *text = mlp_demo_gunzip(path, &size);
    if (!text) return 0;
    int64_t rows = 0;
    for (size_t i = 0; i < size; i++) rows += text[i] == '\n';
    if (size > 0 && text[size - 1] != '\n') rows++;
    const int64_t n_test = rows / 5, n_train = rows - n_test, width = spec->features;
    *train = (mlp_demo_split){malloc(sizeof(float) * (size_t)(n_train * width + 1)),
                              malloc(sizeof(int64_t) * (size_t)(n_train + 1)), 0};
    *test = (mlp_demo_split){malloc(sizeof(float) * (size_t)(n_test * width + 1)),
                             malloc(sizeof(int64_t) * (size_t)(n_test + 1)), 0};
    int ok = train->x && train->y && test->x && test->y;
    if (!ok) fprintf(stderr, "out of memory reading %s\n", path);
    const char *p = text;
    for (int64_t row = 0; ok && row < rows; row++) {
        mlp_demo_split *s = row % 5 == 4 ? test : train;
        for (int64_t col = 0; col <= width; col++) {
            const long max = col < width ? (long)spec->pixel_max : spec->classes - 1;
            char *end = (char *)p;
            long v = *p >= '0' && *p <= '9' ? strtol(p, &end, 10) : -1;
            /* Pixels end with ',', the label with the end of the line (or of the file). */
            int separated = col < width ? *end == ','
                                        : (*end == '\n' || *end == '\0' || (*end == '\r' && end[1] == '\n'));
            if (end == p || v > max || !separated) {
                fprintf(stderr, "%s: row %lld, column %lld: expected an integer in [0, %ld] followed by %s\n", path,
                        (long long)row + 1, (long long)col + 1, max, col < width ? "','" : "the end of the line");
                ok = 0;
                break;
            }
            if (col < width) s->x[s->n * width + col] = (float)v / spec->pixel_max;
            else s->y[s->n++] = v;
            p = end + (*end == '\r'); /* past a CR of a CRLF line end */
            p += *p != '\0';
        }
    }
    free(text);
    if (ok && (train->n == 0 || test->n == 0)) {
        fprintf(stderr, "%s: %lld rows are too few to split\n", path, (long long)rows);
        ok = 0;
    }
    if (!ok) mlp_demo_free_split(train), mlp_demo_free_split(test);
    return ok;
}

/* --- Training ----------------------------------------------------------------------------------------- */

static inline double mlp_demo_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The optimizer over the net's parameters that --optimizer names, with learning rate `lr`. */
static inline swish_optimizer *mlp_demo_optimizer(swish_module *net, const char *name, float lr) {
    if (strcmp(name, "yogi") == 0) {
        swish_yogi_options o;
        swish_yogi_options_default(&o);
        o.lr = lr;
        return swish_yogi_new_module(net, &o);
    }
    if (strcmp(name, "sgd") == 0) {
        swish_sgd_options o;
        swish_sgd_options_default(&o);
        o.lr = lr;
        o.momentum = 0.9f;
        return swish_sgd_new_module(net, &o);
    }
    swish_adam_options o;
    swish_adam_options_default(&o);
    o.lr = lr;
    return swish_adam_new_module(net, &o);
}

/* Mean cross-entropy and accuracy of `net` on a whole split, in evaluation mode without recording. */
static inline int mlp_demo_evaluate(swish_module *net, swish_tensor *x, swish_tensor *y, float *loss, float *acc) {
    swish_module_eval(net);
    swish_no_grad_begin();
    swish_scope_begin();
    swish_tensor *logits = swish_forward(net, x);
    *loss = swish_item(swish_cross_entropy(logits, y));
    *acc = swish_accuracy(logits, y);
    swish_scope_end();
    swish_no_grad_end();
    swish_module_train(net, true);
    return !isnan(*loss) && !isnan(*acc);
}

/* Per-epoch figures for the chart. */
typedef struct mlp_demo_history {
    float *epoch, *train_loss, *test_loss, *train_acc, *test_acc;
} mlp_demo_history;

/* Writes the loss and accuracy curves to `path`: 1 on success, 0 with a message. */
static inline int mlp_demo_plot(const char *path, const char *headline, const mlp_demo_history *h, int epochs) {
    FILE *f = svg_open(path, 900, 470);
    if (!f) {
        perror(path);
        return 0;
    }
    fprintf(f, "<text x='450' y='24' font-size='15' text-anchor='middle'>%s</text>\n", headline);
    double xlo, xhi, xstep, lo, hi, step, max_loss = 0, min_acc = 1;
    for (int e = 0; e < epochs; e++) {
        max_loss = fmax(max_loss, fmax(h->train_loss[e], h->test_loss[e]));
        min_acc = fmin(min_acc, fmin(h->train_acc[e], h->test_acc[e]));
    }
    svg_nice_range(0, epochs, 10, &xlo, &xhi, &xstep);
    svg_nice_range(0, max_loss, 5, &lo, &hi, &step);
    svg_panel loss = {70, 60, 350, 320, xlo, xhi, lo, hi};
    svg_axes(f, &loss, xstep, step, "loss (cross-entropy)", "epoch", "loss");
    svg_curve(f, &loss, h->epoch, h->train_loss, epochs, svg_color(0), 1);
    svg_curve(f, &loss, h->epoch, h->test_loss, epochs, svg_color(1), 1);
    svg_nice_range(min_acc, 1, 5, &lo, &hi, &step);
    svg_panel acc = {520, 60, 350, 320, xlo, xhi, lo, hi};
    svg_axes(f, &acc, xstep, step, "accuracy", "epoch", "accuracy");
    svg_curve(f, &acc, h->epoch, h->train_acc, epochs, svg_color(0), 1);
    svg_curve(f, &acc, h->epoch, h->test_acc, epochs, svg_color(1), 1);
    const char *names[] = {"training set (mean over the epoch's batches)", "test set (after the epoch)"};
    svg_legend(f, 120, 450, names, 2, 360);
    if (svg_close(f) != 0) {
        fprintf(stderr, "%s: write failed\n", path);
        return 0;
    }
    return 1;
}

/* The whole program; returns main's exit status. */
static inline int mlp_demo_main(const mlp_demo_spec *spec, int argc, char **argv) {
    mlp_demo_options o;
    int parsed = mlp_demo_parse(spec, argc, argv, &o);
    if (parsed <= 0) return parsed == 0 ? 0 : 2;

    double t0 = mlp_demo_now();
    mlp_demo_split train, test;
    if (!mlp_demo_load(spec, o.data, &train, &test)) return 1;
    const int64_t n = train.n, width = spec->features;
    swish_tensor *x_train = swish_tensor_new(train.x, (int64_t[]){n, width}, 2);
    swish_tensor *y_train = swish_tensor_from_int64(train.y, (int64_t[]){n}, 1);
    swish_tensor *x_test = swish_tensor_new(test.x, (int64_t[]){test.n, width}, 2);
    swish_tensor *y_test = swish_tensor_from_int64(test.y, (int64_t[]){test.n}, 1);
    const int64_t n_test = test.n;
    mlp_demo_free_split(&train), mlp_demo_free_split(&test);

    /* The net, as nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
     * nn.ReLU(), nn.Linear(hidden, classes)); the Sequential retains the layers, so their handles go. */
    swish_generator *gen = swish_generator_new(o.seed);
    swish_module *layers[] = {swish_linear_new(width, spec->hidden, true, gen), swish_relu_new(),
                              swish_linear_new(spec->hidden, spec->hidden, true, gen), swish_relu_new(),
                              swish_linear_new(spec->hidden, spec->classes, true, gen)};
    swish_module *net = swish_sequential_new(layers, 5);
    for (int i = 0; i < 5; i++) swish_module_free(layers[i]);
    swish_optimizer *opt = mlp_demo_optimizer(net, o.optimizer, o.lr);
    int64_t *order = malloc(sizeof(int64_t) * (size_t)n);
    mlp_demo_history h;
    float *curves = malloc(sizeof(float) * 5 * (size_t)o.epochs);
    if (!x_train || !y_train || !x_test || !y_test || !gen || !opt || !order || !curves) {
        fprintf(stderr, "%s: setting up failed: %s\n", spec->program, order && curves ? swish_last_error() : "out of memory");
        return 1;
    }
    h = (mlp_demo_history){curves, curves + o.epochs, curves + 2 * o.epochs, curves + 3 * o.epochs,
                           curves + 4 * o.epochs};
    if (!o.quiet) {
        printf("%s: %lld training and %lld test images of %lld pixels from %s (read in %.2f s)\n", spec->program,
               (long long)n, (long long)n_test, (long long)width, o.data, mlp_demo_now() - t0);
        swish_module_print(net);
        printf("%s, lr %g, batch size %d, %d epochs, seed %llu\n", o.optimizer, o.lr, o.batch, o.epochs,
               (unsigned long long)o.seed);
    }

    double train_seconds = 0;
    for (int epoch = 1; epoch <= o.epochs; epoch++) {
        double loss_sum = 0, start = mlp_demo_now();
        int64_t correct = 0;
        swish_randperm(order, (size_t)n, gen); /* a fresh order every epoch, from the seed */
        for (int64_t first = 0; first < n; first += o.batch) {
            size_t count = (size_t)(n - first < o.batch ? n - first : o.batch);
            swish_scope_begin(); /* every tensor of this step is freed at its end */
            swish_tensor *xb = swish_take_rows(x_train, order + first, count);
            swish_tensor *yb = swish_take_rows(y_train, order + first, count);
            swish_tensor *logits = swish_forward(net, xb);
            swish_tensor *loss = swish_cross_entropy(logits, yb);
            swish_optimizer_zero_grad(opt);
            swish_status st = swish_backward(loss);
            if (st == SWISH_OK) st = swish_optimizer_step(opt);
            loss_sum += (double)swish_item(loss) * (double)count;
            correct += swish_count_correct(logits, yb);
            swish_scope_end();
            if (st != SWISH_OK) {
                fprintf(stderr, "%s: training step failed: %s\n", spec->program, swish_last_error());
                return 1;
            }
        }
        double seconds = mlp_demo_now() - start;
        train_seconds += seconds;
        int e = epoch - 1;
        h.epoch[e] = (float)epoch;
        h.train_loss[e] = (float)(loss_sum / (double)n);
        h.train_acc[e] = (float)correct / (float)n;
        if (!mlp_demo_evaluate(net, x_test, y_test, &h.test_loss[e], &h.test_acc[e])) {
            fprintf(stderr, "%s: evaluation failed: %s\n", spec->program, swish_last_error());
            return 1;
        }
        if (!o.quiet) {
            char line[160];
            swish_progress_format(line, sizeof line, epoch, o.epochs, h.train_loss[e], h.train_acc[e],
                                  (double)n / seconds);
            printf("%s, test accuracy %.4f\n", line, h.test_acc[e]);
            fflush(stdout);
        }
    }

    int status = 0;
    if (o.svg) {
        char headline[200];
        snprintf(headline, sizeof headline, "%s: MLP %d-%d-%d-%d (ReLU), %s lr %g, batch size %d, seed %llu",
                 spec->program, spec->features, spec->hidden, spec->hidden, spec->classes, o.optimizer, o.lr, o.batch,
                 (unsigned long long)o.seed);
        if (!mlp_demo_plot(o.svg, headline, &h, o.epochs)) status = 1;
        else if (!o.quiet) printf("wrote %s\n", o.svg);
    }
    float accuracy = h.test_acc[o.epochs - 1];
    printf("test accuracy: %.4f\n", accuracy);
    printf("train time: %.2f s\n", train_seconds);
    if (accuracy < o.min_accuracy) {
        fprintf(stderr, "%s: test accuracy %.4f is below the bound %.4f for this configuration\n", spec->program,
                accuracy, o.min_accuracy);
        status = 1;
    }
    free(order), free(curves);
    swish_optimizer_free(opt), swish_module_free(net), swish_generator_free(gen);
    swish_tensor_free(x_train), swish_tensor_free(y_train), swish_tensor_free(x_test), swish_tensor_free(y_test);
    return status;
}

#endif /* SWISH_EXAMPLES_MLP_DEMO_H */
