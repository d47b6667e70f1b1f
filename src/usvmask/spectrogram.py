"""VocalMat-style spectrograms and 227x227 candidate crops.

The STFT matches MATLAB ``spectrogram(y, hamming(256), 128, 1024, fs)`` as VocalMat calls it (symmetric
Hamming window, no scaling, frame times at window centres); rows below ``fmin_hz`` are dropped. The gray image
follows VocalMat: magnitude / max, complemented, then contrast-stretched like MATLAB ``imadjust`` with its
default ``stretchlim`` tails, so calls are DARK on a LIGHT background.

Candidate crops cover ``width_s`` seconds around an event and every kept frequency row, flipped so that row 0
is the HIGHEST frequency, resized with ``cv2.INTER_AREA``. ``CandidateGrid`` maps crop pixels back to seconds and
Hz: pixel centres are ``t0_s + (col + 0.5) * (t1_s - t0_s) / size`` and
``f_hi_hz - (row + 0.5) * (f_hi_hz - f_lo_hz) / size``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import scipy.fft
import scipy.signal

from usvmask.errors import UsvmaskError

SAMPLE_RATE_HZ = 250_000
_FRAMES_PER_BLOCK = 4096


def stft_complex(
    audio: np.ndarray,
    sample_rate: float,
    *,
    window: int = 256,
    overlap: int = 128,
    nfft: int = 1024,
    fmin_hz: float = 45_000.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Complex STFT (F, T) complex64 of ``audio`` on the VocalMat grid; see ``stft_magnitude``."""
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 1:
        raise UsvmaskError(f"audio: expected a 1-D signal, got shape {x.shape}; pass one channel")
    if not 0 <= overlap < window <= nfft:
        raise UsvmaskError("window/overlap/nfft: need 0 <= overlap < window <= nfft; fix the STFT settings")
    if x.size < window:
        raise UsvmaskError(f"audio: {x.size} samples is shorter than one window ({window}); pass longer audio")
    hop = window - overlap
    n_frames = 1 + (x.size - window) // hop
    freqs = np.arange(nfft // 2 + 1) * (sample_rate / nfft)
    keep = freqs >= fmin_hz
    win = scipy.signal.get_window("hamming", window, fftbins=False).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, window)[::hop][:n_frames]
    out = np.empty((int(keep.sum()), n_frames), dtype=np.complex64)
    for start in range(0, n_frames, _FRAMES_PER_BLOCK):
        block = frames[start : start + _FRAMES_PER_BLOCK] * win
        spec = scipy.fft.rfft(block, n=nfft, axis=1)
        out[:, start : start + block.shape[0]] = spec[:, keep].T
    times = (np.arange(n_frames) * hop + window / 2) / sample_rate
    return out, freqs[keep], times


