"""Stage `vocalmat_masks`: VocalMat's classical segmentation of every spectrogram (the rough masks later stages
refine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from usvmask.data import store
from usvmask.data.dataset import load_dataset
from usvmask.evaluate.metrics import mask_stats
from usvmask.masks.vocalmat import segment_images


def vocalmat_masks(data_dir: str | Path, masks_out: str | Path, **settings: Any) -> dict[str, Any]:
    """Segment every image of the prepared folder with `segment_images(**settings)`; write the masks zip."""
    data = load_dataset(data_dir)
    masks = segment_images(data.images, progress=True, **settings)
    store.write_stack(masks_out, data.names, masks)
    return mask_stats(masks, data.table["kind"])
