"""Metrics against hand-computed values."""


import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.evaluate.metrics import dice, dice_scores, mask_stats, pixel_accuracy, score_images, smoothed_dice, summarise


def _masks(*pixel_lists, shape=(2, 2)):
    stack = np.zeros((len(pixel_lists), *shape), bool)
    for index, pixels in enumerate(pixel_lists):
        for pixel in pixels:
            stack[(index, *pixel)] = True
    return stack


def test_dice_hand_computed():
    pred = _masks([(0, 0), (0, 1)], shape=(3, 3))[0]
    truth = _masks([(0, 1), (1, 1), (2, 2)], shape=(3, 3))[0]
    assert dice(pred, truth) == pytest.approx(100 * (2 + 1) / (5 + 1))  # 50
    assert dice(pred, truth, eps=0.5) == pytest.approx(100 * 2.5 / 5.5)


def test_dice_empty_cases():
    empty = np.zeros((4, 4), bool)
    full = np.ones((4, 4), bool)
    assert dice(empty, empty) == 100.0
    assert dice(empty, full) == pytest.approx(100 / 17)
    with pytest.raises(UsvmaskError, match="eps"):
        dice(empty, empty, eps=0)


def test_pixel_accuracy_hand_computed():
    truth = np.zeros((4, 4), bool)
    pred = truth.copy()
    pred[0, :2] = True
    assert pixel_accuracy(pred, truth) == 87.5
    with pytest.raises(UsvmaskError, match="shape"):
        pixel_accuracy(pred, np.zeros((3, 3), bool))


def _three_images():
    truths = _masks([(0, 0), (0, 1)], [(0, 0), (0, 1)], [])
    preds = _masks([(0, 0), (0, 1)], [(0, 0)], [(1, 1)])
    return preds, truths, ["usv", "usv", "noise"]


def test_score_images_rows():
    preds, truths, _ = _three_images()
    scores = score_images(preds, truths)
    assert list(scores.columns) == ["dice", "accuracy"]
    np.testing.assert_allclose(scores["dice"], [100, 75, 50])
    np.testing.assert_allclose(scores["accuracy"], [100, 75, 75])


def test_summarise_hand_computed():
    summary = summarise(*_three_images())
    assert summary["usv"] == {"n": 2, "dice": 87.5, "dice_sem": 12.5, "accuracy": 87.5, "accuracy_sem": 12.5}
    assert summary["noise"] == {"n": 1, "dice": 50.0, "dice_sem": 0.0, "accuracy": 75.0, "accuracy_sem": 0.0}
    # all: dice [100, 75, 50] -> sd 25, sem 25/sqrt(3); accuracy [100, 75, 75]
    assert summary["all"]["dice"] == 75.0
    assert summary["all"]["dice_sem"] == round(25 / np.sqrt(3), 4)
    assert summary["all"]["accuracy"] == 83.3333
    assert summary["all"]["accuracy_sem"] == 8.3333


def test_summarise_null_model():
    null = summarise(*_three_images())["null"]
    # usv: empty vs 2 pixels -> dice 100/3, accuracy 50; noise: empty vs empty -> 100, 100
    assert null["usv"] == {"n": 2, "dice": 33.3333, "dice_sem": 0.0, "accuracy": 50.0, "accuracy_sem": 0.0}
    assert null["noise"]["dice"] == 100.0 and null["noise"]["accuracy"] == 100.0
    assert null["all"]["dice"] == round((200 / 3 + 100) / 3, 4)
    assert null["all"]["accuracy_sem"] == 16.6667


def test_summarise_sem_of_one_two_three():
    truths = np.zeros((3, 10, 10), bool)
    preds = truths.copy()
    for index in range(3):
        preds[index].flat[: index + 1] = True  # accuracy 99, 98, 97
    summary = summarise(preds, truths, ["noise"] * 3)
    assert summary["noise"]["accuracy"] == 98.0
    assert summary["noise"]["accuracy_sem"] == round(1 / np.sqrt(3), 4)
    assert "usv" not in summary and "usv" not in summary["null"]


def test_summarise_rejects_bad_kinds():
    preds, truths, _ = _three_images()
    with pytest.raises(UsvmaskError, match="unknown labels"):
        summarise(preds, truths, ["usv", "call", "noise"])
    with pytest.raises(UsvmaskError, match="one label per image"):
        summarise(preds, truths, ["usv"])


def test_mask_stats_hand_computed():
    masks = _masks([], [(0, 0), (1, 1), (2, 2)], [(0, 0), (0, 1), (0, 2)], shape=(3, 3))
    stats = mask_stats(masks)
    assert stats == {"n": 3, "mean_area": 2.0, "empty_fraction": 0.3333, "mean_components": 1.3333}
    by_kind = mask_stats(masks, ["noise", "usv", "noise"])
    assert by_kind["usv_mean_area"] == 3.0 and by_kind["noise_empty_fraction"] == 0.5


def test_one_dice_formula_for_arrays_and_tensors():
    import torch

    assert smoothed_dice(1, 2, 1) == pytest.approx(75.0)  # 100·(2·1 + 1)/(2 + 1 + 1)
    assert smoothed_dice(torch.tensor([1.0, 0.0]), torch.tensor([2.0, 0.0]), torch.tensor([1.0, 0.0])).tolist() == [75.0, 100.0]
    preds = _masks([(0, 0), (0, 1)], [], shape=(2, 2))
    truths = _masks([(0, 1)], [(1, 1)], shape=(2, 2))
    np.testing.assert_allclose(dice_scores(preds, truths), [75.0, 50.0])  # image 1: 100·1/(0 + 1 + 1)
    assert dice(preds[0], truths[0]) == dice_scores(preds, truths)[0]
