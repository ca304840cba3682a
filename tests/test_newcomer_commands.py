"""The README's commands as a newcomer runs them: the test command installs the test
prerequisites first (tests/install-prerequisites), and .ci/run runs that same command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "install-prerequisites"


def readme_command(label: str) -> str:
    """The one-line command in the sh block after the README's bold `label`."""
    found = re.search(
        rf"\*\*{label}\*\*.*?```sh\n(.+?)\n```", (ROOT / "README.md").read_text(), re.S
    )
    assert found, f"README has no {label} command"
    return found.group(1)


def test_readme_test_command_installs_the_prerequisites_first_and_ci_runs_it():
    command = readme_command("Test it")
    assert command.startswith("tests/install-prerequisites && ") and "\n" not in command
    assert command in (ROOT / ".ci" / "run").read_text()


def test_nothing_is_installed_when_everything_is_there():
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def _run_without_litmus(*tools: str) -> tuple[subprocess.CompletedProcess, Path]:
    """The script run by a user who is not root, on a PATH without litmus: id, env, python3
    and the named `tools`: a sudo that runs its command, others that log their arguments."""
    place = Path(tempfile.mkdtemp(prefix="prerequisites-"))
    place.chmod(0o777)
    python = (
        shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    )  # one every user may run
    for real, name in (
        (shutil.which("id"), "id"),
        (shutil.which("env"), "env"),
        (python, "python3"),
    ):
        (place / name).symlink_to(real)
    for tool in tools:
        body = (
            '[ "$1" = -n ] && shift; "$@"'
            if tool == "sudo"
            else f'echo "$*" >> "{place}/{tool}.log"'
        )
        (place / tool).write_text(f"#!/bin/sh\n{body}\n")
        (place / tool).chmod(0o755)
    shutil.copy(SCRIPT, place / "install-prerequisites")
    as_user = (
        [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups"]
        if os.geteuid() == 0
        else []
    )
    done = subprocess.run(
        [*as_user, str(place / "install-prerequisites")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=place,
        env={"PATH": str(place)},
    )
    return done, place


def test_without_root_or_sudo_it_prints_the_one_command_to_run():
    done, place = _run_without_litmus()
    try:
        assert done.returncode == 1
        command = done.stderr.strip().splitlines()[-1]
        assert command.startswith("sudo apt-get install -y ") and "litmus" in command.split()
    finally:
        shutil.rmtree(place)


def test_with_password_less_sudo_it_installs_through_apt_get():
    done, place = _run_without_litmus("sudo", "apt-get")
    try:
        assert done.returncode == 0, done.stderr
        update, install = (place / "apt-get.log").read_text().splitlines()
        assert update == "update -qq"
        assert install.startswith("install -y -qq ") and "litmus" in install.split()
    finally:
        shutil.rmtree(place)
