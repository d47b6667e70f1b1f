"""Stationary tones against hand-computed values."""

import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.masks.tones import check_tones, clear_tones, tone_rows


def image_with_lines() -> np.ndarray:
    """6 x 10 grey image, background 50 (the median): row 2 is 80 in every column, row 4 is 90 in 9 of 10."""
    image = np.full((1, 6, 10), 50, np.uint8)
    image[0, 2, :] = 80
    image[0, 4, :9] = 90
    return image


def test_rows_bright_in_enough_columns_are_tones():
    image = image_with_lines()
    # cover 0.9: row 4's 10 % quantile over columns is 50 + 0.9 * 40 = 86, 36 over the median; row 2 is 30 over
    assert tone_rows(image, grey=20, cover=0.9)[0].tolist() == [False, False, True, False, True, False]
    # cover 1.0: row 4's minimum is the background (0 over the median); row 2 is still 30 over
    assert tone_rows(image, grey=20, cover=1.0)[0].tolist() == [False, False, True, False, False, False]
    # grey 31: row 2 (30 over) is not bright enough, row 4 (36) is
    assert tone_rows(image, grey=31, cover=0.9)[0].tolist() == [False, False, False, False, True, False]


def test_a_short_call_in_a_row_is_not_a_tone():
    image = np.full((1, 4, 20), 40, np.uint8)
    image[0, 1, 5:15] = 250  # half the columns: a call, however bright
    assert not tone_rows(image, grey=20, cover=0.9).any()


def test_clear_tones_removes_the_tone_rows_and_their_padding_only():
    image = image_with_lines()
    masks = np.ones((1, 6, 10), bool)
    cleared = clear_tones(masks, image, grey=20, cover=1.0, pad_rows=1)  # row 2 is the tone; rows 1-3 go
    assert cleared[0].all(axis=1).tolist() == [True, False, False, False, True, True]
    assert not cleared[0, 1:4].any()
    unpadded = clear_tones(masks, image, grey=20, cover=1.0, pad_rows=0)
    assert unpadded[0].any(axis=1).tolist() == [True, True, False, True, True, True]


@pytest.mark.parametrize(("settings", "key"), [
    ({"grey": 0, "cover": 0.9, "pad_rows": 1}, "tone_grey"),
    ({"grey": True, "cover": 0.9, "pad_rows": 1}, "tone_grey"),
    ({"grey": 20, "cover": 0.4, "pad_rows": 1}, "tone_cover"),
    ({"grey": 20, "cover": 0.9, "pad_rows": -1}, "tone_pad_rows"),
    ({"grey": 20, "cover": 0.9, "pad_rows": 1.5}, "tone_pad_rows"),
])
def test_settings_outside_their_range_are_one_line_errors(settings, key):
    with pytest.raises(UsvmaskError, match=key):
        check_tones(**settings)
    check_tones(None, 0.9, 1)  # null grey: tones kept, no error


def test_shapes_must_match():
    with pytest.raises(UsvmaskError, match="one shape"):
        clear_tones(np.ones((1, 6, 9), bool), image_with_lines(), grey=20)
