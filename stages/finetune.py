"""DVC stages `finetune_usv` and `finetune_noise`: continue training the U-Net on the current masks.

`--kind usv` trains on USV spectrograms; `--kind noise` on noise-only spectrograms (optionally mixing USV
spectrograms in, params finetune_noise.mix_usv_fraction). Each reads the params section of its own name.
"""

import argparse

from usvmask import paths
from usvmask.pipeline.construction import finetune
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: finetune_<kind>)")
    parser.add_argument("--kind", choices=("usv", "noise"), required=True)
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--masks", required=True, help="current masks zip (the targets)")
    parser.add_argument("--init", required=True, help="checkpoint to start from")
    parser.add_argument("--model", required=True, help="checkpoint to write")
    parser.add_argument("--metrics", required=True, help="metrics JSON to write")
    parser.add_argument("--live", default=None, help="DVCLive folder")
    args = parser.parse_args()
    run_step(finetune, params_file=args.params, section=f"finetune_{args.kind}", metrics=args.metrics,
             data_dir=args.data, masks_file=args.masks, init_model=args.init, model_out=args.model,
             kinds=(args.kind,), live_dir=args.live)


if __name__ == "__main__":
    run_stage(main)
