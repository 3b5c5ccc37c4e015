"""Reference values for the engine core (Tests/SwishTests/PyTorchParityTests.swift, PrintingTests.swift,
GeneratorTests.swift), computed with PyTorch in float32. Writes Tests/SwishTests/Fixtures/core.json.

Three parts:
  "ops":    one case per op and shape combination: inputs, op arguments, output and the gradient of
            every input after backward(upstream), with the fixed upstream gradient `upstream` defines.
  "print":  str(t) for tensors built by the same ops, for comparing Swish's description exactly.
  "arange": lengths and values of torch.arange for fractional steps.

Every case names an op the Swift test knows (see PyTorchParityTests.swift, `apply`); inputs and
arguments are stored so Swift rebuilds exactly the same tensors.

Run: python3 Tests/generate/gen_core.py
"""
import math
import struct

import numpy as np
import torch

from fixture_io import t as _t, write

torch.manual_seed(0)


def f32(v):
    """v rounded to float32, as a Python float (the value Swift's Float API receives)."""
    return struct.unpack("f", struct.pack("f", v))[0]


def t(x):
    """fixture_io.t with every number written as the shortest decimal that reads back as the same float32
    ("0.1", not "0.10000000149011612"), which halves the file."""
    d = _t(x)
    d["data"] = [float(str(np.float32(v))) if isinstance(v, float) else v for v in d["data"]]
    return d


def rnd(*shape, lo=-2.0, hi=2.0):
    """Uniform values in [lo, hi), rounded to 4 decimals so they print and parse exactly enough."""
    x = torch.rand(*shape) * (hi - lo) + lo
    return torch.round(x * 1e4) / 1e4


def pos(*shape):
    """Positive values away from 0, for log, sqrt and fractional powers."""
    return rnd(*shape, lo=0.5, hi=3.0)


def upstream(shape):
    """A fixed, non-uniform upstream gradient: every output element weighs differently. Not stored: the
    Swift test computes the same values (in double, then rounded to float32)."""
    n = math.prod(shape)
    v = [((i * 7919) % 13) / 13.0 - 0.4 for i in range(n)]
    return torch.tensor(v, dtype=torch.float32).reshape(shape)


