"""Helpers shared by the benchmarks: child processes, memory, load and tables.

Every measured case runs in a fresh child process so its peak RSS (``ru_maxrss``) is its own.
A child prints one JSON object on its last stdout line; :func:`run_child` returns it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    """The current resident set size of this process, in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_mb() -> float:
    """The peak resident set size of this process so far, in MB.

    ``VmHWM`` (reset by exec), not ``ru_maxrss``: Linux carries the latter over from the parent
    process across fork and exec, so a small child would report its parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def heap_mb() -> float:
    """The bytes Python's small-object allocator holds in live objects, in MB (0 if unknown).

    RSS says what a process holds, not what its objects need: freed objects leave their arenas
    half-used.  This is the objects' own size (``sys._debugmallocstats``, "bytes in allocated
    blocks", after a collection); objects over 512 bytes (big dicts' tables) are not counted.
    """
    import gc

    gc.collect()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as out:
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode(errors="replace")
    for line in text.splitlines():
        if line.startswith("# bytes in allocated blocks"):
            return int(line.split("=")[1].replace(",", "")) / 1e6
    return 0.0


def reset_peak() -> bool:
    """Reset this process's ``VmHWM`` to its current RSS, so the next :func:`peak_mb` is the
    peak of what runs from now on; False where the kernel does not offer it.

    Writing ``5`` to ``/proc/self/clear_refs`` is Linux's documented reset of the high-water mark.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def load_note() -> str:
    """The 1-minute load average and core count, for the record (the machine is shared)."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load unknown"
    return f"load {one:.2f}/{five:.2f} (1/5 min) on {os.cpu_count()} cores"


def child_env(code_root: Path | None = None) -> dict[str, str]:
    """The environment of a child: ``code_root`` (a tree holding ``loftterm``) first on the path."""
    env = dict(os.environ)
    paths = [str(code_root)] if code_root is not None else []
    paths.append(str(ROOT))
    env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_child(
    script: Path, args: Sequence[str], *, code_root: Path | None = None, timeout: float = 1800
) -> dict[str, Any]:
    """Run ``python script args`` and return the JSON object printed on its last line."""
    proc = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        env=child_env(code_root),
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{script.name} {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def export_tree(ref: str, into: Path) -> Path:
    """Write the ``loftterm`` package as it is at git ``ref`` into ``into``; return ``into``.

    Used to measure an older implementation side by side with the working tree.
    """
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as archive:
        subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "loftterm"],
            stdout=archive,
            check=True,
        )
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(into, filter="data")
    return into


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table."""
    text = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h)
              for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
              for r in text]
    return "\n".join(lines)


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    """'ok' when ``value`` meets ``target``, else 'MISS'."""
    met = value <= target if lower_is_better else value >= target
    return "ok" if met else "MISS"
