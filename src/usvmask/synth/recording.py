"""Long synthetic recordings with known, non-overlapping calls plus noise events.

Uses the same call and noise machinery as the corpus. The background is rendered in 2**20-sample chunks joined
by equal-power cross-fades (memory stays ~100 MB for 60 s). Levels are in the spectrogram domain as in
``synth.candidate``: ``snr_db`` is a call's isolated STFT peak over the background's median STFT magnitude
(45-125 kHz); noise events get ``event_snr_db``. Call onsets follow a Poisson process of rate ``call_rate_hz``,
each call starting at least ``min_gap_s`` after the previous one ended and ``edge_s`` inside the clip.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from usvmask.errors import UsvmaskError
from usvmask.spectrogram import SAMPLE_RATE_HZ, stft_complex
from usvmask.synth.audio import (
    NOISE_TYPES, background_noise, band_median, draw_background_mix, isolated_peak, noise_event, render_call,
)
from usvmask.synth.contours import sample_call

CALL_COLUMNS = ("start_s", "end_s", "label", "fmin_hz", "fmax_hz", "harmonic", "snr_db")
_CHUNK = 2**20
_FADE = 4096


def _long_background(n: int, rng: np.random.Generator, sample_rate: float) -> np.ndarray:
    mix = draw_background_mix(rng)
    out = np.empty(n, dtype=np.float32)
    fade_in = np.sin(0.5 * np.pi * (np.arange(_FADE) + 0.5) / _FADE).astype(np.float32)
    fade_out = np.sqrt(1.0 - fade_in**2)
    pos, tail = 0, None
    while pos < n:
        chunk = background_noise(min(_CHUNK, n - pos) + _FADE, rng, sample_rate=sample_rate, mix=mix)
        if tail is not None:
            chunk[:_FADE] = chunk[:_FADE] * fade_in + tail * fade_out
        take = min(len(chunk) - _FADE, n - pos)
        out[pos : pos + take] = chunk[:take]
        tail, pos = chunk[take : take + _FADE], pos + take
    return out


def _add(audio: np.ndarray, wave: np.ndarray, start: int, scale: float) -> None:
    stop = min(start + len(wave), len(audio))
    audio[start:stop] += scale * wave[: stop - start]


def _place_calls(audio, rng, ref, *, call_rate_hz, snr_db_min, snr_db_max, min_gap_s, edge_s, sample_rate,
                 harmonic_prob) -> pd.DataFrame:
    duration = len(audio) / sample_rate
    rows, t = [], edge_s
    while True:
        t += rng.exponential(1.0 / call_rate_hz)
        spec = sample_call(rng)
        if t + spec.duration_s > duration - edge_s:
            break
        call = render_call(spec, rng, sample_rate=sample_rate, harmonic_prob=harmonic_prob)
        snr_db = float(rng.uniform(snr_db_min, snr_db_max))
        start = int(round(t * sample_rate))
        scale = ref * 10 ** (snr_db / 20) / isolated_peak(call.audio, sample_rate=sample_rate)
        _add(audio, call.audio, start, scale)
        end_s = (start + len(call.audio)) / sample_rate
        rows.append((start / sample_rate, end_s, spec.label, call.f_lo_hz, call.f_hi_hz, call.harmonic, snr_db))
        t = end_s + min_gap_s
    return pd.DataFrame(rows, columns=list(CALL_COLUMNS))


def _add_noise_events(audio, rng, ref, *, rate_hz, event_snr_db, sample_rate) -> None:
    duration = len(audio) / sample_rate
    for _ in range(int(rng.poisson(rate_hz * duration))):
        kind = NOISE_TYPES[int(rng.integers(len(NOISE_TYPES)))]
        wave = noise_event(kind, rng, sample_rate=sample_rate, band_duration_s=rng.uniform(0.2, 2.0))
        start = int(rng.integers(0, len(audio)))
        level = ref * 10 ** (rng.uniform(*event_snr_db) / 20)
        _add(audio, wave, start, level / isolated_peak(wave, sample_rate=sample_rate))


def make_recording(
    duration_s: float,
    *,
    seed: int,
    call_rate_hz: float = 2.0,
    sample_rate: float = SAMPLE_RATE_HZ,
    snr_db_min: float = 12.0,
    snr_db_max: float = 50.0,
    noise_event_rate_hz: float = 0.5,
    event_snr_db: tuple[float, float] = (12.0, 40.0),
    min_gap_s: float = 0.02,
    edge_s: float = 0.05,
    harmonic_prob: float = 0.2,
) -> tuple[np.ndarray, pd.DataFrame]:
    """A recording (float32 1-D) and its calls (``CALL_COLUMNS``), sorted by start and non-overlapping."""
    if duration_s <= 2 * edge_s:
        raise UsvmaskError(f"duration_s: {duration_s} s is too short; need more than {2 * edge_s} s")
    if call_rate_hz <= 0 or noise_event_rate_hz < 0:
        raise UsvmaskError("call_rate_hz/noise_event_rate_hz: need call_rate_hz > 0 and noise_event_rate_hz >= 0")
    if snr_db_min > snr_db_max:
        raise UsvmaskError(f"snr_db_min: {snr_db_min} exceeds snr_db_max={snr_db_max}; swap them")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n = int(round(duration_s * sample_rate))
    audio = _long_background(n, rng, sample_rate)
    spec, freqs, _ = stft_complex(audio[: min(n, int(sample_rate))], sample_rate)
    ref = band_median(spec, freqs)
    calls = _place_calls(
        audio, rng, ref, call_rate_hz=call_rate_hz, snr_db_min=snr_db_min, snr_db_max=snr_db_max,
        min_gap_s=min_gap_s, edge_s=edge_s, sample_rate=sample_rate, harmonic_prob=harmonic_prob,
    )
    _add_noise_events(audio, rng, ref, rate_hz=noise_event_rate_hz, event_snr_db=event_snr_db,
                      sample_rate=sample_rate)
    return audio, calls
