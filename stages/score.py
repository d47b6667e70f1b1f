"""DVC stage `score@<mask set>`: Dice and pixel accuracy of a mask set against truth, plus an example figure."""

import argparse

from usvmask.scoring import score_masks
from usvmask.stage import run_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="prepared folder (its truth.zip is read here)")
    parser.add_argument("--masks", required=True, help="masks zip to score")
    parser.add_argument("--report", required=True, help="metrics JSON to write")
    parser.add_argument("--figure", required=True, help="example figure PNG to write")
    parser.add_argument("--title", required=True, help="figure title")
    args = parser.parse_args()
    score_masks(args.data, args.masks, args.report, args.figure, title=args.title)


if __name__ == "__main__":
    run_stage(main)
