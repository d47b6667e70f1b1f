import numpy as np
import pytest
import torch

from usvmask.train.augment import NOISES, BatchAugment, FrequencyNoise, render_augmentations
from usvmask.errors import UsvmaskError


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: one intra-op thread avoids thread contention on a busy machine (restored afterwards)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def squares(n: int = 6, size: int = 48) -> tuple[torch.Tensor, torch.Tensor]:
    """Dark background, one bright square per image; the mask is exactly the square."""
    images = torch.full((n, 1, size, size), 0.1)
    masks = torch.zeros((n, 1, size, size))
    for i in range(n):
        r, c = 10 + i, 14 + i
        images[i, :, r : r + 16, c : c + 12] = 0.9
        masks[i, :, r : r + 16, c : c + 12] = 1.0
    return images, masks


@pytest.mark.parametrize("name", ["affine", "elastic"])
def test_geometric_moves_mask_with_image_and_keeps_it_binary(name):
    images, masks = squares()
    torch.manual_seed(0)
    augment = BatchAugment(elastic_alpha=3.0)
    out_images, out_masks = augment.apply(name, images, masks, torch.ones(len(images), dtype=torch.bool))
    assert not torch.equal(out_masks, masks)
    assert set(torch.unique(out_masks).tolist()) <= {0.0, 1.0}
    inside = out_images[out_masks > 0.5]
    outside = out_images[out_masks < 0.5]
    assert inside.mean() > 0.8 and outside.mean() < 0.2
    assert (inside > 0.5).float().mean() > 0.95 and (outside < 0.5).float().mean() > 0.99


@pytest.mark.parametrize("name", ["contrast", "blur", "additive", "gaussian", "frequency"])
def test_intensity_changes_image_only(name):
    images, masks = squares()
    torch.manual_seed(1)
    out_images, out_masks = BatchAugment().apply(name, images, masks, torch.ones(len(images), dtype=torch.bool))
    assert torch.equal(out_masks, masks)
    assert not torch.equal(out_images, images)
    assert out_images.min() >= 0.0 and out_images.max() <= 1.0


def test_only_selected_samples_change():
    images, masks = squares()
    selected = torch.tensor([True, False, True, False, False, False])
    torch.manual_seed(2)
    out_images, out_masks = BatchAugment().apply("affine", images, masks, selected)
    assert torch.equal(out_images[~selected], images[~selected])
    assert torch.equal(out_masks[~selected], masks[~selected])
    assert not torch.equal(out_images[selected], images[selected])


def test_zero_probabilities_are_identity():
    images, masks = squares()
    out_images, out_masks = BatchAugment(0.0, 0.0, 0.0, 0.0)(images, masks)
    assert torch.equal(out_images, images) and torch.equal(out_masks, masks)


def test_full_pipeline_binary_masks_and_seeded():
    images, masks = squares(8)
    augment = BatchAugment(1.0, 1.0, 1.0, 1.0)
    torch.manual_seed(3)
    first = augment(images, masks)
    torch.manual_seed(3)
    second = augment(images, masks)
    torch.manual_seed(4)
    third = augment(images, masks)
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])
    assert not torch.equal(first[0], third[0])
    assert set(torch.unique(first[1]).tolist()) <= {0.0, 1.0}
    assert first[0].shape == images.shape and first[1].dtype == images.dtype


def test_frequency_noise_is_constant_along_rows():
    torch.manual_seed(5)
    out = FrequencyNoise(std=0.2)(torch.full((2, 1, 16, 20), 0.5))
    assert torch.allclose(out, out[..., :1].expand_as(out))
    assert out[..., 0].std() > 0


def test_invalid_probability_and_shapes():
    with pytest.raises(UsvmaskError, match="p_blur"):
        BatchAugment(p_blur=1.5)
    with pytest.raises(UsvmaskError, match="shapes"):
        BatchAugment()(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 9))


def test_render_augmentations_writes_png(tmp_path):
    image = np.full((40, 40), 200, np.uint8)
    mask = np.zeros((40, 40), bool)
    mask[15:25, 10:30] = True
    image[mask] = 40
    out = render_augmentations(image, mask, tmp_path / "fig" / "aug.png", seed=0)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in out.parent.iterdir()] == ["aug.png"]
    assert len(NOISES) == 4
