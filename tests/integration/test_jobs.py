"""The job services and runner in this process: one job per request, claims, leases, expiry."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from systemfel.access import scope_for
from systemfel.auth.domain import Role
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.jobs import services
from systemfel.jobs.domain import GAVE_UP, WAITING_STEP, JobFailed, JobState
from systemfel.jobs.models import Job, JobFile, JobFilePart
from systemfel.jobs.runner import run_waiting_jobs
from tests import factories


@pytest.fixture
def admin(ctx):
    user = factories.UserFactory(role=Role.ADMIN)
    db.session.commit()
    return user


def _start(user, kind="test", **params) -> Job:
    job = services.start(
        kind=kind, params=params, user=user, scope=scope_for(user), title="Test %(n)s",
        title_args={"n": 1},
    )  # fmt: skip
    db.session.commit()
    return job


def _reload(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get_one(Job, job_id)


def _writes(text: bytes):
    def kind(run):
        run.progress(0, 1, "Skriver")
        run.save("fil.txt", "text/plain", text)

    return kind


def test_the_same_request_while_it_waits_or_runs_is_one_job(admin):
    first = _start(admin, ar=2026, verksamheter=[1, 2])
    assert _start(admin, verksamheter=[1, 2], ar=2026).id == first.id
    assert _start(admin, ar=2025, verksamheter=[1, 2]).id != first.id
    other = factories.UserFactory(role=Role.ADMIN)
    assert _start(other, ar=2026, verksamheter=[1, 2]).id != first.id


def test_a_finished_request_asked_again_is_a_new_job(admin):
    first = _start(admin, ar=2026)
    assert run_waiting_jobs({"test": _writes(b"x")}) == 1
    second = _start(admin, ar=2026)
    assert second.id != first.id
    assert services.latest(kind="test", params={"ar": 2026}, user=admin).id == second.id


def test_a_done_job_keeps_its_files_in_parts_and_reads_them_back(admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_FILE_PART_BYTES", 7)
    job = _start(admin)
    text = bytes(range(256)) * 3
    assert run_waiting_jobs({"test": _writes(text)}) == 1
    done = _reload(job.id)
    assert done.state == JobState.DONE and done.active_key is None and done.claim_token is None
    assert done.expires_at == done.finished_at + timedelta(days=app.config["JOBS_KEEP_DAYS"])
    (stored,) = done.files
    assert stored.size == len(text)
    assert db.session.scalar(select(func.count()).where(JobFilePart.file_id == stored.id)) == 110
    assert b"".join(services.file_parts(stored.id)) == text


def test_a_job_that_refuses_says_why_and_one_that_breaks_says_the_general_message(admin):
    refused, broken = _start(admin, n=1), _start(admin, n=2)

    def kind(run):
        if run.params["n"] == 1:
            raise JobFailed("Du har inte behörighet.")
        raise ZeroDivisionError

    assert run_waiting_jobs({"test": kind}) == 0
    assert _reload(refused.id).error == "Du har inte behörighet."
    assert _reload(broken.id).state == JobState.FAILED
    assert "ZeroDivision" not in _reload(broken.id).error


def test_an_unknown_kind_fails(admin):
    job = _start(admin, kind="arkiv")
    run_waiting_jobs({})
    assert _reload(job.id).state == JobState.FAILED


def test_a_stop_during_a_job_gives_it_back_to_wait(admin):
    job = _start(admin)
    stop = threading.Event()

    def kind(run):
        run.progress(0, 2, "Första steget")
        stop.set()  # as SIGTERM would, from another thread
        run.progress(1, 2, "Andra steget")
        run.save("fil.txt", "text/plain", b"aldrig")

    assert run_waiting_jobs({"test": kind}, stop) == 0
    back = _reload(job.id)
    assert back.state == JobState.WAITING and back.claim_token is None
    assert back.step == WAITING_STEP and back.files == []
    assert run_waiting_jobs({"test": _writes(b"ja")}) == 1


def test_progress_is_committed_while_the_job_runs(admin, app):
    job = _start(admin)
    seen = []

    def kind(run):
        run.progress(3, 10, "Tredje steget")
        with app.app_context():  # another session: what the progress page reads
            row = db.session.get_one(Job, job.id)
            seen.append((row.state, row.done, row.total, row.step))
            db.session.remove()

    run_waiting_jobs({"test": kind})
    assert seen == [(JobState.RUNNING, 3, 10, "Tredje steget")]


def test_a_run_that_lost_its_claim_keeps_nothing(admin):
    job = _start(admin)

    def kind(run):
        run.progress(0, 1, "Steg")
        db.session.execute(  # another run took over after this one's lease ran out
            Job.__table__.update().where(Job.id == job.id).values(claim_token="annan")
        )
        db.session.commit()
        run.save("fil.txt", "text/plain", b"x")

    assert run_waiting_jobs({"test": kind}) == 0
    assert db.session.scalar(select(func.count(JobFile.id))) == 0
    assert _reload(job.id).claim_token == "annan"


def test_a_job_whose_run_died_too_often_is_given_up(admin, app):
    job = _start(admin)
    db.session.execute(
        Job.__table__.update()
        .where(Job.id == job.id)
        .values(
            state="pagar",
            claim_token="dog",
            lease_until=utcnow() - timedelta(seconds=1),
            attempts=app.config["JOBS_MAX_ATTEMPTS"],
        )
    )
    db.session.commit()
    assert run_waiting_jobs({"test": _writes(b"x")}) == 0
    given_up = _reload(job.id)
    assert given_up.state == JobState.FAILED and given_up.error == GAVE_UP
    assert given_up.files == [] and given_up.active_key is None


def test_a_released_job_runs_again_and_keeps_one_result(admin):
    job = _start(admin)
    db.session.execute(
        Job.__table__.update()
        .where(Job.id == job.id)
        .values(state="pagar", claim_token="dog", lease_until=utcnow(), attempts=1)
    )
    db.session.commit()
    assert run_waiting_jobs({"test": _writes(b"x")}, now=utcnow() + timedelta(seconds=1)) == 1
    done = _reload(job.id)
    assert done.state == JobState.DONE and done.attempts == 2 and len(done.files) == 1


def test_expired_jobs_are_deleted_with_their_files(admin, app):
    kept, old = _start(admin, n=1), _start(admin, n=2)
    run_waiting_jobs({"test": _writes(b"x" * 10)})
    waiting = _start(admin, n=3)
    db.session.execute(Job.__table__.update().where(Job.id == old.id).values(expires_at=utcnow()))
    db.session.commit()
    assert services.forget_expired(utcnow()) == 1
    db.session.commit()
    assert set(db.session.scalars(select(Job.id))) == {kept.id, waiting.id}
    assert db.session.scalar(select(func.count(JobFilePart.file_id))) == 1


def test_the_same_request_at_the_same_moment_is_one_job(admin, monkeypatch):
    """The other request's job was committed after this one looked: the unique key refuses."""
    first = _start(admin, ar=2026)
    looked = []
    real = services._active

    def missed_once(key):
        looked.append(key)
        return None if len(looked) == 1 else real(key)

    monkeypatch.setattr(services, "_active", missed_once)
    assert _start(admin, ar=2026).id == first.id
    assert len(looked) == 2
    assert db.session.scalar(select(func.count(Job.id))) == 1
