"""Speed and memory of `usvmask segment` on a synthetic recording, against a named baseline.

Baseline: usvseg 1.0.2 (Python USVSEG), measured by the project at 2.2x realtime. Goal: >= 20x realtime
(seconds of audio per second of processing) on 2 CPU cores. The recording (default 60 s, 2 calls/s, 0.5 noise
events/s) is written as a 16-bit WAV and segmented end to end through `segment_paths` (reading, STFT,
detection, model, calls, CSV, masks, figure). Prints x realtime, peak RSS (resource.getrusage) and where the
time goes (STFT, detection, crops incl. model, model alone, calls).

    python benchmarks/segment.py [--model MODEL.pt] [--seconds 60] [--threads 2]

Without --model an untrained U-Net (base 8, depth 3, input 128) is timed: speed does not depend on weights.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf
import torch

from usvmask.models import build_model, save_model
from usvmask.segment.run import segment_paths
from usvmask.synth.recording import make_recording

BASELINE = ("usvseg 1.0.2 (Python USVSEG), measured by the project", 2.2)
GOAL_X_REALTIME = 20.0


def _peak_rss_mb() -> float:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return kib / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="checkpoint to time (default: an untrained U-Net)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the synthetic recording")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0, help="recording seed")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="usvmask-bench-") as tmp:
        root = Path(tmp)
        model = Path(args.model) if args.model else root / "unet.pt"
        if not args.model:
            torch.manual_seed(0)
            save_model(build_model("unet", base_channels=8, depth=3), model, meta={"input_size": 128})
        audio, calls = make_recording(args.seconds, seed=args.seed)
        sf.write(str(root / "bench.wav"), audio / max(abs(audio).max(), 1e-9) * 0.9, 250_000, subtype="PCM_16")
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
