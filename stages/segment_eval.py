"""DVC stage `segment_eval`: segment synthetic recordings with known calls; event metrics vs truth."""

import argparse

from usvmask.params import call_with_params
from usvmask.segment_eval import evaluate_segmentation
from usvmask.stage import read_section, run_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (section: segment)")
    parser.add_argument("--model", required=True, help="segmentation checkpoint")
    parser.add_argument("--report", required=True, help="metrics JSON to write")
    args = parser.parse_args()
    params = read_section(args.params, "segment")
    call_with_params(evaluate_segmentation, params, "segment", model=args.model, report=args.report)


if __name__ == "__main__":
    run_stage(main)
