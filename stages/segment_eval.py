"""DVC stage `segment_eval`: segment synthetic recordings with known calls; event metrics vs truth."""

import argparse

from usvmask import paths
from usvmask.pipeline.segment_eval import evaluate_segmentation
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: segment_eval)")
    parser.add_argument("--model", required=True, help="segmentation checkpoint")
    parser.add_argument("--report", required=True, help="metrics JSON to write")
    args = parser.parse_args()
    run_step(evaluate_segmentation, params_file=args.params, section="segment_eval", model=args.model,
             report=args.report)


if __name__ == "__main__":
    run_stage(main)
