"""Helpers shared by tests: a model card for a checkpoint saved by a test."""

from __future__ import annotations

import numpy as np

from usvmask.infer.card import make_card
from usvmask.spectrogram import representation


def vocalmat_like_images(n: int = 8, size: int = 32, seed: int = 0) -> np.ndarray:
    """uint8 (n, size, size) images with VocalMat's grey levels: grain around 180 and a bright call row."""
    rng = np.random.default_rng(seed)
    images = np.clip(rng.normal(180, 12, (n, size, size)), 0, 255)
    images[:, size // 2, size // 4 : 3 * size // 4] = 250
    return images.astype(np.uint8)


def card(input_size: int, threshold: float = 0.5, images: np.ndarray | None = None, **extra) -> dict:
    """A valid model card for a test checkpoint (training images VocalMat-like unless given)."""
    images = vocalmat_like_images() if images is None else images
    return make_card(representation=representation(), images=images, input_size=input_size, threshold=threshold,
                     params={"test": True}, **extra)
