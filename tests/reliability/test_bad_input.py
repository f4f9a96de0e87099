"""Bad input gets one clear line and changes nothing: config, import files, arguments, books.

Every case runs the real entry point (``loftterm.cli.main``) against a synced book, then checks
the exit code, the message, and that the book, its backup and the token file are byte for byte
what they were.
"""

from __future__ import annotations

import json
import random
import shlex
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectors.xero.sandbox import XeroSandbox
from loftterm.book import SCHEMA_VERSION, Book
from loftterm.cli import main
from loftterm.demo import seed_demo_book
from tests.reliability.conftest import CliResult, one_line_errors, sections
from tests.reliability.harness import run_cli, write_config

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[XeroSandbox, Path]]:
    """A Xero sandbox and a book synced twice with it (a backup, a token file), made once."""
    xero = XeroSandbox()
    xero.start()
    folder = tmp_path_factory.mktemp("template")
    config = write_config(folder / "loftterm.yaml", sections(xero=xero))
    seed_demo_book(folder / "book.json", ["xero"])
    for _ in range(2):
        assert main(["--sync", "--json", "--config", str(config)]) == 0
    yield xero, folder
    xero.stop()


@pytest.fixture
def synced(template: tuple[XeroSandbox, Path], tmp_path: Path,
           capsys: pytest.CaptureFixture[str]) -> Path:
    """This test's copy of the synced book and its config."""
    capsys.readouterr()
    for name in ("loftterm.yaml", "book.json", "book.json.bak", "book.tokens.json"):
        shutil.copy2(template[1] / name, tmp_path / name)
    if (template[1] / "book.json.parts").is_dir():
        shutil.copytree(template[1] / "book.json.parts", tmp_path / "book.json.parts")
    return tmp_path / "loftterm.yaml"


def files(tmp_path: Path) -> dict[str, bytes]:
    """The book, its backup and the token file, byte for byte."""
    names = ("book.json", "book.json.bak", "book.tokens.json")
    return {n: (tmp_path / n).read_bytes() for n in names if (tmp_path / n).exists()}


def refused(result: CliResult, code: int, *words: str, rows: bool = False) -> str:
    """The one error line (``rows``: then one line per bad row of an import file)."""
    assert result.code == code, (result.out, result.err)
    lines = one_line_errors(result.err)
    assert len(lines) == 1 or (rows and "nothing imported" in lines[0]), lines
    assert lines[0].startswith("loftterm: error: ")
    text = "\n".join(lines)
    for word in words:
        assert word in text, (word, text)
    return lines[0]


# ------------------------------------------------------------------------------ config

SECTION = "connectors:\n  xero:\n    client_id: demo-client\n"


@pytest.mark.parametrize(("text", "words"), [
    (SECTION + "    client_secret: s\n    colour: red\n", ["bad.yaml:6", "xero.colour",
                                                          "unknown key"]),
    (SECTION + "    client_secret: s\n    page_size: many\n", ["bad.yaml:6", "page_size",
                                                               "expected an integer"]),
    (SECTION + "    page_size: 10\n", ["client_secret", "required key is missing"]),
    (SECTION + "    client_secret: ${LOFTTERM_TEST_UNSET_SECRET}\n",
     ["bad.yaml:5", "LOFTTERM_TEST_UNSET_SECRET is not set"]),
    (SECTION + "    client_secret: [s\n", ["bad.yaml:", "invalid YAML"]),
    ("connectors:\n  xeroo:\n    client_id: a\n", ["bad.yaml:3", "unknown connector",
                                                    "did you mean 'xero'"]),
    ("- book.json\n", ["bad.yaml:1", "expected a mapping"]),
    ("book: 12\n", ["bad.yaml:1", "book", "put it in quotes"]),
    ("\x00\x01binary", ["bad.yaml", "invalid YAML"]),
])
def test_a_bad_config_is_one_line_exit_2_and_touches_nothing(
    cli: Cli, synced: Path, tmp_path: Path, text: str, words: list[str],
) -> None:
    before = files(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("book: book.json\n" * ("book:" not in text and text[0] != "-") + text,
                   encoding="utf-8")
    for command in (("--sync",), ("status",), ("unlink", "P005", "--connector", "xero")):
        message = refused(cli(*command, "--config", str(bad)), 2, *words)
        assert "s\n" not in message
    assert files(tmp_path) == before


# -------------------------------------------------------------------------- import files

GOOD_HEADER = "id,kind,name,email\n"


@pytest.mark.parametrize(("name", "text", "words"), [
    ("kinds.csv", GOOD_HEADER + "N1,agent,Ann,ann@x.example\nN2,wizard,Bo,bo@x.example\n",
     [":3:", "kind"]),
    ("dupes.csv", GOOD_HEADER + "N1,agent,Ann,a@x.example\nN1,agent,Bo,b@x.example\n",
     [":3:", "id"]),
    ("noname.csv", "id,kind,email\nN1,agent,a@x.example\n", ["name"]),
    ("payee.csv", GOOD_HEADER[:-1] + ",payable_to\nN1,agent,Ann,a@x.example,NOBODY\n",
     ["payable_to"]),
    ("list.yaml", "profiles: {id: N1}\n", ["list.yaml"]),
    ("broken.yaml", "- {id: N1, kind: agent, name: [Ann\n", ["broken.yaml:", "YAML"]),
    ("latin.csv", None, ["not valid UTF-8"]),
])
def test_a_bad_import_file_imports_nothing(
    cli: Cli, synced: Path, tmp_path: Path, name: str, text: str | None, words: list[str],
) -> None:
    path = tmp_path / name
    if text is None:
        path.write_bytes(GOOD_HEADER.encode() + "N1,agent,Zoë,z@x.example\n".encode("latin-1"))
    else:
        path.write_text(text, encoding="utf-8")
    before = files(tmp_path)
    refused(cli("import", str(path), "--config", str(synced)), 2, *words, rows=True)
    assert files(tmp_path) == before
    good = tmp_path / "good.csv"
    good.write_text(GOOD_HEADER + "N9,agent,Nine Person,nine@x.example\n", encoding="utf-8")
    assert cli("import", str(good), "--dry-run", "--config", str(synced)).code == 0
    assert files(tmp_path) == before, "a dry run writes nothing"


# ------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(("args", "words"), [
    (("--sync", "--connector", "nosuch"), ["'nosuch' is not configured"]),
    (("unlink", "NOPE", "--connector", "xero"), ["'NOPE'"]),
    (("link", "P003", "--connector", "xero", "--remote", "no-such-contact"),
     ["no-such-contact"]),
    (("link", "P003", "--connector", "xero", "--remote", "x", "--role", "vendor"),
     ["no role 'vendor'"]),
    (("explain", "NOPE", "--connector", "xero"), ["'NOPE'"]),
    (("review", "accept"), ["needs the review's ID"]),
    (("review", "reject", "R1", "--take", "name=left"), ["--take goes with review accept"]),
    (("push", "P003", "--connector", "nosuch"), ["'nosuch' is not configured"]),
    (("import", "/no/such/file.csv"), ["/no/such/file.csv"]),
])
def test_bad_arguments_are_one_line_exit_2_and_change_nothing(
    cli: Cli, synced: Path, tmp_path: Path, args: tuple[str, ...], words: list[str],
) -> None:
    before = files(tmp_path)
    refused(cli(*args, "--config", str(synced)), 2, *words)
    assert files(tmp_path) == before


