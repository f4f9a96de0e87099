"""Run the QBO sandbox: ``python -m connectors.qbo.sandbox --port 0 --contacts N``.

Prints the ``connectors.qbo`` config section that points at it, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable

import yaml

from .server import QboSandbox


def _forever() -> None:
    threading.Event().wait()


def main(argv: list[str] | None = None, wait: Callable[[], None] = _forever) -> int:
    """Start the sandbox, print its config section and serve until interrupted (or ``wait``)."""
    parser = argparse.ArgumentParser(prog="python -m connectors.qbo.sandbox",
                                     description="A loopback QuickBooks Online company.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--contacts", type=int, default=0,
                        help="extra generated vendor + customer pairs (benchmarks)")
    parser.add_argument("--no-seed", action="store_true", help="start without the demo company")
    args = parser.parse_args(argv)
    sandbox = QboSandbox(seed=not args.no_seed, contacts=args.contacts, port=args.port)
    sandbox.start()
    section = {"connectors": {"qbo": {"enabled": True, **sandbox.connector_settings()}}}
    print(yaml.safe_dump(section, sort_keys=False), end="", flush=True)
    try:
        wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
