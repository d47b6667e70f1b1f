"""params.yaml: reading one section, and turning it into checked keyword arguments of a library function.

Library functions report a bad argument as `UsvmaskError("<argument>: <what is wrong>; <fix>")`; when that
argument came from the params file, the message is prefixed with `<params file>: <section>.` so it names the key.
Before the call, every value is checked against the function's annotation (int, float, bool, str, list, dict,
or None where the annotation allows it), so `batch_size: "eight"` is reported as such, not as a traceback.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from usvmask import paths
from usvmask.errors import UsvmaskError

_KINDS = {int: "an integer", float: "a number", bool: "true or false", str: "a string", list: "a list",
          dict: "a mapping (key: value lines)"}
_EXAMPLES = {int: "a whole number such as 8", float: "a number such as 0.5", bool: "true or false",
             str: "a quoted string", list: "a list such as [4, 2]", dict: "a nested section"}


def read_section(params_file: str | Path, section: str) -> dict[str, Any]:
    """One top-level section of the params file."""
    path = Path(params_file)
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        reason = getattr(err, "strerror", None) or type(err).__name__
        raise UsvmaskError(f"{path}: cannot read the params ({reason}); fix the file or pass --params") from err
    if not isinstance(params, dict) or not isinstance(params.get(section), dict):
        raise UsvmaskError(f"{path}: no section {section!r}; add it (see README, Params)")
    return params[section]


def _base_types(hint: Any) -> tuple[set[type], bool] | None:
    """({plain types}, None allowed) an annotation stands for, or None when it is not a simple one."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        found: set[type] = set()
        allows_none = False
        for arg in typing.get_args(hint):
            if arg is type(None):
                allows_none = True
                continue
            sub = _base_types(arg)
            if sub is None:
                return None
            found |= sub[0]
        return found, allows_none
    plain = origin or hint
    mapping = {int: int, float: float, bool: bool, str: str, list: list, tuple: list, dict: dict}
    if plain in mapping:
        return {mapping[plain]}, False
    if plain in (Mapping, typing.Mapping) or (isinstance(plain, type) and issubclass(plain, Mapping)):
        return {dict}, False
    if plain in (list, tuple) or getattr(plain, "__name__", "") in ("Sequence",):
        return {list}, False
    return None


def _fits(value: Any, kinds: set[type]) -> bool:
    if isinstance(value, bool):
        return bool in kinds
    if isinstance(value, int):
        return int in kinds or float in kinds
    return any(isinstance(value, k) for k in kinds)


def check_types(fn: Callable[..., Any], params: Mapping[str, Any], where: str) -> None:
    """Raise a one-line UsvmaskError naming `where.key` for a value that does not fit `fn`'s annotation."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable annotations are simply not checked
        return
    for key, value in params.items():
        if key not in hints:
            continue
        kinds = _base_types(hints[key])
        if kinds is None:
            continue
        allowed, allows_none = kinds
        if value is None and allows_none:
            continue
        if value is None or not _fits(value, allowed):
            want = " or ".join(sorted(_KINDS[k] for k in allowed)) + (" or null" if allows_none else "")
            example = _EXAMPLES[sorted(allowed, key=str)[0]]
            raise UsvmaskError(f"{where}.{key}: {json.dumps(value, default=str)} is not {want}; use {example}")


def call_with_params(
    fn: Callable[..., Any], params: Mapping[str, Any], section: str, *, keys_of: Callable[..., Any] | None = None,
    source: str | Path | None = paths.PARAMS, **fixed: Any,
) -> Any:
    """Call `fn(**fixed, **params)`; an unknown or invalid key becomes a one-line error naming `section.key`.

    `keys_of` names the function whose keyword arguments are the valid keys, when `fn` forwards `**kwargs` to it;
    `source` is the params file named in messages. A nested call (a sub-section handed down by a library
    function) passes `source=None`: its messages start with `section.key`, and the outer call adds the file.
    """
    where = section if source is None else f"{source}: {section}"
    if not isinstance(params, Mapping):
        raise UsvmaskError(f"{where}: expected a section of key: value lines, got {params!r}")
    signature = inspect.signature(keys_of or fn)
    accepted = {n for n, p in signature.parameters.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    unknown = sorted(set(params) - (accepted - set(fixed)))
    if unknown:
        valid = ", ".join(sorted(accepted - set(fixed)))
        raise UsvmaskError(f"{where}.{unknown[0]}: unknown key; valid keys are {valid}")
    check_types(keys_of or fn, params, where)
    try:
        return fn(**fixed, **params)
    except UsvmaskError as err:
        first = str(err).split(":", 1)[0].split(".", 1)[0]
        if first in params and first not in {str(v) for v in fixed.values()}:  # not a path named like a key
            raise UsvmaskError(f"{where}.{err}") from err
        if source is not None and isinstance(fixed.get(first), Mapping):  # a whole section handed down
            raise UsvmaskError(f"{source}: {err}") from err
        raise
