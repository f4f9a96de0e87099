import threading
from importlib.metadata import entry_points

import httpx

from connectors.sortscape import plugin
from connectors.sortscape.sandbox import SortScapeSandbox
from connectors.sortscape.sandbox.__main__ import main


def test_info_describes_a_field_connector(hooks):
    info = hooks.info
    assert (info.name, info.title, info.roles, info.kind) == (
        "sortscape", "SortScape", ("contact",), "field")
    assert (info.imports_remote, info.archives, info.sync_every_minutes, info.name_scope) == (
        "none", True, 30, "none")


def test_settings_are_sortscape_keys_only(hooks):
    settings = {s.key: s for s in hooks.call("loftterm_connector_settings")}
    assert set(settings) == {"api_url", "api_key", "page_size", "account_id"}
    assert settings["api_key"].required and settings["api_key"].secret
    assert settings["page_size"].type is int and settings["page_size"].default == 200
    assert "example" in settings["api_url"].default and "placeholder" in settings["api_url"].help
    assert all(s.help for s in settings.values())


def test_the_entry_point_loads_this_plugin():
    (ep,) = [e for e in entry_points(group="loftterm.connectors") if e.name == "sortscape"]
    assert ep.load() is plugin


def test_sandbox_hook_builds_an_unstarted_sandbox_with_generated_contacts(hooks):
    box = hooks.call("loftterm_connector_sandbox", options={"seed": True, "contacts": 3})
    assert isinstance(box, SortScapeSandbox) and len(box.contacts()) == 11
    box.start()
    try:
        settings = box.connector_settings()
        assert settings["api_url"] == box.url + "/api/v1" and settings["api_key"] == "demo-key"
        assert settings["account_id"] == "ACC-4471"
        answer = httpx.get(settings["api_url"] + "/account",
                           headers={"Authorization": "Bearer demo-key"})
        assert answer.json()["name"] == "Green Thumb Gardens"
    finally:
        box.stop()


def test_module_main_prints_the_config_section(capsys):
    stop = threading.Event()
    stop.set()
    assert main(["--port", "0", "--no-seed", "--contacts", "1"], stop=stop) == 0
    out = capsys.readouterr().out
    assert out.startswith("connectors:\n  sortscape:\n    enabled: true\n")
    assert 'api_url: "http://127.0.0.1:' in out and 'api_key: "demo-key"' in out
    assert 'account_id: "ACC-4471"' in out
