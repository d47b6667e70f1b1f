"""Stage `pretrain`: the U-Net autoencoder on every spectrogram of the prepared folder (no masks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from usvmask.data.dataset import load_dataset
from usvmask.infer.card import make_card
from usvmask.errors import UsvmaskError
from usvmask.models import MODELS, save_model
from usvmask.train.pretrain import pretrain_model


def pretrain(
    data_dir: str | Path, model_out: str | Path, *, architecture: dict[str, Any], input_size: int, max_epochs: int,
    batch_size: int = 8, lr: float = 1e-3, early_stop_patience: int = 15, seed: int = 0,
    live_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Train the U-Net as a bottleneck autoencoder on every spectrogram (no masks) and save it with its card."""
    settings = dict(architecture=architecture, input_size=input_size, max_epochs=max_epochs, batch_size=batch_size,
                    lr=lr, early_stop_patience=early_stop_patience, seed=seed)
    name = architecture.get("name")
    if name not in MODELS:
        raise UsvmaskError(f"architecture.name: {name!r} is not a known model; use one of {', '.join(sorted(MODELS))}")
    data = load_dataset(data_dir)
    result = pretrain_model(data, live_dir=live_dir, **settings)
    train = (data.table["split"] == "train").to_numpy()
    card = make_card(representation=data.representation, images=data.images[train], input_size=input_size,
                     threshold=0.5, params=settings, stage="pretrain")
    save_model(result.model, model_out, meta=card)
    return {"reconstruction": round(float(result.best_score), 4), "epochs": result.epochs_run}
