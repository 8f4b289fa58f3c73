"""The handout's facts the checks read: its generators, its libraries, its report and its hand-in.

One home for each: a course that changes its handout changes this module only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The two data generators exactly as the handout gives them; a student must not change them.
GENERATORS = """
def generate_linear(n=100):
    import numpy as np
    pts = np.random.uniform(0, 1, (n, 2))
    inputs = []
    labels = []
    for pt in pts:
        inputs.append([pt[0], pt[1]])
        distance = (pt[0] - pt[1]) / 1.414
        if pt[0] > pt[1]:
            labels.append(0)
        else:
            labels.append(1)
    return np.array(inputs), np.array(labels).reshape(n, 1)

def generate_XOR_easy():
    import numpy as np
    inputs = []
    labels = []
    for i in range(11):
        inputs.append([0.1 * i, 0.1 * i])
        labels.append(0)
        if 0.1 * i == 0.5:
            continue
        inputs.append([0.1 * i, 1 - 0.1 * i])
        labels.append(1)
    return np.array(inputs), np.array(labels).reshape(21, 1)
"""

# Besides the standard library: numpy for the network, matplotlib for the figures.
ALLOWED_PACKAGES = frozenset({"numpy", "matplotlib", "mpl_toolkits", "pylab"})

# Predictions per dataset: how a run is told apart when it prints no header.
SAMPLES = {100: "linear", 21: "xor"}
PASS_ACCURACY = 0.9  # "90% earns 40% of the grade", from the predictions, class 1 above 0.5
THRESHOLD = 0.5

# DL_LAB1_<studentID>_<name>.zip; a format error costs 5 points.
ZIP_NAME = re.compile(r"^DL_LAB1_(?P<student_id>[A-Za-z0-9]+)_(?P<name>[^_].*)\.(?i:zip)$")
# A looser reading of a wrong name, so its row still shows who it is (DLP_Lab1_0856_x.zip).
ZIP_NAME_LOOSE = re.compile(
    r"^[A-Za-z]*[_ -]*lab[_ -]?1[_ -]+(?P<student_id>[A-Za-z]?[0-9][A-Za-z0-9]*)[_ -]+(?P<name>.+)\.zip$",
    re.IGNORECASE,
)
ZIP_HINT = "DL_LAB1_<studentID>_<name>.zip"
REPORT = "report.pdf"


@dataclass(frozen=True)
class Part:
    """A section or a lettered part of the report: its number, title, weight and the words that find it."""

    number: str  # "5" or "5.C"
    title: str
    pattern: re.Pattern[str]
    weight: float | None = None  # a fraction of the grade; None where the handout weighs only the section


def _p(words: str) -> re.Pattern[str]:
    return re.compile(words, re.IGNORECASE)


# Each section is found by a heading line (a number before it allowed), its parts by their words
# anywhere between that heading and the next section's. Headings students really use count too.
SECTIONS: list[tuple[Part, list[Part]]] = [
    (Part("1", "Introduction", _p(r"introduction|overview|motivation"), 0.05), []),
    (
        Part("2", "Implementation details", _p(r"implementation|experiment(al)? set ?ups?|method"), 0.15),
        [
            Part("2.A", "sigmoid function", _p(r"sigmoid")),
            Part("2.B", "neural network architecture", _p(r"architecture|neural network|hidden layer")),
            Part("2.C", "backpropagation", _p(r"back[- ]?propagat|backward")),
        ],
    ),
    (
        Part(
            "3",
            "Experimental results",
            _p(r"experiment(al)? results?|results? of (your )?testing|results"),
            0.10,
        ),
        [
            Part("3.A", "screenshot and comparison figure", _p(r"screenshot|comparison|ground truth")),
            Part("3.B", "accuracy of the prediction", _p(r"accuracy")),
            Part("3.C", "learning curve", _p(r"learning curve|loss[- ]epoch|loss curve")),
            Part("3.D", "anything you want to present", _p(r"anything|other|additional|more")),
        ],
    ),
    (
        Part("4", "Discussion", _p(r"discussions?"), 0.10),
        [
            Part("4.A", "different learning rates", _p(r"learning[- ]rates?")),
            Part("4.B", "different numbers of hidden units", _p(r"hidden (units?|neurons?|sizes?|nodes?)")),
            Part("4.C", "without activation functions", _p(r"(without|no|removing|linear) activation")),
            Part("4.D", "anything you want to share", _p(r"anything|other|additional|share")),
        ],
    ),
    (
        Part("5", "Questions", _p(r"questions?|q ?& ?a"), 0.20),
        [
            Part("5.A", "purpose of activation functions", _p(r"activation"), 0.06),
            Part("5.B", "learning rate too large or too small", _p(r"too (large|small|big|high|low)"), 0.07),
            Part("5.C", "weights and biases", _p(r"bias"), 0.07),
        ],
    ),
    (
        Part("6", "Extra", _p(r"extras?|bonus"), 0.10),
        [
            Part("6.A", "different optimizers", _p(r"optimi[sz]er|momentum|adam"), 0.02),
            Part("6.B", "different activation functions", _p(r"relu|tanh|activation functions"), 0.03),
            Part("6.C", "convolutional layers", _p(r"convolution|conv|cnn"), 0.05),
        ],
    ),
]
