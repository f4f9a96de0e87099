"""Tests of loftterm.config: loading, defaults, env interpolation and file:line errors."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pluggy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loftterm.config import (
    COMMON_SETTINGS,
    Config,
    config_from_mapping,
    connector_settings,
    find_config_path,
    load_config,
)
from loftterm.connector import ConnectorInfo, Setting
from loftterm.errors import ConfigError
from loftterm.hookspecs import hookimpl
from loftterm.plugins import installed_connectors, make_plugin_manager

REPO = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-VALUE-never-shown"

LEDGER_SETTINGS = (
    Setting("api_url", str, "https://ledger.test/api"),
    Setting("client_id", str, required=True),
    Setting("client_secret", str, required=True, secret=True),
    Setting("grant", str, "client_credentials", choices=("client_credentials", "authorization_code")),
    Setting("page_size", int, 100),
    Setting("retry_after_cap", float, 60.0),
    Setting("verbose", bool, False),
    Setting("scopes", list, ["a", "b"]),
    Setting("limits.per_minute", int, 60),
)


class FakeConnector:
    """A connector plugin that has no settings hook (yet)."""

    def __init__(self, name: str, settings_list: Sequence[Any] = (), **info: Any) -> None:
        self.info = ConnectorInfo(name=name, title=name.title(), **info)
        self.settings_list = list(settings_list)

    @hookimpl
    def loftterm_connector_info(self) -> ConnectorInfo:
        return self.info


class FakeConnectorWithSettings(FakeConnector):
    """A connector plugin that declares its own keys."""

    @hookimpl
    def loftterm_connector_settings(self) -> list[Any]:
        return self.settings_list


def fake_connector(name: str, settings_list: Sequence[Any] | None = None,
                   **info: Any) -> FakeConnector:
    if settings_list is None:
        return FakeConnector(name, **info)
    return FakeConnectorWithSettings(name, settings_list, **info)


@pytest.fixture
def pm() -> pluggy.PluginManager:
    return make_plugin_manager(
        load_entry_points=False,
        plugins=[
            ("ledger", fake_connector("ledger", LEDGER_SETTINGS, default_name_rule="overlap")),
            ("field", fake_connector("field", imports_remote="customers", sync_every_minutes=15)),
        ],
    )


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Write config.yaml in a temp cwd and return its path as given (relative)."""
    monkeypatch.chdir(tmp_path)

    def _write(text: str, name: str = "config.yaml") -> Path:
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return Path(name)

    return _write


ENV = {"LEDGER_ID": "id-123", "LEDGER_SECRET": SECRET}

GOOD = """
book: data/book.json
sync:
  every_minutes: 5
keymap:
  sync: ctrl+s
connectors:
  field:
    enabled: true
    import: none
    extra_key: ${FIELD_EXTRA:-plain}
  ledger:
    client_id: ${LEDGER_ID}
    client_secret: ${LEDGER_SECRET}
    match: {name_threshold: 1}
    page_size: ${PAGE_SIZE:-250}
    api_url: "$${NOT_A_VAR}/x"
"""


def load(path: Path, pm: pluggy.PluginManager, env: dict[str, str] | None = None) -> Config:
    return load_config(path, pm, env=ENV if env is None else env)


