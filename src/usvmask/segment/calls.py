"""Call masks on the spectrogram grid -> segments -> calls with VocalMat-style measurements.

A *segment* is one 8-connected component of the mask on the (rows, frames) STFT grid. Its contour is, in each
frame, the masked row of largest magnitude. A frame covers ``[t - dt/2, t + dt/2]`` around its time ``t`` and a
row ``[f - df/2, f + df/2]``, so a segment on frames ``a..b`` lasts from ``times[a] - dt/2`` to ``times[b] + dt/2``.

Segment B is a *harmonic* of a lower segment A when they share at least ``min_overlap`` of B's frames and the
median of B's contour over A's on the shared frames is within ``harmonic_tol`` (relative) of an integer n >= 2.
The remaining (fundamental) segments, sorted by onset, form one call while the gap from the call's end to the
next onset is at most ``merge_gap_s`` (so frequency steps, which break the mask, stay one call); a longer gap
starts a new call. Harmonics join their fundamental's call and set ``Harmonic``.

Units in the table: seconds, kHz, dB (20 log10 of STFT magnitude, arbitrary reference), slope in kHz/ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage

COLUMNS = (
    "Start_time", "End_time", "Duration", "min_freq_main", "max_freq_main", "mean_freq_main", "Bandwidth",
    "min_freq_total", "max_freq_total", "mean_freq_total", "min_intens", "max_intens", "mean_intens",
    "Background_intens", "Harmonic", "start_freq", "end_freq", "peak_freq", "slope", "freq_jumps",
    "n_segments", "mask_pixels", "score",
)


@dataclass(frozen=True)
class Segment:
    """One mask component: contour frames/rows/levels (dB), its extent, pixel count, peak probability, bbox."""

    frames: np.ndarray
    rows: np.ndarray
    level_db: np.ndarray
    onset_s: float
    offset_s: float
    pixels: int
    score: float
    bbox: tuple[slice, slice]


def extract_segments(mask: np.ndarray, mag: np.ndarray, times_s: np.ndarray, *, prob: np.ndarray | None = None,
                     min_pixels: int = 8) -> list[Segment]:
    """8-connected components of ``mask`` (F, T) with at least ``min_pixels`` pixels, as ``Segment``s."""
    labels, _ = scipy.ndimage.label(mask, structure=np.ones((3, 3), bool))
    dt = float(times_s[1] - times_s[0]) if len(times_s) > 1 else 0.0
    out = []
    for k, sl in enumerate(scipy.ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        own = labels[sl] == k
        pixels = int(own.sum())
        if pixels < min_pixels:
            continue
        sub = np.where(own, mag[sl], -1.0)
        cols = np.flatnonzero(own.any(axis=0))
        rows = np.argmax(sub[:, cols], axis=0)
        level = 20.0 * np.log10(np.maximum(sub[rows, cols], 1e-12))
        frames = cols + sl[1].start
        score = float(prob[sl][own].max()) / 255.0 if prob is not None else 1.0
        out.append(Segment(frames, rows + sl[0].start, level.astype(float), float(times_s[frames[0]] - dt / 2),
                           float(times_s[frames[-1]] + dt / 2), pixels, score, sl))
    return out


def harmonic_parents(segments: list[Segment], freqs_hz: np.ndarray, *, harmonic_tol: float = 0.06,
                     min_overlap: float = 0.5) -> list[int | None]:
    """For each segment, the index of the fundamental it is a harmonic of, else None."""
    mean_f = [float(np.mean(freqs_hz[s.rows])) for s in segments]
    order = np.argsort(mean_f, kind="stable")
    parents: list[int | None] = [None] * len(segments)
    for j in order:
        for i in order:
            if mean_f[i] >= mean_f[j] or parents[i] is not None:
                continue
            shared, ia, ja = np.intersect1d(segments[i].frames, segments[j].frames, return_indices=True)
            if len(shared) < max(1, min_overlap * len(segments[j].frames)):
                continue
            ratio = float(np.median(freqs_hz[segments[j].rows[ja]] / freqs_hz[segments[i].rows[ia]]))
            n = round(ratio)
            if n >= 2 and abs(ratio / n - 1.0) <= harmonic_tol:
                parents[j] = int(i)
                break
    return parents


def group_calls(segments: list[Segment], parents: list[int | None], *, merge_gap_s: float = 0.01) -> list[list[int]]:
    """Segment indices per call: fundamentals joined across gaps <= ``merge_gap_s``, harmonics with their parent."""
    roots = sorted((i for i, p in enumerate(parents) if p is None), key=lambda i: segments[i].onset_s)
    groups: list[list[int]] = []
    group_of: dict[int, int] = {}
    end = -np.inf
    for i in roots:
        if not groups or segments[i].onset_s - end > merge_gap_s:
            groups.append([])
            end = -np.inf
        groups[-1].append(i)
        group_of[i] = len(groups) - 1
        end = max(end, segments[i].offset_s)
    for j, p in enumerate(parents):
        if p is not None:
            groups[group_of[p]].append(j)
    return groups


def _contour(segs: list[Segment], freqs_hz: np.ndarray, times_s: np.ndarray):
    """Per-frame contour (times s, freqs Hz, levels dB, rows) of several segments; the loudest wins a shared frame."""
    frames = np.concatenate([s.frames for s in segs])
    rows = np.concatenate([s.rows for s in segs])
    level = np.concatenate([s.level_db for s in segs])
    order = np.lexsort((-level, frames))
    frames, rows, level = frames[order], rows[order], level[order]
    first = np.concatenate([[True], np.diff(frames) > 0])
    frames, rows, level = frames[first], rows[first], level[first]
    return times_s[frames], freqs_hz[rows], level, rows


def measure_call(segs: list[Segment], is_harmonic: list[bool], freqs_hz: np.ndarray, times_s: np.ndarray,
                 floor_db: np.ndarray, *, jump_khz: float = 5.0) -> dict:
    """VocalMat-style measures of one call (see ``COLUMNS``) from its segments."""
    main = [s for s, h in zip(segs, is_harmonic) if not h]
    t, f, level, rows = _contour(main, freqs_hz, times_s)
    _, f_all, _, _ = _contour(segs, freqs_hz, times_s)
    f_all = np.concatenate([f_all, *(freqs_hz[s.rows] for s, h in zip(segs, is_harmonic) if h)])
    start, end = min(s.onset_s for s in main), max(s.offset_s for s in main)
    fk, tk = f / 1e3, t * 1e3
    slope = float(np.polyfit(tk, fk, 1)[0]) if len(np.unique(tk)) > 1 else 0.0
    return {
        "Start_time": start, "End_time": end, "Duration": end - start,
        "min_freq_main": fk.min(), "max_freq_main": fk.max(), "mean_freq_main": fk.mean(),
        "Bandwidth": fk.max() - fk.min(), "min_freq_total": f_all.min() / 1e3,
        "max_freq_total": f_all.max() / 1e3, "mean_freq_total": f_all.mean() / 1e3,
        "min_intens": level.min(), "max_intens": level.max(), "mean_intens": level.mean(),
        "Background_intens": float(np.mean(floor_db[rows])), "Harmonic": bool(any(is_harmonic)),
        "start_freq": fk[0], "end_freq": fk[-1], "peak_freq": fk[int(np.argmax(level))], "slope": slope,
        "freq_jumps": int(np.sum(np.abs(np.diff(fk)) > jump_khz)), "n_segments": len(main),
        "mask_pixels": int(sum(s.pixels for s in segs)), "score": max(s.score for s in segs),
    }


def mask_to_calls(mask: np.ndarray, mag: np.ndarray, freqs_hz: np.ndarray, times_s: np.ndarray, floor: np.ndarray,
                  *, prob: np.ndarray | None = None, min_pixels: int = 8, merge_gap_ms: float = 10.0,
                  min_call_ms: float = 2.0, harmonic_tol: float = 0.06, jump_khz: float = 5.0
                  ) -> tuple[list[dict], list[list[Segment]]]:
    """Calls (measure dicts, sorted by onset) and the segments of each, from a (F, T) mask of a spectrogram."""
    segments = extract_segments(mask, mag, times_s, prob=prob, min_pixels=min_pixels)
    parents = harmonic_parents(segments, freqs_hz, harmonic_tol=harmonic_tol)
    floor_db = 20.0 * np.log10(np.maximum(floor, 1e-12))
    rows, members = [], []
    for group in group_calls(segments, parents, merge_gap_s=merge_gap_ms / 1e3):
        segs = [segments[i] for i in group]
        row = measure_call(segs, [parents[i] is not None for i in group], freqs_hz, times_s, floor_db,
                           jump_khz=jump_khz)
        if row["Duration"] >= min_call_ms / 1e3:
            rows.append(row)
            members.append(segs)
    order = np.argsort([r["Start_time"] for r in rows], kind="stable")
    return [rows[i] for i in order], [members[i] for i in order]