def stft_magnitude(
    audio: np.ndarray,
    sample_rate: float,
    *,
    window: int = 256,
    overlap: int = 128,
    nfft: int = 1024,
    fmin_hz: float = 45_000.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """VocalMat's spectrogram magnitude: ``(mag (F,T) float32, freqs_hz (F,), times_s (T,))``, F ascending."""
    spec, freqs, times = stft_complex(
        audio, sample_rate, window=window, overlap=overlap, nfft=nfft, fmin_hz=fmin_hz
    )
    return np.abs(spec).astype(np.float32), freqs, times


def vocalmat_gray(
    mag: np.ndarray, *, saturation: float = 0.01, limits: tuple[float, float] | None = None
) -> np.ndarray:
    """Magnitude -> float32 [0, 1]: normalise by max, complement, stretch like MATLAB ``imadjust``.

    The stretch maps ``limits`` (in complemented units, like ``imadjust(I, [low high])``) to [0, 1]; by default
    they are the ``saturation`` and ``1 - saturation`` quantiles (``stretchlim``), so each tail saturates.
    """
    if not 0.0 <= saturation < 0.5:
        raise UsvmaskError(f"saturation: {saturation} is outside [0, 0.5); use e.g. 0.01")
    m = np.asarray(mag, dtype=np.float32)
    peak = float(m.max()) if m.size else 0.0
    comp = 1.0 - (m / peak if peak > 0 else m)
    if limits is not None:
        lo, hi = limits
    else:
        lo, hi = np.quantile(comp, [saturation, 1.0 - saturation]) if m.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = 0.0, 1.0
    return np.clip((comp - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class CandidateGrid:
    """Where a square candidate image sits in time (s) and frequency (Hz); row 0 is the highest frequency."""

    t0_s: float
    t1_s: float
    f_lo_hz: float
    f_hi_hz: float
    size: int

    def col_to_time(self, col):
        """Pixel column (may be fractional) -> time of its centre in seconds."""
        return self.t0_s + (np.asarray(col, dtype=float) + 0.5) * (self.t1_s - self.t0_s) / self.size

    def time_to_col(self, t_s):
        """Time in seconds -> fractional pixel column (inverse of ``col_to_time``)."""
        return (np.asarray(t_s, dtype=float) - self.t0_s) * self.size / (self.t1_s - self.t0_s) - 0.5

    def row_to_freq(self, row):
        """Pixel row (may be fractional) -> frequency of its centre in Hz (row 0 = highest)."""
        return self.f_hi_hz - (np.asarray(row, dtype=float) + 0.5) * (self.f_hi_hz - self.f_lo_hz) / self.size

    def freq_to_row(self, f_hz):
        """Frequency in Hz -> fractional pixel row (inverse of ``row_to_freq``)."""
        return (self.f_hi_hz - np.asarray(f_hz, dtype=float)) * self.size / (self.f_hi_hz - self.f_lo_hz) - 0.5


def candidate_grid(
    freqs_hz: np.ndarray, times_s: np.ndarray, center_s: float, *, width_s: float = 0.22, size: int = 227
) -> tuple[CandidateGrid, int, int]:
    """The grid of the crop around ``center_s`` plus its first frame index and frame count."""
    if width_s <= 0 or size < 1:
        raise UsvmaskError(f"width_s/size: need width_s > 0 and size >= 1, got {width_s}, {size}")
    if len(times_s) < 2 or len(freqs_hz) < 2:
        raise UsvmaskError("spectrogram: need at least 2 frames and 2 frequency rows; pass longer audio")
    dt = float(times_s[1] - times_s[0])
    df = float(freqs_hz[1] - freqs_hz[0])
    n_cols = max(1, int(round(width_s / dt)))
    first = int(round((center_s - times_s[0]) / dt)) - n_cols // 2
    t0 = float(times_s[0]) + (first - 0.5) * dt
    grid = CandidateGrid(t0, t0 + n_cols * dt, float(freqs_hz[0]) - df / 2, float(freqs_hz[-1]) + df / 2, size)
    return grid, first, n_cols


def crop_values(
    values: np.ndarray,
    freqs_hz: np.ndarray,
    times_s: np.ndarray,
    center_s: float,
    *,
    width_s: float = 0.22,
    size: int = 227,
    pad_value: float = 0.0,
) -> tuple[np.ndarray, CandidateGrid]:
    """Crop a float (F, T) array around ``center_s``, flip high-frequency-up, area-resize to (size, size)."""
    grid, first, n_cols = candidate_grid(freqs_hz, times_s, center_s, width_s=width_s, size=size)
    vals = np.asarray(values, dtype=np.float32)
    window = np.full((vals.shape[0], n_cols), pad_value, dtype=np.float32)
    lo, hi = max(first, 0), min(first + n_cols, vals.shape[1])
    if hi > lo:
        window[:, lo - first : hi - first] = vals[:, lo:hi]
    resized = cv2.resize(window[::-1], (size, size), interpolation=cv2.INTER_AREA)
    return resized.astype(np.float32), grid


def crop_candidate(
    gray: np.ndarray,
    freqs_hz: np.ndarray,
    times_s: np.ndarray,
    center_s: float,
    *,
    width_s: float = 0.22,
    size: int = 227,
) -> tuple[np.ndarray, CandidateGrid]:
    """A VocalMat candidate image (size, size) uint8 around ``center_s``; edges padded with the median gray."""
    pad = float(np.median(gray))
    crop, grid = crop_values(gray, freqs_hz, times_s, center_s, width_s=width_s, size=size, pad_value=pad)
    return np.clip(np.rint(crop * 255.0), 0, 255).astype(np.uint8), grid


def crop_mask(
    mask: np.ndarray,
    freqs_hz: np.ndarray,
    times_s: np.ndarray,
    center_s: float,
    *,
    width_s: float = 0.22,
    size: int = 227,
    min_fraction: float = 0.5,
) -> np.ndarray:
    """Resize a (F, T) bool mask onto the candidate grid: a pixel is True where >= ``min_fraction`` of it is."""
    frac, _ = crop_values(mask.astype(np.float32), freqs_hz, times_s, center_s, width_s=width_s, size=size)
    return frac >= min_fraction - 1e-6
