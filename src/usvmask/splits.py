"""Train/val/test assignment, stratified by kind (USV or noise) and seeded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from usvmask.errors import UsvmaskError


def assign_splits(kinds: Sequence[str], *, test_fraction: float, val_fraction: float, seed: int) -> np.ndarray:
    """Per kind: round(test_fraction·n) go to test, then round(val_fraction·rest) to val, the rest to train."""
    for key, value in (("test_fraction", test_fraction), ("val_fraction", val_fraction)):
        if not 0.0 <= value < 1.0:
            raise UsvmaskError(f"{key}: {value} is outside [0, 1); use e.g. 0.1")
    kinds = np.asarray(kinds)
    splits = np.full(len(kinds), "train", dtype=object)
    rng = np.random.default_rng(seed)
    for kind in sorted(set(kinds)):
        idx = rng.permutation(np.flatnonzero(kinds == kind))
        n_test = int(round(test_fraction * len(idx)))
        n_val = int(round(val_fraction * (len(idx) - n_test)))
        splits[idx[:n_test]] = "test"
        splits[idx[n_test : n_test + n_val]] = "val"
    return splits.astype(str)
