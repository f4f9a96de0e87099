"""One writer at a time: an advisory lock file beside the book that names its holder.

The kernel drops a ``flock`` when its process dies, so a lock left by a killed process is never
stale; the pid written in the file is only there to tell the user who holds it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from loftterm.errors import BookLockedError


def lock_path(book: Path) -> Path:
    """Return the lock file of a book."""
    return book.with_name(book.name + ".lock")


class BookLock:
    """Exclusive write lock on a book; waits up to ``wait_s`` for another writer to finish."""

    def __init__(
        self,
        book: Path,
        wait_s: float = 3.0,
        *,
        sleep: Callable[[float], None] = time.sleep,
        purpose: str = "write",
    ) -> None:
        self.path = lock_path(book)
        self.book = book
        self.wait_s = wait_s
        self.sleep = sleep
        self.purpose = purpose
        self._fd: int | None = None

    def holder(self) -> str:
        """Return what the lock file says about its holder."""
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    def acquire(self) -> None:
        """Take the lock or raise :class:`BookLockedError` naming the holder's pid."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise BookLockedError(
                        f"{self.book}: the book is being written by another loftterm "
                        f"({self.holder()}); try again when it finishes"
                    ) from None
                self.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} ({self.purpose})".encode())
        self._fd = fd

    def release(self) -> None:
        """Release the lock."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> BookLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
