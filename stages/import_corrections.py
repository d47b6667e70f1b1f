"""DVC stage `import_corrections`: apply COCO JSON / PNG mask / noise-list corrections, validated first."""

import argparse

from usvmask.metrics import write_json
from usvmask.stage import run_stage
from usvmask.steps import import_corrections


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--masks", required=True, help="masks zip to correct")
    parser.add_argument("--corrections", nargs="+", required=True, help="correction folders, later ones win")
    parser.add_argument("--out", required=True, help="corrected masks zip to write")
    parser.add_argument("--facts", required=True, help="JSON of facts to write")
    args = parser.parse_args()
    facts = import_corrections(args.data, args.masks, args.corrections, args.out)
    write_json(args.facts, facts)


if __name__ == "__main__":
    run_stage(main)
