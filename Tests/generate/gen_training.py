"""Writes Tests/SwishTests/Fixtures/training.json: PyTorch's values for the activations (with their
extremes), the losses (forward and gradients) and 100 optimizer steps on a fixed small network, plus
Yogi from a reference loop written here from its formula, gradient clipping and learning-rate schedules.

Run by hand with torch installed:  python3 Tests/generate/gen_training.py

Yogi (Zaheer, Reddi, Sachan, Kale, Kumar: "Adaptive Methods for Nonconvex Optimization", NeurIPS 2018,
Algorithm 2) with the bias correction of Dive into Deep Learning, section 12.10 (Adam, subsection Yogi),
for parameter p with gradient g at update t = 1, 2, ...:

    g   = g + weight_decay * p
    m   = beta1 * m + (1 - beta1) * g                       m starts at 0
    s   = s - (1 - beta2) * sign(s - g^2) * g^2             s starts at initial_accumulator
    p   = p - lr * m_hat / (sqrt(s_hat) + eps),   m_hat = m / (1 - beta1^t),  s_hat = s / (1 - beta2^t)

torch has no Yogi, so yogi_reference() below runs exactly these lines; Swish's Yogi must agree.
"""
import math

import torch
import torch.nn.functional as F

from fixture_io import t, write

torch.manual_seed(0)
out = {}

# ---------------------------------------------------------------------------------------------------
# Activations: forward and the gradient of sum(w * f(x)) at a grid that includes the extremes.
# ---------------------------------------------------------------------------------------------------
grid = [-1e4, -104.0, -89.0, -88.0, -20.0, -5.0, -2.5, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0, 2.5, 5.0,
        20.0, 88.0, 89.0, 104.0, 1e4]
upstream = [((i * 7) % 11) / 11.0 - 0.3 for i in range(len(grid))]
activations = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "leaky_relu_0.2": lambda x: F.leaky_relu(x, 0.2),
    "gelu": lambda x: F.gelu(x),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
}
act = {"x": t(grid), "upstream": t(upstream)}
for name, f in activations.items():
    x = torch.tensor(grid, requires_grad=True)
    y = f(x)
    (y * torch.tensor(upstream)).sum().backward()
    act[name] = {"y": t(y), "grad": t(x.grad)}

# softmax / log_softmax over each dim of a [3, 5] input with extreme rows.
sm_x = torch.tensor([[1e4, -1e4, 0.0, 5.0, -5.0],
                     [0.1, 0.2, 0.3, 0.4, 0.5],
                     [-1e4, -1e4 + 1, -1e4 + 2, 88.0, -104.0]])
sm_up = torch.tensor([[((i * 5 + j * 3) % 7) / 7.0 - 0.4 for j in range(5)] for i in range(3)])
act["softmax_x"] = t(sm_x)
act["softmax_upstream"] = t(sm_up)
for dim in (0, 1):
    for name, f in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
        x = sm_x.clone().requires_grad_()
        y = f(x, dim)
        (y * sm_up).sum().backward()
        act[f"{name}_dim{dim}"] = {"y": t(y), "grad": t(x.grad)}
out["activations"] = act

# ---------------------------------------------------------------------------------------------------
# Losses: for each reduction, the value and the gradients (for 'none' of sum(w * loss)).
# ---------------------------------------------------------------------------------------------------
def loss_case(fn, inputs, grad_names, upstream_shape_of=None):
    """Runs fn(*inputs, reduction=r) for every reduction; returns values and gradients of the inputs
    named in grad_names (the others get no gradient)."""
    case = {}
    for r in ("mean", "sum", "none"):
        xs = [x.clone().requires_grad_(name in grad_names) for name, x in inputs]
        y = fn(*xs, reduction=r)
        if r == "none":
            w = torch.tensor([((i * 3) % 5) / 5.0 - 0.3 for i in range(y.numel())]).reshape(y.shape)
            (y * w).sum().backward()
            case["upstream_none"] = t(w)
        else:
            y.backward()
        entry = {"y": t(y)}
        for (name, _), x in zip(inputs, xs):
            if name in grad_names:
                entry["grad_" + name] = t(x.grad)
        case[r] = entry
    for name, x in inputs:
        case[name] = t(x)
    return case


