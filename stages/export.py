"""DVC stage `export`: the final dataset as train|val|test/images|masks PNGs plus index.csv."""

import argparse

from usvmask.metrics import write_json
from usvmask.stage import run_stage
from usvmask.steps import export


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--masks", required=True, help="final masks zip")
    parser.add_argument("--out", required=True, help="export folder")
    parser.add_argument("--facts", required=True, help="JSON of facts to write")
    args = parser.parse_args()
    write_json(args.facts, export(args.data, args.masks, args.out))


if __name__ == "__main__":
    run_stage(main)
