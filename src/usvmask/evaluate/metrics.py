"""Segmentation metrics every usvmask stage reports, and the one Dice formula every part of usvmask uses.

Dice is smoothed: ``dice = 100 * (2|P & T| + eps) / (|P| + |T| + eps)`` with ``eps = 1`` by default, so an
empty prediction on an empty truth (a correctly rejected noise image) scores 100 rather than 0/0, and an
empty prediction on a non-empty truth scores close to 0. ``smoothed_dice`` holds the formula on pixel counts and
works on NumPy arrays and torch tensors alike (training scores batches with it). Pixel accuracy is the
percentage of pixels where prediction and truth agree. Summaries give the mean and the standard error of the mean
(``std(ddof=1) / sqrt(n)``, 0 when n < 2) per image set ("usv", "noise", "all"), alongside the same scores
for the null model that predicts an empty mask everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from skimage import measure

from usvmask.errors import UsvmaskError

KINDS = ("usv", "noise")


def smoothed_dice(overlap, pred_area, truth_area, eps: float = 1.0):
    """100 · (2·overlap + eps) / (pred_area + truth_area + eps) on counts (scalars, arrays or tensors)."""
    return 100.0 * (2.0 * overlap + eps) / (pred_area + truth_area + eps)


def _check_pair(pred: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred, truth = np.asarray(pred, dtype=bool), np.asarray(truth, dtype=bool)
    if pred.shape != truth.shape:
        raise UsvmaskError(f"masks: prediction shape {pred.shape} differs from truth {truth.shape}; pair them up")
    return pred, truth


def dice(pred: np.ndarray, truth: np.ndarray, *, eps: float = 1.0) -> float:
    """Smoothed Dice in percent: ``100 * (2|P & T| + eps) / (|P| + |T| + eps)``."""
    pred, truth = _check_pair(pred, truth)
    return float(dice_scores(pred[None], truth[None], eps=eps)[0])


def dice_scores(preds: np.ndarray, truths: np.ndarray, *, eps: float = 1.0) -> np.ndarray:
    """Dice per image (N,) of two (N, H, W) stacks, vectorised."""
    preds, truths = _check_pair(preds, truths)
    if preds.ndim != 3:
        raise UsvmaskError(f"masks: expected stacks (N,H,W), got ndim {preds.ndim}; stack the masks")
    if eps <= 0:
        raise UsvmaskError(f"eps={eps}: must be > 0 so empty masks score; use 1.0")
    p, t = preds.reshape(len(preds), -1), truths.reshape(len(truths), -1)
    return smoothed_dice((p & t).sum(axis=1), p.sum(axis=1), t.sum(axis=1), eps).astype(float)


def pixel_accuracy(pred: np.ndarray, truth: np.ndarray) -> float:
    """Percentage of pixels where prediction and truth agree."""
    pred, truth = _check_pair(pred, truth)
    return float(100.0 * np.count_nonzero(pred == truth) / pred.size)


def score_images(preds: np.ndarray, truths: np.ndarray, *, eps: float = 1.0) -> pd.DataFrame:
    """One row per image with columns ``dice`` and ``accuracy`` (both percent)."""
    preds, truths = _check_pair(preds, truths)
    if preds.ndim != 3:
        raise UsvmaskError(f"masks: expected stacks (N,H,W), got ndim {preds.ndim}; stack the masks")
    accuracy = 100.0 * (preds == truths).reshape(len(preds), -1).mean(axis=1)
    return pd.DataFrame({"dice": dice_scores(preds, truths, eps=eps), "accuracy": accuracy}, dtype=float)


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


def mask_stats(masks: np.ndarray, kinds: Sequence[str] | None = None) -> dict[str, float | int]:
    """Truth-free statistics of a mask set: mean area (pixels), empty fraction, mean 4-connected components.

    With ``kinds`` (one "usv"/"noise" label per mask) also ``usv_mean_area`` and ``noise_empty_fraction``: the
    signals a user without truth watches (calls keep their area, noise spectrograms become empty).
    """
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim != 3:
        raise UsvmaskError(f"masks: expected a stack (N,H,W), got ndim {masks.ndim}; stack the masks")
    areas = masks.reshape(len(masks), -1).sum(axis=1)
    components = [int(measure.label(mask, connectivity=1).max()) for mask in masks]
    stats: dict[str, float | int] = {
        "n": int(len(masks)),
        "mean_area": round(float(areas.mean()), 4) if len(masks) else 0.0,
        "empty_fraction": round(float(np.mean(areas == 0)), 4) if len(masks) else 0.0,
        "mean_components": round(float(np.mean(components)), 4) if len(masks) else 0.0,
    }
    if kinds is not None:
        kinds = _check_kinds(kinds, len(masks))
        usv, noise = kinds == "usv", kinds == "noise"
        stats["usv_mean_area"] = round(float(areas[usv].mean()), 2) if usv.any() else 0.0
        stats["noise_empty_fraction"] = round(float(np.mean(areas[noise] == 0)), 4) if noise.any() else 1.0
    return stats
