"""Render one synthetic VocalMat candidate: image, exact truth mask and facts.

Levels are set in the spectrogram domain. The reference is the median STFT magnitude of the background in
45-125 kHz; a call's ``snr_db`` is its STFT peak over that reference (so ~10 dB is barely visible, 45 dB a
glaring call), and noise events get their own peak-over-reference level. Because the STFT is linear, the image is
VocalMat's candidate (``usvmask.spectrogram.candidate_image``: dB power, min-max over the crop, high frequency on
top, MATLAB ``imresize`` to 227 x 227) of the SUM of the components' complex STFTs, and the truth comes from the
clean call component alone, on the same crop and the same resize.

Recording effects, each drawn per candidate with its own probability and level (``CandidateSettings``): a slow
background drift (level wobble in time and a spectral tilt), a vertical smear (broadband energy while a loud call
is on, as clipping or a microphone's splatter leaves), and a reverberation tail (the call convolved with a decaying
room response). Smear and tails are not call: the truth ignores them.

Truth rule: the clean call's STFT magnitude is resized onto the candidate grid; a pixel is call where that
magnitude is (1) within ``truth_local_db`` (10 dB) of the largest value within ``truth_ridge_px`` (7) rows in its
column: the ridge of the contour, about 7 px thick at 227 px; (2) within ``truth_rel_db`` (30 dB) of the clean
call's own peak; and (3) at least ``truth_floor_db`` (0 dB) above the background reference, so tails buried in
noise are left out (the peak pixel always passes (3), so USV truth is never empty). Harmonics are separate ridges,
so they are included wherever they pass (2) and (3). The rule lives in the magnitude domain, so the grey mapping
of the image does not move it. Noise-only candidates have empty truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage
import scipy.signal

from usvmask.spectrogram import SAMPLE_RATE_HZ, crop_frames, imresize, power_db, render_candidate, stft_complex
from usvmask.synth.audio import NOISE_TYPES, background_noise, band_median, band_peak, noise_event, render_call
from usvmask.synth.contours import sample_call


@dataclass(frozen=True)
class CandidateSettings:
    """Everything that shapes one candidate; see ``synth.corpus.make_corpus`` for the meaning of each."""

    snr_db_min: float
    snr_db_max: float
    image_size: int = 227
    window_s: float = 0.22
    sample_rate: float = SAMPLE_RATE_HZ
    harmonic_prob: float = 0.2
    usv_click_prob: float = 0.15
    usv_band_prob: float = 0.1
    event_snr_db: tuple[float, float] = (12.0, 40.0)
    center_jitter_s: float = 0.005
    drift_db: float = 3.0
    tilt_db: float = 6.0
    smear_prob: float = 0.3
    smear_db: tuple[float, float] = (-45.0, -25.0)
    reverb_prob: float = 0.3
    reverb_ms: tuple[float, float] = (3.0, 20.0)
    reverb_db: tuple[float, float] = (-25.0, -8.0)
    truth_local_db: float = 10.0
    truth_ridge_px: int = 7
    truth_rel_db: float = 30.0
    truth_floor_db: float = 0.0
    class_weights: tuple[tuple[str, float], ...] | None = None
    long_call_prob: float = 0.0
    empty_noise_prob: float = 0.0


def _clip_len(s: CandidateSettings) -> int:
    return int(round((s.window_s + 0.02) * s.sample_rate))


def _placed(signal: np.ndarray, n: int, start: int) -> np.ndarray:
    """``signal`` written into zeros(n) from ``start`` (clipped at both ends)."""
    out = np.zeros(n, dtype=np.float32)
    lo, hi = max(start, 0), min(start + len(signal), n)
    if hi > lo:
        out[lo:hi] = signal[lo - start : hi - start]
    return out


def _scaled_stft(signal: np.ndarray, level: float, s: CandidateSettings) -> tuple[np.ndarray, np.ndarray]:
    spec, freqs, _ = stft_complex(signal, s.sample_rate)
    peak = band_peak(spec, freqs)
    return (spec * (level / peak) if peak > 0 else spec), freqs


def _events(kinds: list[str], rng: np.random.Generator, ref: float, s: CandidateSettings, centered: bool):
    """Sum of scaled complex STFTs of noise events; the first is centred when ``centered``."""
    n = _clip_len(s)
    total = 0.0
    for i, kind in enumerate(kinds):
        wave = noise_event(kind, rng, sample_rate=s.sample_rate, band_duration_s=n / s.sample_rate)
        if kind == "band":
            start = 0
        elif centered and i == 0:
            start = n // 2 - len(wave) // 2 + int(rng.integers(-200, 201))
        else:
            start = int(rng.integers(-len(wave) // 2, n - len(wave) // 2))
        level = ref * 10 ** (rng.uniform(*s.event_snr_db) / 20)
        spec, _ = _scaled_stft(_placed(wave, n, start), level, s)
        total = total + spec
    return total


def _background(n: int, rng: np.random.Generator, s: CandidateSettings):
    """Complex STFT of the coloured background with a slow drift and a spectral tilt; freqs, times, reference."""
    mix = (*_mix(rng), float(rng.uniform(0.0, s.drift_db)))
    spec, freqs, times = stft_complex(background_noise(n, rng, sample_rate=s.sample_rate, mix=mix), s.sample_rate)
    tilt = rng.uniform(-s.tilt_db, s.tilt_db) * (freqs - freqs.mean()) / np.ptp(freqs)
    spec = spec * (10 ** (tilt / 20)).astype(np.float32)[:, None]
    return spec, freqs, times, band_median(spec, freqs)


def _mix(rng: np.random.Generator) -> tuple[float, float, float]:
    return rng.uniform(0.0, 2.0), rng.uniform(0.0, 2.0), rng.uniform(0.5, 0.95)


def _effects(call: np.ndarray, call_peak: float, rng: np.random.Generator, s: CandidateSettings):
    """Complex STFT of the smear and reverberation a placed call leaves (0.0 when neither is drawn)."""
    total = 0.0
    if rng.uniform() < s.smear_prob:
        envelope = scipy.ndimage.uniform_filter1d(np.abs(call), size=int(0.5e-3 * s.sample_rate))
        broadband = rng.standard_normal(len(call)).astype(np.float32) * envelope
        spec, _ = _scaled_stft(broadband, call_peak * 10 ** (rng.uniform(*s.smear_db) / 20), s)
        total = total + spec
    if rng.uniform() < s.reverb_prob:
        tau = rng.uniform(*s.reverb_ms) * 1e-3
        t = np.arange(int(5 * tau * s.sample_rate)) / s.sample_rate
        response = (rng.standard_normal(len(t)) * np.exp(-t / tau)).astype(np.float32)
        tail = scipy.signal.fftconvolve(call, response)[: len(call)].astype(np.float32)
        spec, _ = _scaled_stft(tail, call_peak * 10 ** (rng.uniform(*s.reverb_db) / 20), s)
        total = total + spec
    return total


def truth_mask(clean_mag: np.ndarray, ref: float, s: CandidateSettings) -> np.ndarray:
    """The truth rule of the module docstring applied to the clean call magnitude on the candidate grid."""
    ridge = scipy.ndimage.maximum_filter1d(clean_mag, size=2 * s.truth_ridge_px + 1, axis=0)
    return (
        (clean_mag >= ridge * 10 ** (-s.truth_local_db / 20))
        & (clean_mag >= clean_mag.max() * 10 ** (-s.truth_rel_db / 20))
        & (clean_mag >= min(ref * 10 ** (s.truth_floor_db / 20), float(clean_mag.max())))
    )


def _image(total: np.ndarray, freqs: np.ndarray, times: np.ndarray, s: CandidateSettings) -> np.ndarray:
    power = power_db(np.abs(total), freqs, s.sample_rate)
    image, _, _, _ = render_candidate(power, freqs, times, float(times.mean()), width_s=s.window_s,
                                      size=s.image_size)
    return image


def render_usv(rng: np.random.Generator, s: CandidateSettings) -> tuple[np.ndarray, np.ndarray, dict]:
    """One USV candidate: (image uint8, truth bool, facts) with the call near the centre."""
    n = _clip_len(s)
    spec = sample_call(rng, class_weights=dict(s.class_weights) if s.class_weights else None,
                       long_prob=s.long_call_prob)
    call = render_call(spec, rng, sample_rate=s.sample_rate, harmonic_prob=s.harmonic_prob)
    background, freqs, times, ref = _background(n, rng, s)
    snr_db = float(rng.uniform(s.snr_db_min, s.snr_db_max))
    center = n // 2 + int(rng.uniform(-1, 1) * s.center_jitter_s * s.sample_rate)
    placed = _placed(call.audio, n, center - len(call.audio) // 2)
    level = ref * 10 ** (snr_db / 20)
    clean, _ = _scaled_stft(placed, level, s)
    effects = _effects(placed, level, rng, s)
    kinds = [k for k, p in (("click", s.usv_click_prob), ("band", s.usv_band_prob)) if rng.uniform() < p]
    total = background + clean + effects + (_events(kinds, rng, ref, s, centered=False) if kinds else 0.0)
    first, last = crop_frames(times, float(times.mean()), s.window_s)
    clean_mag = imresize(np.abs(clean[:, first : last + 1])[::-1], s.image_size)
    facts = {
        "label": spec.label, "duration_ms": spec.duration_s * 1e3,
        "fmin_khz": call.f_lo_hz / 1e3, "fmax_khz": call.f_hi_hz / 1e3,
        "bandwidth_khz": (call.f_hi_hz - call.f_lo_hz) / 1e3, "snr_db": snr_db,
        "harmonic": call.harmonic, "noise_types": ",".join(["background", *kinds]),
    }
    return _image(total, freqs, times, s), truth_mask(clean_mag, ref, s), facts


def render_noise(rng: np.random.Generator, s: CandidateSettings) -> tuple[np.ndarray, np.ndarray, dict]:
    """One noise-only candidate: background plus 1-3 distinct noise events, the first centred, or (with
    probability ``empty_noise_prob``) background alone; empty truth."""
    n = _clip_len(s)
    background, freqs, times, ref = _background(n, rng, s)
    empty = s.empty_noise_prob > 0 and rng.uniform() < s.empty_noise_prob
    count = 0 if empty else int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
    kinds = [NOISE_TYPES[i] for i in rng.choice(len(NOISE_TYPES), size=count, replace=False)]
    total = background + (_events(kinds, rng, ref, s, centered=True) if kinds else 0.0)
    facts = {
        "label": "noise", "duration_ms": np.nan, "fmin_khz": np.nan, "fmax_khz": np.nan,
        "bandwidth_khz": np.nan, "snr_db": np.nan, "harmonic": False,
        "noise_types": ",".join(["background", *kinds]),
    }
    truth = np.zeros((s.image_size, s.image_size), dtype=bool)
    return _image(total, freqs, times, s), truth, facts
