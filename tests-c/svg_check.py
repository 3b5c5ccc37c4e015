#!/usr/bin/env python3
"""The svg_check ctest: the charts the examples draw show what they claim to show.

    svg_check.py --bin-dir DIR --work-dir DIR [--images DIR]

1. Runs DIR/04_activation_functions and DIR/train_mnist --epochs 2, each writing its SVG into the work
   folder, and reads both charts back as XML (the standard library's parser: a file that is not
   well-formed XML fails).
2. activations.svg: two panels, f(x) and f'(x) against x, with titles and axis labels; a legend naming
   the seven curves (sigmoid, tanh, relu, leaky_relu, gelu, gelu_tanh, silu), each in its own colour and
   dash; in each panel one curve per legend entry, of 161 points on [-4, 4], lying where the closed form
   of that activation (or of its derivative) puts it, read back through the panel's tick labels.
3. training.svg: a headline; a loss panel and an accuracy panel against the epoch, with titles and axis
   labels; a legend for the training and test curves; in each panel both curves with one point (and one
   dot) per epoch at epochs 1, 2, ...; the training loss, training accuracy and test accuracy where the
   program's progress lines put them.
4. The committed pictures in --images (docs/images/activations.svg and training.svg, shown in the README)
   pass the same checks (without a program's output to compare the training curves with).
5. Damaged copies of the fresh charts (cut short, a legend label gone, a curve recoloured, a point moved,
   an epoch missing, ...) must each fail, and so must the training chart compared with a test accuracy
   other than the one printed, so the checks above are shown to be able to fail.

The layout it reads is the one examples-c/plot_svg.h writes: panels are white rectangles, ticks are short
lines beside a panel with their numbers next to them, legend entries are 3-pixel-wide lines followed by
their names. Standard library only.
"""

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "gelu", "gelu_tanh", "silu"]
PIXEL_TOLERANCE = 0.75  # points are written with one decimal; ticks and curves agree to well within this


class CheckError(Exception):
    pass


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def fit(pairs, what):
    """pixel = a * value + b through the tick (value, pixel) pairs, checked to be a straight line."""
    if len(pairs) < 2:
        raise CheckError(f"{what}: {len(pairs)} labelled tick(s), need at least 2")
    n = len(pairs)
    mv = sum(v for v, _ in pairs) / n
    mp = sum(p for _, p in pairs) / n
    var = sum((v - mv) ** 2 for v, _ in pairs)
    if var == 0:
        raise CheckError(f"{what}: all ticks have the same value")
    a = sum((v - mv) * (p - mp) for v, p in pairs) / var
    b = mp - a * mv
    worst = max(abs(a * v + b - p) for v, p in pairs)
    if worst > 0.5:
        raise CheckError(f"{what}: tick labels are not evenly placed (off by {worst:.2f} px)")
    return a, b


