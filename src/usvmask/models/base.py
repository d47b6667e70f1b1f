"""Encoder → decoder → head segmentation model, input-size checks and atomic checkpoints."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import torch
from torch import nn

from usvmask.errors import UsvmaskError
from usvmask.data.store import write_bytes

log = logging.getLogger(__name__)


def size_error(size: int, divisor: int, axis: str) -> str:
    """One-line message naming the nearest valid size(s) for a spatial size that `divisor` does not divide."""
    down, up = (size // divisor) * divisor, (size // divisor + 1) * divisor
    if down == 0:
        fix = f"use {up}"
    elif size - down < up - size:
        fix = f"use {down} (or {up})"
    else:
        fix = f"use {up} (or {down})"
    return f"input size {size} ({axis}) is not divisible by {divisor}; {fix}"


class Encoder(nn.Module):
    """Base encoder: `forward(x)` returns feature maps shallow → deep; declares `out_channels` and `divisor`."""

    in_channels: int
    out_channels: tuple[int, ...]
    divisor: int

    def check_input(self, x: torch.Tensor) -> None:
        """Raise UsvmaskError unless x is (B, C, H, W) with the expected C and H, W divisible by `divisor`."""
        if torch.jit.is_tracing():  # ONNX export: sizes were checked before tracing
            return
        expected = self.in_channels
        if x.ndim != 4 or x.shape[1] != expected:
            raise UsvmaskError(f"model input: shape {tuple(x.shape)} is not (B, {expected}, H, W); reshape the batch")
        for axis, size in zip(("height", "width"), x.shape[2:]):
            if size % self.divisor:
                raise UsvmaskError(size_error(int(size), self.divisor, axis))


class Decoder(nn.Module):
    """Base decoder: consumes the encoder features; with `use_skips` False the skip maps are replaced by zeros."""

    use_skips: bool = True

    def skip(self, feature: torch.Tensor) -> torch.Tensor:
        return feature if self.use_skips else torch.zeros_like(feature)


class SegmentationModel(nn.Module):
    """Encoder → decoder → head; (B, 1, H, W) floats in [0, 1] → (B, 1, H, W) logits."""

    def __init__(self, encoder: Encoder, decoder: Decoder, head: nn.Module) -> None:
        super().__init__()
        self.encoder, self.decoder, self.head = encoder, decoder, head
        self.name: str = ""
        self.kwargs: dict = {}

    @property
    def divisor(self) -> int:
        """Input height and width must be multiples of this."""
        return self.encoder.divisor

    def set_skips(self, enabled: bool) -> None:
        """Turn skip connections on (segmentation) or off (bottleneck autoencoder pretraining); weights are shared."""
        self.decoder.use_skips = bool(enabled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.encoder(x)
        decoded = self.decoder(features)
        return self.head(decoded)


def init_weights(module: nn.Module) -> None:
    """He-normal (fan-out) convolutions with zero bias, unit BatchNorm — the MobileNetV2/SqueakOut initialisation."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            nn.init.normal_(m.weight, 0.0, (2.0 / fan_out) ** 0.5)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def save_model(model: SegmentationModel, path: str | Path, *, meta: dict | None = None) -> None:
    """Write {"name", "kwargs", "state_dict", "meta"} atomically and byte-stably (same weights, same bytes)."""
    path = Path(path)
    if not model.name:
        raise UsvmaskError(f"{path}: model has no registry name; build it with usvmask.models.build_model")
    payload = {"name": model.name, "kwargs": dict(model.kwargs), "state_dict": model.state_dict(), "meta": meta or {}}
    buffer = io.BytesIO()  # a buffer, not the temp file: the archive's record names then do not depend on a random name
    torch.save(payload, buffer)
    write_bytes(path, buffer.getvalue())
    log.info("saved %s model to %s", model.name, path)


def load_model(path: str | Path, map_location: str | torch.device = "cpu") -> tuple[SegmentationModel, dict]:
    """Rebuild a model saved by `save_model` through the registry; returns (model in eval mode, meta)."""
    from usvmask.models import build_model

    path = Path(path)
    if not path.is_file():
        raise UsvmaskError(f"{path}: checkpoint not found; check the path or run the training stage")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:
        raise UsvmaskError(f"{path}: not a readable checkpoint ({type(exc).__name__}); re-create it") from exc
    if not isinstance(payload, dict) or not {"name", "kwargs", "state_dict"} <= payload.keys():
        raise UsvmaskError(f"{path}: checkpoint lacks name/kwargs/state_dict; save it with usvmask.models.save_model")
    try:
        model = build_model(payload["name"], **payload["kwargs"])
    except UsvmaskError as exc:
        raise UsvmaskError(f"{path}: {exc}") from exc
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as exc:
        raise UsvmaskError(f"{path}: weights do not fit model {payload['name']!r}; re-create the checkpoint") from exc
    return model.eval(), payload.get("meta") or {}
