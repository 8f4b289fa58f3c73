"""``check grad``'s table and its plain words: the first parameter that disagrees, and where to look.

Counting from the output back (W3, b3, W2, ...), the first parameter whose gradient differs
from lab1's is named with the backward step it comes from. A gradient off by one factor
everywhere, or a loss that differs, gets its own sentence first.
"""

from __future__ import annotations

import numpy as np

from lab1.check.grad import AGREE, Result, rel_error

# a factor every gradient is off by, the loss agreeing -> what usually causes it
FACTORS = {
    0.5: "MSE's derivative has a factor 2: dL/dp = 2 (p - y) / n",
    2.0: "lab1's MSE has no 1/2: L = mean (p - y)^2, so dL/dp = 2 (p - y) / n, not 4 (p - y) / n",
    -1.0: "the sign: a gradient is dL/dtheta; the update subtracts it, the gradient itself is not negated",
}
# ... the loss off by the same factor -> what usually causes it
LOSS_FACTORS = {
    0.5: "a loss of 1/2 mean (p - y)^2; lab1's MSE has no 1/2: L = mean (p - y)^2",
    -1.0: "the loss's sign",
}


def _factor(result: Result) -> float | None:
    """The one factor r with every gradient = r x lab1's (r != 1), if there is one."""
    mine = np.concatenate([g.reshape(-1) for g in result.grads.values()])
    lab1 = np.concatenate([result.setup.grads[k].reshape(-1) for k in result.grads])
    if not np.any(lab1):
        return None
    r = float(mine @ lab1 / (lab1 @ lab1))
    return None if abs(r - 1.0) < AGREE or rel_error(mine, r * lab1) >= AGREE else r


def _named(r: float, n: int, table: dict[float, str]) -> str:
    """What a factor usually means (``table``), with the sample count n in view."""
    for value, why in table.items():
        if abs(r - value) < 1e-6:
            return why
    if abs(r - n) < 1e-6 * n or abs(r - 1 / n) < 1e-9:
        return f"lab1's loss is the mean over the {n} samples, not their sum"
    return "the loss or its derivative is scaled"


def _layer_step(result: Result, name: str, agreed: list[str]) -> str:
    """Where to look when ``name`` is the first parameter that disagrees."""
    layer = int(name[1:])
    top = max(int(k[1:]) for k in result.grads)
    mine, lab1 = result.grads[name], result.setup.grads[name]
    if name.startswith("W") and mine.shape[0] == mine.shape[1] and rel_error(mine.T, lab1) < AGREE:
        return f"{name} is lab1's transposed: give each W as (fan_in, fan_out) in the adapter"
    if name.startswith("b") and f"W{layer}" in agreed:
        return f"a bias's gradient is dz summed over the samples (axis 0), the same dz that gives dW{layer}"
    if layer == top:
        return (
            f"look at the output layer's backward step: dL/dp times the output activation's derivative"
            f" gives dz, then dW{layer} = x^T dz with x the layer's input"
        )
    return (
        f"look at the backward step between layer {layer + 1} and layer {layer}: dx = dz W{layer + 1}^T,"
        f" times the derivative of layer {layer}'s activation"
    )


def explain(result: Result) -> list[str]:
    """The verdict in words: everything agrees, or the first disagreement and where to look."""
    if result.agrees:
        return [f"your loss and every gradient agree with lab1's (relative error below {AGREE:g})"]
    n = len(result.setup.y)
    factor = _factor(result)
    ratio = result.loss / result.setup.loss if result.setup.loss else float("nan")
    if factor is not None and result.loss_rel < AGREE:
        return [f"your loss agrees; every gradient is {factor:g}x lab1's: {_named(factor, n, FACTORS)}"]
    if result.loss_rel >= AGREE:
        lines = [
            f"your loss differs from lab1's ({result.loss:.10g}, lab1's {result.setup.loss:.10g}, {ratio:.6g}x):"
            f" check the loss before the gradients"
        ]
        other = [
            name
            for name, value in result.setup.other_losses.items()
            if abs(result.loss - value) < AGREE * abs(value)
        ]
        if other:
            lines.append(f"your loss is lab1's loss={other[0]}: add loss={other[0]} to the command")
        elif factor is not None and abs(factor - ratio) < 1e-6 * abs(ratio):
            lines.append(
                f"every gradient is {factor:g}x lab1's too, as your loss: {_named(factor, n, LOSS_FACTORS)}"
            )
        elif all(r.consistent for r in result.rows):
            lines.append(
                "your gradients are the derivatives of your own loss: the forward pass or the loss differs"
            )
        return lines
    first = next((i for i, row in enumerate(result.rows) if not row.agrees), None)
    if first is None:  # every row agrees, the loss neither agrees nor differs (NaN: lab1's is not finite)
        return ["every gradient agrees"]
    row, agreed = result.rows[first], [r.name for r in result.rows[:first]]
    said = ", ".join(agreed[:-1]) + (" and " if len(agreed) > 1 else "") + (agreed[-1] if agreed else "")
    verb = " agree, " if len(agreed) > 1 else " agrees, "
    head = f"your loss agrees, {said + verb if agreed else ''}{row.name} differs"
    if row.consistent:
        why = f"{row.name} is the derivative of your own loss: your forward pass differs from lab1's there"
    else:
        why = f"{row.name} is not the derivative of your own loss either (finite differences)"
    return [f"{head}: {_layer_step(result, row.name, agreed)}", why]


def table(result: Result) -> str:
    """One row per parameter, from the output back."""
    head = ["param", "shape", "max |yours - lab1|", "rel. error", "max |yours - numeric|", "rel. error", ""]
    cells = [head]
    for r in result.rows:
        numbers = [f"{x:.2e}" for x in (r.diff_lab1, r.rel_lab1, r.diff_numeric, r.rel_numeric)]
        cells.append([r.name, str(r.shape), *numbers, "ok" if r.agrees else "DIFFERS"])
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)
