"""The `usvmask` command: the pipeline's steps on any folder, outside DVC, plus the everyday tools.

    usvmask prepare --out DIR [--params params.yaml]
    usvmask vocalmat-masks --data DIR --out MASKS.zip
    usvmask score --data DIR --masks MASKS.zip --report R.json --figure F.png
    usvmask import-corrections --data DIR --masks MASKS.zip --corrections DIR... --out MASKS.zip
    usvmask export --data DIR --masks MASKS.zip --out DIR
    usvmask predict-images DIR --model MODEL.pt --out DIR           (spectrogram images → mask PNGs + overlays)
    usvmask segment WAV_OR_DIR... --model MODEL.pt --out DIR     (recordings → calls.csv, masks, figures)
    usvmask review [--data DIR --masks MASKS.zip --out DIR]      (correct masks in the browser, on 127.0.0.1)
    usvmask info MODEL.pt                                        (the model card: how its images are made, ...)

Exit status, the same for every command and DVC stage:
  0  everything done
  1  the run finished but some inputs failed: each is named on stderr, the others' outputs are written
  2  nothing was done: bad input, params or paths; one line on stderr names the file or key and the fix
  3  an unexpected error (a bug): one line; --debug (or USVMASK_DEBUG=1) shows the traceback to report
Output paths are checked before any work, and files are written atomically: an error leaves no partial output.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from collections.abc import Callable, Sequence

from usvmask import paths
from usvmask.errors import EXIT_HELP, EXIT_PARTIAL, EXIT_USAGE, report
from usvmask.infer.predict_images import add_command as add_predict_images
from usvmask.review.cli import add_command as add_review
from usvmask.segment.cli import add_command as add_segment


def cmd_prepare(args: argparse.Namespace) -> None:
    from usvmask.pipeline.prepare import prepare
    from usvmask.stage import run_step

    facts = run_step(prepare, params_file=args.params, section="prepare", out_dir=args.out)
    sys.stdout.write(f"wrote {facts['spectrograms']} spectrograms to {args.out}\n")


def cmd_vocalmat_masks(args: argparse.Namespace) -> None:
    from usvmask.data.store import check_writable
    from usvmask.pipeline.baseline import vocalmat_masks

    check_writable(args.out)
    sys.stdout.write(json.dumps(vocalmat_masks(args.data, args.out)) + "\n")


def cmd_score(args: argparse.Namespace) -> None:
    from usvmask.data.store import check_writable
    from usvmask.pipeline.scoring import score_masks

    check_writable(args.report)
    check_writable(args.figure)
    scores = score_masks(args.data, args.masks, args.report, args.figure, title=args.title)
    sys.stdout.write(json.dumps({k: scores[k] for k in ("usv", "noise", "all") if k in scores}) + "\n")


def cmd_import_corrections(args: argparse.Namespace) -> None:
    from usvmask.pipeline.corrections import import_corrections

    sys.stdout.write(json.dumps(import_corrections(args.data, args.masks, args.corrections, args.out)) + "\n")


def cmd_export(args: argparse.Namespace) -> None:
    from usvmask.pipeline.export import export

    facts = export(args.data, args.masks, args.out)
    sys.stdout.write(json.dumps(facts) + "\n")
    for reason in facts["skipped"]:
        sys.stderr.write(f"usvmask: error: {reason}\n")
    if facts["skipped"]:
        raise SystemExit(EXIT_PARTIAL)


def cmd_info(args: argparse.Namespace) -> None:
    from usvmask.infer.card import format_card, read_card
    from usvmask.models import load_model

    _, meta = load_model(args.model)
    sys.stdout.write(format_card(read_card(meta, args.model), args.model))


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Callable[[argparse.Namespace], None]]:
    """Declare every subcommand; returns name → handler."""
    p = sub.add_parser("prepare", help="build the prepared folder (synthetic corpus or image folder)")
    p.add_argument("--out", required=True)
    p.add_argument("--params", default=paths.PARAMS, help="params file whose `prepare` section is used")
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
    p = sub.add_parser("info", help="print a checkpoint's model card (representation, input size, threshold, ...)")
    p.add_argument("model", help="checkpoint (e.g. models/final/squeakout.pt)")
    return {"prepare": cmd_prepare, "vocalmat-masks": cmd_vocalmat_masks, "score": cmd_score,
            "import-corrections": cmd_import_corrections, "export": cmd_export, "info": cmd_info}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="usvmask", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    handlers = add_commands(sub)
    handlers.update(add_predict_images(sub))
    handlers.update(add_segment(sub))
    handlers.update(add_review(sub))
    for subparser in sub.choices.values():
        subparser.epilog = subparser.epilog or textwrap.fill(EXIT_HELP, 100)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("usvmask").setLevel(logging.DEBUG if args.debug else logging.INFO)  # not other libraries' INFO
    try:
        return report(lambda: handlers[args.command](args), debug=args.debug)
    except SystemExit as exit_:  # a command's EXIT_PARTIAL
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
