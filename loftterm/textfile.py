"""Reading a user's text file (config, import, batch) with one-line errors that say where."""

from __future__ import annotations

from pathlib import Path

from loftterm.errors import LofttermError


def read_text(path: Path, error: type[LofttermError], source: str = "") -> str:
    """Return the file's text (UTF-8, a byte-order mark allowed).

    :param error: the error class raised, with ``<file>: cannot read the file: <why>`` or
        ``<file>:<line>: not valid UTF-8 (byte 0x..); save the file as UTF-8``.
    :param source: the name the messages use (default ``str(path)``).
    """
    source = source or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{source}: cannot read the file: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{source}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                    "save the file as UTF-8") from None
