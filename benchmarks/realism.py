"""Grey levels of synthetic candidates next to candidates rendered from real mouse audio shipped with vocalpy.

Baseline: ``VOCALMAT_GREY`` (``usvmask.spectrogram``), the grey levels measured on 143 of VocalMat's own example
crops. Real audio: ``vocalpy/examples/BM003.wav`` (house mouse, 300 kHz, resampled to 250 kHz with
``resample_poly(5, 6)``) and ``deermouse-go.wav`` (deer mouse pups, 250 kHz). Real candidates are rendered with the
project's own code (``stft_complex`` -> ``power_db`` -> ``render_candidate``), centred on the middle of the loudest
events in 45-125 kHz (``segment``'s truth-free detection), plus candidates of pure background: no gap between calls
in these short clips is as long as a crop, so those join the frames lying more than 10 ms from every event.
Synthetic candidates are ``make_corpus`` at ``params.yaml``'s ``prepare.synthetic`` settings.

Prints a markdown table of per-crop grey statistics per source (the median, 5th and 95th percentile of the
per-crop median grey; the median over crops of the IQR, darkest, 1st-percentile, 99th-percentile and brightest
pixel: the columns of ``usvmask.data.grey.grey_stats`` plus the two percentiles) and writes
``reports/figures/realism.png``: real crops in the top rows, synthetic candidates with their truth outline below,
and a histogram of per-crop median grey per source.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np
import scipy.signal
import soundfile
import yaml

from usvmask.segment.detect import detect_events, frame_score_db
from usvmask.spectrogram import (
    SAMPLE_RATE_HZ, VOCALMAT_GREY, candidate_image, crop_frames, power_db, render_candidate, stft_complex,
)
from usvmask.synth.corpus import make_corpus

REAL_FILES = (("BM003.wav", 300_000), ("deermouse-go.wav", 250_000))
BAND_HZ = (45_000.0, 125_000.0)
DETECT_DB = 11.0  # frame score (dB over the row's median) that makes an event: segment's default detect_db
GUARD_S = 0.01  # background frames lie this far from every detected event
CORPUS_KEYS = ("n_usv", "n_noise", "seed", "image_size", "window_s", "snr_db_min", "snr_db_max", "workers", "long_call_prob",
               "empty_noise_prob")


def vocalpy_examples() -> Path:
    """The folder of vocalpy's example audio; a clear error if vocalpy is not installed."""
    spec = importlib.util.find_spec("vocalpy")
    if spec is None or spec.origin is None:
        raise SystemExit("realism: vocalpy is not installed; run `pip install vocalpy` to get the real examples")
    return Path(spec.origin).parent / "examples"


def load_real(name: str, rate: int) -> np.ndarray:
    """One example file as float32 mono at 250 kHz (300 kHz is resampled with resample_poly(5, 6))."""
    audio, sr = soundfile.read(vocalpy_examples() / name, dtype="float32", always_2d=True)
    if sr != rate:
        raise SystemExit(f"realism: {name} is at {sr} Hz, expected {rate}")
    audio = audio[:, 0]
    return scipy.signal.resample_poly(audio, 5, 6).astype(np.float32) if sr == 300_000 else audio


