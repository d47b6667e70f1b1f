"""The one error type the user can cause, the exit codes, and the one place that turns errors into one line.

Exit codes of every usvmask command and stage: 0 everything done; 1 the run finished but some inputs failed
(each is named; the others' outputs are written); 2 nothing was done: bad input, params or paths.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2

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


def describe_os_error(err: OSError) -> str:
    """`<path>: <reason>; <fix>` for an OSError (permission, not a folder, name too long, disk full, ...)."""
    where = err.filename if err.filename is not None else "file system"
    reason = (err.strerror or type(err).__name__).lower()
    fix = _OS_FIXES.get(err.errno, "check the path and try again")
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
