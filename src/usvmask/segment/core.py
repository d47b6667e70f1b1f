"""Chunks of audio -> calls: STFT, detection, candidate segmentation, stitching, masks -> calls, de-duplication.

A chunk keeps the calls whose onset lies in the time range it owns; a call that still overlaps one already kept
(an onset detected on both sides of a chunk border) is dropped, so each call is reported once.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.fft

from usvmask.errors import UsvmaskError
from usvmask.segment.audio import Chunk
from usvmask.segment.calls import COLUMNS, Segment, mask_to_calls
from usvmask.segment.candidates import Predict, segment_crops
from usvmask.segment.detect import detect_events, noise_floor, plan_crops
from usvmask.spectrogram import SAMPLE_RATE_HZ, power_db, stft_magnitude

MaskSink = Callable[[int, np.ndarray], None]


@dataclass(frozen=True)
class SegmentSettings:
    """Every knob of segmentation (see params.yaml `segment` for the meaning of each)."""

    threshold: float | None = None
    chunk_s: float = 10.0
    pad_s: float = 0.5
    detect_db: float = 11.0
    join_ms: float = 20.0
    min_event_ms: float = 1.5
    floor_s: float = 1.0
    crop_width_s: float | None = None
    crop_margin_s: float = 0.02
    image_size: int | None = None
    min_pixels: int = 8
    merge_gap_ms: float = 10.0
    min_call_ms: float = 2.0
    harmonic_tol: float = 0.06
    jump_khz: float = 5.0
    batch_size: int = 32

    @classmethod
    def from_dict(cls, values: dict | None) -> SegmentSettings:
        """Settings from a plain dict (e.g. params.yaml), with a one-line error naming an unknown key."""
        valid = set(cls.__dataclass_fields__)
        unknown = sorted(set(values or {}) - valid)
        if unknown:
            raise UsvmaskError(f"settings.{unknown[0]}: unknown key; valid keys are {', '.join(sorted(valid))}")
        return cls(**(values or {}))

    def __post_init__(self) -> None:
        if self.threshold is not None and not 0.0 < self.threshold < 1.0:
            raise UsvmaskError(f"threshold: {self.threshold} is outside (0, 1); use e.g. 0.5")
        if self.crop_width_s is not None and self.pad_s < self.crop_width_s:
            raise UsvmaskError(f"pad_s: {self.pad_s} s is shorter than a crop ({self.crop_width_s} s); raise it")
        if self.chunk_s < 2 * self.pad_s:
            raise UsvmaskError(f"chunk_s: {self.chunk_s} s is shorter than twice pad_s ({self.pad_s} s); raise it "
                               f"to at least {2 * self.pad_s:g}")

    def with_card(self, card: dict) -> SegmentSettings:
        """The settings with every field left at None taken from a model card (threshold, crop width, image size)."""
        rendered = card.get("representation", {})
        filled = {"threshold": card.get("threshold", 0.5), "crop_width_s": rendered.get("crop_s", 0.22),
                  "image_size": rendered.get("image_size", 227)}
        return dataclasses.replace(self, **{k: v for k, v in filled.items() if getattr(self, k) is None})


@dataclass
class Timings:
    """Seconds spent per step, summed over chunks."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(
        ("stft", "detect", "crops", "model", "calls"), 0.0))
    candidates: int = 0

    def add(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[step] += now - since
        return now


def _timed(predict: Predict, timings: Timings) -> Predict:
    def run(images: np.ndarray) -> np.ndarray:
        t = time.perf_counter()
        out = predict(images)
        timings.seconds["model"] += time.perf_counter() - t
        timings.candidates += len(images)
        return out

    return run


def _call_mask(mask: np.ndarray, segs: list[Segment]) -> np.ndarray:
    """The chunk mask over the union bounding box of a call's segments, highest frequency on top."""
    r0, r1 = min(s.bbox[0].start for s in segs), max(s.bbox[0].stop for s in segs)
    c0, c1 = min(s.bbox[1].start for s in segs), max(s.bbox[1].stop for s in segs)
    return mask[r0:r1, c0:c1][::-1].copy()


def _chunk_calls(chunk: Chunk, predict: Predict, s: SegmentSettings, timings: Timings):
    t = time.perf_counter()
    with scipy.fft.set_workers(-1):
        mag, freqs, times = stft_magnitude(chunk.audio, SAMPLE_RATE_HZ)
    power = power_db(mag, freqs, SAMPLE_RATE_HZ)
    times = times + chunk.t0_s
    t = timings.add("stft", t)
    floor = noise_floor(mag)
    events = detect_events(mag, freqs, times, detect_db=s.detect_db, join_ms=s.join_ms,
                           min_event_ms=s.min_event_ms, floor_s=s.floor_s)
    centres = plan_crops(events, width_s=s.crop_width_s, margin_s=s.crop_margin_s)
    t = timings.add("detect", t)
    prob = segment_crops(power, freqs, times, centres, _timed(predict, timings), width_s=s.crop_width_s,
                         size=s.image_size, batch=s.batch_size)
    t = timings.add("crops", t)
    mask = prob > int(round(s.threshold * 255))
    rows, members = mask_to_calls(mask, mag, freqs, times, floor, prob=prob, min_pixels=s.min_pixels,
                                  merge_gap_ms=s.merge_gap_ms, min_call_ms=s.min_call_ms,
                                  harmonic_tol=s.harmonic_tol, jump_khz=s.jump_khz)
    timings.add("calls", t)
    return rows, [_call_mask(mask, segs) for segs in members], (mag, times)


def segment_chunks(
    chunks: Iterable[Chunk],
    predict: Predict,
    settings: SegmentSettings,
    *,
    mask_sink: MaskSink | None = None,
    on_chunk: Callable[[Chunk, np.ndarray, np.ndarray], None] | None = None,
    timings: Timings | None = None,
) -> pd.DataFrame:
    """Calls (``COLUMNS`` + ``Inter_vocal_interval``) of a stream of chunks, each call once, sorted by onset.

    ``mask_sink(call_number, mask)`` receives each kept call's mask (1-based numbers in table order);
    ``on_chunk(chunk, mag, times)`` sees each chunk's spectrogram (for the overview figure).
    """
    unresolved = [k for k in ("threshold", "crop_width_s", "image_size") if getattr(settings, k) is None]
    if unresolved:
        raise UsvmaskError(f"settings: {', '.join(unresolved)} not set; take them from the model card "
                           "(SegmentSettings.with_card)")
    timings = timings or Timings()
    kept: list[dict] = []
    last_end = -math.inf
    for chunk in chunks:
        rows, masks, (mag, times) = _chunk_calls(chunk, predict, settings, timings)
        if on_chunk is not None:
            on_chunk(chunk, mag, times)
        for row, mask in zip(rows, masks):
            if not chunk.own_start_s <= row["Start_time"] < chunk.own_end_s or row["Start_time"] < last_end:
                continue
            kept.append(row)
            last_end = row["End_time"]
            if mask_sink is not None:
                mask_sink(len(kept), mask)
    table = pd.DataFrame(kept, columns=list(COLUMNS))
    table.insert(2, "Inter_vocal_interval", table["Start_time"].diff())
    return table.round(6)
