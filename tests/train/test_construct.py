"""Construction on arrays: USV mixing, the truth-free retention check, enhancement, a fine-tuning smoke run."""

import numpy as np
import pandas as pd
import pytest
import torch

from usvmask.data.dataset import Dataset
from usvmask.errors import UsvmaskError
from usvmask.infer.predictor import Predictor
from usvmask.models import build_model
from usvmask.train.construct import enhance_masks, finetune_model, mix_in_usv, noise_targets_empty, usv_retention


def arrays(n_train: int, n_val: int, value: int) -> dict:
    return {"train_images": np.full((n_train, 4, 4), value, np.uint8), "train_targets": np.zeros((n_train, 4, 4), bool),
            "val_images": np.full((n_val, 4, 4), value, np.uint8), "val_targets": np.zeros((n_val, 4, 4), bool)}


def test_mix_in_usv_adds_round_fraction_per_split():
    noise, usv = arrays(4, 2, 0), arrays(10, 3, 200)
    mixed = mix_in_usv(noise, usv, 0.5, seed=0)
    assert len(mixed["train_images"]) == 4 + 2 and len(mixed["val_images"]) == 2 + 1  # round(0.5·4), round(0.5·2)
    assert (mixed["train_images"][:4] == 0).all() and (mixed["train_images"][4:] == 200).all()
    assert len(mix_in_usv(noise, usv, 10.0, seed=0)["val_images"]) == 2 + 3  # never more USVs than there are


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(0)
    kinds = ["usv"] * 6 + ["noise"] * 4
    splits = ["train", "train", "train", "val", "val", "test", "train", "train", "val", "test"]
    table = pd.DataFrame({"name": [f"i{k}" for k in range(10)], "label": kinds, "kind": kinds, "split": splits})
    images = rng.integers(0, 60, (10, 32, 32), dtype=np.uint8)
    masks = np.zeros((10, 32, 32), bool)
    for i in range(6):
        masks[i, 10:20, 4 + i : 14 + i] = True
        images[i][masks[i]] = 230
    return Dataset(table, images), masks


def test_usv_retention_is_dice_and_area_ratio_on_val_usvs(tiny, monkeypatch):
    data, masks = tiny
    predicted = masks[[3, 4]].copy()
    predicted[1] = False  # the model keeps val USV 3 exactly and loses val USV 4
    monkeypatch.setattr("usvmask.train.construct.enhance_masks", lambda *a, **k: predicted)
    facts = usv_retention(None, data, masks, 32)
    assert facts["usv_val_dice_vs_current"] == pytest.approx((100.0 + 100.0 / 101) / 2, abs=1e-3)
    assert facts["usv_val_area_ratio"] == 0.5


def test_enhance_masks_is_the_one_prediction_path(tiny):
    data, _ = tiny
    torch.manual_seed(0)
    model = build_model("unet", base_channels=4, depth=2).eval()
    masks = enhance_masks(model, data.images, input_size=16, threshold=0.4, batch_size=3)
    expected = Predictor(model, input_size=16, backend="eager", device="cpu").predict_proba(data.images) > 0.4
    assert masks.shape == data.images.shape and np.array_equal(masks, expected)


def test_finetune_smoke_learns_from_the_current_masks(tiny):
    data, masks = tiny
    torch.manual_seed(0)
    model = build_model("unet", base_channels=4, depth=2)
    result, facts = finetune_model(model, data, masks, kinds=("usv",), input_size=32, max_epochs=2, lr=1e-2,
                                   batch_size=3)
    assert result.epochs_run == 2 and facts["epochs"] == 2
    assert {"val_dice_vs_current", "usv_val_dice_vs_current", "usv_val_area_ratio", "best_epoch"} <= set(facts)
    with pytest.raises(UsvmaskError, match="mix_usv_fraction"):
        finetune_model(model, data, masks, kinds=("noise",), input_size=32, max_epochs=1, mix_usv_fraction=11)


def test_noise_targets_are_empty_whatever_the_current_masks_hold():
    masks = np.ones((3, 2, 2), bool)
    targets = noise_targets_empty(masks, np.array(["usv", "noise", "usv"]))
    assert targets[[0, 2]].all() and not targets[1].any() and masks.all()  # the input is not changed


def test_noise_finetuning_trains_on_empty_targets(tiny, monkeypatch):
    data, masks = tiny
    masks = masks.copy()
    masks[6:] = True  # VocalMat-style masks on noise spectrograms
    seen = {}

    def fake_train(model, **arrays):
        seen.update(arrays)
        raise RuntimeError("stop")

    monkeypatch.setattr("usvmask.train.construct.train_model", fake_train)
    with pytest.raises(RuntimeError, match="stop"):
        finetune_model(build_model("unet", base_channels=4, depth=2), data, masks, kinds=("noise",), input_size=32,
                       max_epochs=1)
    assert len(seen["train_targets"]) == 2 and not seen["train_targets"].any() and not seen["val_targets"].any()


