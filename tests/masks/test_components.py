"""Component-level refit against hand-made masks."""

import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.masks.components import keep_marked_components


def test_keeps_whole_components_a_mark_touches_and_nothing_new():
    masks = np.zeros((5, 6), bool)
    masks[0:2, 0:3] = True  # component A, 6 px
    masks[4, 4:6] = True  # component B, 2 px
    marks = np.zeros_like(masks)
    marks[1, 2] = True  # one pixel inside A
    marks[3, 0] = True  # outside every component: not grown
    out = keep_marked_components(masks, marks)
    expected = np.zeros_like(masks)
    expected[0:2, 0:3] = True
    assert out.tolist() == expected.tolist()


def test_diagonal_neighbours_are_one_component():
    masks = np.eye(4, dtype=bool)  # a diagonal line: one 8-connected component
    marks = np.zeros_like(masks)
    marks[3, 3] = True
    assert keep_marked_components(masks, marks).tolist() == masks.tolist()


def test_stacks_are_per_image_and_unmarked_images_come_out_empty():
    masks = np.ones((2, 3, 3), bool)
    marks = np.zeros_like(masks)
    marks[1, 0, 0] = True
    out = keep_marked_components(masks, marks)
    assert not out[0].any() and out[1].all()


def test_shape_mismatch_is_an_error():
    with pytest.raises(UsvmaskError, match="one .* shape"):
        keep_marked_components(np.ones((2, 2), bool), np.ones((2, 3), bool))
