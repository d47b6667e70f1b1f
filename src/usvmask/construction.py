"""Dataset construction (SqueakOut §2): U-Net pretraining, USV and noise fine-tuning, enhancement.

Only current masks are ever used as targets; truth never enters here (scores are computed by `scoring`).
Every function takes file paths and plain settings, writes its outputs atomically and returns a small dict of
truth-free facts that the stage writes as its metrics.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from usvmask import store
from usvmask.dataset import Dataset, load_dataset, load_masks
from usvmask.errors import UsvmaskError
from usvmask.facts import mask_facts
from usvmask.losses import HybridLoss
from usvmask.metrics import dice
from usvmask.models import build_model, load_model, save_model
from usvmask.training import predict_masks, train_model

log = logging.getLogger(__name__)


def split_arrays(data: Dataset, targets: np.ndarray, kinds: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Train/val images and targets of the given kinds."""
    out = {}
    for split in ("train", "val"):
        rows = (data.table["split"] == split).to_numpy() & data.table["kind"].isin(kinds).to_numpy()
        if not rows.any():
            raise UsvmaskError(f"{split} split: no {'/'.join(kinds)} spectrograms; enlarge the dataset or val_fraction")
        out[f"{split}_images"], out[f"{split}_targets"] = data.images[rows], targets[rows]
    return out


def pretrain(
    data_dir: str | Path,
    model_out: str | Path,
    *,
    architecture: dict[str, Any],
    input_size: int,
    max_epochs: int,
    batch_size: int = 8,
    lr: float = 1e-3,
    early_stop_patience: int = 15,
    seed: int = 0,
    live_dir: str | Path | None = None,
) -> dict[str, float]:
    """Train the U-Net as a bottleneck autoencoder (skips off) to reconstruct every spectrogram, no masks."""
    data = load_dataset(data_dir)
    torch.manual_seed(seed)  # the initial weights are part of what the seed fixes
    model = build_model(**architecture)
    model.set_skips(False)
    arrays = split_arrays(data, data.images, ("usv", "noise"))
    result = train_model(
        model, **arrays, task="reconstruct", input_size=input_size, max_epochs=max_epochs, batch_size=batch_size,
        lr=lr, early_stop_patience=early_stop_patience, live_dir=live_dir, seed=seed,
    )
    result.model.set_skips(True)
    save_model(result.model, model_out, meta={"input_size": input_size, "stage": "pretrain"})
    return {"reconstruction": round(float(result.best_score), 4), "epochs": result.epochs_run}


def finetune(
    data_dir: str | Path,
    masks_file: str | Path,
    init_model: str | Path,
    model_out: str | Path,
    *,
    kinds: tuple[str, ...],
    max_epochs: int,
    batch_size: int = 8,
    lr: float = 1e-4,
    mix_usv_fraction: float = 0.0,
    loss: dict[str, float] | None = None,
    early_stop_patience: int = 15,
    seed: int = 0,
    live_dir: str | Path | None = None,
) -> dict[str, float]:
    """Continue training `init_model` to predict the current masks of `kinds` spectrograms.

    Noise fine-tuning (kinds=("noise",)) trains towards empty masks; `mix_usv_fraction` adds that fraction
    (relative to the number of noise images) of USV spectrograms with their current masks, so the model does not
    learn to erase calls. Returns truth-free facts, among them how much of the current USV masks the model
    still predicts on the validation USVs (`usv_val_dice_vs_current`).
    """
    if not 0.0 <= mix_usv_fraction <= 10.0:
        raise UsvmaskError(f"mix_usv_fraction: {mix_usv_fraction} is outside [0, 10]; use e.g. 0.5")
    data = load_dataset(data_dir)
    masks = load_masks(masks_file, data.names)
    model, meta = load_model(init_model)
    model.set_skips(True)
    arrays = split_arrays(data, masks, kinds)
    if mix_usv_fraction > 0 and "usv" not in kinds:
        arrays = mix_in_usv(arrays, split_arrays(data, masks, ("usv",)), mix_usv_fraction, seed)
    train_loss = HybridLoss(**(loss or {}))
    result = train_model(
        model, **arrays, task="segment", input_size=meta["input_size"], max_epochs=max_epochs,
        batch_size=batch_size, lr=lr, loss=train_loss, early_stop_patience=early_stop_patience,
        live_dir=live_dir, seed=seed,
    )
    save_model(result.model, model_out, meta={**meta, "stage": f"finetune_{'_'.join(kinds)}"})
    return {"val_dice_vs_current": round(float(result.best_score), 4), "epochs": result.epochs_run,
            **usv_retention(result.model, data, masks, meta["input_size"])}


def mix_in_usv(arrays: dict, usv: dict, fraction: float, seed: int) -> dict:
    """Add round(fraction · n_noise) USV spectrograms (with their current masks) to each split."""
    rng = np.random.default_rng(seed)
    mixed = {}
    for split in ("train", "val"):
        n = min(len(usv[f"{split}_images"]), int(round(fraction * len(arrays[f"{split}_images"]))))
        pick = np.sort(rng.choice(len(usv[f"{split}_images"]), size=n, replace=False))
        for part in ("images", "targets"):
            key = f"{split}_{part}"
            mixed[key] = np.concatenate([arrays[key], usv[key][pick]])
    return mixed


def usv_retention(model, data: Dataset, masks: np.ndarray, input_size: int) -> dict[str, float]:
    """Truth-free check that USV masks survive: Dice of the model's predictions vs the current USV val masks."""
    rows = ((data.table["split"] == "val") & (data.table["kind"] == "usv")).to_numpy()
    predicted = predict_masks(model, data.images[rows], input_size=input_size)
    scores = [dice(p, m) for p, m in zip(predicted, masks[rows])]
    area_ratio = predicted.sum() / max(1, masks[rows].sum())
    return {"usv_val_dice_vs_current": round(float(np.mean(scores)), 4),
            "usv_val_area_ratio": round(float(area_ratio), 4)}


def enhance(
    data_dir: str | Path, model_file: str | Path, masks_out: str | Path, *, threshold: float = 0.5,
    batch_size: int = 16,
) -> dict[str, float]:
    """Re-predict every mask with the fine-tuned U-Net."""
    if not 0.0 < threshold < 1.0:
        raise UsvmaskError(f"threshold: {threshold} is outside (0, 1); use e.g. 0.5")
    data = load_dataset(data_dir)
    model, meta = load_model(model_file)
    masks = predict_masks(model, data.images, input_size=meta["input_size"], batch_size=batch_size,
                          threshold=threshold)
    store.write_stack(masks_out, data.names, masks)
    return mask_facts(masks, data)
