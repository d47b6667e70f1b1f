"""DVC stage `vocalmat_masks`: VocalMat's classical segmentation of every spectrogram (the rough masks)."""

import argparse

from usvmask.metrics import write_json
from usvmask.params import call_with_params
from usvmask.stage import read_section, run_stage
from usvmask.steps import vocalmat_masks
from usvmask.vocalmat import segment_image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (section: vocalmat_masks)")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--out", required=True, help="masks zip to write")
    parser.add_argument("--facts", required=True, help="JSON of truth-free facts to write")
    args = parser.parse_args()
    params = read_section(args.params, "vocalmat_masks")
    facts = call_with_params(vocalmat_masks, params, "vocalmat_masks", keys_of=segment_image,
                            data_dir=args.data, masks_out=args.out)
    write_json(args.facts, facts)


if __name__ == "__main__":
    run_stage(main)
