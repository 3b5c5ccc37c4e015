"""Shared helpers for the fixture generators: tensors are written as {"shape": [...], "data": [...]}
with float32 values (nan/inf as strings), the format Tests/SwishTests/TestSupport.swift reads."""
import json
import math
import os

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "SwishTests", "Fixtures")


def t(x):
    """A torch tensor (or nested list) as a fixture tensor."""
    import torch

    x = torch.as_tensor(x).detach().to(torch.float32)
    data = []
    for v in x.reshape(-1).tolist():
        if math.isnan(v):
            data.append("nan")
        elif math.isinf(v):
            data.append("inf" if v > 0 else "-inf")
        else:
            data.append(v)
    return {"shape": list(x.shape), "data": data}


def write(name, obj):
    path = os.path.join(FIXTURES, name + ".json")
    with open(path, "w") as f:
        json.dump(obj, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")
