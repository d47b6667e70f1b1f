"""`usvmask predict-images`: masks for every spectrogram image in a folder, with a trained model.

    usvmask predict-images DIR --model models/final/squeakout.pt --out DIR [--threshold P] [--invert]

The images are expected in the representation the model was trained on (its card: VocalMat's candidates, dB,
calls bright). Before anything is written, the folder's grey levels are compared with the card's: a folder that
looks inverted stops with one line suggesting `--invert`, one far from the training images with one line saying
so (`--no-grey-check` skips the check). Each image (any mode and size) is read as 8-bit grayscale, resized to the
model's input size, predicted, and its probability map resized back to the original size (the one prediction
path). Per image `<stem>_mask.png` (0/255) and `<stem>_overlay.png` (image | mask overlay) are written
atomically. The threshold is the card's unless given. The output folder is checked before any work (and a killed
run's temporary files in it are deleted). Unreadable images, and images whose output name would be too long for the
file system, are named and skipped; the run goes on and exits with status 1 (status 2, and no output folder left
behind, when no image could be predicted).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from usvmask.errors import EXIT_PARTIAL, UsvmaskError
from usvmask.data.grey import check_grey as compare_grey
from usvmask.data.grey import grey_stats
from usvmask.data.imagedir import IMAGE_SUFFIXES, read_gray
from usvmask.data.store import check_writable, name_limit, name_too_long, remove_stale_temps, write_png
from usvmask.infer.resize import resize_stack

GREY_SAMPLE = 64  # images read before any output to check the folder's grey levels against the model card
OVERLAY_COLOUR = np.array([255, 40, 40], dtype=np.float32)  # RGB of the call tint


@dataclass
class PredictReport:
    """Names written and (name, reason) for each image that could not be read or written."""

    written: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly in `folder` (by suffix, hidden files skipped), sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsvmaskError(f"{folder}: no such folder; give a folder of spectrogram images")
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise UsvmaskError(f"{folder}: holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}); add some")
    return files


def overlay_montage(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """RGB uint8 montage: the grayscale image | the image with the mask tinted red (55 % opacity)."""
    rgb = np.repeat(image[..., None], 3, axis=2).astype(np.float32)
    tinted = rgb.copy()
    tinted[mask] = 0.45 * tinted[mask] + 0.55 * OVERLAY_COLOUR
    return np.concatenate([rgb, tinted], axis=1).round().astype(np.uint8)


def predict_folder(
    image_dir: str | Path,
    model_file: str | Path,
    out_dir: str | Path,
    *,
    threshold: float | None = None,
    invert: bool = False,
    check_grey: bool = True,
    batch_size: int = 8,
    device: str = "auto",
    backend: str = "auto",
    progress: bool = True,
) -> PredictReport:
    """Write `<stem>_mask.png` and `<stem>_overlay.png` into `out_dir` for every image in `image_dir`."""
    from usvmask.infer.card import read_card
    from usvmask.infer.predictor import Predictor, checkpoint_input_size
    from usvmask.models import load_model

    files = list_images(image_dir)
    check_writable(out_dir, folder=True)
    model, meta = load_model(model_file)
    card = read_card(meta, model_file)
    threshold = card["threshold"] if threshold is None else threshold
    if not 0.0 < threshold < 1.0:
        raise UsvmaskError(f"threshold: {threshold} is outside (0, 1); use e.g. {card['threshold']}")
    size = checkpoint_input_size(card, model_file)
    sample = _readable(files[: 4 * GREY_SAMPLE], invert)[:GREY_SAMPLE]
    if check_grey and sample:
        compare_grey(grey_stats(sample), card["grey"], where=str(image_dir),
                     invert_fix="add --invert" if not invert else "drop --invert",
                     other_fix="give images rendered like the training images (usvmask info MODEL), or pass "
                               "--no-grey-check")
    calibration = np.stack([resize_stack(im[None], size)[0] for im in sample[:16]]) if backend == "auto" and sample \
        else None
    predictor = Predictor(model, input_size=size, backend=backend, device=device, batch_size=batch_size,
                          calibration=calibration)
    report, out_dir = PredictReport(), Path(out_dir)
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out_dir)
    with tqdm(total=len(files), desc="predict-images", unit="img", disable=None if progress else True) as bar:
        for start in range(0, len(files), batch_size):
            batch = _read_batch(files[start : start + batch_size], report)
            if batch:
                _predict_batch(batch, predictor, threshold, invert, out_dir, report)
            bar.update(len(files[start : start + batch_size]))
    if not report.written:
        _nothing_written(image_dir, out_dir if created else None, report)
    return report


def _nothing_written(image_dir: str | Path, created: Path | None, report: PredictReport) -> None:
    """Every image failed: remove the output folder this run made (empty) and stop with the first reason."""
    if created is not None and not any(created.iterdir()):
        created.rmdir()
    raise UsvmaskError(f"{image_dir}: all {len(report.failed)} image(s) failed, nothing written; the first: "
                       f"{report.failed[0][1]}")


def _readable(files: Sequence[Path], invert: bool) -> list[np.ndarray]:
    """The readable images among `files`, as the model will see them (complemented with `invert`)."""
    images = []
    for path in files:
        try:
            image = read_gray(path)
        except UsvmaskError:
            continue
        images.append(255 - image if invert else image)
    return images


def _read_batch(files: Sequence[Path], report: PredictReport) -> list[tuple[Path, np.ndarray]]:
    """(file, grayscale image) of the readable files; the others are recorded as failed (the CLI names each)."""
    batch = []
    for path in files:
        try:
            batch.append((path, read_gray(path)))
        except UsvmaskError as err:
            report.failed.append((path.name, str(err)))
    return batch


def _predict_batch(batch: list[tuple[Path, np.ndarray]], predictor, threshold: float, invert: bool, out_dir: Path,
                   report: PredictReport) -> None:
    probs = predictor.predict_proba([255 - image if invert else image for _, image in batch])
    limit = name_limit(out_dir)
    for (path, image), prob in zip(batch, probs):
        too_long = name_too_long(out_dir, f"{path.stem}_overlay.png", limit=limit)
        if too_long:
            reason = f"{path}: its output file name (<stem>_overlay.png) is {too_long}; give the image a shorter name"
            report.failed.append((path.name, reason))
            continue
        mask = prob > threshold
        write_png(out_dir / f"{path.stem}_mask.png", mask)
        write_png(out_dir / f"{path.stem}_overlay.png", overlay_montage(image, mask))
        report.written.append(path.name)


def run_predict_images(args: argparse.Namespace) -> None:
    """CLI handler: predict, print a summary line; exit status 1 (SystemExit) if any image failed (each named)."""
    report = predict_folder(args.dir, args.model, args.out, threshold=args.threshold, invert=args.invert,
                            check_grey=not args.no_grey_check, batch_size=args.batch_size, device=args.device,
                            backend=args.backend, progress=not args.no_progress)
    failed = f": {', '.join(n for n, _ in report.failed)}" if report.failed else ""
    sys.stdout.write(f"predict-images: wrote masks for {len(report.written)} image(s) to {args.out}; "
                     f"{len(report.failed)} failed{failed}\n")
    for _, reason in report.failed:
        sys.stderr.write(f"usvmask: error: {reason}\n")
    if report.failed:
        raise SystemExit(EXIT_PARTIAL)


def add_command(subparsers: argparse._SubParsersAction) -> dict[str, Callable[[argparse.Namespace], None]]:
    """Declare `predict-images` on the `usvmask` subparsers; returns {name: handler}."""
    from usvmask.infer.backends import BACKENDS

    p = subparsers.add_parser("predict-images", help="masks + overlays for every spectrogram image in a folder",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", help="folder of spectrogram images (png, jpg, tif, bmp, gif; any mode and size)")
    p.add_argument("--model", required=True, help="checkpoint written by the train_final stage")
    p.add_argument("--out", required=True, help="folder for <stem>_mask.png and <stem>_overlay.png")
    p.add_argument("--threshold", type=float, default=None,
                   help="call probability above which a pixel is call (default: the model card's)")
    p.add_argument("--invert", action="store_true", help="complement the images first (for dark-call images)")
    p.add_argument("--no-grey-check", action="store_true",
                   help="skip the check of the folder's grey levels against the model card")
    p.add_argument("--batch-size", type=int, default=8, help="images per forward pass (default 8)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"),
                   help="auto (CUDA, then MPS, then CPU), cpu, cuda or mps")
    p.add_argument("--backend", default="auto", choices=("auto", *BACKENDS),
                   help="inference path; auto = the fastest measured on the CPU, eager elsewhere")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return {"predict-images": run_predict_images}
