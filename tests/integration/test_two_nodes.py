"""Two web nodes and two schedulers on one database, as real processes.

Two gunicorn instances (each its own instance folder, the same secret key and database)
serve one browser: a session made on one works on the other, a logout on one ends it on
both, failed logins spread over both lock the account on both; a third node started with
another secret key takes none of it (and signs the browser out). Two `systemfel scheduler`
processes: one is active and sends each due e-mail once through a real SMTP server, the
other stands by and sends nothing; SIGKILL the active one and the standby takes over.
Runs on whichever database the suite uses (on SQLite both nodes share the machine, as SQLite
requires); the lost-lock test needs PostgreSQL.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa

from systemfel.auth.models import User
from systemfel.extensions import db
from systemfel.leadership import MIGRATIONS_LOCK_KEY, SCHEDULER_LOCK_KEY
from tests import factories
from tests.faultsmtp import SmtpServer, free_port
from tests.integration.test_scheduler_process import COMMAND, outbox_statuses, queue, wait_for

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
LOCKED = "Kontot är tillfälligt låst"
ACTIVE = "Active: this scheduler runs the jobs"
STANDING_BY = "Standing by: another scheduler is active"


def node_env(app, instance: Path, secret: str, **settings: object) -> dict[str, str]:
    """The environment of one node: the suite's database, its own instance folder."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SYSTEMFEL_")}
    env |= {
        "SYSTEMFEL_ENV": "testing",
        "SYSTEMFEL_DATABASE_URL": app.config["DATABASE_URL"],
        "SYSTEMFEL_INSTANCE_PATH": str(instance),
        "SYSTEMFEL_SECRET_KEY": secret,
    }
    return env | {f"SYSTEMFEL_{key}": str(value) for key, value in settings.items()}


@contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Run `command` with its output in `log`; kill it on the way out if still alive."""
    with log.open("ab") as output:
        running = subprocess.Popen(  # our own commands
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield running
        finally:
            if running.poll() is None:
                running.send_signal(signal.SIGTERM)
                try:
                    running.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    running.kill()
                    running.wait(timeout=10)


@contextmanager
def web_node(app, tmp_path: Path, name: str, secret: str) -> Iterator[str]:
    """A gunicorn instance of its own (one worker); yield its base URL once it answers."""
    port = free_port()
    instance = tmp_path / name
    command = [GUNICORN, "-c", "python:systemfel.gunicorn_conf", "-w", "1"]
    command += ["-b", f"127.0.0.1:{port}", "systemfel:create_app()"]
    with process(command, node_env(app, instance, secret), tmp_path / f"{name}.log") as running:
        base = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            assert running.poll() is None, f"web node {name} exited"
            try:
                return Browser().get(f"{base}/healthz")[0] == 200
            except OSError:
                return False

        wait_for(answers, 60, f"web node {name} to answer")
        yield base


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand redirects back, so the test sees where each response points."""

    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: one cookie jar for 127.0.0.1, whichever port (node) it talks to."""

    def __init__(self) -> None:
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects()
        )

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, "", response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def get(self, url: str) -> tuple[int, str, str]:
        """Status, Location and body of a GET."""
        return self._open(urllib.request.Request(url))  # noqa: S310 - our own nodes

    def get_json(self, url: str) -> dict:
        """The JSON a GET answers with."""
        status, _location, body = self.get(url)
        assert status == 200, status
        return json.loads(body)

    def post(self, url: str, form_url: str, data: dict[str, str]) -> tuple[int, str, str]:
        """Send `data` with the CSRF token of the page at `form_url` (maybe another node)."""
        status, _location, page = self.get(form_url)
        match = CSRF.search(page)
        assert match, f"no CSRF token on {form_url} ({status})"
        body = urllib.parse.urlencode(data | {"csrf_token": match.group(1)}).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))  # noqa: S310

    def login(self, base: str, form_base: str, email: str, password: str):
        """Sign in at `base` with the login form served by `form_base`."""
        data = {"email": email, "password": password}
        return self.post(f"{base}/login", f"{form_base}/login", data)


def a_user(email: str) -> None:
    factories.UserFactory(email=email, verksamheter=[factories.verksamhet("PO Noderna")])
    db.session.commit()


def signed_in(browser: Browser, base: str) -> bool:
    status, location, _page = browser.get(f"{base}/brister")
    assert status in (200, 302), status
    return status == 200 and not location


def test_a_session_and_a_lockout_hold_across_two_web_nodes(app, ctx, tmp_path):
    a_user("ombud@noder.example")
    secret = secrets.token_hex(32)
    with (
        web_node(app, tmp_path, "a", secret) as node_a,
        web_node(app, tmp_path, "b", secret) as node_b,
    ):
        nodes = (node_a, node_b)
        fingerprints = {Browser().get_json(f"{node}/readyz")["secret_key"] for node in nodes}
        assert len(fingerprints) == 1  # what monitoring compares across nodes
        browser = Browser()
        # The login form from B, sent to A: the CSRF token is good on every node.
        status, _location, _page = browser.login(
            node_a, node_b, "ombud@noder.example", factories.PASSWORD
        )
        assert status == 302
        assert signed_in(browser, node_a)
        assert signed_in(browser, node_b)  # the session made on A works on B

        stolen = Browser()  # a copy of the cookie, e.g. left on a shared computer
        for cookie in browser.cookies:
            stolen.cookies.set_cookie(cookie)
        assert signed_in(stolen, node_a)

        status, location, _page = browser.post(f"{node_b}/logout", f"{node_a}/brister", {})
        assert (status, urllib.parse.urlsplit(location).path) == (302, "/login")
        assert not signed_in(browser, node_a)
        assert not signed_in(stolen, node_a)  # logged out on B: the copy is dead on A too
        assert not signed_in(stolen, node_b)

        # A node with another secret key (a mistake): it takes no session and no form.
        status, _location, _page = browser.login(
            node_a, node_b, "ombud@noder.example", factories.PASSWORD
        )
        assert status == 302
        with web_node(app, tmp_path, "c", secrets.token_hex(32)) as node_c:
            assert Browser().get_json(f"{node_c}/readyz")["secret_key"] not in fingerprints
            assert not signed_in(browser, node_c)
            status, _location, _page = browser.post(f"{node_c}/sprak", f"{node_a}/login", {})
            assert status == 400
        # ... and its answers replaced the browser's cookie: signed out on the good nodes too.
        assert not signed_in(browser, node_b)

        # LOGIN_MAX_FAILURES = 3 in testing: wrong passwords on A, B, A lock the account.
        for node in (node_a, node_b, node_a):
            status, _location, page = Browser().login(node, node, "ombud@noder.example", "fel")
            assert status == 422 and LOCKED not in page
        for node in (node_b, node_a):
            status, _location, page = Browser().login(
                node, node, "ombud@noder.example", factories.PASSWORD
            )
            assert status == 422 and LOCKED in page  # the right password, but locked on both
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "ombud@noder.example"))
    assert user is not None and user.locked_until is not None


def scheduler_process(app, tmp_path: Path, name: str, smtp: SmtpServer):
    env = node_env(
        app,
        tmp_path / name,
        "not-used-by-the-scheduler",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.port,
        SMTP_SECURITY="none",
        SCHEDULER_OUTBOX_SECONDS=1,
        SCHEDULER_SWEEP_SECONDS=1,
        SCHEDULER_STANDBY_SECONDS=1,
    )
    return process([COMMAND, "scheduler"], env, tmp_path / f"{name}.log")


def log_of(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.log").read_text()


def test_one_scheduler_sends_while_the_other_stands_by_and_takes_over(app, ctx, tmp_path):
    smtp = SmtpServer()
    smtp.start()
    try:
        with scheduler_process(app, tmp_path, "first", smtp) as first:
            wait_for(lambda: ACTIVE in log_of(tmp_path, "first"), 60, "the first to be active")
            with scheduler_process(app, tmp_path, "second", smtp) as second:
                wait_for(lambda: STANDING_BY in log_of(tmp_path, "second"), 60, "a standby")
                before = queue(1)
                wait_for(lambda: outbox_statuses() == {"sent": 1}, 30, "the first e-mail")
                # A manual sweep is a second runner too: refused while a scheduler is active.
                sweep = subprocess.run(  # our own command
                    [COMMAND, "sweep"],
                    cwd=ROOT,
                    env=node_env(app, tmp_path / "sweep", "x"),
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert sweep.returncode == 1
                assert "A scheduler is active" in sweep.stderr

                first.kill()
                first.wait(timeout=10)
                wait_for(lambda: ACTIVE in log_of(tmp_path, "second"), 30, "the takeover")
                after = queue(1, start=1)
                wait_for(lambda: outbox_statuses() == {"sent": 2}, 30, "the second e-mail")
                second.send_signal(signal.SIGTERM)
                assert second.wait(timeout=20) == 0
    finally:
        smtp.stop()
    assert smtp.deliveries() == {
        (before[0], "mottagare0@kommun.example"): 1,
        (after[0], "mottagare1@kommun.example"): 1,
    }
    # APScheduler logs each job it runs; until it took over, the standby ran none.
    assert "Running job" in log_of(tmp_path, "first")
    standby_log = log_of(tmp_path, "second")
    assert "Running job" not in standby_log[: standby_log.index(ACTIVE)]


def lock_holders(key: int = SCHEDULER_LOCK_KEY, granted: bool = True) -> list[int]:
    """Backends of this database holding (or, not granted, waiting for) an advisory lock."""
    pids = db.session.scalars(
        sa.text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted = :granted"
            " AND classid = 0 AND objid::bigint = :key AND database = (SELECT oid"
            " FROM pg_database WHERE datname = current_database())"
        ),
        {"key": key, "granted": granted},
    ).all()
    db.session.commit()
    return list(pids)


def test_an_active_scheduler_that_loses_its_lock_stands_down(app, ctx, tmp_path):
    """The lock's connection is cut, as when the database restarts: never two actives."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite's file lock cannot be cut")
    smtp = SmtpServer()
    smtp.start()
    try:
        with scheduler_process(app, tmp_path, "first", smtp):
            wait_for(lambda: ACTIVE in log_of(tmp_path, "first"), 60, "the first to be active")
            with scheduler_process(app, tmp_path, "second", smtp):
                wait_for(lambda: STANDING_BY in log_of(tmp_path, "second"), 60, "a standby")
                [holder] = lock_holders()
                db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
                db.session.commit()
                wait_for(lambda: "lost its lock" in log_of(tmp_path, "first"), 30, "the stand-down")
                wait_for(lambda: len(lock_holders()) == 1, 30, "a new holder")
                sent = queue(1)
                wait_for(lambda: outbox_statuses() == {"sent": 1}, 30, "the e-mail")
                assert len(lock_holders()) == 1
    finally:
        smtp.stop()
    assert smtp.deliveries() == {(sent[0], "mottagare0@kommun.example"): 1}


def test_nodes_starting_together_migrate_one_at_a_time(app, ctx, tmp_path):
    """Each node runs `systemfel db upgrade` as it starts; on PostgreSQL they take turns."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite is one machine; its migrations take the database's write lock")
    env = node_env(app, tmp_path / "migrating", "x")
    with db.engine.connect() as holder:  # another node, migrating right now
        holder.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATIONS_LOCK_KEY})
        holder.commit()
        with process([COMMAND, "db", "upgrade"], env, tmp_path / "upgrade.log") as upgrade:
            wait_for(
                lambda: lock_holders(MIGRATIONS_LOCK_KEY, granted=False) != [],
                60,
                "the upgrade to wait for its turn",
            )
            assert upgrade.poll() is None
            holder.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATIONS_LOCK_KEY})
            holder.commit()
            assert upgrade.wait(timeout=60) == 0
    assert lock_holders(MIGRATIONS_LOCK_KEY) == []
