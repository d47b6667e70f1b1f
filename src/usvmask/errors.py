"""The one error type the user can cause, the exit codes, and the one place that turns errors into one line.

Exit codes of every usvmask command and stage (``EXIT_HELP``): 0 everything done; 1 the run finished but some
inputs failed (each is named on stderr; the others' outputs are written); 2 nothing was done: bad input, params or
paths (one line on stderr names the file or key and the fix); 3 an unexpected error, a bug (one line; ``--debug``
or ``USVMASK_DEBUG=1`` shows the traceback to report).
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_BUG = 3
DEBUG_ENV = "USVMASK_DEBUG"

EXIT_HELP = (
    "exit status: 0 everything done; 1 the run finished but some inputs failed (each named on stderr, the others' "
    "outputs written); 2 nothing done: bad input, params or paths (one line on stderr names the file or key and "
    f"the fix); 3 an unexpected error (a bug: --debug or {DEBUG_ENV}=1 shows the traceback to report)"
)

_OS_FIXES = {
    errno.EACCES: "check its permissions or choose another path",
    errno.EPERM: "check its permissions or choose another path",
    errno.EEXIST: "it exists and is in the way; remove it or choose another path",
    errno.ENOTDIR: "a file is in the way of a folder; choose another path",
    errno.EISDIR: "it is a folder; give a file",
    errno.ENOENT: "check the path",
    errno.ENAMETOOLONG: "shorten the name",
    errno.ENOSPC: "free some disk space",
    errno.EROFS: "the file system is read-only; choose another path",
}


class UsvmaskError(Exception):
    """A problem with the user's input or parameters: message names the file or key and the fix."""


def os_reason_and_fix(err: OSError) -> tuple[str, str]:
    """(what went wrong, what to do) for an OSError, both lower-case phrases."""
    return (err.strerror or type(err).__name__).lower(), _OS_FIXES.get(err.errno, "check the path and try again")


def describe_os_error(err: OSError) -> str:
    """`<path>: <reason>; <fix>` for an OSError (permission, not a folder, name too long, disk full, ...)."""
    where = err.filename if err.filename is not None else "file system"
    reason, fix = os_reason_and_fix(err)
    return f"{where}: {reason}; {fix}"


def one_line(fn: Callable[[], Any]) -> str | None:
    """Run `fn`; return None when it succeeds, else the one-line message of a UsvmaskError or OSError."""
    try:
        fn()
    except UsvmaskError as err:
        return str(err).replace("\n", " ")
    except OSError as err:
        return describe_os_error(err)
    return None


def report(fn: Callable[[], Any], *, debug: bool = False) -> int:
    """Run `fn` and return its exit status; every error becomes one line ``usvmask: error: ...`` on stderr.

    A UsvmaskError or OSError gives EXIT_USAGE, any other exception EXIT_BUG; a SystemExit raised by `fn` (a
    command's EXIT_PARTIAL) passes through. With `debug` (or USVMASK_DEBUG=1) errors propagate with their traceback.
    """
    if debug or os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        fn()
        return EXIT_OK
    try:
        message = one_line(fn)
    except Exception as err:  # noqa: BLE001 - the one place a bug becomes one line instead of a traceback
        text = str(err).replace("\n", " ")[:300]
        sys.stderr.write(f"usvmask: error: unexpected {type(err).__name__}: {text}; run again with --debug (or "
                         f"{DEBUG_ENV}=1) and report the traceback\n")
        return EXIT_BUG
    if message is not None:
        sys.stderr.write(f"usvmask: error: {message}\n")
        return EXIT_USAGE
    return EXIT_OK
