"""check grad: students' adapters in two styles, two classic mistakes, bad adapters, lab1's override checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lab1.check import adapter, grad, hints
from lab1.check.__main__ import main

STUDENTS = Path(__file__).parent / "students"


@pytest.fixture(scope="module")
def lab():
    """lab1's default network on xor: its initial parameters, data, loss and gradients."""
    return grad.setup(grad.compose([]))


def _check(lab, name: str) -> grad.Result:
    return grad.compare(adapter.load(STUDENTS / name), lab)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "adapter.py"
    path.write_text(f"import sys\nsys.path.insert(0, {str(STUDENTS)!r})\n{body}")
    return path


@pytest.mark.parametrize("name", ["adapter_layers.py", "adapter_functions.py"])
def test_a_right_backward_in_either_style_agrees(lab, name):
    result = _check(lab, name)
    assert result.agrees and result.loss == pytest.approx(lab.loss, rel=1e-12)
    assert [r.name for r in result.rows] == ["W3", "b3", "W2", "b2", "W1", "b1"]
    assert all(r.consistent and r.rel_lab1 < 1e-10 for r in result.rows)
    assert hints.explain(result) == [
        "your loss and every gradient agree with lab1's (relative error below 1e-06)"
    ]


def test_the_overrides_choose_lab1s_network_and_data():
    s = grad.setup(grad.compose(["hidden=[4,3]", "dataset=linear", "seed=3"]))
    assert {k: v.shape for k, v in s.params.items()} == {
        "W1": (2, 4), "b1": (4,), "W2": (4, 3), "b2": (3,), "W3": (3, 1), "b3": (1,),
    }  # fmt: skip
    assert s.x.shape == (100, 2) and s.y.shape == (100, 1)
    assert grad.compare(adapter.load(STUDENTS / "adapter_functions.py"), s).agrees


def test_a_wrong_backward_step_is_named_from_the_output_back(lab):
    result = _check(lab, "adapter_wrong_backward.py")
    assert not result.agrees
    assert [r.agrees for r in result.rows] == [True, True, False, False, False, False]
    first, second = hints.explain(result)
    assert first.startswith(
        "your loss agrees, W3 and b3 agree, W2 differs: look at the backward step between layer 3 and layer 2"
    )
    assert second == "W2 is not the derivative of your own loss either (finite differences)"


def test_a_missing_factor_2_is_named(lab):
    result = _check(lab, "adapter_without_2.py")
    assert not any(r.agrees for r in result.rows) and result.loss_rel < grad.AGREE
    assert hints.explain(result) == [
        "your loss agrees; every gradient is 0.5x lab1's: MSE's derivative has a factor 2: dL/dp = 2 (p - y) / n"
    ]


def test_a_loss_summed_over_the_samples_is_checked_before_the_gradients(lab, tmp_path):
    body = "from adapter_functions import loss_and_grads as mine\n"
    body += "def loss_and_grads(p, x, y):\n    loss, g = mine(p, x, y)\n    return loss * len(y), {k: v * len(y) for k, v in g.items()}\n"
    result = grad.compare(adapter.load(_write(tmp_path, body)), lab)
    first, second = hints.explain(result)
    assert first.startswith("your loss differs from lab1's") and first.endswith(
        "check the loss before the gradients"
    )
    assert (
        second
        == "every gradient is 21x lab1's too, as your loss: lab1's loss is the mean over the 21 samples, not their sum"
    )


def test_a_loss_with_one_half_in_front(lab, tmp_path):
    body = "from adapter_functions import loss_and_grads as mine\n"
    body += "def loss_and_grads(p, x, y):\n    loss, g = mine(p, x, y)\n    return loss / 2, {k: v / 2 for k, v in g.items()}\n"
    _, second = hints.explain(grad.compare(adapter.load(_write(tmp_path, body)), lab))
    assert second == (
        "every gradient is 0.5x lab1's too, as your loss: a loss of 1/2 mean (p - y)^2; lab1's MSE has no 1/2:"
        " L = mean (p - y)^2"
    )


def test_a_bias_gradient_averaged_instead_of_summed(lab, tmp_path):
    body = "from adapter_functions import loss_and_grads as mine\n"
    body += "def loss_and_grads(p, x, y):\n    loss, g = mine(p, x, y)\n"
    body += "    return loss, {k: v / len(y) if k[0] == 'b' else v for k, v in g.items()}\n"
    first, _ = hints.explain(grad.compare(adapter.load(_write(tmp_path, body)), lab))
    assert first == (
        "your loss agrees, W3 agrees, b3 differs: a bias's gradient is dz summed over the samples (axis 0),"
        " the same dz that gives dW3"
    )


def test_a_transposed_square_weight(lab, tmp_path):
    body = "from adapter_layers import loss_and_grads as mine\n"
    body += "def loss_and_grads(p, x, y):\n    loss, g = mine(p, x, y)\n    g['W2'] = g['W2'].T\n    return loss, g\n"
    first, _ = hints.explain(grad.compare(adapter.load(_write(tmp_path, body)), lab))
    assert first.endswith("W2 is lab1's transposed: give each W as (fan_in, fan_out) in the adapter")


