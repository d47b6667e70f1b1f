"""Self-supervised first stage on arrays (SqueakOut §2, step 1): the U-Net as a bottleneck autoencoder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from usvmask.data.dataset import Dataset, split_arrays
from usvmask.models import build_model
from usvmask.train.loop import TrainResult, train_model


def pretrain_model(
    data: Dataset, *, architecture: Mapping[str, Any], input_size: int, max_epochs: int, batch_size: int = 8,
    lr: float = 1e-3, early_stop_patience: int = 15, seed: int = 0, live_dir: str | Path | None = None,
) -> TrainResult:
    """The U-Net as a bottleneck autoencoder (skips off) reconstructing every spectrogram; skips back on after."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # the initial weights are part of what the seed fixes
        model = build_model(**dict(architecture))
    model.set_skips(False)
    arrays = split_arrays(data, data.images, ("usv", "noise"))
    result = train_model(
        model, **arrays, task="reconstruct", input_size=input_size, max_epochs=max_epochs, batch_size=batch_size,
        lr=lr, early_stop_patience=early_stop_patience, live_dir=live_dir, seed=seed,
    )
    result.model.set_skips(True)
    return result
