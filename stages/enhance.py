"""DVC stage `enhance`: the fine-tuned U-Net re-predicts every mask."""

import argparse

from usvmask.construction import enhance
from usvmask.metrics import write_json
from usvmask.params import call_with_params
from usvmask.stage import read_section, run_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (section: enhance)")
    parser.add_argument("--data", required=True, help="prepared folder")
    parser.add_argument("--model", required=True, help="fine-tuned checkpoint")
    parser.add_argument("--out", required=True, help="masks zip to write")
    parser.add_argument("--facts", required=True, help="JSON of truth-free facts to write")
    args = parser.parse_args()
    params = read_section(args.params, "enhance")
    facts = call_with_params(enhance, params, "enhance", data_dir=args.data, model_file=args.model,
                             masks_out=args.out)
    write_json(args.facts, facts)


if __name__ == "__main__":
    run_stage(main)
