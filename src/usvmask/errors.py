"""The one error type the user can cause; the CLI prints its message on one line and exits non-zero."""


class UsvmaskError(Exception):
    """A problem with the user's input or parameters: message names the file or key and the fix."""
