"""DVC stage `erosion@itN`: erode the previous masks (4×2 kernel, large segments only), fine-tune, enhance.

Reads params sections erosion, finetune_usv, finetune_noise and enhance; passes its input through when past
erosion.max_iterations or when nothing is left to erode.
"""

import argparse

from usvmask.erosion_loop import erosion_iteration
from usvmask.metrics import write_json
from usvmask.params import call_with_params
from usvmask.stage import read_section, run_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--iteration", type=int, required=True, help="1, 2, ...")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--prev-masks", required=True, help="the previous iteration's masks zip")
    parser.add_argument("--prev-model", required=True, help="the previous iteration's final checkpoint")
    parser.add_argument("--out", required=True, help="folder for eroded.zip and masks.zip")
    parser.add_argument("--models", required=True, help="folder for usv.pt and noise.pt")
    parser.add_argument("--metrics", required=True, help="metrics JSON to write")
    parser.add_argument("--live", default=None, help="DVCLive folder")
    args = parser.parse_args()
    sections = {name: read_section(args.params, name) for name in ("finetune_usv", "finetune_noise", "enhance")}
    facts = call_with_params(
        erosion_iteration, read_section(args.params, "erosion"), "erosion", data_dir=args.data,
        prev_masks=args.prev_masks, prev_model=args.prev_model, out_dir=args.out, models_dir=args.models,
        iteration=args.iteration, finetune_usv=sections["finetune_usv"], finetune_noise=sections["finetune_noise"],
        enhance_params=sections["enhance"], live_dir=args.live,
    )
    write_json(args.metrics, facts)


if __name__ == "__main__":
    run_stage(main)
