"""Stages `score@<masks>` and `erosion_summary`: a mask set against truth, and Dice per construction iteration.

With `usvmask.pipeline.evaluation`, `segment_eval` and the simulated expert, the only code that reads truth. No
torch or Lightning is imported here, so a score stage starts in about a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from usvmask.data import store
from usvmask.data.dataset import load_dataset, load_masks
from usvmask.errors import UsvmaskError
from usvmask.evaluate.figures import choose_examples, examples_figure
from usvmask.evaluate.metrics import dice_scores, mask_stats, summarise


def score_masks(
    data_dir: str | Path, masks_file: str | Path, report_file: str | Path, figure_file: str | Path, *,
    title: str, n_usv_examples: int = 4, n_noise_examples: int = 2, seed: int = 0,
) -> dict[str, Any]:
    """Dice/accuracy per set (usv, noise, all; whole dataset and test split) plus mask stats; example figure."""
    data = load_dataset(data_dir, with_truth=True)
    masks = load_masks(masks_file, data.names)
    kinds = list(data.table["kind"])
    report: dict[str, Any] = {"masks": mask_stats(masks, kinds)}
    scores = None
    if data.truth is not None:
        report.update(summarise(masks, data.truth, kinds))
        test = (data.table["split"] == "test").to_numpy()
        if test.any():
            report["test"] = summarise(masks[test], data.truth[test], [k for k, t in zip(kinds, test) if t])
        scores = dice_scores(masks, data.truth)
    picks = choose_examples(kinds, n_usv=n_usv_examples, n_noise=n_noise_examples, seed=seed)
    examples_figure(
        data.images[picks], None if data.truth is None else data.truth[picks], masks[picks],
        [data.names[i] for i in picks], figure_file, title=title,
        scores=None if scores is None else scores[picks],
    )
    store.write_json(report_file, report)
    return report


def erosion_table(scores: Sequence[dict], facts: Sequence[dict]) -> pd.DataFrame:
    """One row per construction iteration: `scores[0]` is the first enhancement (iteration 0), `scores[k]` and
    `facts[k - 1]` belong to erosion iteration k. Dice per set, mean area, erodible segments, active or why not."""
    if len(scores) != len(facts) + 1:
        raise UsvmaskError(f"erosion summary: {len(scores)} score reports for {len(facts)} iterations; give one "
                           "more score report (iteration 0) than iteration facts")
    rows = []
    for iteration, report in enumerate(scores):
        fact = facts[iteration - 1] if iteration else {}
        rows.append({
            "iteration": iteration,
            "dice_usv": report.get("usv", {}).get("dice"),
            "dice_noise": report.get("noise", {}).get("dice"),
            "dice_all": report.get("all", {}).get("dice"),
            "mean_area": report.get("masks", {}).get("mean_area"),
            "erodible_before": fact.get("erodible_before"),
            "active": fact.get("active", True),
            "reason": fact.get("reason", "enhanced"),
        })
    return pd.DataFrame(rows)


def erosion_summary(score_files: Sequence[str | Path], fact_files: Sequence[str | Path],
                    table_out: str | Path) -> dict[str, Any]:
    """Write `erosion_table` of the given reports (iteration order) as a CSV that `dvc plots` draws."""
    table = erosion_table([store.read_json(p) for p in score_files], [store.read_json(p) for p in fact_files])
    store.write_table(table_out, table)
    return {"iterations": int(table["active"].sum()) - 1}
