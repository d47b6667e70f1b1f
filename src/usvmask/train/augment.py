"""SqueakOut's batch-level stochastic augmentation (Kornia): geometric ones move the mask, intensity ones do not.

Each sample of a batch independently gets, in this order: a random affine warp (p_affine), a contrast change
(p_contrast), a Gaussian blur (p_blur), and with p_noise exactly one of {additive uniform noise, Gaussian
noise, frequency-band noise, elastic warp}. Random draws use torch's global generator, so `torch.manual_seed`
(or Lightning's `seed_everything`) makes them reproducible.
"""

from __future__ import annotations

from pathlib import Path

import kornia.augmentation as K
import numpy as np
import torch
from kornia.constants import DataKey, Resample
from torch import nn

from usvmask.errors import UsvmaskError
from usvmask.data.store import atomic_path

NOISES = ("additive", "gaussian", "frequency", "elastic")


def _uniform(n: int, low: float, high: float, like: torch.Tensor) -> torch.Tensor:
    """n draws from U(low, high) shaped (n, 1, 1, 1), on the device of `like`."""
    return low + (high - low) * torch.rand(n, 1, 1, 1, device=like.device, dtype=like.dtype)


class ContrastNormalization(nn.Module):
    """x ↦ 0.5 + α (x − 0.5), α ~ U(alpha) per image (imgaug's ContrastNormalization), clipped to [0, 1]."""

    def __init__(self, alpha: tuple[float, float] = (0.5, 1.5)) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (0.5 + _uniform(len(x), *self.alpha, x) * (x - 0.5)).clamp(0.0, 1.0)


class AdditiveNoise(nn.Module):
    """Adds one uniform shift U(±shift) per image plus per-pixel uniform noise U(±amplitude); clipped to [0, 1]."""

    def __init__(self, shift: float = 0.1, amplitude: float = 0.1) -> None:
        super().__init__()
        self.shift, self.amplitude = shift, amplitude

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        noise = (2 * torch.rand_like(x) - 1) * self.amplitude
        return (x + _uniform(len(x), -self.shift, self.shift, x) + noise).clamp(0.0, 1.0)


class GaussianNoise(nn.Module):
    """Adds per-pixel N(0, σ²) noise with σ ~ U(0, std) per image; clipped to [0, 1]."""

    def __init__(self, std: float = 0.08) -> None:
        super().__init__()
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x + _uniform(len(x), 0.0, self.std, x) * torch.randn_like(x)).clamp(0.0, 1.0)


class FrequencyNoise(nn.Module):
    """Adds N(0, σ²) noise constant along each row (a frequency band), σ ~ U(0, std) per image; clipped to [0, 1]."""

    def __init__(self, std: float = 0.1) -> None:
        super().__init__()
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bands = torch.randn(x.shape[0], x.shape[1], x.shape[2], 1, device=x.device, dtype=x.dtype)
        return (x + _uniform(len(x), 0.0, self.std, x) * bands).clamp(0.0, 1.0)


class _Paired(nn.Module):
    """Applies a Kornia geometric augmentation (p=1) to images and masks with the same parameters."""

    def __init__(self, augmentation: nn.Module) -> None:
        super().__init__()
        mask_args = {DataKey.MASK: {"resample": Resample.NEAREST, "align_corners": False}}
        self.sequence = K.AugmentationSequential(augmentation, data_keys=["input", "mask"], extra_args=mask_args)

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        images, masks = self.sequence(images, masks)
        return images, masks


