"""What every stage script and CLI command shares: reading its params section and turning errors into one line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from usvmask.errors import UsvmaskError

log = logging.getLogger("usvmask")


def read_section(params_file: str | Path, section: str) -> dict[str, Any]:
    """One top-level section of the params file the script was pointed at."""
    path = Path(params_file)
    try:
        params = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise UsvmaskError(f"{path}: cannot read the params ({err}); fix the YAML") from err
    if not isinstance(params, dict) or not isinstance(params.get(section), dict):
        raise UsvmaskError(f"{path}: no section {section!r}; add it (see README, Params)")
    return params[section]


def run_stage(main: Callable[[], Any]) -> None:
    """Run `main`; a UsvmaskError prints one line on stderr and exits with status 2."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        main()
    except UsvmaskError as err:
        sys.stderr.write(f"usvmask: error: {err}\n")
        sys.exit(2)
