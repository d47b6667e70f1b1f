"""DVC stage `score@<mask set>`: Dice and pixel accuracy of a mask set against truth, plus an example figure."""

import argparse

from usvmask import paths
from usvmask.pipeline.scoring import score_masks
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: score)")
    parser.add_argument("--data", required=True, help="prepared folder (its truth.zip is read here)")
    parser.add_argument("--masks", required=True, help="masks zip to score")
    parser.add_argument("--report", required=True, help="metrics JSON to write")
    parser.add_argument("--figure", required=True, help="example figure PNG to write")
    parser.add_argument("--title", required=True, help="figure title")
    args = parser.parse_args()
    run_step(score_masks, params_file=args.params, section="score", data_dir=args.data, masks_file=args.masks,
             report_file=args.report, figure_file=args.figure, title=args.title)


if __name__ == "__main__":
    run_stage(main)
