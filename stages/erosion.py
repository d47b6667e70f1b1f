"""DVC stage `erosion@itN`: erode the previous masks (4×2 kernel, large segments only), fine-tune, enhance.

Reads its own params section `erosion`, and hands the sections finetune_usv, finetune_noise and enhance to the
fine-tuning and enhancement inside the iteration; passes its input through when past erosion.max_iterations or
when nothing is left to erode, or once the pixels erosion would remove look like call pixels
(erosion.stop_ring_contrast, a truth-free rule); a converged iteration refits without eroding while a noise
spectrogram's mask is not empty (erosion.refit_until_noise_empty; up to erosion.noise_empty_target, and only while
each refit clears some).
"""

import argparse

from usvmask import paths
from usvmask.params import read_section
from usvmask.pipeline.erosion import erosion_iteration
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: erosion)")
    parser.add_argument("--iteration", type=int, required=True, help="1, 2, ...")
    parser.add_argument("--slots", type=int, required=True, help="number of iteration stages in dvc.yaml")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--prev-masks", required=True, help="the previous iteration's masks zip")
    parser.add_argument("--prev-model", required=True, help="the previous iteration's final checkpoint")
    parser.add_argument("--eroded", required=True, help="eroded masks zip to write (the fine-tuning targets)")
    parser.add_argument("--out", required=True, help="enhanced masks zip to write")
    parser.add_argument("--usv-model", required=True, help="checkpoint after USV fine-tuning")
    parser.add_argument("--noise-model", required=True, help="checkpoint after noise fine-tuning")
    parser.add_argument("--metrics", required=True, help="metrics JSON to write")
    parser.add_argument("--live", default=None, help="DVCLive folder")
    args = parser.parse_args()
    handed_down = {name: read_section(args.params, name) for name in ("finetune_usv", "finetune_noise", "enhance")}
    run_step(erosion_iteration, params_file=args.params, section="erosion", metrics=args.metrics,
             data_dir=args.data, prev_masks=args.prev_masks, prev_model=args.prev_model, eroded_out=args.eroded,
             masks_out=args.out, usv_model_out=args.usv_model, noise_model_out=args.noise_model,
             iteration=args.iteration, slots=args.slots, live_dir=args.live, **handed_down)


if __name__ == "__main__":
    run_stage(main)
