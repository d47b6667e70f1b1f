"""Read and write human mask corrections: COCO JSON, PNG mask overrides and a noise list.

A corrections folder may hold:
- ``*.json``: COCO files (CVAT, RectLabel, ...). ``images[].file_name`` is ``<name>.png``, a bare ``<name>`` or a path
  whose stem is the name; ``width``/``height`` must match the dataset. Every annotation (any category, ``iscrowd`` 0
  or 1) is call pixels: polygons, or RLE (``size`` = [height, width], ``counts`` compressed string or list).
  The annotations of one image are OR-ed. An image record without annotations is not a correction.
- ``masks/<name>.png``: a full mask, nonzero = call (colour channels OR-ed, alpha ignored). It overrides the JSON.
- ``noise.txt``: one image name per line, ``#`` starts a comment; those spectrograms get an empty mask.

Polygon rasterisation is pycocotools': pixel (r, c) covers [c, c+1) x [r, r+1), so the square with corners
(2, 2) and (6, 6) sets rows 2..5 and columns 2..5. Everything is validated before anything is returned.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import cv2
import numpy as np
import pycocotools.mask as mask_util

from usvmask.errors import UsvmaskError
from usvmask import paths
from usvmask.data.store import write_text

log = logging.getLogger(__name__)
NOISE_HEADER = "# spectrograms marked as noise (their mask is emptied); one name per line\n"


@dataclass
class Corrections:
    """Validated corrections: replacement masks, names to blank as noise, and the file each came from."""

    masks: dict[str, np.ndarray] = field(default_factory=dict)
    noise: set[str] = field(default_factory=set)
    sources: dict[str, str] = field(default_factory=dict)


@dataclass
class SimulatedCorrections:
    """What a simulated expert produced: a COCO dict, names to mark as noise, and every spectrogram it looked at."""

    coco: dict
    noise_names: list[str]
    picked: list[str]


def image_name(file_name: str, known: set[str]) -> str | None:
    """The dataset name that ``file_name`` refers to (bare name, ``<name>.png`` or a path), or None."""
    base = PurePosixPath(str(file_name).replace("\\", "/")).name
    if base in known:
        return base
    stem = PurePosixPath(base).stem
    return stem if stem in known else None


def _rle_counts(counts: object, where: str) -> list[int]:
    """Run lengths from an uncompressed list or a COCO compressed string (the LEB128-like pycocotools format)."""
    if isinstance(counts, list):
        if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts):
            raise UsvmaskError(f"{where}: RLE counts must be non-negative integers; re-export the mask")
        return counts
    if not isinstance(counts, str):
        raise UsvmaskError(f"{where}: RLE counts must be a string or a list; re-export the mask")
    out: list[int] = []
    value, shift = 0, 0
    for ch in counts:
        c = ord(ch) - 48
        if not 0 <= c < 64:
            raise UsvmaskError(f"{where}: RLE counts contain an invalid character {ch!r}; re-export the mask")
        value |= (c & 0x1F) << shift
        shift += 5
        if c & 0x20:
            continue
        if c & 0x10:
            value -= 1 << shift
        if len(out) > 2:
            value += out[-2]
        out.append(value)
        value, shift = 0, 0
    if shift or any(v < 0 for v in out):
        raise UsvmaskError(f"{where}: RLE counts string is corrupt; re-export the mask")
    return out


def _rle_mask(seg: dict, where: str, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    if list(seg.get("size", [])) != [h, w]:
        raise UsvmaskError(f"{where}: RLE size {seg.get('size')} is not [{h}, {w}]; export masks at the dataset size")
    counts = _rle_counts(seg.get("counts"), where)
    if sum(counts) != h * w:
        raise UsvmaskError(f"{where}: RLE counts cover {sum(counts)} pixels, not {h}x{w}={h * w}; re-export the mask")
    values = np.arange(len(counts)) % 2 == 1
    return np.repeat(values, counts).reshape((w, h)).T


def _polygon_mask(seg: list, where: str, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    if not seg:
        raise UsvmaskError(f"{where}: empty segmentation (a box only?); draw a polygon or a mask, or delete it")
    for poly in seg:
        ok = isinstance(poly, list) and len(poly) >= 6 and len(poly) % 2 == 0
        if not ok or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in poly):
            raise UsvmaskError(f"{where}: a polygon must be a list of at least 3 (x, y) number pairs; fix or delete it")
        for x, y in zip(poly[0::2], poly[1::2]):
            if not (math.isfinite(x) and math.isfinite(y) and 0 <= x <= w and 0 <= y <= h):
                raise UsvmaskError(
                    f"{where}: polygon point ({float(x)}, {float(y)}) outside the {w}×{h} image; "
                    "fix or delete that annotation"
                )
    rles = mask_util.frPyObjects([[float(v) for v in p] for p in seg], h, w)
    return mask_util.decode(mask_util.merge(rles)).astype(bool)


def _segmentation_mask(ann: dict, where: str, shape: tuple[int, int]) -> np.ndarray:
    seg = ann["segmentation"]
    if isinstance(seg, dict):
        return _rle_mask(seg, where, shape)
    if isinstance(seg, list):
        return _polygon_mask(seg, where, shape)
    raise UsvmaskError(f"{where}: segmentation must be a polygon list or an RLE dict; re-export in COCO format")


def _require(entry: object, keys: Iterable[str], where: str) -> dict:
    if not isinstance(entry, dict):
        raise UsvmaskError(f"{where}: expected a JSON object; re-export in COCO format")
    missing = [k for k in keys if k not in entry]
    if missing:
        raise UsvmaskError(f"{where}: missing key(s) {missing}; re-export in COCO format")
    return entry


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UsvmaskError(f"{path}: not valid JSON ({err}); fix the file or export it again") from None
    data = _require(data, ("images", "annotations"), str(path))
    if not isinstance(data["images"], list) or not isinstance(data["annotations"], list):
        raise UsvmaskError(f"{path}: 'images' and 'annotations' must be lists; re-export in COCO format")
    return data


def _coco_images(path: Path, images: list, known: set[str], shape: tuple[int, int]) -> dict[object, str]:
    """Map image id -> dataset name, checking names and sizes."""
    h, w = shape
    by_id: dict[object, str] = {}
    seen: set[str] = set()
    for i, img in enumerate(images):
        img = _require(img, ("id", "file_name", "width", "height"), f"{path}: images[{i}]")
        where = f"{path}: image id {img['id']} ({img['file_name']!r})"
        if not isinstance(img["id"], (int, str)) or not isinstance(img["file_name"], str):
            raise UsvmaskError(f"{where}: id must be a number or string, file_name a string; re-export as COCO")
        name = image_name(img["file_name"], known)
        if name is None:
            raise UsvmaskError(f"{where}: unknown image name; use the dataset's name column, e.g. <name>.png")
        if (img["width"], img["height"]) != (w, h):
            raise UsvmaskError(
                f"{where}: size {img['width']}×{img['height']} is not {w}×{h}; annotate the dataset images"
            )
        if img["id"] in by_id or name in seen:
            raise UsvmaskError(f"{where}: image listed twice; keep one record per image")
        by_id[img["id"]] = name
        seen.add(name)
    return by_id


def read_coco(path: Path, known: set[str], shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Masks of the annotated images in one COCO file, keyed by dataset name."""
    data = _read_json(path)
    by_id = _coco_images(path, data["images"], known, shape)
    masks: dict[str, np.ndarray] = {}
    for i, ann in enumerate(data["annotations"]):
        ann = _require(ann, ("id", "image_id", "segmentation"), f"{path}: annotations[{i}]")
        where = f"{path}: annotation id {ann['id']}"
        if not isinstance(ann["image_id"], (int, str)) or ann["image_id"] not in by_id:
            raise UsvmaskError(f"{where}: image_id {ann['image_id']} has no image record; fix or delete it")
        name = by_id[ann["image_id"]]
        mask = _segmentation_mask(ann, where, shape)
        masks[name] = masks[name] | mask if name in masks else mask
    return masks


