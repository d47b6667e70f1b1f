"""Focal, Dice and hybrid losses and the prior bias, against values worked out by hand."""

import math

import pytest
import torch
from torch import nn

from usvmask.errors import UsvmaskError
from usvmask.train.losses import HybridLoss, dice_loss, focal_loss, init_prior_bias, prior_bias
from usvmask.models import build_model

LN3 = math.log(3.0)  # sigmoid(ln 3) = 3 / (3 + 1) = 0.75


def test_focal_two_pixels_at_half_probability():
    # logits 0 -> p = 0.5 on both pixels; targets (1, 0) -> p_t = 0.5 on both, (1 - p_t)^2 = 0.25, -log p_t = ln 2.
    # call pixel: 0.3 * 0.25 * ln 2 = 0.0519860; background: 0.7 * 0.25 * ln 2 = 0.1213008; mean = 0.0866434.
    loss = focal_loss(torch.zeros(1, 1, 1, 2), torch.tensor([[[[1.0, 0.0]]]]))
    assert loss.item() == pytest.approx(0.25 * math.log(2) * (0.3 + 0.7) / 2, rel=1e-6)
    assert loss.item() == pytest.approx(0.0866434, rel=1e-5)


def test_focal_two_pixels_confident():
    # logits (ln 3, -ln 3) -> p = (0.75, 0.25); targets (1, 0) -> p_t = 0.75 on both, (1 - p_t)^2 = 0.0625,
    # -log 0.75 = 0.2876821. call: 0.3 * 0.0625 * 0.2876821 = 0.0053940; background: 0.7 * ... = 0.0125861.
    # mean = 0.0089900.
    loss = focal_loss(torch.tensor([[[[LN3, -LN3]]]]), torch.tensor([[[[1.0, 0.0]]]]))
    assert loss.item() == pytest.approx(0.0089900, rel=1e-4)


def test_focal_reduces_to_half_bce():
    # gamma 0 and alpha 0.5: -0.5 log p_t, i.e. half the binary cross-entropy.
    logits, target = torch.randn(2, 1, 4, 4), (torch.rand(2, 1, 4, 4) > 0.5).float()
    bce = nn.functional.binary_cross_entropy_with_logits(logits, target)
    assert focal_loss(logits, target, gamma=0.0, alpha=0.5).item() == pytest.approx(0.5 * bce.item(), rel=1e-6)


def test_dice_two_pixels():
    # p = (0.75, 0.25), t = (1, 0): sum p t = 0.75, sum p = 1, sum t = 1; eps 1: 1 - (1.5 + 1) / (2 + 1) = 1/6.
    loss = dice_loss(torch.tensor([[[[LN3, -LN3]]]]), torch.tensor([[[[True, False]]]]))
    assert loss.item() == pytest.approx(1 / 6, rel=1e-6)


def test_dice_is_per_image_then_mean():
    # image 1 as above (1/6); image 2 empty target, p = (0.5, 0.5): 1 - (0 + 1) / (1 + 0 + 1) = 1/2. mean = 1/3.
    logits = torch.tensor([[[[LN3, -LN3]]], [[[0.0, 0.0]]]])
    target = torch.tensor([[[[1.0, 0.0]]], [[[0.0, 0.0]]]])
    assert dice_loss(logits, target).item() == pytest.approx(1 / 3, rel=1e-6)


def test_hybrid_is_weighted_sum():
    # 2 * 0.0089900 + 0.5 * (1/6) = 0.1013133.
    logits, target = torch.tensor([[[[LN3, -LN3]]]]), torch.tensor([[[[1.0, 0.0]]]])
    loss = HybridLoss(focal_weight=2.0, dice_weight=0.5)(logits, target)
    assert loss.item() == pytest.approx(2 * 0.0089900 + 0.5 / 6, rel=1e-4)


def test_losses_backpropagate():
    logits = torch.randn(2, 1, 8, 8, requires_grad=True)
    HybridLoss()(logits, torch.rand(2, 1, 8, 8) > 0.8).backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0


def test_prior_bias_values():
    # p = 0.5 -> log 1 = 0; p = 0.2 -> log(0.25) = -1.3862944.
    assert prior_bias(0.5) == 0.0
    assert prior_bias(0.2) == pytest.approx(-1.3862944)


@pytest.mark.parametrize("prior", [0.0, 1.0, -0.1, 2.0])
def test_prior_bias_rejects_out_of_range(prior):
    with pytest.raises(UsvmaskError, match="strictly between 0 and 1"):
        prior_bias(prior)


@pytest.mark.parametrize("name", ["unet", "squeakout"])
def test_init_prior_bias_makes_untrained_model_predict_prior(name):
    model = build_model(name, **({"base_channels": 4} if name == "unet" else {"width": 0.5}))
    init_prior_bias(model, 0.03)
    assert model.head.score.bias.item() == pytest.approx(math.log(0.03 / 0.97))
    if name == "unet":  # zero the score weights: output is then the bias alone
        nn.init.zeros_(model.head.score.weight)
        with torch.no_grad():
            p = torch.sigmoid(model.eval()(torch.rand(1, 1, 32, 32)))
        assert torch.allclose(p, torch.full_like(p, 0.03))


def test_init_prior_bias_needs_score_layer():
    with pytest.raises(UsvmaskError, match="model.head.score"):
        init_prior_bias(nn.Linear(2, 1), 0.03)
