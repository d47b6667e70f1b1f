"""DVC stage `evaluate`: Table 1 on the test split (null, VocalMat, U-Net, SqueakOut ± augmentation) vs truth."""

import argparse

from usvmask.evaluation import evaluate
from usvmask.params import call_with_params
from usvmask.stage import read_section, run_stage


def model_pair(text: str) -> tuple[str, str]:
    """`name=path` → (name, path)."""
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"{text!r}: write NAME=CHECKPOINT, e.g. squeakout=models/final/squeakout.pt")
    return name, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (section: evaluate)")
    parser.add_argument("--data", required=True, help="prepared folder (its truth.zip is read here)")
    parser.add_argument("--vocalmat", required=True, help="VocalMat-style masks zip")
    parser.add_argument("--models", type=model_pair, nargs="+", required=True, help="NAME=CHECKPOINT per row")
    parser.add_argument("--table", required=True, help="markdown table to write")
    parser.add_argument("--metrics", required=True, help="metrics JSON to write")
    parser.add_argument("--figure", required=True, help="example figure PNG to write")
    args = parser.parse_args()
    params = read_section(args.params, "evaluate")
    call_with_params(evaluate, params, "evaluate", data_dir=args.data, vocalmat_masks=args.vocalmat,
                     models=dict(args.models), table_out=args.table, metrics_out=args.metrics,
                     figure_out=args.figure)


if __name__ == "__main__":
    run_stage(main)
