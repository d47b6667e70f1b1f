"""Stages `finetune_usv`, `finetune_noise` and `enhance`: load the prepared folder once, run the array-level
construction (`usvmask.train.construct`), write checkpoints and masks atomically, return facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from usvmask.data import store
from usvmask.data.dataset import load_dataset, load_masks
from usvmask.evaluate.metrics import mask_stats
from usvmask.infer.card import params_hash
from usvmask.infer.predictor import checkpoint_input_size
from usvmask.masks.tones import tone_rows
from usvmask.models import load_model, save_model
from usvmask.train.construct import enhance_masks, finetune_model


def finetune(
    data_dir: str | Path, masks_file: str | Path, init_model: str | Path, model_out: str | Path, *,
    kinds: tuple[str, ...], max_epochs: int, batch_size: int = 8, lr: float = 1e-4, mix_usv_fraction: float = 0.0,
    loss: dict[str, float] | None = None, early_stop_patience: int = 15, seed: int = 0, skip_empty_usv: bool = True,
    live_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Continue training `init_model` on the current masks of the `kinds` spectrograms (see `finetune_model`)."""
    data = load_dataset(data_dir)
    masks = load_masks(masks_file, data.names)
    model, meta = load_model(init_model)
    result, facts = finetune_model(
        model, data, masks, kinds=kinds, input_size=checkpoint_input_size(meta, init_model), max_epochs=max_epochs,
        batch_size=batch_size, lr=lr, mix_usv_fraction=mix_usv_fraction, loss=loss,
        early_stop_patience=early_stop_patience, seed=seed, skip_empty_usv=skip_empty_usv, live_dir=live_dir,
    )
    settings = dict(max_epochs=max_epochs, batch_size=batch_size, lr=lr, mix_usv_fraction=mix_usv_fraction, loss=loss,
                    early_stop_patience=early_stop_patience, seed=seed, skip_empty_usv=skip_empty_usv)
    save_model(result.model, model_out, meta={**meta, "stage": f"finetune_{'_'.join(kinds)}",
                                              "params_sha256": params_hash(settings)})
    return facts


def enhance(
    data_dir: str | Path, model_file: str | Path, masks_out: str | Path, *, threshold: float = 0.5,
    batch_size: int = 16, backend: str = "eager", min_area: int = 0, ridge_rows: int = 7,
    ridge_grey: float | None = None, ridge_cols: int | None = None, tone_grey: float | None = None,
    tone_cover: float = 0.9, tone_pad_rows: int = 4,
) -> dict[str, Any]:
    """Re-predict every mask with the fine-tuned U-Net (stationary tones cleared, trimmed to the image's ridge, small
    components dropped); the facts count the spectrograms that hold a tone (truth-free)."""
    data = load_dataset(data_dir)
    model, meta = load_model(model_file)
    masks = enhance_masks(model, data.images, input_size=checkpoint_input_size(meta, model_file),
                          threshold=threshold, batch_size=batch_size, backend=backend, min_area=min_area,
                          ridge_rows=ridge_rows, ridge_grey=ridge_grey, ridge_cols=ridge_cols, tone_grey=tone_grey,
                          tone_cover=tone_cover, tone_pad_rows=tone_pad_rows)
    store.write_stack(masks_out, data.names, masks)
    tones = {} if tone_grey is None else {
        "tone_spectrograms": int(tone_rows(data.images, grey=tone_grey, cover=tone_cover).any(axis=1).sum())}
    return {**mask_stats(masks, data.table["kind"]), **tones}