class Chart:
    """The panels, curves, dots, legend and texts of an SVG that examples-c/plot_svg.h wrote."""

    def __init__(self, path):
        self.path = path
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            raise CheckError(f"{path} is not well-formed XML: {e}")
        except OSError as e:
            raise CheckError(f"cannot read {path}: {e.strerror}")
        if root.tag != SVG + "svg":
            raise CheckError(f"{path}: the root element is {root.tag}, not an SVG <svg>")
        self.texts, self.lines, self.polylines, self.circles, boxes = [], [], [], [], []
        for e in root.iter():
            a = e.attrib
            if e.tag == SVG + "text":
                self.texts.append({"x": float(a["x"]), "y": float(a["y"]), "text": (e.text or "").strip(),
                                   "anchor": a.get("text-anchor", "start"),
                                   "rotated": "rotate(-90" in a.get("transform", "")})
            elif e.tag == SVG + "line":
                self.lines.append({k: float(a[k]) for k in ("x1", "y1", "x2", "y2")} |
                                  {"stroke": a.get("stroke"), "width": a.get("stroke-width", "1"),
                                   "dash": a.get("stroke-dasharray", "")})
            elif e.tag == SVG + "polyline":
                try:
                    points = [tuple(float(c) for c in p.split(",")) for p in a.get("points", "").split()]
                except ValueError:
                    raise CheckError(f"{path}: a polyline has malformed points")
                if any(len(p) != 2 for p in points):
                    raise CheckError(f"{path}: a polyline has malformed points")
                self.polylines.append({"stroke": a.get("stroke"), "dash": a.get("stroke-dasharray", ""),
                                       "points": points})
            elif e.tag == SVG + "circle":
                self.circles.append({"x": float(a["cx"]), "y": float(a["cy"]), "fill": a.get("fill")})
            elif e.tag == SVG + "rect" and a.get("fill") == "white":
                boxes.append(tuple(float(a[k]) for k in ("x", "y", "width", "height")))
        self.panels = [self.read_panel(box) for box in sorted(boxes)]
        self.legend = self.read_legend()

    def read_panel(self, box):
        x, y, w, h = box
        bottom, where = y + h, f"{self.path}: the panel at ({x:g}, {y:g})"

        def words(cond):
            found = [t["text"] for t in self.texts if number(t["text"]) is None and t["text"] and cond(t)]
            return found[0] if len(found) == 1 else None

        inside_x = lambda t: x <= t["x"] <= x + w
        title = words(lambda t: inside_x(t) and y - 30 < t["y"] < y and not t["rotated"])
        xlabel = words(lambda t: inside_x(t) and bottom + 18 < t["y"] < bottom + 45 and not t["rotated"])
        ylabel = words(lambda t: t["rotated"] and x - 60 < t["x"] < x and y <= t["y"] <= bottom)
        for name, value in (("title", title), ("x-axis label", xlabel), ("y-axis label", ylabel)):
            if not value:
                raise CheckError(f"{where} has no {name}")
        # Ticks: short lines on the left edge (y) and under the bottom edge (x), each with its number.
        yticks, xticks = [], []
        for line in self.lines:
            if line["y1"] == line["y2"] and line["x2"] == x and 0 < x - line["x1"] <= 8 and y <= line["y1"] <= bottom:
                label = [number(t["text"]) for t in self.texts
                         if t["anchor"] == "end" and 0 <= t["y"] - line["y1"] <= 6 and x - 30 < t["x"] < x]
                if len(label) == 1 and label[0] is not None:
                    yticks.append((label[0], line["y1"]))
            elif line["x1"] == line["x2"] and line["y1"] == bottom and 0 < line["y2"] - bottom <= 8 \
                    and x <= line["x1"] <= x + w:
                label = [number(t["text"]) for t in self.texts
                         if t["anchor"] == "middle" and t["x"] == line["x1"] and bottom < t["y"] < bottom + 20]
                if len(label) == 1 and label[0] is not None:
                    xticks.append((label[0], line["x1"]))
        xmap, ymap = fit(xticks, f"{where}, x axis"), fit(yticks, f"{where}, y axis")
        inside = lambda p: x - 1 <= p[0] <= x + w + 1 and y - 1 <= p[1] <= bottom + 1
        curves = [c for c in self.polylines if c["points"] and all(inside(p) for p in c["points"])]
        dots = [d for d in self.circles if inside((d["x"], d["y"]))]
        ylo, yhi = sorted(((y - ymap[1]) / ymap[0], (bottom - ymap[1]) / ymap[0]))
        return {"box": box, "title": title, "xlabel": xlabel, "ylabel": ylabel, "xmap": xmap, "ymap": ymap,
                "ylo": ylo, "yhi": yhi, "curves": curves, "dots": dots, "where": where}

    def read_legend(self):
        """name -> (colour, dash) of each legend entry: a 3-pixel-wide line and the text just after it."""
        legend = {}
        for line in self.lines:
            if line["width"] != "3" or line["y1"] != line["y2"]:
                continue
            names = [t["text"] for t in self.texts
                     if 0 < t["x"] - line["x2"] <= 15 and abs(t["y"] - line["y1"] - 4) <= 2 and t["text"]]
            if len(names) != 1:
                raise CheckError(f"{self.path}: a legend line at ({line['x1']:g}, {line['y1']:g}) has no name")
            if names[0] in legend:
                raise CheckError(f"{self.path}: the legend names {names[0]} twice")
            legend[names[0]] = (line["stroke"], line["dash"])
        if len(set(legend.values())) != len(legend):
            raise CheckError(f"{self.path}: two legend entries share a colour and dash")
        return legend

    def panel(self, ylabel):
        found = [p for p in self.panels if p["ylabel"] == ylabel]
        if len(found) != 1:
            labels = ", ".join(repr(p["ylabel"]) for p in self.panels)
            raise CheckError(f"{self.path}: no single panel with the y-axis label {ylabel!r} (panels: {labels})")
        return found[0]

    def curve(self, panel, name):
        """The points of the curve drawn in the colour and dash the legend gives `name`, in data units."""
        if name not in self.legend:
            raise CheckError(f"{self.path}: the legend has no entry {name!r} (it has {sorted(self.legend)})")
        style = self.legend[name]
        found = [c for c in panel["curves"] if (c["stroke"], c["dash"]) == style]
        if len(found) != 1:
            raise CheckError(f"{panel['where']} ({panel['ylabel']}): {len(found)} curves in the style of "
                             f"{name!r}, expected 1")
        (ax, bx), (ay, by) = panel["xmap"], panel["ymap"]
        return [((px - bx) / ax, (py - by) / ay) for px, py in found[0]["points"]], found[0]


