"""lab1's training against PyTorch's, step for step: same data, same initial weights.

    pip install torch && python benchmarks/torch_reference.py [--epochs 300]

For each case (optimizers with non-default settings, activations, losses, both datasets,
the CNN with padding, stride and max pooling)
lab1 trains one network through its Python API; PyTorch (float64, autograd,
``torch.optim``) then trains the same network from lab1's initial weights on the same
data. Prints the final losses and the largest relative difference of any parameter.
Not part of the test suite: PyTorch is not a dependency of lab1.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

CASES: list[list[str]] = [
    ["optim=sgd"],
    ["optim=momentum", "optim.nesterov=true", "optim.weight_decay=0.01"],
    ["optim=momentum", "optim.dampening=0.3", "activation=tanh"],
    ["optim=adam"],
    [
        "optim=adam",
        "optim.amsgrad=true",
        "optim.weight_decay=0.1",
        "lr=0.05",
        "activation=relu",
        "dataset=linear",
    ],
    ["optim=adagrad", "optim.lr_decay=0.01", "optim.initial_accumulator_value=0.1", "activation=tanh"],
    ["optim=rmsprop"],
    ["optim=rmsprop", "optim.centered=true", "optim.momentum=0.5", "loss=bce", "dataset=linear"],
    ["optim=sgd", "activation=leaky_relu", "hidden=[4,7]", "init=xavier"],
    ["optim=sgd", "activation=none", "output_activation=none", "dataset=linear", "lr=0.001"],
    ["model=cnn", "dataset=bars", "optim=adam", "lr=0.01"],
    ["model=cnn", "dataset=bars", "model.padding=1", "model.stride=2", "activation=tanh"],
    ["model=cnn", "dataset=bars", "dataset.size=8", "model.pool=2", "model.filters=4", "activation=relu"],
]

TORCH_OPTIMIZERS = {
    "sgd": "SGD",
    "momentum": "SGD",
    "adam": "Adam",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
}


def torch_optimizer(torch, params: list, optim: dict, lr: float):
    """The torch.optim optimizer a lab1 ``optim`` config describes."""
    kwargs = {k: v for k, v in optim.items() if k != "name"}
    kwargs["lr"] = lr
    if "beta1" in kwargs:
        kwargs["betas"] = (kwargs.pop("beta1"), kwargs.pop("beta2"))
    return getattr(torch.optim, TORCH_OPTIMIZERS[optim["name"]])(params, **kwargs)


def replay(torch, cfg, member) -> tuple[float, float]:
    """(torch's final loss, largest relative parameter difference from lab1's)."""
    acts = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, float(cfg.leaky_slope)),
        "none": lambda z: z,
    }
    X = torch.tensor(member.dataset.X, dtype=torch.float64)
    y = torch.tensor(member.dataset.y, dtype=torch.float64)[:, None]
    layers = len([k for k in member.params_init if k.startswith("W")])
    weights = [torch.tensor(member.params_init[f"W{i}"], requires_grad=True) for i in range(1, layers + 1)]
    biases = [torch.tensor(member.params_init[f"b{i}"], requires_grad=True) for i in range(1, layers + 1)]
    eps = float(np.finfo(np.float64).eps)

    def loss() -> object:
        h, first = X, 0
        if cfg.model.name == "cnn":  # conv -> activation -> [max pool] -> flatten, then the dense layers
            m, first = cfg.model, 1
            h = h.reshape(len(h), *member.dataset.image)
            h = torch.nn.functional.conv2d(
                h, weights[0], biases[0], stride=int(m.stride), padding=int(m.padding)
            )
            h = acts[cfg.activation](h)
            if m.pool is not None:
                h = torch.nn.functional.max_pool2d(h, int(m.pool))
            h = h.flatten(1)
        for i in range(first, layers):
            z = h @ weights[i] + biases[i]
            h = acts[cfg.activation if i < layers - 1 else cfg.output_activation](z)
        if cfg.loss == "mse":
            return ((h - y) ** 2).mean()
        q = h.clamp(eps, 1 - eps)
        return -(y * torch.log(q) + (1 - y) * torch.log1p(-q)).mean()

    from omegaconf import OmegaConf

    opt = torch_optimizer(torch, weights + biases, OmegaConf.to_container(cfg.optim), float(cfg.lr))
    for _ in range(int(cfg.epochs)):
        opt.zero_grad()
        loss().backward()
        opt.step()
    worst = 0.0
    for i in range(layers):
        for ours, key in ((weights[i], f"W{i + 1}"), (biases[i], f"b{i + 1}")):
            a, b = ours.detach().numpy(), member.params[key]
            worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-12))))
    return loss().item(), worst


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=300)
    args = p.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch_reference: PyTorch is not installed (pip install torch)")
    from hydra import compose, initialize_config_module

    import lab1.config  # noqa: F401  (registers the schemas)
    from lab1.config import CONFIG_PACKAGE, VERSION_BASE
    from lab1.job.population import train_configs

    width = max(len(" ".join(c)) for c in CASES)
    print(f"{'case':{width}s} {'lab1 loss':>12s} {'torch loss':>12s} {'max rel param diff':>19s}")
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        for case in CASES:
            cfg = compose("config", [*case, f"epochs={args.epochs}", "early_stop=null"])
            (member,) = train_configs([cfg])
            theirs, worst = replay(torch, cfg, member)
            print(f"{' '.join(case):{width}s} {member.loss:12.6g} {theirs:12.6g} {worst:19.2e}", flush=True)


if __name__ == "__main__":
    main()
