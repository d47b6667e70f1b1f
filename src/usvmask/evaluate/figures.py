"""Example figures: spectrogram, ground truth and predicted masks side by side.

Figures are drawn on a bare :class:`matplotlib.figure.Figure` (Agg canvas), so importing or calling this
module never changes the global pyplot backend. PNGs are written atomically next to their final path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence, Sized
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from usvmask.errors import UsvmaskError
from usvmask.data.store import atomic_path
from usvmask.evaluate.metrics import dice, pixel_accuracy

TRUTH_COLOUR = (0.1, 0.8, 0.2)
MASK_COLOUR = (0.9, 0.1, 0.6)
PANEL_INCHES = 2.2


def choose_examples(kinds: Sequence[str], *, n_usv: int = 4, n_noise: int = 2, seed: int = 0) -> list[int]:
    """Pick up to ``n_usv`` call and ``n_noise`` noise indices, sorted within each kind, calls first."""
    kinds = np.asarray(kinds, dtype=str)
    unknown = sorted(set(kinds.tolist()) - {"usv", "noise"})
    if unknown:
        raise UsvmaskError(f"kinds: unknown labels {unknown}; use 'usv' or 'noise'")
    if n_usv < 0 or n_noise < 0:
        raise UsvmaskError(f"n_usv={n_usv}, n_noise={n_noise}: counts must be >= 0")
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for kind, count in (("usv", n_usv), ("noise", n_noise)):
        pool = np.flatnonzero(kinds == kind)
        picked = rng.choice(pool, size=min(count, len(pool)), replace=False) if len(pool) else pool
        chosen.extend(int(i) for i in np.sort(picked))
    return chosen


def _overlay(image: np.ndarray, mask: np.ndarray, colour: tuple[float, float, float]) -> np.ndarray:
    """Grey spectrogram as RGB with ``mask`` tinted in ``colour`` (55 % opacity)."""
    rgb = np.repeat(image[..., None].astype(np.float64) / 255.0, 3, axis=2)
    rgb[mask] = 0.45 * rgb[mask] + 0.55 * np.asarray(colour)
    return rgb


def _panel(ax: Axes, picture: np.ndarray, title: str) -> None:
    ax.imshow(picture, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def _save_atomic(fig: Figure, out_path: str | os.PathLike[str]) -> Path:
    path = Path(out_path)
    FigureCanvasAgg(fig)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    return path


def _check_lengths(names: Sequence[str], **stacks: Sized | None) -> None:
    for label, stack in stacks.items():
        if stack is not None and len(stack) != len(names):
            raise UsvmaskError(f"{label}: {len(stack)} entries for {len(names)} names; give one per example")
    if len(names) == 0:
        raise UsvmaskError("names: no examples to draw; choose at least one with choose_examples")


def _grid(n_rows: int, n_cols: int, title: str) -> tuple[Figure, np.ndarray]:
    size = (PANEL_INCHES * n_cols, (PANEL_INCHES + 0.35) * n_rows + 0.4)
    fig = Figure(figsize=size, layout="constrained")
    axes = np.asarray(fig.subplots(n_rows, n_cols, squeeze=False))
    fig.suptitle(title, fontsize=10)
    return fig, axes


def examples_figure(
    images: np.ndarray,
    truths: np.ndarray | None,
    masks: np.ndarray,
    names: Sequence[str],
    out_path: str | os.PathLike[str],
    *,
    title: str,
    scores: Sequence[float] | None = None,
) -> Path:
    """One row per example: spectrogram | truth | mask overlay (no truth column when ``truths`` is None)."""
    _check_lengths(names, images=images, truths=truths, masks=masks, scores=scores)
    if scores is None and truths is not None:
        scores = [dice(m, t) for m, t in zip(masks, truths)]
    n_cols = 2 if truths is None else 3
    fig, axes = _grid(len(names), n_cols, title)
    for row, name in enumerate(names):
        _panel(axes[row, 0], images[row], str(name))
        if truths is not None:
            _panel(axes[row, 1], _overlay(images[row], truths[row], TRUTH_COLOUR), "truth")
        label = "mask" if scores is None else f"mask, Dice {scores[row]:.1f}"
        _panel(axes[row, -1], _overlay(images[row], masks[row], MASK_COLOUR), label)
    return _save_atomic(fig, out_path)


def comparison_figure(
    images: np.ndarray,
    truths: np.ndarray,
    columns: Mapping[str, np.ndarray],
    names: Sequence[str],
    out_path: str | os.PathLike[str],
    *,
    title: str,
) -> Path:
    """Spectrogram | truth | one column per method, each titled with per-image Dice and accuracy."""
    _check_lengths(names, images=images, truths=truths, **columns)
    if not columns:
        raise UsvmaskError("columns: no methods to compare; give {name: masks}")
    fig, axes = _grid(len(names), 2 + len(columns), title)
    for row, name in enumerate(names):
        _panel(axes[row, 0], images[row], str(name))
        _panel(axes[row, 1], _overlay(images[row], truths[row], TRUTH_COLOUR), "truth")
        for col, (method, masks) in enumerate(columns.items(), start=2):
            scores = f"Dice {dice(masks[row], truths[row]):.1f} | acc {pixel_accuracy(masks[row], truths[row]):.1f}"
            _panel(axes[row, col], _overlay(images[row], masks[row], MASK_COLOUR), f"{method}\n{scores}")
    return _save_atomic(fig, out_path)
