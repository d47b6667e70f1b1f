"""Table 1: scores of hand-made mask sets, the markdown table, and the evaluate stage on the tiny folder."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from usvmask.data import store
from usvmask.errors import UsvmaskError
from usvmask.pipeline.evaluation import ROW_TITLES, SPEED_KEY, evaluate, load_test_split, score_rows, table_markdown
from usvmask.evaluate.metrics import summarise
from usvmask.models import build_model, save_model
from usvmask.stage import run_stage

from helpers import card

ROOT = Path(__file__).resolve().parents[2]
MODEL_ROWS = ("unet", "squeakout_noaug", "squeakout")


def test_perfect_row_scores_100_and_null_row_matches_summarise():
    truth = np.zeros((3, 4, 4), bool)
    truth[0, 1:3, 1:3] = True  # a 4-pixel call
    truth[1, 0, :] = True  # a 4-pixel call
    kinds = ["usv", "usv", "noise"]
    wrong = np.zeros_like(truth)
    wrong[0, 0, 0] = True  # call 0 missed, one false pixel
    rows = score_rows({"perfect": truth, "wrong": wrong}, truth, kinds)
    assert list(rows) == ["null", "perfect", "wrong"]
    for name in ("usv", "noise", "all"):
        assert rows["perfect"][name]["dice"] == 100.0 and rows["perfect"][name]["accuracy"] == 100.0
    assert rows["null"] == summarise(truth, truth, kinds)["null"]
    # null on the usv set: Dice (0 + 1) / (0 + 4 + 1) = 20 for both calls; accuracy 12/16 = 75 %.
    assert rows["null"]["usv"]["dice"] == pytest.approx(20.0) and rows["null"]["usv"]["accuracy"] == 75.0
    # wrong, image 0: Dice 1 / (1 + 4 + 1) = 16.667; accuracy 11/16. Image 1 empty vs 4 pixels: 20, 12/16.
    assert rows["wrong"]["usv"]["dice"] == pytest.approx((100 / 6 + 20) / 2, abs=1e-4)


def test_table_markdown_lists_every_row_with_sem_and_speed():
    scores = {"n": 2, "dice": 90.0, "dice_sem": 1.5, "accuracy": 99.0, "accuracy_sem": 0.25}
    rows = {name: {"usv": scores, "noise": scores, "all": scores} for name in ROW_TITLES}
    rows["squeakout"][SPEED_KEY] = 123.456
    table = table_markdown(rows)
    lines = table.strip().splitlines()
    assert len(lines) == 2 + len(ROW_TITLES)
    for title in ROW_TITLES.values():
        assert any(line.startswith(f"| {title} |") for line in lines)
    assert "90.00 ± 1.50" in lines[2] and "99.00 ± 0.25" in lines[2]
    assert lines[-1].endswith("| 123.5 |") and lines[2].endswith("| – |")


def _tiny_models(folder: Path) -> dict[str, Path]:
    models = {}
    for name in MODEL_ROWS:
        model = build_model("unet", base_channels=2, depth=1)
        models[name] = folder / f"{name}.pt"
        save_model(model, models[name], meta=card(32, variant=name))
    return models


def _stage_main(name: str):
    spec = importlib.util.spec_from_file_location(f"stage_{name}", ROOT / "stages" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_evaluate_stage_writes_table_metrics_and_figure(tiny_prepared, tmp_path, monkeypatch):
    models = _tiny_models(tmp_path)
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"evaluate": {"batch_size": 4, "backend": "eager", "cpu_threads": 1}}))
    shutil.copy(tiny_prepared / "truth.zip", tmp_path / "vocalmat.zip")  # a perfect "VocalMat" row
    args = ["--params", str(params), "--data", str(tiny_prepared), "--vocalmat", str(tmp_path / "vocalmat.zip"),
            "--models", *[f"{k}={v}" for k, v in models.items()], "--table", str(tmp_path / "t.md"),
            "--metrics", str(tmp_path / "m.json"), "--figure", str(tmp_path / "f.png")]
    monkeypatch.setattr(sys, "argv", ["evaluate.py", *args])
    run_stage(_stage_main("evaluate"))
    table = (tmp_path / "t.md").read_text()
    assert all(f"| {title} |" in table for title in ROW_TITLES.values())
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert list(metrics) == sorted(ROW_TITLES)  # written with sorted keys
    assert metrics["vocalmat"]["all"]["dice"] == 100.0 and metrics["vocalmat"]["usv"]["n"] == 4
    assert metrics["null"]["noise"]["dice"] == 100.0 and metrics["null"]["noise"]["n"] == 2
    assert all(metrics[name][SPEED_KEY] > 0 for name in MODEL_ROWS) and SPEED_KEY not in metrics["null"]
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_evaluate_checks_figure_model_and_truth(tiny_prepared, tmp_path):
    models = _tiny_models(tmp_path)
    with pytest.raises(UsvmaskError, match="figure_model: 'segnet' is not among the models"):
        evaluate(tiny_prepared, tiny_prepared / "truth.zip", models, tmp_path / "t.md", tmp_path / "m.json",
                 tmp_path / "f.png", figure_model="segnet")
    no_truth = tmp_path / "no_truth"
    shutil.copytree(tiny_prepared, no_truth)
    table = store.read_table(no_truth / "index.csv").assign(has_truth=False)
    store.write_table(no_truth / "index.csv", table)
    with pytest.raises(UsvmaskError, match="has no truth masks"):
        load_test_split(no_truth)
