"""PyTorch side of scripts/bench.sh: the same workloads, shapes and thread count as bench/bench.c.

Prints one line per workload, `bench <name> torch_us=<median microseconds per step>`, and the wide
workload's peak resident memory. Timing: warm-up, then the median of REPS repetitions, each the mean of
enough steps to last about 0.1 s.
"""
import argparse
import resource
import statistics
import time

import torch
from torch import nn
from torch.nn import functional as F


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


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def train_step_fn(net, x, y, loss_fn):
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    return step


def workloads():
    g = torch.Generator().manual_seed(0)
    net = mlp([20, 256, 10])
    x = torch.rand(2, 20, generator=g)
    y = torch.randint(0, 10, (2,), generator=g)
    yield "tiny_mlp_b2_adam", train_step_fn(net, x, y, F.cross_entropy)

    chimera = nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP())
    xc = torch.rand(2, 20, generator=g)
    chimera(xc)

    def chimera_step():
        chimera.zero_grad()
        chimera(xc).backward()

    yield "chimera_fwd_bwd", chimera_step

    net = mlp([784, 256, 256, 10])
    x = torch.rand(128, 784, generator=g)
    y = torch.randint(0, 10, (128,), generator=g)
    yield "mnist_mlp_b128_adam", train_step_fn(net, x, y, F.cross_entropy)

    net = mlp([1024, 4096, 4096, 1024])
    x = torch.rand(256, 1024, generator=g)
    y = torch.rand(256, 1024, generator=g)
    yield "wide_mlp_b256_adam", train_step_fn(net, x, y, F.mse_loss)


def median_us(step, reps):
    for _ in range(3):
        step()
    t0 = time.perf_counter()
    step()
    once = time.perf_counter() - t0
    n = max(1, int(0.1 / max(once, 1e-7)))
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        samples.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--only", default=None, help="run only this workload")
    ap.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    for name, step in workloads():
        if args.only and name != args.only:
            continue
        print(f"bench {name} torch_us={median_us(step, args.reps):.1f}", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench torch_peak_rss_mb torch={peak_mb:.0f}", flush=True)


if __name__ == "__main__":
    main()