losses = {}
a = torch.tensor([[0.5, -1.2, 3.0, 0.0], [2.0, -0.3, 1.5, -4.0], [1e3, -1e3, 0.25, 7.0]])
b = torch.tensor([[0.0, -1.0, 1.0, 0.0], [2.5, 0.7, -1.5, -3.5], [999.0, -998.5, 0.25, 0.0]])
losses["mse"] = loss_case(F.mse_loss, [("input", a), ("target", b)], ("input", "target"))
losses["l1"] = loss_case(F.l1_loss, [("input", a), ("target", b)], ("input", "target"))
losses["huber"] = loss_case(F.huber_loss, [("input", a), ("target", b)], ("input", "target"))
losses["huber_delta_0.5"] = loss_case(lambda x, y, reduction: F.huber_loss(x, y, reduction=reduction, delta=0.5),
                                      [("input", a), ("target", b)], ("input", "target"))

logits = torch.tensor([[1e4, -1e4, 0.0, 3.0], [-100.0, 100.0, -0.5, 0.5], [0.3, -0.7, 2.0, -2.0]])
probs = torch.tensor([[1.0, 0.0, 0.25, 0.5], [0.0, 1.0, 0.75, 0.1], [0.5, 0.5, 0.0, 1.0]])
pos_weight = torch.tensor([2.0, 0.5, 1.0, 3.0])
losses["bce_logits"] = loss_case(F.binary_cross_entropy_with_logits, [("input", logits), ("target", probs)],
                                 ("input", "target"))
losses["bce_logits_pos_weight"] = loss_case(
    lambda x, y, pw, reduction: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction=reduction),
    [("input", logits), ("target", probs), ("pos_weight", pos_weight)], ("input", "target"))

ce_x = torch.tensor([[2.0, -1.0, 0.5, 0.0, 1.0], [1e4, 0.0, -1e4, 3.0, 2.0], [-0.3, 0.8, 0.1, -2.0, 0.4],
                     [0.0, 0.0, 0.0, 0.0, 0.0]])
ce_y = torch.tensor([0, 2, 1, 4])
ce_w = torch.tensor([1.0, 2.0, 0.5, 1.5, 3.0])
ce = {}


def ce_case(x, y, **kw):
    case = {}
    for r in ("mean", "sum", "none"):
        xx = x.clone().requires_grad_()
        loss = F.cross_entropy(xx, y, reduction=r, **kw)
        if r == "none":
            w = torch.tensor([((i * 3) % 5) / 5.0 - 0.3 for i in range(loss.numel())]).reshape(loss.shape)
            (loss * w).sum().backward()
            case["upstream_none"] = t(w)
        else:
            loss.backward()
        case[r] = {"y": t(loss), "grad_input": t(xx.grad)}
    case["input"] = t(x)
    case["target"] = t(y)
    for k, v in kw.items():
        case[k] = t(v) if isinstance(v, torch.Tensor) else v
    return case


ce["plain"] = ce_case(ce_x, ce_y)
ce["smoothing"] = ce_case(ce_x, ce_y, label_smoothing=0.1)
ce["weight"] = ce_case(ce_x, ce_y, weight=ce_w)
ce["weight_smoothing"] = ce_case(ce_x, ce_y, weight=ce_w, label_smoothing=0.25)
ce["ignore"] = ce_case(ce_x, torch.tensor([0, -100, 1, 4]))
ce["ignore_custom_weight_smoothing"] = ce_case(ce_x, torch.tensor([3, 2, 3, 4]), ignore_index=3, weight=ce_w,
                                               label_smoothing=0.2)
