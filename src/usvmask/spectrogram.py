"""VocalMat's image of a candidate: the one representation from synthesis to training to inference.

The recipe follows VocalMat (Dietrich lab) line by line. ``vocalmat_identifier.m`` computes the spectrogram and
keeps the rows above 45 kHz in dB::

    [S,F,T,P] = spectrogram(y2, hamming(256), 128, 1024, fs, 'yaxis');   % P: one-sided power spectral density
    min_freq = find(F>45000); F = F(min_freq); P = P(min_freq,:);
    P(P==0)=1;
    A = 10*log10(P);

and ``vocalmat_classifier.m`` saves each candidate (the images of VocalMat's dataset, and so of SqueakOut's) as::

    dx = 0.22;
    T_min_max = [-dx/2 dx/2] + [t_mid t_mid];        % t_mid: the middle time stamp of the call
    [T_min T_min] = min(abs(T_orig - T_min_max(1)));
    [T_max T_max] = min(abs(T_orig - T_min_max(2)));
    img = imresize(flipud(mat2gray(A_total(:,T_min:T_max))), [227 227]);
    imwrite(cat(3, img, img, img), ...)              % 8-bit: round(255 * img)

So a candidate is dB power, min-max scaled over the crop (``mat2gray``), flipped so that the highest frequency is
row 0, resized to 227 x 227 with MATLAB's default ``imresize`` (bicubic, a = -0.5, antialiased when shrinking,
mirrored borders) and written as 8 bits: calls are BRIGHT on a light-grey background. Here:

- ``stft_complex`` is ``spectrogram(y, hamming(256), 128, 1024, fs)`` (symmetric window, frame times at window
  centres) restricted to rows above ``fmin_hz``; ``power_db`` is ``A`` (PSD = 2|S|^2 / (fs sum w^2), the DC and
  Nyquist rows not doubled; a zero becomes 0 dB, as ``P(P==0)=1``);
- ``crop_frames`` is the ``T_min:T_max`` rule, ``candidate_image`` the ``imresize(flipud(mat2gray(.)))`` line
  with ``im2uint8``, ``imresize_matrix`` MATLAB's resampling weights;
- ``CandidateGrid`` maps crop pixels back to seconds and Hz: pixel centres are
  ``t0_s + (col + 0.5) * (t1_s - t0_s) / size`` and ``f_hi_hz - (row + 0.5) * (f_hi_hz - f_lo_hz) / size``,
  where ``[t0_s, t1_s]`` spans the crop's frames (each ``hop`` long) and ``[f_lo_hz, f_hi_hz]`` its rows.

``VOCALMAT_GREY`` holds the grey levels measured over 143 of VocalMat's own example crops (5th-95th percentile
of the per-crop median, and the typical spread, darkest and brightest pixel), the reference the importer and
``predict-images`` check a folder against.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np
import scipy.fft
import scipy.signal

from usvmask.errors import UsvmaskError

SAMPLE_RATE_HZ = 250_000
WINDOW, OVERLAP, NFFT, FMIN_HZ = 256, 128, 1024, 45_000.0
CROP_S, IMAGE_SIZE = 0.22, 227
VOCALMAT_GREY = MappingProxyType({"median_p5": 144.0, "median_p50": 179.0, "median_p95": 207.0, "iqr": 15.0,
                                  "darkest": 90.0, "brightest": 250.0})
_FRAMES_PER_BLOCK = 4096


def representation(*, crop_s: float = CROP_S, image_size: int = IMAGE_SIZE, source: str = "synthetic") -> dict:
    """The image representation of this module, as recorded in a prepared folder and in every model card."""
    return {"name": "vocalmat_candidate", "scale": "dB power (10*log10 PSD)", "polarity": "calls bright",
            "normalisation": "min-max over the crop (mat2gray)", "flip": "highest frequency in row 0",
            "resize": "MATLAB imresize, bicubic, antialiased", "image_size": int(image_size), "crop_s": float(crop_s),
            "stft": {"window": "hamming", "window_length": WINDOW, "overlap": OVERLAP, "nfft": NFFT,
                     "sample_rate_hz": SAMPLE_RATE_HZ, "fmin_hz": FMIN_HZ},
            "source": source}


def _window(window: int) -> np.ndarray:
    return scipy.signal.get_window("hamming", window, fftbins=False).astype(np.float32)


def stft_complex(
    audio: np.ndarray, sample_rate: float, *, window: int = WINDOW, overlap: int = OVERLAP, nfft: int = NFFT,
    fmin_hz: float = FMIN_HZ,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Complex STFT (F, T) complex64 of ``audio`` on VocalMat's grid: rows above ``fmin_hz``, ascending."""
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
    keep = freqs > fmin_hz
    win = _window(window)
    frames = np.lib.stride_tricks.sliding_window_view(x, window)[::hop][:n_frames]
    out = np.empty((int(keep.sum()), n_frames), dtype=np.complex64)
    for start in range(0, n_frames, _FRAMES_PER_BLOCK):
        block = frames[start : start + _FRAMES_PER_BLOCK] * win
        spec = scipy.fft.rfft(block, n=nfft, axis=1)
        out[:, start : start + block.shape[0]] = spec[:, keep].T
    times = (np.arange(n_frames) * hop + window / 2) / sample_rate
    return out, freqs[keep], times


