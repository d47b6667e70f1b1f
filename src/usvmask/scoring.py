"""Scoring a mask set against truth: the only library path (with figures and the simulated expert) reading truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from usvmask.dataset import load_dataset, load_masks
from usvmask.figures import choose_examples, examples_figure
from usvmask.metrics import mask_stats, score_images, summarise, write_json


def score_masks(
    data_dir: str | Path,
    masks_file: str | Path,
    report_file: str | Path,
    figure_file: str | Path,
    *,
    title: str,
    n_usv_examples: int = 4,
    n_noise_examples: int = 2,
    seed: int = 0,
) -> dict[str, Any]:
    """Dice/accuracy per set (usv, noise, all; whole dataset and test split) plus mask stats; example figure."""
    data = load_dataset(data_dir, with_truth=True)
    masks = load_masks(masks_file, data.names)
    kinds = list(data.table["kind"])
    report: dict[str, Any] = {"masks": mask_stats(masks)}
    scores = None
    if data.truth is not None:
        report.update(summarise(masks, data.truth, kinds))
        test = (data.table["split"] == "test").to_numpy()
        if test.any():
            report["test"] = summarise(masks[test], data.truth[test], [k for k, t in zip(kinds, test) if t])
        scores = score_images(masks, data.truth)["dice"].to_numpy()
    picks = choose_examples(kinds, n_usv=n_usv_examples, n_noise=n_noise_examples, seed=seed)
    examples_figure(
        data.images[picks], None if data.truth is None else data.truth[picks], masks[picks],
        [data.names[i] for i in picks], figure_file, title=title,
        scores=None if scores is None else scores[picks],
    )
    write_json(report_file, report)
    return report


def erosion_table(reports: dict[str, dict], facts: dict[str, dict]) -> pd.DataFrame:
    """One row per construction iteration (0 = first enhancement): Dice per set, erodible segments, mean area."""
    rows = []
    for iteration, (name, report) in enumerate(reports.items()):
        fact = facts.get(name, {})
        rows.append({
            "iteration": iteration,
            "dice_usv": report.get("usv", {}).get("dice"),
            "dice_noise": report.get("noise", {}).get("dice"),
            "dice_all": report.get("all", {}).get("dice"),
            "mean_area": report.get("masks", {}).get("mean_area"),
            "erodible_before": fact.get("erodible_before"),
            "active": fact.get("active", True),
        })
    return pd.DataFrame(rows)