def error_of(path: Path, pm: pluggy.PluginManager, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(path, pm, env)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- happy path -------------------------------------------------------------------------------


def test_happy_path_fills_defaults_and_expands_env(write: Any, pm: pluggy.PluginManager,
                                                  tmp_path: Path) -> None:
    config = load(write(GOOD), pm)
    assert config.path == Path("config.yaml")
    assert config.book == tmp_path / "data" / "book.json"
    assert config.tokens == tmp_path / "data" / "book.tokens.json"
    assert config.every_minutes == 5
    assert dict(config.keymap) == {"sync": "ctrl+s"}
    assert [c.name for c in config.connectors] == ["field", "ledger"]
    assert [c.name for c in config.enabled()] == ["field", "ledger"]

    ledger = config.connector("ledger")
    assert ledger.enabled is True
    assert dict(ledger.settings) == {
        "enabled": True,
        "match": {"name_threshold": 1.0, "name_rule": "overlap", "review_band": 0.15},
        "balance_rule": "principal",
        "first_link_names": "book",
        "import": "all",
        "sync_every_minutes": 0,
        "api_url": "${NOT_A_VAR}/x",
        "client_id": "id-123",
        "client_secret": SECRET,
        "grant": "client_credentials",
        "page_size": 250,
        "retry_after_cap": 60.0,
        "verbose": False,
        "scopes": ["a", "b"],
        "limits": {"per_minute": 60},
    }
    assert isinstance(ledger.settings["match"]["name_threshold"], float)
    assert ledger.setting("match.name_rule") == "overlap"
    assert ledger.setting("match.nope", "dflt") == "dflt"

    field = config.connector("field")
    assert field.settings["import"] == "none"
    assert field.settings["sync_every_minutes"] == 15  # the connector's default
    assert field.settings["extra_key"] == "plain"  # no settings hook: passed through


def test_defaults_when_keys_are_absent(write: Any, pm: pluggy.PluginManager) -> None:
    config = load(write("connectors:\n"), pm, env={"XDG_DATA_HOME": "/data"})
    assert config.book == Path("/data/loftterm/book.json")
    assert config.tokens == Path("/data/loftterm/book.tokens.json")
    assert config.every_minutes == 0
    assert dict(config.keymap) == {}
    assert config.connectors == ()


def test_home_and_explicit_tokens_paths(write: Any, pm: pluggy.PluginManager, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = load(write("book: ~/b.json\ntokens: keys/t.json\n"), pm)
    assert config.book == tmp_path / "home" / "b.json"
    assert config.tokens == tmp_path / "keys" / "t.json"


def test_env_value_is_read_as_yaml_for_typed_settings(write: Any, pm: pluggy.PluginManager) -> None:
    path = write("""
        connectors:
          ledger:
            client_id: ${LEDGER_ID}
            client_secret: x
            verbose: ${VERBOSE}
            retry_after_cap: ${CAP}
        """)
    config = load(path, pm, env={"LEDGER_ID": "007", "VERBOSE": "true", "CAP": "12"})
    ledger = config.connector("ledger")
    assert ledger.settings["client_id"] == "007"  # a string setting keeps the text
    assert ledger.settings["verbose"] is True
    assert ledger.settings["retry_after_cap"] == 12.0


def test_empty_default_variable_falls_back_to_setting_default(write: Any,
                                                              pm: pluggy.PluginManager) -> None:
    path = write("""
        connectors:
          ledger: {client_id: a, client_secret: b, page_size: "${PAGE:-}"}
        """)
    assert load(path, pm).connector("ledger").settings["page_size"] == 100


def test_disabled_connector_needs_no_required_keys_or_env(write: Any,
                                                           pm: pluggy.PluginManager) -> None:
    path = write("""
        connectors:
          ledger:
            enabled: false
            client_secret: ${UNSET_SECRET}
        """)
    config = load(path, pm, env={})
    ledger = config.connector("ledger")
    assert ledger.enabled is False
    assert ledger.settings["client_secret"] is None
    assert config.enabled() == []


def test_merge_keys_and_anchors(write: Any, pm: pluggy.PluginManager) -> None:
    path = write("""
        connectors:
          ledger:
            <<: &common {client_id: a, client_secret: b, page_size: 5}
            page_size: 7
        """)
    settings = load(path, pm).connector("ledger").settings
    assert (settings["client_id"], settings["page_size"]) == ("a", 7)


def test_connector_lookup_error_lists_configured(write: Any, pm: pluggy.PluginManager) -> None:
    config = load(write("connectors:\n  field: {}\n"), pm)
    with pytest.raises(ConfigError, match=r"^config.yaml: connector 'xero' is not configured "
                                          r"\(configured: field\)$"):
        config.connector("xero")


def test_connector_settings_carry_connector_defaults(pm: pluggy.PluginManager) -> None:
    keys = [s.key for s in connector_settings(pm, "ledger")]
    assert keys[: len(COMMON_SETTINGS)] == [s.key for s in COMMON_SETTINGS]
    assert "client_secret" in keys
    rule = next(s for s in connector_settings(pm, "ledger") if s.key == "match.name_rule")
    assert rule.default == "overlap"
    assert [s.key for s in connector_settings(pm, "field")] == [s.key for s in COMMON_SETTINGS]


# --- errors -----------------------------------------------------------------------------------

LEDGER_OK = "  ledger:\n    client_id: a\n    client_secret: b\n"

ERRORS = [
    ("bad yaml", "connectors:\n  ledger:\n    client_id: a: b\n",
     "config.yaml:3:17: invalid YAML: mapping values are not allowed here"),
    ("unclosed flow", "connectors:\n  ledger: [\n  x: y\n",
     "config.yaml:4:1: invalid YAML: while parsing a flow sequence: expected ',' or ']', but got "
     "'<stream end>'"),
    ("tab", "book:\n\tx", "config.yaml:2:1: invalid YAML: while scanning for the next token: "
                          "found character '\\t' that cannot start any token"),
    ("top level list", "- a\n- b\n", "config.yaml:1: top level: expected a mapping, found a list"),
    ("top level scalar", "hello\n",
     "config.yaml:1: top level: expected a mapping, found string 'hello'"),
    ("empty", "# only a comment\n", "config.yaml:1: top level: the file has no settings; "
                                    "expected a mapping (see config.example.yaml)"),
    ("unknown top key", "connectors: {}\nbok: x\n",
     "config.yaml:2: bok: unknown key; expected one of: book, connectors, keymap, sync, tokens "
     "(did you mean 'book'?)"),
    ("unknown sync key", "sync:\n  every: 3\n",
     "config.yaml:2: sync.every: unknown key; expected one of: every_minutes"),
    ("unknown connector key", "connectors:\n" + LEDGER_OK + "    page_sise: 3\n",
     "config.yaml:5: connectors.ledger.page_sise: unknown key; expected one of: api_url, "
     "balance_rule, client_id, client_secret, enabled, first_link_names, grant, import, limits, "
     "match, page_size, retry_after_cap, scopes, sync_every_minutes, verbose (did you mean "
     "'page_size'?)"),
    ("unknown nested key", "connectors:\n" + LEDGER_OK + "    match: {threshold: 0.5}\n",
     "config.yaml:5: connectors.ledger.match.threshold: unknown key; expected one of: "
     "name_rule, name_threshold, review_band (did you mean 'name_threshold'?)"),
    ("unknown key, hookless connector common group", "connectors:\n  field:\n    match:\n"
                                                     "      rule: x\n",
     "config.yaml:4: connectors.field.match.rule: unknown key; expected one of: name_rule, "
     "name_threshold, review_band (did you mean 'name_rule'?)"),
    ("wrong type int", "connectors:\n" + LEDGER_OK + "    page_size: ten\n",
     "config.yaml:5: connectors.ledger.page_size: expected an integer, found string 'ten'"),
    ("float for int", "connectors:\n" + LEDGER_OK + "    page_size: 2.5\n",
     "config.yaml:5: connectors.ledger.page_size: expected an integer, found number 2.5"),
    ("bool for int", "connectors:\n" + LEDGER_OK + "    page_size: true\n",
     "config.yaml:5: connectors.ledger.page_size: expected an integer, found boolean true"),
    ("quoted bool", "connectors:\n" + LEDGER_OK + "    verbose: 'true'\n",
     "config.yaml:5: connectors.ledger.verbose: expected true or false, found string 'true'"),
    ("number for string", "connectors:\n" + LEDGER_OK + "    api_url: 12\n",
     "config.yaml:5: connectors.ledger.api_url: expected a string, found integer 12 "
     "(put it in quotes)"),
    ("mapping for string", "connectors:\n" + LEDGER_OK + "    api_url: {a: 1}\n",
     "config.yaml:5: connectors.ledger.api_url: expected a string, found a mapping"),
    ("string for list", "connectors:\n" + LEDGER_OK + "    scopes: a b\n",
     "config.yaml:5: connectors.ledger.scopes: expected a list, found string 'a b'"),
    ("section not a mapping", "connectors:\n  ledger: yes\n",
     "config.yaml:2: connectors.ledger: expected a mapping, found boolean true"),
    ("connectors not a mapping", "connectors: [ledger]\n",
     "config.yaml:1: connectors: expected a mapping, found a list"),
    ("choice", "connectors:\n" + LEDGER_OK + "    grant: password\n",
     "config.yaml:5: connectors.ledger.grant: must be one of client_credentials, "
     "authorization_code; found 'password'"),
    ("common choice", "connectors:\n  field:\n    import: some\n",
     "config.yaml:3: connectors.field.import: must be one of all, customers, none; found 'some'"),
    ("name rule", "connectors:\n  field:\n    match:\n      name_rule: fuzzy\n",
     "config.yaml:4: connectors.field.match.name_rule: must be one of jaccard, overlap, "
     "containment; found 'fuzzy'"),
    ("threshold high", "connectors:\n  field:\n    match: {name_threshold: 1.5}\n",
     "config.yaml:3: connectors.field.match.name_threshold: must be between 0 and 1; found 1.5"),
    ("threshold low", "connectors:\n  field:\n    match:\n      name_threshold: -0.1\n",
     "config.yaml:4: connectors.field.match.name_threshold: must be between 0 and 1; found -0.1"),
    ("negative minutes", "sync: {every_minutes: -5}\n",
     "config.yaml:1: sync.every_minutes: must be 0 or more; found -5"),
    ("negative connector minutes", "connectors:\n  field: {sync_every_minutes: -1}\n",
     "config.yaml:2: connectors.field.sync_every_minutes: must be 0 or more; found -1"),
    ("missing required", "book: b.json\nconnectors:\n  ledger:\n    client_id: a\n",
     "config.yaml:3: connectors.ledger.client_secret: required key is missing"),
    ("missing required, empty section", "connectors:\n  ledger:\n",
     "config.yaml:2: connectors.ledger.client_id: required key is missing"),
    ("required but empty", "connectors:\n  ledger:\n    client_id:\n    client_secret: b\n",
     "config.yaml:3: connectors.ledger.client_id: required key has no value"),
    ("env unset", "connectors:\n  ledger:\n    client_id: a\n    client_secret: ${NOPE_SECRET}\n",
     "config.yaml:4: connectors.ledger.client_secret: environment variable NOPE_SECRET is not set"),
    ("env unset in book", "book: ${DATA}/b.json\n",
     "config.yaml:1: book: environment variable DATA is not set"),
    ("env unset in hookless connector", "connectors:\n  field:\n    token: ${FIELD_TOKEN}\n",
     "config.yaml:3: connectors.field.token: environment variable FIELD_TOKEN is not set"),
    ("env in enabled", "connectors:\n  field:\n    enabled: ${ON}\n",
     "config.yaml:3: connectors.field.enabled: environment variable ON is not set"),
    ("bad reference", "book: ${1BAD}\n",
     "config.yaml:1: book: bad environment reference '${1BAD}'; write ${NAME} or "
     "${NAME:-default}"),
    ("unclosed reference", "book: '${HOME'\n",
     "config.yaml:1: book: bad environment reference '${'; write ${NAME} or ${NAME:-default}"),
    ("unknown connector", "connectors:\n  xeroo: {}\n",
     "config.yaml:2: connectors.xeroo: unknown connector; installed: field, ledger"),
    ("unknown connector with suggestion", "connectors:\n  ledgr: {}\n",
     "config.yaml:2: connectors.ledgr: unknown connector; installed: field, ledger "
     "(did you mean 'ledger'?)"),
    ("duplicate key", "connectors:\n" + LEDGER_OK + "    client_id: c\n",
     "config.yaml:5: connectors.ledger.client_id: duplicate key (first at line 3)"),
    ("non-string key", "connectors:\n  ledger:\n    1: a\n",
     "config.yaml:3: connectors.ledger: keys must be names, found integer 1"),
    ("keymap value", "keymap:\n  sync: 5\n",
     "config.yaml:2: keymap.sync: expected a string, found integer 5 (put it in quotes)"),
    ("keymap not mapping", "keymap: [a]\n",
     "config.yaml:1: keymap: expected a mapping, found a list"),
    ("empty book", "book: ''\n", "config.yaml:1: book: must not be empty"),
    ("recursive alias", "connectors:\n  ledger: &a\n    scopes: *a\n",
     "config.yaml:2: connectors.ledger.scopes: an alias refers to itself"),
    ("bad tagged value", "sync:\n  every_minutes: !!float abc\n",
     "config.yaml:2: sync.every_minutes: unreadable value: could not convert string to float: "
     "'abc'"),
    ("unknown tag", "book: !secret x\n",
     "config.yaml:1: book: unreadable value: could not determine a constructor for the tag "
     "'!secret'"),
]


@pytest.mark.parametrize(("text", "expected"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_are_one_line_with_file_line_and_key(write: Any, pm: pluggy.PluginManager,
                                                    text: str, expected: str) -> None:
    assert error_of(write(text), pm) == expected


def test_unknown_connector_with_none_installed(write: Any) -> None:
    empty = make_plugin_manager(load_entry_points=False)
    assert error_of(write("connectors:\n  xero: {}\n"), empty) == (
        "config.yaml:2: connectors.xero: unknown connector; installed: none")


def test_unreadable_and_undecodable_files(write: Any, pm: pluggy.PluginManager,
                                          tmp_path: Path) -> None:
    assert error_of(Path("missing.yaml"), pm) == (
        "missing.yaml: cannot read the file: No such file or directory")
    (tmp_path / "latin.yaml").write_bytes(b"book: a.json\nsync: {}\nkeymap: {x: \xe9}\n")
    assert error_of(Path("latin.yaml"), pm) == "latin.yaml:3: not valid UTF-8 (byte 0xe9); save the file as UTF-8"
    (tmp_path / "ctrl.yaml").write_text("book: a\x00b\n", encoding="utf-8")
    assert error_of(Path("ctrl.yaml"), pm) == (
        "ctrl.yaml:1: invalid YAML: unacceptable character #x0000: special characters are not "
        "allowed")


def test_settings_hook_returning_garbage_is_a_config_error(write: Any) -> None:
    broken = make_plugin_manager(load_entry_points=False,
                                 plugins=[("bad", fake_connector("bad", ["client_id"]))])
    assert error_of(write("connectors:\n  bad: {}\n"), broken) == (
        "connector 'bad': its settings hook returned str instead of Setting")


# --- secrets ----------------------------------------------------------------------------------

SECRET_LEAKS = [
    f"    client_secret: {SECRET}x: y\n",  # bad YAML on the secret's line
    "    client_secret: 12345678\n",
    "    client_secret: ${LEDGER_SECRET}\n    client_secret: again\n",
    "    client_secret: [${LEDGER_SECRET}]\n",
    "    client_secret: '${" + SECRET + "'\n",
    "    client_secret: ${BAD NAME:-" + SECRET + "}\n",
]


@pytest.mark.parametrize("line", SECRET_LEAKS)
def test_secrets_never_in_error_messages(write: Any, pm: pluggy.PluginManager, line: str) -> None:
    path = write("connectors:\n  ledger:\n    client_id: a\n" + line)
    message = error_of(path, pm)
    assert SECRET not in message and "12345678" not in message
    assert re.match(r"config\.yaml:[45][:]", message)


def test_secret_of_wrong_type_names_only_the_type(write: Any, pm: pluggy.PluginManager) -> None:
    path = write("connectors:\n  ledger:\n    client_id: a\n    client_secret: 12345678\n")
    assert error_of(path, pm) == (
        "config.yaml:4: connectors.ledger.client_secret: expected a string, found an integer "
        "(put it in quotes)")


def test_secrets_never_in_repr_or_str(write: Any, pm: pluggy.PluginManager) -> None:
    config = load(write(GOOD), pm)
    for text in (repr(config), str(config), repr(config.connector("ledger")),
                 str(config.connectors), str(config.connector("ledger").redacted())):
        assert SECRET not in text
    assert config.connector("ledger").redacted()["client_secret"] == "***"
    assert config.connector("ledger").settings["client_secret"] == SECRET


def test_secret_looking_keys_of_hookless_connectors_are_masked(write: Any,
                                                               pm: pluggy.PluginManager) -> None:
    config = load(write(f"connectors:\n  field:\n    api_key: {SECRET}\n    url: u\n"), pm)
    assert SECRET not in repr(config)
    assert "'url': 'u'" in repr(config)


# --- in-memory config (the demo) -------------------------------------------------------------


def test_config_from_mapping(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    data = {"book": "book.json",
            "connectors": {"ledger": {"client_id": "a", "client_secret": "b", "page_size": 3}}}
    config = config_from_mapping(data, pm, base_dir=tmp_path)
    assert config.path is None
    assert config.book == tmp_path / "book.json"
    assert config.connector("ledger").settings["page_size"] == 3
    data["connectors"]["ledger"]["page_size"] = "3"  # type: ignore[index]
    with pytest.raises(ConfigError) as info:
        config_from_mapping(data, pm, base_dir=tmp_path)
    assert str(info.value) == (
        "<demo>: connectors.ledger.page_size: expected an integer, found string '3'")


# --- finding the file -------------------------------------------------------------------------


def test_find_config_path(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    env = {"XDG_CONFIG_HOME": str(xdg)}
    with pytest.raises(ConfigError) as info:
        find_config_path(None, env=env, cwd=tmp_path)
    assert str(info.value) == (
        f"no config file found (looked for {tmp_path / 'loftterm.yaml'}, "
        f"{xdg / 'loftterm' / 'config.yaml'}); copy config.example.yaml to one of them or give "
        "its path")
    (xdg / "loftterm").mkdir(parents=True)
    (xdg / "loftterm" / "config.yaml").write_text("{}")
    assert find_config_path(None, env=env, cwd=tmp_path) == xdg / "loftterm" / "config.yaml"
    (tmp_path / "loftterm.yaml").write_text("{}")
    assert find_config_path(None, env=env, cwd=tmp_path) == tmp_path / "loftterm.yaml"
    assert find_config_path(str(xdg / "loftterm" / "config.yaml")) == (
        xdg / "loftterm" / "config.yaml")
    with pytest.raises(ConfigError, match=r"^nope.yaml: no such config file$"):
        find_config_path("nope.yaml")


# --- the example file -------------------------------------------------------------------------


def example_env() -> dict[str, str]:
    text = (REPO / "config.example.yaml").read_text(encoding="utf-8")
    return {name: f"value-of-{name}" for name in re.findall(r"\$\{([A-Za-z_]\w*)", text)}


def test_example_config_loads_with_the_installed_connectors() -> None:
    pm = make_plugin_manager()
    config = load_config(REPO / "config.example.yaml", pm, env=example_env())
    assert [c.name for c in config.connectors] == ["xero", "qbo", "sortscape"]
    assert [c.name for c in config.enabled()] == ["xero"]
    xero = config.connector("xero")
    assert xero.settings["grant"] == "client_credentials"
    assert xero.settings["client_secret"] == "value-of-XERO_CLIENT_SECRET"


def test_example_config_enables_all_connectors_when_asked(tmp_path: Path) -> None:
    text = (REPO / "config.example.yaml").read_text(encoding="utf-8")
    (tmp_path / "all.yaml").write_text(text.replace("enabled: false", "enabled: true"))
    config = load_config(tmp_path / "all.yaml", make_plugin_manager(), env=example_env())
    assert len(config.enabled()) == 3


def test_example_config_documents_every_key() -> None:
    pm = make_plugin_manager()
    lines = (REPO / "config.example.yaml").read_text(encoding="utf-8").splitlines()
    for line in lines:
        body = line.split(" #")[0].rstrip()
        if body.strip() and not line.lstrip().startswith("#") and not body.endswith(":"):
            assert " # " in line, f"no comment: {line!r}"
    text = "\n".join(lines)
    for name in installed_connectors(pm):
        section = text.split(f"\n  {name}:\n", 1)[1].split("\n\n", 1)[0]
        for setting in connector_settings(pm, name):
            leaf = setting.key.split(".")[-1]
            assert re.search(rf"^\s+{re.escape(leaf)}:", section, re.M), f"{name}.{setting.key}"
            if setting.secret:
                assert re.search(rf"^\s+{re.escape(leaf)}: \$\{{", section, re.M), setting.key


# --- fuzzing ----------------------------------------------------------------------------------

YAML_TOKENS = [*"abk:- \n\t{}[],'\"&*!<|>%#$@`?\\0.1", "  ", "\n  ", "connectors", "ledger",
               "field", "book", "enabled", "match", "name_threshold", "${X}", "${Y:-1}", "<<",
               "\x00", "!!float", "&a", "*a"]
YAMLISH = st.lists(st.sampled_from(YAML_TOKENS), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=60), YAMLISH))
def test_fuzz_only_config_errors_escape(tmp_path: Path, pm: pluggy.PluginManager,
                                        text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(path, pm, env={})
    except ConfigError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["connectors", "ledger", "field", "match", "client_id", "book", "sync",
                         "every_minutes", "keymap", "x"]), inner, max_size=3),
    max_leaves=10))
def test_fuzz_mappings_only_config_errors_escape(pm: pluggy.PluginManager, tmp_path: Path,
                                                 data: Any) -> None:
    try:
        config_from_mapping(data, pm, base_dir=tmp_path, env={})
    except ConfigError as exc:
        assert "\n" not in str(exc)
