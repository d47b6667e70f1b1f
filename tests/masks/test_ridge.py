"""Ridge trim against hand-computed values."""

import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.masks.ridge import trim_to_ridge


def column(values):
    return np.array(values, dtype=np.uint8)[:, None]


def test_keeps_pixels_near_the_brightest_in_the_column():
    image = column([10, 200, 180, 100, 0])
    mask = np.ones_like(image, dtype=bool)
    kept = trim_to_ridge(image, mask, rows=7, drop_grey=30)
    assert kept[:, 0].tolist() == [False, True, True, False, False]  # >= 200 - 30


def test_a_separate_fainter_ridge_is_kept():
    # rows=1: each pixel compares with its neighbours only; the ridge at rows 4-5 (120) is far from the one at 0 (200)
    image = column([200, 50, 0, 0, 120, 110])
    kept = trim_to_ridge(image, np.ones_like(image, dtype=bool), rows=1, drop_grey=30)
    assert kept[:, 0].tolist() == [True, False, False, False, True, True]


def test_unmasked_pixels_are_neither_kept_nor_the_ridge():
    image = column([250, 100, 90, 60])
    mask = column([0, 1, 1, 1]).astype(bool)
    kept = trim_to_ridge(image, mask, rows=7, drop_grey=15)
    assert kept[:, 0].tolist() == [False, True, True, False]  # ridge is 100 (masked), not 250


def test_columns_are_independent_and_stacks_work():
    image = np.array([[[200, 40], [150, 30]], [[0, 0], [0, 0]]], dtype=np.uint8)
    mask = np.ones_like(image, dtype=bool)
    kept = trim_to_ridge(image, mask, rows=3, drop_grey=20)
    assert kept[0].tolist() == [[True, True], [False, True]]  # column 1: 30 >= 40 - 20
    assert kept[1].all()  # flat image: every pixel equals its ridge


def test_cols_trims_each_row_to_the_call_after_the_column_trim():
    # one row, a call of 200-190 with a fading tail (150, 170) and a faint onset (160); cols=2 compares with the
    # brightest within two columns: the 170 sits next to 200 and stays, 150 is three columns from 190 and goes
    image = np.array([[160, 200, 190, 200, 170, 150]], dtype=np.uint8)
    mask = np.ones_like(image, dtype=bool)
    assert trim_to_ridge(image, mask, rows=0, drop_grey=30).all()  # a one-row image: the column trim keeps all
    kept = trim_to_ridge(image, mask, rows=0, drop_grey=30, cols=2)
    assert kept[0].tolist() == [False, True, True, True, True, False]  # 160 < 200 - 30; 150 < 190 - 30, 170 >= 170


def test_cols_sees_the_column_trimmed_mask():
    # the column trim drops the 200 (255 above it); in row 1 the 150 is then its row's brightest and stays, where a
    # row trim of the untrimmed mask would compare it with the 200 and drop it
    image = np.array([[255, 0], [200, 150]], dtype=np.uint8)
    mask = np.array([[True, False], [True, True]])
    kept = trim_to_ridge(image, mask, rows=1, drop_grey=30, cols=1)
    assert kept.tolist() == [[True, False], [False, True]]


def test_off_returns_an_unchanged_copy():
    mask = np.array([[True, False]])
    out = trim_to_ridge(np.zeros((1, 2), np.uint8), mask, drop_grey=None)
    assert out.tolist() == mask.tolist() and out is not mask


@pytest.mark.parametrize("kwargs, word", [
    ({"rows": -1}, "ridge_rows"), ({"rows": True}, "ridge_rows"), ({"drop_grey": 300}, "ridge_grey"),
    ({"drop_grey": "30"}, "ridge_grey"), ({"cols": -2}, "ridge_cols"), ({"cols": 1.5}, "ridge_cols"),
])
def test_bad_settings_name_the_key(kwargs, word):
    with pytest.raises(UsvmaskError, match=word):
        trim_to_ridge(np.zeros((2, 2), np.uint8), np.ones((2, 2), bool), **kwargs)


def test_shape_mismatch_is_an_error():
    with pytest.raises(UsvmaskError, match="one .* shape"):
        trim_to_ridge(np.zeros((2, 2), np.uint8), np.ones((2, 3), bool))
