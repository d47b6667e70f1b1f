"""Fixtures for recording segmentation: a tiny untrained model checkpoint and small WAV files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained 2-level U-Net (input 64): checks plumbing, not accuracy."""
    import torch

    from helpers import card
    from usvmask.models import build_model, save_model

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_model(build_model("unet", base_channels=4, depth=2), path, meta=card(64))
    return path


@pytest.fixture
def make_wav():
    """``make_wav(path, rate=..., seconds=..., calls=((start, end, Hz), ...), channels=..., subtype=...)``."""
    return tone_wav


def tone_wav(path: Path, *, rate: int = 250_000, seconds: float = 1.0, calls=((0.3, 0.32, 70e3),),
             channels: int = 1, subtype: str = "PCM_16") -> Path:
    """Noise with loud constant-frequency tones (start s, end s, Hz) in channel 0; written with soundfile."""
    rng = np.random.default_rng(0)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    x = 0.01 * rng.standard_normal((n, channels))
    for start, end, freq in calls:
        on = (t >= start) & (t < end)
        x[on, 0] += 0.5 * np.sin(2 * np.pi * freq * t[on])
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), x.astype(np.float32), rate, subtype=subtype)
    return path


@pytest.fixture
def bad_audio(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Bad recordings by case: (path, text its error must contain)."""
    low = tone_wav(tmp_path / "low.wav", rate=192_000)
    nan = tmp_path / "nan.wav"
    sf.write(str(nan), np.array([0.0, np.nan, 0.5] * 100_000, np.float32), 250_000, subtype="FLOAT")
    empty = tmp_path / "empty.wav"
    sf.write(str(empty), np.zeros(0, np.float32), 250_000)
    good = tone_wav(tmp_path / "good.wav").read_bytes()
    (tmp_path / "good.wav").unlink()
    trunc = tmp_path / "trunc.wav"
    trunc.write_bytes(good[: len(good) // 2])
    text = tmp_path / "notes.wav"
    text.write_text("not audio\n" * 50)
    return {"low": (low, "below the minimum 250000 Hz"), "nan": (nan, "NaN or infinite sample at 0.000 s"),
            "empty": (empty, "zero length"), "trunc": (trunc, "truncated"), "text": (text, "not a readable audio")}
