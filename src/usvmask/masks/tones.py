"""Stationary tones: frequency rows of a candidate image that stay bright across (nearly) the whole crop.

A constant-frequency noise source (equipment, electrical interference; the synthetic corpus's `band` noise) draws a
horizontal line through every column of a VocalMat candidate. VocalMat's segmentation marks that line in USV and
noise candidates alike, and a U-Net fine-tuned on those masks learns to mark it too: the noise fine-tuning cannot
unlearn it while the USV targets still teach it. A call does not look like that: a candidate spans 0.22 s around
one event, and no call holds one frequency for 90 % of it (the corpus's longest calls last 190 ms and sweep).

`tone_rows` finds the rows whose grey level is at least `grey` above the image's median grey in at least `cover`
of the columns; `clear_tones` removes mask pixels on those rows and `pad_rows` either side: a U-Net at a 128²
input draws a tone about two of its rows wide, four rows of a 227-pixel image. A call crossing the tone keeps
every pixel off those rows.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from usvmask.errors import UsvmaskError


def check_tones(grey: float | None, cover: float, pad_rows: int) -> None:
    """One-line errors for tone settings outside their range."""
    if grey is not None and (isinstance(grey, bool) or not 0 < grey < 255):
        raise UsvmaskError(f"tone_grey: {grey!r} is outside (0, 255); use e.g. 20, or null to keep tones")
    if isinstance(cover, bool) or not 0.5 <= cover <= 1.0:
        raise UsvmaskError(f"tone_cover: {cover!r} is outside [0.5, 1]; use e.g. 0.9")
    if isinstance(pad_rows, bool) or not isinstance(pad_rows, int) or pad_rows < 0:
        raise UsvmaskError(f"tone_pad_rows: {pad_rows!r} must be a whole number of rows >= 0; use e.g. 4")


def tone_rows(images: np.ndarray, *, grey: float, cover: float = 0.9) -> np.ndarray:
    """(N, H) bool: rows of the (N, H, W) grey `images` at least `grey` above the image's median grey in at least
    `cover` of their columns (the row's (1 - cover) quantile over columns against the median of all pixels)."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise UsvmaskError(f"images of shape {images.shape}: not (N, H, W); pass a stack of grey images")
    median = np.median(images.reshape(len(images), -1), axis=1)
    floor = np.quantile(images, 1.0 - cover, axis=2)
    return floor - median[:, None] >= grey


def clear_tones(masks: np.ndarray, images: np.ndarray, *, grey: float, cover: float = 0.9,
                pad_rows: int = 4) -> np.ndarray:
    """`masks` (N, H, W) bool without the pixels on the tone rows of `images` (same shape), `pad_rows` widened."""
    masks = np.asarray(masks, dtype=bool)
    if masks.shape != np.shape(images):
        raise UsvmaskError(f"masks {masks.shape} and images {np.shape(images)} must have one shape")
    rows = tone_rows(images, grey=grey, cover=cover)
    if pad_rows:
        rows = ndi.binary_dilation(rows, structure=np.ones((1, 2 * pad_rows + 1), dtype=bool))
    return masks & ~rows[:, :, None]
