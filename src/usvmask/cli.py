"""The `usvmask` command: the pipeline's steps on any folder, outside DVC, plus the everyday tools.

    usvmask prepare --out DIR [--params params.yaml]
    usvmask vocalmat-masks --data DIR --out MASKS.zip
    usvmask score --data DIR --masks MASKS.zip --report R.json --figure F.png
    usvmask import-corrections --data DIR --masks MASKS.zip --corrections DIR... --out MASKS.zip
    usvmask export --data DIR --masks MASKS.zip --out DIR
    usvmask predict-images DIR --model MODEL.pt --out DIR           (spectrogram images → mask PNGs + overlays)
    usvmask segment WAV_OR_DIR... --model MODEL.pt --out DIR     (recordings → calls.csv, masks, figures)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from usvmask.errors import UsvmaskError
from usvmask.predict_images import add_command as add_predict_images
from usvmask.segment.cli import add_command as add_segment


def cmd_prepare(args: argparse.Namespace) -> None:
    from usvmask.prepare import prepare
    from usvmask.stage import read_section

    dataset = prepare(args.out, **read_section(args.params, "prepare"))
    sys.stdout.write(f"wrote {len(dataset.table)} spectrograms to {args.out}\n")


def cmd_vocalmat_masks(args: argparse.Namespace) -> None:
    from usvmask.steps import vocalmat_masks

    sys.stdout.write(json.dumps(vocalmat_masks(args.data, args.out)) + "\n")


def cmd_score(args: argparse.Namespace) -> None:
    from usvmask.scoring import score_masks

    report = score_masks(args.data, args.masks, args.report, args.figure, title=args.title)
    sys.stdout.write(json.dumps({k: report[k] for k in ("usv", "noise", "all") if k in report}) + "\n")


def cmd_import_corrections(args: argparse.Namespace) -> None:
    from usvmask.steps import import_corrections

    sys.stdout.write(json.dumps(import_corrections(args.data, args.masks, args.corrections, args.out)) + "\n")


def cmd_export(args: argparse.Namespace) -> None:
    from usvmask.steps import export

    sys.stdout.write(json.dumps(export(args.data, args.masks, args.out)) + "\n")


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[[argparse.Namespace], None]]:
    """Declare every subcommand; returns name → handler."""
    p = sub.add_parser("prepare", help="build the prepared folder (synthetic corpus or image folder)")
    p.add_argument("--out", required=True)
    p.add_argument("--params", default="params.yaml", help="params file whose `prepare` section is used")
    p = sub.add_parser("vocalmat-masks", help="VocalMat-style classical masks of a prepared folder")
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("score", help="Dice/accuracy of a mask set against the prepared truth")
    for flag in ("--data", "--masks", "--report", "--figure"):
        p.add_argument(flag, required=True)
    p.add_argument("--title", default="masks")
    p = sub.add_parser("import-corrections", help="apply COCO/PNG/noise-list corrections to a mask set")
    for flag in ("--data", "--masks", "--out"):
        p.add_argument(flag, required=True)
    p.add_argument("--corrections", nargs="+", required=True)
    p = sub.add_parser("export", help="write the dataset as train|val|test/images|masks PNGs + index.csv")
    for flag in ("--data", "--masks", "--out"):
        p.add_argument(flag, required=True)
    return {"prepare": cmd_prepare, "vocalmat-masks": cmd_vocalmat_masks, "score": cmd_score,
            "import-corrections": cmd_import_corrections, "export": cmd_export}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="usvmask", description="Mouse USV segmentation dataset and models.")
    sub = parser.add_subparsers(dest="command", required=True)
    handlers = add_commands(sub)
    handlers.update(add_predict_images(sub))
    handlers.update(add_segment(sub))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        handlers[args.command](args)
    except UsvmaskError as err:
        sys.stderr.write(f"usvmask: error: {err}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
