"""Truth-free facts of a mask set, recorded by every stage that writes masks."""

from __future__ import annotations

import numpy as np

from usvmask.dataset import Dataset


def mask_facts(masks: np.ndarray, data: Dataset) -> dict[str, float]:
    """Mean area (pixels) of USV masks and the fraction of noise spectrograms whose mask is empty."""
    usv = (data.table["kind"] == "usv").to_numpy()
    noise = ~usv
    return {
        "usv_mean_area": round(float(masks[usv].sum(axis=(1, 2)).mean()) if usv.any() else 0.0, 2),
        "noise_empty_fraction": round(float((masks[noise].sum(axis=(1, 2)) == 0).mean()) if noise.any() else 1.0, 4),
    }