ce["one_sample"] = ce_case(torch.tensor([0.5, -1.0, 2.0]), torch.tensor(2))
ce["spatial"] = ce_case(torch.tensor([[[1.0, -1.0, 0.0], [0.5, 2.0, -3.0]], [[0.0, 0.1, 0.2], [9.0, -9.0, 1.0]]]),
                        torch.tensor([[0, 1, 1], [1, 0, 0]]), label_smoothing=0.1)
soft = torch.softmax(torch.tensor([[1.0, 0.0, -1.0, 0.5, 0.2]] * 4) * torch.arange(1, 5).reshape(4, 1), 1)
ce["probabilities"] = ce_case(ce_x, soft)
ce["probabilities_weight_smoothing"] = ce_case(ce_x, soft, weight=ce_w, label_smoothing=0.3)
losses["cross_entropy"] = ce
out["losses"] = losses

# ---------------------------------------------------------------------------------------------------
# Optimizers: 100 full-batch steps on out = relu(x @ W1^T + b1) @ W2^T + b2, written with raw tensors.
# ---------------------------------------------------------------------------------------------------
g = torch.Generator().manual_seed(1234)
X = torch.randn(8, 4, generator=g)
Y_reg = torch.randn(8, 3, generator=g)
Y_cls = torch.tensor([0, 2, 1, 1, 0, 2, 2, 1])
init = {
    "W1": torch.randn(5, 4, generator=g) * 0.5,
    "b1": torch.randn(5, generator=g) * 0.1,
    "W2": torch.randn(3, 5, generator=g) * 0.5,
    "b2": torch.randn(3, generator=g) * 0.1,
}
names = ["W1", "b1", "W2", "b2"]


def net_loss(p, loss):
    h = torch.relu(X @ p["W1"].T + p["b1"])
    o = h @ p["W2"].T + p["b2"]
    return F.mse_loss(o, Y_reg) if loss == "mse" else F.cross_entropy(o, Y_cls)


def run(make_opt, loss, steps=100, drop_b2_every=0):
    p = {k: v.clone().requires_grad_() for k, v in init.items()}
    opt = make_opt([p[k] for k in names])
    losses_seen = []
    for step in range(steps):
        opt.zero_grad()
        l = net_loss(p, loss)
        l.backward()
        if drop_b2_every and step % drop_b2_every == 0:
            p["b2"].grad = None  # this parameter is skipped at this step
        opt.step()
        losses_seen.append(l.item())
    return {"final": {k: t(p[k]) for k in names}, "loss_first": losses_seen[0], "loss_last": losses_seen[-1]}


def yogi_reference(params, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6, weight_decay=0.0):
    """Yogi from the formula in this file's docstring, one parameter at a time."""
    b1, b2 = betas
    state = [(torch.zeros_like(q), torch.full_like(q, initial_accumulator), [0]) for q in params]

    class Opt:
        def zero_grad(self):
            for q in params:
                q.grad = None

        @torch.no_grad()
        def step(self):
            for q, (m, s, count) in zip(params, state):
                if q.grad is None:
                    continue
                count[0] += 1
                step = count[0]
                gr = q.grad + weight_decay * q if weight_decay != 0 else q.grad
                m.mul_(b1).add_((1 - b1) * gr)
                g2 = gr * gr
                s.sub_((1 - b2) * torch.sign(s - g2) * g2)
                m_hat = m / (1 - b1 ** step)
                s_hat = s / (1 - b2 ** step)
                q.sub_(lr * m_hat / (torch.sqrt(s_hat) + eps))

    return Opt()


