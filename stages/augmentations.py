"""DVC stage `augmentations`: figure of SqueakOut's training augmentations on one training USV and its final mask."""

import argparse

from usvmask.final_training import augmentation_figure
from usvmask.stage import read_section, run_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (section: train_final, key seed)")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--masks", required=True, help="final masks zip")
    parser.add_argument("--figure", required=True, help="PNG to write")
    args = parser.parse_args()
    seed = read_section(args.params, "train_final").get("seed", 0)
    augmentation_figure(args.data, args.masks, args.figure, seed=seed)


if __name__ == "__main__":
    run_stage(main)
