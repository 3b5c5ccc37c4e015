"""Reference values for modules, parameter management and initialization (the seed notebook's sections
1-3), computed with PyTorch.

Builds the seed's nets exactly as the notebook writes them, materializes the lazy layers with a forward,
then fixes every weight (from a seeded torch generator, or from a closed formula that the C example
reproduces), runs forward and backward and writes:

  Tests/SwishTests/Fixtures/modules.json
      per net: input, state dict (all weights), the rand_weight constant, output, the loss weighting,
      every parameter's gradient, named_parameters / state_dict key lists and print(net) before and
      after the first forward.
  Tests/SwishTests/Fixtures/modules_tied.txt
      the tied net's output sum and the shared layer's weight and bias gradients, as plain numbers for
      examples-c/02_parameter_management.c (whose weights come from the formula below).

Tensors are stored as base64 float32 to keep the file small.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixture_io import FIXTURES  # noqa: E402


# ---- The seed notebook's modules, as written there -------------------------------------------------


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.LazyLinear(256)
        self.out = nn.LazyLinear(10)

    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.rand_weight = torch.rand((20, 20))
        self.linear = nn.LazyLinear(20)

    def forward(self, X):
        X = self.linear(X)
        X = F.relu(X @ self.rand_weight + 1)
        X = self.linear(X)
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        return self.linear(self.net(X))


# ---- Helpers ----------------------------------------------------------------------------------------


def compact(x):
    """A tensor as {"shape", "f32"}: its float32 values, little-endian, base64 (a third of the size of
    decimal text; the tests decode it with Foundation's base64)."""
    x = torch.as_tensor(x).detach().to(torch.float32).contiguous()
    return {"shape": list(x.shape), "f32": base64.b64encode(x.numpy().astype("<f4").tobytes()).decode("ascii")}


def formula(n, k):
    """The closed-form values the C example also uses: ((i * 37 + k * 11) % 17 - 8) / 16, exact in
    binary floating point, for element i of tensor number k."""
    return torch.tensor([((i * 37 + k * 11) % 17 - 8) / 16.0 for i in range(n)], dtype=torch.float32)


def keys(net):
    return {
        "named_parameters": [n for n, _ in net.named_parameters()],
        "state_dict_keys": list(net.state_dict().keys()),
    }


def run(net, X, loss_weight=None):
    """Forward, backward of (output * loss_weight).sum() (or of the output itself when it is a scalar)."""
    net.zero_grad()
    y = net(X)
    loss = y if loss_weight is None else (y * loss_weight).sum()
    loss.backward()
    return {
        "output": compact(y),
        "grad_fn": type(y.grad_fn).__name__,
        "grads": {n: compact(p.grad) for n, p in net.named_parameters()},
    }


def main():
    torch.manual_seed(20240611)
    out = {}

    # Section 1: MLP on X = rand(2, 20), weights as PyTorch initializes them.
    X = torch.rand(2, 20)
    net = MLP()
    before = repr(net)
    net(X)
    c = torch.randn(2, 10)
    out["mlp"] = {
        "x": compact(X),
        "state_dict": {k: compact(v) for k, v in net.state_dict().items()},
        "loss_weight": compact(c),
        "repr_before": before,
        "repr_after": repr(net),
        **keys(net),
        **run(net, X, c),
    }

    # Section 1: chimera = Sequential(NestMLP(), LazyLinear(20), FixedHiddenMLP()).
    chimera = nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP())
    before = repr(chimera)
    chimera(X)
    out["chimera"] = {
        "x": compact(X),
        "state_dict": {k: compact(v) for k, v in chimera.state_dict().items()},
        "rand_weight": compact(chimera[2].rand_weight),
        "repr_before": before,
        "repr_after": repr(chimera),
        **keys(chimera),
        **run(chimera, X),
    }
    out["nest_mlp"] = keys(chimera[0])
    out["fixed_hidden_mlp"] = keys(chimera[2])

    # Section 2: net = Sequential(LazyLinear(8), ReLU(), LazyLinear(1)) on rand(2, 4).
    X4 = torch.rand(2, 4)
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    before = repr(net)
    net(X4)
    out["sequential"] = {"repr_before": before, "repr_after": repr(net), "net2_keys": list(net[2].state_dict().keys()), **keys(net)}

    # Section 2: the tied net, with formula weights so the C example can rebuild it without this file.
    shared = nn.LazyLinear(8)
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.LazyLinear(1))
    before = repr(net)
    Xt = torch.tensor([((i * 7) % 11 - 5) / 8.0 for i in range(8)], dtype=torch.float32).reshape(2, 4)
    net(Xt)
    with torch.no_grad():
        for k, (_, p) in enumerate(net.named_parameters()):
            p.copy_(formula(p.numel(), k).reshape(p.shape))
    result = run(net, Xt, torch.ones(2, 1))
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    out["tied"] = {
        "named_modules": [n for n, _ in net.named_modules()],
        "children": [type(m).__name__ for m in net.children()],
        "apply_order": visited,
        "x": compact(Xt),
        "state_dict": {k: compact(v) for k, v in net.state_dict().items()},
        "repr_before": before,
        "repr_after": repr(net),
        **keys(net),
        **result,
    }
    with open(os.path.join(FIXTURES, "modules_tied.txt"), "w") as f:
        f.write("# gen_modules.py: the tied net of the seed's section 2 with formula weights.\n")
        f.write("# output.sum(), then d/d shared.weight (8x8, row-major), then d/d shared.bias (8)\n")
        f.write(str(np.float32(net(Xt).sum().item())) + "\n")
        f.write(" ".join(str(np.float32(v)) for v in shared.weight.grad.reshape(-1).tolist()) + "\n")
        f.write(" ".join(str(np.float32(v)) for v in shared.bias.grad.tolist()) + "\n")

    # How the other built-in modules print.
    out["reprs"] = [
        repr(m)
        for m in [nn.ReLU(), nn.LeakyReLU(), nn.LeakyReLU(0.2), nn.Sigmoid(), nn.Tanh(), nn.GELU(), nn.GELU(approximate="tanh"),
                  nn.SiLU(), nn.Flatten(), nn.Flatten(0, 2), nn.Identity(), nn.Linear(3, 4, bias=False), nn.Sequential(),
                  nn.LazyLinear(5, bias=False)]
    ]

    # Section 3 and init laws: gains PyTorch computes, for exact comparison.
    out["gains"] = {
        name: nn.init.calculate_gain(name, param)
        for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                            ("leaky_relu", None), ("selu", None)]
    }
    out["gains"]["leaky_relu_0.2"] = nn.init.calculate_gain("leaky_relu", 0.2)
    out["fans"] = {str(s): list(nn.init._calculate_fan_in_and_fan_out(torch.empty(s))) for s in [(8, 4), (16, 3, 5, 5), (2, 7, 3)]}

    path = os.path.join(FIXTURES, "modules.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    for p in (path, os.path.join(FIXTURES, "modules_tied.txt")):
        print("wrote", p, os.path.getsize(p), "bytes")


if __name__ == "__main__":
    main()
