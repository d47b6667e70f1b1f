"""Component-level refit: keep the previous mask's connected components that a new prediction still marks.

A refit iteration of the erosion loop (`usvmask.pipeline.erosion`) fine-tunes on masks that are already at the
calls' width; its purpose is to drop what the noise fine-tuning now recognises as noise. Taking the new prediction
itself as the new masks would also reshape every call: a model trained on trimmed masks predicts them a little
thinner, and the ridge trim thins them again, so the masks shrink at every refit. Keeping whole components of the
previous masks, those with at least one pixel the new prediction marks, removes false positives without thinning
the calls or growing anything new.
"""

from __future__ import annotations

import numpy as np
from skimage import measure

from usvmask.errors import UsvmaskError


def keep_marked_components(masks: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """``masks`` ((N, H, W) or (H, W) bool) keeping each 8-connected component that shares a pixel with ``marks``
    (same shape)."""
    masks, marks = np.asarray(masks, dtype=bool), np.asarray(marks, dtype=bool)
    if masks.shape != marks.shape or masks.ndim not in (2, 3):
        raise UsvmaskError(f"component refit: masks {masks.shape} and marks {marks.shape} must be one (N, H, W) or "
                           "(H, W) shape; pass the new masks of the same images")
    if masks.ndim == 2:
        return keep_marked_components(masks[None], marks[None])[0]
    out = np.zeros_like(masks)
    for i, (mask, mark) in enumerate(zip(masks, marks)):
        labels = measure.label(mask, connectivity=2)
        marked = np.zeros(labels.max() + 1, dtype=bool)
        marked[np.unique(labels[mark & mask])] = True
        marked[0] = False
        out[i] = marked[labels]
    return out
