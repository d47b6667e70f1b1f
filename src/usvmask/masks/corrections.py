"""Human corrections of masks: a simulated expert, and applying corrections to a mask stack.

The simulated expert looks at the worst ``fraction`` of spectrograms by Dice against the truth (ties broken by a
seeded shuffle) and, for each one whose mask is not already perfect:
- USV spectrogram with a non-empty truth: draws the truth, one COCO RLE annotation (category "usv", ``iscrowd`` 1,
  as CVAT writes masks) per 8-connected component of the truth mask;
- noise spectrogram (or a USV one whose truth is empty) with a non-empty mask: lists it as noise.
Reading and writing the files lives in ``usvmask.masks.corrections_io``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pycocotools.mask as mask_util
from scipy import ndimage as ndi

from usvmask.masks.corrections_io import Corrections, SimulatedCorrections, load_corrections, write_corrections
from usvmask.errors import UsvmaskError
from usvmask.evaluate.metrics import dice_scores

__all__ = [
    "Corrections",
    "SimulatedCorrections",
    "apply_corrections",
    "load_corrections",
    "merge_corrections",
    "simulate_corrections",
    "write_corrections",
]

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def _check_stack(names: Sequence[str], masks: np.ndarray, key: str) -> np.ndarray:
    arr = np.asarray(masks)
    if arr.ndim != 3 or len(arr) != len(names):
        raise UsvmaskError(f"{key}: expected an (N, H, W) stack with N={len(names)} names, got shape {arr.shape}")
    return arr.astype(bool, copy=False)


def _pick_worst(scores: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Indices (sorted) of the round(fraction·N) lowest scores; equal scores are ordered by a seeded shuffle."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise UsvmaskError(f"fraction: must be a number in [0, 1], got {fraction!r}; use e.g. 0.15")
    k = int(np.floor(fraction * len(scores) + 0.5))
    perm = np.random.default_rng(seed).permutation(len(scores))
    order = perm[np.argsort(scores[perm], kind="stable")]
    return np.sort(order[:k])


def coco_annotations(mask: np.ndarray, image_id: int, first_id: int) -> list[dict]:
    """COCO RLE annotations of one mask (category 1, iscrowd 1): one per 8-connected component, ids from first_id."""
    labels, n = ndi.label(mask, structure=_EIGHT_CONNECTED)
    anns = []
    for j in range(1, n + 1):
        rle = mask_util.encode(np.asfortranarray(labels == j, dtype=np.uint8))
        anns.append(
            {
                "id": first_id + j - 1,
                "image_id": image_id,
                "category_id": 1,
                "segmentation": {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode("ascii")},
                "area": int(mask_util.area(rle)),
                "bbox": [float(v) for v in mask_util.toBbox(rle)],
                "iscrowd": 1,
            }
        )
    return anns


def simulate_corrections(
    names: Sequence[str],
    masks: np.ndarray,
    truth: np.ndarray,
    kinds: Sequence[str],
    *,
    fraction: float = 0.15,
    seed: int = 0,
    noise_kind: str = "noise",
) -> SimulatedCorrections:
    """Corrections an expert would make to the worst ``fraction`` of ``masks`` (kinds: ``noise_kind`` or a USV kind)."""
    pred = _check_stack(names, masks, "masks")
    true = _check_stack(names, truth, "truth")
    if pred.shape != true.shape or len(kinds) != len(names):
        raise UsvmaskError(f"truth/kinds: shapes {true.shape}, {len(kinds)} kinds do not match masks {pred.shape}")
    kinds = list(kinds)
    scores = dice_scores(pred, true)
    h, w = pred.shape[1:]
    coco: dict = {"images": [], "annotations": [], "categories": [{"id": 1, "name": "usv", "supercategory": ""}]}
    noise: list[str] = []
    picked = _pick_worst(scores, fraction, seed)
    for i in picked:
        if scores[i] >= 100.0 or np.array_equal(pred[i], true[i]):
            continue
        if kinds[i] == noise_kind or not true[i].any():
            noise.append(names[i])
            continue
        image_id = len(coco["images"]) + 1
        coco["images"].append({"id": image_id, "file_name": f"{names[i]}.png", "width": int(w), "height": int(h)})
        coco["annotations"] += coco_annotations(true[i], image_id, len(coco["annotations"]) + 1)
    return SimulatedCorrections(coco=coco, noise_names=noise, picked=[names[i] for i in picked])


def apply_corrections(
    names: Sequence[str], masks: np.ndarray, corrections: Corrections
) -> tuple[np.ndarray, list[str]]:
    """A corrected copy of ``masks``: noise names get an empty mask, corrected names their given mask.

    Returns the new stack and the names whose mask actually changed, in dataset order. The input is not modified.
    Everything is checked before anything is changed.
    """
    old = _check_stack(names, masks, "masks")
    index = {name: i for i, name in enumerate(names)}
    for name, mask in corrections.masks.items():
        if name not in index:
            source = corrections.sources.get(name, "corrections")
            raise UsvmaskError(f"{source}: image {name!r} is not in the dataset; correct the dataset's images")
        if np.shape(mask) != old.shape[1:]:
            source = corrections.sources.get(name, "corrections")
            raise UsvmaskError(
                f"{source}: mask of {name!r} has shape {np.shape(mask)}, not {old.shape[1:]}; export it at that size"
            )
    unknown = sorted(set(corrections.noise) - index.keys())
    if unknown:
        source = corrections.sources.get(unknown[0], "noise")
        raise UsvmaskError(f"{source}: image {unknown[0]!r} is not in the dataset; correct the dataset's images")
    new = old.copy()
    for name in corrections.noise:
        new[index[name]] = False
    for name, mask in corrections.masks.items():
        new[index[name]] = np.asarray(mask, dtype=bool)
    changed = [name for i, name in enumerate(names) if not np.array_equal(new[i], old[i])]
    return new, changed


def merge_corrections(found: Sequence[Corrections]) -> Corrections:
    """Several folders' corrections in order: for an image two folders both correct, the later folder wins."""
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
