"""Final models (SqueakOut §3): U-Net, SqueakOut without and with augmentation, trained on the final masks.

Every variant trains on the train split (USV and noise spectrograms; noise targets are empty), keeps the epoch with
the best validation Dice against the final masks, and is saved with `meta = {"input_size", "variant", "threshold",
...}`. Presets choose the SqueakOut width multiplier and the input size (DeepEthogram-style fast/medium/slow).
Truth never enters here: the test split is scored by `usvmask.pipeline.evaluation`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import torch

from usvmask.train.augment import BatchAugment
from usvmask.data.dataset import Dataset
from usvmask.errors import UsvmaskError
from usvmask.train.losses import HybridLoss, init_prior_bias
from usvmask.models import SegmentationModel, build_model
from usvmask.train.loop import TrainResult, train_model

log = logging.getLogger(__name__)
PRIOR_LIMITS = (1e-4, 1.0 - 1e-4)


@dataclass(frozen=True)
class Variant:
    """A final model: registered architecture name and whether training batches are augmented."""

    architecture: str
    augment: bool
    title: str


@dataclass(frozen=True)
class Preset:
    """SqueakOut width multiplier and square network input size."""

    width: float
    input_size: int


VARIANTS: Mapping[str, Variant] = MappingProxyType({
    "unet": Variant("unet", False, "U-Net"),
    "squeakout_noaug": Variant("squeakout", False, "SqueakOut without augmentation"),
    "squeakout": Variant("squeakout", True, "SqueakOut with augmentation"),
})
PRESETS: Mapping[str, Preset] = MappingProxyType({
    "fast": Preset(0.5, 128),
    "medium": Preset(1.0, 256),
    "slow": Preset(1.0, 512),
})


def get_variant(name: str) -> Variant:
    """The registered variant `name`; an unknown name lists the valid ones."""
    if name not in VARIANTS:
        raise UsvmaskError(f"variant {name!r}: unknown; use one of {', '.join(VARIANTS)}")
    return VARIANTS[name]


def resolve_preset(preset: str, *, width: float | None = None, input_size: int | None = None) -> Preset:
    """Preset `preset`, with `width` and `input_size` overriding its values where given."""
    if preset not in PRESETS:
        raise UsvmaskError(f"preset: unknown {preset!r}; use one of {', '.join(PRESETS)}")
    base = PRESETS[preset]
    chosen = Preset(base.width if width is None else float(width), base.input_size if input_size is None
                    else int(input_size))
    if chosen.width <= 0:
        raise UsvmaskError(f"width: {chosen.width}; use a positive multiplier such as 0.5 or 1.0")
    if chosen.input_size % 32:
        raise UsvmaskError(f"input_size: {chosen.input_size} is not a multiple of 32; use e.g. 96, 128 or 256")
    return chosen


def build_variant(
    variant: str, preset: Preset, unet: Mapping[str, Any] | None = None, *, prior: float | None = None
) -> SegmentationModel:
    """The untrained network of `variant` (SqueakOut at the preset's width, or the U-Net with `unet` options).

    With `prior`, the score layer's bias starts at log(prior / (1 - prior)), so the first predictions match the
    call-pixel fraction instead of 0.5.
    """
    spec = get_variant(variant)
    if spec.architecture == "squeakout":
        model = build_model("squeakout", width=preset.width)
    else:
        model = build_model(spec.architecture, **dict(unet or {}))
    if prior is not None:
        init_prior_bias(model, prior)
    return model


def split_rows(data: Dataset, masks: np.ndarray, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images and targets of one split, USV and noise together (noise targets are forced empty)."""
    rows = (data.table["split"] == split).to_numpy()
    if not rows.any():
        raise UsvmaskError(f"{split} split: no spectrograms; enlarge the dataset or the split fraction")
    targets = masks[rows].copy()
    targets[(data.table["kind"][rows] == "noise").to_numpy()] = False
    return data.images[rows], targets


def pixel_prior(masks: np.ndarray) -> float:
    """Fraction of call pixels in a mask stack, clipped into PRIOR_LIMITS so its logit is finite."""
    fraction = float(np.mean(masks)) if masks.size else 0.0
    return float(np.clip(fraction, *PRIOR_LIMITS))


def train_variant(
    data: Dataset, masks: np.ndarray, *, variant: str, size: Preset, unet: Mapping[str, Any] | None = None,
    max_epochs: int = 100, batch_size: int = 8, lr: float = 1e-4, loss: Mapping[str, float] | None = None,
    prior_bias: bool = True, plateau_factor: float = 0.1, plateau_patience: int = 5, early_stop_patience: int = 15,
    augment: Mapping[str, float] | None = None, seed: int = 0, live_dir: str | Path | None = None,
    accelerator: str = "cpu",
) -> tuple[TrainResult, float]:
    """Train final model `variant` at `size` on the train split against `masks`; returns the result and the prior."""
    spec = get_variant(variant)
    train_images, train_targets = split_rows(data, masks, "train")
    val_images, val_targets = split_rows(data, masks, "val")
    prior = pixel_prior(train_targets)
    with torch.random.fork_rng(devices=[]):  # initial weights depend on `seed` only, global RNG left as it was
        torch.manual_seed(seed)
        model = build_variant(variant, size, unet, prior=prior if prior_bias else None)
    model.to(memory_format=torch.channels_last)  # 2-3x faster CPU training of the depthwise convolutions
    result = train_model(
        model, train_images=train_images, train_targets=train_targets, val_images=val_images,
        val_targets=val_targets, task="segment", input_size=size.input_size, max_epochs=max_epochs,
        batch_size=batch_size, lr=lr, loss=HybridLoss(**dict(loss or {})),
        augment=BatchAugment(**dict(augment or {})) if spec.augment else None, plateau_factor=plateau_factor,
        plateau_patience=plateau_patience, early_stop_patience=early_stop_patience, live_dir=live_dir, seed=seed,
        accelerator=accelerator,
    )
    result.model.to(memory_format=torch.contiguous_format)
    return result, prior
