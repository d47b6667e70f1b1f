"""Segmentation models by name: `build_model("squeakout")`, `build_model("unet", base_channels=8)`."""

from __future__ import annotations

import inspect
from types import MappingProxyType
from typing import Callable, Mapping

from usvmask.errors import UsvmaskError
from usvmask.models.base import SegmentationModel, load_model, save_model
from usvmask.models.squeakout import build_squeakout
from usvmask.models.unet import build_unet

# Read-only: registry entries are never mutated.
MODELS: Mapping[str, Callable[..., SegmentationModel]] = MappingProxyType(
    {"squeakout": build_squeakout, "unet": build_unet}
)

__all__ = ["MODELS", "SegmentationModel", "build_model", "load_model", "save_model"]


def build_model(name: str, **kwargs) -> SegmentationModel:
    """Build registered model `name` with `kwargs`; the model remembers both (`model.name`, `model.kwargs`)."""
    if name not in MODELS:
        raise UsvmaskError(f"model name {name!r}: unknown; use one of {', '.join(sorted(MODELS))}")
    builder = MODELS[name]
    allowed = inspect.signature(builder).parameters
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise UsvmaskError(
            f"model {name!r}: unknown option(s) {', '.join(unknown)}; valid options are {', '.join(allowed)}"
        )
    model = builder(**kwargs)
    model.name, model.kwargs = name, dict(kwargs)
    return model
