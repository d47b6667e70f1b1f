"""Event metrics of recording segmentation: calls found against true calls, as time intervals.

A predicted call matches a true call when their time IoU is >= ``min_iou`` (default 0.5), one-to-one, best IoU
first (for intervals with IoU > 0.5 this is the optimal matching: an interval cannot pass 0.5 with two disjoint
partners). Reported: precision, recall, F1, median onset/offset error (ms, matched pairs), and call statistics -
count, median duration (ms), median inter-call interval (onset to onset, ms) - for model and truth.
"""

from __future__ import annotations

import numpy as np


def interval_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(K, M) time IoU between (K, 2) and (M, 2) [start, end] intervals."""
    a, b = np.asarray(a, float).reshape(-1, 2), np.asarray(b, float).reshape(-1, 2)
    inter = np.clip(np.minimum(a[:, None, 1], b[None, :, 1]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    union = (a[:, None, 1] - a[:, None, 0]) + (b[None, :, 1] - b[None, :, 0]) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def match_events(pred: np.ndarray, truth: np.ndarray, *, min_iou: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one (pred index, truth index) pairs with IoU >= ``min_iou``, greedily by descending IoU."""
    iou = interval_iou(pred, truth)
    pairs, used_p, used_t = [], set(), set()
    for flat in np.argsort(-iou, axis=None, kind="stable"):
        i, j = np.unravel_index(flat, iou.shape)
        if iou[i, j] < min_iou:
            break
        if i not in used_p and j not in used_t:
            pairs.append((int(i), int(j)))
            used_p.add(i)
            used_t.add(j)
    return sorted(pairs)


def _median_ms(values) -> float | None:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return round(float(np.median(v)) * 1e3, 3) if v.size else None


def call_stats(*recordings: np.ndarray) -> dict:
    """Count, median duration (ms) and median inter-call interval (onset to onset within a recording, ms)."""
    ivs = [np.asarray(r, float).reshape(-1, 2) for r in recordings]
    durations = np.concatenate([iv[:, 1] - iv[:, 0] for iv in ivs]) if ivs else np.zeros(0)
    gaps = np.concatenate([np.diff(np.sort(iv[:, 0])) for iv in ivs]) if ivs else np.zeros(0)
    return {"count": int(sum(len(iv) for iv in ivs)), "median_duration_ms": _median_ms(durations),
            "median_interval_ms": _median_ms(gaps)}


def event_metrics(pred: np.ndarray, truth: np.ndarray, *, min_iou: float = 0.5) -> dict:
    """Precision, recall, F1, onset/offset errors (median |error| ms) and call statistics for one set."""
    pred, truth = np.asarray(pred, float).reshape(-1, 2), np.asarray(truth, float).reshape(-1, 2)
    pairs = match_events(pred, truth, min_iou=min_iou)
    tp = len(pairs)
    precision = tp / len(pred) if len(pred) else (1.0 if not len(truth) else 0.0)
    recall = tp / len(truth) if len(truth) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    p, t = np.asarray([i for i, _ in pairs], int), np.asarray([j for _, j in pairs], int)
    return {
        "true_positives": tp, "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "onset_error_ms": _median_ms(np.abs(pred[p, 0] - truth[t, 0])) if tp else None,
        "offset_error_ms": _median_ms(np.abs(pred[p, 1] - truth[t, 1])) if tp else None,
        "model": call_stats(pred), "truth": call_stats(truth),
    }
