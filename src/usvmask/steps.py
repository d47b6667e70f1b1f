"""The file-level glue of the smaller stages: VocalMat masks, simulated and imported corrections, export.

Each function reads the prepared folder and mask files it is given, calls the library, writes atomically and
returns the facts the stage records as metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from usvmask import store
from usvmask.facts import mask_facts
from usvmask.corrections import apply_corrections, simulate_corrections
from usvmask.corrections_io import Corrections, load_corrections, write_corrections
from usvmask.dataset import has_truth, load_dataset, load_masks
from usvmask.export import export_dataset
from usvmask.metrics import dice
from usvmask.vocalmat import segment_images


def vocalmat_masks(data_dir: str | Path, masks_out: str | Path, **kwargs: Any) -> dict[str, float]:
    """VocalMat's classical segmentation of every spectrogram (the rough masks later stages refine)."""
    data = load_dataset(data_dir)
    masks = segment_images(data.images, progress=True, **kwargs)
    store.write_stack(masks_out, data.names, masks)
    return mask_facts(masks, data)


def simulate(data_dir: str | Path, masks_file: str | Path, out_dir: str | Path, *, fraction: float,
             seed: int = 0) -> dict[str, Any]:
    """Play the human expert: COCO corrections of the worst `fraction` of masks (needs truth; else none)."""
    data = load_dataset(data_dir, with_truth=True)
    masks = load_masks(masks_file, data.names)
    if data.truth is None:
        truth, fraction = masks, 0.0
    else:
        truth = data.truth
    simulated = simulate_corrections(data.names, masks, truth, list(data.table["kind"]), fraction=fraction,
                                     seed=seed)
    write_corrections(out_dir, simulated)
    return {"picked": len(simulated.picked), "corrected": len(simulated.coco["images"]),
            "marked_noise": len(simulated.noise_names), "had_truth": has_truth(data.table)}


def merge_corrections(found: Sequence[Corrections]) -> Corrections:
    """Several correction folders in order; a later folder wins for an image both correct."""
    merged = Corrections()
    for corr in found:
        for name in corr.noise:
            merged.masks.pop(name, None)
        for name in corr.masks:
            merged.noise.discard(name)
        merged.masks.update(corr.masks)
        merged.noise |= corr.noise
        merged.sources.update(corr.sources)
    return merged


def import_corrections(data_dir: str | Path, masks_file: str | Path, corrections_dirs: Sequence[str | Path],
                       masks_out: str | Path) -> dict[str, Any]:
    """Validate every correction folder first, then apply them all; reports how many masks changed."""
    data = load_dataset(data_dir)
    masks = load_masks(masks_file, data.names)
    shape = masks.shape[1:]
    found = [load_corrections(d, names=data.names, shape=shape) for d in corrections_dirs]
    new, changed = apply_corrections(data.names, masks, merge_corrections(found))
    store.write_stack(masks_out, data.names, new)
    agreement = [dice(a, b) for a, b in zip(new, masks)]
    return {"changed": len(changed), "changed_fraction": round(len(changed) / max(1, len(masks)), 4),
            "dice_after_vs_before": round(float(np.mean(agreement)), 4), **mask_facts(new, data)}


def export(data_dir: str | Path, masks_file: str | Path, out_dir: str | Path) -> dict[str, Any]:
    """The final dataset in a SqueakOut-like layout with an index CSV."""
    data = load_dataset(data_dir)
    masks = load_masks(masks_file, data.names)
    index = export_dataset(out_dir, names=data.names, images=data.images, masks=masks, table=data.table)
    return {"files": int(len(index)), **{f"n_{s}": int((index["split"] == s).sum()) for s in ("train", "val", "test")}}