def close_in_pixels(panel, value, expected, slack=0.0):
    """Whether `value` and `expected` (data units) are drawn within the pixel tolerance (plus `slack` in
    data units), with `expected` clamped to the panel's range as plot_svg.h clamps what it draws."""
    expected = min(max(expected, panel["ylo"]), panel["yhi"])
    return abs(value - expected) * abs(panel["ymap"][0]) <= PIXEL_TOLERANCE + slack * abs(panel["ymap"][0])


# --- activations.svg ------------------------------------------------------------------------------------

def phi_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


K = math.sqrt(2 / math.pi)


def closed_form(name, x, derivative):
    """The activation (or its derivative, with PyTorch's value at ReLU's kink) at x."""
    t = math.tanh(K * (x + 0.044715 * x ** 3))
    values = {
        "sigmoid": (sigmoid(x), sigmoid(x) * (1 - sigmoid(x))),
        "tanh": (math.tanh(x), 1 - math.tanh(x) ** 2),
        "relu": (max(x, 0.0), 1.0 if x > 0 else 0.0),
        "leaky_relu": (x if x > 0 else 0.01 * x, 1.0 if x > 0 else 0.01),
        "gelu": (x * phi_cdf(x), phi_cdf(x) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)),
        "gelu_tanh": (0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * 0.044715 * x * x)),
        "silu": (x * sigmoid(x), sigmoid(x) * (1 + x * (1 - sigmoid(x)))),
    }
    return values[name][1 if derivative else 0]


def check_activations(path):
    chart = Chart(path)
    if sorted(chart.legend) != sorted(ACTIVATIONS):
        raise CheckError(f"{path}: the legend names {sorted(chart.legend)}, expected {sorted(ACTIVATIONS)}")
    for ylabel, derivative in (("f(x)", False), ("f'(x)", True)):
        panel = chart.panel(ylabel)
        if panel["xlabel"] != "x":
            raise CheckError(f"{path}: the {ylabel} panel's x axis is labelled {panel['xlabel']!r}, not 'x'")
        if len(panel["curves"]) != len(ACTIVATIONS):
            raise CheckError(f"{path}: the {ylabel} panel has {len(panel['curves'])} curves, expected "
                             f"{len(ACTIVATIONS)}")
        for name in ACTIVATIONS:
            points, _ = chart.curve(panel, name)
            if len(points) != 161:
                raise CheckError(f"{path}: {name} in the {ylabel} panel has {len(points)} points, expected 161")
            for i, (x, y) in enumerate(points):
                grid = -4 + 0.05 * i
                if abs(x - grid) * abs(panel["xmap"][0]) > PIXEL_TOLERANCE:
                    raise CheckError(f"{path}: point {i} of {name} ({ylabel}) is at x = {x:.3f}, not {grid:.2f}")
                # At ReLU's kink the drawn value is PyTorch's, 0 (or the slope); the grid's 0 is exact.
                expected = closed_form(name, grid, derivative)
                if not close_in_pixels(panel, y, expected):
                    raise CheckError(f"{path}: {name} ({ylabel}) at x = {grid:.2f} is drawn at {y:.4f}, "
                                     f"the closed form gives {expected:.4f}")
    return f"{os.path.basename(path)}: 2 panels, 7 labelled activations and derivatives, each on 161 points " \
           f"where its closed form puts it"


# --- training.svg ---------------------------------------------------------------------------------------

TRAIN, TEST = "training set", "test set"


