"""Ridge trim: keep the part of a mask that lies on the call's bright ridge, from the image alone (no truth).

A USV is a thin frequency contour; masks learned from VocalMat's dilated masks are a band around it, several rows
too wide, and the band regrows after each erosion. Within a mask, each time column holds the contour's brightest
pixel; a pixel is kept when its grey level is at most ``drop_grey`` below the brightest masked pixel within ``rows``
rows of it in the same column. The window keeps a harmonic or a second contour (a separate ridge more than ``rows``
rows away) even when it is fainter than the fundamental. Calls are bright (VocalMat's candidates, ``mat2gray`` per
crop), so ``drop_grey`` is a fraction of the crop's dB range: 30 of 255 grey levels.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from usvmask.errors import UsvmaskError


def check_ridge(rows: int, drop_grey: float | None) -> None:
    """One-line errors for bad ridge settings (``drop_grey`` None switches the trim off)."""
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or rows < 0:
        raise UsvmaskError(f"ridge_rows: {rows!r} must be a whole number of rows >= 0; use e.g. 7")
    if drop_grey is not None and (isinstance(drop_grey, bool) or not isinstance(drop_grey, (int, float))
                                  or not 0 <= drop_grey <= 255):
        raise UsvmaskError(f"ridge_grey: {drop_grey!r} must lie in [0, 255] grey levels, or be null to keep masks "
                           "as predicted; use e.g. 30")


def trim_to_ridge(images: np.ndarray, masks: np.ndarray, *, rows: int = 7, drop_grey: float | None = 30) -> np.ndarray:
    """``masks`` ((N, H, W) or (H, W) bool) keeping the pixels within ``drop_grey`` grey levels of the brightest
    masked pixel within ``rows`` rows in their column of ``images`` (same shape, calls bright)."""
    check_ridge(rows, drop_grey)
    images, masks = np.asarray(images), np.asarray(masks, dtype=bool)
    if images.shape != masks.shape or images.ndim not in (2, 3):
        raise UsvmaskError(f"ridge trim: images {images.shape} and masks {masks.shape} must be one (N, H, W) or "
                           "(H, W) shape; pass the masks of these images")
    if drop_grey is None:
        return masks.copy()
    grey = np.where(masks, images.astype(np.float32), -np.inf)
    ridge = ndi.maximum_filter1d(grey, size=2 * rows + 1, axis=-2, mode="constant", cval=-np.inf)
    return masks & (grey >= ridge - drop_grey)
