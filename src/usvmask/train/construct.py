"""Dataset construction on arrays (SqueakOut §2): fine-tune the U-Net on the current masks, re-predict masks.

Everything here takes an in-memory `Dataset` (images, index table) and mask arrays, never paths, so the erosion
loop loads its data once per iteration. Only current masks are ever targets; truth never enters here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from torch import nn

from usvmask.data.dataset import Dataset, split_arrays
from usvmask.errors import UsvmaskError
from usvmask.evaluate.metrics import dice_scores
from usvmask.infer.predictor import Predictor
from usvmask.masks.ridge import check_ridge, trim_to_ridge
from usvmask.masks.tones import check_tones, clear_tones
from usvmask.masks.vocalmat import keep_large_components
from usvmask.train.loop import TrainResult, train_model
from usvmask.train.losses import HybridLoss


def mix_in_usv(arrays: dict, usv: dict, fraction: float, seed: int) -> dict:
    """Add round(fraction · n) USV spectrograms (with their current masks) to each split of `arrays`."""
    rng = np.random.default_rng(seed)
    mixed = {}
    for split in ("train", "val"):
        n = min(len(usv[f"{split}_images"]), int(round(fraction * len(arrays[f"{split}_images"]))))
        pick = np.sort(rng.choice(len(usv[f"{split}_images"]), size=n, replace=False))
        for part in ("images", "targets"):
            key = f"{split}_{part}"
            mixed[key] = np.concatenate([arrays[key], usv[key][pick]])
    return mixed


def finetune_model(
    model: nn.Module, data: Dataset, masks: np.ndarray, *, kinds: tuple[str, ...], input_size: int,
    max_epochs: int, batch_size: int = 8, lr: float = 1e-4, mix_usv_fraction: float = 0.0,
    loss: Mapping[str, float] | None = None, early_stop_patience: int = 15, seed: int = 0,
    skip_empty_usv: bool = True, live_dir: str | Path | None = None,
) -> tuple[TrainResult, dict[str, float]]:
    """Continue training `model` to predict the current `masks` of the `kinds` spectrograms.

    Noise spectrograms always train towards empty masks (SqueakOut §2 step 3), whatever their current masks hold;
    `mix_usv_fraction` adds that fraction (relative to the number of noise images) of USV spectrograms with their
    current masks, so the model does not learn to erase calls. With `skip_empty_usv`, USV spectrograms whose
    current mask is empty are left out of training: every USV candidate holds a call (VocalMat's detector put it
    there), so an empty mask on one is a known-wrong target (VocalMat misses faint calls), and training on it
    teaches the model to erase faint calls. Returns the result and truth-free facts (`usv_retention`).
    """
    if not 0.0 <= mix_usv_fraction <= 10.0:
        raise UsvmaskError(f"mix_usv_fraction: {mix_usv_fraction} is outside [0, 10]; use e.g. 0.5")
    kind = data.table["kind"].to_numpy()
    targets = noise_targets_empty(masks, kind)
    keep = ~((kind == "usv") & ~targets.any(axis=(1, 2))) if skip_empty_usv else None
    model.set_skips(True)
    arrays = split_arrays(data, targets, kinds, keep)
    if mix_usv_fraction > 0 and "usv" not in kinds:
        arrays = mix_in_usv(arrays, split_arrays(data, targets, ("usv",), keep), mix_usv_fraction, seed)
    result = train_model(
        model, **arrays, task="segment", input_size=input_size, max_epochs=max_epochs, batch_size=batch_size,
        lr=lr, loss=HybridLoss(**dict(loss or {})), early_stop_patience=early_stop_patience, live_dir=live_dir,
        seed=seed,
    )
    facts = {"val_dice_vs_current": round(float(result.best_score), 4), "epochs": result.epochs_run,
             "best_epoch": result.best_epoch, **usv_retention(result.model, data, masks, input_size)}
    return result, facts


def noise_targets_empty(masks: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """The training targets: the current masks, with every noise spectrogram's mask cleared."""
    targets = masks.copy()
    targets[kinds == "noise"] = False
    return targets


def usv_retention(model: nn.Module, data: Dataset, masks: np.ndarray, input_size: int) -> dict[str, float]:
    """Truth-free check that USV masks survive: Dice of the model's predictions vs the current USV val masks."""
    rows = ((data.table["split"] == "val") & (data.table["kind"] == "usv")).to_numpy()
    predicted = enhance_masks(model, data.images[rows], input_size=input_size, backend="eager")
    area_ratio = predicted.sum() / max(1, masks[rows].sum())
    return {"usv_val_dice_vs_current": round(float(np.mean(dice_scores(predicted, masks[rows]))), 4),
            "usv_val_area_ratio": round(float(area_ratio), 4)}


def enhance_masks(
    model: nn.Module, images: np.ndarray, *, input_size: int, threshold: float = 0.5, batch_size: int = 16,
    backend: str = "eager", min_area: int = 0, ridge_rows: int = 7, ridge_grey: float | None = None,
    ridge_cols: int | None = None, tone_grey: float | None = None, tone_cover: float = 0.9, tone_pad_rows: int = 4,
) -> np.ndarray:
    """Every mask re-predicted by `model` through the one prediction path, at the images' size; pixels on the
    image's stationary tones are cleared when `tone_grey` is set (`usvmask.masks.tones`); masks are trimmed to the
    image's ridge when `ridge_grey` is set (`usvmask.masks.ridge`; along time too with `ridge_cols`); components of
    at most `min_area` pixels are then dropped, as VocalMat drops small components."""
    if isinstance(min_area, bool) or not isinstance(min_area, int) or min_area < 0:
        raise UsvmaskError(f"min_area: {min_area!r} must be a whole number of pixels >= 0; use e.g. 20")
    check_ridge(ridge_rows, ridge_grey, ridge_cols)
    check_tones(tone_grey, tone_cover, tone_pad_rows)
    predictor = Predictor(model, input_size=input_size, backend=backend, device="cpu", batch_size=batch_size)
    masks = predictor.predict_masks(images, threshold=threshold)
    if tone_grey is not None:
        masks = clear_tones(masks, images, grey=tone_grey, cover=tone_cover, pad_rows=tone_pad_rows)
    if ridge_grey is not None:
        masks = trim_to_ridge(images, masks, rows=ridge_rows, drop_grey=ridge_grey, cols=ridge_cols)
    if min_area:
        masks = np.stack([keep_large_components(m, min_area) for m in masks])
    return masks
