"""`predict-images` and `segment` on real mouse audio: vocalpy's example clips BM003.wav and deermouse-go.wav.

The issue's criterion: predict-images on PNG candidates rendered from the two real clips gives masks that are not
empty on the calls and empty on crops of pure background from the same clips; `segment` finds at least 3 calls in
BM003 and the 4 pup calls of deermouse-go.

No trained model ships with the repository (and none may be downloaded), so the module fixture trains one: a
small U-Net (8 base channels, 3 levels, input 64) on a small synthetic corpus (200 USV + 100 noise candidates,
seed 0) with the corpus's TRUTH masks as targets. That is fine for a test of inference: what is tested is real
audio -> VocalMat candidate -> model -> masks and calls, not how training masks are made. About 60 s of CPU.

The call times below were read off the project's own spectrogram of each clip (45-125 kHz, hand-checked):
BM003 (house mouse, 300 kHz, resampled to 250 kHz) holds 3 calls; deermouse-go holds 4 long arching pup calls
(two harmonics, broadband smear while they sound) and three fast sweeps that are neither pup calls nor background.
Background crops are a crop's worth (0.22 s) of each clip's frames lying more than 10 ms from every listed sound:
no gap between the sounds is as long as a crop.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.signal
import soundfile as sf
import torch
from PIL import Image

from usvmask.cli import main as usvmask
from usvmask.data.store import write_png
from usvmask.spectrogram import SAMPLE_RATE_HZ, candidate_image, crop_frames, power_db, render_candidate, stft_complex
from usvmask.synth.corpus import make_corpus

from helpers import truth_trained_unet

CALLS = {  # (onset s, offset s) of every call, read off the spectrograms
    "BM003.wav": ((0.036, 0.100), (0.180, 0.245), (0.340, 0.372)),
    "deermouse-go.wav": ((0.028, 0.158), (0.292, 0.408), (0.509, 0.620), (0.721, 0.830)),
}
OTHER = {"BM003.wav": (), "deermouse-go.wav": ((0.158, 0.190), (0.935, 0.985), (1.125, 1.165))}  # fast sweeps
SLACK_S = 0.005  # tolerance of the hand-listed times
GUARD_S = 0.01  # background frames lie this far from every listed sound
CORPUS = dict(n_usv=200, n_noise=100, n_test_usv=0, n_test_noise=0, val_fraction=0.15, seed=0, snr_db_min=10.0,
              snr_db_max=45.0, workers=2)


def examples() -> Path:
    spec = importlib.util.find_spec("vocalpy")
    if spec is None or spec.origin is None:
        pytest.skip("vocalpy is not importable: its example clips BM003.wav and deermouse-go.wav are the real audio "
                    "(pip install vocalpy)")
    return Path(spec.origin).parent / "examples"


def spectrogram(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dB power (F, T), freqs and times of one clip at 250 kHz (300 kHz resampled with resample_poly(5, 6))."""
    audio, rate = sf.read(examples() / name, dtype="float32")
    assert rate in (250_000, 300_000), f"{name}: {rate} Hz"
    if rate == 300_000:
        audio = scipy.signal.resample_poly(audio, 5, 6).astype(np.float32)
    spec, freqs, times = stft_complex(audio, SAMPLE_RATE_HZ)
    return power_db(np.abs(spec), freqs, SAMPLE_RATE_HZ), freqs, times


