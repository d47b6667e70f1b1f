"""DVC stage `pretrain`: the U-Net as a bottleneck autoencoder reconstructing every spectrogram (no masks)."""

import argparse

from usvmask import paths
from usvmask.pipeline.pretrain import pretrain
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: pretrain)")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--model", required=True, help="checkpoint to write")
    parser.add_argument("--metrics", required=True, help="metrics JSON to write")
    parser.add_argument("--live", default=None, help="DVCLive folder")
    args = parser.parse_args()
    run_step(pretrain, params_file=args.params, section="pretrain", metrics=args.metrics, data_dir=args.data,
             model_out=args.model, live_dir=args.live)


if __name__ == "__main__":
    run_stage(main)
