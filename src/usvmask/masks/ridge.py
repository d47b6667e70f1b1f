"""Ridge trim: keep the part of a mask that lies on the call's bright ridge, from the image alone (no truth).

A USV is a thin frequency contour; masks learned from VocalMat's dilated masks are a band around it, several rows
too wide, and the band regrows after each erosion. Within a mask, each time column holds the contour's brightest
pixel; a pixel is kept when its grey level is at most ``drop_grey`` below the brightest masked pixel within ``rows``
rows of it in the same column. The window keeps a harmonic or a second contour (a separate ridge more than ``rows``
rows away) even when it is fainter than the fundamental. Calls are bright (VocalMat's candidates, ``mat2gray`` per
crop), so ``drop_grey`` is a fraction of the crop's dB range: 30 of 255 grey levels.

The same rule along time (``cols``, optional) then trims each frequency row of the mask to the call's extent: a
pixel is kept when it is at most ``drop_grey`` below the brightest masked pixel within ``cols`` columns in its row.
Masks learned from VocalMat's (dilated along time at the end) run several columns past both ends of the call, into
the fading onset, the decay and the background beside it; those pixels are darker than the call's body.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from usvmask.errors import UsvmaskError


def _check_window(key: str, value: int, unit: str, example: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise UsvmaskError(f"{key}: {value!r} must be a whole number of {unit} >= 0; use e.g. {example}")


def check_ridge(rows: int, drop_grey: float | None, cols: int | None = None) -> None:
    """One-line errors for bad ridge settings (``drop_grey`` None switches the trim off; ``cols`` None, the time
    trim)."""
    _check_window("ridge_rows", rows, "rows", 7)
    if cols is not None:
        _check_window("ridge_cols", cols, "columns", 8)
    if drop_grey is not None and (isinstance(drop_grey, bool) or not isinstance(drop_grey, (int, float))
                                  or not 0 <= drop_grey <= 255):
        raise UsvmaskError(f"ridge_grey: {drop_grey!r} must lie in [0, 255] grey levels, or be null to keep masks "
                           "as predicted; use e.g. 30")


def trim_to_ridge(
    images: np.ndarray, masks: np.ndarray, *, rows: int = 7, drop_grey: float | None = 30, cols: int | None = None
) -> np.ndarray:
    """``masks`` ((N, H, W) or (H, W) bool) keeping the pixels within ``drop_grey`` grey levels of the brightest
    masked pixel within ``rows`` rows in their column of ``images`` (same shape, calls bright); then, if ``cols`` is
    set, within ``drop_grey`` of the brightest pixel left within ``cols`` columns in their row."""
    check_ridge(rows, drop_grey, cols)
    images, masks = np.asarray(images), np.asarray(masks, dtype=bool)
    if images.shape != masks.shape or images.ndim not in (2, 3):
        raise UsvmaskError(f"ridge trim: images {images.shape} and masks {masks.shape} must be one (N, H, W) or "
                           "(H, W) shape; pass the masks of these images")
    if drop_grey is None:
        return masks.copy()
    grey = images.astype(np.float32)
    masks = _near_brightest(grey, masks, rows, drop_grey, axis=-2)
    return masks if cols is None else _near_brightest(grey, masks, cols, drop_grey, axis=-1)


def _near_brightest(grey: np.ndarray, masks: np.ndarray, window: int, drop_grey: float, axis: int) -> np.ndarray:
    """``masks`` where the grey is within ``drop_grey`` of the brightest masked grey within ``window`` along
    ``axis``."""
    masked = np.where(masks, grey, -np.inf)
    brightest = ndi.maximum_filter1d(masked, size=2 * window + 1, axis=axis, mode="constant", cval=-np.inf)
    return masks & (masked >= brightest - drop_grey)
