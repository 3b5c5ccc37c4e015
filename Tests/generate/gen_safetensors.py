"""Writes the .safetensors fixtures the Swift tests (Tests/SwishTests/Safetensors*.swift, Checkpoint*.swift)
and the C test tests-c/safetensors_fixtures.c read, with the real `safetensors` and `torch` packages, so
Swish's reader is checked against files PyTorch users make.

Run by hand (needs torch and safetensors):  python3 Tests/generate/gen_safetensors.py

Files written into Tests/SwishTests/Fixtures/:
- st_dtypes.safetensors + st_dtypes.json: one tensor per float dtype Swish loads (F32, F16, BF16, F64)
  holding the awkward values (signed zero, subnormals, the largest finite value, inf, nan, values that
  round when narrowed to float32), shapes 0-d, empty and 2-d; the JSON holds, per tensor, the shape
  and the bit patterns of torch's `.float()` of it, which Swish's conversion must reproduce exactly.
- st_int64.safetensors: an I64 tensor, a dtype Swish refuses with a format error naming it.
- st_python_f32.safetensors: float32 tensors whose names test key ordering and JSON escaping, with one
  metadata entry; Swish must re-encode it to the same bytes (one metadata key, because the Rust writer
  orders metadata keys by hash, not by name).
- mlp / tied / chimera (.safetensors = the model's weights, _io.safetensors = input and PyTorch's
  output): the seed notebook's three networks. mlp and chimera are written with
  `save_file(model.state_dict())`; tied with `save_model`, which stores a tied tensor once and records
  each dropped alias in __metadata__ as alias -> kept name. chimera_io also holds FixedHiddenMLP's
  `rand_weight`, which is a plain attribute and so not in the state dict.
"""
import json
import os

import torch
from torch import nn
from torch.nn import functional as F
from safetensors.torch import save_file, save_model

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "SwishTests", "Fixtures")


def path(name):
    return os.path.join(FIXTURES, name)


def report(name):
    print("wrote", name, os.path.getsize(path(name)), "bytes")


def bits(t):
    """The float32 bit patterns of `t.float()`, row-major, as unsigned integers."""
    return [v & 0xFFFFFFFF for v in t.float().reshape(-1).view(torch.int32).tolist()]


def dtypes():
    inf, nan = float("inf"), float("nan")
    f32 = torch.tensor(
        [0.0, -0.0, 1.0 / 3.0, 2.0**-149, 2.0**-126, 3.4028234663852886e38, -inf, inf, nan, -2.5],
        dtype=torch.float32,
    ).reshape(2, 5)
    f16 = torch.tensor(
        [0.0, -0.0, 2.0**-24, 2.0**-14 - 2.0**-24, 2.0**-14, 65504.0, -65504.0, inf, -inf, nan, 1.0 / 3.0, -2.5],
        dtype=torch.float16,
    ).reshape(3, 4)
    bf16 = torch.tensor(
        [0.0, -0.0, 2.0**-133, 2.0**-126, 3.3895313892515355e38, inf, -inf, nan, 1.0 / 3.0, -2.5],
        dtype=torch.bfloat16,
    )
    # float64 values chosen to exercise narrowing: round to nearest even at a tie, underflow into the
    # float32 subnormals and to zero, overflow to inf, and the largest double that still rounds to the
    # largest float32.
    f64 = torch.tensor(
        [
            1.0 / 3.0, 0.1, 1.0 + 2.0**-24, 1.0 + 3 * 2.0**-24, 1e-40, 2.0**-150, 2.0**-151, 1e-50,
            -1e-50, 1e39, -1e39, 3.4028235677973362e38, inf, nan, -0.0, 123456789.0,
        ],
        dtype=torch.float64,
    ).reshape(4, 4)
    tensors = {
        "f32": f32,
        "f16": f16,
        "bf16": bf16,
        "f64": f64,
        "bf16_scalar": torch.tensor(-1.5, dtype=torch.bfloat16),
        "f16_empty": torch.zeros(0, 3, dtype=torch.float16),
        "f64_scalar": torch.tensor(2.0**-140, dtype=torch.float64),
    }
    save_file(tensors, path("st_dtypes.safetensors"), metadata={"format": "pt"})
    report("st_dtypes.safetensors")
    expected = {
        "metadata": {"format": "pt"},
        "tensors": {
            name: {"dtype": str(t.dtype), "shape": list(t.shape), "bits": bits(t)} for name, t in tensors.items()
        },
    }
    with open(path("st_dtypes.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    report("st_dtypes.json")


def int64():
    save_file({"index": torch.arange(3, dtype=torch.int64)}, path("st_int64.safetensors"))
    report("st_int64.safetensors")


def python_f32():
    g = torch.Generator().manual_seed(1)
    names = [
        "b", "a.weight", "a.bias", "Z", "0.weight", "é", "日本", "quote\"back\\slash/\nnl\tcontrol\x01\x7f",
    ]
    tensors = {n: torch.rand(2, 3, generator=g) for n in names}
    tensors["scalar"] = torch.tensor(-0.75)
    tensors["empty"] = torch.zeros(0, 3)
    tensors["eight_d"] = torch.rand(1, 2, 1, 1, 2, 1, 1, 2, generator=g)
    save_file(tensors, path("st_python_f32.safetensors"), metadata={"note": "written by safetensors.torch ✓"})
    report("st_python_f32.safetensors")


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(20, 256)
        self.out = nn.Linear(256, 10)

    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.rand_weight = torch.rand((20, 20))
        self.linear = nn.Linear(20, 20)

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
        self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.linear = nn.Linear(32, 16)

    def forward(self, X):
        return self.linear(self.net(X))


def models():
    torch.manual_seed(0)
    X = torch.rand(2, 20)
    mlp = MLP()
    with torch.no_grad():
        Y = mlp(X)
    save_file(mlp.state_dict(), path("mlp.safetensors"))
    save_file({"X": X, "Y": Y}, path("mlp_io.safetensors"))
    report("mlp.safetensors")
    report("mlp_io.safetensors")

    X = torch.rand(2, 4)
    shared = nn.Linear(8, 8)
    tied = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        Y = tied(X)
    save_model(tied, path("tied.safetensors"))
    save_file({"X": X, "Y": Y}, path("tied_io.safetensors"))
    report("tied.safetensors")
    report("tied_io.safetensors")

    X = torch.rand(2, 20)
    chimera = nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP())
    with torch.no_grad():
        Y = chimera(X)
    save_file(chimera.state_dict(), path("chimera.safetensors"))
    save_file({"X": X, "Y": Y, "rand_weight": chimera[2].rand_weight}, path("chimera_io.safetensors"))
    report("chimera.safetensors")
    report("chimera_io.safetensors")


if __name__ == "__main__":
    os.makedirs(FIXTURES, exist_ok=True)
    dtypes()
    int64()
    python_f32()
    models()
