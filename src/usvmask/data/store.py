"""Every file usvmask writes goes through here: one temp-and-rename writer, stacks as zips of PNGs, tables, JSON.

A DVC output of thousands of loose files costs seconds of hashing and thousands of cache objects, so every stack
is one file. Writers build a temporary file beside the target and rename it into place, so a killed stage
leaves either the old file or the new one, never half of one. Temporary names are short
(``.tmp-<8 hex of the target's name>-<random>``, so a long target name cannot overflow the file-name limit) and
start with ``TEMP_PREFIX``; ``remove_stale_temps`` deletes what a killed run left behind, for one target or for a
whole folder. The zip writers and ``atomic_dir`` clean their target's stale temps before they start. Every file is
written mode 0644. ``check_writable`` checks an output path before any work is done.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd

from usvmask.errors import UsvmaskError, os_reason_and_fix

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
TEMP_PREFIX = ".tmp-"
FILE_MODE = 0o644


def temp_prefix(target: str | Path) -> str:
    """The start of every temporary name written for `target`: ``.tmp-`` and 8 hex digits of its name."""
    name = Path(target).name.encode("utf-8", "surrogateescape")
    return f"{TEMP_PREFIX}{hashlib.sha1(name).hexdigest()[:8]}-"


def remove_stale_temps(folder: str | Path, *, target: str | Path | None = None) -> int:
    """Delete the temporary files and folders a killed writer left directly in `folder` (only `target`'s when
    given); returns how many."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    prefix = TEMP_PREFIX if target is None else temp_prefix(target)
    stale = [p for p in folder.iterdir() if p.name.startswith(prefix)]
    for path in stale:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)
    return len(stale)


def _replace(tmp: str | Path, path: Path) -> None:
    """os.replace whose error names the target, not the temporary file."""
    try:
        os.replace(tmp, path)
    except OSError as err:
        raise OSError(err.errno, err.strerror, str(path)) from err


@contextlib.contextmanager
def atomic_path(path: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` (mode 0644) only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=suffix or path.suffix[:16], dir=path.parent)
    os.close(fd)
    os.chmod(tmp, FILE_MODE)
    try:
        yield Path(tmp)
        _replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside `path`; it replaces `path` (old one deleted) only on success.

    What a killed earlier run left for `path` is deleted first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path.parent, target=path)
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(path), dir=path.parent))
    os.chmod(tmp, 0o755)
    try:
        yield tmp
        old = Path(tempfile.mkdtemp(prefix=temp_prefix(path), dir=path.parent)) / "old"
        if path.exists():
            os.replace(path, old)
        _replace(tmp, path)
        shutil.rmtree(old.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def check_writable(path: str | Path, *, folder: bool = False) -> Path:
    """Before any work: a one-line UsvmaskError if output `path` (a file, or a folder) cannot be written there.

    Catches an output that is a file where a folder is wanted (or the reverse), a file in the way of its parent
    folders, and a folder that cannot be written (by creating and deleting a temporary file in it)."""
    path = Path(path)
    try:
        if folder and path.exists() and not path.is_dir():
            raise UsvmaskError(f"{path}: exists and is not a folder; remove it or choose another output folder")
        if not folder and path.is_dir():
            raise UsvmaskError(f"{path}: is a folder, not a file; give a file name or choose another output path")
        home = _nearest_existing(path if folder else path.parent)
        if not home.is_dir():
            raise UsvmaskError(f"{path}: {home} is a file, not a folder; remove it or choose another output path")
        fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=home)
        os.close(fd)
        os.remove(probe)
    except OSError as err:
        reason, fix = os_reason_and_fix(err)
        raise UsvmaskError(f"{path}: cannot be written ({reason}); {fix}") from err
    return path


def name_limit(folder: str | Path) -> int:
    """The longest file name, in bytes, the file system that holds `folder` (or its nearest existing parent) takes."""
    try:
        return int(os.pathconf(_nearest_existing(Path(folder)), "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def name_too_long(folder: str | Path, name: str, *, limit: int | None = None) -> str | None:
    """None if file `name` fits in `folder`, else ``"too long (N > limit bytes)"``."""
    limit = name_limit(folder) if limit is None else limit
    size = len(os.fsencode(name))
    return None if size <= limit else f"too long ({size} > {limit} bytes)"


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 `text` to `path` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def copy_file(src: str | Path, dst: str | Path) -> Path:
    """Copy a file into place atomically."""
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)
    return Path(dst)


def _to_builtin(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_json(path: str | Path, data: dict[str, Any]) -> Path:
    """Write `data` as JSON atomically: sorted keys, indent 2, numpy scalars and arrays as plain values."""
    return write_text(path, json.dumps(data, sort_keys=True, indent=2, default=_to_builtin) + "\n")


def read_json(path: str | Path) -> dict[str, Any]:
    """A JSON object from `path`, with a one-line error naming the file if it is missing or not JSON."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UsvmaskError(f"{path}: cannot read the JSON ({err}); re-run the stage that writes it") from err
    if not isinstance(data, dict):
        raise UsvmaskError(f"{path}: not a JSON object; re-run the stage that writes it")
    return data


def encode_png(array: np.ndarray) -> bytes:
    """PNG bytes of a uint8 image or a boolean mask (saved as 0/255)."""
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(array))
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def write_png(path: str | Path, array: np.ndarray) -> Path:
    """A bool mask (0/255), a grayscale or an RGB uint8 image as a PNG file, atomically."""
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    return write_bytes(path, encode_png(array))


def zip_member(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date and mode 0644, so that rewriting the same content gives the same bytes."""
    member = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    member.external_attr = FILE_MODE << 16
    member.compress_type = zipfile.ZIP_STORED
    return member


def write_stack(path: str | Path, names: Sequence[str], stack: np.ndarray) -> None:
    """Write (N,H,W) uint8 images or bool masks as `<name>.png` members of an uncompressed zip."""
    if len(names) != len(stack):
        raise ValueError(f"{len(names)} names for {len(stack)} arrays")
    remove_stale_temps(Path(path).parent, target=path)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for name, array in zip(names, stack):
            zf.writestr(zip_member(f"{name}.png"), encode_png(array))


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
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise UsvmaskError(f"{path}: cannot read the table ({err}); re-run the stage that writes it") from err
