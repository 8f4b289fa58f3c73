"""``logger=tensorboard``: one run's event files in its own directory, written with tensorboardX.

Scalars ``loss`` and ``accuracy`` at every row of history.csv (step = epoch), the run's
figures as images, and its settings as an HParams session whose metrics are those scalars'
final values, so ``tensorboard --logdir SWEEP_DIR`` compares a sweep's runs.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

EVENTS = "events.out.tfevents.*"


def _hparam(value: Any) -> bool | int | float | str:
    """An HParams value: a bool, number or text (lists and null as their text)."""
    return value if isinstance(value, (bool, int, float, str)) else str(value)


def _png_summary(tag: str, data: bytes, summary: Any) -> Any:
    """An image summary of a PNG file's bytes as they are (no decoding)."""
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    image = summary.Image(height=height, width=width, colorspace=4, encoded_image_string=data)
    return summary(value=[summary.Value(tag=tag, image=image)])


def log_job(
    out_dir: Path,
    history: dict[str, Any],
    record: dict[str, Any],
    params: dict[str, Any],
    context: dict[str, Any],
) -> None:
    """Write the run's event file (an earlier training's files in ``out_dir`` are replaced)."""
    from tensorboardX import SummaryWriter  # type: ignore[import-untyped, unused-ignore]
    from tensorboardX.proto.summary_pb2 import Summary  # type: ignore[import-untyped, unused-ignore]
    from tensorboardX.summary import hparams  # type: ignore[import-untyped, unused-ignore]

    for old in out_dir.glob(EVENTS):
        old.unlink()
    writer = SummaryWriter(logdir=str(out_dir), flush_secs=3600)
    try:
        epochs = [int(e) for e in history["epoch"]]
        for key in ("loss", "accuracy"):
            for epoch, value in zip(epochs, history[key]):
                writer.add_scalar(key, float(value), epoch)
        last = epochs[-1] if epochs else 0
        for png in sorted(out_dir.glob("*.png")):
            writer.file_writer.add_summary(_png_summary(png.stem, png.read_bytes(), Summary), last)
        final = {key: float(history[key][-1]) for key in ("loss", "accuracy") if len(history[key])}
        _, start, end = hparams({k: _hparam(v) for k, v in params.items()}, final)
        writer.file_writer.add_summary(start)
        writer.file_writer.add_summary(end)
    finally:
        writer.close()
