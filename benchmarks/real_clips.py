"""A trained model on real mouse audio: `predict-images` on candidate PNGs cut from vocalpy's example clips, and
`usvmask segment` on the clips themselves.

Baseline named: the calls listed by hand from the spectrograms (tests/infer/test_real_clips.py lists the same
times): BM003.wav 3 calls, deermouse-go.wav 4 pup calls (plus 3 fast sweeps). Prints, per crop, the mask pixels
and the share inside the call's time span, then the calls segment reports per clip against the listed ones.

    python benchmarks/real_clips.py --model models/final/squeakout.pt
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.signal
import soundfile as sf
from PIL import Image

from usvmask.data.store import write_png
from usvmask.spectrogram import SAMPLE_RATE_HZ, candidate_image, crop_frames, power_db, render_candidate, stft_complex

CALLS = {
    "BM003.wav": ((0.036, 0.100), (0.180, 0.245), (0.340, 0.372)),
    "deermouse-go.wav": ((0.028, 0.158), (0.292, 0.408), (0.509, 0.620), (0.721, 0.830)),
}
OTHER = {"BM003.wav": (), "deermouse-go.wav": ((0.158, 0.190), (0.935, 0.985), (1.125, 1.165))}
GUARD_S = 0.01


def examples() -> Path:
    spec = importlib.util.find_spec("vocalpy")
    if spec is None or spec.origin is None:
        sys.exit("real_clips: vocalpy is not installed; pip install vocalpy (it ships the example clips)")
    return Path(spec.origin).parent / "examples"


def spectrogram(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    audio, rate = sf.read(path, dtype="float32")
    if rate == 300_000:
        audio = scipy.signal.resample_poly(audio, 5, 6).astype(np.float32)
    spec, freqs, times = stft_complex(audio, SAMPLE_RATE_HZ)
    return power_db(np.abs(spec), freqs, SAMPLE_RATE_HZ), freqs, times


def crops(folder: Path) -> dict[str, dict]:
    """Write one PNG per listed call (centred on it) and two of joined background frames; return their facts."""
    facts: dict[str, dict] = {}
    for name, calls in CALLS.items():
        power, freqs, times = spectrogram(examples() / name)
        for k, (start, end) in enumerate(calls):
            image, grid, _, _ = render_candidate(power, freqs, times, (start + end) / 2)
            facts[f"{name[:5]}_call{k}"] = {"image": image, "grid": grid, "span": (start, end)}
        free = np.ones(len(times), dtype=bool)
        for start, end in calls + OTHER[name]:
            free &= (times < start - GUARD_S) | (times > end + GUARD_S)
        first, last = crop_frames(times, float(times[len(times) // 2]))
        frames = power[:, free]
        for k, offset in enumerate(np.arange(2) * frames.shape[1] // 2):
            window = np.take(frames, np.arange(offset, offset + last - first + 1), axis=1, mode="wrap")
            facts[f"{name[:5]}_background{k}"] = {"image": candidate_image(window)}
    for stem, fact in facts.items():
        write_png(folder / f"{stem}.png", fact["image"])
    return facts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="checkpoint with a model card")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="usvmask-real-"))
    facts = crops(work / "crops")
    subprocess.run(["usvmask", "predict-images", str(work / "crops"), "--model", args.model, "--out",
                    str(work / "masks"), "--no-progress"], check=True)
    print("| crop | mask px | share in the call's span |\n|---|---|---|")
    for stem, fact in facts.items():
        mask = np.asarray(Image.open(work / "masks" / f"{stem}_mask.png")) > 0
        share = "–"
        if "span" in fact and mask.any():
            t = fact["grid"].col_to_time(np.nonzero(mask)[1])
            share = f"{np.mean((t >= fact['span'][0] - 0.005) & (t <= fact['span'][1] + 0.005)):.2f}"
        print(f"| {stem} | {int(mask.sum())} | {share} |")
    clips = [str(examples() / name) for name in CALLS]
    subprocess.run(["usvmask", "segment", *clips, "--model", args.model, "--out", str(work / "segment"),
                    "--no-progress"], check=True)
    table = pd.read_csv(work / "segment" / "calls.csv")
    for name, calls in CALLS.items():
        found = table[table["file"].map(lambda f: Path(f).name) == name]
        hit = [int(((found.Start_time < e) & (found.End_time > s)).sum()) for s, e in calls]
        print(f"{name}: segment reports {len(found)} calls; listed calls {len(calls)}, found {sum(h > 0 for h in hit)}"
              f", pieces per listed call {hit}")


if __name__ == "__main__":
    main()
