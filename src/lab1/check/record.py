"""One checked submission or program: the object ``check.json`` holds for it, and its status
(``status`` and ``passed`` as docs/check.md's "Status" defines them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab1.check.handout import PASS_ACCURACY


@dataclass
class Record:
    """Everything found about one submission (a zip) or one program."""

    source: str  # the zip, file or directory as given
    student_id: str = ""  # from the zip's name, exactly (leading zeros kept)
    name: str = ""
    format_ok: bool | None = None  # None: not a zip, no format to keep
    format_problems: list[str] = field(default_factory=list)
    refused_entries: list[str] = field(default_factory=list)
    entry: str | None = None  # the program run, relative to the submission
    entry_reason: str = ""
    status: str = "not_run"
    ending: str | None = None  # how it ended unless it exited with 0
    seconds: float | None = None
    last_lines: list[str] = field(default_factory=list)  # of a crash or timeout
    imports: list[dict] = field(default_factory=list)  # {module, file, line}
    forbidden_imports: list[dict] = field(default_factory=list)
    syntax_errors: list[str] = field(default_factory=list)  # files that are not valid Python
    generators: dict[str, str] = field(default_factory=dict)  # name -> intact | modified | missing
    generator_details: list[dict] = field(default_factory=list)  # {name, file, line, status, differs_at}
    runs: list[dict] = field(default_factory=list)
    passed: bool = False
    skipped_count: int = 0
    skipped_lines: list[dict] = field(default_factory=list)  # {line, text}
    report: str | None = None  # the PDF read, relative to the submission
    missing_sections: list[dict] | None = None  # {section, title, weight}; None: no report read
    figures: list[str] = field(default_factory=list)  # PNGs, relative to the check's directory
    notes: list[str] = field(default_factory=list)

    def finish(self, returncode: int | None) -> None:
        """Set ``status`` and ``passed`` from how the program ended and the runs read."""
        predicted = any(run["predictions"] for run in self.runs)
        ended = "timeout" if returncode is None else "crashed" if returncode else None
        self.status = ended or ("ok" if predicted else "unparsed")
        accuracies = [run["accuracy"] for run in self.runs]
        self.passed = bool(accuracies) and all(a is not None and a >= PASS_ACCURACY for a in accuracies)

    def accuracy(self, dataset: str) -> float | None:
        """The recomputed accuracy of the last run of ``dataset``."""
        found = [r["accuracy"] for r in self.runs if r["dataset"] == dataset]
        return found[-1] if found else None
