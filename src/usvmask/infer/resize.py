"""The resizes of the one prediction path: images and masks to the network's input size, probabilities back.

Training (`usvmask.train.datamodule`), construction, evaluation, `predict-images` and `segment` all use these, so a
mask never depends on which stage made it. Images are area-averaged (`cv2.INTER_AREA`); masks are area-averaged as
0/1 floats and kept where the covered fraction is ≥ 0.5 (centre-aligned, unlike `INTER_NEAREST`, which shifts a
227→128 mask by ~1.4 source pixels); probabilities go back with bilinear interpolation (`cv2.INTER_LINEAR`, pixel
centres aligned).
"""

from __future__ import annotations

import cv2
import numpy as np

from usvmask.errors import UsvmaskError


def _size_hw(size: int | tuple[int, int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, (int, np.integer)) else (int(size[0]), int(size[1]))


def resize_stack(stack: np.ndarray, size: int | tuple[int, int], *, kind: str = "image") -> np.ndarray:
    """Resize an (N, H, W) stack to `size` (int = square, or (H, W)); a stack already of that size is returned."""
    if kind not in ("image", "mask"):
        raise UsvmaskError(f"resize kind {kind!r}: unknown; use 'image' or 'mask'")
    if stack.ndim != 3:
        raise UsvmaskError(f"stack of shape {stack.shape}: not (N, H, W); pass a stack of 2-D images")
    height, width = _size_hw(size)
    if stack.shape[1:] == (height, width):
        return stack
    if kind == "mask":
        covered = [cv2.resize(f.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA) for f in stack]
        out = np.stack(covered) >= 0.5 if len(stack) else np.zeros((0, height, width), bool)
        return out if stack.dtype == bool else out.astype(stack.dtype)
    if not len(stack):
        return np.zeros((0, height, width), stack.dtype)
    return np.stack([cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA) for frame in stack])


def resize_probs(probs: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Probability maps (N, h, w) float32 → (N, H, W) with bilinear interpolation."""
    height, width = _size_hw(size)
    if probs.shape[1:] == (height, width):
        return probs.astype(np.float32, copy=False)
    if not len(probs):
        return np.zeros((0, height, width), np.float32)
    return np.stack([cv2.resize(np.asarray(p, np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
                     for p in probs])
