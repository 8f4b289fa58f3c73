"""Section 2, implementation details: the sigmoid, the architecture and backpropagation, with code
quoted from ``lab1.nn.reference`` (the lab network written to be read) as it is when the report is written.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lab1.config import hidden_sizes
from lab1.job import plots
from lab1.nn import reference
from lab1.report import figures
from lab1.report.blocks import Block, Code, Figure, Heading, Math, Para

QUOTED: dict[str, tuple[Callable[..., Any], ...]] = {  # label -> what the report quotes, in order
    "code-sigmoid": (reference.sigmoid, reference.derivative_sigmoid),
    "code-forward": (reference.Layer.forward, reference.Network.forward),
    "code-loss": (reference.mse, reference.bce),
    "code-backward": (reference.Layer.backward, reference.Network.backward),
    "code-train": (reference.Network.update, reference.Network.train),
}
SOURCE = "src/lab1/nn/reference.py"
ENGINE_TEST = "tests/nn/test_reference.py"


def source(label: str) -> str:
    """The quoted functions' source as it is in lab1 now, dedented, a blank line between."""
    return "\n".join(textwrap.dedent(inspect.getsource(f)) for f in QUOTED[label])


def _code(label: str, caption: str) -> Code:
    return Code(source(label), caption, label)


OPTIMIZER_RULES = (  # (name, LaTeX, Typst): torch.optim's update rules, g the gradient
    ("sgd", r"\theta \leftarrow \theta - \eta g", "theta <- theta - eta g"),
    (
        "momentum",
        r"b \leftarrow \mu b + (1 - \tau) g, \quad \theta \leftarrow \theta - \eta b",
        "b <- mu b + (1 - tau) g, quad theta <- theta - eta b",
    ),
    (
        "adagrad",
        r"G \leftarrow G + g^2, \quad \theta \leftarrow \theta - \eta g / (\sqrt{G} + \epsilon)",
        "G <- G + g^2, quad theta <- theta - eta g \\/ (sqrt(G) + epsilon)",
    ),
    (
        "rmsprop",
        r"v \leftarrow \alpha v + (1 - \alpha) g^2, \quad \theta \leftarrow \theta - \eta g / (\sqrt{v} + \epsilon)",
        "v <- alpha v + (1 - alpha) g^2, quad theta <- theta - eta g \\/ (sqrt(v) + epsilon)",
    ),
    (
        "adam",
        r"m \leftarrow \beta_1 m + (1 - \beta_1) g, \; v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \;"
        r" \theta \leftarrow \theta - \eta \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}",
        "m <- beta_1 m + (1 - beta_1) g, space v <- beta_2 v + (1 - beta_2) g^2, space "
        "theta <- theta - eta (m \\/ (1 - beta_1^t)) / (sqrt(v \\/ (1 - beta_2^t)) + epsilon)",
    ),
)


def sigmoid_part(out: Path) -> list[Block]:
    """2.A: the formula, its derivative, a plot of both and the code."""
    plots.save(figures.sigmoid(), out / "impl_sigmoid.png")
    return [
        Heading(2, "Sigmoid function"),
        Para(
            "Every hidden layer and the output of the lab network use the logistic sigmoid. "
            "Backpropagation needs its derivative, which can be computed from the sigmoid's own "
            "output a = σ(x), so the forward pass already holds what the backward pass needs "
            "(@fig-sigmoid, @code-sigmoid):"
        ),
        Math(r"\sigma(x) = \frac{1}{1 + e^{-x}}", "sigma(x) = 1 / (1 + e^(-x))"),
        Math(r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))", "sigma'(x) = sigma(x) (1 - sigma(x))"),
        Figure("impl_sigmoid.png", "The sigmoid and its derivative.", "fig-sigmoid"),
        _code("code-sigmoid", f"The sigmoid and its derivative, from `{SOURCE}`."),
    ]


def _layers(widths: list[int]) -> str:
    """``two hidden layers of 10 units each``, or ``hidden layers of 4, 16 and 8 units``."""
    words = {1: "one", 2: "two", 3: "three"}
    count = words.get(len(widths), str(len(widths)))
    if len(set(widths)) == 1:
        return (
            f"{count} hidden layer{'s' * (len(widths) > 1)} of {widths[0]} units{' each' * (len(widths) > 1)}"
        )
    return f"{count} hidden layers of {', '.join(map(str, widths[:-1]))} and {widths[-1]} units"


def architecture_part(cfg: Any, n_params: int, out: Path) -> list[Block]:
    """2.B: a diagram drawn from the baseline's config, and the forward equations."""
    widths = [2, *hidden_sizes(cfg), 1]
    acts = [cfg.activation] * (len(widths) - 2) + [cfg.output_activation]
    plots.save(figures.architecture(widths, acts, n_params), out / "impl_architecture.png")
    depth = len(widths) - 1
    return [
        Heading(2, "Neural network architecture"),
        Para(
            f"The network has {_layers(widths[1:-1])} with the `{cfg.activation}` activation and one `{cfg.output_activation}` output "
            f"unit: {n_params} weights and biases in all (@fig-architecture). Each layer is "
            "fully connected: it multiplies its input by a weight matrix, adds a bias and applies "
            "its activation. With one sample per row of x (n samples, 2 inputs), W_l of shape "
            f"(units in, units out) and a_0 = x, for l = 1 to {depth}:"
        ),
        Math(
            r"z_l = a_{l-1} W_l + b_l, \qquad a_l = \sigma(z_l), \qquad \hat y = a_" + str(depth),
            f"z_l = a_(l-1) W_l + b_l, quad a_l = sigma(z_l), quad hat(y) = a_{depth}",
        ),
        Figure(
            "impl_architecture.png", "The network, drawn from the config of its runs.", "fig-architecture"
        ),
        Para(
            "In the code (@code-forward) a `Layer` keeps its input x, its z and its output a "
            "for the backward pass, and the network passes each layer's output to the next."
        ),
        _code("code-forward", "The forward pass of a layer and of the network."),
    ]


