"""VocalMat segmentation: MATLAB building blocks against hand-computed values, then whole images."""

import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.masks.vocalmat import (
    adaptive_binarize,
    imadjust,
    keep_large_components,
    line_footprint,
    segment_image,
    segment_images,
)

SIZE = 227


def _background(seed: int = 0) -> np.ndarray:
    """VocalMat's grey: a candidate's background sits near 180 of 255 with dB grain."""
    rng = np.random.default_rng(seed)
    return np.clip(180 + rng.normal(0, 8, (SIZE, SIZE)), 0, 255).astype(np.uint8)


def _line_image() -> tuple[np.ndarray, np.ndarray]:
    image = _background()
    line = np.zeros((SIZE, SIZE), dtype=bool)
    line[100:106, 50:150] = True
    image[line] = 250  # calls are bright in VocalMat's candidates
    return image, line


@pytest.mark.parametrize(
    ("length", "angle", "expected"),
    [(4, 90, np.ones((5, 1), bool)), (3, 0, np.ones((1, 3), bool)), (1, 0, np.ones((1, 1), bool)),
     (3, 45, np.eye(3, dtype=bool)[::-1])],
)
def test_line_footprint_matches_matlab_strel(length, angle, expected):
    np.testing.assert_array_equal(line_footprint(length, angle), expected)


def test_imadjust_stretches_between_one_percent_points():
    values = np.repeat(np.array([0, 40, 100, 200], np.uint8), [5, 10, 970, 15])
    adjusted = imadjust(values.reshape(10, 100))
    # cdf: 0.005, 0.015, 0.985, 1.0 -> low = 40 (first > 0.01), high = 200 (first >= 0.99)
    assert set(np.round(np.unique(adjusted), 6)) == {0.0, 0.375, 1.0}


def test_imadjust_leaves_flat_image_unstretched():
    np.testing.assert_allclose(imadjust(np.full((4, 4), 51, np.uint8)), 0.2)


def test_adaptive_binarize_uses_scaled_local_mean():
    image = np.full((32, 32), 0.1)
    image[16, 16] = 1.0
    # window 2*floor(32/16)+1 = 5; at the peak the threshold is 1.4 * (24*0.1 + 1)/25 = 0.19
    expected = np.zeros((32, 32), bool)
    expected[16, 16] = True
    np.testing.assert_array_equal(adaptive_binarize(image, 0.2), expected)
    assert not adaptive_binarize(np.full((32, 32), 0.5), 0.2).any()
    assert adaptive_binarize(np.full((32, 32), 0.5), 1.0).all()


def test_keep_large_components_is_strict_and_4_connected():
    mask = np.zeros((20, 20), bool)
    mask[0:6, 0:10] = True  # 60 pixels
    mask[10:13, 0:7] = True  # 21 pixels
    mask[15, 15] = mask[16, 16] = True  # diagonal: two components of 1
    kept = keep_large_components(mask, 20)
    assert kept[0:6, 0:10].all() and kept[10:13, 0:7].all() and not kept[15:, 15:].any()
    assert not keep_large_components(mask, 60)[0:6, 0:10].any()


def test_bright_line_gives_wider_mask_covering_it():
    image, line = _line_image()
    mask = segment_image(image)
    assert mask.dtype == bool and mask.shape == line.shape
    assert mask[line].mean() > 0.95
    rows, cols = np.nonzero(mask)
    assert mask.sum() > line.sum()
    assert rows.min() >= 95 and rows.max() <= 110 and cols.min() >= 45 and cols.max() <= 155


def test_dilations_widen_the_mask():
    image, _ = _line_image()
    narrow = segment_image(image, dilate_length=1, final_dilate_length=1)
    assert narrow.sum() < segment_image(image).sum()


def test_blank_and_noise_only_images_give_empty_masks():
    assert not segment_image(np.full((SIZE, SIZE), 180, np.uint8)).any()
    assert not segment_image(_background(1)).any()


def test_specks_below_area_threshold_vanish():
    image = _background(2)
    image[20:24, 20:22] = 250
    image[60:65, 60:64] = 250
    image[150:160, 100:110] = 250
    mask = segment_image(image)
    assert not mask[:100].any()
    assert mask[150:160, 100:110].all()
    assert not segment_image(image, min_area_second=10_000).any()


def test_segment_images_matches_per_image():
    image, _ = _line_image()
    stack = np.stack([image, np.full((SIZE, SIZE), 230, np.uint8)])
    masks = segment_images(stack, progress=True, sensitivity=0.3)
    assert masks.shape == stack.shape and masks.dtype == bool
    np.testing.assert_array_equal(masks[0], segment_image(image, sensitivity=0.3))
    assert not masks[1].any()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"sensitivity": 1.5}, "sensitivity"), ({"saturation": 0.6}, "saturation"),
     ({"open_height": -1}, "open_height"), ({"dilate_length": 0}, "dilate_length"),
     ({"min_area_first": -5}, "min_area_first"), ({"open_width": 2.5}, "open_width")],
)
def test_invalid_parameters_name_the_parameter(kwargs, name):
    with pytest.raises(UsvmaskError, match=name):
        segment_image(np.full((32, 32), 200, np.uint8), **kwargs)


def test_wrong_dtype_or_ndim_is_rejected():
    with pytest.raises(UsvmaskError, match="image: expected a uint8"):
        segment_image(np.zeros((32, 32), np.float32))
    with pytest.raises(UsvmaskError, match="images: expected a uint8"):
        segment_images(np.zeros((32, 32), np.uint8))
