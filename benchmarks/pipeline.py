"""Time `dvc repro` of the demo default from a clean clone, stage by stage, then `dvc exp run -S erosion...`.

Goal (issue 3): the full run ≤ 10 min on 2 cores; the erosion experiment ≤ 50 % of the full run.
Baseline named: the full `dvc repro` of the same clone. Usage:

    python benchmarks/pipeline.py [--repo .] [--set erosion.factor=6] [--quick-set erosion.factor=3] [--keep DIR]
                                  [--repro-only]

`--quick-set` also times the README's quick look at an erosion rule (the construction stages alone, QUICK_TARGETS),
after the full experiment, with a value that nothing has run yet.

`--repro-only` times the full run alone (before/after comparisons of two commits, run one after the other).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUICK_TARGETS = ("erosion_summary", "score@import_corrections")  # as README, "Comparing experiments"
STAGE_LINE = re.compile(r"^(Running stage|Stage) '([^']+)'")


def clone_env(clone: Path) -> dict[str, str]:
    """The environment of a run in `clone`: its own `src` first on the path, so the clone's code is what is timed
    (an editable install would otherwise import the working tree's)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(clone / "src"), os.environ.get("PYTHONPATH", "")])}


def timed_run(cmd: list[str], cwd: Path) -> tuple[float, list[tuple[str, float]]]:
    """Run `cmd`, stream its output, and time each stage from one 'Running stage' line to the next."""
    start = time.perf_counter()
    marks: list[tuple[str, float]] = []
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=clone_env(cwd))
    for line in proc.stdout:
        match = STAGE_LINE.match(line)
        if match and line.startswith("Running stage"):
            marks.append((match.group(2), time.perf_counter()))
    if proc.wait() != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}")
    end = time.perf_counter()
    bounds = [t for _, t in marks] + [end]
    return end - start, [(name, bounds[i + 1] - t) for i, (name, t) in enumerate(marks)]


def clone(repo: Path, into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(repo), str(into)], check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", default=".", help="git repository to clone (its committed HEAD is timed)")
    parser.add_argument("--set", default="erosion.factor=6", help="the -S of the experiment run")
    parser.add_argument("--quick-set", default=None, help="the -S of a quick look (construction stages only)")
    parser.add_argument("--keep", default=None, help="keep the clone in this folder")
    parser.add_argument("--repro-only", action="store_true", help="time `dvc repro` alone, no experiment run")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="usvmask-bench-"))
    if work.exists() and any(work.iterdir()):
        sys.exit(f"{work}: not empty; pass an empty or new folder to --keep")
    clone(Path(args.repo).resolve(), work)
    full, stages = timed_run(["dvc", "repro"], work)
    print(f"{'stage':<28}{'seconds':>10}")
    for name, seconds in stages:
        print(f"{name:<28}{seconds:>10.1f}")
    print(f"{'dvc repro (baseline)':<28}{full:>10.1f}   goal ≤ 600 s")
    if args.repro_only:
        return
    subprocess.run(["git", "add", "-A"], cwd=work, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "repro"], cwd=work, check=True, capture_output=True)
    exp, exp_stages = timed_run(["dvc", "exp", "run", "-S", args.set], work)
    print(f"{'dvc exp run -S ' + args.set:<28}{exp:>10.1f}   {100 * exp / full:.0f} % of dvc repro (goal ≤ 50 %)")
    print("re-ran:", ", ".join(name for name, _ in exp_stages))
    if args.quick_set:
        quick, quick_stages = timed_run(["dvc", "exp", "run", "-S", args.quick_set, *QUICK_TARGETS], work)
        label = f"quick -S {args.quick_set}"
        print(f"{label:<28}{quick:>10.1f}   {100 * quick / full:.0f} % of dvc repro (goal ≤ 50 %)")
        print("re-ran:", ", ".join(name for name, _ in quick_stages))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
