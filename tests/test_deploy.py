"""deploy/: the Containerfile, the Kubernetes CronJob and the systemd template parse and agree.

What a scheduler runs must be a line the CLI tests run: the container's command is run over
real sandboxes in ``tests/test_fleet.py``; here each manifest is read as its tool would.
"""

from __future__ import annotations

import argparse
import configparser
import re
import shlex
from pathlib import Path
from typing import Any

from loftterm.cli.parser import build_parser
from tests.cli_support import DEPLOY, container_command, cronjob


def instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Containerfile, comments and continuations folded."""
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines()
                                          if not line.lstrip().startswith("#")))
    out = []
    for line in text.splitlines():
        if line.strip():
            instruction, _, rest = line.strip().partition(" ")
            out.append((instruction.upper(), rest.strip()))
    return out


def test_the_container_is_slim_runs_as_a_user_and_keeps_books_on_a_volume() -> None:
    found = instructions()
    assert found[0][0] == "FROM" and re.fullmatch(r"python:3\.1[1-9]-slim", found[0][1])
    users = [rest for name, rest in found if name == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert ("VOLUME", '["/books"]') in found
    command = container_command()
    assert command == ["loftterm", "fleet", "/books", "--json"]
    args = build_parser().parse_args(command[1:])
    assert args.command == "fleet" and args.dir == "/books" and args.json


def container(spec: dict[str, Any], name: str) -> dict[str, Any]:
    pod = spec["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [found] = [c for c in pod["containers"] + pod.get("initContainers", []) if c["name"] == name]
    assert isinstance(found, dict)
    return found


def test_the_cronjob_is_an_indexed_job_one_book_per_index_never_overlapping() -> None:
    spec = cronjob()
    assert (spec["apiVersion"], spec["kind"]) == ("batch/v1", "CronJob")
    assert spec["spec"]["concurrencyPolicy"] == "Forbid"
    job = spec["spec"]["jobTemplate"]["spec"]
    assert job["completionMode"] == "Indexed" and job["completions"] >= 1
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never" and pod["securityContext"]["runAsNonRoot"] is True
    sync = container(spec, "sync")
    # the container's own command, narrowed to the pod's book
    assert sync["args"][:3] == container_command()[1:]
    index = {e["name"]: e for e in sync["env"]}["BOOK_INDEX"]
    assert index["valueFrom"]["fieldRef"]["fieldPath"] == (
        "metadata.annotations['batch.kubernetes.io/job-completion-index']")
    args = build_parser().parse_args([a.replace("$(BOOK_INDEX)", "2") for a in sync["args"]])
    assert args.command == "fleet" and args.index == 2 and args.json
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tokens"]["secret"]["secretName"] == "loftterm-tokens"
    assert "persistentVolumeClaim" in volumes["books"]
    seed = container(spec, "seed-tokens")
    assert {m["name"] for m in seed["volumeMounts"]} == {"books", "tokens"}
    assert "install -m 0600" in seed["command"][-1]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
    return parser


def one_book_sync(service: configparser.ConfigParser) -> argparse.Namespace:
    """A unit's command, parsed as the CLI parses it: ``loftterm --sync --json`` of book %i."""
    assert service["Service"]["User"] == "loftterm"
    command = shlex.split(service["Service"]["ExecStart"])
    assert Path(command[0]).name == "loftterm"
    args = build_parser().parse_args(command[1:])
    assert args.sync and args.json and args.config.endswith("/%i.yaml")
    return args


def test_the_systemd_template_syncs_one_book_per_instance_on_a_timer() -> None:
    service = unit("loftterm-sync@.service")
    assert service["Service"]["Type"] == "oneshot"
    one_book_sync(service)
    assert "4" in service["Service"]["SuccessExitStatus"].split()
    timer = unit("loftterm-sync@.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_systemd_service_keeps_one_book_in_sync_in_one_process() -> None:
    service = unit("loftterm-service@.service")
    assert service["Service"]["Type"] == "simple"
    args = one_book_sync(service)
    assert args.every == 30
    assert not args.dry_run and not args.plan_out  # --every refuses them
    assert service["Service"]["Restart"] == "on-failure"
    assert set(service["Service"]["RestartPreventExitStatus"].split()) == {"2", "5"}
    assert {"3", "4"} <= set(service["Service"]["SuccessExitStatus"].split())
    assert "loftterm-sync@%i.timer" in service["Unit"]["Conflicts"].split()  # one writer per book
    assert service["Install"]["WantedBy"] == "multi-user.target"
