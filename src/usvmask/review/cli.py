"""`usvmask review`: review and correct a mask set in the browser, most likely wrong first.

    usvmask review                 # in a pipeline checkout: the masks import_corrections reads, into its manual folder
    usvmask review --data DIR --masks MASKS.zip --out DIR [--compare MASKS.zip] [--model MODEL.pt] [--port N]

The server listens on 127.0.0.1 only and prints its address; open it in a browser on this machine (from another
machine: ssh -L PORT:127.0.0.1:PORT). Every decision is written to the corrections folder at once; `dvc repro` then
re-runs import_corrections and what follows. One server per corrections folder; stop it with Ctrl+C.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import os
import shlex
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from usvmask.errors import UsvmaskError

DEFAULT_PORT = 8765
HOST = "127.0.0.1"
IMPORT_STAGE = "import_corrections"  # the stage whose inputs the defaults review, and whose manual folder they fill


def _flags(cmd: str) -> dict[str, list[str]]:
    """--flag → the words after it up to the next flag."""
    out: dict[str, list[str]] = {}
    current = None
    for word in shlex.split(cmd):
        if word.startswith("--"):
            current = out.setdefault(word, [])
        elif current is not None:
            current.append(word)
    return out


def pipeline_defaults(root: Path) -> dict[str, Path | None]:
    """data, masks and out of a pipeline checkout (`import_corrections`' --data, --masks and last --corrections
    folder, the one that wins), and compare: the newest earlier construction iteration whose masks differ."""
    from dvc.repo import Repo

    try:
        commands = {s.name: s.cmd if isinstance(s.cmd, str) else " ".join(s.cmd) for s in Repo(str(root)).index.stages}
    except Exception as err:  # DVC raises many types for a broken or missing project
        raise UsvmaskError(f"{root / 'dvc.yaml'}: DVC cannot read it ({type(err).__name__}); fix it or give "
                           "--data, --masks and --out") from err
    if IMPORT_STAGE not in commands:
        raise UsvmaskError(f"{root / 'dvc.yaml'}: no {IMPORT_STAGE} stage; give --data, --masks and --out")
    flags = _flags(commands[IMPORT_STAGE])
    masks = root / flags["--masks"][0]
    previous = {root / f["--out"][0]: root / f["--prev-masks"][0]
                for f in map(_flags, commands.values()) if "--prev-masks" in f and "--out" in f}
    compare, step = None, masks
    while compare is None and step in previous:
        step = previous[step]
        if step.is_file() and masks.is_file() and not filecmp.cmp(step, masks, shallow=False):
            compare = step
    return {"data": root / flags["--data"][0], "masks": masks, "out": root / flags["--corrections"][-1],
            "compare": compare}


def resolve_paths(args: argparse.Namespace, cwd: Path) -> dict[str, Path | None]:
    """The paths to use: the options given, the rest from the pipeline checkout in `cwd`."""
    given = {"data": args.data, "masks": args.masks, "out": args.out, "compare": args.compare}
    if args.data and args.masks and args.out:
        return {k: Path(v) if v else None for k, v in given.items()}
    if not (cwd / "dvc.yaml").is_file():
        raise UsvmaskError(f"{cwd}: no dvc.yaml here and --data, --masks or --out missing; give all three, or run "
                           "inside a pipeline checkout")
    found = pipeline_defaults(cwd)
    if args.masks:
        found["compare"] = None  # the previous iteration belongs to the default masks only
    return {k: Path(v) if v else found[k] for k, v in given.items()}


def hold_lock(out: Path) -> IO | None:
    """An exclusive lock for `out` for the life of this process (released by the OS even on kill -9)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: one server per folder is then up to the user
        return None
    key = hashlib.sha1(str(out.resolve()).encode()).hexdigest()[:16]
    handle = open(Path(tempfile.gettempdir()) / f"usvmask-review-{key}.lock", "a+")  # noqa: SIM115 (held open)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        raise UsvmaskError(f"{out}: another usvmask review (pid {handle.read().strip() or '?'}) is writing here; "
                           "open its address, or stop it first") from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def run_review(args: argparse.Namespace) -> None:
    """CLI handler: open the session, bind 127.0.0.1, print the address, serve until Ctrl+C."""
    from usvmask.review.app import create_app
    from usvmask.review.load import open_session

    where = resolve_paths(args, Path("."))  # relative paths read best in messages
    lock = hold_lock(where["out"])
    try:
        session, images = open_session(where["data"], where["masks"], where["out"], compare_file=where["compare"],
                                       model_file=args.model)
        about = {key: None if value is None else str(value) for key, value in where.items()}
        app = create_app(session, images, {**about, "model": args.model})
        serve(app, args.port, f"{len(images)} images of {where['masks']}; decisions go to {where['out']}")
    finally:
        if lock is not None:
            lock.close()


def serve(app, port: int, what: str) -> None:
    """Serve `app` on 127.0.0.1:`port` (0 = any free port) until Ctrl+C; prints the address first."""
    from waitress import create_server

    try:
        server = create_server(app, host=HOST, port=port, threads=4, ident="usvmask-review")
    except OSError as err:
        raise UsvmaskError(f"port {port}: cannot listen there ({err.strerror}); give another --port, or 0 "
                           "for any free one") from err
    port = server.effective_port
    app.config["REVIEW_HOSTS"] = {f"{HOST}:{port}", f"localhost:{port}"}
    sys.stdout.write(f"usvmask review: http://{HOST}:{port}/ ({what}); Ctrl+C stops\n")
    sys.stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def add_command(subparsers: argparse._SubParsersAction) -> dict[str, Callable[[argparse.Namespace], None]]:
    """Declare `review` on the `usvmask` subparsers; returns {name: handler}."""
    p = subparsers.add_parser("review", help="review and correct masks in the browser (localhost web app)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="prepared folder (default in a pipeline checkout: import_corrections' --data)")
    p.add_argument("--masks", help="masks zip to review, from any stage (default: import_corrections' --masks)")
    p.add_argument("--out", help="corrections folder decisions go to (default: the pipeline's manual folder)")
    p.add_argument("--compare", help="another masks zip of the same images; their disagreement ranks the queue "
                                     "(default: the previous construction iteration, when --masks is not given)")
    p.add_argument("--model", help="checkpoint whose probability entropy also ranks the queue (optional)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 = any free port)")
    return {"review": run_review}
