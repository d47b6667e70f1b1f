"""Train a segmentation model (or pretrain it as an autoencoder) with Lightning.

`train_model` keeps the weights of the best validation epoch in memory (no checkpoint files) and loads them into
the model before returning. Scores are defined in `usvmask.train.module`. Runs on CPU with the same seed give
byte-identical weights; GPU runs are seeded but may differ in the last bits.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping
from torch import nn

from usvmask.train.datamodule import SegmentationDataModule
from usvmask.errors import UsvmaskError
from usvmask.train.module import SCORES, TASKS, SegmentationModule, SigmoidMSELoss

log = logging.getLogger(__name__)
QUIET_LOGGERS = ("lightning.pytorch", "lightning.fabric", "dvclive")
EXPECTED_WARNINGS = (  # by design here (the augmentation hook) or about Lightning's own use of torch
    r".*overridden `on_after_batch_transfer`.*",
    r".*isinstance\(treespec, LeafSpec\)` is deprecated.*",
    r".*does not have many workers.*",
)


@dataclass
class TrainResult:
    """The trained model (best validation weights loaded, eval mode) and what happened during training."""

    model: nn.Module
    best_score: float
    best_epoch: int
    epochs_run: int
    history: list[dict] = field(default_factory=list)


class BestWeights(Callback):
    """Keeps a CPU copy of the model's state_dict from the epoch with the highest `monitor`, plus a per-epoch history."""

    def __init__(self, monitor: str) -> None:
        self.monitor = monitor
        self.best_score, self.best_epoch, self.state = -float("inf"), -1, None
        self.history: list[dict] = []

    def on_validation_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if trainer.sanity_checking or self.monitor not in trainer.callback_metrics:
            return
        score = float(trainer.callback_metrics[self.monitor])
        if score > self.best_score:
            self.best_score, self.best_epoch = score, trainer.current_epoch
            self.state = {k: v.detach().cpu().clone() for k, v in module.model.state_dict().items()}

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        row = {"epoch": trainer.current_epoch, "lr": trainer.optimizers[0].param_groups[0]["lr"]}
        row.update({k: float(v) for k, v in sorted(trainer.callback_metrics.items()) if "/" in k})
        self.history.append(row)


@contextlib.contextmanager
def _quiet_and_restored():
    """Silence Lightning's info logs and chatty warnings; restore torch's deterministic-algorithms setting after."""
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    try:
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        with warnings.catch_warnings():
            for message in EXPECTED_WARNINGS:
                warnings.filterwarnings("ignore", message=message)
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)


def _make_logger(live_dir: str | Path | None):
    """DVCLive logger writing metrics files into `live_dir` (no dvc.yaml, no experiment saving, no report)."""
    if live_dir is None:
        return False
    from dvclive import Live
    from dvclive.lightning import DVCLiveLogger
    from scmrepo.exceptions import SCMError

    options = {"dir": str(live_dir), "dvcyaml": None, "save_dvc_exp": False, "report": None}
    try:
        live = Live(**options)
    except SCMError:
        log.warning("DVCLive cannot read the Git repository (no commits yet?); writing metrics files only")
        live = _files_only_live(**options)
    return DVCLiveLogger(experiment=live)


def _files_only_live(**options):
    """A DVCLive `Live` without its Git/DVC experiment handling, which fails in a repository without commits."""
    from dvclive import Live

    class FilesOnlyLive(Live):
        def _init_dvc(self) -> None:
            self._dvc_file = "dvc.yaml"

    return FilesOnlyLive(**options)


def _default_loss(task: str) -> nn.Module:
    if task == "reconstruct":
        return SigmoidMSELoss()
    from usvmask.train.losses import HybridLoss

    return HybridLoss()


def _make_trainer(
    best: BestWeights, root: str, *, accelerator: str, max_epochs: int, early_stop_patience: int,
    live_dir: str | Path | None, limit_train_batches: int | float | None, progress: bool,
) -> L.Trainer:
    """A quiet Trainer: no checkpoint files, outputs under `root`, early stopping and best weights on the score."""
    stop = EarlyStopping(monitor=best.monitor, mode="max", patience=early_stop_patience, check_on_train_epoch_end=False)
    return L.Trainer(
        accelerator=accelerator,
        devices=1,
        max_epochs=max_epochs,
        deterministic=True if accelerator == "cpu" else "warn",
        logger=_make_logger(live_dir),
        callbacks=[best, stop],
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=progress,
        default_root_dir=root,
        num_sanity_val_steps=0,
        log_every_n_steps=1,
        limit_train_batches=limit_train_batches,
    )


def train_model(
    model: nn.Module,
    *,
    train_images: np.ndarray,
    train_targets: np.ndarray,
    val_images: np.ndarray,
    val_targets: np.ndarray,
    task: str,
    input_size: int,
    max_epochs: int,
    batch_size: int = 8,
    lr: float = 1e-4,
    loss: nn.Module | None = None,
    augment: nn.Module | None = None,
    plateau_factor: float = 0.1,
    plateau_patience: int = 5,
    early_stop_patience: int = 15,
    live_dir: str | Path | None = None,
    seed: int = 0,
    accelerator: str = "cpu",
    limit_train_batches: int | float | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train `model` (Adam, plateau LR schedule and early stopping on the validation score) and return the best.

    task "segment": targets are bool masks, default loss `HybridLoss()`, score `val/dice`. task "reconstruct":
    targets are the uint8 images, default loss MSE on sigmoid(logits), score `val/recon` (skip connections are
    the caller's business: `model.set_skips(False)` before, `True` after). `augment(images, masks)` runs on
    training batches on the device. With `live_dir`, DVCLive writes metrics there.
    """
    if task not in TASKS:
        raise UsvmaskError(f"task {task!r}: unknown; use one of {', '.join(TASKS)}")
    if max_epochs < 1:
        raise UsvmaskError(f"max_epochs: {max_epochs}; use at least 1")
    divisor = int(getattr(model, "divisor", 1))
    if input_size % divisor:
        raise UsvmaskError(f"input_size: {input_size} is not divisible by {divisor}; use a multiple of {divisor}")
    data = SegmentationDataModule(
        train_images, train_targets, val_images, val_targets, input_size=input_size, batch_size=batch_size, seed=seed
    )
    loss = loss if loss is not None else _default_loss(task)
    module = SegmentationModule(
        model, loss, task=task, augment=augment, lr=lr, plateau_factor=plateau_factor, plateau_patience=plateau_patience
    )
    best = BestWeights(SCORES[task])
    model.train()  # Lightning keeps each submodule's mode: a loaded (eval-mode) model would train with frozen BN
    with _quiet_and_restored(), tempfile.TemporaryDirectory(prefix="usvmask-train-") as root:
        L.seed_everything(seed, workers=True, verbose=False)
        trainer = _make_trainer(
            best, root, accelerator=accelerator, max_epochs=max_epochs, early_stop_patience=early_stop_patience,
            live_dir=live_dir, limit_train_batches=limit_train_batches, progress=progress,
        )
        trainer.fit(module, datamodule=data)
    if best.state is None:
        raise UsvmaskError(f"{best.monitor}: never a finite validation score; lower lr or check the data")
    model.load_state_dict(best.state)
    model.eval()
    log.info("%d epochs; best %s %.3f at epoch %d", len(best.history), best.monitor, best.best_score, best.best_epoch)
    return TrainResult(model, best.best_score, best.best_epoch, len(best.history), best.history)
