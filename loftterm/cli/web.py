"""``loftterm --web``: the same console in a browser, served by textual-serve on 127.0.0.1.

textual-serve starts one ``loftterm`` process per browser tab and streams its screen; nothing
leaves the machine unless the user forwards the port (e.g. ``ssh -L 8000:127.0.0.1:8000``).
Only the holder of the URL printed at launch gets in (see :mod:`loftterm.cli.web_gate`).
"""

from __future__ import annotations

import shlex
import sys

from loftterm.errors import EXIT_OK, UsageError


def console_command(config: str | None, demo: bool) -> str:
    """The command each browser tab runs."""
    parts = [sys.executable, "-m", "loftterm"]
    if demo:
        parts.append("--demo")
    elif config:
        parts += ["--config", config]
    return shlex.join(parts)


def serve_web(config: str | None, demo: bool, port: int) -> int:
    """Serve the console over HTTP on 127.0.0.1 until Ctrl-C."""
    try:
        from loftterm.cli.web_gate import GatedServer, new_key
    except ImportError:
        raise UsageError("--web needs textual-serve: pip install 'loftterm[web]'") from None
    key = new_key()
    print(
        f"loftterm: serving the console on http://127.0.0.1:{port}/?key={key}\n"
        "loftterm: open that URL (it is this launch's key; anything else gets 403); from another "
        f"machine: ssh -L {port}:127.0.0.1:{port} THIS_HOST, then the same URL (Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    GatedServer(console_command(config, demo), key=key, host="127.0.0.1", port=port,
                title="loftterm").serve()
    return EXIT_OK
