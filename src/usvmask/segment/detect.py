"""Cheap candidate windows: band energy over a running noise floor, then crops that cover the events.

The running noise floor is the median STFT magnitude of each frequency row over blocks of ``floor_s`` seconds
(every 4th frame), so a tone lasting more than about half a block raises its own row's floor and is not
detected for its whole length. The power is smoothed over 3 rows x 3 frames; a frame is active where some row
in ``[fmin_hz, fmax_hz]`` exceeds its block's floor by ``detect_db``. Active runs closer than ``join_ms`` are
joined and runs shorter than ``min_event_ms`` dropped.

Crops follow VocalMat: ``width_s`` of spectrogram centred on the event. Events that fit together inside the
central part of one crop (``width_s - 2 * margin_s``) share it; an event longer than that gets overlapping crops.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage

from usvmask.errors import UsvmaskError


def noise_floor(mag: np.ndarray, *, stride: int = 4) -> np.ndarray:
    """Per-row median magnitude (F,) over every ``stride``-th frame; zeros are replaced by the smallest positive."""
    floor = np.median(mag[:, ::stride], axis=1).astype(np.float32)
    positive = floor[floor > 0]
    return np.maximum(floor, positive.min() if positive.size else np.float32(1e-12))


def frame_score_db(mag: np.ndarray, rows: np.ndarray | slice = slice(None), *, block: int = 2000) -> np.ndarray:
    """Per-frame max over ``rows`` of the 3x3-smoothed power over its row's running floor power, in dB.

    The floor of a row is its median magnitude over the block of ``block`` frames (a short last block joins
    the one before it).
    """
    sub = mag[rows]
    power = scipy.ndimage.uniform_filter(sub * sub, size=3, mode="nearest")
    score = np.empty(sub.shape[1], dtype=np.float32)
    starts = list(range(0, max(sub.shape[1] - block // 2, 1), block)) + [sub.shape[1]]
    for lo, hi in zip(starts[:-1], starts[1:]):
        floor = noise_floor(sub[:, lo:hi], stride=4)
        ratio = (power[:, lo:hi] / floor[:, None] ** 2).max(axis=0)
        score[lo:hi] = 10.0 * np.log10(np.maximum(ratio, 1e-12))
    return score


def runs(active: np.ndarray) -> np.ndarray:
    """(K, 2) int first/last index of each run of True in a 1-D bool array."""
    a = np.concatenate([[False], np.asarray(active, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(a.astype(np.int8)))
    return np.stack([edges[0::2], edges[1::2] - 1], axis=1) if edges.size else np.zeros((0, 2), int)


def join_intervals(intervals: np.ndarray, max_gap: float) -> np.ndarray:
    """Join sorted (K, 2) [start, end] intervals whose gap (next start - end) is <= ``max_gap``."""
    out: list[list[float]] = []
    for start, end in np.asarray(intervals, dtype=float).reshape(-1, 2):
        if out and start - out[-1][1] <= max_gap:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return np.asarray(out, dtype=float).reshape(-1, 2)


def detect_events(
    mag: np.ndarray,
    freqs_hz: np.ndarray,
    times_s: np.ndarray,
    *,
    detect_db: float = 11.0,
    join_ms: float = 20.0,
    min_event_ms: float = 1.5,
    fmin_hz: float = 45_000.0,
    fmax_hz: float = 125_000.0,
    floor_s: float = 1.0,
) -> np.ndarray:
    """Event intervals (K, 2) in seconds [onset, offset] of frames above the floor, joined and filtered."""
    rows = (freqs_hz >= fmin_hz) & (freqs_hz <= fmax_hz)
    if not rows.any() or len(times_s) < 2:
        return np.zeros((0, 2))
    dt = float(times_s[1] - times_s[0])
    score = frame_score_db(mag, rows, block=max(2, int(round(floor_s / dt))))
    idx = runs(score > detect_db)
    spans = np.stack([times_s[idx[:, 0]] - dt / 2, times_s[idx[:, 1]] + dt / 2], axis=1) if len(idx) else idx
    spans = join_intervals(spans, join_ms / 1e3)
    return spans[(spans[:, 1] - spans[:, 0]) >= min_event_ms / 1e3] if len(spans) else spans


def plan_crops(events: np.ndarray, *, width_s: float = 0.22, margin_s: float = 0.02) -> np.ndarray:
    """Crop centres (seconds) so that every event lies inside the central part of some crop."""
    inner = width_s - 2 * margin_s
    if inner <= 0:
        raise UsvmaskError(f"margin_s: {margin_s} leaves no room in a {width_s} s crop; lower it")
    centres: list[float] = []
    group: list[float] | None = None
    for start, end in np.asarray(events, dtype=float).reshape(-1, 2):
        if group is not None and end - group[0] <= inner:
            group[1] = max(group[1], end)
            continue
        if group is not None:
            centres.append((group[0] + group[1]) / 2)
        group = [start, end]
        if end - start > inner:
            n = int(np.ceil((end - start - inner) / (inner / 2))) + 1
            centres.extend(np.linspace(start + inner / 2, end - inner / 2, n).tolist())
            group = None
    if group is not None:
        centres.append((group[0] + group[1]) / 2)
    return np.asarray(centres, dtype=float)
