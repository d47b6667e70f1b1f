"""Table 1 over training seeds: each final model trained with seeds 0..n-1 on one repro's final masks, mean ± sd.

One seed cannot rank the final models (issue 10): their differences are within a seed's spread. This trains every
variant once per seed (the `train_final` params of the workspace, with `seed` replaced and `--set` overrides) on
the masks of a finished `dvc repro`, scores the test split against truth, and prints the mean ± sd over seeds of
the test Dice per set, beside the VocalMat-style masks. Baseline named: the VocalMat row, and `--set` A/B runs on
the same workspace and machine. `--masks truth` trains on the exact truth masks instead of the corrected ones: the
ceiling a perfect construction would give these models at these settings (a measurement only; no stage does it).
Usage (from a workspace where `dvc repro` ran):

    python benchmarks/table1_seeds.py [--workspace .] [--seeds 3] [--masks corrected|truth|it0|it1|it2|it3]
        [--set preset=medium --set max_epochs=20]
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from usvmask.data.dataset import load_masks
from usvmask.evaluate.metrics import summarise
from usvmask.paths import truth_file
from usvmask.pipeline.evaluation import SETS, load_test_split, predict_test
from usvmask.pipeline.final import train_final
from usvmask.train.final import VARIANTS

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benchmark next door: the same spread
from construction_seeds import spread


MASK_SETS = {"corrected": "data/corrected/masks.zip", "truth": "", "it0": "data/construct/it0/masks.zip",
             "it1": "data/construct/it1/masks.zip", "it2": "data/construct/it2/masks.zip",
             "it3": "data/construct/it3/masks.zip"}


def machine() -> str:
    """CPU model and core count, for naming the machine beside the figures."""
    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
             if line.startswith("model name")] if cpuinfo.is_file() else []
    return f"{names[0] if names else 'unknown CPU'}, {os.cpu_count()} cores"


def override(settings: dict, assignments: list[str]) -> dict:
    """`settings` with each `key=value` (YAML value; dotted keys reach nested sections) applied."""
    out = copy.deepcopy(settings)
    for text in assignments:
        key, sep, value = text.partition("=")
        if not sep:
            sys.exit(f"--set {text!r}: write KEY=VALUE, e.g. --set max_epochs=20")
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = yaml.safe_load(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", default=".", help="folder where `dvc repro` ran (data/, models/, params.yaml)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..n-1 (at least 3 for a spread)")
    parser.add_argument("--set", action="append", default=[], help="train_final override KEY=VALUE (repeatable)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--masks", default="corrected", choices=list(MASK_SETS),
                        help="training targets: the corrected masks (as train_final), truth (a ceiling), or an "
                             "iteration's constructed masks")
    args = parser.parse_args()
    root = Path(args.workspace)
    settings = override(yaml.safe_load((root / "params.yaml").read_text())["train_final"], args.set)
    prepared = root / "data" / "prepared"
    masks_file = truth_file(prepared) if args.masks == "truth" else root / MASK_SETS[args.masks]
    if not masks_file.is_file():
        sys.exit(f"{masks_file}: not found; run `dvc repro` in {root} first, or pick another --masks")
    test = load_test_split(prepared)
    kinds = list(test.table["kind"])
    vocalmat = summarise(load_masks(root / "data" / "vocalmat" / "masks.zip", test.names), test.truth, kinds)
    dice: dict[str, list[dict]] = {variant: [] for variant in args.variants}
    seconds: dict[str, list[float]] = {variant: [] for variant in args.variants}
    with tempfile.TemporaryDirectory(prefix="usvmask-seeds-") as tmp:
        for seed in range(args.seeds):
            for variant in args.variants:
                model = Path(tmp) / f"{variant}-{seed}.pt"
                started = time.perf_counter()
                train_final(prepared, masks_file, model, variant=variant, **{**settings, "seed": seed})
                seconds[variant].append(time.perf_counter() - started)
                predicted, _ = predict_test(model, test.images, backend="eager")
                scores = summarise(predicted, test.truth, kinds)
                dice[variant].append({s: scores[s]["dice"] for s in SETS})
                print(f"seed {seed} {variant:<16} " + "  ".join(f"{s} {dice[variant][-1][s]:.2f}" for s in SETS)
                      + f"  ({seconds[variant][-1]:.0f} s)", flush=True)
    print(f"\n{machine()}: {args.seeds} seeds, trained on {masks_file}, train_final overrides: {args.set or 'none'}")
    print("| model | " + " | ".join(f"Dice {s}" for s in SETS) + " | train s |")
    print("|---|" + "---|" * (len(SETS) + 1))
    print("| VocalMat-style masks | " + " | ".join(f"{vocalmat[s]['dice']:.2f}" for s in SETS) + " | – |")
    for variant in args.variants:
        cells = []
        for s in SETS:
            values = np.array([row[s] for row in dice[variant]])
            cells.append(f"{values.mean():.2f} ± {spread(values):.2f}")
        print(f"| {VARIANTS[variant].title} | " + " | ".join(cells) + f" | {np.mean(seconds[variant]):.0f} |")


if __name__ == "__main__":
    main()
