"""DVC stage `augmentations`: figure of SqueakOut's training augmentations on one training USV and its final mask."""

import argparse

from usvmask import paths
from usvmask.pipeline.final import augmentation_figure
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: augmentations)")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--masks", required=True, help="final masks zip")
    parser.add_argument("--figure", required=True, help="PNG to write")
    args = parser.parse_args()
    run_step(augmentation_figure, params_file=args.params, section="augmentations", data_dir=args.data,
             masks_file=args.masks, figure_out=args.figure)


if __name__ == "__main__":
    run_stage(main)
