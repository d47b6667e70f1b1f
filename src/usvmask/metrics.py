"""Segmentation metrics every usvmask stage reports.

Dice is smoothed: ``dice = 100 * (2|P & T| + eps) / (|P| + |T| + eps)`` with ``eps = 1`` by default, so an
empty prediction on an empty truth (a correctly rejected noise image) scores 100 rather than 0/0, and an
empty prediction on a non-empty truth scores close to 0. Pixel accuracy is the percentage of pixels where
prediction and truth agree. Summaries give the mean and the standard error of the mean
(``std(ddof=1) / sqrt(n)``, 0 when n < 2) per image set ("usv", "noise", "all"), alongside the same scores
for the null model that predicts an empty mask everywhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from skimage import measure

from usvmask.errors import UsvmaskError
from usvmask.store import atomic_path

KINDS = ("usv", "noise")


def _check_pair(pred: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred, truth = np.asarray(pred, dtype=bool), np.asarray(truth, dtype=bool)
    if pred.shape != truth.shape:
        raise UsvmaskError(f"masks: prediction shape {pred.shape} differs from truth {truth.shape}; pair them up")
    return pred, truth


def dice(pred: np.ndarray, truth: np.ndarray, *, eps: float = 1.0) -> float:
    """Smoothed Dice in percent: ``100 * (2|P & T| + eps) / (|P| + |T| + eps)``."""
    pred, truth = _check_pair(pred, truth)
    if eps <= 0:
        raise UsvmaskError(f"eps={eps}: must be > 0 so empty masks score; use 1.0")
    overlap = np.count_nonzero(pred & truth)
    return float(100.0 * (2 * overlap + eps) / (np.count_nonzero(pred) + np.count_nonzero(truth) + eps))


def pixel_accuracy(pred: np.ndarray, truth: np.ndarray) -> float:
    """Percentage of pixels where prediction and truth agree."""
    pred, truth = _check_pair(pred, truth)
    return float(100.0 * np.count_nonzero(pred == truth) / pred.size)


def score_images(preds: np.ndarray, truths: np.ndarray, *, eps: float = 1.0) -> pd.DataFrame:
    """One row per image with columns ``dice`` and ``accuracy`` (both percent)."""
    preds, truths = _check_pair(preds, truths)
    if preds.ndim != 3:
        raise UsvmaskError(f"masks: expected stacks (N,H,W), got ndim {preds.ndim}; stack the masks")
    rows = [(dice(p, t, eps=eps), pixel_accuracy(p, t)) for p, t in zip(preds, truths)]
    return pd.DataFrame(rows, columns=["dice", "accuracy"], dtype=float)


def _sem(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0


def _summary(scores: pd.DataFrame) -> dict[str, float | int]:
    out: dict[str, float | int] = {"n": int(len(scores))}
    for column in ("dice", "accuracy"):
        values = scores[column].to_numpy()
        out[column] = round(float(values.mean()), 4)
        out[f"{column}_sem"] = round(_sem(values), 4)
    return out


def _by_kind(scores: pd.DataFrame, kinds: np.ndarray) -> dict[str, dict[str, float | int]]:
    sets = {kind: kinds == kind for kind in KINDS}
    sets["all"] = np.ones(len(kinds), dtype=bool)
    return {name: _summary(scores[chosen]) for name, chosen in sets.items() if chosen.any()}


def _check_kinds(kinds: Sequence[str], n: int) -> np.ndarray:
    kinds = np.asarray(kinds, dtype=str)
    if kinds.shape != (n,):
        raise UsvmaskError(f"kinds: expected {n} labels, got shape {kinds.shape}; give one label per image")
    unknown = sorted(set(kinds.tolist()) - set(KINDS))
    if unknown:
        raise UsvmaskError(f"kinds: unknown labels {unknown}; use one of {list(KINDS)}")
    return kinds


def summarise(preds: np.ndarray, truths: np.ndarray, kinds: Sequence[str], *, eps: float = 1.0) -> dict[str, Any]:
    """Mean and SEM of Dice and accuracy per set ("usv", "noise", "all"), plus the all-empty null model."""
    scores = score_images(preds, truths, eps=eps)
    kinds = _check_kinds(kinds, len(scores))
    null = score_images(np.zeros_like(truths, dtype=bool), truths, eps=eps)
    summary: dict[str, Any] = _by_kind(scores, kinds)
    summary["null"] = _by_kind(null, kinds)
    return summary


def mask_stats(masks: np.ndarray) -> dict[str, float | int]:
    """Mean area (pixels), fraction of empty masks and mean 4-connected components per mask."""
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim != 3:
        raise UsvmaskError(f"masks: expected a stack (N,H,W), got ndim {masks.ndim}; stack the masks")
    if len(masks) == 0:
        return {"n": 0, "mean_area": 0.0, "empty_fraction": 0.0, "mean_components": 0.0}
    areas = masks.reshape(len(masks), -1).sum(axis=1)
    components = [int(measure.label(mask, connectivity=1).max()) for mask in masks]
    return {
        "n": int(len(masks)),
        "mean_area": round(float(areas.mean()), 4),
        "empty_fraction": round(float(np.mean(areas == 0)), 4),
        "mean_components": round(float(np.mean(components)), 4),
    }


def _to_builtin(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_json(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write ``data`` atomically (temp file in the same folder, then ``os.replace``), sorted keys, indent 2."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, sort_keys=True, indent=2, default=_to_builtin)
        handle.write("\n")
    return path
