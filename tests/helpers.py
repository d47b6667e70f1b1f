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


def truth_trained_unet(path, corpus, *, input_size: int = 64, max_epochs: int = 25, seed: int = 0,
                       base_channels: int = 8, depth: int = 3, lr: float = 1e-3):
    """A small U-Net trained on a synthetic `corpus` with its TRUTH masks as targets, saved to `path` with a card.

    Only for tests of inference (no pipeline stage trains on truth). Noise targets are empty. Validation uses the
    val-split USVs alone: an empty prediction scores 100 on a noise image, so a validation set with noise in it
    would keep the untrained first epoch's weights.
    """
    import torch

    from usvmask.infer.card import make_card
    from usvmask.models import build_model, save_model
    from usvmask.train.final import pixel_prior
    from usvmask.train.loop import train_model
    from usvmask.train.losses import HybridLoss, init_prior_bias

    split, kind = corpus.table["split"].to_numpy(), corpus.table["kind"].to_numpy()
    train, val = split == "train", (split == "val") & (kind == "usv")
    targets = corpus.truth & (kind == "usv")[:, None, None]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model("unet", base_channels=base_channels, depth=depth)
    init_prior_bias(model, pixel_prior(targets[train]))
    result = train_model(model, train_images=corpus.images[train], train_targets=targets[train],
                         val_images=corpus.images[val], val_targets=targets[val], task="segment",
                         input_size=input_size, max_epochs=max_epochs, batch_size=8, lr=lr, loss=HybridLoss(),
                         seed=seed, progress=False)
    params = {"targets": "truth", "input_size": input_size, "max_epochs": max_epochs, "seed": seed, "lr": lr,
              "unet": {"base_channels": base_channels, "depth": depth}}
    save_model(result.model, path, meta=make_card(
        representation=corpus.representation, images=corpus.images[train], input_size=input_size, threshold=0.5,
        params=params, variant="unet", title="test U-Net trained on synthetic truth", stage="tests",
        val_dice_vs_truth=round(float(result.best_score), 2)))
    return path
