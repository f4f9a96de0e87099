"""Finding and loading the config: the file to use, reading it, and in-memory configs (the demo)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pluggy
import yaml

from loftterm.errors import ConfigError
from loftterm.textfile import read_text

from ._context import _Ctx
from ._model import Config
from ._tree import _from_python, _YamlTree
from ._validate import _build


def find_config_path(
    explicit: str | None, *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Path:
    """Return the config file to use: ``explicit``, else ``./loftterm.yaml``, else the XDG one.

    :param explicit: a path the user gave (``--config``); it must exist.
    :param env: the environment (default ``os.environ``), for ``XDG_CONFIG_HOME``.
    :param cwd: the folder ``loftterm.yaml`` is looked for in (default: the current one).
    :raises ConfigError: naming every place looked at when none exists.
    """
    if explicit:
        given = Path(explicit).expanduser()
        if not given.is_file():
            raise ConfigError(f"{explicit}: no such config file")
        return given
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME", "")
    config_home = Path(xdg) if xdg and Path(xdg).is_absolute() else Path("~/.config").expanduser()
    places = [Path("loftterm.yaml") if cwd is None else cwd / "loftterm.yaml",
              config_home / "loftterm" / "config.yaml"]
    for place in places:
        if place.is_file():
            return place
    looked = ", ".join(str(place) for place in places)
    raise ConfigError(f"no config file found (looked for {looked}); copy config.example.yaml "
                      "to one of them or give its path")


def load_config(
    path: Path, pm: pluggy.PluginManager, env: Mapping[str, str] | None = None
) -> Config:
    """Read, validate and return the config file at ``path``.

    :param path: the file; errors name it as given.
    :param pm: the plugin manager, which tells the installed connectors and their settings.
    :param env: the environment for ``${VAR}`` (default ``os.environ``).
    :raises ConfigError: one line, ``<file>:<line>: <dotted.key>: <problem>``.
    """
    source = str(path)
    text = read_text(path, ConfigError, source)
    ctx = _Ctx(source, os.environ if env is None else env)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None:
            ctx.fail(1, "top level", "the file has no settings; expected a mapping "
                                     "(see config.example.yaml)")
        tree = _YamlTree(ctx).convert(root, "")
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_error_message(source, text, exc)) from None
    except RecursionError:
        raise ConfigError(f"{source}: the YAML is nested too deeply") from None
    return _build(tree, pm, path.absolute().parent, path, ctx)


def config_from_mapping(
    data: Mapping[str, Any],
    pm: pluggy.PluginManager,
    *,
    base_dir: Path,
    source: str = "<demo>",
    env: Mapping[str, str] | None = None,
) -> Config:
    """Validate a config built in memory (the demo) exactly like a file; errors have no line.

    :param data: the same structure the YAML file holds.
    :param pm: the plugin manager.
    :param base_dir: the folder relative ``book`` and ``tokens`` paths are relative to.
    :param source: the name errors are reported under.
    :param env: the environment for ``${VAR}`` (default ``os.environ``).
    """
    ctx = _Ctx(source, os.environ if env is None else env)
    return _build(_from_python(data, "", ctx, set()), pm, base_dir, None, ctx)


def yaml_error_message(source: str, text: str, exc: yaml.YAMLError) -> str:
    """Return a one-line ``<file>:<line>:<column>: invalid YAML: <problem>`` for a YAML error."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        char = exc.character
        what = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        return f"{source}:{line}: invalid YAML: unacceptable character {what}: {exc.reason}"
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = " ".join(str(exc.problem or "syntax error").split())
        if exc.context:
            problem = f"{' '.join(str(exc.context).split())}: {problem}"
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            return f"{source}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {problem}"
        return f"{source}: invalid YAML: {problem}"
    return f"{source}: invalid YAML: {' '.join(str(exc).split())}"
