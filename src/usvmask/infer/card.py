"""The model card every checkpoint carries: how its images were made, its input size and threshold, the grey
levels of its training images, the params that trained it and the usvmask version (after batdetect2 and ketos,
whose model files carry their preprocessing).

`predict-images` and `segment` take their settings from the card and check new images against its grey levels
(`usvmask.data.grey`); `usvmask info MODEL` prints it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from usvmask.data.grey import grey_stats
from usvmask.errors import UsvmaskError

REQUIRED = ("representation", "input_size", "threshold", "grey", "params_sha256", "usvmask_version")


def package_version() -> str:
    """The installed usvmask version ("unknown" when run from a bare source tree)."""
    try:
        return metadata.version("usvmask")
    except metadata.PackageNotFoundError:
        return "unknown"


def params_hash(params: Mapping[str, Any]) -> str:
    """sha256 of the params that trained a model, as sorted JSON."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def make_card(*, representation: Mapping[str, Any], images: np.ndarray, input_size: int, threshold: float,
              params: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """A card for a model trained on `images` (the training images, as stored) with `params`."""
    return {"representation": dict(representation), "input_size": int(input_size), "threshold": float(threshold),
            "grey": grey_stats(images), "params_sha256": params_hash(params), "usvmask_version": package_version(),
            **extra}


def read_card(meta: Mapping[str, Any], path: str | Path) -> dict[str, Any]:
    """The card of a loaded checkpoint; one error for a checkpoint without one (old or foreign file)."""
    missing = [key for key in REQUIRED if key not in meta]
    if missing:
        raise UsvmaskError(f"{path}: checkpoint has no model card ({', '.join(missing)} missing: an old or foreign "
                           "file); re-create it with dvc repro")
    return dict(meta)


def format_card(card: Mapping[str, Any], path: str | Path) -> str:
    """The card as indented `key: value` lines, nested sections indented under their name."""
    lines = [f"model card of {path}"]

    def walk(node: Mapping[str, Any], depth: int) -> None:
        for key in sorted(node):
            value = node[key]
            if isinstance(value, Mapping):
                lines.append(f"{'  ' * depth}{key}:")
                walk(value, depth + 1)
            else:
                lines.append(f"{'  ' * depth}{key}: {value}")

    walk(card, 1)
    return "\n".join(lines) + "\n"