BAD = {
    "no function": ("def loss_and_grad(p, x, y):\n    pass\n", "defines no loss_and_grads(params, x, y)"),
    "raises on load": (
        "import numpy as np\nnp.zeros(3) @ np.zeros(4)\n",
        "adapter.py raised ValueError: matmul",
    ),
    "raises when called": (
        "def loss_and_grads(p, x, y):\n    return p['W9'], {}\n",
        "loss_and_grads raised KeyError: 'W9' at adapter.py:4",
    ),
    "one value": (
        "def loss_and_grads(p, x, y):\n    return 0.5\n",
        "returned a float; it must return (loss, grads)",
    ),
    "wrong keys": (
        "def loss_and_grads(p, x, y):\n    return 0.5, {'w1': 0}\n",
        "grads has the keys w1; it must have exactly W1, b1, W2, b2, W3, b3",
    ),
    "transposed W1": (
        "from adapter_layers import loss_and_grads as mine\n"
        "def loss_and_grads(p, x, y):\n    loss, g = mine(p, x, y)\n    g['W1'] = g['W1'].T\n    return loss, g\n",
        "grads['W1'] has shape (10, 2); W1 is (2, 10) (fan_in, fan_out): transpose it in the adapter",
    ),
    "not finite": (
        "from adapter_layers import loss_and_grads as mine\n"
        "def loss_and_grads(p, x, y):\n    loss, g = mine(p, x, y)\n    g['b2'] = g['b2'] / 0.0\n    return loss, g\n",
        "grads['b2'] holds 10 non-finite values",
    ),
    "a vector loss": ("def loss_and_grads(p, x, y):\n    return x[:, 0], {}\n", "the loss has shape (21,)"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_adapter_says_what_it_got(lab, tmp_path, case):
    body, message = BAD[case]
    with pytest.raises(adapter.AdapterError) as err, np.errstate(all="ignore"):
        grad.compare(adapter.load(_write(tmp_path, body)), lab)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_the_command_exits_0_1_2_and_writes_grad_json(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["grad", str(STUDENTS / "adapter_layers.py")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "adapter_layers.py on xor (21 samples), 2-10-10-1, sigmoid/sigmoid, loss=mse, seed=0"
    assert out[-1].startswith("lab1: wrote outputs/check/")
    saved = json.loads((tmp_path / out[-1].split()[-1] / "grad.json").read_text())
    assert saved["agrees"] and [p["name"] for p in saved["parameters"]][:2] == ["W3", "b3"]

    assert main(["grad", str(STUDENTS / "adapter_wrong_backward.py"), "seed=1"]) == 1
    assert "W2 differs" in capsys.readouterr().out

    assert main(["grad", str(_write(tmp_path, BAD["wrong keys"][0]))]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == "lab1.check: error: bad adapter: grads has the keys w1; it must have exactly W1, b1, W2, b2, W3, b3\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["lr=0.5"], "lr does not change a gradient; check grad takes hidden, depth, activation"),
        (["activation=softmax"], "activation='softmax' is not allowed: one of "),
        (["lrr=0.5"], "lrr is not a lab1 key"),
        (["hidden=4,8"], "hidden=4,8: check grad checks one network; give one value"),
        (["model=cnn"], "model does not change a gradient"),
        (["--epsilon", "1"], "unrecognized arguments: --epsilon"),
    ],
)
def test_lab1s_override_checks(args, message, capsys):
    assert main(["grad", str(STUDENTS / "adapter_layers.py"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lab1.check: error: ") and message in err and err.count("\n") == 1


def test_no_such_adapter(capsys):
    assert main(["grad", "nowhere.py"]) == 2
    assert capsys.readouterr().err == "lab1.check: error: nowhere.py: no such .py file\n"


def test_the_docs_show_the_adapters_the_tests_run():
    docs = (Path(__file__).parents[2] / "docs" / "check.md").read_text()
    blocks = [block.split("```", 1)[0] for block in docs.split("```python\n")[1:]]
    for name in ("adapter_layers.py", "adapter_functions.py"):
        assert (STUDENTS / name).read_text() in blocks, name


BCE = """import numpy as np
def loss_and_grads(params, x, y):
    a = [x]
    for i in (1, 2, 3):
        a.append(1 / (1 + np.exp(-(a[-1] @ params[f"W{i}"] + params[f"b{i}"]))))
    p, n, g = a[-1], len(y), {}
    delta = (p - y) / n  # BCE's derivative through the sigmoid
    for i in (3, 2, 1):
        g[f"W{i}"], g[f"b{i}"] = a[i - 1].T @ delta, delta.sum(axis=0)
        delta = delta @ params[f"W{i}"].T * a[i - 1] * (1 - a[i - 1])
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), g
"""


def test_a_bce_adapter_agrees_with_loss_bce_and_is_told_so_without_it(lab, tmp_path):
    bce = adapter.load(_write(tmp_path, BCE))
    assert grad.compare(bce, grad.setup(grad.compose(["loss=bce", "dataset=linear"]))).agrees
    first, second = hints.explain(grad.compare(bce, lab))
    assert first.startswith("your loss differs from lab1's")
    assert second == "your loss is lab1's loss=bce: add loss=bce to the command"
