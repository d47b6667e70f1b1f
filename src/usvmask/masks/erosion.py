"""SqueakOut's mask erosion: shrink large call segments with a small rectangular kernel.

Only connected segments "at least four times the kernel size" are eroded; smaller ones are kept as they are.
SqueakOut repeats this step (retraining in between, done elsewhere) until no segment is erodible.

Conventions:
- ``kernel = (kh, kw)`` is in array axis order: kh rows (frequency bins), kw columns (time frames).
  The default (4, 2) spans 4 frequency rows and 2 time columns.
- Segments are 8-connected components of one mask.
- Erosion is ``scipy.ndimage.binary_erosion`` with an all-ones ``(kh, kw)`` structure and its default anchor
  ``(kh // 2, kw // 2)``: pixel (r, c) survives iff ``mask[r - kh//2 : r - kh//2 + kh, c - kw//2 : c - kw//2 + kw]``
  is all True. Outside the image counts as background, so segments touching the border shrink there too.
- Eroding each segment on its own equals eroding their union: every kernel window is one 4-connected block, so it
  can never span two distinct 8-connected segments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import ndimage as ndi

from usvmask.errors import UsvmaskError

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def _area_rule(area: int, bbox: tuple[int, int], kernel: tuple[int, int], factor: float) -> bool:
    return area >= factor * kernel[0] * kernel[1]


def _axes_rule(area: int, bbox: tuple[int, int], kernel: tuple[int, int], factor: float) -> bool:
    return bbox[0] >= factor * kernel[0] and bbox[1] >= factor * kernel[1]


RULES: dict[str, Callable[[int, tuple[int, int], tuple[int, int], float], bool]] = {
    "area": _area_rule,
    "axes": _axes_rule,
}


def _check_args(kernel: Sequence[int], factor: float, rule: str) -> tuple[int, int]:
    ok = (
        isinstance(kernel, (list, tuple, np.ndarray))
        and len(kernel) == 2
        and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1 for k in kernel)
    )
    if not ok:
        raise UsvmaskError(
            f"kernel: must be two positive integers (rows=frequency, cols=time), got {kernel!r}; use e.g. [4, 2]"
        )
    if isinstance(factor, bool) or not isinstance(factor, (int, float, np.number)) or not factor > 0:
        raise UsvmaskError(f"factor: must be a positive number, got {factor!r}; use e.g. 4")
    if rule not in RULES:
        raise UsvmaskError(f"rule: unknown erosion rule {rule!r}; use one of {sorted(RULES)}")
    return int(kernel[0]), int(kernel[1])


def erodible(
    area: int,
    bbox: tuple[int, int],
    *,
    kernel: Sequence[int] = (4, 2),
    factor: float = 4,
    rule: str = "area",
) -> bool:
    """Whether one segment of ``area`` pixels and bounding box ``bbox = (height, width)`` is eroded.

    Rule "area": ``area >= factor * kh * kw``. Rule "axes": ``height >= factor * kh and width >= factor * kw``.
    """
    k = _check_args(kernel, factor, rule)
    return bool(RULES[rule](int(area), (int(bbox[0]), int(bbox[1])), k, factor))


def _erodible_pixels(mask: np.ndarray, kernel: tuple[int, int], factor: float, rule: str) -> tuple[np.ndarray, int]:
    """Pixels of one 2-D mask that belong to erodible segments, and how many such segments there are."""
    labels, n = ndi.label(mask, structure=_EIGHT_CONNECTED)
    if n == 0:
        return np.zeros_like(mask, dtype=bool), 0
    areas = np.bincount(labels.ravel(), minlength=n + 1)
    keep = np.zeros(n + 1, dtype=bool)
    for i, sl in enumerate(ndi.find_objects(labels), start=1):
        bbox = (sl[0].stop - sl[0].start, sl[1].stop - sl[1].start)
        keep[i] = RULES[rule](int(areas[i]), bbox, kernel, factor)
    return keep[labels], int(keep.sum())


def _as_stack(masks: np.ndarray) -> np.ndarray:
    arr = np.asarray(masks)
    if arr.ndim not in (2, 3):
        raise UsvmaskError(f"masks: expected an (H, W) or (N, H, W) array, got shape {arr.shape}; pass a mask stack")
    return arr.astype(bool, copy=False)


def erode_masks(
    masks: np.ndarray,
    *,
    kernel: Sequence[int] = (4, 2),
    factor: float = 4,
    rule: str = "area",
    shifted_anchor: bool = False,
) -> tuple[np.ndarray, int]:
    """Erode every erodible segment of ``masks`` ((N, H, W) or (H, W) bool) with a ``kernel`` rectangle.

    Returns the eroded masks (a new array, same shape) and the number of segments that were erodible.
    Segments below the threshold are copied unchanged. An even kernel has no centre: the default anchor
    (kh//2, kw//2) moves a segment's centre by +0.5 px per even axis; ``shifted_anchor`` uses the anchor one
    step up-left instead (−0.5 px), so alternating the two keeps repeated erosions centred.
    """
    k = _check_args(kernel, factor, rule)
    stack = _as_stack(masks)
    flat = stack.reshape((-1,) + stack.shape[-2:])
    structure = np.ones(k, dtype=bool)
    out = flat.copy()
    total = 0
    for i, mask in enumerate(flat):
        big, n = _erodible_pixels(mask, k, factor, rule)
        if n:
            origin = tuple(-1 if shifted_anchor and size % 2 == 0 else 0 for size in k)
            shrunk = ndi.binary_erosion(big, structure=structure, border_value=0, origin=origin)
            out[i] = (mask & ~big) | shrunk
            total += n
    return out.reshape(stack.shape), total


def count_erodible(
    masks: np.ndarray,
    *,
    kernel: Sequence[int] = (4, 2),
    factor: float = 4,
    rule: str = "area",
) -> int:
    """Number of segments in ``masks`` that ``erode_masks`` would erode (0 means the erosion loop is done)."""
    k = _check_args(kernel, factor, rule)
    stack = _as_stack(masks)
    flat = stack.reshape((-1,) + stack.shape[-2:])
    return sum(_erodible_pixels(mask, k, factor, rule)[1] for mask in flat)


def ring_contrast(images: np.ndarray, before: np.ndarray, after: np.ndarray, *, margin: int = 3) -> float:
    """How call-like the pixels an erosion removes are, from the images alone (no truth): 0 = as dark as the
    background, 1 = as bright as what the erosion keeps.

    ``mean(removed - bg) / mean(kept - bg)`` pooled over the stack, with calls bright (VocalMat's candidates),
    removed = ``before & ~after``, kept = ``after`` and ``bg`` each image's mean over the pixels farther than
    ``margin`` from any ``before`` pixel (images without such pixels are left out). While masks are wider than the calls, erosion strips background and
    the ratio is low; once it eats into the calls it nears 1. NaN when nothing is removed or nothing is kept.
    """
    images = np.asarray(images, dtype=np.float64)
    before, after = _as_stack(before), _as_stack(after)
    if images.shape != before.shape or before.shape != after.shape:
        raise UsvmaskError(f"ring_contrast: images {images.shape}, before {before.shape} and after {after.shape} "
                           "must have one shape; pass masks of these images")
    removed = before & ~after
    flat = before.reshape((-1,) + before.shape[-2:])
    grown = ndi.binary_dilation(flat, structure=np.ones((1, 2 * margin + 1, 2 * margin + 1), dtype=bool))
    background = ~grown
    n_bg = background.sum(axis=(1, 2))
    bg_level = (images.reshape(flat.shape) * background).sum(axis=(1, 2)) / np.maximum(n_bg, 1)
    above = (images.reshape(flat.shape) - bg_level[:, None, None]).reshape(images.shape)
    usable = np.broadcast_to((n_bg > 0)[:, None, None], flat.shape).reshape(images.shape)
    removed, kept = removed & usable, after & usable
    if not removed.any() or not kept.any():
        return float("nan")
    span = above[kept].mean()
    return float(above[removed].mean() / span) if span > 0 else float("nan")
