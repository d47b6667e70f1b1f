"""The ``usvmask segment`` subcommand: recordings -> calls.csv, per-call masks and overview figures.

    usvmask segment PATH... --model MODEL.pt --out DIR [--recursive] [--channel 0] [--xlsx] [--threshold 0.5]

Exit status: 0 when every file was segmented, 1 when some file failed (each is named on stderr; the other
files' results are written), 2 when nothing was done (no model, no readable path, an unusable --out, ...).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from usvmask.errors import EXIT_PARTIAL
from usvmask.segment.core import SegmentSettings

_DEFAULTS = SegmentSettings()
_TUNABLE = {
    "threshold": "call probability above which a pixel is call",
    "detect_db": "band power over the noise floor (dB) that makes a candidate",
    "merge_gap_ms": "segments closer than this (ms) are one call",
    "min_call_ms": "calls shorter than this (ms) are dropped",
    "chunk_s": "seconds of audio processed at a time (memory bound)",
    "batch_size": "candidate images per model batch",
}


def cmd_segment(args: argparse.Namespace) -> None:
    """Run the segmentation; exits with status 1 if any file failed."""
    from usvmask.segment.run import segment_paths

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    settings = SegmentSettings(**{key: getattr(args, key) for key in _TUNABLE})
    result = segment_paths(args.paths, model=args.model, out_dir=args.out, settings=settings, channel=args.channel,
                           recursive=args.recursive, xlsx=args.xlsx, device=args.device, backend=args.backend,
                           progress=not args.no_progress)
    sys.stdout.write(json.dumps({"files_done": len(result.done), "files_failed": len(result.failed),
                                 "calls": int(len(result.table)), "out": str(args.out)}) + "\n")
    for message in result.failed.values():
        sys.stderr.write(f"usvmask: error: {message}\n")
    if result.failed:
        raise SystemExit(EXIT_PARTIAL)


def add_command(sub: argparse._SubParsersAction) -> dict[str, Callable[[argparse.Namespace], None]]:
    """Declare ``segment`` on the ``usvmask`` subparsers; returns name -> handler."""
    p = sub.add_parser("segment", help="segment recordings (WAV, FLAC, ...) into a per-call table",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="audio files or folders of them")
    p.add_argument("--model", required=True, help="segmentation checkpoint (e.g. models/final/squeakout.pt)")
    p.add_argument("--out", required=True, help="run folder to write (calls.csv, masks/, figures/, run.json)")
    p.add_argument("--recursive", action="store_true", help="also look in sub-folders of folder PATHs")
    p.add_argument("--channel", type=int, default=0, help="channel of multi-channel files (default 0, the first)")
    p.add_argument("--xlsx", action="store_true", help="also write calls.xlsx")
    for key, text in _TUNABLE.items():
        default = getattr(_DEFAULTS, key)
        kind = float if default is None else type(default)
        shown = "the model card's" if default is None else default
        p.add_argument(f"--{key.replace('_', '-')}", type=kind, default=default, help=f"{text} (default {shown})")
    p.add_argument("--device", default="auto", help="torch device for the model (auto, cpu, cuda, mps)")
    p.add_argument("--backend", default="auto", help="inference path: auto, eager, channels_last, bf16, onnx")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return {"segment": cmd_segment}
