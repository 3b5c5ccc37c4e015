/* plot_svg.h: line charts written as SVG text, shared by the examples that draw (04_activation_functions,
 * train_mnist, train_digits). A chart is a white panel with a frame, tick labels, a title and axis labels,
 * holding curves of (x, y) points; a legend goes anywhere on the page. Header-only (static inline), plain
 * C11, no dependencies: the output is viewable in any browser or with `rsvg-convert -o out.png in.svg`.
 *
 *     FILE *f = svg_open("plot.svg", 640, 400);
 *     svg_panel p = {60, 40, 540, 300, 0, 10, 0, 1};          // box on the page, then x and y ranges
 *     svg_axes(f, &p, 2, 0.2, "title", "x label", "y label");  // tick steps 2 (x) and 0.2 (y)
 *     svg_curve(f, &p, xs, ys, n, svg_color(0), 0);
 *     svg_legend(f, 60, 380, names, 2, 120);                  // entry k drawn in svg_color(k)
 *     if (svg_close(f) != 0) ...                                // any write error shows here
 */
#ifndef SWISH_EXAMPLES_PLOT_SVG_H
#define SWISH_EXAMPLES_PLOT_SVG_H

#include <math.h>
#include <stdio.h>

/* Colour k of matplotlib's default cycle (repeating after 10), so curves look familiar. */
static inline const char *svg_color(int k) {
    static const char *const cycle[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    return cycle[(k % 10 + 10) % 10];
}

/* A chart's box on the page (x, y, w, h in pixels, y growing downwards) and the data ranges it shows. */
typedef struct svg_panel {
    double x, y, w, h;
    double xlo, xhi, ylo, yhi;
} svg_panel;

/* Page coordinates of a data point. */
static inline double svg_px(const svg_panel *p, double x) { return p->x + p->w * (x - p->xlo) / (p->xhi - p->xlo); }
static inline double svg_py(const svg_panel *p, double y) { return p->y + p->h * (p->yhi - y) / (p->yhi - p->ylo); }

/* Creates `path` and writes the SVG header and a light background; NULL (errno set) if it cannot. */
static inline FILE *svg_open(const char *path, int width, int height) {
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif'>\n", width,
            height);
    fprintf(f, "<rect width='%d' height='%d' fill='#fafafa'/>\n", width, height);
    return f;
}

/* Ends the document and closes `f`: 0, or -1 if any write failed. */
static inline int svg_close(FILE *f) {
    fprintf(f, "</svg>\n");
    int failed = ferror(f);
    return (fclose(f) != 0 || failed) ? -1 : 0;
}

/* The panel's frame, light lines at x = 0 and y = 0 when inside the ranges, tick labels at every
 * multiple of `xstep` and `ystep`, the title above and the axis labels below and to the left. */
