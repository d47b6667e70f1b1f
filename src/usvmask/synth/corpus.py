"""A synthetic VocalMat-like corpus: candidate images, exact truth masks and a table of facts.

Rows come in a fixed order: all USVs (``usv_000000`` ...) then all noise (``noise_000000`` ...). Item ``i`` (its
row number) is drawn from ``SeedSequence(seed, spawn_key=(1, i))``, so the corpus is byte-identical for a seed
whatever ``workers`` is. The split follows ``usvmask.data.splits`` with counts: ``n_test_usv`` USVs and
``n_test_noise`` noise go to test, then ``val_fraction`` of the rest of each kind to val, the remainder to train.
``PAPER_PRESET`` holds the VocalMat/SqueakOut counts (10871 USVs, 2083 noise, 849 test USVs).
"""

from __future__ import annotations

import logging
import multiprocessing
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from usvmask.data.splits import assign_splits
from usvmask.errors import UsvmaskError
from usvmask.spectrogram import SAMPLE_RATE_HZ, representation
from usvmask.synth.candidate import CandidateSettings, render_noise, render_usv
from usvmask.synth.contours import CALL_CLASSES

log = logging.getLogger(__name__)

PAPER_PRESET = {"n_usv": 10871, "n_noise": 2083, "n_test_usv": 849}
COLUMNS = (
    "name", "label", "kind", "split", "duration_ms", "fmin_khz", "fmax_khz",
    "bandwidth_khz", "snr_db", "harmonic", "noise_types",
)


@dataclass
class Corpus:
    """images (N, H, W) uint8 (VocalMat candidates: calls bright), truth (N, H, W) bool, table with one row per image (``COLUMNS``)."""

    images: np.ndarray
    truth: np.ndarray
    table: pd.DataFrame
    representation: dict


def _render_item(job: tuple[int, bool, int, CandidateSettings]) -> tuple[np.ndarray, np.ndarray, dict]:
    index, is_usv, seed, settings = job
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, index)))
    return (render_usv if is_usv else render_noise)(rng, settings)


def _check(n_usv, n_noise, n_test_usv, n_test_noise, val_fraction, snr_db_min, snr_db_max, image_size,
           window_s, workers) -> None:
    counts = {"n_usv": n_usv, "n_noise": n_noise, "n_test_usv": n_test_usv, "n_test_noise": n_test_noise}
    for key, value in counts.items():
        if int(value) != value or value < 0:
            raise UsvmaskError(f"{key}: {value} must be a non-negative integer")
    if n_usv + n_noise == 0:
        raise UsvmaskError("n_usv/n_noise: both are 0; ask for at least one image")
    if n_test_usv > n_usv:
        raise UsvmaskError(f"n_test_usv: {n_test_usv} exceeds n_usv={n_usv}; lower it")
    if n_test_noise > n_noise:
        raise UsvmaskError(f"n_test_noise: {n_test_noise} exceeds n_noise={n_noise}; lower it")
    if not 0.0 <= val_fraction < 1.0:
        raise UsvmaskError(f"val_fraction: {val_fraction} must be in [0, 1)")
    if snr_db_min > snr_db_max:
        raise UsvmaskError(f"snr_db_min: {snr_db_min} exceeds snr_db_max={snr_db_max}; swap them")
    if image_size < 8:
        raise UsvmaskError(f"image_size: {image_size} is too small; use 227")
    if not 0.01 <= window_s <= 2.0:
        raise UsvmaskError(f"window_s: {window_s} s is outside [0.01, 2]; use 0.22")
    if workers < 1:
        raise UsvmaskError(f"workers: {workers} must be >= 1")


