"""The one prediction path: images at any size → network input size → batched model → probabilities back.

Construction (`enhance`), evaluation (Table 1), `predict-images` and `segment` all predict through a `Predictor`,
so a mask never depends on which stage made it. `predict_proba` resizes with `usvmask.infer.resize`, runs the
model in batches on the chosen backend (`usvmask.infer.backends`), and resizes the probabilities back to each
image's own size; `predict_model_size` skips both resizes for callers that already hold input-size images.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from usvmask.errors import UsvmaskError
from usvmask.infer.backends import BACKENDS, best_backend, resolve_device
from usvmask.infer.resize import resize_probs, resize_stack
from usvmask.models.base import size_error

log = logging.getLogger(__name__)


def _as_batch(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """float32 (N, 1, H, W) in [0, 1] as is, or uint8 (N, H, W) scaled by 1/255 to float32 (N, 1, H, W)."""
    x = torch.as_tensor(images)
    if x.dtype == torch.uint8 and x.ndim == 3:
        return x[:, None].float().div_(255.0)
    if x.dtype == torch.float32 and x.ndim == 4 and x.shape[1] == 1:
        return x
    raise UsvmaskError(
        f"images: got {x.dtype} of shape {tuple(x.shape)}; pass float32 (N, 1, H, W) in [0, 1] or uint8 (N, H, W)"
    )


class Predictor:
    """Probability maps from `model` in batches at `input_size`²; the model is copied, never changed.

    `calibration` (uint8 (N, s, s) or float32 (N, 1, s, s) images at the input size) is only used by backend
    "onnx_int8", which needs a few typical images to set its activation ranges; on the CPU, backend "auto" picks
    "onnx_int8" when it is given, else "onnx".
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        input_size: int,
        backend: str = "auto",
        device: str | torch.device = "auto",
        batch_size: int = 64,
        calibration: np.ndarray | torch.Tensor | None = None,
    ) -> None:
        self.device = resolve_device(device)
        if backend == "auto":
            backend = best_backend(calibration is not None) if self.device.type == "cpu" else "eager"
        if backend not in BACKENDS:
            raise UsvmaskError(f"backend {backend!r}: unknown; use 'auto' or one of {', '.join(BACKENDS)}")
        if batch_size < 1:
            raise UsvmaskError(f"batch_size {batch_size}: must be at least 1")
        self.divisor = int(getattr(model, "divisor", 1))
        if input_size % self.divisor:
            raise UsvmaskError("input_size: " + size_error(int(input_size), self.divisor, "height"))
        self.backend, self.batch_size, self.input_size = backend, batch_size, int(input_size)
        calibration = None if calibration is None else _as_batch(calibration)
        self._run = BACKENDS[backend](model, self.device, calibration)
        self.op_types: list[str] | None = getattr(self._run, "op_types", None)  # ONNX backends: the graph's ops
        log.info("predictor: backend %s on %s at %d²", backend, self.device, self.input_size)

    def predict_model_size(self, images: np.ndarray | torch.Tensor) -> np.ndarray:
        """Call probabilities, float32 (N, H, W), for float32 (N, 1, H, W) or uint8 (N, H, W) images as given."""
        x = _as_batch(images)
        for axis, size in zip(("height", "width"), x.shape[2:]):
            if size % self.divisor:
                raise UsvmaskError("images: " + size_error(int(size), self.divisor, axis))
        out = np.empty((x.shape[0], *x.shape[2:]), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, x.shape[0], self.batch_size):
                batch = x[start : start + self.batch_size].to(self.device)
                out[start : start + len(batch)] = torch.sigmoid(self._run(batch))[:, 0].numpy()
        return out

    def to_input_size(self, images: np.ndarray) -> np.ndarray:
        """uint8 (N, H, W) images resized to the network's input size."""
        return resize_stack(images, self.input_size)

    def predict_proba(self, images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray | list[np.ndarray]:
        """Probabilities at each image's own size: an (N, H, W) uint8 stack gives (N, H, W) float32, a list of
        2-D uint8 images (sizes may differ) a list."""
        if isinstance(images, np.ndarray):
            if images.dtype != np.uint8 or images.ndim != 3:
                raise UsvmaskError(f"images: {images.dtype} {images.shape}; pass an (N, H, W) uint8 stack")
            return resize_probs(self.predict_model_size(self.to_input_size(images)), images.shape[1:])
        small = np.stack([resize_stack(im[None], self.input_size)[0] for im in images]) if len(images) else None
        probs = self.predict_model_size(small) if small is not None else []
        return [resize_probs(p[None], im.shape)[0] for p, im in zip(probs, images)]

    def predict_masks(self, images: np.ndarray, *, threshold: float) -> np.ndarray:
        """Boolean masks (N, H, W): `predict_proba(images) > threshold`."""
        if not 0.0 < threshold < 1.0:
            raise UsvmaskError(f"threshold: {threshold} is outside (0, 1); use e.g. 0.5")
        return self.predict_proba(images) > threshold


def checkpoint_input_size(meta: dict, path: str | Path) -> int:
    """The network input size a checkpoint was trained at (the one rule for every reader of checkpoints)."""
    size = meta.get("input_size")
    if not isinstance(size, int) or size < 1:
        raise UsvmaskError(f"{path}: checkpoint has no input_size (an old or foreign file); re-create it with "
                           "dvc repro")
    return size


def load_predictor(
    path: str | Path, *, backend: str = "auto", device: str | torch.device = "auto", batch_size: int = 64,
    calibration: np.ndarray | None = None,
) -> tuple[Predictor, dict]:
    """A Predictor for a saved checkpoint, at the input size its card records; also returns the card."""
    from usvmask.infer.card import read_card
    from usvmask.models import load_model

    model, meta = load_model(path)
    meta = read_card(meta, path)
    predictor = Predictor(model, input_size=checkpoint_input_size(meta, path), backend=backend, device=device,
                          batch_size=batch_size, calibration=calibration)
    return predictor, meta
