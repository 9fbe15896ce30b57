"""gunicorn as deployed (`-c python:systemfel.gunicorn_conf`) logs requests for answer links
with the token masked, and each worker freezes the objects it loaded with the app."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from systemfel.gunicorn_conf import GC_THRESHOLD
from systemfel.logs import MASK
from tests.faultsmtp import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
TOKEN = "k3Jd9_x-QpL0aZ7bVn2WmC8tYr5uEi4oHs6gFf1DjKq"


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            if _get(f"{base}/healthz") == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("gunicorn did not answer within 30 s")


@contextmanager
def _deployed_gunicorn(app, tmp_path: Path, log: Path, workers: int = 1) -> Iterator[str]:
    """Run gunicorn as deployed on a free port, its output in `log`; yield its base URL."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("SYSTEMFEL_")}
    env |= {
        "SYSTEMFEL_ENV": "testing",
        "SYSTEMFEL_DATABASE_URL": app.config["DATABASE_URL"],
        "SYSTEMFEL_INSTANCE_PATH": str(tmp_path),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(  # our own command
            [
                GUNICORN,
                "-c",
                "python:systemfel.gunicorn_conf",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "systemfel:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, process)
            yield base
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_gunicorn_as_deployed_masks_answer_tokens(app, tmp_path):
    log = tmp_path / "gunicorn.log"
    with _deployed_gunicorn(app, tmp_path, log) as base:
        assert _get(f"{base}/svar/{TOKEN}") == 404
        assert _get(f"{base}/login?next=/svar/{TOKEN}") == 200
    written = log.read_text()
    assert f'"GET /svar/{MASK} HTTP/1.1" 404' in written
    assert f'"GET /login?next=/svar/{MASK} HTTP/1.1" 200' in written
    assert TOKEN not in written


def test_each_gunicorn_worker_freezes_what_it_loaded_with_the_app(app, tmp_path):
    log = tmp_path / "gunicorn.log"
    with _deployed_gunicorn(app, tmp_path, log, workers=2) as base:
        deadline = time.monotonic() + 30
        while log.read_text().count("gc.freeze()") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        for _ in range(4):  # pages are served after the freeze, by either worker
            assert _get(f"{base}/login") == 200
    frozen = re.findall(
        r"\[(\d+)\] \[INFO\] gc\.freeze\(\): (\d+) objects .*; threshold (\(.*\))",
        log.read_text(),
    )
    assert len({pid for pid, _, _ in frozen}) == 2, frozen  # one line from each worker
    # The app's modules, mappers and templates' environment: far more than a bare interpreter.
    assert all(int(count) > 100_000 for _, count, _ in frozen), frozen
    assert {threshold for _, _, threshold in frozen} == {str(GC_THRESHOLD)}
