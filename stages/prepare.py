"""DVC stage `prepare`: the synthetic corpus (default) or a VocalMat-style image folder → one prepared folder."""

import argparse

from usvmask import paths
from usvmask.pipeline.prepare import prepare
from usvmask.stage import run_stage, run_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=paths.PARAMS, help="params file (section: prepare)")
    parser.add_argument("--out", required=True, help="folder to write images.zip, truth.zip, index.csv")
    parser.add_argument("--facts", required=True, help="JSON of facts to write")
    args = parser.parse_args()
    run_step(prepare, params_file=args.params, section="prepare", metrics=args.facts, out_dir=args.out)


if __name__ == "__main__":
    run_stage(main)
