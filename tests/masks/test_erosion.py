import numpy as np
import pytest

from usvmask.masks.erosion import ring_contrast, count_erodible, erodible, erode_masks
from usvmask.errors import UsvmaskError


def _square(size: int, top: int = 5, left: int = 5, shape=(20, 20)) -> np.ndarray:
    m = np.zeros(shape, dtype=bool)
    m[top : top + size, left : left + size] = True
    return m


def test_10x10_square_becomes_7x9_with_anchor_2_1():
    # Square on rows 5..14, cols 5..14. Kernel 4x2 anchored at (2, 1): pixel (r, c) survives iff rows r-2..r+1 and
    # cols c-1..c are inside the square, so rows 7..13 (7 rows) and cols 6..14 (9 cols) remain.
    out, n = erode_masks(_square(10)[None])
    expected = np.zeros((20, 20), dtype=bool)
    expected[7:14, 6:15] = True
    assert n == 1
    np.testing.assert_array_equal(out[0], expected)


def test_small_square_untouched_and_input_not_modified():
    masks = _square(3)[None]
    before = masks.copy()
    out, n = erode_masks(masks)
    assert n == 0
    np.testing.assert_array_equal(out, before)
    np.testing.assert_array_equal(masks, before)


def test_two_dimensional_input_keeps_shape():
    out, n = erode_masks(_square(10))
    assert out.shape == (20, 20) and n == 1 and out.sum() == 63


def _crafted() -> np.ndarray:
    """Five segments: 10x10 square, 3x3 square, 2x20 bar, 8x4 block (area 32) and 16x8 block touching a 3x3 one."""
    m = np.zeros((40, 60), dtype=bool)
    m[0:10, 0:10] = True  # area 100, bbox 10x10
    m[20:23, 0:3] = True  # area 9
    m[30:32, 10:30] = True  # area 40, bbox 2x20
    m[0:8, 20:24] = True  # area 32, bbox 8x4
    m[12:28, 40:48] = True  # area 128, bbox 16x8
    m[28:31, 48:51] = True  # touches the 16x8 block diagonally: 8-connected, one segment of area 137, bbox 19x11
    return m


def test_count_area_rule_on_crafted_image():
    # area >= 4*4*2 = 32: the 10x10, the bar (40), the 8x4 block (32) and the joined blocks (137); not the 3x3.
    assert count_erodible(_crafted()[None], rule="area") == 4


def test_count_axes_rule_on_crafted_image():
    # height >= 16 and width >= 8: only the joined blocks (bbox 19x11).
    assert count_erodible(_crafted()[None], rule="axes") == 1


def test_axes_rule_erodes_only_large_segment():
    m = _crafted()
    out, n = erode_masks(m[None], rule="axes")
    assert n == 1
    untouched = np.ones_like(m)
    untouched[10:32, 38:52] = False
    np.testing.assert_array_equal(out[0] & untouched, m & untouched)
    assert out[0].sum() < m.sum()


def test_area_rule_thin_bar_vanishes_and_counts_add_over_stack():
    m = _crafted()
    out, n = erode_masks(np.stack([m, m]), rule="area")
    assert n == 8
    assert not out[:, 30:32, 10:30].any()  # a 2-row bar cannot hold a 4-row kernel
    np.testing.assert_array_equal(out[:, 20:23, 0:3], True)  # 3x3 kept
    np.testing.assert_array_equal(out[0], out[1])


def test_repeat_until_nothing_erodible_terminates():
    masks = _square(12)[None]
    for _ in range(10):
        if count_erodible(masks) == 0:
            break
        masks, _ = erode_masks(masks)
    assert count_erodible(masks) == 0
    assert 0 < masks.sum() < 32


@pytest.mark.parametrize(
    ("area", "bbox", "rule", "expected"),
    [
        (32, (4, 8), "area", True),
        (31, (31, 31), "area", False),
        (1000, (16, 8), "axes", True),
        (1000, (15, 80), "axes", False),
        (1000, (80, 7), "axes", False),
    ],
)
def test_erodible_thresholds(area, bbox, rule, expected):
    assert erodible(area, bbox, rule=rule) is expected


def test_erodible_factor_and_kernel():
    assert erodible(6, (3, 2), kernel=(3, 2), factor=1)
    assert not erodible(5, (3, 2), kernel=(3, 2), factor=1)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"kernel": (4,)}, "kernel"),
        ({"kernel": (0, 2)}, "kernel"),
        ({"kernel": 4}, "kernel"),
        ({"factor": 0}, "factor"),
        ({"factor": "4"}, "factor"),
        ({"rule": "perimeter"}, "rule"),
    ],
)
def test_invalid_arguments_name_the_key(kwargs, key):
    with pytest.raises(UsvmaskError, match=rf"^{key}:"):
        erode_masks(_square(10)[None], **kwargs)
    with pytest.raises(UsvmaskError, match=rf"^{key}:"):
        count_erodible(_square(10)[None], **kwargs)


def test_alternating_anchors_keep_repeated_erosion_centred():
    # rows 5–14 (centre 9.5): default anchor (2, 1) → rows 7–13 (centre 10); shifted anchor (1, 0) → rows 6–12 (9)
    mask = np.zeros((30, 30), bool)
    mask[5:15, 5:15] = True
    default, _ = erode_masks(mask, kernel=(4, 2), factor=1)
    shifted, _ = erode_masks(mask, kernel=(4, 2), factor=1, shifted_anchor=True)
    rows_d, cols_d = np.nonzero(default)
    rows_s, cols_s = np.nonzero(shifted)
    assert (rows_d.min(), rows_d.max(), cols_d.min(), cols_d.max()) == (7, 13, 6, 14)
    assert (rows_s.min(), rows_s.max(), cols_s.min(), cols_s.max()) == (6, 12, 5, 13)
    twice, _ = erode_masks(default, kernel=(4, 2), factor=1, shifted_anchor=True)
    rows, cols = np.nonzero(twice)
    assert rows.mean() == 9.5 and cols.mean() == 9.5


def test_ring_contrast_hand_values():
    # background 10; kept row 110 (100 above); the removed row 60 (50 above) → 0.5
    image = np.full((1, 12, 12), 10.0)
    image[0, 5:7, 2:9] = 110
    image[0, 4, 2:9] = 60
    before = np.zeros((1, 12, 12), bool)
    before[0, 4:7, 2:9] = True
    after = before.copy()
    after[0, 4] = False
    assert ring_contrast(image, before, after) == pytest.approx(0.5)
    # removing background-grey pixels scores 0, removing pixels as bright as the kept ones scores 1
    image[0, 4, 2:9] = 10
    assert ring_contrast(image, before, after) == pytest.approx(0.0)
    image[0, 4, 2:9] = 110
    assert ring_contrast(image, before, after) == pytest.approx(1.0)
    assert np.isnan(ring_contrast(image, before, before))  # nothing removed


def test_ring_contrast_uses_each_images_own_background():
    # the same call on two backgrounds (10 and 100): per-image levels keep the ratio at 0.5
    image = np.full((2, 12, 12), 10.0)
    image[1] = 100.0
    image[:, 5:7, 2:9] += 100
    image[:, 4, 2:9] += 50
    before = np.zeros((2, 12, 12), bool)
    before[:, 4:7, 2:9] = True
    after = before.copy()
    after[:, 4] = False
    assert ring_contrast(image, before, after) == pytest.approx(0.5)
    with pytest.raises(UsvmaskError, match="one shape"):
        ring_contrast(image[:1], before, after)
