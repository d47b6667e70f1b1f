"""Stage outputs on disk: image and mask stacks as one uncompressed zip of PNGs, tables as CSV, all atomic.

A DVC output of thousands of loose files costs seconds of hashing and thousands of cache objects, so every stack
is one file. Writers build a temporary file beside the target and rename it into place, so a killed stage
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from usvmask.errors import UsvmaskError

FIXED_DATE = (1980, 1, 1, 0, 0, 0)


@contextlib.contextmanager
def atomic_path(path: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def encode_png(array: np.ndarray) -> bytes:
    """PNG bytes of a uint8 image or a boolean mask (saved as 0/255)."""
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(array))
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def write_stack(path: str | Path, names: Sequence[str], stack: np.ndarray) -> None:
    """Write (N,H,W) uint8 images or bool masks as `<name>.png` members of an uncompressed zip."""
    if len(names) != len(stack):
        raise ValueError(f"{len(names)} names for {len(stack)} arrays")
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for name, array in zip(names, stack):
            member = zipfile.ZipInfo(f"{name}.png", date_time=FIXED_DATE)  # a fixed date: byte-identical reruns
            member.external_attr = 0o644 << 16
            zf.writestr(member, encode_png(array), compress_type=zipfile.ZIP_STORED)


def read_stack(path: str | Path, names: Sequence[str] | None = None, *, kind: str = "image") -> np.ndarray:
    """Read a zip written by `write_stack`, in the order of `names` (default: the zip's order).

    kind "image" returns uint8, "mask" returns bool (nonzero = call).
    """
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as err:
        raise UsvmaskError(f"{path}: cannot read the stack ({err}); re-run the stage that writes it") from err
    with zf:
        members = [n[:-4] for n in zf.namelist() if n.endswith(".png")]
        names = members if names is None else list(names)
        missing = sorted(set(names) - set(members))
        if missing:
            raise UsvmaskError(f"{path}: has no image {missing[0]!r} ({len(missing)} missing); re-run the stage that writes it")
        arrays = [cv2.imdecode(np.frombuffer(zf.read(f"{n}.png"), np.uint8), cv2.IMREAD_GRAYSCALE) for n in names]
    stack = np.stack(arrays) if arrays else np.zeros((0, 0, 0), np.uint8)
    return stack > 0 if kind == "mask" else stack


def stack_names(path: str | Path) -> list[str]:
    """Names of the members of a stack zip, in order."""
    with zipfile.ZipFile(path) as zf:
        return [n[:-4] for n in zf.namelist() if n.endswith(".png")]


def write_table(path: str | Path, table: pd.DataFrame) -> None:
    """Write a CSV table atomically."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV index, with a one-line error if it is missing or unreadable."""
    try:
        return pd.read_csv(path, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise UsvmaskError(f"{path}: cannot read the table ({err}); re-run the stage that writes it") from err
