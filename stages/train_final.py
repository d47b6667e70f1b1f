"""DVC stage `train_final@<variant>`: one final model (unet | squeakout_noaug | squeakout) on the final masks."""

import argparse

from usvmask import paths
from usvmask.pipeline.final import train_final
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: train_final)")
    parser.add_argument("--variant", required=True, help="unet, squeakout_noaug or squeakout")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--masks", required=True, help="final masks zip (the targets)")
    parser.add_argument("--model", required=True, help="checkpoint to write")
    parser.add_argument("--metrics", required=True, help="metrics JSON to write")
    parser.add_argument("--live", default=None, help="DVCLive folder")
    args = parser.parse_args()
    run_step(train_final, params_file=args.params, section="train_final", metrics=args.metrics,
             data_dir=args.data, masks_file=args.masks, model_out=args.model, variant=args.variant,
             live_dir=args.live)


if __name__ == "__main__":
    run_stage(main)
