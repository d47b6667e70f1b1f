"""The truth-free ranking: each term on hand-computed values, the queue order and the fix-share estimate."""

import numpy as np
import pytest

from usvmask.review.ranking import (
    area_outlier,
    disagreement,
    estimate_fix_share,
    likely_wrong,
    probability_entropy,
    queue_order,
)


def _masks(*areas: int) -> np.ndarray:
    """(N, 8, 8) masks whose first `area` pixels (row-major) are set."""
    out = np.zeros((len(areas), 8, 8), dtype=bool)
    for i, area in enumerate(areas):
        out[i].flat[:area] = True
    return out


def test_disagreement_is_one_minus_the_shared_dice():
    a, b = _masks(4, 0, 4), _masks(4, 0, 0)
    # identical: 0; both empty: 0 (smoothed Dice 100); 4 pixels vs none: 1 - (0 + 1) / (4 + 0 + 1) = 0.8
    assert disagreement(a, b) == pytest.approx([0.0, 0.0, 0.8])


def test_area_term_against_the_class_median():
    # class "a": areas 0, 15, 15 (median 15) -> |log2(1/16)| / 4 = 1, then 0, 0
    # class "b": areas 3, 7, 7 (median 7) -> |log2(4/8)| / 4 = 0.25, then 0, 0
    masks = _masks(0, 15, 15, 3, 7, 7)
    assert area_outlier(masks, ["a", "a", "a", "b", "b", "b"]) == pytest.approx([1, 0, 0, 0.25, 0, 0])


def test_area_term_saturates_for_a_noise_image_with_a_call():
    assert area_outlier(_masks(0, 0, 40), ["noise"] * 3) == pytest.approx([0, 0, 1])


def test_entropy_counts_only_pixels_above_the_floor():
    probs = np.zeros((3, 2, 2))
    probs[0] = 0.5  # 1 bit everywhere
    probs[1] = 0.05  # nothing above the floor: a confident rejection
    probs[2] = [[0.5, 0.5], [0.99, 0.99]]  # (1 + H(0.99)) / 2
    h99 = -(0.99 * np.log2(0.99) + 0.01 * np.log2(0.01))
    assert probability_entropy(probs) == pytest.approx([1.0, 0.0, (1 + h99) / 2])


def test_score_is_the_mean_of_the_terms_given():
    masks, other = _masks(0, 15, 15), _masks(4, 15, 15)
    only_area = likely_wrong(masks, ["a"] * 3)
    assert list(only_area.columns) == ["score", "area"]
    both = likely_wrong(masks, ["a"] * 3, other=other)
    assert list(both.columns) == ["score", "disagreement", "area"]
    assert both["score"].tolist() == pytest.approx([(1.0 + 0.8) / 2, 0.0, 0.0])
    probs = np.full(masks.shape, 0.5)
    assert likely_wrong(masks, ["a"] * 3, other=other, probs=probs)["score"][1] == pytest.approx(1 / 3)


def test_queue_puts_the_highest_score_first_and_keeps_index_order_on_ties():
    assert queue_order(np.array([0.1, 0.9, 0.5, 0.9])).tolist() == [1, 3, 2, 0]


def test_fix_share_extrapolates_each_band_from_the_nearest_reviewed_band():
    scores = np.arange(10, 0, -1, dtype=float)  # already in queue order; 5 bands of 2
    reviewed = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], bool)
    fixed = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0], bool)
    # band 0: 2/2 fixed, band 1: 1/2; bands 2-4 take band 1's rate: (3 + 6 * 0.5) / 10
    assert estimate_fix_share(scores, reviewed, fixed) == pytest.approx(0.6)


def test_fix_share_is_exact_when_everything_is_reviewed_and_unknown_before_any():
    scores = np.linspace(1, 0, 7)
    fixed = np.array([1, 0, 1, 0, 0, 0, 0], bool)
    assert estimate_fix_share(scores, np.ones(7, bool), fixed) == pytest.approx(2 / 7)
    assert estimate_fix_share(scores, np.zeros(7, bool), fixed) is None
