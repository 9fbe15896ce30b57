"""Faults around the scheduler: two sweeps at the same moment, and a sweep killed midway.

Each runs on whichever database the suite uses (SQLite, or PostgreSQL when
SYSTEMFEL_TEST_DATABASE_URL is set).
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import func, select

from systemfel.brister.domain import HandelseTyp
from systemfel.brister.models import Handelse
from systemfel.extensions import db
from systemfel.followups import jobs, services
from systemfel.followups.jobs import sweep_digests, sweep_myndighet_paminnelser
from systemfel.followups.models import AnswerLink, Kontakt
from systemfel.notifications import services as notifications
from systemfel.notifications.jobs import send_due_messages
from systemfel.notifications.models import OutboxMessage
from tests import factories
from tests.integration.conftest import at, count, outbox_keys

ROOT = Path(__file__).resolve().parents[2]
DUE = date(2026, 12, 2)  # a Wednesday
NOW = at(DUE, 10)


def paminnelse_state() -> dict[int, tuple[int, int, int]]:
    """Per contact: reminders_sent, its reminder e-mails, its answer links."""
    db.session.expire_all()
    sent = dict(db.session.execute(select(Kontakt.id, Kontakt.reminders_sent)).all())
    mails = Counter(int(key.split(":")[1]) for key in outbox_keys("paminnelse:%"))
    links = dict(
        db.session.execute(
            select(AnswerLink.kontakt_id, func.count()).group_by(AnswerLink.kontakt_id)
        ).all()
    )
    entries = count(Handelse, Handelse.typ == HandelseTyp.PAMINNELSE)
    assert entries == sum(mails.values())  # one history entry per reminder, no strays
    return {k: (sent[k], mails.get(k, 0), links.get(k, 0)) for k in sent}


def test_two_sweeps_at_the_same_moment_send_each_reminder_once(app, scene, caplog):
    ids = scene.due_kontakter(50, DUE)
    db.session.commit()
    db.session.remove()
    caplog.set_level(logging.ERROR, logger="systemfel")

    results = run_at_once(app, lambda: sweep_myndighet_paminnelser(now=NOW))

    assert sum(results) == 50, results
    assert [r.getMessage() for r in caplog.records] == []  # no item failed and was skipped
    assert sorted(outbox_keys("paminnelse:%")) == sorted(f"paminnelse:{i}:1" for i in ids)
    assert set(paminnelse_state().values()) == {(1, 1, 1)}


CHILD = """
import sys, time
from datetime import datetime
from systemfel import create_app
from systemfel.followups import jobs

# Slow each reminder down (inside its transaction, after the claim) so the kill lands midway.
real_enqueue = jobs.enqueue
def slow_enqueue(**kwargs):
    time.sleep(0.01)
    return real_enqueue(**kwargs)
jobs.enqueue = slow_enqueue

app = create_app("testing")
with app.app_context():
    print(jobs.sweep_myndighet_paminnelser(now=datetime.fromisoformat(sys.argv[1])), flush=True)
