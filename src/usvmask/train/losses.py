"""Segmentation losses on logits (focal, soft Dice, their sum) and the rare-class prior bias for the score layer."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from usvmask.errors import UsvmaskError


def focal_loss(logits: torch.Tensor, target: torch.Tensor, *, gamma: float = 2.0, alpha: float = 0.3) -> torch.Tensor:
    """Binary focal loss (Lin et al. 2017), mean over all pixels.

    Per pixel: -alpha_t * (1 - p_t)**gamma * log(p_t), with p_t = p on call pixels (target 1) and 1 - p elsewhere;
    alpha_t = alpha on call pixels and 1 - alpha on background. gamma = 0, alpha = 0.5 gives half the BCE.
    """
    target = target.to(logits.dtype)
    ce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    p_t = torch.exp(-ce)
    alpha_t = alpha * target + (1.0 - alpha) * (1.0 - target)
    return (alpha_t * (1.0 - p_t) ** gamma * ce).mean()


def dice_loss(logits: torch.Tensor, target: torch.Tensor, *, eps: float = 1.0) -> torch.Tensor:
    """Soft Dice loss per image, then mean over the batch: 1 - (2·Σ p·t + eps) / (Σ p + Σ t + eps)."""
    p = torch.sigmoid(logits).flatten(1)
    t = target.to(logits.dtype).flatten(1)
    dice = (2.0 * (p * t).sum(1) + eps) / (p.sum(1) + t.sum(1) + eps)
    return (1.0 - dice).mean()


class HybridLoss(nn.Module):
    """focal_weight · focal_loss + dice_weight · dice_loss."""

    def __init__(
        self,
        focal_weight: float = 1.0,
        dice_weight: float = 1.0,
        gamma: float = 2.0,
        alpha: float = 0.3,
        eps: float = 1.0,
    ) -> None:
        super().__init__()
        self.focal_weight, self.dice_weight = focal_weight, dice_weight
        self.gamma, self.alpha, self.eps = gamma, alpha, eps

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        focal = focal_loss(logits, target, gamma=self.gamma, alpha=self.alpha)
        return self.focal_weight * focal + self.dice_weight * dice_loss(logits, target, eps=self.eps)


def prior_bias(prior: float) -> float:
    """Logit of the positive-pixel prior, log(p / (1 - p)): the score bias that makes the untrained model predict p."""
    if not 0.0 < prior < 1.0:
        raise UsvmaskError(f"prior {prior}: must be strictly between 0 and 1; use the call-pixel fraction, e.g. 0.03")
    return math.log(prior / (1.0 - prior))


def init_prior_bias(model: nn.Module, prior: float) -> None:
    """Set the bias of the model's 1-channel score layer (`model.head.score`) to `prior_bias(prior)`."""
    score = getattr(getattr(model, "head", None), "score", None)
    if not isinstance(score, nn.Conv2d) or score.out_channels != 1 or score.bias is None:
        raise UsvmaskError("model: no 1-channel score layer with a bias at model.head.score; build it with build_model")
    with torch.no_grad():
        score.bias.fill_(prior_bias(prior))
