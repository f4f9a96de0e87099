"""``loftterm --web`` serves the console page on 127.0.0.1, to the holder of its URL only."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from loftterm.cli.web_gate import COOKIE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class Web:
    proc: subprocess.Popen[str]
    port: int
    url: str
    said: str


@pytest.fixture
def web() -> Iterator[Web]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "loftterm", "--web", "--demo", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        second = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/\?key=\S+", first)
        assert found, first
        url = found.group(0)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/static/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield Web(proc, port, url, first + second)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


def test_web_serves_the_console_page_to_the_url_it_printed(web: Web) -> None:
    page = httpx.get(web.url, timeout=5)
    assert page.status_code == 200
    assert "loftterm" in page.text
    key = web.url.split("key=", 1)[1]
    assert page.cookies.get(COOKIE) == key
    assert "httponly" in page.headers["set-cookie"].lower()
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    # then the cookie alone lets the page's assets in
    again = httpx.get(f"http://127.0.0.1:{web.port}/", cookies={COOKIE: key}, timeout=5)
    assert again.status_code == 200
    assert "ssh -L" in web.said


def test_web_refuses_everyone_else_and_starts_no_console(web: Web) -> None:
    base = f"http://127.0.0.1:{web.port}"
    ws_headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                  "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    for path, kwargs in (
        ("/", {}),
        ("/?key=wrong", {}),
        ("/", {"cookies": {COOKIE: "guess"}}),
        ("/ws?width=80&height=24", {"headers": ws_headers}),
        ("/static/", {}),
    ):
        answer = httpx.get(base + path, timeout=5, **kwargs)  # type: ignore[arg-type]
        assert answer.status_code == 403, path
        assert COOKIE not in answer.cookies
    assert children(web.proc.pid) == [], "a refused request started a console process"


def test_help_mentions_ssh_forwarding() -> None:
    out = subprocess.run([sys.executable, "-m", "loftterm", "--help"], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "COLUMNS": "200"}).stdout
    assert "ssh -L" in out and "--web" in out