def test_enhance_drops_components_of_at_most_min_area(tiny, monkeypatch):
    data, _ = tiny
    predicted = np.zeros((1, 8, 8), bool)
    predicted[0, 0, 0:3] = True  # 3 pixels: dropped at min_area 3
    predicted[0, 5:7, 5:7] = True  # 4 pixels: kept
    monkeypatch.setattr(Predictor, "predict_masks", lambda self, images, threshold: predicted)
    model = build_model("unet", base_channels=4, depth=2)
    out = enhance_masks(model, data.images[:1, :8, :8], input_size=16, min_area=3)
    assert out.sum() == 4 and out[0, 5:7, 5:7].all()
    assert np.array_equal(enhance_masks(model, data.images[:1, :8, :8], input_size=16), predicted)
    with pytest.raises(UsvmaskError, match="min_area"):
        enhance_masks(model, data.images[:1], input_size=16, min_area=-1)


def test_usv_spectrograms_with_empty_current_masks_are_left_out(tiny, monkeypatch):
    data, masks = tiny
    masks = masks.copy()
    masks[0] = False  # train USV 0: VocalMat missed its call
    seen = {}

    def fake_train(model, **arrays):
        seen.update(arrays)
        raise RuntimeError("stop")

    monkeypatch.setattr("usvmask.train.construct.train_model", fake_train)
    model = build_model("unet", base_channels=4, depth=2)
    for skip, n_train in ((True, 2), (False, 3)):  # train USVs are rows 0, 1, 2
        with pytest.raises(RuntimeError, match="stop"):
            finetune_model(model, data, masks, kinds=("usv",), input_size=32, max_epochs=1, skip_empty_usv=skip)
        assert len(seen["train_targets"]) == n_train
    assert seen["train_targets"].any(axis=(1, 2)).sum() == 2


def test_enhance_trims_to_the_ridge_before_the_area_filter(monkeypatch):
    image = np.zeros((1, 6, 2), np.uint8)
    image[0, :, 0] = [0, 200, 190, 120, 110, 0]  # column 0: ridge 200; 120 and 110 are more than 30 below it
    image[0, :, 1] = 60  # column 1: flat, every masked pixel equals its ridge
    predicted = np.zeros((1, 6, 2), bool)
    predicted[0, 1:5, :] = True
    monkeypatch.setattr(Predictor, "predict_masks", lambda self, images, threshold: predicted)
    model = build_model("unet", base_channels=4, depth=2)
    out = enhance_masks(model, image, input_size=16, ridge_rows=7, ridge_grey=30)
    assert out[0, :, 0].tolist() == [False, True, True, False, False, False] and out[0, 1:5, 1].all()
    # along time too: in rows 1-2 column 1's 60 is far below 200/190 and goes; rows 3-4 keep it (column 0 is gone)
    both = enhance_masks(model, image, input_size=16, ridge_rows=7, ridge_grey=30, ridge_cols=1)
    assert both[0].tolist() == [[False, False], [True, False], [True, False], [False, True], [False, True],
                                [False, False]]
    # the area filter sees the trimmed mask: 6 pixels left, so min_area 6 drops them all
    assert not enhance_masks(model, image, input_size=16, ridge_grey=30, min_area=6).any()
    with pytest.raises(UsvmaskError, match="ridge_grey"):
        enhance_masks(model, image, input_size=16, ridge_grey=-1)
    with pytest.raises(UsvmaskError, match="ridge_cols"):
        enhance_masks(model, image, input_size=16, ridge_grey=30, ridge_cols=-1)


def test_enhance_clears_stationary_tones_before_the_ridge_trim(monkeypatch):
    image = np.full((1, 6, 10), 50, np.uint8)
    image[0, 1, :] = 120  # a tone: 70 over the median in every column
    image[0, 4, 3:6] = 200  # a short call: bright, in 3 columns only
    predicted = np.zeros((1, 6, 10), bool)
    predicted[0, 1, :] = predicted[0, 4, 3:6] = True
    monkeypatch.setattr(Predictor, "predict_masks", lambda self, images, threshold: predicted)
    model = build_model("unet", base_channels=4, depth=2)
    kept = enhance_masks(model, image, input_size=16)
    assert kept[0, 1].all() and kept[0, 4, 3:6].all()  # tone_grey None: masks as predicted
    ridge_only = enhance_masks(model, image, input_size=16, ridge_grey=30, ridge_rows=7)
    # the ridge trim alone drops the tone only where the call is brighter in its column (columns 3-5)
    assert ridge_only[0, 1].tolist() == [True] * 3 + [False] * 3 + [True] * 4 and ridge_only[0, 4, 3:6].all()
    out = enhance_masks(model, image, input_size=16, tone_grey=20, tone_pad_rows=0, ridge_grey=30, ridge_rows=7)
    assert not out[0, 1].any() and out[0, 4, 3:6].all() and out.sum() == 3
    with pytest.raises(UsvmaskError, match="tone_cover"):
        enhance_masks(model, image, input_size=16, tone_grey=20, tone_cover=2.0)
