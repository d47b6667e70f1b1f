"""DVC stage `erosion_summary`: Dice per construction iteration, as a table that `dvc plots` draws."""

import argparse
import json
from pathlib import Path

from usvmask.scoring import erosion_table
from usvmask.stage import run_stage
from usvmask.store import write_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scores", nargs="+", required=True, help="score reports, iteration 0 first")
    parser.add_argument("--facts", nargs="+", required=True, help="erosion iteration facts (iteration 1 on)")
    parser.add_argument("--out", required=True, help="CSV to write")
    args = parser.parse_args()
    reports = {Path(p).stem: json.loads(Path(p).read_text()) for p in args.scores}
    names = list(reports)[1:]
    facts = {name: json.loads(Path(p).read_text()) for name, p in zip(names, args.facts)}
    write_table(args.out, erosion_table(reports, facts))


if __name__ == "__main__":
    run_stage(main)
