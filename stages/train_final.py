"""DVC stage `train_final@<variant>`: one final model (unet | squeakout_noaug | squeakout) on the final masks."""

import argparse

from usvmask.final_training import train_final
from usvmask.metrics import write_json
from usvmask.params import call_with_params
from usvmask.stage import read_section, run_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (section: train_final)")
    parser.add_argument("--variant", required=True, help="unet, squeakout_noaug or squeakout")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--masks", required=True, help="final masks zip (the targets)")
    parser.add_argument("--model", required=True, help="checkpoint to write")
    parser.add_argument("--metrics", required=True, help="metrics JSON to write")
    parser.add_argument("--live", default=None, help="DVCLive folder")
    args = parser.parse_args()
    params = read_section(args.params, "train_final")
    metrics = call_with_params(train_final, params, "train_final", data_dir=args.data, masks_file=args.masks,
                               model_out=args.model, variant=args.variant, live_dir=args.live)
    write_json(args.metrics, metrics)


if __name__ == "__main__":
    run_stage(main)
