"""`make run PORT=…` and `make run-all PORT=…` serve on the port given (issue 13, item 7)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def _dry_run(*args: str) -> str:
    # -n prints the commands without running them, and -o skips the install step.
    return subprocess.run(
        [str(MAKE), "-n", "-o", ".venv/.installed-stamp", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize("target", ["run", "run-all"])
def test_the_port_given_is_the_port_served(target):
    commands = _dry_run(target, "PORT=8123")
    assert "--port 8123" in commands
    assert "127.0.0.1:8123" in commands
    assert "5000" not in commands


@pytest.mark.parametrize("target", ["run", "run-all"])
def test_without_a_port_it_is_5000(target):
    assert "--port 5000" in _dry_run(target)
