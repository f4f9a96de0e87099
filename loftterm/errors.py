"""Errors that reach the user: one line saying what went wrong and where, plus an exit code.

Exit codes (documented in README.md): 0 done (warnings allowed), 2 usage or config error,
3 a remote or network failure stopped the run, 4 the book is locked by another process,
5 the book file is unreadable (corrupt, or from a newer loftterm), 6 ``fleet``: a book failed.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_REMOTE = 3
EXIT_LOCKED = 4
EXIT_BOOK = 5
EXIT_FLEET = 6


class LofttermError(Exception):
    """Base of every error loftterm reports to a user.

    :param message: what went wrong, in one line, naming where (file:line, endpoint, profile).
    :param title: a short heading for TUI notifications.
    """

    exit_code = EXIT_USAGE
    title = "Error"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ConfigError(LofttermError):
    """The configuration file is missing, malformed or has a bad value."""

    title = "Configuration error"


class UsageError(LofttermError):
    """A command was given arguments that cannot work (unknown profile, bad option)."""

    title = "Cannot do that"


class ImportFileError(LofttermError):
    """An import or batch file has bad rows; nothing was imported."""

    title = "Import refused"


class BookLockedError(LofttermError):
    """Another process holds the book for writing."""

    exit_code = EXIT_LOCKED
    title = "Book in use"


class BookCorruptError(LofttermError):
    """The book file cannot be read; it is left untouched."""

    exit_code = EXIT_BOOK
    title = "Book unreadable"


class RemoteError(LofttermError):
    """A remote API or the network failed in a way that stopped the run."""

    exit_code = EXIT_REMOTE
    title = "Remote failure"


class RateLimitError(RemoteError):
    """A rate limit that waiting within this run cannot fix (e.g. Xero's daily limit)."""

    title = "Rate limit reached"


class AuthError(RemoteError):
    """Credentials were refused; the user must reconnect."""

    title = "Reconnect needed"


class ProtocolError(RemoteError):
    """The remote answered something that is not what its protocol promises."""

    title = "Unexpected answer"


class TenantMismatchError(LofttermError):
    """The config points a connector at another organisation than the one the book is pinned to."""

    title = "Different organisation"
