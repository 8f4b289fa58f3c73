"""``logger=tensorboard``: one run's event files in its own directory, written with tensorboardX
(what they hold: ``docs/trackers.md``)."""

from __future__ import annotations

import struct
import time
from pathlib import Path
from typing import Any

EVENTS = "events.out.tfevents.*"


def log_job(out_dir: Path, history: dict[str, Any], params: dict[str, Any]) -> None:
    """Write the run's event file (an earlier training's files in ``out_dir`` are replaced):
    ``history`` is history.csv's columns, ``params`` the run's settings (lists and null as text).
    tensorboardX's synchronous ``EventsWriter``: its ``SummaryWriter``'s queue and thread cost
    most of a run's logging time (``benchmarks/bench_loggers.py``)."""
    from tensorboardX.event_file_writer import EventsWriter  # type: ignore[import-untyped, unused-ignore]
    from tensorboardX.proto.event_pb2 import Event  # type: ignore[import-untyped, unused-ignore]
    from tensorboardX.proto.summary_pb2 import Summary  # type: ignore[import-untyped, unused-ignore]
    from tensorboardX.summary import hparams  # type: ignore[import-untyped, unused-ignore]

    for old in out_dir.glob(EVENTS):
        old.unlink()
    writer, now = EventsWriter(str(out_dir / "events")), time.time()
    try:
        epochs = [int(e) for e in history["epoch"]]
        for key in ("loss", "accuracy"):
            for epoch, value in zip(epochs, history[key]):
                point = Summary(value=[Summary.Value(tag=key, simple_value=float(value))])
                writer.write_event(Event(wall_time=now, step=epoch, summary=point))
        last = epochs[-1] if epochs else 0
        for png in sorted(out_dir.glob("*.png")):  # each PNG's bytes as they are (no decoding)
            data = png.read_bytes()
            width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
            image = Summary.Image(height=height, width=width, colorspace=4, encoded_image_string=data)
            picture = Summary(value=[Summary.Value(tag=png.stem, image=image)])
            writer.write_event(Event(wall_time=now, step=last, summary=picture))
        final = {key: float(history[key][-1]) for key in ("loss", "accuracy") if len(history[key])}
        values = {k: v if isinstance(v, (bool, int, float, str)) else str(v) for k, v in params.items()}
        _, start, end = hparams(values, final)
        for summary in (start, end):
            writer.write_event(Event(wall_time=now, step=0, summary=summary))
    finally:
        writer.close()
