"""Stages `simulate_corrections` and `import_corrections`: the simulated expert, and applying every correction
folder (simulated and manual) to a mask set, validated before anything changes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from usvmask.data import store
from usvmask.data.dataset import has_truth, load_dataset, load_masks
from usvmask.errors import UsvmaskError
from usvmask.evaluate.metrics import dice_scores, mask_stats
from usvmask.masks.corrections import apply_corrections, merge_corrections, simulate_corrections
from usvmask.masks.corrections_io import load_corrections, write_corrections


def simulate(data_dir: str | Path, masks_file: str | Path, out_dir: str | Path, *, fraction: float,
             seed: int = 0) -> dict[str, Any]:
    """Play the human expert: COCO corrections of the worst `fraction` of masks (needs truth; else none)."""
    store.check_writable(out_dir, folder=True)
    data = load_dataset(data_dir, with_truth=True)
    masks = load_masks(masks_file, data.names)
    truth, fraction = (masks, 0.0) if data.truth is None else (data.truth, fraction)
    simulated = simulate_corrections(data.names, masks, truth, list(data.table["kind"]), fraction=fraction,
                                     seed=seed)
    write_corrections(out_dir, simulated)
    return {"picked": len(simulated.picked), "corrected": len(simulated.coco["images"]),
            "marked_noise": len(simulated.noise_names), "had_truth": has_truth(data.table)}


def import_corrections(data_dir: str | Path, masks_file: str | Path, corrections_dirs: Sequence[str | Path],
                       masks_out: str | Path) -> dict[str, Any]:
    """Validate every correction folder first, then apply them all (a later folder wins); reports the changes.

    Every folder must exist (an empty one means no corrections), so a misspelt name is an error, not a no-op."""
    for folder in map(Path, corrections_dirs):
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "no such corrections folder"
            raise UsvmaskError(f"{folder}: {what}; check the name (an empty folder means no corrections)")
    store.check_writable(masks_out)
    data = load_dataset(data_dir)
    masks = load_masks(masks_file, data.names)
    found = [load_corrections(d, names=data.names, shape=masks.shape[1:]) for d in corrections_dirs]
    new, changed = apply_corrections(data.names, masks, merge_corrections(found))
    store.write_stack(masks_out, data.names, new)
    return {"changed": len(changed), "changed_fraction": round(len(changed) / max(1, len(masks)), 4),
            "dice_after_vs_before": round(float(np.mean(dice_scores(new, masks))), 4),
            **mask_stats(new, data.table["kind"])}
