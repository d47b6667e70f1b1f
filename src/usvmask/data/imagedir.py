"""Real data in VocalMat's layout: one subfolder per class (one of them noise), optional masks with matching names.

    image_dir/chevron/0001.png   image_dir/noise/0042.png   ...
    mask_dir/chevron/0001.png  (or mask_dir/0001.png)      nonzero = call

Images of any size and mode are converted to 8-bit grayscale at `image_size`². They are expected to be VocalMat's
candidates as VocalMat saves them (dB power, calls bright on a light-grey background; `usvmask.spectrogram`); set
`invert: true` for images with dark calls. The grey levels of the folder are checked against VocalMat's
(`usvmask.data.grey`): a folder that looks inverted, or far from VocalMat's images, stops with one line naming the
setting to change (`check_grey: false` turns the check off for other representations).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from PIL import Image

from usvmask.data.dataset import Dataset
from usvmask.data.grey import check_grey as compare_grey
from usvmask.data.grey import grey_stats
from usvmask.errors import UsvmaskError
from usvmask.spectrogram import VOCALMAT_GREY, representation
from usvmask.data.splits import assign_splits

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif"}


def read_gray(path: Path) -> np.ndarray:
    """Any image file as 2-D uint8; raise UsvmaskError naming the file if it cannot be decoded."""
    try:
        with Image.open(path) as img:
            img.load()
            array = np.asarray(img.convert("F") if img.mode in ("I", "I;16", "F") else img.convert("L"))
    except (OSError, ValueError, SyntaxError) as err:
        raise UsvmaskError(f"{path}: not a readable image ({err}); replace or remove the file") from err
    if array.dtype != np.uint8:
        top = float(array.max()) or 1.0
        array = np.clip(array / top * 255.0, 0, 255).astype(np.uint8)
    return array


def list_images(image_dir: Path) -> list[tuple[str, Path]]:
    """(class, file) pairs, sorted; hidden files are skipped, anything else that is not an image is an error."""
    if not image_dir.is_dir():
        raise UsvmaskError(f"{image_dir}: no such folder; set prepare.image_dir.image_dir to a folder of class subfolders")
    classes = sorted(p for p in image_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise UsvmaskError(f"{image_dir}: no class subfolders; put images in one subfolder per class")
    found = []
    for folder in classes:
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.is_dir():
                continue
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                raise UsvmaskError(f"{path}: not an image file; move it out of {folder}")
            found.append((folder.name, path))
    if not found:
        raise UsvmaskError(f"{image_dir}: the class folders hold no images; add spectrogram images")
    return found


def image_names(files: list[tuple[str, Path]]) -> list[str]:
    """``<class>-<stem>`` per file; two files giving one name (x.png and x.jpg) are an error naming both."""
    seen: dict[str, Path] = {}
    for label, path in files:
        name = f"{label}-{path.stem}"
        if name in seen:
            raise UsvmaskError(f"{seen[name]} and {path}: both give the image name {name!r}; rename one of them")
        seen[name] = path
    return list(seen)


def find_mask(mask_dir: Path, label: str, path: Path) -> Path:
    """The mask file matching an image, in mask_dir/<class>/ or mask_dir/."""
    for folder in (mask_dir / label, mask_dir):
        for candidate in [folder / path.name, *sorted(folder.glob(path.stem + ".*"))]:
            if candidate.is_file():
                return candidate
    raise UsvmaskError(f"{path}: no matching mask in {mask_dir}; add {mask_dir / label / path.name} or drop mask_dir")


def load_images(files: list[tuple[str, Path]], image_size: int, invert: bool) -> np.ndarray:
    """Read, convert and resize every image; all unreadable files are named in one error line."""
    images, bad = [], []
    for _, path in files:
        try:
            gray = read_gray(path)
        except UsvmaskError as err:
            bad.append(str(err))
            continue
        gray = 255 - gray if invert else gray
        images.append(cv2.resize(gray, (image_size, image_size), interpolation=cv2.INTER_AREA))
    if bad:
        more = f" (and {len(bad) - 1} more unreadable files)" if len(bad) > 1 else ""
        raise UsvmaskError(bad[0] + more)
    return np.stack(images)


def load_masks(files: list[tuple[str, Path]], mask_dir: Path, image_size: int) -> np.ndarray:
    """Masks matching the images; a mask whose size differs from its image is an error."""
    masks = []
    for label, path in files:
        mask_path = find_mask(mask_dir, label, path)
        mask, image_shape = read_gray(mask_path), Image.open(path).size[::-1]
        if mask.shape != tuple(image_shape):
            raise UsvmaskError(
                f"{mask_path}: mask is {mask.shape[1]}×{mask.shape[0]} but {path.name} is "
                f"{image_shape[1]}×{image_shape[0]}; export the mask at the image's size"
            )
        covered = cv2.resize((mask > 0).astype(np.float32), (image_size, image_size), interpolation=cv2.INTER_AREA)
        masks.append(covered >= 0.5)  # centre-aligned, unlike INTER_NEAREST
    return np.stack(masks)


def import_image_dir(
    *,
    image_dir: str,
    mask_dir: str = "",
    noise_class: str = "noise",
    invert: bool = False,
    check_grey: bool = True,
    image_size: int = 227,
    test_fraction: float = 0.065,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> Dataset:
    """A Dataset from a VocalMat-style folder of class subfolders (truth only if `mask_dir` is given)."""
    if image_size < 32:
        raise UsvmaskError(f"image_size: {image_size} is too small; use 227 (VocalMat's size)")
    files = list_images(Path(image_dir))
    labels = sorted({label for label, _ in files})
    if noise_class not in labels:
        raise UsvmaskError(f"noise_class: no folder {noise_class!r} in {image_dir}; use one of {', '.join(labels)}")
    names = image_names(files)
    table = pd.DataFrame({"name": names, "label": [label for label, _ in files]})
    table["kind"] = np.where(table["label"] == noise_class, "noise", "usv")
    table["source_file"] = [str(path) for _, path in files]
    table["split"] = assign_splits(table["kind"], test_fraction=test_fraction, val_fraction=val_fraction, seed=seed)
    images = load_images(files, image_size, invert)
    if check_grey:
        compare_grey(grey_stats(images), VOCALMAT_GREY, where=image_dir,
                     invert_fix=f"set prepare.image_dir.invert: {str(not invert).lower()}",
                     other_fix="give VocalMat candidate images (dB, calls bright), or set "
                               "prepare.image_dir.check_grey: false")
    truth = load_masks(files, Path(mask_dir), image_size) if mask_dir else None
    return Dataset(table, images, truth, representation(image_size=image_size, source="image_dir"))
