import numpy as np
import pytest
import torch

from usvmask.datamodule import SegmentationDataModule, resize_stack, to_unit_float
from usvmask.errors import UsvmaskError


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


def test_to_unit_float():
    assert to_unit_float(np.array([0, 51, 255], np.uint8)).tolist() == pytest.approx([0.0, 0.2, 1.0])
    assert to_unit_float(np.array([True, False])).tolist() == [1.0, 0.0]


def make(n: int = 10, size: int = 20):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
    return images, images > 127


def test_batches_are_resized_floats():
    images, masks = make()
    dm = SegmentationDataModule(images, masks, images[:3], masks[:3], input_size=16, batch_size=4, seed=0)
    x, y = next(iter(dm.val_dataloader()))
    assert x.shape == y.shape == (3, 1, 16, 16)
    assert x.dtype == y.dtype == torch.float32
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert set(torch.unique(y).tolist()) <= {0.0, 1.0}
    assert np.allclose(x[:, 0].numpy(), resize_stack(images[:3], 16) / 255.0)


def test_reconstruction_targets_are_the_images():
    images, _ = make()
    dm = SegmentationDataModule(images, images, images, images, input_size=20, batch_size=5, seed=0)
    x, y = next(iter(dm.train_dataloader()))
    assert torch.equal(x, y)


def first_epoch_order(seed: int) -> list:
    images, masks = make()
    tagged = images.copy()
    tagged[:, 0, 0] = np.arange(len(images))  # each image carries its index in one pixel
    dm = SegmentationDataModule(tagged, masks, tagged, masks, input_size=20, batch_size=3, seed=seed)
    return [int(round(v * 255)) for x, _ in dm.train_dataloader() for v in x[:, 0, 0, 0].tolist()]


def test_shuffle_is_seeded():
    order = first_epoch_order(0)
    assert sorted(order) == list(range(10))
    assert order == first_epoch_order(0)
    assert order != first_epoch_order(1)


def test_bad_inputs():
    images, masks = make()
    with pytest.raises(UsvmaskError, match="train targets"):
        SegmentationDataModule(images, masks[:, :10], images, masks, input_size=16)
    with pytest.raises(UsvmaskError, match="val images"):
        SegmentationDataModule(images, masks, images.astype(np.float32), masks, input_size=16)
    with pytest.raises(UsvmaskError, match="batch_size"):
        SegmentationDataModule(images, masks, images, masks, input_size=16, batch_size=0)


def test_mask_resize_keeps_the_mask_centred_on_its_image():
    """227→128: the mask's centroid stays where the square is (INTER_NEAREST moved it ~1.4 px down-right)."""
    import numpy as np

    from usvmask.datamodule import resize_stack

    scale = 227 / 128
    for start in (100, 101, 102, 103):
        mask = np.zeros((1, 227, 227), bool)
        mask[0, start:start + 10, start:start + 10] = True
        small = resize_stack(mask, 128, kind="mask")[0]
        rows, cols = np.nonzero(small)
        centre = start + 4.5
        assert abs(rows.mean() * scale + (scale - 1) / 2 - centre) < 0.6
        assert abs(cols.mean() * scale + (scale - 1) / 2 - centre) < 0.6