def legend_entry(chart, prefix):
    found = [name for name in chart.legend if name.startswith(prefix)]
    if len(found) != 1:
        raise CheckError(f"{chart.path}: no single legend entry starting with {prefix!r} ({sorted(chart.legend)})")
    return found[0]


def check_training(path, expected=None):
    """expected: {"train_loss": [...], "train_acc": [...], "test_acc": [...]} from the progress lines."""
    chart = Chart(path)
    if not any("train_mnist" in t["text"] for t in chart.texts):
        raise CheckError(f"{path}: no headline naming train_mnist")
    if len(chart.legend) != 2:
        raise CheckError(f"{path}: the legend has {len(chart.legend)} entries, expected 2")
    train, test = legend_entry(chart, TRAIN), legend_entry(chart, TEST)
    epochs = None
    curves = {}
    for ylabel in ("loss", "accuracy"):
        panel = chart.panel(ylabel)
        if panel["xlabel"] != "epoch":
            raise CheckError(f"{path}: the {ylabel} panel's x axis is labelled {panel['xlabel']!r}, not 'epoch'")
        if len(panel["curves"]) != 2:
            raise CheckError(f"{path}: the {ylabel} panel has {len(panel['curves'])} curves, expected 2")
        for name in (train, test):
            points, curve = chart.curve(panel, name)
            epochs = epochs or len(points)
            if len(points) != epochs:
                raise CheckError(f"{path}: {name} ({ylabel}) has {len(points)} points, the other curves {epochs}")
            for e, (x, y) in enumerate(points, 1):
                if abs(x - e) * abs(panel["xmap"][0]) > PIXEL_TOLERANCE:
                    raise CheckError(f"{path}: point {e} of {name} ({ylabel}) is at epoch {x:.3f}, not {e}")
                if ylabel == "accuracy" and not -0.001 <= y <= 1.001 or ylabel == "loss" and y < -0.001:
                    raise CheckError(f"{path}: {name} ({ylabel}) at epoch {e} is {y:.4f}, out of range")
            dots = [(d["x"], d["y"]) for d in panel["dots"] if d["fill"] == curve["stroke"]]
            if sorted(dots) != sorted(curve["points"]):
                raise CheckError(f"{path}: {name} ({ylabel}) has {len(dots)} dots, not one on each of its "
                                 f"{epochs} points")
            curves[(ylabel, name)] = (panel, [y for _, y in points])
    if expected:
        for key, (ylabel, name) in (("train_loss", ("loss", train)), ("train_acc", ("accuracy", train)),
                                    ("test_acc", ("accuracy", test))):
            panel, drawn = curves[(ylabel, name)]
            if len(drawn) != len(expected[key]):
                raise CheckError(f"{path}: {len(drawn)} epochs drawn, the program printed {len(expected[key])}")
            for e, (got, want) in enumerate(zip(drawn, expected[key]), 1):
                if not close_in_pixels(panel, got, want, slack=5e-5):  # printed with 4 decimals
                    raise CheckError(f"{path}: {name} ({ylabel}) at epoch {e} is drawn at {got:.4f}, the "
                                     f"program printed {want:.4f}")
    return f"{os.path.basename(path)}: loss and accuracy panels, training and test curves with one point " \
           f"and dot per epoch ({epochs} epochs)" + (", matching the program's progress lines" if expected else "")


# --- running the examples -------------------------------------------------------------------------------

PROGRESS = re.compile(r"^epoch (\d+)/(\d+): loss ([0-9.]+), accuracy ([0-9.]+), .*test accuracy ([0-9.]+)$")


