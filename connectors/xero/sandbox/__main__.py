"""Serve the Xero sandbox: ``python -m connectors.xero.sandbox --port 0 --contacts N``.

Prints the ``connectors.xero`` config section pointing at it, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Sequence

import yaml

from connectors.xero.sandbox.server import XeroSandbox


def main(argv: Sequence[str] | None = None) -> int:
    """Start the sandbox, print its config section as YAML and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m connectors.xero.sandbox",
                                     description="Serve a loopback Xero organisation.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--contacts", type=int, default=0,
                        help="extra generated contacts (benchmarks)")
    parser.add_argument("--no-seed", action="store_true", help="start without the demo data")
    args = parser.parse_args(argv)
    started = time.monotonic()
    sandbox = XeroSandbox(seed=not args.no_seed, contacts=args.contacts, port=args.port)
    url = sandbox.start()
    section = {"connectors": {"xero": {"enabled": True, **sandbox.connector_settings()}}}
    print(f"# Xero sandbox on {url} ({len(sandbox.contacts)} contacts, ready in "
          f"{time.monotonic() - started:.1f}s); Ctrl-C stops it")
    print(yaml.safe_dump(section, sort_keys=False), end="", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("# stopped", file=sys.stderr)
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
