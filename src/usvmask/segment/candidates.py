"""Candidate images cut from a chunk's spectrogram, and model probabilities stitched back onto it.

A crop is the VocalMat candidate of ``usvmask.spectrogram``: ``width_s`` of every frequency row >= 45 kHz, row 0
the highest frequency, area-resized to ``size`` x ``size``. Its gray stretch follows the synthetic training
images (``usvmask.synth.candidate``): the light limit is the crop's 1 % magnitude quantile, the dark limit the
larger of its 99 % quantile and the noise floor plus ``contrast_db`` (but at most the crop's peak), so calls
are dark on a light background whatever the recording's gain.

Probabilities are resized back onto the crop's (rows, frames) with bilinear interpolation (the same pixel-centre
convention as ``CandidateGrid``) and merged into a chunk-wide uint8 map (0-255) by maximum where crops overlap.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from usvmask.infer.resize import resize_probs
from usvmask.spectrogram import CandidateGrid, candidate_grid, vocalmat_gray

Predict = Callable[[np.ndarray], np.ndarray]


def _window(mag: np.ndarray, first: int, n_cols: int, fill: float) -> np.ndarray:
    out = np.full((mag.shape[0], n_cols), fill, dtype=np.float32)
    lo, hi = max(first, 0), min(first + n_cols, mag.shape[1])
    if hi > lo:
        out[:, lo - first : hi - first] = mag[:, lo:hi]
    return out


def crop_gray(window: np.ndarray, *, ref: float, contrast_db: float) -> np.ndarray:
    """Gray [0, 1] of a magnitude window with the training stretch (see module docstring); calls dark."""
    peak = float(window.max())
    if peak <= 0:
        return np.ones_like(window, dtype=np.float32)
    q_lo, q_hi = np.quantile(window[::2, ::2], [0.01, 0.99])
    dark = min(peak, max(float(q_hi), ref * 10 ** (contrast_db / 20)))
    return vocalmat_gray(window, limits=(1.0 - dark / peak, 1.0 - float(q_lo) / peak))


def crop_images(
    mag: np.ndarray,
    freqs_hz: np.ndarray,
    times_s: np.ndarray,
    centres_s: np.ndarray,
    *,
    ref: float,
    contrast_db: float = 20.0,
    width_s: float = 0.22,
    size: int = 227,
) -> tuple[np.ndarray, list[tuple[CandidateGrid, int, int]]]:
    """Candidate images (N, size, size) uint8 around ``centres_s`` and each crop's (grid, first frame, frames)."""
    images = np.empty((len(centres_s), size, size), dtype=np.uint8)
    places = []
    for i, centre in enumerate(centres_s):
        grid, first, n_cols = candidate_grid(freqs_hz, times_s, float(centre), width_s=width_s, size=size)
        gray = crop_gray(_window(mag, first, n_cols, ref), ref=ref, contrast_db=contrast_db)
        small = cv2.resize(gray[::-1], (size, size), interpolation=cv2.INTER_AREA)
        images[i] = np.clip(np.rint(small * 255.0), 0, 255).astype(np.uint8)
        places.append((grid, first, n_cols))
    return images, places


def stitch(prob_map: np.ndarray, probs: np.ndarray, places: list[tuple[CandidateGrid, int, int]]) -> None:
    """Resize each (size, size) probability back to its crop and max it into ``prob_map`` (F, T) uint8 in place."""
    n_rows, n_frames = prob_map.shape
    for prob, (_, first, n_cols) in zip(probs, places):
        back = resize_probs(np.asarray(prob, dtype=np.float32)[None], (n_rows, n_cols))[0]
        back = np.clip(np.rint(back[::-1] * 255.0), 0, 255).astype(np.uint8)
        lo, hi = max(first, 0), min(first + n_cols, n_frames)
        if hi > lo:
            region = prob_map[:, lo:hi]
            np.maximum(region, back[:, lo - first : hi - first], out=region)


def segment_crops(
    mag: np.ndarray,
    freqs_hz: np.ndarray,
    times_s: np.ndarray,
    centres_s: np.ndarray,
    predict: Predict,
    *,
    ref: float,
    contrast_db: float = 20.0,
    width_s: float = 0.22,
    size: int = 227,
    batch: int = 64,
) -> np.ndarray:
    """The chunk's call-probability map (F, T) uint8: crops around ``centres_s`` segmented by ``predict``."""
    prob_map = np.zeros(mag.shape, dtype=np.uint8)
    for start in range(0, len(centres_s), batch):
        images, places = crop_images(mag, freqs_hz, times_s, centres_s[start : start + batch], ref=ref,
                                     contrast_db=contrast_db, width_s=width_s, size=size)
        stitch(prob_map, predict(images), places)
    return prob_map