@pytest.mark.parametrize("args", [
    ("links", "--state", "weird"), ("search", "x", "--connector", "xero", "--limit", "many"),
    ("nosuchcommand",), ("--every", "soon"), ("unlink", "P005"),
])
def test_unparseable_arguments_exit_2_with_usage(cli: Cli, synced: Path, tmp_path: Path,
                                                 args: tuple[str, ...]) -> None:
    before = files(tmp_path)
    result = cli(*args, "--config", str(synced))
    assert result.code == 2 and "error:" in result.err and "Traceback" not in result.err
    assert files(tmp_path) == before


# ------------------------------------------------------------------------------ books


def test_a_truncated_book_is_refused_untouched_with_the_way_back(
    cli: Cli, synced: Path, tmp_path: Path,
) -> None:
    book = tmp_path / "book.json"
    good = book.read_bytes()
    rng = random.Random(77)
    for cut in [0, 1, *sorted(rng.sample(range(2, len(good) - 1), 6))]:
        book.write_bytes(good[:cut])
        before = files(tmp_path)
        for command in (("--sync",), ("unlink", "P013", "--connector", "xero"), ("status",)):
            message = refused(cli(*command, "--config", str(synced)), 5, "corrupt",
                              "left untouched", "book.json.bak")
        assert files(tmp_path) == before, f"cut at {cut}: the files changed"
        restore = shlex.split(message.split("restore it with `", 1)[1].split("`", 1)[0])
        assert restore[0] == "cp"
        shutil.copyfile(restore[1], restore[2])  # what the message says to run
        assert cli("status", "--config", str(synced)).code == 0


def test_a_corrupt_book_without_backup_says_so(cli: Cli, synced: Path, tmp_path: Path) -> None:
    (tmp_path / "book.json.bak").unlink()
    (tmp_path / "book.json").write_text('{"profiles": {"1": ', encoding="utf-8")
    refused(cli("--sync", "--config", str(synced)), 5, "no backup exists", "move the file away")


@pytest.mark.parametrize(("damage", "words"), [
    ({"meta": {"1": {"schema_version": SCHEMA_VERSION + 1}}}, ["newer loftterm", "upgrade"]),
    ({"profiles": {"1": {"kind": "agent"}}}, ["a record is malformed", "left untouched",
                                              "restore it with `cp "]),
    ({"profiles": {"1": "P001"}}, ["a record is malformed", "restore it with `cp "]),
    ({"links": {"1": {"profile_id": "P1"}}}, ["a record is malformed"]),
    ({"meta": {"1": {"schema_version": "two"}}}, ["book.json"]),
    ({"meta": {"1": ["not", "a", "mapping"]}}, ["book.json"]),
    ([1, 2, 3], ["not a TinyDB book"]),
])
def test_a_malformed_or_newer_book_exits_5_untouched(
    cli: Cli, synced: Path, tmp_path: Path, damage: object, words: list[str],
) -> None:
    book = tmp_path / "book.json"
    stored = json.loads(book.read_bytes())
    if isinstance(damage, dict):
        for table, docs in damage.items():
            stored[table] = {**stored.get(table, {}), **docs}
    else:
        stored = damage
    book.write_text(json.dumps(stored), encoding="utf-8")
    before = files(tmp_path)
    refused(cli("--sync", "--config", str(synced)), 5, *words)
    assert files(tmp_path) == before


def test_a_corrupt_book_in_a_real_process_is_one_line_exit_5(synced: Path, tmp_path: Path) -> None:
    (tmp_path / "book.json").write_bytes((tmp_path / "book.json").read_bytes()[:-7])
    done = run_cli("--sync", "--config", str(synced))
    assert done.returncode == 5 and len(one_line_errors(done.stderr)) == 1
    assert Book.open(tmp_path / "book.json.bak").profiles
