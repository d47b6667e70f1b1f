"""SqueakOut presets (fast / medium / slow = width multiplier, input size) side by side: test Dice and CPU img/s.

Each preset trains SqueakOut with augmentation briefly on a prepared folder and its final masks, then is scored
on the test split against truth. Baseline: the null model (all-empty masks) on the same test split.

    python benchmarks/presets.py --data data/prepared --masks data/corrected/masks.zip --max-epochs 3 --scale 4

`--scale k` divides every preset's input size by k (rounded to a multiple of 32, at least 32) to keep a CPU
run short; `--scale 1` is the presets as defined.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from usvmask.pipeline.evaluation import load_test_split, predict_test, score_rows
from usvmask.pipeline.final import PRESETS, resolve_preset, train_final


def scaled_size(size: int, scale: float) -> int:
    return max(32, int(round(size / scale / 32)) * 32)


def run_preset(name: str, args: argparse.Namespace, test, workdir: Path) -> dict:
    preset = PRESETS[name]
    size = resolve_preset(name, input_size=scaled_size(preset.input_size, args.scale))
    started = time.perf_counter()
    facts = train_final(args.data, args.masks, workdir / f"{name}.pt", variant="squeakout", preset=name,
                        input_size=size.input_size, max_epochs=args.max_epochs, lr=args.lr, seed=args.seed)
    train_s = time.perf_counter() - started
    masks, speed = predict_test(workdir / f"{name}.pt", test.images, batch_size=8, backend=args.backend)
    scores = score_rows({name: masks}, test.truth, list(test.table["kind"]))
    return {"preset": name, "width": size.width, "input": size.input_size, "epochs": facts["epochs"],
            "train_s": train_s, "img_s": speed, **{s: scores[name][s]["dice"] for s in ("usv", "noise", "all")},
            "null": {s: scores["null"][s]["dice"] for s in ("usv", "noise", "all")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/prepared", help="prepared folder (with truth)")
    parser.add_argument("--masks", default="data/corrected/masks.zip", help="final masks zip (training targets)")
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), choices=list(PRESETS))
    parser.add_argument("--max-epochs", type=int, default=3, help="epochs per preset (paper: up to ~100)")
    parser.add_argument("--scale", type=float, default=4.0, help="divide each preset's input size by this")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (paper: 1e-4)")
    parser.add_argument("--backend", default="auto", help="inference backend for the img/s column")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    test = load_test_split(args.data)
    with tempfile.TemporaryDirectory(prefix="usvmask-presets-") as tmp:
        rows = [run_preset(name, args, test, Path(tmp)) for name in args.presets]
    null = rows[0]["null"]
    print(f"\nSqueakOut presets, {args.max_epochs} epoch(s), input size / {args.scale:g}, {args.threads} threads; "
          f"test split n={len(test.names)}; Dice in %, img/s on the CPU at batch 8")
    print(f"{'preset':<8} {'width':>5} {'input':>5} {'epochs':>6} {'train s':>8} {'Dice usv':>8} {'Dice noise':>10} "
          f"{'Dice all':>8} {'img/s':>7}")
    print(f"{'null':<8} {'':>5} {'':>5} {'':>6} {'':>8} {null['usv']:>8.2f} {null['noise']:>10.2f} "
          f"{null['all']:>8.2f} {'':>7}")
    for r in rows:
        print(f"{r['preset']:<8} {r['width']:>5.2f} {r['input']:>5d} {r['epochs']:>6d} {r['train_s']:>8.1f} "
              f"{r['usv']:>8.2f} {r['noise']:>10.2f} {r['all']:>8.2f} {r['img_s']:>7.1f}")


if __name__ == "__main__":
    main()
