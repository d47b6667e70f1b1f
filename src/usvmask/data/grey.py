"""Grey-level statistics of a folder of candidate images, and the guard against the wrong representation.

A model trained on VocalMat's candidates (calls bright on a light-grey background, per-crop median grey about
144-207) sees nothing in images of another kind: inverted ones (calls dark), or linear-magnitude renderings.
`grey_stats` summarises a stack; `check_grey` compares it with a reference (VocalMat's own measurements, or the
training images recorded in a model card) and stops with one line naming the fix, never letting a run write
empty masks silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from usvmask.errors import UsvmaskError

MARGIN = 30.0  # grey levels a folder's median may lie outside the reference's 5th-95th percentile range


def grey_stats(images: np.ndarray | Sequence[np.ndarray]) -> dict[str, float]:
    """Per-image median, interquartile range, darkest and brightest grey, summarised over the images.

    Returns the 5th/50th/95th percentile of the per-image median (``median_p5``, ``median_p50``, ``median_p95``)
    and the medians of the per-image IQR, darkest and brightest pixel (``iqr``, ``darkest``, ``brightest``).
    """
    flat = [np.asarray(image).ravel() for image in images]
    if not flat:
        raise UsvmaskError("images: none to summarise; give at least one image")
    quartiles = np.array([np.percentile(f, [25, 50, 75]) for f in flat])
    medians = quartiles[:, 1]
    return {
        "median_p5": round(float(np.percentile(medians, 5)), 1),
        "median_p50": round(float(np.percentile(medians, 50)), 1),
        "median_p95": round(float(np.percentile(medians, 95)), 1),
        "iqr": round(float(np.median(quartiles[:, 2] - quartiles[:, 0])), 1),
        "darkest": round(float(np.median([f.min() for f in flat])), 1),
        "brightest": round(float(np.median([f.max() for f in flat])), 1),
    }


def check_grey(stats: Mapping[str, float], reference: Mapping[str, float], *, where: str, invert_fix: str,
               other_fix: str) -> None:
    """Raise a one-line UsvmaskError when `stats` look inverted, or far outside `reference` (both `grey_stats`)."""
    lo, hi = reference["median_p5"] - MARGIN, reference["median_p95"] + MARGIN
    median = stats["median_p50"]
    if lo <= median <= hi:
        return
    seen = (f"median grey {median:.0f}, where the reference images lie at {reference['median_p5']:.0f}-"
            f"{reference['median_p95']:.0f}")
    if lo <= 255.0 - median <= hi:
        raise UsvmaskError(f"{where}: the images look inverted (calls dark on light: {seen}); {invert_fix}")
    raise UsvmaskError(f"{where}: the images are far from the reference ({seen}); {other_fix}")