"""


def test_a_sweep_killed_midway_is_completed_by_the_next_without_duplicates(
    app, scene, smtp_server, tmp_path
):
    total = 300
    ids = scene.due_kontakter(total, DUE)
    db.session.commit()
    db.session.remove()
    url = app.config["DATABASE_URL"]
    env = {name: value for name, value in os.environ.items() if not name.startswith("SYSTEMFEL_")}
    env.update(
        SYSTEMFEL_ENV="testing",
        SYSTEMFEL_DATABASE_URL=url,
        SYSTEMFEL_INSTANCE_PATH=str(tmp_path),
    )
    watcher = sa.create_engine(url)
    written = sa.text("SELECT count(*) FROM outbox WHERE idempotency_key LIKE 'paminnelse:%'")
    child = subprocess.Popen(  # our own interpreter and script
        [sys.executable, "-c", CHILD, NOW.isoformat()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        seen = 0
        while seen < 50:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the sweep wrote no reminders"
            time.sleep(0.005)
            with watcher.connect() as connection:
                seen = connection.execute(written).scalar_one()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
        watcher.dispose()
    assert child.returncode == -signal.SIGKILL

    # Only whole items were committed: each contact has its claim, e-mail, link and history
    # entry, or none of them.
    after_kill = paminnelse_state()
    done = [k for k, state in after_kill.items() if state == (1, 1, 1)]
    assert 50 <= len(done) < total
    assert set(after_kill.values()) == {(1, 1, 1), (0, 0, 0)}

    assert sweep_myndighet_paminnelser(now=NOW) == total - len(done)
    assert sweep_myndighet_paminnelser(now=NOW + timedelta(minutes=5)) == 0
    assert sorted(outbox_keys("paminnelse:%")) == sorted(f"paminnelse:{i}:1" for i in ids)
    assert set(paminnelse_state().values()) == {(1, 1, 1)}

    sending = NOW + timedelta(minutes=10)
    while send_due_messages(now=sending):
        pass
    db.session.expire_all()
    assert {row.status.value for row in db.session.scalars(select(OutboxMessage))} == {"sent"}
    received = Counter(r.message["Message-ID"] for r in smtp_server.received)
    assert received == Counter({f"<paminnelse.{i}.1@systemfel.invalid>": 1 for i in ids})


def run_at_once(app, job, copies: int = 2) -> list[int]:
    """Run `job` in `copies` threads released together, each in its own app context."""
    start = threading.Barrier(copies)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                start.wait(timeout=10)
                results.append(job())
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == copies
    return results


def due_digests(scene) -> list[int]:
    """Three ombud with a follow-up due on DUE; return their ids."""
    users = [scene.ombud, scene.ombud2]
    users.append(factories.UserFactory(verksamheter=[scene.verksamhet]))
    services.open_bevakning(scene.brist).due_on = DUE
    for user in users[1:]:
        services.open_bevakning(scene.new_brist(user=user)).due_on = DUE
    db.session.commit()
    return [user.id for user in users]


def test_two_digest_sweeps_at_the_same_moment_write_one_digest_each(app, scene, caplog):
    user_ids = due_digests(scene)
    db.session.remove()
    caplog.set_level(logging.ERROR, logger="systemfel")

    run_at_once(app, lambda: sweep_digests(now=NOW), copies=3)

    assert sorted(outbox_keys()) == sorted(f"digest:{i}:{DUE.isoformat()}" for i in user_ids)
    assert [r.getMessage() for r in caplog.records] == []


def test_two_senders_at_the_same_moment_deliver_each_message_once(app, scene, smtp_server):
    keys = [f"note:{n}" for n in range(20)]
    for key in keys:
        notifications.enqueue(
            key=key,
            to=[scene.ombud.email],
            subject=key,
            template="digest",
            context={"user": scene.ombud, "items": [], "today": DUE},
            now=NOW,
        )
    db.session.commit()
    db.session.remove()

    results = run_at_once(app, lambda: send_due_messages(now=NOW))

    assert sum(results) == 20
    for key in keys:
        assert len(smtp_server.with_key(key)) == 1, key
    assert len(smtp_server.received) == 20


def test_a_digest_written_by_another_scheduler_meanwhile_is_not_counted(app, scene, monkeypatch):
    user_ids = due_digests(scene)
    real_enqueue = jobs.enqueue

    def racing_enqueue(**kwargs):
        # Another scheduler writes and commits the same digest first, in its own session.
        with app.app_context():
            real_enqueue(**kwargs)
            db.session.commit()
            db.session.remove()
        return real_enqueue(**kwargs)

    monkeypatch.setattr(jobs, "enqueue", racing_enqueue)
    written = sweep_digests(now=NOW)

    assert len(outbox_keys("digest:%")) == len(user_ids)
    assert written == 0
