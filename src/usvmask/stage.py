"""What every stage script shares: one call with its params section, its metrics file, and one-line errors.

A stage script parses its paths and calls `run_step(fn, params_file=..., section=<its own name>, ...)` inside
`run_stage(main)`. `run_step` reads the section, checks it against `fn`'s keyword arguments, calls `fn` and
writes the returned facts (plus the step's wall-clock `seconds`) to the metrics file. Errors become one line on
stderr with the exit status of `usvmask.errors.report` (2 for input, params and paths, 3 for a bug).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from usvmask import paths
from usvmask.data.store import write_json
from usvmask.errors import report
from usvmask.params import call_with_params, read_section


def name_equals_path(what: str, example: str) -> Callable[[str], tuple[str, str]]:
    """An argparse type for `NAME=PATH` arguments: `name=path` → (name, path); the error shows `example`."""

    def parse(text: str) -> tuple[str, str]:
        name, sep, path = text.partition("=")
        if not sep or not name or not path:
            raise argparse.ArgumentTypeError(f"{text!r}: write NAME={what}, e.g. {example}")
        return name, path

    return parse


def run_step(
    fn: Callable[..., Any], *, params_file: str | Path = paths.PARAMS, section: str | None = None,
    metrics: str | Path | None = None, keys_of: Callable[..., Any] | None = None, **fixed: Any,
) -> Any:
    """`fn(**fixed, **params[section])` with checked keys; its dict of facts goes to `metrics` when given."""
    params = read_section(params_file, section) if section else {}
    started = time.perf_counter()
    facts = call_with_params(fn, params, section or "", keys_of=keys_of, source=params_file, **fixed)
    if metrics is not None:
        write_json(metrics, {**facts, "seconds": round(time.perf_counter() - started, 1)})
    return facts


def run_stage(main: Callable[[], Any]) -> None:
    """Run `main` with INFO logging; an error prints one line on stderr and exits with its status (see errors)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    status = report(main)
    if status:
        sys.exit(status)
