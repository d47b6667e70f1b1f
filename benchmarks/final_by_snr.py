"""Test Dice of final models by call SNR, on a large held-out synthetic corpus, beside the truth on coarse grids.

The demo's test split has 40 USV spectrograms: too few to say where a model loses its Dice. This renders a fresh
corpus of `--n` USV spectrograms with the workspace's `prepare.synthetic` settings and another corpus seed (none of
it was trained on), predicts it with each final model (the one prediction path), and prints the mean USV Dice and
the empty-mask share per SNR bin (call STFT peak over median background, dB). Baseline named: the truth masks
drawn on a square grid and resized back (`resize_bound`), a guide to what a score map of that side can draw
(SqueakOut's score map is at stride 2: 64² at the fast preset's 128² input; the U-Net's is at its input size).
Usage (from a workspace where `dvc repro` ran):

    python benchmarks/final_by_snr.py [--workspace .] [--models models/final/*.pt] [--n 400] [--seed 77]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from usvmask.evaluate.metrics import dice_scores
from usvmask.infer.resize import resize_probs, resize_stack
from usvmask.pipeline.evaluation import predict_test
from usvmask.synth.corpus import make_corpus

BINS_DB = [0, 15, 20, 25, 30, 100]


def held_out(synthetic: dict, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images, truth, snr_db) of `n` USV spectrograms rendered with the workspace's corpus settings and `seed`."""
    settings = {**synthetic, "n_usv": n, "n_noise": 1, "n_test_usv": 1, "n_test_noise": 0, "seed": seed}
    corpus = make_corpus(**settings)
    usv = (corpus.table["kind"] == "usv").to_numpy()
    return corpus.images[usv], corpus.truth[usv], pd.to_numeric(corpus.table["snr_db"][usv]).to_numpy()


def resize_bound(truth: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """(per-image Dice, threshold) of a score map of side `side`: the truth's pixel coverage on that grid, resized
    back bilinearly (as the prediction path resizes probabilities) and thresholded at the one threshold in 0.1..0.9
    that scores best over the set. A learned score map is not bound to coverage, so this is a guide, not a limit."""
    coverage = resize_probs(resize_stack(truth.astype(np.float32), side, kind="image"), truth.shape[1:])
    scores = {t: dice_scores(coverage >= t, truth) for t in np.round(np.arange(0.1, 0.95, 0.1), 1)}
    best = max(scores, key=lambda t: scores[t].mean())
    return scores[best], float(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", default=".", help="folder where `dvc repro` ran (params.yaml, models/)")
    parser.add_argument("--models", nargs="+", default=None, help="checkpoints (default: models/final/*.pt)")
    parser.add_argument("--n", type=int, default=400, help="held-out USV spectrograms")
    parser.add_argument("--seed", type=int, default=77, help="corpus seed of the held-out set (not the workspace's)")
    parser.add_argument("--sides", type=int, nargs="+", default=[64, 128, 256], help="resize bound grid sides")
    args = parser.parse_args()
    root = Path(args.workspace)
    synthetic = yaml.safe_load((root / "params.yaml").read_text())["prepare"]["synthetic"]
    if args.seed == synthetic["seed"]:
        raise SystemExit(f"--seed {args.seed} is the workspace's corpus seed; pick another so the set is held out")
    models = [Path(m) for m in args.models] if args.models else sorted((root / "models" / "final").glob("*.pt"))
    if not models:
        raise SystemExit(f"{root / 'models' / 'final'}: no checkpoints; run `dvc repro` there or pass --models")
    images, truth, snr = held_out(synthetic, args.n, args.seed)
    rows: dict[str, np.ndarray] = {}
    for side in args.sides:
        dice, threshold = resize_bound(truth, side)
        rows[f"truth on a {side}² grid (threshold {threshold:g})"] = dice
    for model in models:
        masks, _ = predict_test(model, images, backend="eager")
        rows[f"{model.stem} Dice"] = dice_scores(masks, truth)
        rows[f"{model.stem} empty %"] = (masks.reshape(len(masks), -1).sum(1) == 0) * 100.0
    table = pd.DataFrame(rows)
    groups = pd.cut(snr, BINS_DB)
    by_bin = table.groupby(groups, observed=True).mean()
    by_bin.index = [f"{b.left:g}-{b.right:g} dB" if b.right < 100 else f"> {b.left:g} dB" for b in by_bin.index]
    by_bin.loc["all"] = table.mean()
    counts = [*table.groupby(groups, observed=True).size(), len(table)]
    print(f"{args.n} held-out USV spectrograms, corpus seed {args.seed}, settings of {root / 'params.yaml'}")
    print("| | " + " | ".join(f"{name} (n {count})" for name, count in zip(by_bin.index, counts)) + " |")
    print("|---|" + "---|" * len(by_bin))
    for column in by_bin.columns:
        print(f"| {column} | " + " | ".join(f"{v:.1f}" for v in by_bin[column]) + " |")


if __name__ == "__main__":
    main()
