"""Stage `segment_eval`: segment synthetic recordings with known calls and score the calls found.

Recordings with known calls come from ``usvmask.synth.recording.make_recording``; they go through the same
``segment_audio`` as real files, and are scored by ``usvmask.evaluate.events``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from usvmask.data.store import write_json
from usvmask.evaluate.events import call_stats, event_metrics
from usvmask.segment.core import SegmentSettings, Timings
from usvmask.segment.run import make_predictor, segment_audio

log = logging.getLogger(__name__)


def _intervals(table: pd.DataFrame, start: str, end: str) -> np.ndarray:
    return table[[start, end]].to_numpy(float) if len(table) else np.zeros((0, 2))


def evaluate_segmentation(*, model: str | Path, report: str | Path, n_recordings: int = 3,
                          duration_s: float = 20.0, seed: int = 0, min_iou: float = 0.5,
                          recording: dict | None = None, settings: SegmentSettings | dict | None = None,
                          backend: str = "auto") -> dict:
    """Segment ``n_recordings`` synthetic recordings with ``model``; write and return the metrics.

    ``recording`` holds extra keyword arguments of ``make_recording`` (call rate, SNR range, ...); ``settings``
    a ``SegmentSettings`` or a dict of its fields.
    """
    from usvmask.synth.recording import make_recording

    if not isinstance(settings, SegmentSettings):
        settings = SegmentSettings.from_dict(settings)
    predict, meta = make_predictor(model, batch_size=settings.batch_size, backend=backend)
    settings = settings.with_card(meta)
    preds, truths, per_recording, timings, wall, audio_s = [], [], [], Timings(), 0.0, 0.0
    for k in range(n_recordings):
        audio, calls = make_recording(duration_s, seed=seed + k, **(recording or {}))
        start = time.perf_counter()
        table = segment_audio(audio, 250_000, predict, settings, timings=timings)
        wall += time.perf_counter() - start
        audio_s += len(audio) / 250_000
        pred, truth = _intervals(table, "Start_time", "End_time"), _intervals(calls, "start_s", "end_s")
        per_recording.append(event_metrics(pred, truth, min_iou=min_iou))
        preds.append(pred)
        truths.append(truth)
        log.info("recording %d: F1 %.3f", k, per_recording[-1]["f1"])
    shifts = [k * (duration_s + 10.0) for k in range(n_recordings)]
    pooled = event_metrics(np.concatenate([p + d for p, d in zip(preds, shifts)]),
                           np.concatenate([t + d for t, d in zip(truths, shifts)]), min_iou=min_iou)
    pooled["model"], pooled["truth"] = call_stats(*preds), call_stats(*truths)
    result = {
        "model": str(model), "input_size": meta["input_size"], "backend": meta["backend"], "min_iou": min_iou,
        "n_recordings": n_recordings, "duration_s": duration_s, "seed": seed, "all": pooled, "per_recording": per_recording,
        "x_realtime": round(audio_s / wall, 2) if wall else None, "candidates": timings.candidates,
        "seconds": {k: round(v, 3) for k, v in timings.seconds.items()},
    }
    write_json(report, result)
    return result