optim = {"X": t(X), "Y_reg": t(Y_reg), "Y_cls": t(Y_cls), "init": {k: t(v) for k, v in init.items()}}
configs = {
    "sgd": ("mse", {"optimizer": "sgd", "lr": 0.05}, lambda ps: torch.optim.SGD(ps, lr=0.05)),
    "sgd_momentum": ("mse", {"optimizer": "sgd", "lr": 0.02, "momentum": 0.9, "dampening": 0.1, "weight_decay": 1e-3},
                     lambda ps: torch.optim.SGD(ps, lr=0.02, momentum=0.9, dampening=0.1, weight_decay=1e-3)),
    "sgd_nesterov": ("ce", {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3},
                     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    "adam": ("ce", {"optimizer": "adam", "lr": 1e-2}, lambda ps: torch.optim.Adam(ps, lr=1e-2)),
    "adam_weight_decay": ("mse", {"optimizer": "adam", "lr": 1e-2, "weight_decay": 1e-2},
                          lambda ps: torch.optim.Adam(ps, lr=1e-2, weight_decay=1e-2)),
    "adam_amsgrad": ("ce", {"optimizer": "adam", "lr": 1e-2, "betas": [0.8, 0.99], "amsgrad": True},
                     lambda ps: torch.optim.Adam(ps, lr=1e-2, betas=(0.8, 0.99), amsgrad=True)),
    "adamw": ("mse", {"optimizer": "adamw", "lr": 1e-2, "weight_decay": 5e-2},
              lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=5e-2)),
    "yogi": ("ce", {"optimizer": "yogi", "lr": 1e-2}, lambda ps: yogi_reference(ps, lr=1e-2)),
    "yogi_weight_decay": ("mse", {"optimizer": "yogi", "lr": 2e-2, "weight_decay": 1e-2, "initial_accumulator": 1e-3},
                          lambda ps: yogi_reference(ps, lr=2e-2, weight_decay=1e-2, initial_accumulator=1e-3)),
}
runs = {}
for name, (loss, hyper, make) in configs.items():
    r = run(make, loss)
    r.update(hyper)
    r["loss"] = loss
    runs[name] = r
# Parameters that have no gradient at some steps are skipped there, and their step count lags (b2's
# bias correction uses its own count).
r = run(lambda ps: torch.optim.Adam(ps, lr=1e-2), "mse", drop_b2_every=3)
r.update({"optimizer": "adam", "lr": 1e-2, "loss": "mse", "drop_b2_every": 3})
runs["adam_skip"] = r
optim["runs"] = runs
out["optimizers"] = optim

# ---------------------------------------------------------------------------------------------------
# Gradient clipping and learning-rate schedules.
# ---------------------------------------------------------------------------------------------------
clip = {}
grads = [torch.tensor([[3.0, -4.0], [1.0, 2.0]]), torch.tensor([0.5, -12.0, 0.25])]
for norm_type, max_norm in ((2.0, 1.0), (2.0, 100.0), (float("inf"), 2.0), (1.0, 5.0)):
    ps = [torch.zeros_like(q, requires_grad=True) for q in grads]
    for q, gq in zip(ps, grads):
        q.grad = gq.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    key = f"norm{'inf' if math.isinf(norm_type) else int(norm_type)}_max{max_norm:g}"
    clip[key] = {"norm_type": "inf" if math.isinf(norm_type) else norm_type, "max_norm": max_norm,
                 "total": total.item(), "grads": [t(q.grad) for q in ps]}
clip["grads"] = [t(q) for q in grads]
out["clip_grad_norm"] = clip

sched = {}
q = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([q], lr=0.1)
s = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
lrs = []
for _ in range(10):
    lrs.append(opt.param_groups[0]["lr"])
    opt.step()
    s.step()
sched["step"] = {"base_lr": 0.1, "step_size": 3, "gamma": 0.5, "lrs": lrs}
opt = torch.optim.SGD([q], lr=0.1)
s = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=0.001)
lrs = []
for _ in range(12):
    lrs.append(opt.param_groups[0]["lr"])
    opt.step()
    s.step()
sched["cosine"] = {"base_lr": 0.1, "t_max": 8, "eta_min": 0.001, "lrs": lrs}
out["schedules"] = sched

write("training", out)