# op name -> function(inputs, args). The Swift test implements the same names.
OPS = {
    "identity": lambda x, a: x[0],
    "add": lambda x, a: x[0] + x[1],
    "sub": lambda x, a: x[0] - x[1],
    "mul": lambda x, a: x[0] * x[1],
    "div": lambda x, a: x[0] / x[1],
    "add_scalar": lambda x, a: x[0] + a["s"],
    "radd_scalar": lambda x, a: a["s"] + x[0],
    "sub_scalar": lambda x, a: x[0] - a["s"],
    "rsub_scalar": lambda x, a: a["s"] - x[0],
    "mul_scalar": lambda x, a: x[0] * a["s"],
    "rmul_scalar": lambda x, a: a["s"] * x[0],
    "div_scalar": lambda x, a: x[0] / a["s"],
    "rdiv_scalar": lambda x, a: a["s"] / x[0],
    "neg": lambda x, a: -x[0],
    "matmul": lambda x, a: torch.matmul(x[0], x[1]),
    "transpose": lambda x, a: x[0].transpose(a["d0"], a["d1"]),
    "t": lambda x, a: x[0].t(),
    "reshape": lambda x, a: x[0].reshape(a["shape"]),
    "view": lambda x, a: x[0].view(a["shape"]),
    "unsqueeze": lambda x, a: x[0].unsqueeze(a["dim"]),
    "squeeze": lambda x, a: x[0].squeeze(a["dim"]) if a.get("dim") is not None else x[0].squeeze(),
    "flatten": lambda x, a: x[0].flatten(a.get("start", 0), a.get("end", -1)),
    "select": lambda x, a: x[0].select(a["dim"], a["index"]),
    "index": lambda x, a: x[0][tuple(a["indices"])],
    "sum": lambda x, a: x[0].sum() if "dim" not in a else x[0].sum(a["dim"], keepdim=a["keepdim"]),
    "mean": lambda x, a: x[0].mean() if "dim" not in a else x[0].mean(a["dim"], keepdim=a["keepdim"]),
    "max": lambda x, a: x[0].max(),
    "max_dim": lambda x, a: x[0].max(a["dim"], keepdim=a["keepdim"]).values,
    "max_dim_indices": lambda x, a: x[0].max(a["dim"], keepdim=a["keepdim"]).indices,
    "argmax": lambda x, a: x[0].argmax() if "dim" not in a else x[0].argmax(a["dim"], keepdim=a["keepdim"]),
    "abs": lambda x, a: x[0].abs(),
    "exp": lambda x, a: x[0].exp(),
    "log": lambda x, a: x[0].log(),
    "sqrt": lambda x, a: x[0].sqrt(),
    "pow": lambda x, a: x[0].pow(a["p"]),
    "square": lambda x, a: x[0].square(),
    "clamp": lambda x, a: x[0].clamp(min=a.get("min"), max=a.get("max")),
    "relu": lambda x, a: x[0].relu(),
    "sigmoid": lambda x, a: x[0].sigmoid(),
    "tanh": lambda x, a: x[0].tanh(),
    "leaky_relu": lambda x, a: torch.nn.functional.leaky_relu(x[0], a.get("slope", 0.01)),
    "gelu": lambda x, a: torch.nn.functional.gelu(x[0], approximate=a.get("approximate", "none")),
    "silu": lambda x, a: torch.nn.functional.silu(x[0]),
    "softmax": lambda x, a: x[0].softmax(a["dim"]),
    "log_softmax": lambda x, a: x[0].log_softmax(a["dim"]),
    "eq": lambda x, a: x[0] == x[1],
    "ne": lambda x, a: x[0] != x[1],
    "gt": lambda x, a: x[0] > x[1],
    "lt": lambda x, a: x[0] < x[1],
    "ge": lambda x, a: x[0] >= x[1],
    "le": lambda x, a: x[0] <= x[1],
    "gt_scalar": lambda x, a: x[0] > a["s"],
    "gt_transposed": lambda x, a: (x[0] > x[1]).t(),
    "arange_gt": lambda x, a: torch.arange(0, a["end"], dtype=torch.float32).reshape(a["shape"]) > a["s"],
    "eq_scalar": lambda x, a: x[0] == a["s"],
    # arange(0, end, step) reshaped and scaled: large tensors for printing without storing their values.
    "arange": lambda x, a: (torch.arange(0, a["end"], a.get("step", 1), dtype=torch.float32) * a.get("scale", 1.0)
                            ).reshape(a["shape"]),
}

NO_GRAD_OPS = {"eq", "ne", "gt", "lt", "ge", "le", "gt_scalar", "eq_scalar", "gt_transposed", "arange_gt", "argmax",
               "max_dim_indices", "arange"}


def case(name, op, inputs, grad=True, **args):
    """Runs `op` on copies of `inputs` (all requiring grad when `grad`) and records output and gradients."""
    xs = [x.clone().to(torch.float32).requires_grad_(grad) for x in inputs]
    out = OPS[op](xs, args)
    rec = {"name": name, "op": op, "args": args, "inputs": [t(x) for x in xs], "out": t(out),
           "dtype": str(out.dtype).replace("torch.", "")}
    if grad and op not in NO_GRAD_OPS:
        rec["grad_fn"] = type(out.grad_fn).__name__ if out.grad_fn is not None else None
        up = upstream(list(out.shape))
        out.backward(up)
        rec["grads"] = [t(x.grad if x.grad is not None else torch.zeros_like(x)) for x in xs]
    return rec


ops = []
A = lambda *c: ops.append(case(*c[:3], **(c[3] if len(c) > 3 else {})))

# Arithmetic, tensor-tensor, with broadcasting, 0-d and empty operands.
for op in ["add", "sub", "mul", "div"]:
    other = (lambda *s: pos(*s)) if op == "div" else rnd
    A(f"{op}_same", op, [rnd(2, 3), other(2, 3)])
    A(f"{op}_col_row", op, [rnd(3, 1), other(1, 4)])
    A(f"{op}_matrix_vector", op, [rnd(2, 3), other(3)])
    A(f"{op}_scalar0d_matrix", op, [rnd(()), other(2, 3)])
    A(f"{op}_matrix_scalar0d", op, [rnd(2, 3), other(())])
    A(f"{op}_3d_bcast", op, [rnd(2, 1, 3), other(4, 1)])
    A(f"{op}_empty", op, [rnd(0, 3), other(3)])
