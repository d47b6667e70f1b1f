"""Turning a params.yaml section (a plain dict the stage script read) into keyword arguments, with checked keys.

Library functions report a bad argument as `UsvmaskError("<argument>: <what is wrong>; <fix>")`; when that
argument came from params.yaml, the message is prefixed with `params.yaml: <section>.` so it names the key.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from usvmask.errors import UsvmaskError


def call_with_params(
    fn: Callable[..., Any], params: Mapping[str, Any], section: str, *, keys_of: Callable[..., Any] | None = None,
    **fixed: Any,
) -> Any:
    """Call `fn(**fixed, **params)`; an unknown or invalid key becomes a one-line error naming `section.key`.

    `keys_of` names the function whose keyword arguments are the valid keys, when `fn` forwards `**kwargs` to it.
    """
    signature = inspect.signature(keys_of or fn)
    accepted = {n for n, p in signature.parameters.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    unknown = sorted(set(params) - (accepted - set(fixed)))
    if unknown:
        valid = ", ".join(sorted(accepted - set(fixed)))
        raise UsvmaskError(f"params.yaml: {section}.{unknown[0]}: unknown key; valid keys are {valid}")
    try:
        return fn(**fixed, **params)
    except UsvmaskError as err:
        key = str(err).split(":", 1)[0]
        if key in params:
            raise UsvmaskError(f"params.yaml: {section}.{err}") from err
        raise
