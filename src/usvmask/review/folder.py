"""Where review decisions go: a corrections folder that ``import_corrections`` reads, plus the review record.

File names are ``usvmask.paths``'s, and each file is written atomically (``usvmask.data.store``):

- ``corrections.json``: COCO, one image record per corrected image with one RLE annotation (``iscrowd`` 1) per
  8-connected component, as the simulated expert writes them; records the app did not write are kept as they are;
- ``noise.txt``: images whose mask is emptied; a user's own lines and comments are kept;
- ``masks/<name>.png``: only for an image that already has such a file, or that another ``*.json`` of the folder
  corrects (a PNG overrides the JSON, while two JSON files correcting one image are an error);
- ``review.tsv`` (``paths.CORRECTIONS_REVIEW_LOG``): one row per reviewed image (decision, whether the mask changed, version, time,
  save id). ``import_corrections`` does not read it (it is neither ``*.json`` nor ``noise.txt``).

The write order keeps the folder valid at every step: a correction leaves the file it was in before it enters its
new one, and the review row is written last, so a save killed half-way leaves the old row and the client's retry
applies it again.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from usvmask import paths
from usvmask.data import store
from usvmask.errors import UsvmaskError
from usvmask.masks.corrections import coco_annotations
from usvmask.masks.corrections_io import NOISE_HEADER, image_name, load_corrections

DECISIONS = ("accept", "edit", "noise")


@dataclass
class Decision:
    """The last decision about one image; `version` counts the saves of that image."""

    decision: str
    changed: bool
    version: int
    saved_at: str
    save_id: str


def read_log(path: Path, names: set[str]) -> dict[str, Decision]:
    """The review record, name → Decision (empty when the file does not exist)."""
    if not path.is_file():
        return {}
    out: dict[str, Decision] = {}
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t")
    for line, row in enumerate(rows, start=2):
        try:
            name = row["name"]
            entry = Decision(row["decision"], row["changed"] == "true", int(row["version"]), row["saved_at"],
                             row["save_id"])
        except (KeyError, TypeError, ValueError) as err:
            raise UsvmaskError(f"{path}: line {line} is malformed ({err}); fix or delete that line") from err
        if name not in names or entry.decision not in DECISIONS:
            raise UsvmaskError(f"{path}: line {line}: unknown image {name!r} or decision {entry.decision!r}; "
                               "this folder was reviewed against other data: give another --out")
        out[name] = entry
    return out


def write_log(path: Path, log: dict[str, Decision]) -> None:
    """Write the review record (sorted by name) atomically."""
    buffer = io.StringIO()
    columns = ["name", *(f.name for f in fields(Decision))]
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    for name in sorted(log):
        entry = log[name]
        writer.writerow([name, entry.decision, str(entry.changed).lower(), entry.version, entry.saved_at,
                         entry.save_id])
    store.write_text(path, buffer.getvalue())


class CorrectionsFolder:
    """One corrections folder, validated as ``import_corrections`` would, and the masks it gives each image."""

    def __init__(self, root: str | Path, names: list[str], shape: tuple[int, int]) -> None:
        self.root, self.known, self.shape = Path(root), set(names), (int(shape[0]), int(shape[1]))
        if self.root.exists() and not self.root.is_dir():
            raise UsvmaskError(f"{self.root}: not a folder; give a folder for the corrections with --out")
        store.remove_stale_temps(self.root)
        store.remove_stale_temps(self.root / paths.CORRECTIONS_MASKS)
        found = load_corrections(self.root, names=names, shape=self.shape)
        self.corrected: dict[str, np.ndarray] = dict(found.masks)
        self.corrected.update({name: np.zeros(self.shape, bool) for name in found.noise})
        own = str(self.root / paths.CORRECTIONS_COCO)
        self.foreign = {n for n, src in found.sources.items() if src.endswith(".json") and src != own}
        self.coco = store.read_json(own) if Path(own).is_file() else {
            "images": [], "annotations": [], "categories": [{"id": 1, "name": "usv", "supercategory": ""}]}

    @property
    def log_path(self) -> Path:
        return self.root / paths.CORRECTIONS_REVIEW_LOG

    def _png(self, name: str) -> Path:
        if not _safe_file_name(name):
            raise UsvmaskError(f"{name!r}: cannot be a file name; correct this image in a COCO file instead")
        return self.root / paths.CORRECTIONS_MASKS / f"{name}.png"

    def _target(self, name: str, mask: np.ndarray, base: np.ndarray) -> str | None:
        """Where the mask of `name` goes: "png", "noise", "coco", or None (no correction needed)."""
        if name in self.foreign or (_safe_file_name(name) and self._png(name).is_file()):
            return "png"
        if np.array_equal(mask, base):
            return None
        return "coco" if mask.any() else "noise"

    def write(self, name: str, mask: np.ndarray, base: np.ndarray) -> None:
        """Make the folder give `mask` for `name` (`base` is the mask under review); each file atomically."""
        mask = np.asarray(mask, dtype=bool)
        target = self._target(name, mask, base)
        if target != "coco" and self._coco_drop(name):
            store.write_json(self.root / paths.CORRECTIONS_COCO, self.coco)
        if target != "noise":
            self._noise_update(name, listed=False)
        if target == "coco":
            self._coco_drop(name)
            self._coco_add(name, mask)
            store.write_json(self.root / paths.CORRECTIONS_COCO, self.coco)
        elif target == "noise":
            self._noise_update(name, listed=True)
        elif target == "png":
            store.write_png(self._png(name), mask)
        if target is None:
            self.corrected.pop(name, None)
        else:
            self.corrected[name] = mask.copy()

    def _coco_drop(self, name: str) -> bool:
        """Remove the image records (and their annotations) of `name`; whether there were any."""
        ids = {img["id"] for img in self.coco["images"] if image_name(img["file_name"], self.known) == name}
        if not ids:
            return False
        self.coco["images"] = [img for img in self.coco["images"] if img["id"] not in ids]
        self.coco["annotations"] = [a for a in self.coco["annotations"] if a["image_id"] not in ids]
        return True

    def _coco_add(self, name: str, mask: np.ndarray) -> None:
        image_id = 1 + max((i["id"] for i in self.coco["images"] if isinstance(i["id"], int)), default=0)
        first = 1 + max((a["id"] for a in self.coco["annotations"] if isinstance(a["id"], int)), default=0)
        h, w = self.shape
        self.coco["images"].append({"id": image_id, "file_name": f"{name}.png", "width": w, "height": h})
        self.coco["annotations"] += coco_annotations(mask, image_id, first)

    def _noise_update(self, name: str, *, listed: bool) -> None:
        """List `name` in noise.txt or take it off; other lines and comments stay as they are."""
        path = self.root / paths.CORRECTIONS_NOISE
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.is_file() else [NOISE_HEADER]
        kept = [ln for ln in lines if image_name(ln.split("#", 1)[0].strip(), self.known) != name]
        if listed == (len(kept) < len(lines)):
            return
        if listed:
            kept += ([] if not kept or kept[-1].endswith("\n") else ["\n"]) + [f"{name}\n"]
        store.write_text(path, "".join(kept))


def _safe_file_name(name: str) -> bool:
    """Whether `name` can be used as a file name inside the folder (no separators, not hidden)."""
    return bool(name) and not name.startswith(".") and not any(c in name for c in "/\\\0")
