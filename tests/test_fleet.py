"""``loftterm fleet DIR``: every book config in a folder, each synced by its own worker process."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.qbo.sandbox import QboSandbox
from connectors.xero.sandbox import XeroSandbox
from loftterm.book import Book
from loftterm.cli.fleet import book_configs
from loftterm.demo import seed_demo_book
from tests.cli_support import container_command, cronjob, run_loftterm


def refused_port() -> int:
    """A loopback port nothing listens on (a connect is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_book(folder: Path, name: str, connectors: dict[str, Any], seed: list[str]) -> Path:
    """``folder/NAME.yaml`` for a book ``NAME.json`` beside it."""
    seed_demo_book(folder / f"{name}.json", seed)
    config = folder / f"{name}.yaml"
    config.write_text(yaml.safe_dump({"book": f"{name}.json", "connectors": connectors}),
                      encoding="utf-8")
    return config


@pytest.fixture
def books(tmp_path: Path) -> Iterator[Path]:
    """Three books: one on Xero, one on QuickBooks Online, one whose ledger refuses connections."""
    xero, qbo = XeroSandbox(), QboSandbox()
    xero.start()
    qbo.start()
    try:
        folder = tmp_path / "books"
        folder.mkdir()
        write_book(folder, "harbour", {"xero": {"enabled": True, **xero.connector_settings()}},
                   ["xero"])
        write_book(folder, "keystone", {"qbo": {"enabled": True, **qbo.connector_settings()}}, [])
        gone = {**xero.connector_settings()}
        url = f"http://127.0.0.1:{refused_port()}"
        gone.update(api_url=url + "/api.xro/2.0", token_url=url + "/connect/token",
                    connections_url=url + "/connections")
        write_book(folder, "closed", {"xero": {"enabled": True, **gone}}, ["xero"])
        (folder / "notes.txt").write_text("not a config", encoding="utf-8")
        (folder / "archive").mkdir()
        (folder / "archive" / "old.yaml").write_text("book: [", encoding="utf-8")
        yield folder
    finally:
        xero.stop()
        qbo.stop()


def test_fleet_json_syncs_the_reachable_books_and_reports_the_refused_one(books: Path) -> None:
    result = run_loftterm("fleet", str(books), "--json", "--jobs", "3")
    assert result.returncode == 6, result.stderr
    rows = json.loads(result.stdout)
    assert [Path(r["config"]).name for r in rows] == ["closed.yaml", "harbour.yaml",
                                                      "keystone.yaml"]
    by_name = {Path(r["config"]).stem: r for r in rows}
    for name in ("harbour", "keystone"):
        row = by_name[name]
        assert row["ok"] is True and row["error"] is None and row["exit_code"] == 0
        assert row["counts"]["linked"] + row["counts"]["imported"] > 0
        assert set(row["counts"]) == {"linked", "created", "imported", "updated", "held",
                                      "warnings"}
        book = Book.open(books / f"{name}.json")
        assert any(book.remote.values()), f"{name} was pulled"
    closed = by_name["closed"]
    assert closed["ok"] is False and closed["exit_code"] == 3
    assert "unreachable" in closed["error"] and "\n" not in closed["error"]
    assert result.stderr == ""  # no progress when stderr is not a TTY


def test_fleet_table_has_one_row_per_book_and_the_reasons(books: Path) -> None:
    result = run_loftterm("fleet", str(books), "--jobs", "2", "--connector", "xero",
                          "--dry-run", "--verbose")
    assert result.returncode == 6
    progress = sorted(line.split()[1:3] for line in result.stderr.splitlines())
    assert progress == [["closed.yaml", "failed:"], ["harbour.yaml", "ok"],
                        ["keystone.yaml", "failed:"]]
    assert all(line.startswith(("[1/3] ", "[2/3] ", "[3/3] ")) for line in result.stderr.splitlines())
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["config", "result", "linked", "created", "imported", "updated",
                                "held", "warnings", "seconds"]
    rows = {line.split()[0]: line.split()[1] for line in lines[2:5]}
    # keystone has no xero connector: `--connector xero` is a usage error for that book alone
    assert rows == {"closed.yaml": "failed", "harbour.yaml": "ok", "keystone.yaml": "failed"}
    assert "2 of 3 books failed:" in result.stdout
    assert Book.open(books / "harbour.json").remote.get("xero") in (None, {}), "dry run wrote"


def test_a_broken_config_fails_alone_with_its_one_line_reason(books: Path) -> None:
    (books / "closed.yaml").write_text("book: b.json\nconnectors:\n  xero:\n    enabled: [\n",
                                       encoding="utf-8")
    result = run_loftterm("fleet", str(books), "--json", "--index", "0")
    rows = json.loads(result.stdout)
    assert len(rows) == 1 and rows[0]["exit_code"] == 2 and "closed.yaml:" in rows[0]["error"]
    assert result.returncode == 6
    only = run_loftterm("fleet", str(books), "--json", "--index", "1")
    assert only.returncode == 0, only.stdout
    assert [Path(r["config"]).name for r in json.loads(only.stdout)] == ["harbour.yaml"]


def test_usage_errors_name_the_folder(tmp_path: Path) -> None:
    empty = run_loftterm("fleet", str(tmp_path))
    assert empty.returncode == 2 and "no *.yaml book config" in empty.stderr
    (tmp_path / "a.yaml").write_text("book: a.json\n", encoding="utf-8")
    assert book_configs(tmp_path) == [tmp_path / "a.yaml"]
    out_of_range = run_loftterm("fleet", str(tmp_path), "--index", "4")
    assert out_of_range.returncode == 2 and "holds 1 book configs" in out_of_range.stderr


def test_the_container_command_is_this_fleet_line(books: Path) -> None:
    command = container_command()
    assert command[0] == "loftterm"
    result = run_loftterm(*[str(books) if word == "/books" else word for word in command[1:]])
    assert result.returncode == 6
    assert {Path(r["config"]).name: r["ok"] for r in json.loads(result.stdout)} == {
        "closed.yaml": False, "harbour.yaml": True, "keystone.yaml": True}
    pod = cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    one = run_loftterm(*[str(books) if a == "/books" else a.replace("$(BOOK_INDEX)", "2")
                         for a in pod["args"]])
    assert one.returncode == 0 and [Path(r["config"]).name for r in json.loads(one.stdout)] == [
        "keystone.yaml"]
