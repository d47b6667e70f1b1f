"""DVC stage `erosion_summary`: Dice per construction iteration, as a table that `dvc plots` draws."""

import argparse

from usvmask.pipeline.scoring import erosion_summary
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scores", nargs="+", required=True, help="score reports, iteration 0 first")
    parser.add_argument("--facts", nargs="+", required=True, help="erosion iteration facts, iteration 1 first")
    parser.add_argument("--out", required=True, help="CSV to write")
    args = parser.parse_args()
    run_step(erosion_summary, score_files=args.scores, fact_files=args.facts, table_out=args.out)


if __name__ == "__main__":
    run_stage(main)
