"""DVC stage `export`: the final dataset as train|val|test/images|masks PNGs plus index.csv."""

import argparse

from usvmask.pipeline.export import export
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--masks", required=True, help="final masks zip")
    parser.add_argument("--out", required=True, help="export folder")
    parser.add_argument("--facts", required=True, help="JSON of facts to write")
    args = parser.parse_args()
    run_step(export, metrics=args.facts, data_dir=args.data, masks_file=args.masks, out_dir=args.out)


if __name__ == "__main__":
    run_stage(main)
