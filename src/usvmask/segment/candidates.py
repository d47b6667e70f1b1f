"""Candidate images cut from a chunk's spectrogram, and model probabilities stitched back onto it.

A crop is VocalMat's candidate (``usvmask.spectrogram.render_candidate``): the frames nearest to ``centre ∓
width_s / 2`` of every frequency row above 45 kHz, in dB, min-max scaled over the crop, highest frequency on top,
resized to ``size`` x ``size`` with MATLAB's ``imresize``: the very image the models were trained on.

Probabilities are resized back onto the crop's (rows, frames) with the one prediction path's
``usvmask.infer.resize.resize_probs`` (bilinear, pixel centres aligned) and merged into a chunk-wide uint8 map
(0-255) by maximum where crops overlap.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from usvmask.infer.resize import resize_probs
from usvmask.spectrogram import CandidateGrid, render_candidate

Predict = Callable[[np.ndarray], np.ndarray]
Place = tuple[CandidateGrid, int, int]  # grid, first frame, last frame (inclusive)


def crop_images(power: np.ndarray, freqs_hz: np.ndarray, times_s: np.ndarray, centres_s: np.ndarray, *,
                width_s: float, size: int) -> tuple[np.ndarray, list[Place]]:
    """Candidate images (N, size, size) uint8 around ``centres_s`` from dB power (F, T), and where each sits.

    A centre nearer than ``width_s / 2`` to either end of the chunk is moved inward, so every crop spans the full
    width and keeps the time scale the model was trained on (VocalMat would clamp and stretch it)."""
    images = np.empty((len(centres_s), size, size), dtype=np.uint8)
    places = []
    lo, hi = float(times_s[0]) + width_s / 2, float(times_s[-1]) - width_s / 2
    for i, centre in enumerate(np.clip(centres_s, lo, hi) if hi > lo else centres_s):
        images[i], grid, first, last = render_candidate(power, freqs_hz, times_s, float(centre), width_s=width_s,
                                                        size=size)
        places.append((grid, first, last))
    return images, places


def stitch(prob_map: np.ndarray, probs: np.ndarray, places: list[Place]) -> None:
    """Resize each probability map back to its crop and max it into ``prob_map`` (F, T) uint8 in place."""
    n_rows = prob_map.shape[0]
    for prob, (_, first, last) in zip(probs, places):
        back = resize_probs(np.asarray(prob, dtype=np.float32)[None], (n_rows, last - first + 1))[0][::-1]
        region = prob_map[:, first : last + 1]
        np.maximum(region, np.clip(np.rint(back * 255.0), 0, 255).astype(np.uint8), out=region)


def segment_crops(power: np.ndarray, freqs_hz: np.ndarray, times_s: np.ndarray, centres_s: np.ndarray,
                  predict: Predict, *, width_s: float, size: int, batch: int = 64) -> np.ndarray:
    """The chunk's call-probability map (F, T) uint8: crops around ``centres_s`` segmented by ``predict``."""
    prob_map = np.zeros(power.shape, dtype=np.uint8)
    for start in range(0, len(centres_s), batch):
        images, places = crop_images(power, freqs_hz, times_s, centres_s[start : start + batch], width_s=width_s,
                                     size=size)
        stitch(prob_map, predict(images), places)
    return prob_map