class BatchAugment(nn.Module):
    """Stochastic augmentation of (B, 1, H, W) images in [0, 1] and their (B, 1, H, W) masks; see module docstring.

    Geometric warps fill outside the image by `padding_mode` ("reflection": no black corners, image and mask
    alike); masks are resampled nearest and stay binary.
    """

    def __init__(
        self,
        p_affine: float = 0.75,
        p_contrast: float = 0.25,
        p_blur: float = 0.25,
        p_noise: float = 0.33,
        *,
        degrees: float = 10.0,
        translate: float = 0.1,
        scale: tuple[float, float] = (0.9, 1.1),
        shear: float = 5.0,
        contrast: tuple[float, float] = (0.5, 1.5),
        blur_sigma: tuple[float, float] = (0.1, 1.5),
        noise_std: float = 0.08,
        elastic_alpha: float = 0.6,
        padding_mode: str = "reflection",
    ) -> None:
        super().__init__()
        for name, p in {"p_affine": p_affine, "p_contrast": p_contrast, "p_blur": p_blur, "p_noise": p_noise}.items():
            if not 0.0 <= p <= 1.0:
                raise UsvmaskError(f"{name}: {p} is not a probability; use a value in [0, 1]")
        self.probabilities = {"affine": p_affine, "contrast": p_contrast, "blur": p_blur}
        self.p_noise = p_noise
        affine = K.RandomAffine(degrees, (translate, translate), scale, shear, padding_mode=padding_mode, p=1.0)
        elastic = K.RandomElasticTransform(
            (31, 31), (6.0, 6.0), (elastic_alpha, elastic_alpha), padding_mode=padding_mode, p=1.0
        )
        self.geometric = nn.ModuleDict({"affine": _Paired(affine), "elastic": _Paired(elastic)})
        self.intensity = nn.ModuleDict(
            {
                "contrast": ContrastNormalization(contrast),
                "blur": K.RandomGaussianBlur((5, 5), blur_sigma, p=1.0),
                "additive": AdditiveNoise(noise_std, noise_std),
                "gaussian": GaussianNoise(noise_std),
                "frequency": FrequencyNoise(noise_std),
            }
        )

    def apply(
        self, name: str, images: torch.Tensor, masks: torch.Tensor, selected: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Apply augmentation `name` to the samples where `selected` (bool, (B,)) is True; others pass through."""
        if not bool(selected.any()):
            return images, masks
        images, masks = images.clone(), masks.clone()
        if name in self.geometric:
            images[selected], masks[selected] = self.geometric[name](images[selected], masks[selected])
        else:
            images[selected] = self.intensity[name](images[selected]).clamp(0.0, 1.0)
        return images, masks

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if images.ndim != 4 or images.shape != masks.shape:
            raise UsvmaskError(f"augmentation input: shapes {tuple(images.shape)}, {tuple(masks.shape)}; use (B,1,H,W)")
        n = len(images)
        masks = masks.to(images.dtype)
        for name, p in self.probabilities.items():
            images, masks = self.apply(name, images, masks, torch.rand(n, device=images.device) < p)
        noisy = torch.rand(n, device=images.device) < self.p_noise
        choice = torch.randint(len(NOISES), (n,), device=images.device)
        for k, name in enumerate(NOISES):
            images, masks = self.apply(name, images, masks, noisy & (choice == k))
        return images, (masks > 0.5).to(images.dtype)


def render_augmentations(image: np.ndarray, mask: np.ndarray, out_path: str | Path, *, seed: int = 0) -> Path:
    """Figure: the original and each augmentation applied alone (p=1), mask outlined; written atomically (PNG)."""
    from matplotlib.figure import Figure

    if image.ndim != 2 or image.shape != mask.shape:
        raise UsvmaskError(f"{out_path}: image {image.shape} and mask {mask.shape} must be equal 2-D shapes")
    augment = BatchAugment()
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32) / 255.0)[None, None]
    m = torch.from_numpy(np.asarray(mask, dtype=np.float32))[None, None]
    panels = [("original", x, m)]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for name in ("affine", "contrast", "blur", *NOISES):
            panels.append((name, *augment.apply(name, x, m, torch.ones(1, dtype=torch.bool))))
    fig = Figure(figsize=(12, 6.4))
    axes = fig.subplots(2, 4)
    for ax, (name, img, msk) in zip(axes.flat, panels):
        ax.imshow(img[0, 0].numpy(), cmap="gray", vmin=0.0, vmax=1.0)
        if msk.any():
            ax.contour(msk[0, 0].numpy(), levels=[0.5], colors="tab:red", linewidths=0.8)
        ax.set_title(name)
        ax.set_axis_off()
    fig.tight_layout()
    out_path = Path(out_path)
    with atomic_path(out_path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=100)
    return out_path