def backprop_part(optims: list[str]) -> list[Block]:
    """2.C: the loss and its gradient, the chain rule layer by layer, each optimizer's update."""
    blocks: list[Block] = [
        Heading(2, "Backpropagation"),
        Para(
            "The loss compares the output with the labels. The lab's loss is the mean squared "
            "error over the n samples (`mse`); the binary cross-entropy (`bce`) is the other "
            "choice (@code-loss):"
        ),
        Math(
            r"L_{mse} = \frac{1}{n}\sum_i (\hat y_i - y_i)^2, \qquad \frac{\partial L}{\partial \hat y_i} = \frac{2}{n}(\hat y_i - y_i)",
            'L_"mse" = 1/n sum_i (hat(y)_i - y_i)^2, quad (partial L) / (partial hat(y)_i) = 2/n (hat(y)_i - y_i)',
        ),
        Math(
            r"L_{bce} = -\frac{1}{n}\sum_i y_i \log \hat y_i + (1 - y_i) \log(1 - \hat y_i), \qquad \frac{\partial L}{\partial \hat y_i} = \frac{\hat y_i - y_i}{n\, \hat y_i (1 - \hat y_i)}",
            'L_"bce" = -1/n sum_i y_i log hat(y)_i + (1 - y_i) log(1 - hat(y)_i), quad '
            "(partial L) / (partial hat(y)_i) = (hat(y)_i - y_i) / (n hat(y)_i (1 - hat(y)_i))",
        ),
        Para(
            "Backpropagation is the chain rule applied from the output back to the input "
            "(@code-backward). Each layer receives the gradient of the loss with respect to its "
            "output a_l, multiplies it elementwise by its activation's derivative to get the "
            "gradient δ_l with respect to z_l, and from δ_l computes the gradients of its weights "
            "and bias and the gradient it passes down to the layer below:"
        ),
        Math(
            r"\delta_l = \frac{\partial L}{\partial a_l} \odot \sigma'(z_l), \qquad "
            r"\frac{\partial L}{\partial W_l} = a_{l-1}^\top \delta_l, \qquad "
            r"\frac{\partial L}{\partial b_l} = \sum_{i} \delta_{l,i}, \qquad "
            r"\frac{\partial L}{\partial a_{l-1}} = \delta_l W_l^\top",
            "delta_l = (partial L) / (partial a_l) dot.o sigma'(z_l), quad "
            "(partial L) / (partial W_l) = a_(l-1)^top delta_l, quad "
            "(partial L) / (partial b_l) = sum_i delta_(l,i), quad "
            "(partial L) / (partial a_(l-1)) = delta_l W_l^top",
        ),
        Para(
            "Training repeats, for every epoch, the forward pass, the loss, the backward pass and "
            "one step of gradient descent, which moves every weight and bias against its gradient "
            "by the learning rate η (@code-train):"
        ),
        Math(
            r"\theta \leftarrow \theta - \eta \frac{\partial L}{\partial \theta}",
            "theta <- theta - eta (partial L) / (partial theta)",
        ),
        _code("code-loss", "The two losses and their gradients."),
        _code("code-backward", "The backward pass of a layer and of the network."),
        _code("code-train", "One step of gradient descent, and the training loop."),
    ]
    others = [(name, latex, typ) for name, latex, typ in OPTIMIZER_RULES if name in optims and name != "sgd"]
    if others:
        blocks.append(
            Para(
                "Section 6 also trains with other optimizers. Each follows `torch.optim`'s rule, "
                "with g the gradient, η the learning rate and every state starting at zero:"
            )
        )
        for name, latex, typ in others:  # the name inside the equation: never a page apart
            blocks.append(Math(rf"\text{{{name}:}}\quad {latex}", f'"{name}:" quad {typ}'))
    return blocks


def section(cfg: Any, n_params: int, optims: list[str], out: Path) -> list[Block]:
    """The whole of section 2."""
    return [
        Heading(1, "Implementation details", "implementation"),
        Para(
            f"The code below is `{SOURCE}`: the lab network written to be read, one network in "
            "plain numpy. To run many settings and seeds, lab1 trains many networks at once with "
            f"a faster engine, which `{ENGINE_TEST}` holds equal to this code: from the same "
            "initial weights, both give the same losses and weights to within 1e-12 over 1,000 "
            "epochs."
        ),
        *sigmoid_part(out),
        *architecture_part(cfg, n_params, out),
        *backprop_part(optims),
    ]
