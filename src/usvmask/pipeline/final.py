"""Stages `train_final@<variant>` and `augmentations`: final models on the final masks, and the augmentation figure.

Each checkpoint is saved with `meta = {"input_size", "variant", "threshold", ...}`; the test split is scored by
`usvmask.pipeline.evaluation`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from usvmask.data.dataset import load_dataset, load_masks
from usvmask.errors import UsvmaskError
from usvmask.infer.card import make_card
from usvmask.models import save_model
from usvmask.train.augment import render_augmentations
from usvmask.train.final import get_variant, resolve_preset, train_variant

log = logging.getLogger(__name__)


def train_final(
    data_dir: str | Path,
    masks_file: str | Path,
    model_out: str | Path,
    *,
    variant: str,
    preset: str = "fast",
    width: float | None = None,
    input_size: int | None = None,
    unet: Mapping[str, Any] | None = None,
    max_epochs: int = 100,
    batch_size: int = 8,
    lr: float = 1e-4,
    loss: Mapping[str, float] | None = None,
    prior_bias: bool = True,
    plateau_factor: float = 0.1,
    plateau_patience: int = 5,
    early_stop_patience: int = 15,
    augment: Mapping[str, float] | None = None,
    threshold: float = 0.5,
    seed: int = 0,
    live_dir: str | Path | None = None,
    accelerator: str = "cpu",
) -> dict[str, Any]:
    """Train final model `variant` on the train split of `data_dir` against `masks_file`; save it to `model_out`.

    Returns truth-free facts: best validation Dice against the final masks, epochs, USV pixel prior, seconds.
    """
    if not 0.0 < threshold < 1.0:
        raise UsvmaskError(f"threshold: {threshold} is outside (0, 1); use e.g. 0.5")
    spec, size = get_variant(variant), resolve_preset(preset, width=width, input_size=input_size)
    data = load_dataset(data_dir)
    masks = load_masks(masks_file, data.names)
    started = time.perf_counter()
    result, prior = train_variant(
        data, masks, variant=variant, size=size, unet=unet, max_epochs=max_epochs, batch_size=batch_size, lr=lr,
        loss=loss, prior_bias=prior_bias, plateau_factor=plateau_factor, plateau_patience=plateau_patience,
        early_stop_patience=early_stop_patience, augment=augment, seed=seed, live_dir=live_dir,
        accelerator=accelerator,
    )
    seconds = time.perf_counter() - started
    width_used = size.width if spec.architecture == "squeakout" else None
    params = dict(preset=preset, width=width, input_size=input_size, unet=unet, max_epochs=max_epochs,
                  batch_size=batch_size, lr=lr, loss=loss, prior_bias=prior_bias, plateau_factor=plateau_factor,
                  plateau_patience=plateau_patience, early_stop_patience=early_stop_patience, augment=augment,
                  threshold=threshold, seed=seed)
    train = (data.table["split"] == "train").to_numpy()
    card = make_card(representation=data.representation, images=data.images[train], input_size=size.input_size,
                     threshold=threshold, params=params, variant=variant, width=width_used, title=spec.title,
                     stage="train_final")
    save_model(result.model, model_out, meta=card)
    log.info("%s: best val Dice %.2f at epoch %d (%.0f s)", variant, result.best_score, result.best_epoch, seconds)
    return {"variant": variant, "val_dice_vs_masks": round(float(result.best_score), 4),
            "best_epoch": result.best_epoch, "epochs": result.epochs_run, "usv_pixel_prior": round(prior, 6),
            "input_size": size.input_size, "width": width_used,
            "parameters": int(sum(p.numel() for p in result.model.parameters())), "train_seconds": round(seconds, 1)}


def augmentation_figure(
    data_dir: str | Path, masks_file: str | Path, figure_out: str | Path, *, seed: int = 0
) -> dict[str, Any]:
    """`render_augmentations` on the first training USV whose final mask is not empty."""
    data = load_dataset(data_dir)
    masks = load_masks(masks_file, data.names)
    rows = (data.table["split"] == "train").to_numpy() & (data.table["kind"] == "usv").to_numpy()
    candidates = np.flatnonzero(rows & masks.any(axis=(1, 2)))
    if not len(candidates):
        raise UsvmaskError(f"{masks_file}: no training USV has a non-empty mask; check the mask set")
    index = int(candidates[0])
    render_augmentations(data.images[index], masks[index], figure_out, seed=seed)
    return {"example": data.names[index]}
