"""DVC stage `enhance`: the fine-tuned U-Net re-predicts every mask."""

import argparse

from usvmask import paths
from usvmask.pipeline.construction import enhance
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: enhance)")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--model", required=True, help="fine-tuned checkpoint")
    parser.add_argument("--out", required=True, help="masks zip to write")
    parser.add_argument("--facts", required=True, help="JSON of truth-free facts to write")
    args = parser.parse_args()
    run_step(enhance, params_file=args.params, section="enhance", metrics=args.facts, data_dir=args.data,
             model_file=args.model, masks_out=args.out)


if __name__ == "__main__":
    run_stage(main)
