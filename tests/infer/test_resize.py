"""The resizes of the one prediction path, against hand-computed values."""

import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.infer.resize import resize_probs, resize_stack


def test_resize_stack_area_for_images_nearest_for_masks():
    images = np.zeros((2, 4, 4), np.uint8)
    images[:, :2, :2] = 200  # the top-left 2x2 block averages to 200 over four pixels, others to 0
    images[1, 0, 0] = 0  # area: (0 + 3*200) / 4 = 150
    small = resize_stack(images, 2)
    assert small.dtype == np.uint8 and small.shape == (2, 2, 2)
    assert small[0].tolist() == [[200, 0], [0, 0]] and small[1, 0, 0] == 150
    masks = np.zeros((1, 2, 2), bool)
    masks[0, 0, 1] = True
    big = resize_stack(masks, (4, 6), kind="mask")
    assert big.dtype == bool and big.shape == (1, 4, 6)
    assert big[0].sum() == 6 and big[0, :2, 3:].all()


def test_resize_stack_same_size_is_noop_and_bad_input():
    images = np.zeros((3, 8, 8), np.uint8)
    assert resize_stack(images, 8) is images
    with pytest.raises(UsvmaskError, match="kind"):
        resize_stack(images, 4, kind="label")
    with pytest.raises(UsvmaskError, match=r"\(N, H, W\)"):
        resize_stack(images[0], 4)


def test_mask_resize_keeps_the_mask_centred_on_its_image():
    """227→128: the mask's centroid stays where the square is (INTER_NEAREST moved it ~1.4 px down-right)."""
    scale = 227 / 128
    for start in (100, 101, 102, 103):
        mask = np.zeros((1, 227, 227), bool)
        mask[0, start:start + 10, start:start + 10] = True
        small = resize_stack(mask, 128, kind="mask")[0]
        rows, cols = np.nonzero(small)
        centre = start + 4.5
        assert abs(rows.mean() * scale + (scale - 1) / 2 - centre) < 0.6
        assert abs(cols.mean() * scale + (scale - 1) / 2 - centre) < 0.6


def test_resize_probs_bilinear_back_to_each_size():
    probs = np.array([[[0.0, 1.0], [0.0, 1.0]]], np.float32)
    back = resize_probs(probs, (2, 4))
    # half-pixel centres: columns at x = -0.25, 0.25, 0.75, 1.25 of the 2-px row → 0, 0.25, 0.75, 1
    np.testing.assert_allclose(back[0, 0], [0.0, 0.25, 0.75, 1.0], atol=1e-6)
    assert resize_probs(probs, 2) is not None and resize_probs(probs, (2, 2)).shape == (1, 2, 2)
    assert resize_probs(np.zeros((0, 4, 4), np.float32), (8, 8)).shape == (0, 8, 8)
