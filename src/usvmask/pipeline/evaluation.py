"""Table 1 (SqueakOut): Dice and pixel accuracy on the test split for the null model, VocalMat and the final models.

Rows: the all-empty null model, the VocalMat-style masks and each trained model (thresholded at its checkpoint's
`meta["threshold"]`). Columns: mean ± SEM of Dice and accuracy on the USV, noise and all test spectrograms (see
`usvmask.evaluate.metrics`), and each model's CPU throughput on the test set (img/s, resize + predict, batch `batch_size`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import numpy as np

from usvmask.data.dataset import Dataset, load_dataset, load_masks
from usvmask.errors import UsvmaskError
from usvmask.evaluate.figures import choose_examples, comparison_figure
from usvmask.data import store
from usvmask.evaluate.metrics import summarise

log = logging.getLogger(__name__)
ROW_TITLES: Mapping[str, str] = MappingProxyType({
    "null": "Null model (all empty)",
    "vocalmat": "VocalMat-style masks",
    "unet": "U-Net",
    "squeakout_noaug": "SqueakOut without augmentation",
    "squeakout": "SqueakOut with augmentation",
})
SETS = ("usv", "noise", "all")
SPEED_KEY = "cpu_images_per_s"


def load_test_split(data_dir: str | Path) -> Dataset:
    """The test rows of a prepared folder, with truth; an error if there is no truth or no test split."""
    data = load_dataset(data_dir, with_truth=True)
    if data.truth is None:
        raise UsvmaskError(f"{data_dir}: has no truth masks; Table 1 needs truth (synthetic data or a mask_dir)")
    test = (data.table["split"] == "test").to_numpy()
    if not test.any():
        raise UsvmaskError(f"{data_dir}: no test spectrograms; set a test fraction in the prepare params")
    return data.select(test)


@contextlib.contextmanager
def torch_threads(threads: int | None):
    """Run the block with `threads` torch CPU threads (None: unchanged), restoring the old count after."""
    import torch

    before = torch.get_num_threads()
    if threads is not None and threads < 1:
        raise UsvmaskError(f"cpu_threads: {threads}; use a positive number or null for torch's default")
    try:
        if threads:
            torch.set_num_threads(threads)
        yield
    finally:
        torch.set_num_threads(before)


def predict_test(model_file: str | Path, images: np.ndarray, *, batch_size: int = 8,
                 backend: str = "auto") -> tuple[np.ndarray, float]:
    """Masks of `images` from a saved model on the CPU (the one prediction path, thresholded at the checkpoint's
    threshold), and its throughput in img/s (resize + predict + resize back, after one warm-up batch)."""
    from usvmask.infer.predictor import load_predictor

    predictor, meta = load_predictor(model_file, backend=backend, device="cpu", batch_size=batch_size)
    threshold = float(meta.get("threshold", 0.5))
    predictor.predict_proba(images[:batch_size])
    started = time.perf_counter()
    masks = predictor.predict_masks(images, threshold=threshold)
    seconds = time.perf_counter() - started
    return masks, len(images) / seconds


def score_rows(masks: Mapping[str, np.ndarray], truth: np.ndarray, kinds: list[str]) -> dict[str, dict]:
    """{row: {set: {n, dice, dice_sem, accuracy, accuracy_sem}}} for every mask set, plus the "null" row."""
    rows: dict[str, dict] = {}
    for name, predicted in masks.items():
        summary = summarise(predicted, truth, kinds)
        rows.setdefault("null", summary.pop("null"))
        rows[name] = summary
    if "null" not in rows:
        rows["null"] = summarise(np.zeros_like(truth), truth, kinds)["null"]
    return {name: rows[name] for name in ("null", *masks)}


def _cell(scores: dict | None, key: str) -> str:
    return "–" if scores is None else f"{scores[key]:.2f} ± {scores[key + '_sem']:.2f}"


def table_markdown(rows: Mapping[str, dict]) -> str:
    """Markdown Table 1: one row per method, Dice and accuracy (mean ± SEM, %) per set, CPU img/s."""
    header = ["Method"] + [f"{metric} {s}" for s in SETS for metric in ("Dice", "Acc.")] + ["CPU img/s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, row in rows.items():
        cells = [ROW_TITLES.get(name, name)]
        for s in SETS:
            cells += [_cell(row.get(s), "dice"), _cell(row.get(s), "accuracy")]
        speed = row.get(SPEED_KEY)
        cells.append("–" if speed is None else f"{speed:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def evaluate(
    data_dir: str | Path,
    vocalmat_masks: str | Path,
    models: Mapping[str, str | Path],
    table_out: str | Path,
    metrics_out: str | Path,
    figure_out: str | Path,
    *,
    batch_size: int = 8,
    backend: str = "auto",
    cpu_threads: int | None = None,
    figure_model: str = "squeakout",
    n_usv_examples: int = 4,
    n_noise_examples: int = 2,
    seed: int = 0,
) -> dict[str, dict]:
    """Table 1 on the test split of `data_dir`; `models` maps row names (see ROW_TITLES) to checkpoints.

    Writes the markdown table, the metrics JSON (row → set → scores, plus each model's CPU img/s) and the
    example figure (spectrogram | truth | VocalMat | `figure_model`, per-image Dice and accuracy).
    """
    if figure_model not in models:
        raise UsvmaskError(f"figure_model: {figure_model!r} is not among the models {', '.join(models)}; pick one")
    test = load_test_split(data_dir)
    masks = {"vocalmat": load_masks(vocalmat_masks, test.names)}
    speeds = {}
    with torch_threads(cpu_threads):
        for name, model_file in models.items():
            masks[name], speeds[name] = predict_test(model_file, test.images, batch_size=batch_size, backend=backend)
            log.info("%s: %.1f img/s on the CPU", name, speeds[name])
    kinds = list(test.table["kind"])
    rows = score_rows(masks, test.truth, kinds)
    for name, speed in speeds.items():
        rows[name][SPEED_KEY] = round(float(speed), 2)
    store.write_text(table_out, table_markdown(rows))
    store.write_json(metrics_out, rows)
    picks = choose_examples(kinds, n_usv=n_usv_examples, n_noise=n_noise_examples, seed=seed)
    columns = {"VocalMat": masks["vocalmat"][picks], ROW_TITLES.get(figure_model, figure_model):
               masks[figure_model][picks]}
    comparison_figure(test.images[picks], test.truth[picks], columns, [test.names[i] for i in picks], figure_out,
                      title="Test spectrograms: truth, VocalMat-style masks and the final model")
    return rows
