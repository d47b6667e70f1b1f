"""Render calls and noise as audio at 250 kHz.

Calls are rendered by phase integration of their contour (plus a small random vibrato), with raised-cosine
attack/decay, a slow level tilt and sinusoidal amplitude modulation; some get a 2nd harmonic (2 x f0, faded out
near Nyquist). Noise is a coloured background (white + pink + brown mixtures) and four event kinds:
``click`` (sub-ms broadband impulse: a thin vertical streak), ``movement`` (tens of ms of broadband bursts),
``band`` (a constant tone, mostly 46-60 kHz, a known VocalMat false-positive source) and ``bleed`` (strong
low-frequency noise whose tail reaches above 45 kHz). Every signal here has an arbitrary scale: callers set
levels in the spectrogram domain with ``band_peak``/``band_median`` (see ``synth.corpus``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

from usvmask.errors import UsvmaskError
from usvmask.spectrogram import SAMPLE_RATE_HZ, stft_complex
from usvmask.synth.contours import CallSpec

NOISE_TYPES = ("click", "movement", "band", "bleed")
_PINK_B = (0.049922035, -0.095993537, 0.050612699, -0.004408786)
_PINK_A = (1.0, -2.494956002, 2.017265875, -0.522189400)


@dataclass(frozen=True)
class RenderedCall:
    """A clean call waveform (peak ~1) and the facts measured from what was rendered."""

    audio: np.ndarray
    f_lo_hz: float
    f_hi_hz: float
    harmonic: bool


def _raised_cosine_envelope(n: int, attack: int, decay: int) -> np.ndarray:
    env = np.ones(n)
    if attack > 0:
        env[:attack] = 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    if decay > 0:
        env[n - decay :] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, decay + 1) / decay)
    return env


def _call_envelope(n: int, rng: np.random.Generator, sample_rate: float) -> np.ndarray:
    t = np.arange(n) / sample_rate
    ramp = min(0.3 * n, rng.uniform(0.2e-3, 2.0e-3) * sample_rate)
    env = _raised_cosine_envelope(n, int(ramp * rng.uniform(0.5, 1.0)), int(ramp))
    tilt_db = rng.uniform(-8.0, 8.0) * (t / max(t[-1], 1e-9) - 0.5)
    am = 1.0 + rng.uniform(0.0, 0.35) * np.sin(2 * np.pi * rng.uniform(30.0, 300.0) * t + rng.uniform(0, 6.3))
    flutter_db = _smooth_noise(t, rng, 2.0, 1e-3)
    return env * 10 ** ((tilt_db + flutter_db) / 20) * am


def _smooth_noise(t: np.ndarray, rng: np.random.Generator, std: float, step_s: float) -> np.ndarray:
    """Gaussian values every ``step_s`` seconds, linearly interpolated onto ``t``."""
    knots = np.arange(0.0, t[-1] + 2 * step_s, step_s)
    return np.interp(t, knots, rng.normal(0.0, std, knots.size))


def render_call(
    spec: CallSpec,
    rng: np.random.Generator,
    *,
    sample_rate: float = SAMPLE_RATE_HZ,
    harmonic_prob: float = 0.2,
    vibrato_hz: float = 400.0,
    jitter_hz: float = 300.0,
) -> RenderedCall:
    """Render ``spec`` as audio; a 2nd harmonic at -3 to -15 dB is added with probability ``harmonic_prob``.

    The contour gets a sinusoidal vibrato (amplitude up to ``vibrato_hz``) and a ragged jitter (std up to
    ``jitter_hz``, new value every 0.5 ms); the level flutters by ~2 dB every ms.
    """
    n = max(2, int(round(spec.duration_s * sample_rate)))
    t = np.arange(n) / sample_rate
    rate = rng.uniform(15.0, 120.0)
    f0 = spec.contour_hz(t) + rng.uniform(0, vibrato_hz) * np.sin(2 * np.pi * rate * t + rng.uniform(0, 6.3))
    f0 = f0 + _smooth_noise(t, rng, rng.uniform(0.0, jitter_hz), 0.5e-3)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate + rng.uniform(0, 2 * np.pi)
    wave = np.sin(phase)
    nyquist = sample_rate / 2
    harmonic = bool(rng.uniform() < harmonic_prob) and bool(np.any(2 * f0 < 0.95 * nyquist))
    if harmonic:
        gate = np.clip((0.95 * nyquist - 2 * f0) / 2_000.0, 0.0, 1.0)
        wave = wave + 10 ** (-rng.uniform(3.0, 15.0) / 20) * gate * np.sin(2 * phase + rng.uniform(0, 6.3))
    audio = (wave * _call_envelope(n, rng, sample_rate)).astype(np.float32)
    return RenderedCall(audio=audio, f_lo_hz=float(f0.min()), f_hi_hz=float(f0.max()), harmonic=harmonic)


def _unit(x: np.ndarray) -> np.ndarray:
    s = float(np.std(x))
    return x / s if s > 0 else x


def draw_background_mix(rng: np.random.Generator) -> tuple[float, float, float, float]:
    """Random (pink weight, brown weight, brown pole, drift dB) for ``background_noise``."""
    return rng.uniform(0.0, 2.0), rng.uniform(0.0, 2.0), rng.uniform(0.5, 0.95), rng.uniform(0.0, 1.0)


def background_noise(
    n: int,
    rng: np.random.Generator,
    *,
    sample_rate: float = SAMPLE_RATE_HZ,
    mix: tuple[float, float, float, float] | None = None,
) -> np.ndarray:
    """Coloured background: white + pink + brown-ish mixture (``mix``, drawn if None) with a slow level drift."""
    pink_w, brown_w, pole, drift = mix if mix is not None else draw_background_mix(rng)
    white = rng.standard_normal(n)
    pink = _unit(scipy.signal.lfilter(_PINK_B, _PINK_A, rng.standard_normal(n)))
    brown = _unit(scipy.signal.lfilter([1.0], [1.0, -pole], rng.standard_normal(n)))
    x = white + pink_w * pink + brown_w * brown
    t = np.arange(n) / sample_rate
    drift_db = drift * np.sin(2 * np.pi * rng.uniform(0.5, 4.0) * t + rng.uniform(0, 6.3))
    return (x * 10 ** (drift_db / 20)).astype(np.float32)


def noise_event(kind: str, rng: np.random.Generator, *, sample_rate: float = SAMPLE_RATE_HZ,
                band_duration_s: float = 0.3) -> np.ndarray:
    """One noise event waveform of ``kind`` (see ``NOISE_TYPES``); ``band`` lasts ``band_duration_s``."""
    builders = {"click": _click, "movement": _movement, "band": _band, "bleed": _bleed}
    if kind not in builders:
        raise UsvmaskError(f"noise_types: unknown noise kind {kind!r}; valid: {list(NOISE_TYPES)}")
    return builders[kind](rng, sample_rate, band_duration_s).astype(np.float32)


def _click(rng: np.random.Generator, sample_rate: float, _: float) -> np.ndarray:
    n = int(rng.uniform(0.1e-3, 0.8e-3) * sample_rate) + 8
    decay = np.exp(-np.arange(n) / (n * rng.uniform(0.15, 0.5)))
    return rng.standard_normal(n) * decay


def _movement(rng: np.random.Generator, sample_rate: float, _: float) -> np.ndarray:
    n = int(rng.uniform(5e-3, 40e-3) * sample_rate)
    x = scipy.signal.lfilter([1.0], [1.0, -rng.uniform(0.0, 0.9)], rng.standard_normal(n))
    env = np.zeros(n)
    for _ in range(int(rng.integers(1, 6))):
        c, w = rng.uniform(0, n), rng.uniform(0.3e-3, 4e-3) * sample_rate
        env += rng.uniform(0.3, 1.0) * np.exp(-0.5 * ((np.arange(n) - c) / w) ** 2)
    return x * env


def _band(rng: np.random.Generator, sample_rate: float, duration_s: float) -> np.ndarray:
    n = int(duration_s * sample_rate)
    t = np.arange(n) / sample_rate
    centre = rng.uniform(46_000, 60_000) if rng.uniform() < 0.8 else rng.uniform(60_000, 120_000)
    f = centre + rng.uniform(0, 150) * np.sin(2 * np.pi * rng.uniform(1, 20) * t)
    am = 1.0 + rng.uniform(0, 0.3) * np.sin(2 * np.pi * rng.uniform(1, 30) * t)
    return am * np.sin(2 * np.pi * np.cumsum(f) / sample_rate + rng.uniform(0, 6.3))


def _bleed(rng: np.random.Generator, sample_rate: float, _: float) -> np.ndarray:
    n = int(rng.uniform(20e-3, 200e-3) * sample_rate)
    sos = scipy.signal.butter(int(rng.integers(2, 5)), rng.uniform(25_000, 42_000), fs=sample_rate, output="sos")
    x = scipy.signal.sosfilt(sos, rng.standard_normal(n))
    return x * _raised_cosine_envelope(n, n // 5, n // 5)


def band_peak(spec: np.ndarray, freqs_hz: np.ndarray, f_max_hz: float = 125_000.0) -> float:
    """Largest STFT magnitude at or below ``f_max_hz`` of a complex or magnitude spectrogram."""
    m = np.abs(spec[freqs_hz <= f_max_hz])
    return float(m.max()) if m.size else 0.0


def band_median(spec: np.ndarray, freqs_hz: np.ndarray, f_max_hz: float = 125_000.0) -> float:
    """Median STFT magnitude at or below ``f_max_hz``: the reference level for all SNRs."""
    return float(np.median(np.abs(spec[freqs_hz <= f_max_hz])))


def isolated_peak(signal: np.ndarray, *, sample_rate: float = SAMPLE_RATE_HZ) -> float:
    """STFT peak (45-125 kHz) of a short signal on its own, zero-padded so every sample is covered."""
    padded = np.pad(np.asarray(signal, dtype=np.float32), 256)
    spec, freqs, _ = stft_complex(padded, sample_rate)
    return band_peak(spec, freqs)
