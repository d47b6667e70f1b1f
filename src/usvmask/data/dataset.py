"""A prepared dataset folder: spectrogram images, an index table and (where known) truth masks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from usvmask import paths
from usvmask.data import store
from usvmask.errors import UsvmaskError
from usvmask.spectrogram import representation

INDEX_COLUMNS = ("name", "label", "kind", "split")
KINDS = ("usv", "noise")
SPLITS = ("train", "val", "test")


@dataclass
class Dataset:
    """Images (N,H,W) uint8 in index order; truth (N,H,W) bool or None where no truth exists; how the images were
    rendered (``usvmask.spectrogram.representation``)."""

    table: pd.DataFrame
    images: np.ndarray
    truth: np.ndarray | None = None
    representation: dict = field(default_factory=representation)

    @property
    def names(self) -> list[str]:
        return list(self.table["name"])

    def select(self, mask: np.ndarray) -> "Dataset":
        """The rows where `mask` is True."""
        truth = None if self.truth is None else self.truth[mask]
        return Dataset(self.table[mask].reset_index(drop=True), self.images[mask], truth, self.representation)


def check_table(table: pd.DataFrame, source: str) -> None:
    """Raise if the index lacks a column or holds an unknown kind or split."""
    for column in INDEX_COLUMNS:
        if column not in table.columns:
            raise UsvmaskError(f"{source}: no column {column!r}; re-run the prepare stage")
    for column, valid in (("kind", KINDS), ("split", SPLITS)):
        bad = sorted(set(table[column]) - set(valid))
        if bad:
            raise UsvmaskError(f"{source}: unknown {column} {bad[0]!r}; use one of {', '.join(valid)}")
    if table["name"].duplicated().any():
        raise UsvmaskError(f"{source}: duplicate name {table['name'][table['name'].duplicated()].iloc[0]!r}")


def write_dataset(out_dir: str | Path, dataset: Dataset) -> None:
    """Write images, truth (an empty zip when there is none) and the index, each atomically."""
    out_dir = Path(out_dir)
    check_table(dataset.table, str(paths.index_file(out_dir)))
    names = dataset.names
    store.write_stack(paths.images_file(out_dir), names, dataset.images)
    truth = dataset.truth if dataset.truth is not None else np.zeros((0, 1, 1), bool)
    store.write_stack(paths.truth_file(out_dir), names if dataset.truth is not None else [], truth)
    table = dataset.table.assign(has_truth=dataset.truth is not None)
    store.write_table(paths.index_file(out_dir), table)
    store.write_json(paths.representation_file(out_dir), dataset.representation)


def load_dataset(data_dir: str | Path, *, with_truth: bool = False) -> Dataset:
    """Load a prepared folder; truth only when asked (only metrics, figures and the simulated expert ask)."""
    data_dir = Path(data_dir)
    table = store.read_table(paths.index_file(data_dir))
    check_table(table, str(paths.index_file(data_dir)))
    images = store.read_stack(paths.images_file(data_dir), list(table["name"]))
    truth = None
    if with_truth and has_truth(table):
        truth = store.read_stack(paths.truth_file(data_dir), list(table["name"]), kind="mask")
    rendered = paths.representation_file(data_dir)
    return Dataset(table, images, truth, store.read_json(rendered) if rendered.is_file() else representation())


def has_truth(table: pd.DataFrame) -> bool:
    """Whether the prepared data came with truth masks."""
    return bool(len(table)) and str(table["has_truth"].iloc[0]).lower() == "true"


def load_masks(masks_file: str | Path, names: list[str]) -> np.ndarray:
    """A mask set in the order of `names`."""
    return store.read_stack(masks_file, names, kind="mask")


def split_arrays(data: Dataset, targets: np.ndarray, kinds: tuple[str, ...],
                 keep: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Train/val images and targets of the given kinds (and of the rows `keep` marks, when given); noise targets
    are whatever `targets` holds."""
    out = {}
    for split in ("train", "val"):
        rows = (data.table["split"] == split).to_numpy() & data.table["kind"].isin(kinds).to_numpy()
        if keep is not None:
            rows &= keep
        if not rows.any():
            raise UsvmaskError(f"{split} split: no {'/'.join(kinds)} spectrograms; enlarge the dataset or val_fraction")
        out[f"{split}_images"], out[f"{split}_targets"] = data.images[rows], targets[rows]
    return out
