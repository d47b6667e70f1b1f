"""Dice per construction step over corpus seeds, for one or more erosion rules: mean ± sd of the USV and noise Dice.

One corpus cannot rank construction settings (issue 10): enhancement's noise Dice alone ranged 48-83 over three
corpus seeds. This clones the committed HEAD of `--repo` into a temporary folder and, for each corpus seed and each
`erosion.factor`, runs the README's quick look (the construction stages and their scores, no final models) as a
named experiment, then prints each step's Dice per seed and the mean ± sd per factor. Baseline named: the
VocalMat-style masks of the same seed. Usage:

    python benchmarks/construction_seeds.py [--repo .] [--seeds 0 1 2] [--factors 4 6] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benchmark next door: same clone and environment
from pipeline import clone, clone_env

STEPS = {"vm": "vocalmat_masks", "it0": "enhance", "it1": "erosion_it1", "it2": "erosion_it2",
         "it3": "erosion_it3", "fix": "import_corrections"}
TARGETS = ["erosion_summary", *(f"score@{name}" for name in STEPS.values())]


def spread(values: np.ndarray) -> float:
    """Sample standard deviation (0 for a single value)."""
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


def run_seed(work: Path, seed: int, factor: int) -> dict[str, tuple[float, float]]:
    """{step: (usv Dice, noise Dice)} of one named experiment, plus the loop's stop reason under "stop"."""
    cmd = ["dvc", "exp", "run", "-q", "-n", f"seed{seed}-factor{factor}", "-S", f"prepare.synthetic.seed={seed}",
           "-S", f"erosion.factor={factor}", *TARGETS]
    done = subprocess.run(cmd, check=False, cwd=work, env=clone_env(work), capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    out = {}
    for step, name in STEPS.items():
        report = json.loads((work / "reports" / f"{name}.json").read_text())
        out[step] = (report["usv"]["dice"], report["noise"]["dice"])
    facts = [json.loads((work / "reports" / "erosion" / f"it{i}.json").read_text()) for i in (1, 2, 3)]
    out["stop"] = next((f"it{f['iteration']} {f['reason']}" for f in facts if not f["active"]), "all ran")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", default=".", help="git repository to clone (its committed HEAD runs)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="corpus seeds")
    parser.add_argument("--factors", type=int, nargs="+", default=[4], help="erosion.factor values")
    parser.add_argument("--keep", default=None, help="keep the clone in this folder")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="usvmask-seeds-"))
    if work.exists() and any(work.iterdir()):
        sys.exit(f"{work}: not empty; pass an empty or new folder to --keep")
    clone(Path(args.repo).resolve(), work)
    results = {}
    for factor in args.factors:
        for seed in args.seeds:
            results[factor, seed] = run_seed(work, seed, factor)
            row = results[factor, seed]
            print(f"factor {factor} seed {seed}: " + "  ".join(f"{s} {row[s][0]:.1f}/{row[s][1]:.1f}" for s in STEPS)
                  + f"  ({row['stop']})", flush=True)
    print(f"\nDice ×100 vs truth, USV / noise, mean ± sd over corpus seeds {args.seeds}")
    print("| erosion.factor | " + " | ".join(STEPS) + " |")
    print("|---|" + "---|" * len(STEPS))
    for factor in args.factors:
        cells = []
        for step in STEPS:
            usv = np.array([results[factor, s][step][0] for s in args.seeds])
            noise = np.array([results[factor, s][step][1] for s in args.seeds])
            cells.append(f"{usv.mean():.1f} ± {spread(usv):.1f} / {noise.mean():.1f} ± {spread(noise):.1f}")
        print(f"| {factor} | " + " | ".join(cells) + " |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
