"""DVC stage `evaluate`: Table 1 on the test split (null, VocalMat, U-Net, SqueakOut ± augmentation) vs truth."""

import argparse

from usvmask import paths
from usvmask.pipeline.evaluation import evaluate
from usvmask.stage import name_equals_path, run_stage, run_step

model_pair = name_equals_path("CHECKPOINT", "squeakout=models/final/squeakout.pt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: evaluate)")
    parser.add_argument("--data", required=True, help="prepared folder (its truth.zip is read here)")
    parser.add_argument("--vocalmat", required=True, help="VocalMat-style masks zip")
    parser.add_argument("--models", type=model_pair, nargs="+", required=True, help="NAME=CHECKPOINT per row")
    parser.add_argument("--table", required=True, help="markdown table to write")
    parser.add_argument("--metrics", required=True, help="metrics JSON to write")
    parser.add_argument("--figure", required=True, help="example figure PNG to write")
    args = parser.parse_args()
    run_step(evaluate, params_file=args.params, section="evaluate", data_dir=args.data,
             vocalmat_masks=args.vocalmat, models=dict(args.models), table_out=args.table,
             metrics_out=args.metrics, figure_out=args.figure)


if __name__ == "__main__":
    run_stage(main)
