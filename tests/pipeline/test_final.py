"""Final-model training: registries, prior bias, train/val rows, a smoke run of every variant, the stage scripts."""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from usvmask.data import store
from usvmask.data.dataset import load_dataset
from usvmask.errors import UsvmaskError
from usvmask.pipeline.final import augmentation_figure, train_final
from usvmask.train.final import (
    PRESETS, VARIANTS, Preset, build_variant, get_variant, pixel_prior, resolve_preset, split_rows,
)
from usvmask.models import load_model
from usvmask.stage import run_stage

ROOT = Path(__file__).resolve().parents[2]
TINY = dict(preset="fast", width=0.25, input_size=32, unet={"base_channels": 4, "depth": 2}, max_epochs=1,
            batch_size=8, lr=1e-3, seed=0)


@pytest.fixture(scope="module")
def final_masks(tiny_prepared, tmp_path_factory) -> Path:
    """The tiny folder's truth used as the final masks (the file formats are the same)."""
    path = tmp_path_factory.mktemp("final") / "masks.zip"
    shutil.copy(tiny_prepared / "truth.zip", path)
    return path


def test_variant_and_preset_registries():
    assert list(VARIANTS) == ["unet", "squeakout_noaug", "squeakout"]
    assert [VARIANTS[v].augment for v in VARIANTS] == [False, False, True]
    assert PRESETS["fast"] == Preset(0.5, 128) and PRESETS["slow"] == Preset(1.0, 512)
    with pytest.raises(UsvmaskError, match="unet, squeakout_noaug, squeakout"):
        get_variant("segnet")


def test_resolve_preset_overrides_and_checks():
    assert resolve_preset("medium") == Preset(1.0, 256)
    assert resolve_preset("fast", input_size=96) == Preset(0.5, 96)
    assert resolve_preset("slow", width=0.75) == Preset(0.75, 512)
    with pytest.raises(UsvmaskError, match="preset: unknown 'turbo'; use one of fast, medium, slow"):
        resolve_preset("turbo")
    with pytest.raises(UsvmaskError, match="input_size: 100 is not a multiple of 32"):
        resolve_preset("fast", input_size=100)


def test_pixel_prior_is_the_call_fraction_clipped():
    masks = np.zeros((2, 2, 2), bool)
    masks[0, 0, :] = True  # 2 of 8 pixels
    assert pixel_prior(masks) == pytest.approx(0.25)
    assert pixel_prior(np.zeros((1, 4, 4), bool)) == pytest.approx(1e-4)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_prior_bias_sets_the_score_bias_to_the_logit(variant):
    model = build_variant(variant, Preset(0.25, 32), {"base_channels": 4, "depth": 2}, prior=0.02)
    assert model.head.score.bias.item() == pytest.approx(math.log(0.02 / 0.98), rel=1e-6)
    x = torch.rand(1, 1, 32, 32)
    plain = build_variant(variant, Preset(0.25, 32), {"base_channels": 4, "depth": 2})
    assert plain.head.score.bias.item() == 0.0 and model.eval()(x).shape == (1, 1, 32, 32)


def test_split_rows_empties_noise_targets(tiny_prepared):
    data = load_dataset(tiny_prepared)
    full = np.ones((len(data.names), 227, 227), bool)
    images, targets = split_rows(data, full, "train")
    kinds = data.table.loc[data.table["split"] == "train", "kind"].to_numpy()
    assert len(images) == len(targets) == len(kinds) and {"usv", "noise"} <= set(kinds)
    assert targets[kinds == "usv"].all() and not targets[kinds == "noise"].any()


@pytest.mark.parametrize("variant", ["unet", "squeakout_noaug"])
def test_train_final_smoke(variant, tiny_prepared, final_masks, tmp_path):
    out = tmp_path / f"{variant}.pt"
    facts = train_final(tiny_prepared, final_masks, out, variant=variant, threshold=0.4, **TINY)
    model, meta = load_model(out)
    assert meta["variant"] == variant and meta["input_size"] == 32 and meta["threshold"] == 0.4
    assert facts["epochs"] == 1 and 0.0 <= facts["val_dice_vs_masks"] <= 100.0
    assert 0.0 < facts["usv_pixel_prior"] < 0.2
    assert model(torch.rand(2, 1, 32, 32)).shape == (2, 1, 32, 32)


def test_train_final_is_deterministic(tiny_prepared, final_masks, tmp_path):
    for name in ("a", "b"):
        train_final(tiny_prepared, final_masks, tmp_path / f"{name}.pt", variant="unet", **TINY)
    a, b = (load_model(tmp_path / f"{name}.pt")[0].state_dict() for name in ("a", "b"))
    assert all(torch.equal(a[key], b[key]) for key in a)


def test_train_final_rejects_bad_threshold(tiny_prepared, final_masks, tmp_path):
    with pytest.raises(UsvmaskError, match="threshold: 1.5 is outside"):
        train_final(tiny_prepared, final_masks, tmp_path / "m.pt", variant="unet", threshold=1.5, **TINY)


def _stage_main(name: str):
    spec = importlib.util.spec_from_file_location(f"stage_{name}", ROOT / "stages" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_train_final_stage_with_augmentation(tiny_prepared, final_masks, tmp_path, monkeypatch):
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"train_final": {**TINY, "augment": {"p_affine": 1.0}, "prior_bias": True}}))
    args = ["--params", str(params), "--variant", "squeakout", "--data", str(tiny_prepared), "--masks",
            str(final_masks), "--model", str(tmp_path / "m.pt"), "--metrics", str(tmp_path / "m.json"),
            "--live", str(tmp_path / "live")]
    monkeypatch.setattr(sys, "argv", ["train_final.py", *args])
    run_stage(_stage_main("train_final"))
    assert json.loads((tmp_path / "m.json").read_text())["variant"] == "squeakout"
    assert load_model(tmp_path / "m.pt")[1]["variant"] == "squeakout"
    assert any((tmp_path / "live").rglob("*.tsv"))


def test_augmentation_figure_uses_a_training_usv(tiny_prepared, final_masks, tmp_path):
    facts = augmentation_figure(tiny_prepared, final_masks, tmp_path / "aug.png")
    data = load_dataset(tiny_prepared)
    row = data.table.set_index("name").loc[facts["example"]]
    assert row["split"] == "train" and row["kind"] == "usv"
    assert (tmp_path / "aug.png").read_bytes()[:4] == b"\x89PNG"


def test_augmentation_figure_needs_a_nonempty_training_mask(tiny_prepared, tmp_path):
    data = load_dataset(tiny_prepared)
    empty = tmp_path / "empty.zip"
    store.write_stack(empty, data.names, np.zeros((len(data.names), 227, 227), bool))
    with pytest.raises(UsvmaskError, match="no training USV has a non-empty mask"):
        augmentation_figure(tiny_prepared, empty, tmp_path / "aug.png")
