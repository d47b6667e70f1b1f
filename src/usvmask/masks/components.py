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
from scipy import ndimage as ndi

from usvmask.errors import UsvmaskError

_EIGHT_CONNECTED_PER_IMAGE = np.ones((1, 3, 3), dtype=bool)  # 8-connected within an image, never across images


def keep_marked_components(masks: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """``masks`` ((N, H, W) or (H, W) bool) keeping each 8-connected component that shares a pixel with ``marks``
    (same shape): the marked pixels grown back within the masks (morphological reconstruction)."""
    masks, marks = np.asarray(masks, dtype=bool), np.asarray(marks, dtype=bool)
    if masks.shape != marks.shape or masks.ndim not in (2, 3):
        raise UsvmaskError(f"component refit: masks {masks.shape} and marks {marks.shape} must be one (N, H, W) or "
                           "(H, W) shape; pass the new masks of the same images")
    stack, seeds = masks.reshape(-1, *masks.shape[-2:]), (marks & masks).reshape(-1, *masks.shape[-2:])
    kept = ndi.binary_propagation(seeds, structure=_EIGHT_CONNECTED_PER_IMAGE, mask=stack)
    return kept.reshape(masks.shape)