def run(cmd, cwd):
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise CheckError(f"{' '.join(cmd)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def fresh_charts(bin_dir, work):
    activations = os.path.join(work, "activations.svg")
    training = os.path.join(work, "training.svg")
    for path in (activations, training):
        if os.path.exists(path):
            os.remove(path)
    run([os.path.join(bin_dir, "04_activation_functions"), "--csv", os.path.join(work, "activations.csv"),
         "--svg", activations], work)
    out = run([os.path.join(bin_dir, "train_mnist"), "--epochs", "2", "--svg", training], work)
    expected = {"train_loss": [], "train_acc": [], "test_acc": []}
    for line in out.splitlines():
        m = PROGRESS.match(line)
        if m:
            expected["train_loss"].append(float(m.group(3)))
            expected["train_acc"].append(float(m.group(4)))
            expected["test_acc"].append(float(m.group(5)))
    if len(expected["test_acc"]) != 2:
        raise CheckError(f"train_mnist --epochs 2 printed {len(expected['test_acc'])} progress lines:\n{out}")
    return activations, training, expected


# --- the checks must be able to fail --------------------------------------------------------------------

def damaged_copies(path, work, damages):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for what, damage in damages:
        broken = damage(text)
        if broken == text:
            raise CheckError(f"self-test: damaging {os.path.basename(path)} ({what}) changed nothing")
        copy = os.path.join(work, "damaged-" + os.path.basename(path))
        with open(copy, "w", encoding="utf-8") as f:
            f.write(broken)
        yield what, copy


def first_points(text, count):
    """The first polyline's points attribute, with its last `count` points cut."""
    m = re.search(r"points='([^']*)'", text)
    points = m.group(1).split()
    return text[:m.start(1)] + " ".join(points[:-count]) + text[m.end(1):]


def move_point(text, index, dy):
    m = re.search(r"points='([^']*)'", text)
    points = m.group(1).split()
    x, y = points[index].split(",")
    points[index] = f"{x},{float(y) + dy:.1f}"
    return text[:m.start(1)] + " ".join(points) + text[m.end(1):]


def selftest(activations, training, expected, work):
    cases = [(activations, check_activations, {}, [
        ("cut short", lambda t: t[: len(t) // 2]),
        ("a legend label gone", lambda t: t.replace(">gelu_tanh</text>", "></text>", 1)),
        ("a legend label changed", lambda t: t.replace(">silu</text>", ">swish</text>", 1)),
        ("a curve recoloured", lambda t: t.replace("polyline fill='none' stroke='#1f77b4'",
                                                   "polyline fill='none' stroke='#123456'", 1)),
        ("a curve's dash lost", lambda t: t.replace(" stroke-dasharray='7 4' points=", " points=", 1)),
        ("a point moved 3 px", lambda t: move_point(t, 80, 3.0)),
        ("a point missing", lambda t: first_points(t, 1)),
        ("a tick label wrong", lambda t: t.replace(">2</text>", ">3</text>", 1)),
        ("an axis label gone", lambda t: t.replace(">f'(x)</text>", "></text>", 1)),
    ]), (training, check_training, {"expected": expected}, [
        ("cut short", lambda t: t[:-10]),
        ("not SVG", lambda t: t.replace("<svg xmlns='http://www.w3.org/2000/svg'", "<svg", 1)),
        ("an epoch missing", lambda t: first_points(t, 1)),
        ("a point moved 3 px", lambda t: move_point(t, 0, 3.0)),
        ("a legend label gone", lambda t: re.sub(r">test set[^<]*</text>", "></text>", t, count=1)),
        ("an axis label changed", lambda t: t.replace(">epoch</text>", ">step</text>", 1)),
        ("the headline gone", lambda t: t.replace("train_mnist:", "demo:", 1)),
    ])]
    count = 0
    for path, check, kwargs, damages in cases:
        for what, copy in damaged_copies(path, work, damages):
            try:
                check(copy, **kwargs)
            except CheckError:
                count += 1
                continue
            raise CheckError(f"self-test: {os.path.basename(path)} with {what} passed the checks")
    # A sound chart against a program that printed something else: a test accuracy 0.01 higher.
    other = {key: list(values) for key, values in expected.items()}
    other["test_acc"][-1] += 0.01
    try:
        check_training(training, other)
    except CheckError:
        return f"self-test: {count} damaged copies and a chart compared with other numbers, each rejected"
    raise CheckError("self-test: training.svg passed the checks against a test accuracy 0.01 higher")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", required=True, help="where CMake built the C examples")
    parser.add_argument("--work-dir", required=True, help="a folder for the charts drawn now")
    parser.add_argument("--images", help="the folder of the committed pictures (docs/images)")
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    try:
        activations, training, expected = fresh_charts(os.path.abspath(args.bin_dir), args.work_dir)
        print(check_activations(activations))
        print(check_training(training, expected))
        if args.images:
            print("committed " + check_activations(os.path.join(args.images, "activations.svg")))
            print("committed " + check_training(os.path.join(args.images, "training.svg")))
        print(selftest(activations, training, expected, args.work_dir))
    except CheckError as e:
        print(f"svg_check: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
