"""DVC stage `vocalmat_masks`: VocalMat's classical segmentation of every spectrogram (the rough masks)."""

import argparse

from usvmask import paths
from usvmask.masks.vocalmat import segment_image
from usvmask.pipeline.baseline import vocalmat_masks
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: vocalmat_masks)")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--out", required=True, help="masks zip to write")
    parser.add_argument("--facts", required=True, help="JSON of truth-free facts to write")
    args = parser.parse_args()
    run_step(vocalmat_masks, params_file=args.params, section="vocalmat_masks", metrics=args.facts,
             keys_of=segment_image, data_dir=args.data, masks_out=args.out)


if __name__ == "__main__":
    run_stage(main)
