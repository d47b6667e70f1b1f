"""A thin LightningModule around a built model: one `model_step` for train/val/test, Adam + plateau schedule.

Validation scores (both higher is better, in [0, 100]):
- segment: `val/dice` = mean over images of 100 · (2|P∩G| + 1) / (|P| + |G| + 1), P = sigmoid(logits) > 0.5,
  G = target > 0.5 (ε = 1, so an empty prediction of an empty mask scores 100).
- reconstruct: `val/recon` = 100 · (1 − mean |sigmoid(logits) − image|), the mean over all pixels and images.
"""

from __future__ import annotations

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn

from usvmask.errors import UsvmaskError
from usvmask.evaluate.metrics import smoothed_dice

TASKS = ("segment", "reconstruct")
SCORES = {"segment": "val/dice", "reconstruct": "val/recon"}


def dice_per_image(logits: torch.Tensor, targets: torch.Tensor, *, threshold: float = 0.5, eps: float = 1.0):
    """Dice × 100 per image (B,) of thresholded sigmoid(logits) against targets > 0.5, with the ε rule above."""
    pred = (torch.sigmoid(logits) > threshold).flatten(1).float()
    truth = (targets > 0.5).flatten(1).float()
    return smoothed_dice((pred * truth).sum(1), pred.sum(1), truth.sum(1), eps)


def recon_per_image(logits: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Reconstruction score × 100 per image (B,): 100 · (1 − mean |sigmoid(logits) − image|)."""
    return 100.0 * (1.0 - (torch.sigmoid(logits) - images).abs().flatten(1).mean(1))


class SigmoidMSELoss(nn.Module):
    """Mean squared error between sigmoid(logits) and the target image in [0, 1] (reconstruction pretraining)."""

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(torch.sigmoid(logits), target)


class SegmentationModule(L.LightningModule):
    """Trains `model` with `loss(logits, target)`; `augment(images, targets)` runs on training batches only.

    For "reconstruct" the augmented image is both input and target.
    """

    def __init__(
        self,
        model: nn.Module,
        loss: nn.Module,
        *,
        task: str = "segment",
        augment: nn.Module | None = None,
        lr: float = 1e-4,
        plateau_factor: float = 0.1,
        plateau_patience: int = 5,
    ) -> None:
        super().__init__()
        if task not in TASKS:
            raise UsvmaskError(f"task {task!r}: unknown; use one of {', '.join(TASKS)}")
        self.model, self.loss, self.augment = model, loss, augment
        self.task, self.lr = task, lr
        self.plateau_factor, self.plateau_patience = plateau_factor, plateau_patience
        self.score_name = SCORES[task]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def on_after_batch_transfer(self, batch, dataloader_idx: int):
        if self.augment is None or not self.trainer.training:
            return batch
        images, targets = batch
        with torch.no_grad():
            if self.task == "reconstruct":
                images, _ = self.augment(images, torch.zeros_like(images))
                return images, images
            return self.augment(images, targets)

    def model_step(self, batch, stage: str) -> torch.Tensor:
        images, targets = batch
        logits = self.model(images)
        loss = self.loss(logits, targets)
        n = len(images)
        self.log(f"{stage}/loss", loss, on_step=False, on_epoch=True, batch_size=n, prog_bar=stage == "train")
        if stage != "train":
            score = dice_per_image(logits, targets) if self.task == "segment" else recon_per_image(logits, targets)
            name = self.score_name.replace("val/", f"{stage}/")
            self.log(name, score.mean(), on_step=False, on_epoch=True, batch_size=n, prog_bar=True)
        return loss

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        return self.model_step(batch, "train")

    def validation_step(self, batch, batch_idx: int) -> torch.Tensor:
        return self.model_step(batch, "val")

    def test_step(self, batch, batch_idx: int) -> torch.Tensor:
        return self.model_step(batch, "test")

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="max", factor=self.plateau_factor, patience=self.plateau_patience
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": self.score_name}}