def read_png_overrides(folder: Path, known: set[str], shape: tuple[int, int]) -> dict[str, tuple[np.ndarray, Path]]:
    """``masks/<name>.png`` files: nonzero pixels are call."""
    out: dict[str, tuple[np.ndarray, Path]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        if path.suffix.lower() != ".png":
            raise UsvmaskError(f"{path}: only PNG mask overrides are read; save it as <name>.png or remove it")
        if path.stem not in known:
            raise UsvmaskError(f"{path}: unknown image name {path.stem!r}; name it after the dataset's name column")
        img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if img is None:
            raise UsvmaskError(f"{path}: cannot be read as a PNG image; save it again as PNG")
        if img.shape[:2] != tuple(shape):
            raise UsvmaskError(f"{path}: mask is {img.shape[1]}×{img.shape[0]}, not {shape[1]}×{shape[0]}; resize it")
        out[path.stem] = ((img[..., :3] != 0).any(axis=-1) if img.ndim == 3 else img != 0, path)
    return out


def read_noise_list(path: Path, known: set[str]) -> set[str]:
    """Names listed in ``noise.txt`` (``#`` comments and blank lines ignored)."""
    if not path.is_file():
        return set()
    noise: set[str] = set()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise UsvmaskError(f"{path}: not UTF-8 text (byte {err.object[err.start]:#04x} at offset {err.start}); "
                           "save it as UTF-8, one image name per line") from None
    for lineno, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        name = image_name(entry, known)
        if name is None:
            raise UsvmaskError(f"{path}: line {lineno}: unknown image name {entry!r}; use the dataset's name column")
        noise.add(name)
    return noise


def load_corrections(
    corrections_dir: str | os.PathLike, *, names: Sequence[str], shape: tuple[int, int]
) -> Corrections:
    """Read and validate every correction in ``corrections_dir``; a missing or empty folder means none."""
    root = Path(corrections_dir)
    if not root.exists():
        return Corrections()
    if not root.is_dir():
        raise UsvmaskError(f"{root}: not a folder; put the corrections in a folder")
    known, shape = set(names), (int(shape[0]), int(shape[1]))
    masks: dict[str, np.ndarray] = {}
    sources: dict[str, str] = {}
    for path in sorted(root.glob("*.json")):
        for name, mask in read_coco(path, known, shape).items():
            if name in sources:
                raise UsvmaskError(f"{path}: image {name!r} is also corrected in {sources[name]}; keep one of the two")
            masks[name], sources[name] = mask, str(path)
    for name, (mask, path) in read_png_overrides(root / paths.CORRECTIONS_MASKS, known, shape).items():
        if name in sources:
            log.info("%s overrides the correction of %s in %s", path, name, sources[name])
        masks[name], sources[name] = mask, str(path)
    noise_path = root / paths.CORRECTIONS_NOISE
    noise = read_noise_list(noise_path, known)
    both = sorted(noise & masks.keys())
    if both:
        raise UsvmaskError(f"{noise_path}: {both[0]!r} is also corrected in {sources[both[0]]}; keep one of the two")
    sources.update({name: str(noise_path) for name in noise})
    return Corrections(masks=masks, noise=noise, sources=sources)


def write_corrections(out_dir: str | os.PathLike, simulated: SimulatedCorrections) -> tuple[Path, Path]:
    """Write ``corrections.json`` and ``noise.txt`` into ``out_dir`` (created), each atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    coco_path, noise_path = out / paths.CORRECTIONS_COCO, out / paths.CORRECTIONS_NOISE
    write_text(coco_path, json.dumps(simulated.coco, indent=1) + "\n")
    write_text(noise_path, NOISE_HEADER + "".join(f"{n}\n" for n in simulated.noise_names))
    return coco_path, noise_path
