"""What a segmentation run writes: tables (CSV, optional XLSX), per-call mask PNGs, one overview figure per file.

Every file is written to a temporary name beside its target and renamed into place, so an interrupted run never
leaves half a table or half a zip. Per-call masks of one recording go into ``masks/<name>.zip`` (uncompressed,
``call_0001.png`` ..., white = call, highest frequency on top): one file per recording instead of thousands.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from usvmask.data.store import atomic_path, encode_png, zip_member
from usvmask.segment.audio import Chunk


def write_tables(out_dir: Path, table: pd.DataFrame, *, stem: str = "calls", xlsx: bool = False) -> list[Path]:
    """``<stem>.csv`` (and ``<stem>.xlsx``) in ``out_dir``, atomically."""
    written = []
    with atomic_path(out_dir / f"{stem}.csv") as tmp:
        table.to_csv(tmp, index=False)
    written.append(out_dir / f"{stem}.csv")
    if xlsx:
        with atomic_path(out_dir / f"{stem}.xlsx") as tmp:
            table.to_excel(tmp, index=False, sheet_name="calls", engine="openpyxl")
        written.append(out_dir / f"{stem}.xlsx")
    return written


class MaskZip:
    """Collects per-call masks into a temporary uncompressed zip; ``commit`` renames it onto ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._writer = atomic_path(self.path)
        self._zip = zipfile.ZipFile(self._writer.__enter__(), "w", zipfile.ZIP_STORED)

    def __call__(self, number: int, mask: np.ndarray) -> None:
        self._zip.writestr(zip_member(f"call_{number:04d}.png"), encode_png(mask.astype(bool)))

    def commit(self) -> None:
        self._zip.close()
        self._writer.__exit__(None, None, None)

    def discard(self) -> None:
        self._zip.close()
        self._writer.__exit__(RuntimeError, RuntimeError("discarded"), None)


class Overview:
    """A small max-pooled dB spectrogram (rows x <= ``max_cols``) of a whole recording, filled chunk by chunk."""

    def __init__(self, duration_s: float, *, max_cols: int = 3000, row_pool: int = 4) -> None:
        self.row_pool = row_pool
        self.col_s = max(duration_s / max_cols, 0.002)
        self.duration_s = duration_s
        self.image = np.full((1, math.ceil(duration_s / self.col_s) + 1), -np.inf, dtype=np.float32)

    def add(self, chunk: Chunk, mag: np.ndarray, times: np.ndarray) -> None:
        """Max-pool the frames ``chunk`` owns into the overview columns (dB)."""
        own = np.flatnonzero((times >= chunk.own_start_s) & (times < chunk.own_end_s))
        if not own.size:
            return
        cols = np.minimum((times[own] / self.col_s).astype(int), self.image.shape[1] - 1)
        starts = np.concatenate([[0], np.flatnonzero(np.diff(cols)) + 1])
        pooled = np.maximum.reduceat(mag[:, own[0] : own[-1] + 1], starts, axis=1)
        pad = (-pooled.shape[0]) % self.row_pool
        pooled = np.pad(pooled, ((0, pad), (0, 0))).reshape(-1, self.row_pool, pooled.shape[1]).max(axis=1)
        if self.image.shape[0] != pooled.shape[0]:
            self.image = np.full((pooled.shape[0], self.image.shape[1]), -np.inf, dtype=np.float32)
        db = 20.0 * np.log10(np.maximum(pooled, 1e-12))
        self.image[:, cols[starts]] = np.maximum(self.image[:, cols[starts]], db)


def write_overview(path: Path, overview: Overview, table: pd.DataFrame, *, title: str,
                   f_lo_khz: float = 45.0, f_hi_khz: float = 125.0) -> None:
    """The recording's spectrogram with each call outlined (and numbered when there are few), atomically."""
    image = overview.image
    finite = image[np.isfinite(image)]
    lo, hi = (np.percentile(finite, [5, 99.9]) if finite.size else (0.0, 1.0))
    fig = Figure(figsize=(min(4 + overview.duration_s * 2, 24), 4))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.imshow(np.where(np.isfinite(image), image, lo), origin="lower", aspect="auto", cmap="gray_r", vmin=lo,
              vmax=hi, extent=(0, image.shape[1] * overview.col_s, f_lo_khz, f_hi_khz), interpolation="nearest")
    for i, call in enumerate(table.itertuples(index=False), start=1):
        ax.add_patch(Rectangle((call.Start_time, call.min_freq_total - 1), call.Duration,
                               call.max_freq_total - call.min_freq_total + 2, fill=False, ec="red", lw=0.8))
        if len(table) <= 60:
            ax.text(call.Start_time, call.max_freq_total + 2, str(i), color="red", fontsize=6)
    ax.set(xlabel="time (s)", ylabel="frequency (kHz)", xlim=(0, overview.duration_s),
           title=f"{title}: {len(table)} calls")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
