"""Stage `export`: the final dataset as `train|val|test/images|masks` PNGs and an index, for people and tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from usvmask.data.dataset import load_dataset, load_masks
from usvmask.data.export import export_dataset, too_long_names
from usvmask.data.store import check_writable


def export(data_dir: str | Path, masks_file: str | Path, out_dir: str | Path) -> dict[str, Any]:
    """The final dataset in a SqueakOut-like layout with an index CSV.

    ``skipped`` lists one line per image left out because its file name is too long for the file system."""
    check_writable(out_dir, folder=True)
    check_writable(Path(out_dir).parent, folder=True)  # the new tree is built beside out_dir, then swapped in
    data = load_dataset(data_dir)
    masks = load_masks(masks_file, data.names)
    index = export_dataset(out_dir, names=data.names, images=data.images, masks=masks, table=data.table)
    skipped = list(too_long_names(out_dir, data.names).values())
    return {"files": int(len(index)), **{f"n_{s}": int((index["split"] == s).sum()) for s in ("train", "val", "test")},
            "skipped": skipped}
