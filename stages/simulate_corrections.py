"""DVC stage `simulate_corrections`: the simulated human expert fixes the worst masks (COCO JSON), by truth."""

import argparse

from usvmask.metrics import write_json
from usvmask.params import call_with_params
from usvmask.stage import read_section, run_stage
from usvmask.steps import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (section: simulate_corrections)")
    parser.add_argument("--data", required=True, help="prepared folder (its truth.zip is read here)")
    parser.add_argument("--masks", required=True, help="masks zip to correct")
    parser.add_argument("--out", required=True, help="folder for corrections.json and noise.txt")
    parser.add_argument("--facts", required=True, help="JSON of facts to write")
    args = parser.parse_args()
    params = read_section(args.params, "simulate_corrections")
    facts = call_with_params(simulate, params, "simulate_corrections", data_dir=args.data, masks_file=args.masks,
                             out_dir=args.out)
    write_json(args.facts, facts)


if __name__ == "__main__":
    run_stage(main)