def background_crops(power: np.ndarray, times: np.ndarray, sounds, n: int = 2) -> list[np.ndarray]:
    """``n`` candidates of the frames more than GUARD_S from every sound, joined (cyclically), at even offsets."""
    free = np.ones(len(times), dtype=bool)
    for start, end in sounds:
        free &= (times < start - GUARD_S) | (times > end + GUARD_S)
    first, last = crop_frames(times, float(times[len(times) // 2]))
    frames = power[:, free]
    return [candidate_image(np.take(frames, np.arange(o, o + last - first + 1), axis=1, mode="wrap"))
            for o in np.arange(n) * frames.shape[1] // n]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread for the whole module (deterministic training on a busy machine), restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    examples()
    corpus = make_corpus(**CORPUS)
    return truth_trained_unet(tmp_path_factory.mktemp("model") / "unet.pt", corpus, input_size=64, max_epochs=25)


@pytest.fixture(scope="module")
def crops(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """PNG candidates of every call (centred on its middle, as VocalMat) and of background; {stem: facts}."""
    folder, facts = tmp_path_factory.mktemp("crops"), {}
    for name, calls in CALLS.items():
        power, freqs, times = spectrogram(name)
        for k, (start, end) in enumerate(calls):
            image, grid, _, _ = render_candidate(power, freqs, times, (start + end) / 2)
            facts[f"{name[:5]}_call{k}"] = {"image": image, "grid": grid, "span": (start, end)}
        for k, image in enumerate(background_crops(power, times, calls + OTHER[name])):
            facts[f"{name[:5]}_background{k}"] = {"image": image}
    for stem, fact in facts.items():
        write_png(folder / f"{stem}.png", fact["image"])
    return folder, facts


@pytest.fixture(scope="module")
def predicted(model, crops, tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    """{stem: bool mask} from `usvmask predict-images` with its defaults (card threshold, fastest CPU path)."""
    folder, facts = crops
    out = tmp_path_factory.mktemp("masks")
    assert usvmask(["predict-images", str(folder), "--model", str(model), "--out", str(out)]) == 0
    return {stem: np.asarray(Image.open(out / f"{stem}_mask.png")) > 0 for stem in facts}


@pytest.fixture(scope="module")
def calls_found(model, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """{clip: calls table} from `usvmask segment` on both clips with its defaults."""
    out = tmp_path_factory.mktemp("segment")
    clips = [str(examples() / name) for name in CALLS]
    assert usvmask(["segment", *clips, "--model", str(model), "--out", str(out), "--no-progress"]) == 0
    table = pd.read_csv(out / "calls.csv")
    return {name: table[table["file"].map(lambda f: Path(f).name) == name] for name in CALLS}


def test_predict_images_marks_every_real_call_on_the_call(crops, predicted):
    _, facts = crops
    for stem, fact in facts.items():
        if "span" not in fact:
            continue
        mask, image = predicted[stem], fact["image"]
        assert mask.sum() >= 20, f"{stem}: {mask.sum()} call pixels"
        times = fact["grid"].col_to_time(np.nonzero(mask)[1])
        start, end = fact["span"]
        inside = np.mean((times >= start - SLACK_S) & (times <= end + SLACK_S))
        assert inside >= 0.95, f"{stem}: {inside:.0%} of the mask lies within the call's time span"
        bright = np.mean(image[mask] > np.percentile(image, 95))
        assert bright >= 0.8, f"{stem}: only {bright:.0%} of the mask is on the crop's brightest 5 % (the call)"


def test_predict_images_leaves_pure_background_empty(crops, predicted):
    _, facts = crops
    background = [stem for stem in facts if "background" in stem]
    assert len(background) == 4
    assert {stem: int(predicted[stem].sum()) for stem in background} == dict.fromkeys(background, 0)


def overlaps(table: pd.DataFrame, start: float, end: float) -> pd.DataFrame:
    return table[(table["Start_time"] < end + SLACK_S) & (table["End_time"] > start - SLACK_S)]


def test_segment_finds_every_real_call_and_nothing_in_background(calls_found):
    assert len(calls_found["BM003.wav"]) >= 3
    for name, calls in CALLS.items():
        table = calls_found[name]
        for start, end in calls:
            assert len(overlaps(table, start, end)), f"{name}: no call found in {start}-{end} s"
        sounds = calls + OTHER[name]
        stray = [(row.Start_time, row.End_time) for row in table.itertuples()
                 if not any(s - SLACK_S <= row.Start_time and row.End_time <= e + SLACK_S for s, e in sounds)]
        assert stray == [], f"{name}: calls outside every listed sound"


@pytest.mark.xfail(strict=True, reason=(
    "long calls come out in pieces: the synthetic corpus has almost no call longer than 60 ms (99th percentile "
    "63 ms; 0.04 % over 120 ms) and its 'band' noise is a long flat tone with an empty mask, so a model trained "
    "on it leaves the long flat middle of BM003's ~65 ms calls and of the ~120 ms pup calls unmasked and segment "
    "splits them at the gap"))
def test_segment_reports_each_real_call_once(calls_found):
    for name, calls in CALLS.items():
        table = calls_found[name]
        counts = [len(overlaps(table, start, end)) for start, end in calls]
        assert counts == [1] * len(calls), f"{name}: calls found per true call {counts}"
