"""Synthetic candidates next to candidates cropped from real mouse audio shipped with vocalpy.

Baseline: VocalMat's published call statistics (median duration 9.7 ms, median bandwidth 7.1 kHz) and real
recordings ``vocalpy/examples/BM003.wav`` (300 kHz, resampled to 250 kHz) and ``deermouse-go.wav`` (250 kHz).
Writes a figure (default ``reports/figures/realism.png``) and prints synthetic vs VocalMat medians.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np

from usvmask.spectrogram import SAMPLE_RATE_HZ, crop_candidate, stft_magnitude, vocalmat_gray
from usvmask.synth.audio import render_call
from usvmask.synth.contours import sample_call
from usvmask.synth.corpus import make_corpus

VOCALMAT_MEDIANS = {"duration_ms": 9.7, "bandwidth_khz": 7.1}
REAL_FILES = (("BM003.wav", 300_000), ("deermouse-go.wav", 250_000))


def vocalpy_examples() -> Path:
    """The folder of vocalpy's example audio; a clear error if vocalpy is not installed."""
    spec = importlib.util.find_spec("vocalpy")
    if spec is None or spec.origin is None:
        raise SystemExit("realism: vocalpy is not installed; run `pip install vocalpy` to get the real examples")
    return Path(spec.origin).parent / "examples"


def load_real(name: str, rate: int) -> np.ndarray:
    """One example file as float32 mono at 250 kHz."""
    import scipy.signal
    import soundfile

    audio, sr = soundfile.read(vocalpy_examples() / name, dtype="float32", always_2d=True)
    audio = audio[:, 0]
    if sr != rate:
        raise SystemExit(f"realism: {name} is at {sr} Hz, expected {rate}")
    if sr == 300_000:
        audio = scipy.signal.resample_poly(audio, 5, 6).astype(np.float32)
    return audio


def real_crops(per_file: int, *, min_gap_s: float = 0.06) -> list[tuple[str, np.ndarray]]:
    """Candidates centred on the highest-energy frames (45-125 kHz) of each real file."""
    import scipy.signal

    crops = []
    for name, rate in REAL_FILES:
        mag, freqs, times = stft_magnitude(load_real(name, rate), SAMPLE_RATE_HZ)
        gray = vocalmat_gray(mag)
        energy = mag[freqs <= 125_000].sum(axis=0)
        gap = max(1, int(min_gap_s / (times[1] - times[0])))
        peaks, _ = scipy.signal.find_peaks(energy, distance=gap)
        for p in sorted(peaks[np.argsort(energy[peaks])[::-1][:per_file]]):
            image, _ = crop_candidate(gray, freqs, times, float(times[p]))
            crops.append((f"{name} {times[p]:.2f}s", image))
    return crops


def call_medians(n: int, seed: int) -> dict[str, float]:
    """Median duration (ms) and bandwidth (kHz) of ``n`` rendered synthetic calls."""
    rng = np.random.default_rng(seed)
    durations, bandwidths = [], []
    for _ in range(n):
        spec = sample_call(rng)
        call = render_call(spec, rng)
        durations.append(spec.duration_s * 1e3)
        bandwidths.append((call.f_hi_hz - call.f_lo_hz) / 1e3)
    return {"duration_ms": float(np.median(durations)), "bandwidth_khz": float(np.median(bandwidths))}


def plot(real, synth, out: Path, cols: int) -> None:
    """Real crops in the first rows, synthetic (with truth contour in red) below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = real + synth
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.0 * cols, 2.15 * rows))
    for ax, (title, image, mask) in zip(axes.ravel(), [(t, i, None) for t, i in real] + synth):
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        if mask is not None and mask.any():
            ax.contour(mask, levels=[0.5], colors="red", linewidths=0.4)
        ax.set_title(title, fontsize=6)
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.suptitle("real (vocalpy examples, first rows) vs synthetic (red: truth outline)", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/figures/realism.png"))
    parser.add_argument("--per-file", type=int, default=4, help="real crops per example file")
    parser.add_argument("--n-usv", type=int, default=12, help="synthetic USV candidates shown")
    parser.add_argument("--n-noise", type=int, default=4, help="synthetic noise candidates shown")
    parser.add_argument("--n-stats", type=int, default=5000, help="synthetic calls for the medians")
    parser.add_argument("--snr-db", type=float, nargs=2, default=(10.0, 50.0), help="synthetic SNR range, dB")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    real = real_crops(args.per_file)
    corpus = make_corpus(
        n_usv=args.n_usv, n_noise=args.n_noise, n_test_usv=0, n_test_noise=0, val_fraction=0.0,
        seed=args.seed, snr_db_min=args.snr_db[0], snr_db_max=args.snr_db[1],
    )
    synth = [
        (f"{r.label} {'' if r.kind == 'noise' else f'{r.snr_db:.0f}dB'}", corpus.images[i], corpus.truth[i])
        for i, r in enumerate(corpus.table.itertuples())
    ]
    plot(real, synth, args.out, cols=4)
    medians = call_medians(args.n_stats, args.seed)
    for key, ref in VOCALMAT_MEDIANS.items():
        print(f"median {key}: synthetic {medians[key]:.2f}  VocalMat {ref:.2f}")
    print(f"figure: {args.out}")


if __name__ == "__main__":
    main()
