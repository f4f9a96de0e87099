"""Keeping a big process's heap in check: the cyclic collector around big work, and after it.

A 100k-profile book is millions of small containers that hold no reference cycles; the cyclic
garbage collector would walk them over and over while a run allocates, and glibc keeps what a
run freed.  The book, the sync and the matcher use these around their big steps.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around big work (a book read or written, a sync, a match).

    Reading 100k profiles allocates millions of containers; the collector would walk the
    growing heap over and over (measured: it doubles the time) and can free nothing, since
    records hold no reference cycles.  Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system after a big run (glibc only).

    A sync of a 100k book frees hundreds of megabytes of indexes and copies when it ends, but
    glibc keeps freed pages for reuse, so a long-lived process (the TUI, a fleet) stayed at its
    largest run's size: measured at 100k, ``malloc_trim`` after each run lowers the next quiet
    runs' peak from ~1.0 GB to ~0.78 GB.  Elsewhere (no ``malloc_trim``) this does nothing.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


#: A heap holding a book of at least this many profiles is frozen after a run (see below).
FREEZE_MIN = 20_000


def freeze_big_heap(profiles: int) -> None:
    """After a run on a big book, keep what is left out of the cyclic collector's walks.

    Runs pause the collector (:func:`gc_paused`); the first collection after one walked the
    whole heap, about 1 s at 100k (10 million containers), only to find that the book holds
    no cycles.  Here the youngest generation, where everything the run allocated waits (the
    HTTP client's objects form cycles: hundreds of MB of response bodies at 100k), is
    collected, then ``gc.freeze`` moves every object still alive to a generation no
    collection walks; reference counting still frees them.  The price: a cycle among them
    that becomes garbage later is never collected, so small books (tests, a TUI's
    short-lived screens) are left alone.
    """
    if profiles >= FREEZE_MIN:
        gc.collect(0)
        gc.freeze()
