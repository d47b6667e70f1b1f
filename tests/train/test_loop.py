import json

import numpy as np
import pytest
import torch
from torch import nn

from usvmask.train.augment import BatchAugment
from usvmask.errors import UsvmaskError
from usvmask.train.module import SigmoidMSELoss, dice_per_image, recon_per_image
from usvmask.models import build_model
from usvmask.train.loop import train_model


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: one intra-op thread avoids thread contention on a busy machine (restored afterwards)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class TinyNet(nn.Module):
    """Two convolutions (no ReLU to die at a high learning rate): enough to map a bright square to its mask."""

    divisor = 1

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Tanh())
        self.head = nn.Conv2d(4, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class CountingAugment(nn.Module):
    """Identity augmentation that counts the images it saw."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def forward(self, images, masks):
        self.seen += len(images)
        return images, masks


def squares(n: int, size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy dark images, each with one bright square; the mask is the square."""
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, size, size), bool)
    for i in range(n):
        r, c, h = *rng.integers(2, size - 12, 2), rng.integers(5, 10)
        masks[i, r : r + h, c : c + h] = True
    images = np.where(masks, 200, 40) + rng.integers(-25, 25, masks.shape)
    return images.astype(np.uint8), masks


TRAIN, VAL = squares(16), squares(8, seed=1)


def fit(model=None, **kwargs):
    options = dict(
        train_images=TRAIN[0], train_targets=TRAIN[1], val_images=VAL[0], val_targets=VAL[1], task="segment",
        input_size=32, max_epochs=2, batch_size=4, lr=0.1, progress=False,
    )
    options.update(kwargs)
    torch.manual_seed(123)  # the model's initial weights
    return train_model(model if model is not None else TinyNet(), **options)


def test_dice_and_recon_scores_hand_values():
    logits = torch.tensor([[-5.0, 5.0, 5.0, -5.0], [-5.0, -5.0, -5.0, -5.0]]).view(2, 1, 2, 2)
    target = torch.tensor([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]).view(2, 1, 2, 2)
    # image 0: |P| = 2, |G| = 1, overlap 1 → 100·3/4; image 1: empty vs empty → 100
    assert dice_per_image(logits, target).tolist() == pytest.approx([75.0, 100.0])
    images = torch.full((1, 1, 2, 2), 0.5)
    assert recon_per_image(torch.zeros(1, 1, 2, 2), images).tolist() == pytest.approx([100.0])
    assert recon_per_image(torch.full((1, 1, 2, 2), 50.0), images).tolist() == pytest.approx([50.0])


def test_segment_training_learns_and_logs_with_dvclive(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = fit(max_epochs=6, live_dir=tmp_path / "live")
    first, last = result.history[0], result.history[-1]
    assert result.epochs_run == len(result.history) == 6
    assert last["train/loss"] < first["train/loss"] / 2
    assert first["val/dice"] < 50.0 and result.best_score > 95.0 and result.best_score == max(row["val/dice"] for row in result.history)
    assert not result.model.training
    metrics = json.loads((tmp_path / "live" / "metrics.json").read_text())
    assert metrics["val"]["dice"] == pytest.approx(last["val/dice"])
    assert (tmp_path / "live" / "plots" / "metrics" / "val" / "dice.tsv").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live"]  # no lightning_logs or checkpoints


def test_best_weights_are_returned_for_reconstruction():
    images = TRAIN[0]
    result = fit(train_targets=images, val_targets=VAL[0], task="reconstruct", loss=None, max_epochs=3)
    assert "val/recon" in result.history[0] and 0.0 < result.best_score <= 100.0
    with torch.no_grad():
        x = torch.from_numpy(VAL[0][:, None] / 255.0).float()
        score = recon_per_image(result.model(x), x).mean().item()
    assert score == pytest.approx(result.best_score, abs=1e-3)
    assert result.best_epoch == max(range(3), key=lambda e: result.history[e]["val/recon"])


def test_same_seed_gives_identical_weights_and_restores_torch_flags():
    runs = [fit(augment=BatchAugment(), seed=seed).model.state_dict() for seed in (7, 7, 8)]
    assert all(torch.equal(runs[0][k], runs[1][k]) for k in runs[0])
    assert not all(torch.equal(runs[0][k], runs[2][k]) for k in runs[0])
    assert not torch.are_deterministic_algorithms_enabled()


def test_augmentation_runs_on_training_batches_only():
    augment = CountingAugment()
    fit(augment=augment, max_epochs=2)
    assert augment.seen == 2 * len(TRAIN[0])


def test_unet_smoke_training_changes_the_weights():
    model = build_model("unet", base_channels=4, depth=2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = fit(model, max_epochs=1, lr=1e-3, limit_train_batches=2)
    assert result.epochs_run == 1 and np.isfinite(result.best_score)
    assert not all(torch.equal(before[k], v) for k, v in result.model.state_dict().items())


def test_bad_arguments():
    with pytest.raises(UsvmaskError, match="task"):
        fit(task="classify")
    bad = TinyNet()
    bad.divisor = 5
    with pytest.raises(UsvmaskError, match="input_size"):
        fit(bad)
    with pytest.raises(UsvmaskError, match="uint8"):
        fit(train_images=TRAIN[0].astype(np.float32))


def test_sigmoid_mse_loss():
    assert SigmoidMSELoss()(torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)).item() == pytest.approx(0.25)


def test_a_model_in_eval_mode_is_trained_in_train_mode():
    """Lightning keeps submodule modes: a checkpoint loaded in eval mode must still train its BatchNorm stats."""
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Conv2d(4, 1, 1))
    model.eval()
    before = model[1].running_mean.clone()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(8, 16, 16), dtype=np.uint8)
    train_model(model, train_images=images, train_targets=images > 128, val_images=images[:2],
                val_targets=images[:2] > 128, task="segment", input_size=16, max_epochs=1, progress=False)
    assert not torch.equal(before, model[1].running_mean)
