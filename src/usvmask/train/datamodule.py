"""Numpy image/mask stacks → resized, batched float tensors for Lightning."""

from __future__ import annotations

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from usvmask.errors import UsvmaskError
from usvmask.infer.resize import resize_stack


def to_unit_float(stack: np.ndarray) -> np.ndarray:
    """uint8 → /255, bool → 0/1, float → unchanged; returned as float32."""
    if stack.dtype == np.uint8:
        return stack.astype(np.float32) / 255.0
    return stack.astype(np.float32)


class StackDataset(Dataset):
    """Pairs of (1, H, W) float32 tensors from two equally long (N, H, W) stacks, converted one item at a time."""

    def __init__(self, images: np.ndarray, targets: np.ndarray) -> None:
        self.images, self.targets = images, targets

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image = torch.from_numpy(to_unit_float(self.images[index])[None])
        target = torch.from_numpy(to_unit_float(self.targets[index])[None])
        return image, target


def _prepare(images: np.ndarray, targets: np.ndarray, size: int, split: str) -> StackDataset:
    if images.dtype != np.uint8 or images.ndim != 3:
        raise UsvmaskError(f"{split} images: {images.dtype} {images.shape}; pass an (N, H, W) uint8 stack")
    if targets.shape != images.shape:
        raise UsvmaskError(f"{split} targets: shape {targets.shape} differs from images {images.shape}; pair them")
    if len(images) == 0:
        raise UsvmaskError(f"{split} images: empty stack; give at least one image")
    kind = "mask" if targets.dtype == bool else "image"
    return StackDataset(resize_stack(images, size), resize_stack(targets, size, kind=kind))


class SegmentationDataModule(L.LightningDataModule):
    """Train/val stacks → (B, 1, S, S) float images in [0, 1] and float targets (bool masks → 0/1, uint8 → /255).

    Targets are bool masks (segmentation) or the uint8 images themselves (reconstruction). Training batches are
    shuffled by a generator seeded with `seed`, so the order of every epoch is reproducible.
    """

    def __init__(
        self,
        train_images: np.ndarray,
        train_targets: np.ndarray,
        val_images: np.ndarray,
        val_targets: np.ndarray,
        *,
        input_size: int,
        batch_size: int = 8,
        seed: int = 0,
        num_workers: int = 0,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise UsvmaskError(f"batch_size: {batch_size}; use a positive integer")
        self.train_set = _prepare(train_images, train_targets, input_size, "train")
        self.val_set = _prepare(val_images, val_targets, input_size, "val")
        self.batch_size, self.seed, self.num_workers = batch_size, seed, num_workers

    def _loader(self, dataset: StackDataset, shuffle: bool) -> DataLoader:
        generator = torch.Generator().manual_seed(self.seed) if shuffle else None
        return DataLoader(
            dataset,
            batch_size=self.batch_size,
            shuffle=shuffle,
            generator=generator,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_set, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_set, shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.val_set, shuffle=False)
