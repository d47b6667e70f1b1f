import numpy as np
import pytest
import torch

from usvmask.infer.resize import resize_stack
from usvmask.train.datamodule import SegmentationDataModule, to_unit_float
from usvmask.errors import UsvmaskError


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
