"""DVC stage `import_corrections`: apply COCO JSON / PNG mask / noise-list corrections, validated first."""

import argparse

from usvmask.pipeline.corrections import import_corrections
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--masks", required=True, help="masks zip to correct")
    parser.add_argument("--corrections", nargs="+", required=True, help="correction folders, later ones win")
    parser.add_argument("--out", required=True, help="corrected masks zip to write")
    parser.add_argument("--facts", required=True, help="JSON of facts to write")
    args = parser.parse_args()
    run_step(import_corrections, metrics=args.facts, data_dir=args.data, masks_file=args.masks,
             corrections_dirs=args.corrections, masks_out=args.out)


if __name__ == "__main__":
    run_stage(main)