def make_corpus(
    *,
    n_usv: int,
    n_noise: int,
    n_test_usv: int,
    n_test_noise: int,
    val_fraction: float,
    seed: int,
    image_size: int = 227,
    window_s: float = 0.22,
    snr_db_min: float,
    snr_db_max: float,
    workers: int = 1,
    sample_rate: float = SAMPLE_RATE_HZ,
    harmonic_prob: float = 0.2,
    usv_click_prob: float = 0.15,
    usv_band_prob: float = 0.1,
    event_snr_db: tuple[float, float] = (12.0, 40.0),
    drift_db: float = 3.0,
    tilt_db: float = 6.0,
    smear_prob: float = 0.3,
    smear_db: tuple[float, float] = (-45.0, -25.0),
    reverb_prob: float = 0.3,
    reverb_ms: tuple[float, float] = (3.0, 20.0),
    reverb_db: tuple[float, float] = (-25.0, -8.0),
    truth_local_db: float = 10.0,
    truth_rel_db: float = 30.0,
    truth_floor_db: float = 0.0,
    class_weights: dict[str, float] | None = None,
    long_call_prob: float = 0.0,
    empty_noise_prob: float = 0.0,
) -> Corpus:
    """Render the corpus; SNRs (call STFT peak over median background, dB) are uniform in [min, max].

    Recording effects (see ``synth.candidate``): ``drift_db`` the largest slow level wobble of the background and
    ``tilt_db`` the largest spectral tilt across 45-125 kHz (both dB); ``smear_prob``/``smear_db`` how often a call
    carries broadband smear and its level under the call's peak; ``reverb_prob``/``reverb_ms``/``reverb_db`` how often
    a call has a reverberation tail, its decay time and its level under the call's peak. ``long_call_prob`` is the
    share of calls 60-190 ms long (pup calls), ``empty_noise_prob`` the share of noise candidates that hold
    background alone.
    """
    _check(n_usv, n_noise, n_test_usv, n_test_noise, val_fraction, snr_db_min, snr_db_max, image_size,
           window_s, workers)
    for key, value in (("long_call_prob", long_call_prob), ("empty_noise_prob", empty_noise_prob)):
        if not 0.0 <= value <= 1.0:
            raise UsvmaskError(f"{key}: {value} is outside [0, 1]; use e.g. 0.15")
    if class_weights is not None and (set(class_weights) - set(CALL_CLASSES) or sum(class_weights.values()) <= 0):
        raise UsvmaskError(f"class_weights: need positive weights over {list(CALL_CLASSES)}")
    settings = CandidateSettings(
        snr_db_min=float(snr_db_min), snr_db_max=float(snr_db_max), image_size=int(image_size),
        window_s=float(window_s), sample_rate=float(sample_rate), harmonic_prob=harmonic_prob,
        usv_click_prob=usv_click_prob, usv_band_prob=usv_band_prob, event_snr_db=tuple(event_snr_db),
        drift_db=float(drift_db), tilt_db=float(tilt_db), smear_prob=float(smear_prob), smear_db=tuple(smear_db),
        reverb_prob=float(reverb_prob), reverb_ms=tuple(reverb_ms), reverb_db=tuple(reverb_db),
        truth_local_db=truth_local_db, truth_rel_db=truth_rel_db,
        truth_floor_db=truth_floor_db,
        class_weights=tuple(sorted(class_weights.items())) if class_weights else None,
        long_call_prob=float(long_call_prob), empty_noise_prob=float(empty_noise_prob),
    )
    n = n_usv + n_noise
    jobs = [(i, i < n_usv, int(seed), settings) for i in range(n)]
    images = np.empty((n, image_size, image_size), dtype=np.uint8)
    truth = np.empty((n, image_size, image_size), dtype=bool)
    rows = []
    with multiprocessing.Pool(workers) if workers > 1 else _Serial() as pool:
        results = pool.imap(_render_item, jobs, chunksize=16)
        for i, (image, mask, facts) in enumerate(tqdm(results, total=n, desc="synth corpus", leave=False)):
            images[i], truth[i] = image, mask
            rows.append(facts)
    table = pd.DataFrame(rows)
    table.insert(0, "name", [f"usv_{i:06d}" for i in range(n_usv)] + [f"noise_{i:06d}" for i in range(n_noise)])
    table.insert(2, "kind", ["usv"] * n_usv + ["noise"] * n_noise)
    splits = assign_splits(table["kind"], val_fraction=val_fraction, seed=seed,
                           n_test={"usv": n_test_usv, "noise": n_test_noise})
    table.insert(3, "split", splits)
    log.info("rendered %d USV and %d noise candidates", n_usv, n_noise)
    return Corpus(images=images, truth=truth, table=table[list(COLUMNS)],
                  representation=representation(crop_s=window_s, image_size=image_size))


class _Serial:
    """The in-process stand-in for ``multiprocessing.Pool`` used when ``workers == 1``."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc) -> None:
        return None

    @staticmethod
    def imap(func, jobs, chunksize: int = 1):
        return map(func, jobs)