def stft_magnitude(audio: np.ndarray, sample_rate: float, **stft: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(|S| (F,T) float32, freqs_hz (F,), times_s (T,))`` on VocalMat's grid (see ``stft_complex``)."""
    spec, freqs, times = stft_complex(audio, sample_rate, **stft)
    return np.abs(spec).astype(np.float32), freqs, times


def power_db(magnitude: np.ndarray, freqs_hz: np.ndarray, sample_rate: float, *, window: int = WINDOW,
             nfft: int = NFFT) -> np.ndarray:
    """VocalMat's ``A = 10*log10(P)`` from STFT magnitudes: one-sided PSD, zeros set to 1 (0 dB); float32."""
    w = _window(window).astype(np.float64)
    scale = np.full(len(freqs_hz), 2.0 / (sample_rate * float(np.sum(w * w))))
    edge = np.isclose(freqs_hz, 0.0) | np.isclose(freqs_hz, sample_rate / 2)  # DC and Nyquist are not doubled
    scale[edge] /= 2.0
    power = np.square(np.asarray(magnitude, dtype=np.float64)) * scale[:, None]
    power[power == 0] = 1.0
    return (10.0 * np.log10(power)).astype(np.float32)


def crop_frames(times_s: np.ndarray, centre_s: float, width_s: float = CROP_S) -> tuple[int, int]:
    """``(T_min, T_max)``: the frames nearest to ``centre_s ∓ width_s / 2`` (inclusive; clamped to the signal)."""
    if width_s <= 0:
        raise UsvmaskError(f"width_s: {width_s}; need a positive crop width such as {CROP_S}")
    first = int(np.argmin(np.abs(times_s - (centre_s - width_s / 2))))
    last = int(np.argmin(np.abs(times_s - (centre_s + width_s / 2))))
    return first, max(last, first + 1)


def _cubic(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    return ((1.5 * a**3 - 2.5 * a**2 + 1.0) * (a <= 1.0)
            + (-0.5 * a**3 + 2.5 * a**2 - 4.0 * a + 2.0) * ((a > 1.0) & (a <= 2.0)))


@lru_cache(maxsize=256)
def imresize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of MATLAB ``imresize`` along one axis: bicubic, antialiased when shrinking."""
    scale = n_out / n_in
    width = 4.0 / scale if scale < 1.0 else 4.0
    u = np.arange(1, n_out + 1) / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = left[:, None] + np.arange(int(np.ceil(width)) + 2)[None, :]  # 1-based source indices
    weights = scale * _cubic(scale * (u[:, None] - taps)) if scale < 1.0 else _cubic(u[:, None] - taps)
    weights /= weights.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(n_in), np.arange(n_in)[::-1]])  # MATLAB's symmetric border
    index = mirror[np.mod(taps.astype(int) - 1, 2 * n_in)]
    matrix = np.zeros((n_out, n_in))
    np.add.at(matrix, (np.repeat(np.arange(n_out), taps.shape[1]), index.ravel()), weights.ravel())
    return matrix


def imresize(values: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """MATLAB ``imresize(values, [h w])`` (bicubic, antialiased) of a 2-D float array; float64, unclipped."""
    height, width = (size, size) if isinstance(size, (int, np.integer)) else size
    values = np.asarray(values, dtype=np.float64)
    return imresize_matrix(values.shape[0], int(height)) @ values @ imresize_matrix(values.shape[1], int(width)).T


def mat2gray(values: np.ndarray) -> np.ndarray:
    """MATLAB ``mat2gray``: min → 0, max → 1 (a constant array gives zeros)."""
    values = np.asarray(values, dtype=np.float64)
    lo, hi = float(values.min()), float(values.max())
    return np.zeros_like(values) if hi <= lo else (values - lo) / (hi - lo)


def candidate_image(power_db_window: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """``im2uint8(imresize(flipud(mat2gray(A(:, T_min:T_max))), [size size]))`` of rows ascending in frequency."""
    gray = imresize(mat2gray(power_db_window)[::-1], size)
    return np.rint(np.clip(gray, 0.0, 1.0) * 255.0).astype(np.uint8)


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


def candidate_grid(freqs_hz: np.ndarray, times_s: np.ndarray, first: int, last: int,
                   size: int = IMAGE_SIZE) -> CandidateGrid:
    """The grid of the crop of frames ``first..last`` (inclusive) and every row of ``freqs_hz``."""
    if len(times_s) < 2 or len(freqs_hz) < 2:
        raise UsvmaskError("spectrogram: need at least 2 frames and 2 frequency rows; pass longer audio")
    dt, df = float(times_s[1] - times_s[0]), float(freqs_hz[1] - freqs_hz[0])
    return CandidateGrid(float(times_s[first]) - dt / 2, float(times_s[last]) + dt / 2,
                         float(freqs_hz[0]) - df / 2, float(freqs_hz[-1]) + df / 2, size)


def render_candidate(power: np.ndarray, freqs_hz: np.ndarray, times_s: np.ndarray, centre_s: float, *,
                     width_s: float = CROP_S, size: int = IMAGE_SIZE) -> tuple[np.ndarray, CandidateGrid, int, int]:
    """VocalMat's candidate image around ``centre_s`` from a dB power array (F, T); also its grid and frames."""
    first, last = crop_frames(times_s, centre_s, width_s)
    image = candidate_image(power[:, first : last + 1], size)
    return image, candidate_grid(freqs_hz, times_s, first, last, size), first, last
