"""Open a review: the prepared folder (never its truth), the masks under review checked against it, their scores,
the spectrogram axis, and the corrections folder the decisions go to. Every problem stops here, in one line."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import numpy as np

from usvmask.data import store
from usvmask.data.dataset import Dataset, load_dataset, load_masks
from usvmask.errors import UsvmaskError
from usvmask.review.folder import CorrectionsFolder
from usvmask.review.ranking import likely_wrong
from usvmask.review.session import ReviewSession

log = logging.getLogger(__name__)
VOCALMAT_COLUMNS = ("fmin_khz", "source_file")  # index columns of the synthetic corpus and of VocalMat folders


def require_file(masks_file: str | Path, data_dir: str | Path) -> Path:
    """`masks_file` as a Path; a one-line error if there is no such file."""
    path = Path(masks_file)
    if not path.is_file():
        raise UsvmaskError(f"{path}: no such masks file; give a masks zip made from {data_dir} (in a pipeline "
                           "checkout: run dvc repro first)")
    return path


def check_masks(masks_file: str | Path, data_dir: str | Path, names: list[str], shape: tuple[int, ...]) -> np.ndarray:
    """The masks of `masks_file` in index order; one-line error unless it holds exactly the images' names."""
    path = require_file(masks_file, data_dir)
    fix = f"give a masks zip made from {data_dir}"
    try:
        members = set(store.stack_names(path))
    except (OSError, zipfile.BadZipFile) as err:
        raise UsvmaskError(f"{path}: not a readable masks zip ({err}); {fix}") from err
    missing, extra = sorted(set(names) - members), sorted(members - set(names))
    if missing or extra:
        first = f"no mask for {missing[0]!r}" if missing else f"a mask for unknown image {extra[0]!r}"
        raise UsvmaskError(f"{path}: does not match {data_dir} ({len(missing)} images without a mask, "
                           f"{len(extra)} masks of other images; e.g. {first}); {fix}")
    masks = load_masks(path, names)
    if masks.shape[1:] != tuple(shape):
        raise UsvmaskError(f"{path}: masks are {masks.shape[2]}x{masks.shape[1]}, the images {shape[1]}x{shape[0]}; "
                           f"{fix}")
    return masks


def spectrogram_axis(data: Dataset) -> dict | None:
    """Frequency (top row = highest) and time span of the images, when the source is known; else None."""
    rep = getattr(data, "representation", None)
    if isinstance(rep, dict) and rep.get("name") == "vocalmat_candidate":
        stft = rep.get("stft", {})
        try:
            return {"f_low_khz": float(stft["fmin_hz"]) / 1000.0, "f_high_khz": float(stft["sample_rate_hz"]) / 2000.0,
                    "width_ms": float(rep["crop_s"]) * 1000.0}
        except (KeyError, TypeError, ValueError):
            return None
    if any(column in data.table.columns for column in VOCALMAT_COLUMNS):
        from usvmask.spectrogram import CROP_S, FMIN_HZ, SAMPLE_RATE_HZ

        return {"f_low_khz": FMIN_HZ / 1000.0, "f_high_khz": SAMPLE_RATE_HZ / 2000.0, "width_ms": CROP_S * 1000.0}
    return None


def model_probabilities(images: np.ndarray, model_file: str | Path) -> np.ndarray:
    """Call probabilities (N, H, W) of a trained checkpoint, through the one prediction path."""
    from usvmask.infer.predictor import load_predictor

    predictor, _ = load_predictor(model_file, batch_size=32)
    log.info("scoring %d images with %s", len(images), model_file)
    return predictor.predict_proba(images)


def open_session(data_dir: str | Path, masks_file: str | Path, out_dir: str | Path, *,
                 compare_file: str | Path | None = None,
                 model_file: str | Path | None = None) -> tuple[ReviewSession, np.ndarray]:
    """The review session of `masks_file` over the images of `data_dir`, writing into `out_dir`; and the images."""
    for path in (masks_file, compare_file):
        if path:
            require_file(path, data_dir)  # before the images are read
    data = load_dataset(data_dir)
    names, shape = data.names, data.images.shape[1:]
    masks = check_masks(masks_file, data_dir, names, shape)
    other = check_masks(compare_file, data_dir, names, shape) if compare_file else None
    probs = model_probabilities(data.images, model_file) if model_file else None
    scores = likely_wrong(masks, list(data.table["label"].astype(str)), other=other, probs=probs)
    folder = CorrectionsFolder(out_dir, names, shape)
    return ReviewSession(data.table, masks, scores, folder, axis=spectrogram_axis(data)), data.images
