"""Run the SortScape sandbox: ``python -m connectors.sortscape.sandbox --port 0``.

Prints the config section that points loftterm at it, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from .server import DEMO_KEY, SortScapeSandbox


def config_section(settings: dict[str, object]) -> str:
    """Return the ``connectors.sortscape`` YAML section for the given settings."""
    lines = ["connectors:", "  sortscape:", "    enabled: true"]
    lines += [f'    {key}: "{value}"' for key, value in settings.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, stop: threading.Event | None = None) -> int:
    """Start the sandbox, print its config section, serve until Ctrl-C (or ``stop`` is set)."""
    parser = argparse.ArgumentParser(prog="python -m connectors.sortscape.sandbox",
                                     description="SortScape sandbox on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--contacts", type=int, default=0, help="extra generated contacts")
    parser.add_argument("--no-seed", action="store_true", help="start without the demo data")
    parser.add_argument("--api-key", default=DEMO_KEY, help="the API key the server accepts")
    args = parser.parse_args(argv)
    sandbox = SortScapeSandbox(seed=not args.no_seed, contacts=args.contacts,
                               api_key=args.api_key, port=args.port)
    sandbox.start()
    try:
        print(config_section(sandbox.connector_settings()), flush=True)
        print(f"# SortScape sandbox serving on {sandbox.url}; Ctrl-C stops it", file=sys.stderr,
              flush=True)
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
