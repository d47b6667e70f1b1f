"""CPU inference speed of SqueakOut per Predictor backend against the baseline "eager fp32".

Same seeded random-initialised weights and inputs for every backend; prints images/s, the speed-up over eager fp32,
the largest absolute probability difference and the Dice of the 0.5-thresholded masks against eager fp32.
Timings are the best of --repeats interleaved rounds, so that load from other processes inflates them less.

    python3 benchmarks/inference.py                     # 512x512, batch 64, 1 batch, 2 threads
    python3 benchmarks/inference.py --batch 16 --repeats 2 --backends eager onnx bf16
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from usvmask.infer.predictor import BACKENDS, Predictor
from usvmask.models import build_model

PUBLISHED_EAGER_IMG_S = 1.31  # the published architecture, eager fp32, 2 cores, as measured by the project


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="image height and width (multiple of 32)")
    parser.add_argument("--batch", type=int, default=64, help="images per batch")
    parser.add_argument("--n-batches", type=int, default=1, help="timed batches per round")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved timing rounds; the best one counts")
    parser.add_argument("--threads", type=int, default=2, help="torch and ONNX Runtime intra-op threads")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and the inputs")
    parser.add_argument("--calibration", type=int, default=4, help="separate images that calibrate onnx_int8")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=list(BACKENDS), help="to compare")
    return parser.parse_args(argv)


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Dice of two boolean masks (1.0 when both are empty)."""
    total = a.sum() + b.sum()
    return 1.0 if total == 0 else float(2 * np.logical_and(a, b).sum() / total)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = build_model("squeakout").eval()
    rng = np.random.default_rng(args.seed)
    images = rng.random((args.batch * args.n_batches, 1, args.size, args.size), dtype=np.float32)
    calibration = rng.random((args.calibration, 1, args.size, args.size), dtype=np.float32)
    backends = ["eager"] + [b for b in args.backends if b != "eager"]
    predictors, setup = {}, {}
    for name in backends:
        start = time.perf_counter()
        predictors[name] = Predictor(
            model, backend=name, device="cpu", batch_size=args.batch, calibration=calibration
        )
        predictors[name].predict_proba(images[: args.batch])  # warm-up (includes torch.compile's compilation)
        setup[name] = time.perf_counter() - start
    best, probs = {name: float("inf") for name in backends}, {}
    for _ in range(args.repeats):
        for name in backends:
            start = time.perf_counter()
            probs[name] = predictors[name].predict_proba(images)
            best[name] = min(best[name], time.perf_counter() - start)
    print(f"SqueakOut {args.size}x{args.size}, batch {args.batch} x {args.n_batches}, {args.threads} threads, "
          f"best of {args.repeats}; baseline: eager fp32")
    published = args.size == 512  # the 1.31 img/s reference was measured at 512x512
    print(f"{'backend':<16}{'img/s':>8}{'x eager':>9}{'x 1.31' if published else '':>8}"
          f"{'max|dp|':>10}{'Dice':>9}{'setup s':>9}")
    reference = probs["eager"] > 0.5
    for name in backends:
        rate = len(images) / best[name]
        label = "eager fp32" if name == "eager" else name
        vs_published = f"{rate / PUBLISHED_EAGER_IMG_S:8.2f}" if published else " " * 8
        print(f"{label:<16}{rate:8.2f}{rate * best['eager'] / len(images):9.2f}{vs_published}"
              f"{np.abs(probs[name] - probs['eager']).max():10.2e}{dice(probs[name] > 0.5, reference):9.4f}"
              f"{setup[name]:9.1f}")


if __name__ == "__main__":
    main()
