"""DVC stage `prepare`: the synthetic corpus (default) or a VocalMat-style image folder → one prepared folder."""

import argparse

from usvmask.prepare import prepare
from usvmask.stage import read_section, run_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (section: prepare)")
    parser.add_argument("--out", required=True, help="folder to write images.zip, truth.zip, index.csv")
    args = parser.parse_args()
    params = read_section(args.params, "prepare")
    prepare(args.out, **params)


if __name__ == "__main__":
    run_stage(main)
