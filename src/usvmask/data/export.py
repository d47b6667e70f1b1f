"""Export the final dataset as loose PNGs in a SqueakOut-like layout, for people and other tools to read.

Layout::

    out_dir/index.csv                      file, split, class, kind, source, mask_area (one row per image)
    out_dir/{train,val,test}/images/<name>.png   uint8 grayscale spectrogram image
    out_dir/{train,val,test}/masks/<name>.png    uint8 mask, 0 = background, 255 = call

``file`` is the image path relative to out_dir; the mask has the same path with ``masks`` for ``images``.
The tree is built in a temporary folder beside ``out_dir`` (``usvmask.data.store.atomic_dir``) and swapped in only
when complete, so a failure leaves an existing out_dir as it was (and a killed run's temporary folder is deleted by
the next one). An image whose ``<name>.png`` is longer than the file system's name limit is skipped, named in a
warning (``too_long_names``), and left out of the index; the others are written.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from usvmask.data.store import atomic_dir, encode_png, name_limit, name_too_long
from usvmask.errors import UsvmaskError

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
INDEX_COLUMNS = ["file", "split", "class", "kind", "source", "mask_area"]
DEFAULT_SOURCE = "pipeline"


def _aligned_table(names: Sequence[str], table: pd.DataFrame) -> pd.DataFrame:
    """``table`` rows in the order of ``names``, checked: one row per name, a known split for each."""
    missing = [c for c in ("name", "label", "kind", "split") if c not in table.columns]
    if missing:
        raise UsvmaskError(f"table: missing column(s) {missing}; the dataset table needs name, label, kind, split")
    dup = table["name"][table["name"].duplicated()]
    if len(dup):
        raise UsvmaskError(f"table: image {dup.iloc[0]!r} has several rows; keep one row per image")
    rows = table.set_index("name")
    absent = [n for n in names if n not in rows.index]
    extra = sorted(set(rows.index) - set(names))
    if absent or extra:
        which = f"no row for {absent[0]!r}" if absent else f"row {extra[0]!r} has no image"
        raise UsvmaskError(f"table: {which}; pass one row per exported image")
    rows = rows.loc[list(names)]
    bad = ~rows["split"].isin(SPLITS)
    if bad.any():
        name = rows.index[bad.argmax()]
        value = rows["split"][name]
        found = "missing" if pd.isna(value) else repr(value)
        raise UsvmaskError(f"table: split of {name!r} is {found}; use one of {', '.join(SPLITS)} (run the split step)")
    return rows


def _check_arrays(names: Sequence[str], images: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images, masks = np.asarray(images), np.asarray(masks)
    if images.dtype != np.uint8 or images.ndim != 3 or len(images) != len(names):
        raise UsvmaskError(
            f"images: expected a uint8 (N, H, W) stack with N={len(names)}, got {images.dtype} {images.shape}"
        )
    if masks.shape != images.shape:
        raise UsvmaskError(f"masks: shape {masks.shape} differs from images {images.shape}; pass matching stacks")
    for name in names:
        if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name:
            raise UsvmaskError(f"names: {name!r} is not usable as a file name; use the dataset's name column")
    return images, masks.astype(bool, copy=False)


def _write_png(path: Path, array: np.ndarray) -> None:
    path.write_bytes(encode_png(array))


def too_long_names(out_dir: str | os.PathLike, names: Sequence[str]) -> dict[str, str]:
    """name -> one-line reason, for the names whose ``<name>.png`` would not fit the file system's name limit."""
    limit = name_limit(Path(out_dir).parent)
    found = {name: name_too_long(out_dir, f"{name}.png", limit=limit) for name in names}
    return {name: f"{name}.png: file name {reason}; shorten the source image's name and prepare again"
            for name, reason in found.items() if reason}


def _write_tree(root: Path, names: Sequence[str], images: np.ndarray, masks: np.ndarray, rows: pd.DataFrame,
                skip: Sequence[str] = ()) -> None:
    for split in SPLITS:
        (root / split / "images").mkdir(parents=True)
        (root / split / "masks").mkdir(parents=True)
    splits, skip = rows["split"].to_numpy(), set(skip)
    for i, name in enumerate(tqdm(names, desc="export", unit="image", disable=None)):
        if name in skip:
            continue
        _write_png(root / splits[i] / "images" / f"{name}.png", images[i])
        _write_png(root / splits[i] / "masks" / f"{name}.png", masks[i].astype(np.uint8) * 255)


def _index(names: Sequence[str], masks: np.ndarray, rows: pd.DataFrame) -> pd.DataFrame:
    source = rows["source"].fillna(DEFAULT_SOURCE) if "source" in rows.columns else DEFAULT_SOURCE
    return pd.DataFrame(
        {
            "file": [f"{s}/images/{n}.png" for n, s in zip(names, rows["split"])],
            "split": rows["split"].to_numpy(),
            "class": rows["label"].to_numpy(),
            "kind": rows["kind"].to_numpy(),
            "source": source if isinstance(source, str) else source.to_numpy(),
            "mask_area": masks.reshape(len(masks), -1).sum(axis=1).astype(np.int64),
        },
        columns=INDEX_COLUMNS,
    )


def export_dataset(
    out_dir: str | os.PathLike,
    *,
    names: Sequence[str],
    images: np.ndarray,
    masks: np.ndarray,
    table: pd.DataFrame,
) -> pd.DataFrame:
    """Write the dataset under ``out_dir`` (replaced atomically) and return the index also saved as index.csv.

    Images whose file name would be too long are skipped (logged, not in the index)."""
    out = Path(out_dir)
    names = list(names)
    rows = _aligned_table(names, table)
    images, masks = _check_arrays(names, images, masks)
    skip = too_long_names(out, names)
    for reason in skip.values():
        log.warning("skipped %s", reason)
    index = _index(names, masks, rows)
    index = index[[name not in skip for name in names]].reset_index(drop=True)
    with atomic_dir(out) as tmp:
        _write_tree(tmp, names, images, masks, rows, skip=list(skip))
        index.to_csv(tmp / "index.csv", index=False)
    log.info("exported %d images to %s", len(index), out)
    return index