def spectrogram(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """|S| (F, T), dB power (F, T), freqs and times of ``audio`` on VocalMat's grid (rows above 45 kHz)."""
    spec, freqs, times = stft_complex(audio, SAMPLE_RATE_HZ)
    magnitude = np.abs(spec)
    return magnitude, power_db(magnitude, freqs, SAMPLE_RATE_HZ), freqs, times


def real_crops(per_file: int, n_background: int) -> dict[str, list]:
    """{source: [(title, image)]}: crops centred on the loudest events of each file, and pure-background crops.

    Events are ``segment``'s truth-free detection (3x3-smoothed power over each row's median, max over 45-125 kHz,
    above ``DETECT_DB``); a call crop is centred on the middle of one of the ``per_file`` events with the highest
    peak score (VocalMat centres its candidates on the call's middle time stamp).
    """
    out: dict[str, list] = {}
    background = []
    for name, rate in REAL_FILES:
        magnitude, power, freqs, times = spectrogram(load_real(name, rate))
        band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
        score = frame_score_db(magnitude, band, block=round(1.0 / float(times[1] - times[0])))
        events = detect_events(magnitude, freqs, times, detect_db=DETECT_DB)
        peak = [score[(times >= a) & (times <= b)].max() for a, b in events]
        loud = sorted(events[np.argsort(peak)[::-1][:per_file]].mean(axis=1))
        out[f"{name.split('.')[0]} calls"] = [
            (f"{name} {c:.3f}s", render_candidate(power, freqs, times, float(c))[0]) for c in loud]
        background += [(f"{name} background {k}", image)
                       for k, image in enumerate(background_images(power, times, events, n_background))]
    return {**out, "real background": background}


def background_images(power: np.ndarray, times: np.ndarray, events: np.ndarray, n: int,
                      guard_s: float = GUARD_S) -> list[np.ndarray]:
    """``n`` candidates of pure background: a crop's worth of the frames more than ``guard_s`` from every event.

    No gap between calls in these short clips is as long as a crop (0.22 s), so the call-free frames are joined
    in order (cyclically when they are fewer than a crop), starting at ``n`` evenly spaced offsets.
    """
    free = np.ones(len(times), dtype=bool)
    for start, end in events:
        free &= (times < start - guard_s) | (times > end + guard_s)
    first, last = crop_frames(times, float(times[len(times) // 2]))
    frames, width = power[:, free], last - first + 1
    offsets = np.arange(n) * frames.shape[1] // max(n, 1)
    return [candidate_image(np.take(frames, np.arange(o, o + width), axis=1, mode="wrap")) for o in offsets]


def crop_stats(images: list[np.ndarray]) -> dict[str, float]:
    """Median (5th, 95th pct) of per-crop median grey; medians of per-crop IQR, min, 1st pct, 99th pct, max."""
    flat = [np.asarray(im, dtype=float).ravel() for im in images]
    q = np.array([np.percentile(f, [0, 1, 25, 50, 75, 99, 100]) for f in flat])
    return {"n": len(flat), "median_p5": np.percentile(q[:, 3], 5), "median_p50": np.median(q[:, 3]),
            "median_p95": np.percentile(q[:, 3], 95), "iqr": np.median(q[:, 4] - q[:, 2]),
            "darkest": np.median(q[:, 0]), "p1": np.median(q[:, 1]), "p99": np.median(q[:, 5]),
            "brightest": np.median(q[:, 6])}


def table(stats: dict[str, dict[str, float]]) -> str:
    """Markdown table of ``crop_stats`` per source (VocalMat's reference has no 1st/99th percentile)."""
    cols = ("median_p50", "median_p5", "median_p95", "iqr", "darkest", "p1", "p99", "brightest")
    head = ("| source | n | median grey | p5 | p95 | IQR | darkest (min) | 1st pct | 99th pct | brightest (max) |\n"
            "|---|---|---|---|---|---|---|---|---|---|")

    def cell(row: dict, key: str) -> str:
        return f"{row[key]:.0f}" if key in row else "–"

    lines = [f"| {src} | {row.get('n', '143')} | " + " | ".join(cell(row, k) for k in cols) + " |"
             for src, row in stats.items()]
    return "\n".join([head, *lines])


def synthetic(params_file: Path, seed: int | None) -> dict[str, list]:
    """{"synthetic USV"|"synthetic noise": [(title, image, truth)]} at params.yaml's prepare.synthetic settings."""
    settings = yaml.safe_load(params_file.read_text())["prepare"]["synthetic"]
    kwargs = {k: settings[k] for k in CORPUS_KEYS if k in settings}
    if seed is not None:
        kwargs["seed"] = seed
    corpus = make_corpus(n_test_usv=0, n_test_noise=0, val_fraction=0.0, **kwargs)
    out: dict[str, list] = {"synthetic USV": [], "synthetic noise": []}
    for i, row in enumerate(corpus.table.itertuples()):
        title = f"{row.label} {row.snr_db:.0f}dB" if row.kind == "usv" else f"noise: {row.noise_types[11:]}"
        out["synthetic USV" if row.kind == "usv" else "synthetic noise"].append(
            (title, corpus.images[i], corpus.truth[i]))
    return out


def plot(real: dict[str, list], synth: dict[str, list], medians: dict[str, np.ndarray], out: Path, cols: int,
         n_usv: int, n_noise: int) -> None:
    """Real crops in the first rows, synthetic (red: truth outline) below, histogram of per-crop medians last."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(t, im, None) for crops in real.values() for t, im in crops]
    panels += synth["synthetic USV"][:n_usv] + synth["synthetic noise"][:n_noise]
    rows = -(-len(panels) // cols)
    fig = plt.figure(figsize=(1.9 * cols, 1.95 * rows + 2.6))
    grid = fig.add_gridspec(rows + 1, cols, height_ratios=[1.0] * rows + [1.3])
    for k, (title, image, mask) in enumerate(panels):
        ax = fig.add_subplot(grid[k // cols, k % cols])
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        if mask is not None and mask.any():
            ax.contour(mask, levels=[0.5], colors="red", linewidths=0.4)
        ax.set_title(title, fontsize=6)
        ax.set_axis_off()
    ax = fig.add_subplot(grid[rows, :])
    bins = np.arange(100, 241, 4)
    for source, values in medians.items():
        ax.hist(values, bins=bins, density=True, histtype="step", label=f"{source} ({len(values)})")
    ax.axvspan(VOCALMAT_GREY["median_p5"], VOCALMAT_GREY["median_p95"], color="grey", alpha=0.2,
               label="VocalMat 5th-95th pct")
    ax.set_xlabel("per-crop median grey")
    ax.legend(fontsize=6, ncol=3)
    fig.suptitle("real (vocalpy examples, top rows) vs synthetic (red: truth outline)", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/figures/realism.png"))
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="read prepare.synthetic")
    parser.add_argument("--per-file", type=int, default=4, help="real call crops per example file (loudest events)")
    parser.add_argument("--background", type=int, default=2, help="pure-background crops per example file")
    parser.add_argument("--show-usv", type=int, default=12, help="synthetic USV candidates in the figure")
    parser.add_argument("--show-noise", type=int, default=4, help="synthetic noise candidates in the figure")
    parser.add_argument("--seed", type=int, default=None, help="corpus seed (default: params.yaml's)")
    args = parser.parse_args(argv)
    real = real_crops(args.per_file, args.background)
    synth = synthetic(args.params, args.seed)
    sources = {**synth, **real}
    stats = {src: crop_stats([item[1] for item in crops]) for src, crops in sources.items() if crops}
    stats["VocalMat reference"] = dict(VOCALMAT_GREY)
    print(table(stats))
    medians = {src: np.array([np.median(item[1]) for item in crops]) for src, crops in sources.items() if crops}
    plot(real, synth, medians, args.out, cols=8, n_usv=args.show_usv, n_noise=args.show_noise)
    print(f"figure: {args.out}")


if __name__ == "__main__":
    main()