static inline void svg_axes(FILE *f, const svg_panel *p, double xstep, double ystep, const char *title,
                            const char *xlabel, const char *ylabel) {
    fprintf(f, "<rect x='%g' y='%g' width='%g' height='%g' fill='white' stroke='#888'/>\n", p->x, p->y, p->w, p->h);
    if (p->ylo < 0 && p->yhi > 0) {
        fprintf(f, "<line x1='%g' y1='%g' x2='%g' y2='%g' stroke='#ccc'/>\n", p->x, svg_py(p, 0), p->x + p->w,
                svg_py(p, 0));
    }
    if (p->xlo < 0 && p->xhi > 0) {
        fprintf(f, "<line x1='%g' y1='%g' x2='%g' y2='%g' stroke='#ccc'/>\n", svg_px(p, 0), p->y, svg_px(p, 0),
                p->y + p->h);
    }
    /* Ticks from integer multiples, so 0.1 * 3 prints as 0.3 and the last tick is not lost to rounding. */
    for (long i = (long)ceil(p->ylo / ystep - 1e-9); i * ystep <= p->yhi + 1e-9 * ystep; i++) {
        double t = (double)i * ystep;
        fprintf(f, "<line x1='%g' y1='%g' x2='%g' y2='%g' stroke='#888'/>", p->x - 4, svg_py(p, t), p->x, svg_py(p, t));
        fprintf(f, "<text x='%g' y='%g' font-size='10' text-anchor='end'>%g</text>\n", p->x - 6, svg_py(p, t) + 3, t);
    }
    for (long i = (long)ceil(p->xlo / xstep - 1e-9); i * xstep <= p->xhi + 1e-9 * xstep; i++) {
        double t = (double)i * xstep;
        fprintf(f, "<line x1='%g' y1='%g' x2='%g' y2='%g' stroke='#888'/>", svg_px(p, t), p->y + p->h, svg_px(p, t),
                p->y + p->h + 4);
        fprintf(f, "<text x='%g' y='%g' font-size='10' text-anchor='middle'>%g</text>\n", svg_px(p, t),
                p->y + p->h + 15, t);
    }
    fprintf(f, "<text x='%g' y='%g' font-size='14' text-anchor='middle'>%s</text>\n", p->x + p->w / 2, p->y - 8, title);
    fprintf(f, "<text x='%g' y='%g' font-size='12' text-anchor='middle'>%s</text>\n", p->x + p->w / 2,
            p->y + p->h + 30, xlabel);
    fprintf(f, "<text x='%g' y='%g' font-size='12' text-anchor='middle' transform='rotate(-90 %g %g)'>%s</text>\n",
            p->x - 38, p->y + p->h / 2, p->x - 38, p->y + p->h / 2, ylabel);
}

/* The curve through (xs[i], ys[i]), i < n, with values outside the y range drawn at its edge; with
 * `dots`, each point also gets a dot (for curves of a few points, such as one per epoch). */
static inline void svg_curve(FILE *f, const svg_panel *p, const float *xs, const float *ys, int n, const char *color,
                             int dots) {
    fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='1.5' points='", color);
    for (int i = 0; i < n; i++) {
        double y = ys[i] < p->ylo ? p->ylo : (ys[i] > p->yhi ? p->yhi : ys[i]);
        fprintf(f, "%.1f,%.1f ", svg_px(p, xs[i]), svg_py(p, y));
    }
    fprintf(f, "'/>\n");
    for (int i = 0; dots && i < n; i++) {
        double y = ys[i] < p->ylo ? p->ylo : (ys[i] > p->yhi ? p->yhi : ys[i]);
        fprintf(f, "<circle cx='%.1f' cy='%.1f' r='2.5' fill='%s'/>\n", svg_px(p, xs[i]), svg_py(p, y), color);
    }
}

/* A row of `n` legend entries (a short line in svg_color(k), then names[k]) starting at (x, y),
 * `spacing` pixels apart. */
static inline void svg_legend(FILE *f, double x, double y, const char *const *names, int n, double spacing) {
    for (int k = 0; k < n; k++) {
        double x0 = x + spacing * k;
        fprintf(f, "<line x1='%g' y1='%g' x2='%g' y2='%g' stroke='%s' stroke-width='3'/>", x0, y, x0 + 20, y,
                svg_color(k));
        fprintf(f, "<text x='%g' y='%g' font-size='12'>%s</text>\n", x0 + 24, y + 4, names[k]);
    }
}

/* A range [*lo, *hi] covering [min, max] with ends on multiples of a tick step of 1, 2 or 5 times a
 * power of ten (*step), giving about `ticks` intervals. */
static inline void svg_nice_range(double min, double max, int ticks, double *lo, double *hi, double *step) {
    if (!(max > min)) {
        max = min + 1;
    }
    double raw = (max - min) / (ticks > 0 ? ticks : 1);
    double magnitude = pow(10, floor(log10(raw)));
    double r = raw / magnitude;
    *step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
    *lo = floor(min / *step + 1e-9) * *step;
    *hi = ceil(max / *step - 1e-9) * *step;
}

#endif /* SWISH_EXAMPLES_PLOT_SVG_H */