for op in ["add_scalar", "radd_scalar", "sub_scalar", "rsub_scalar", "mul_scalar", "rmul_scalar",
           "div_scalar"]:
    A(op, op, [rnd(2, 3)], {"s": 1.5})
A("rdiv_scalar", "rdiv_scalar", [pos(2, 3)], {"s": -2.5})
A("mul_scalar_0d", "mul_scalar", [rnd(())], {"s": -3.0})
A("neg", "neg", [rnd(2, 3)])
A("neg_0d", "neg", [rnd(())])

# matmul in every rank combination torch.matmul accepts.
for sa, sb in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)),
               ((2, 2, 3), (3, 4)), ((3, 4), (2, 4, 5)), ((2, 1, 2, 3), (3, 3, 2)), ((3,), (2, 3, 4)),
               ((2, 3, 4), (4,)), ((2, 0), (0, 3)), ((0, 3), (3, 2)), ((2, 3, 0), (0, 4))]:
    A("matmul_" + "x".join(map(str, sa)) + "_" + "x".join(map(str, sb)), "matmul", [rnd(*sa), rnd(*sb)])

# Shaping.
A("transpose_2d", "transpose", [rnd(2, 3)], {"d0": 0, "d1": 1})
A("transpose_3d_02", "transpose", [rnd(2, 3, 4)], {"d0": 0, "d1": 2})
A("transpose_3d_neg", "transpose", [rnd(2, 3, 4)], {"d0": -1, "d1": -2})
A("transpose_4d_13", "transpose", [rnd(2, 3, 1, 2)], {"d0": 1, "d1": 3})
A("t_2d", "t", [rnd(2, 3)])
A("t_1d", "t", [rnd(3)])
A("reshape_infer", "reshape", [rnd(2, 3, 4)], {"shape": [4, -1]})
A("view_flat", "view", [rnd(2, 3)], {"shape": [-1]})
A("unsqueeze_0", "unsqueeze", [rnd(2, 3)], {"dim": 0})
A("unsqueeze_neg", "unsqueeze", [rnd(2, 3)], {"dim": -1})
A("squeeze_dim", "squeeze", [rnd(2, 1, 3)], {"dim": 1})
A("squeeze_all", "squeeze", [rnd(1, 2, 1, 3)], {})
A("flatten_all", "flatten", [rnd(2, 3, 4)], {})
A("flatten_inner", "flatten", [rnd(2, 3, 2, 1)], {"start": 1, "end": 2})
A("select_0", "select", [rnd(3, 4)], {"dim": 0, "index": 1})
A("select_inner_neg", "select", [rnd(2, 3, 4)], {"dim": -2, "index": -1})
A("index_2", "index", [rnd(3, 4, 2)], {"indices": [2, 1]})

# Reductions.
X = rnd(2, 3, 2)
for op in ["sum", "mean"]:
    A(f"{op}_all", op, [X])
    A(f"{op}_0d", op, [rnd(())])
    for d in [0, 1, 2, -1, -3]:
        for k in [False, True]:
            A(f"{op}_dim{d}_keep{int(k)}", op, [X], {"dim": d, "keepdim": k})
    A(f"{op}_empty_all", op, [rnd(0, 3)])
    A(f"{op}_empty_dim0", op, [rnd(0, 3)], {"dim": 0, "keepdim": False})
    A(f"{op}_empty_dim1", op, [rnd(0, 3)], {"dim": 1, "keepdim": True})
A("max_all", "max", [rnd(3, 4)])
A("max_all_ties", "max", [torch.tensor([[1.0, 3.0], [3.0, -2.0]])])
for d in [0, 1, -1]:
    for k in [False, True]:
        A(f"max_dim{d}_keep{int(k)}", "max_dim", [X], {"dim": d, "keepdim": k})
        A(f"max_indices_dim{d}_keep{int(k)}", "max_dim_indices", [X], {"dim": d, "keepdim": k})
A("max_dim_ties", "max_dim", [torch.tensor([[2.0, 2.0, 1.0], [0.0, 5.0, 5.0]])], {"dim": 1, "keepdim": False})
A("argmax_all", "argmax", [rnd(3, 4)])
A("argmax_dim1", "argmax", [rnd(3, 4)], {"dim": 1, "keepdim": False})
A("argmax_dim0_keep", "argmax", [rnd(3, 4)], {"dim": 0, "keepdim": True})

