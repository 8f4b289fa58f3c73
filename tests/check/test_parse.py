"""The output parser on the handout's format and the variants students really print, as strings."""

from __future__ import annotations

import pytest

from lab1.check.parse import number, parse

HANDOUT = "\n".join(
    ["epoch 0 loss : 0.2603085916", "epoch 10000 loss : 0.16234523253277644"]
    + [
        f"Iter{i} |    Ground truth: {float(i % 2)} |     prediction: {0.99943 if i % 2 else 0.00412} |"
        for i in range(100)
    ]
    + ["loss=0.03844 accuracy=100.00%"]
)


def test_the_handouts_format():
    out = parse(HANDOUT)
    (run,) = [r.summary() for r in out.runs]
    assert run["dataset"] == "linear" and run["predictions"] == 100
    assert run["accuracy"] == 1.0 and run["claimed_accuracy"] == 1.0 and run["passed"]
    assert (run["first_epoch"], run["last_epoch"], run["loss_lines"]) == (0, 10000, 2)
    assert (run["first_loss"], run["last_loss"]) == (0.2603085916, 0.16234523253277644)
    assert out.skipped == [] and out.skipped_count == 0


@pytest.mark.parametrize(
    "line, epoch, loss",
    [
        ("epoch 10000 loss : 0.16234523253277644", 10000, 0.16234523253277644),
        ("Epoch: 5000\tloss: 0.12350983253255791", 5000, 0.12350983253255791),
        ("Epoch: 500, loss: 0.688860, acc: 0.523810.", 500, 0.688860),
        ("[Epoch 300/1000] loss=[[0.25]]", 300, 0.25),
        ("n_epoch=7 train_loss=0.5 train_acc=0.6", 7, 0.5),
    ],
)
def test_loss_lines(line, epoch, loss):
    (run,) = parse(line).runs
    assert run.losses == [(epoch, loss)]
    assert run.claimed_accuracy is None  # a training line's acc is not the printed accuracy


@pytest.mark.parametrize(
    "lines, truth, prediction",
    [
        (["Iter91 |    Ground truth: 1.0 |     prediction: 0.99943 |"], 1.0, 0.99943),
        (["Iter91\tGround truth: 1.0\tprediction: 0.99943"], 1.0, 0.99943),
        (["Ground truth: [1] | prediction: 0.9425314946237633"], 1.0, 0.9425314946237633),
        (["Iter1 |", "Ground truth: [0]", "prediction: [0.0123]"], 0.0, 0.0123),
        (["Iter1 | Ground truth: [[0.]] | prediction: [[0.52]]"], 0.0, 0.52),
    ],
)
def test_prediction_lines(lines, truth, prediction):
    (run,) = parse("\n".join(lines)).runs
    assert run.predictions == [(truth, prediction)]


@pytest.mark.parametrize(
    "line, value",
    [
        ("Accuracy: 100.0%", 1.0),
        ("loss=0.03844 accuracy=100.00%", 1.0),
        ("Accuracy : [1.]", 1.0),
        ("accuracy: 0.952", 0.952),
        ("Accuracy: 95.24 %", 0.9524),
        ("Accuracy on linear: 95", 0.95),  # above 1 without %: a percent
    ],
)
def test_accuracy_lines(line, value):
    (run,) = parse(line).runs
    assert run.claimed_accuracy == pytest.approx(value)


def _run(n: int, wrong: int = 0) -> list[str]:
    return [
        f"Ground truth: {i % 2} | prediction: {(0.9 if i % 2 else 0.1) if i >= wrong else 0.5}"
        for i in range(n)
    ]


def test_two_runs_told_apart_by_their_number_of_predictions():
    text = "\n".join(
        [
            "epoch 0 loss : 0.3",
            *_run(100),
            "Accuracy: 100%",
            "epoch 0 loss : 0.4",
            *_run(21, wrong=4),
            "Accuracy: 80.95%",
        ]
    )
    linear, xor = (r.summary() for r in parse(text).runs)
    assert (linear["dataset"], xor["dataset"]) == ("linear", "xor")
    assert xor["accuracy"] == pytest.approx(
        19 / 21
    )  # 0.5 is not above 0.5: samples 1 and 3 of class 1 are wrong
    assert xor["claimed_accuracy"] == pytest.approx(0.8095)
    assert linear["passed"] and xor["passed"]


def test_a_header_names_a_run_of_another_size_and_restarted_iterations_split_runs():
    lines = ["=== XOR ===", *[f"Iter{i} | Ground truth: 1 | prediction: 0.2" for i in range(4)]]
    lines += ["Linear data", *[f"Iter{i} | Ground truth: 0 | prediction: 0.2" for i in range(6)]]
    lines += [f"Iter{i} | Ground truth: 0 | prediction: 0.2" for i in range(3)]  # counts from 0 again
    first, second, third = (r.summary() for r in parse("\n".join(lines)).runs)
    assert (first["dataset"], first["predictions"], first["accuracy"], first["passed"]) == (
        "xor",
        4,
        0.0,
        False,
    )
    assert (second["dataset"], second["predictions"], second["accuracy"]) == ("linear", 6, 1.0)
    assert third["predictions"] == 3


def test_what_it_cannot_read_is_skipped_and_shown_never_guessed():
    text = "\n".join(
        [
            "Start training",
            "Ground truth: [0 1] | prediction: [0.1 0.9]",  # two classes: not one probability
            "Ground truth: 0.5 | prediction: 0.2",  # not a label
            "y=1 y_hat=0.97",  # a shape it does not know
            "Ground truth: 1 | prediction: 0.8",
        ]
    )
    out = parse(text)
    assert [r.predictions for r in out.runs] == [[(1.0, 0.8)]]
    assert [n for n, _ in out.skipped] == [1, 2, 3, 4] and out.skipped_count == 4


def test_an_incomplete_prediction_is_skipped_when_the_next_one_starts():
    out = parse("Iter0 |\nGround truth: [0]\nIter1 |\nGround truth: [1]\nprediction: [0.7]")
    assert [r.predictions for r in out.runs] == [[(1.0, 0.7)]]
    assert [n for n, _ in out.skipped] == [1, 2]


def test_a_diverged_loss_is_kept_as_text():
    (run,) = parse("epoch 0 loss : 0.3\nepoch 100 loss : nan").runs
    assert run.summary()["last_loss"] == "nan"


@pytest.mark.parametrize(
    "raw, value",
    [
        ("0.5", 0.5),
        ("[0.5]", 0.5),
        ("[[1.]]", 1.0),
        ("array([0.25])", 0.25),
        ("0.52.", 0.52),
        ("1e-3,", 1e-3),
    ],
)
def test_numbers(raw, value):
    assert number(raw) == value


@pytest.mark.parametrize("raw", ["[0.1 0.9]", "[0.1, 0.9]", "abc", "[]"])
def test_not_one_number(raw):
    assert number(raw) is None
