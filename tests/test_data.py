"""The datasets against the handout's definitions."""

import numpy as np
import pytest

from lab1.check.handout import GENERATORS
from lab1.data import make_dataset
from tests.helpers import make_cfg

HANDOUT: dict = {}
exec(GENERATORS, HANDOUT)  # the handout's generators, as lab1.check compares students' copies with
handout_generate_linear, handout_generate_xor_easy = HANDOUT["generate_linear"], HANDOUT["generate_XOR_easy"]


@pytest.mark.parametrize("seed,n", [(0, 100), (1, 100), (7, 37), (123456, 1)])
def test_linear_bit_identical_to_handout(seed, n):
    np.random.seed(seed)
    X_ref, y_ref = handout_generate_linear(n)
    d = make_dataset(make_cfg("dataset=linear", f"dataset.n={n}").dataset, seed)
    assert d.X.dtype == np.float64 and d.X.shape == (n, 2)
    assert d.X.tobytes() == X_ref.tobytes()
    assert np.array_equal(d.y, y_ref[:, 0])


def test_linear_depends_on_seed():
    cfg = make_cfg("dataset=linear").dataset
    assert not np.array_equal(make_dataset(cfg, 0).X, make_dataset(cfg, 1).X)


def test_xor_easy_matches_handout():
    X_ref, y_ref = handout_generate_xor_easy()
    d = make_dataset(make_cfg("dataset=xor").dataset, 3)
    assert d.X.shape == (21, 2)
    assert d.X.tobytes() == X_ref.astype(np.float64).tobytes()
    assert np.array_equal(d.y, y_ref[:, 0])
    # interleaved: even rows on the main diagonal (label 0), odd rows on the other (label 1)
    assert list(d.y[:4]) == [0, 1, 0, 1]


def test_xor4_truth_table():
    d = make_dataset(make_cfg("dataset=xor4").dataset, 0)
    assert d.X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert d.y.tolist() == [int(a) ^ int(b) for a, b in d.X]