# Elementwise functions.
A("abs", "abs", [rnd(2, 3)])
A("exp", "exp", [rnd(2, 3)])
A("exp_extreme", "exp", [torch.tensor([-100.0, -10.0, 0.0, 10.0, 80.0])])
A("log", "log", [pos(2, 3)])
A("sqrt", "sqrt", [pos(2, 3)])
for p in [0.0, 1.0, 2.0, 0.5, -1.0, 3.0, -2.5]:
    A(f"pow_{p}", "pow", [pos(2, 3)], {"p": p})
A("pow_3_negative_base", "pow", [rnd(2, 3)], {"p": 3.0})
A("square", "square", [rnd(2, 3)])
A("clamp_min", "clamp", [rnd(3, 4)], {"min": -0.5})
A("clamp_max", "clamp", [rnd(3, 4)], {"max": 0.5})
A("clamp_both", "clamp", [rnd(3, 4)], {"min": -0.5, "max": 0.5})
A("clamp_inverted", "clamp", [rnd(3, 4)], {"min": 0.5, "max": -0.5})
BOUNDS = torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0])
A("clamp_at_bounds", "clamp", [BOUNDS], {"min": -0.5, "max": 0.5})
A("clamp_min_at_bound", "clamp", [BOUNDS], {"min": 0.5})
A("clamp_max_at_bound", "clamp", [BOUNDS], {"max": -0.5})
A("relu", "relu", [rnd(3, 4)])
A("abs_empty", "abs", [rnd(0, 3)])
A("exp_0d", "exp", [rnd(())])

# Activations, including extreme inputs where values and gradients must stay finite.
EXTREME = torch.tensor([-1e4, -100.0, -20.0, -3.0, -0.5, 0.0, 0.5, 3.0, 20.0, 100.0, 1e4])
for op, args in [("sigmoid", {}), ("tanh", {}), ("leaky_relu", {}), ("leaky_relu", {"slope": 0.2}),
                 ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {})]:
    tag = op + "".join(f"_{v}" for v in args.values())
    A(tag, op, [rnd(3, 4, lo=-4, hi=4)], args)
    A(tag + "_extreme", op, [EXTREME], args)
    A(tag + "_0d", op, [rnd(())], args)
for op in ["softmax", "log_softmax"]:
    A(f"{op}_dim1", op, [rnd(3, 4, lo=-4, hi=4)], {"dim": 1})
    A(f"{op}_dim0", op, [rnd(3, 4, lo=-4, hi=4)], {"dim": 0})
    A(f"{op}_3d_mid", op, [rnd(2, 3, 4, lo=-4, hi=4)], {"dim": -2})
    A(f"{op}_extreme", op, [torch.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [5.0, 100.0, -100.0]])],
      {"dim": 1})
    A(f"{op}_0d", op, [rnd(())], {"dim": 0})
    A(f"{op}_empty", op, [rnd(0, 3)], {"dim": 1})

