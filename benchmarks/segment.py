"""Speed and memory of `usvmask segment` on a synthetic recording, against a named baseline.

Baseline: usvseg 1.0.2 (Python USVSEG), measured by the project at 2.2x realtime. Goal: >= 20x realtime
(seconds of audio per second of processing) on 2 CPU cores. The recording (default 60 s, 2 calls/s, 0.5 noise
events/s) is written as a 16-bit WAV and segmented end to end through `segment_paths` (reading, STFT,
detection, model, calls, CSV, masks, figure). Prints x realtime, peak RSS (resource.getrusage) and where the
time goes (STFT, detection, crops incl. model, model alone, calls).

Then the long-file memory figure: one recording is grown minute by minute (default to 1, 5, 15 and 30 minutes of
250 kHz audio; written block by block, never held whole in memory) and after each length `usvmask segment` runs as
its own process, whose peak RSS (os.wait4) is printed against minutes of audio. Memory must stay flat: files are
streamed in chunks. Baseline: 938 MB for 30 minutes, measured on main 345cfb8.

    python benchmarks/segment.py [--model MODEL.pt] [--seconds 60] [--threads 2] [--long-minutes 1 5 15 30]
    python benchmarks/segment.py --skip-speed --long-minutes 1          (the quick check: one minute only)

Without --model an untrained U-Net (base 8, depth 3, input 128) is timed: speed and memory do not depend on weights.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from usvmask.infer.card import make_card
from usvmask.models import build_model, save_model
from usvmask.segment.run import segment_paths
from usvmask.spectrogram import SAMPLE_RATE_HZ, representation
from usvmask.synth.recording import make_recording

BASELINE = ("usvseg 1.0.2 (Python USVSEG), measured by the project", 2.2)
GOAL_X_REALTIME = 20.0
MEMORY_BASELINE = ("main 345cfb8", {30: 938.0})  # minutes of audio -> peak RSS (MB) of `usvmask segment`


def _peak_rss_mb() -> float:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return kib / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def _untrained_model(path: Path) -> Path:
    """An untrained U-Net (base 8, depth 3) with a model card at input size 128."""
    torch.manual_seed(0)
    meta = make_card(representation=representation(), images=np.full((1, 8, 8), 180, np.uint8), input_size=128,
                     threshold=0.5, params={"benchmark": "untrained"})
    save_model(build_model("unet", base_channels=8, depth=3), path, meta=meta)
    return path


def _append_minutes(path: Path, start_min: int, stop_min: int, seed: int) -> None:
    """Grow the 16-bit WAV at ``path`` with synthetic minutes ``start_min .. stop_min - 1`` (one minute in memory)."""
    for minute in range(start_min, stop_min):
        audio, _ = make_recording(60.0, seed=seed + minute)
        block = audio / max(float(abs(audio).max()), 1e-9) * 0.9
        if not path.exists():
            sf.write(str(path), block, SAMPLE_RATE_HZ, subtype="PCM_16")
            continue
        with sf.SoundFile(str(path), mode="r+") as handle:
            handle.seek(0, sf.SEEK_END)
            handle.write(block)


def _segment_process(wav: Path, model: Path, out: Path, threads: int) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of one `usvmask segment` process on ``wav``."""
    cmd = [sys.executable, "-m", "usvmask.cli", "segment", str(wav), "--model", str(model), "--out", str(out),
           "--no-progress", "--threads", str(threads)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"usvmask segment failed on {wav} ({proc.returncode}):\n{err}")
    return usage.ru_maxrss / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0), wall


def long_file_memory(minutes: list[int], model: Path, root: Path, threads: int, seed: int) -> None:
    """Print minutes of audio vs peak RSS of `usvmask segment`, next to the named baseline."""
    wav, done = root / "long.wav", 0
    rows = []
    for length in sorted(set(minutes)):
        _append_minutes(wav, done, length, seed)
        done = length
        peak, wall = _segment_process(wav, model, root / f"out_{length}", threads)
        rows.append((length, peak, length * 60.0 / wall))
    name, baseline = MEMORY_BASELINE
    print(f"\nlong-file memory of `usvmask segment` (peak RSS of the process; baseline {name}):")
    print("| minutes of audio | peak RSS (MB) | x realtime | baseline peak RSS (MB) |")
    print("|---|---|---|---|")
    for length, peak, x_rt in rows:
        base = f"{baseline[length]:.0f}" if length in baseline else "-"
        print(f"| {length} | {peak:.0f} | {x_rt:.1f} | {base} |")
    growth = rows[-1][1] - rows[0][1]
    print(f"growth from {rows[0][0]} to {rows[-1][0]} min: {growth:+.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="checkpoint to time (default: an untrained U-Net)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the synthetic recording")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0, help="recording seed")
    parser.add_argument("--long-minutes", type=int, nargs="*", default=[1, 5, 15, 30],
                        help="lengths (minutes) of the long-file memory figure; none to skip it")
    parser.add_argument("--skip-speed", action="store_true", help="only the long-file memory figure")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="usvmask-bench-") as tmp:
        root = Path(tmp)
        model = Path(args.model) if args.model else _untrained_model(root / "unet.pt")
        if not args.skip_speed:
            speed(args, model, root)
        if args.long_minutes:
            long_file_memory(args.long_minutes, model, root, args.threads, args.seed)


def speed(args: argparse.Namespace, model: Path, root: Path) -> None:
    """x realtime, peak RSS and time by step of `segment_paths` on a synthetic recording of ``args.seconds``."""
    audio, calls = make_recording(args.seconds, seed=args.seed)
    sf.write(str(root / "bench.wav"), audio / max(abs(audio).max(), 1e-9) * 0.9, SAMPLE_RATE_HZ, subtype="PCM_16")
    del audio
    rss_before = _peak_rss_mb()
    start = time.perf_counter()
    result = segment_paths([root / "bench.wav"], model=model, out_dir=root / "out", progress=False)
    wall = time.perf_counter() - start
    x_rt = args.seconds / wall
    seconds = result.timings.seconds
    print(f"recording: {args.seconds:.0f} s synthetic, {len(calls)} true calls; found {len(result.table)} calls")
    print(f"model: {args.model or 'untrained unet(base 8, depth 3), input 128'}; torch threads {args.threads}")
    print(f"usvmask segment: {x_rt:.1f}x realtime ({wall:.2f} s wall), {result.timings.candidates} candidates")
    print(f"peak RSS: {_peak_rss_mb():.0f} MB (before segmenting: {rss_before:.0f} MB)")
    print("time by step (s): " + ", ".join(f"{k} {v:.2f}" for k, v in seconds.items())
          + " (crops includes model)")
    print(f"baseline: {BASELINE[0]} at {BASELINE[1]}x realtime -> {x_rt / BASELINE[1]:.1f}x faster")
    print(f"goal >= {GOAL_X_REALTIME:.0f}x realtime: {'met' if x_rt >= GOAL_X_REALTIME else 'MISSED'}")


if __name__ == "__main__":
    main()
