"""The review queue: how likely each mask is wrong, judged without truth, and how much of the queue needs fixing.

Each term lies in [0, 1]; the score is the mean of the terms that can be computed:

- ``disagreement``: 1 − Dice / 100 between the mask and another mask of the same image (the previous construction
  iteration, or another model), with the project's one Dice formula, so two empty masks agree (0);
- ``area``: ``min(1, |log2((area + 1) / (median + 1))| / 4)`` against the median mask area of the image's class
  (the index's label column): a mask 16 times larger or smaller than its class's median scores 1, a noise image
  (median 0) with a 15-pixel mask scores 1;
- ``entropy``: the mean binary entropy (bits) of a model's call probabilities over the pixels it gives more than
  ``floor`` (0 where there is none): a crisp call or a clean rejection scores near 0, a hesitant one near 1.

The queue puts the highest score first (ties in index order). ``estimate_fix_share`` turns the decisions made so
far into the share of the whole queue that needs fixing: the queue is cut into equal bands by rank, each band's
unreviewed images count at the fix rate of the reviewed ones in that band (or of the nearest band that has any),
so the estimate leans high while only the top of the queue is reviewed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from usvmask.errors import UsvmaskError
from usvmask.evaluate.metrics import dice_scores

TERMS = ("disagreement", "area", "entropy")
AREA_OCTAVES = 4.0  # a mask this many doublings away from its class's median area scores 1
ENTROPY_FLOOR = 0.1  # pixels with a lower call probability do not count towards the entropy term


def disagreement(masks: np.ndarray, other: np.ndarray) -> np.ndarray:
    """1 − Dice / 100 per image between two (N, H, W) mask stacks."""
    return 1.0 - dice_scores(masks, other) / 100.0


def area_outlier(masks: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """How far each mask's area lies from the median area of its class, in [0, 1]."""
    areas = np.asarray(masks, dtype=bool).reshape(len(masks), -1).sum(axis=1).astype(float)
    if len(classes) != len(areas):
        raise UsvmaskError(f"classes: {len(classes)} labels for {len(areas)} masks; give one label per mask")
    medians = pd.Series(areas).groupby(np.asarray(classes, dtype=str)).transform("median").to_numpy()
    return np.minimum(1.0, np.abs(np.log2((areas + 1.0) / (medians + 1.0))) / AREA_OCTAVES)


def probability_entropy(probs: np.ndarray, floor: float = ENTROPY_FLOOR) -> np.ndarray:
    """Mean binary entropy (bits) of the probabilities above `floor`, per image (0 where none is)."""
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0 - 1e-12).reshape(len(probs), -1)
    bits = -(p * np.log2(p) + (1.0 - p) * np.log2(1.0 - p))
    counted = p > floor
    total = np.where(counted, bits, 0.0).sum(axis=1)
    return np.divide(total, counted.sum(axis=1), out=np.zeros(len(p)), where=counted.any(axis=1))


def likely_wrong(masks: np.ndarray, classes: Sequence[str], *, other: np.ndarray | None = None,
                 probs: np.ndarray | None = None) -> pd.DataFrame:
    """One row per image: each available term and their mean, ``score``."""
    terms = {"area": area_outlier(masks, classes)}
    if other is not None:
        terms["disagreement"] = disagreement(masks, other)
    if probs is not None:
        if np.shape(probs) != np.shape(masks):
            raise UsvmaskError(f"probabilities: shape {np.shape(probs)} is not the masks' {np.shape(masks)}")
        terms["entropy"] = probability_entropy(probs)
    table = pd.DataFrame({name: terms[name] for name in TERMS if name in terms})
    table.insert(0, "score", table.mean(axis=1))
    return table


def queue_order(scores: np.ndarray) -> np.ndarray:
    """Indices from the highest score to the lowest; equal scores keep index order."""
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def _nearest_filled(rates: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the value of the nearest non-NaN entry (the later one on a tie)."""
    known = np.flatnonzero(~np.isnan(rates))
    out = rates.copy()
    for i in np.flatnonzero(np.isnan(rates)):
        distance = np.abs(known - i)
        out[i] = rates[known[distance == distance.min()][-1]]
    return out


def estimate_fix_share(scores: np.ndarray, reviewed: np.ndarray, fixed: np.ndarray, *,
                       bands: int = 5) -> float | None:
    """Estimated share of all images whose mask needs fixing; None before anything is reviewed."""
    reviewed, fixed = np.asarray(reviewed, dtype=bool), np.asarray(fixed, dtype=bool)
    n = len(reviewed)
    if not reviewed.any():
        return None
    band = np.empty(n, dtype=int)
    band[queue_order(scores)] = np.arange(n) * bands // n
    rates = np.array([fixed[(band == b) & reviewed].mean() if ((band == b) & reviewed).any() else np.nan
                      for b in range(bands)])
    rates = _nearest_filled(rates)
    expected = fixed[reviewed].sum() + rates[band[~reviewed]].sum()
    return float(expected / n)