# Special values (nan, +-inf, +-0): forward values and gradients as PyTorch defines them, so NaN is
# propagated (not masked) and nothing turns finite inputs into NaN.
SPECIAL = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 0.0, -1.0, 2.0])
for op, args in [("relu", {}), ("abs", {}), ("clamp", {"min": -0.5, "max": 0.5}), ("clamp", {"min": 0.0}),
                 ("clamp", {"max": 0.0}),
                 ("sigmoid", {}), ("tanh", {}), ("leaky_relu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
                 ("silu", {}), ("exp", {}), ("sqrt", {}), ("log", {}), ("pow", {"p": 3.0}), ("pow", {"p": 0.5}),
                 ("square", {}), ("neg", {}), ("max", {}), ("add_scalar", {"s": 1.0}), ("mul_scalar", {"s": 2.0})]:
    A("special_" + op + "".join(f"_{k}{v}" for k, v in args.items()), op, [SPECIAL], args)
A("special_softmax_nan_row", "softmax", [torch.tensor([[float("nan"), 1.0], [0.0, 1.0]])], {"dim": 1})
A("special_log_softmax_inf_row", "log_softmax", [torch.tensor([[float("inf"), 1.0], [-float("inf"), 1.0]])],
  {"dim": 1})

# Comparisons (no grad).
CA = torch.tensor([[1.0, 2.0, 3.0], [4.0, 2.0, float("nan")]])
CB = torch.tensor([2.0, 2.0, 1.0])
for op in ["eq", "ne", "gt", "lt", "ge", "le"]:
    ops.append(case(f"cmp_{op}", op, [CA, CB], grad=False))
ops.append(case("cmp_gt_scalar", "gt_scalar", [CA], grad=False, s=2.0))

# Printing: str(t) of tensors built by the ops above.
prints = []


def P(name, op, inputs, requires_grad=False, **args):
    xs = [x.clone().to(torch.float32).requires_grad_(requires_grad) for x in inputs]
    out = OPS[op](xs, args)
    prints.append({"name": name, "op": op, "args": args, "inputs": [t(x) for x in xs],
                   "requires_grad": requires_grad, "str": str(out)})


T = torch.tensor
P("int_valued", "identity", [T([[42.0, 42.0]])])
P("single", "identity", [T([-0.2723])])
P("zero_0d", "identity", [T(0.0)])
P("fraction_0d", "identity", [T(0.2701)])
P("ints_mixed_width", "identity", [T([1.0, -10.0, 100.0, 0.0])])
P("fractions", "identity", [T([[0.5, -1.25, 3.14159], [2.0, 0.001, -0.0005]])])
P("sci_tiny", "identity", [T([1e-5, 0.5, 1.0])])
P("sci_huge", "identity", [T([1e9, 1.0, -2.5])])
P("sci_ratio", "identity", [T([0.001, 1.5, 2.0])])
P("sci_ratio_ints", "identity", [T([1.0, 2000.0])])
P("big_ints_no_sci", "identity", [T([1.0, 999.0, -12.0])])
P("ints_over_1e8", "identity", [T([3e8, 1.0])])
P("negative_zero", "identity", [T([-0.0, 1.0, 2.0])])
P("negative_zero_only", "identity", [T([-0.0, 0.0])])
P("negative_zero_fraction", "identity", [T([-0.0, 0.5])])
P("nan_inf_ints", "identity", [T([float("nan"), float("inf"), -float("inf"), 1.0, 2.0])])
P("nan_inf_fractions", "identity", [T([float("nan"), 0.25, -float("inf")])])
P("nan_inf_sci", "identity", [T([float("nan"), 1e-7, float("inf"), 3.0])])
P("nan_only", "identity", [T([float("nan"), float("nan")])])
P("inf_0d", "identity", [T(float("-inf"))])
P("zeros_2d", "identity", [torch.zeros(2, 3)])
P("empty_1d", "identity", [torch.zeros(0)])
P("empty_0x3", "identity", [torch.zeros(0, 3)])
P("empty_2x0x4", "identity", [torch.zeros(2, 0, 4)])
P("empty_requires_grad", "identity", [torch.zeros(0, 3)], requires_grad=True)
P("empty_bool", "gt", [torch.zeros(0), T(0.0)])
P("empty_bool_2d", "gt_scalar", [torch.zeros(0, 3)], s=0.0)
P("empty_int64", "argmax", [torch.zeros(0, 3)], dim=1, keepdim=False)
P("bool_true_true", "gt_scalar", [T([2.0, 3.0])], s=1.0)
P("bool_mixed_2d", "eq", [T([[1.0, 2.0], [3.0, 4.0]]), T([1.0, 4.0])])
P("bool_0d", "eq_scalar", [T(1.0)], s=1.0)
P("bool_transposed", "gt_transposed", [T([[1.0, 2.0, 3.0]]), T(1.5)])
P("int64_argmax", "argmax", [T([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])], dim=1, keepdim=False)
P("int64_argmax_0d", "argmax", [T([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])])
P("int64_wide", "argmax", [torch.zeros(3, 12).index_fill_(1, torch.tensor([11]), 1.0).t()], dim=0, keepdim=True)
P("row_1x30_wraps", "arange", [], end=30, scale=0.37, shape=[1, 30])
P("row_30_ints_wraps", "arange", [], end=30, scale=1.0, shape=[30])
P("matrix_3d", "arange", [], end=24, scale=0.5, shape=[2, 3, 4])
P("matrix_4d", "arange", [], end=16, scale=1.0, shape=[2, 2, 2, 2])
P("summarized_1d", "arange", [], end=1500, scale=1.0, shape=[1500])
P("summarized_2d", "arange", [], end=2000, scale=0.01, shape=[40, 50])
P("summarized_3d", "arange", [], end=1100, scale=1.0, shape=[11, 10, 10])
P("summarized_rows_only", "arange", [], end=1200, scale=0.5, shape=[600, 2])
P("not_summarized_1000", "arange", [], end=1000, scale=0.0, shape=[1000])
P("wide_fixed", "identity", [T([99999.5, 100.25, -3000.125])])
P("rounding_fixed", "identity", [T([0.12345, 0.98765, 2.00005, -0.00015])])
P("sci_negative_mixed", "identity", [T([-1e-5, 2.5e6, -0.0])])
P("threshold_1e-4", "identity", [T([1e-4, 1.0])])
P("int_large_sci", "identity", [T([-12345678.0, 1.0])])
P("nan_negative_zero", "identity", [T([float("nan"), -0.0])])
P("summarized_cols", "arange", [], end=1200, scale=0.25, shape=[2, 600])
P("bool_summarized", "arange_gt", [], end=1200, shape=[1200], s=600.0)
P("bool_summarized_2d", "arange_gt", [], end=1200, shape=[30, 40], s=100.0)
P("requires_grad_leaf", "identity", [T([1.0, 2.0])], requires_grad=True)
P("requires_grad_0d", "identity", [T(3.5)], requires_grad=True)
P("requires_grad_int_0d", "identity", [T(3.0)], requires_grad=True)
P("requires_grad_wraps", "identity", [torch.arange(0, 16, dtype=torch.float32) * 1.25], requires_grad=True)
P("grad_fn_sum", "sum", [T([0.1, 0.2, -0.03, 0.0001])], requires_grad=True)
P("grad_fn_mean", "mean", [T([[1.0, 2.0], [3.0, 4.5]])], requires_grad=True)
P("grad_fn_add", "add", [T([1.0, 2.0]), T([0.5, 0.25])], requires_grad=True)
P("grad_fn_mul", "mul", [T([[1.0, 2.0]]), T([[3.0], [4.0]])], requires_grad=True)
P("grad_fn_mm", "matmul", [T([[1.0, 2.0], [3.0, 4.0]]), T([[0.5], [-0.5]])], requires_grad=True)
P("grad_fn_relu", "relu", [T([-1.0, 0.5, 2.0])], requires_grad=True)
P("grad_fn_view", "reshape", [T([1.0, 2.0, 3.0, 4.0])], requires_grad=True, shape=[2, -1])
P("grad_fn_exp", "exp", [T([0.0, 1.0])], requires_grad=True)
P("grad_fn_sigmoid", "sigmoid", [T([0.0, 1.0])], requires_grad=True)
P("grad_fn_unsqueeze", "unsqueeze", [T([1.0, 2.0])], requires_grad=True, dim=0)
P("grad_fn_squeeze_dim", "squeeze", [T([[1.0, 2.0]])], requires_grad=True, dim=0)
P("grad_fn_squeeze_all", "squeeze", [T([[1.0, 2.0]])], requires_grad=True)
P("grad_fn_transpose", "transpose", [T([[1.0, 2.0]])], requires_grad=True, d0=0, d1=1)
P("grad_fn_t", "t", [T([[1.0, 2.0]])], requires_grad=True)
P("grad_fn_select", "select", [T([[1.0, 2.0]])], requires_grad=True, dim=0, index=0)
P("grad_fn_wraps", "mul_scalar", [torch.arange(0, 20, dtype=torch.float32) * 0.123], requires_grad=True, s=1.0)
P("grad_fn_wraps_2d", "add_scalar", [(torch.arange(0, 24, dtype=torch.float32) * 1.5).reshape(2, 12)],
  requires_grad=True, s=0.25)

# arange lengths and values for fractional steps; arguments rounded to float32 (Swift's API takes Float).
aranges = []
for start, end, step in [(0, 1, 0.1), (0, 0.3, 0.1), (1, 2.5, 0.5), (0, 1, 0.3), (-1, 1, 0.25), (2, -1, -0.7),
                         (0, 10, 3), (0.5, 0.5, 1), (0, 5, 1), (0.1, 1.7, 0.2), (-0.5, 3.3, 0.45)]:
    s, e, st = f32(start), f32(end), f32(step)
    a = torch.arange(s, e, st, dtype=torch.float32)
    aranges.append({"start": s, "end": e, "step": st, "out": t(a)})

write("core", {"torch": torch.__version__, "ops": ops, "print": prints, "arange": aranges})
