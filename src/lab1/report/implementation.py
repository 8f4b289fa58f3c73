"""Section 2, implementation details: the sigmoid, the architecture and backpropagation.

The formulas are fixed text; the code is quoted from lab1's source when the report is
written (``inspect.getsource``), so it is always the code that ran.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lab1.config import hidden_sizes
from lab1.nn import activations, layers, losses, network, optimizers
from lab1.report import figures
from lab1.report.blocks import Block, Code, Figure, Heading, Math, Para

QUOTED: dict[str, Callable[..., Any]] = {  # label -> the function the report quotes
    "code-sigmoid": activations._sigmoid,
    "code-sigmoid-back": activations._sigmoid_back,
    "code-dense-forward": layers.Dense.forward,
    "code-mse": losses._mse_value_and_grad,
    "code-bce": losses._sigmoid_bce_value_and_grad,
    "code-network-backward": network.Network.backward,
    "code-dense-backward": layers.Dense.backward,
    "code-activation-backward": layers.Activation.backward,
    "code-sgd-step": optimizers.SGD.step,
}


def source(label: str) -> str:
    """The quoted function's source as it is in lab1 now, dedented."""
    return textwrap.dedent(inspect.getsource(QUOTED[label]))


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
    figures.sigmoid(out / "impl_sigmoid.png")
    return [
        Heading(2, "Sigmoid function"),
        Para(
            "Every hidden layer and the output of the lab network use the logistic sigmoid, and "
            "backpropagation needs its derivative, which it reads from the sigmoid's own output "
            "(@fig-sigmoid, @code-sigmoid, @code-sigmoid-back):"
        ),
        Math(r"\sigma(x) = \frac{1}{1 + e^{-x}}", "sigma(x) = 1 / (1 + e^(-x))"),
        Math(r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))", "sigma'(x) = sigma(x) (1 - sigma(x))"),
        Figure(
            "impl_sigmoid.png",
            "The sigmoid and its derivative, computed by lab1's code.",
            "fig-sigmoid",
            "75%",
        ),
        _code("code-sigmoid", "lab1's sigmoid (forward), from `src/lab1/nn/activations.py`."),
        _code("code-sigmoid-back", "Its derivative, used by the backward pass."),
    ]


def architecture_part(cfg: Any, n_params: int, out: Path) -> list[Block]:
    """2.B: a diagram drawn from the baseline's config, and the forward equations."""
    widths = [2, *hidden_sizes(cfg), 1]
    acts = [cfg.activation] * (len(widths) - 2) + [cfg.output_activation]
    figures.architecture(widths, acts, n_params, out / "impl_architecture.png")
    depth = len(widths) - 1
    return [
        Heading(2, "Neural network architecture"),
        Para(
            f"The baseline network has {len(widths) - 2} hidden layers ({', '.join(map(str, widths[1:-1]))} "
            f"units, `{cfg.activation}`), one `{cfg.output_activation}` output unit and {n_params} "
            f"parameters (@fig-architecture). Each layer `l` is a `Dense` layer followed by its "
            "activation; `Dense` keeps `W` and `b` as one matrix `[W; b]` (@code-dense-forward). "
            f"For l = 1 to {depth}, with a_0 = x:"
        ),
        Math(
            r"z_l = W_l^\top a_{l-1} + b_l, \qquad a_l = \sigma(z_l), \qquad \hat y = a_" + str(depth),
            f"z_l = W_l^top a_(l-1) + b_l, quad a_l = sigma(z_l), quad hat(y) = a_{depth}",
        ),
        Figure("impl_architecture.png", "The baseline network, drawn from its config.", "fig-architecture"),
        _code("code-dense-forward", "The forward pass of a `Dense` layer, `src/lab1/nn/layers.py`."),
    ]


def backprop_part(optims: list[str]) -> list[Block]:
    """2.C: the chain rule layer by layer, each loss's gradient, each optimizer's update."""
    blocks: list[Block] = [
        Heading(2, "Backpropagation"),
        Para(
            "The loss gives dL/dŷ for every sample; the backward pass then walks the layers from "
            "the output down (@code-network-backward). An activation turns the gradient of its "
            "output into that of its input, elementwise (@code-activation-backward); a `Dense` "
            "layer turns it into the gradient of its weights and bias and of its input "
            "(@code-dense-backward). For the lab network, in the code's notation (`dy` the "
            "gradient arriving from above, `[x; 1]` the layer's input with a row of ones):"
        ),
        Math(
            r"\delta_L = \frac{\partial L}{\partial \hat y} \odot \sigma'(z_L)",
            "delta_L = (partial L) / (partial hat(y)) dot.o sigma'(z_L)",
        ),
        Math(
            r"\frac{\partial L}{\partial [W_l; b_l]} = [a_{l-1}; 1]\, \delta_l^\top, \qquad "
            r"\delta_{l-1} = (W_l\, \delta_l) \odot \sigma'(z_{l-1})",
            "(partial L) / (partial [W_l; b_l]) = [a_(l-1); 1] delta_l^top, quad "
            "delta_(l-1) = (W_l delta_l) dot.o sigma'(z_(l-1))",
        ),
        Para(
            "Losses. `mse` is the mean over the n samples of (p - y)^2 and `bce` the mean binary "
            "cross-entropy, which lab1 computes from the output's logit z, so a saturated sigmoid "
            "gives no NaN (@code-mse, @code-bce):"
        ),
        Math(
            r"L_{mse} = \frac{1}{n}\sum_i (p_i - y_i)^2, \qquad \frac{\partial L}{\partial p_i} = \frac{2}{n}(p_i - y_i)",
            'L_"mse" = 1/n sum_i (p_i - y_i)^2, quad (partial L) / (partial p_i) = 2/n (p_i - y_i)',
        ),
        Math(
            r"L_{bce} = \frac{1}{n}\sum_i \log(1 + e^{z_i}) - y_i z_i, \qquad \frac{\partial L}{\partial z_i} = \frac{1}{n}(\sigma(z_i) - y_i)",
            'L_"bce" = 1/n sum_i log(1 + e^(z_i)) - y_i z_i, quad (partial L) / (partial z_i) = 1/n (sigma(z_i) - y_i)',
        ),
        Para(
            "Updates. Each optimizer follows `torch.optim`'s rule, with g the gradient, η the "
            "learning rate and every state starting at zero; plain gradient descent is @code-sgd-step:"
        ),
    ]
    for name, latex, typ in OPTIMIZER_RULES:
        if name in optims:
            blocks += [Para(f"`{name}`:"), Math(latex, typ)]
    blocks += [
        _code("code-network-backward", "The backward pass of a network, `src/lab1/nn/network.py`."),
        _code("code-activation-backward", "An activation's backward step."),
        _code("code-dense-backward", "A `Dense` layer's backward step."),
        _code("code-mse", "The MSE loss and its gradient, `src/lab1/nn/losses.py`."),
        _code("code-bce", "The BCE loss computed from the logits, with the sigmoid output."),
        _code("code-sgd-step", "The SGD update (momentum optional), `src/lab1/nn/optimizers.py`."),
    ]
    return blocks


def section(cfg: Any, n_params: int, optims: list[str], out: Path) -> list[Block]:
    """The whole of section 2."""
    return [
        Heading(1, "Implementation details", "implementation"),
        *sigmoid_part(out),
        *architecture_part(cfg, n_params, out),
        *backprop_part(optims),
    ]
