"""The one train/val/test rule, stratified by kind (USV or noise) and seeded; synthetic and real data share it.

Per kind, in sorted kind order, the rows are shuffled by one generator seeded with ``seed``; the first
``n_test[kind]`` go to test (a count, or ``round(test_fraction · n)`` when no count is given), then
``round(val_fraction · rest)`` to val, and the remainder to train.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from usvmask.errors import UsvmaskError


def assign_splits(
    kinds: Sequence[str],
    *,
    val_fraction: float,
    seed: int,
    test_fraction: float = 0.0,
    n_test: Mapping[str, int] | None = None,
) -> np.ndarray:
    """Split names ("train" / "val" / "test"), one per row of `kinds`."""
    for key, value in (("test_fraction", test_fraction), ("val_fraction", val_fraction)):
        if not 0.0 <= value < 1.0:
            raise UsvmaskError(f"{key}: {value} is outside [0, 1); use e.g. 0.1")
    kinds = np.asarray(kinds)
    splits = np.full(len(kinds), "train", dtype=object)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    for kind in sorted(set(kinds.tolist())):
        idx = rng.permutation(np.flatnonzero(kinds == kind))
        count = int(round(test_fraction * len(idx))) if n_test is None else int(n_test.get(kind, 0))
        if not 0 <= count <= len(idx):
            raise UsvmaskError(f"n_test_{kind}: {count} is outside [0, {len(idx)}]; lower it")
        n_val = int(round(val_fraction * (len(idx) - count)))
        splits[idx[:count]] = "test"
        splits[idx[count : count + n_val]] = "val"
    return splits.astype(str)
