"""DVC stage `pretrain`: the U-Net as a bottleneck autoencoder reconstructing every spectrogram (no masks)."""

import argparse

from usvmask.construction import pretrain
from usvmask.metrics import write_json
from usvmask.params import call_with_params
from usvmask.stage import read_section, run_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (section: pretrain)")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--model", required=True, help="checkpoint to write")
    parser.add_argument("--metrics", required=True, help="metrics JSON to write")
    parser.add_argument("--live", default=None, help="DVCLive folder")
    args = parser.parse_args()
    params = read_section(args.params, "pretrain")
    metrics = call_with_params(pretrain, params, "pretrain", data_dir=args.data, model_out=args.model,
                               live_dir=args.live)
    write_json(args.metrics, metrics)


if __name__ == "__main__":
    run_stage(main)
