"""DVC stage `simulate_corrections`: the simulated human expert fixes the worst masks (COCO JSON), by truth."""

import argparse

from usvmask import paths
from usvmask.pipeline.corrections import simulate
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: simulate_corrections)")
    parser.add_argument("--data", required=True, help="prepared folder (its truth.zip is read here)")
    parser.add_argument("--masks", required=True, help="masks zip to correct")
    parser.add_argument("--out", required=True, help="folder for the COCO JSON and the noise list")
    parser.add_argument("--facts", required=True, help="JSON of facts to write")
    args = parser.parse_args()
    run_step(simulate, params_file=args.params, section="simulate_corrections", metrics=args.facts,
             data_dir=args.data, masks_file=args.masks, out_dir=args.out)


if __name__ == "__main__":
    run_stage(main)
