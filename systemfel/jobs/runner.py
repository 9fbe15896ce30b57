"""The job runner the scheduler calls: claim one waiting job at a time and run it.

Claims work as the outbox's do: a conditional UPDATE (`state = waiting`) with a token of the
run and a lease, renewed by a heartbeat and by every progress report, each in a short commit
of its own on its own connection. A run that dies leaves its lease to run out; the next run
releases the job and runs it again from the start. The result (the files and the state
`klar`) is written in one transaction that first marks the job done only where this run
still holds it, so a job's files are written once however many runs began it.
"""

import logging
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import Update, insert, select, update

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.dbtypes import rows_changed, utcnow
from systemfel.extensions import db
from systemfel.jobs import domain, services
from systemfel.jobs.domain import Interrupted, JobFailed, JobState
from systemfel.jobs.models import Job, JobFile, JobFilePart
from systemfel.verksamheter.scope import Scope

logger = logging.getLogger(__name__)


class LostClaim(Exception):
    """Another run took the job over (this one's lease ran out): stop without writing."""


@dataclass
class JobRun:
    """What a kind's function gets: the job's parameters, its user and scope, and its outputs."""

    job_id: int
    params: dict[str, Any]
    user: User
    scope: Scope
    token: str
    lease: timedelta
    stop: threading.Event
    directory: Path
    outputs: list[tuple[str, str, Path]] = field(default_factory=list)
    lost: bool = False
    pause: float = 0.0  # seconds after each step (tests: a kill lands mid-job)

    def check(self) -> None:
        """Raise Interrupted when the scheduler is stopping, LostClaim when the job is gone."""
        if self.stop.is_set():
            raise Interrupted
        if self.lost:
            raise LostClaim

    def progress(self, done: int, total: int, step: str) -> None:
        """Report how far the job has come (`step` an N_ text), in a commit of its own."""
        self.check()
        statement = _mine(self.job_id, self.token).values(
            done=done, total=total, step=step, lease_until=utcnow() + self.lease
        )
        with db.engine.begin() as connection:
            if connection.execute(statement).rowcount != 1:
                self.lost = True
        if self.pause and self.stop.wait(self.pause):
            raise Interrupted
        self.check()

    @contextmanager
    def open(self, name: str, mimetype: str) -> Iterator[IO[bytes]]:
        """A file to write a result into; it is stored with the job when the job is done."""
        path = self.directory / f"{len(self.outputs)}.out"
        with path.open("wb") as handle:
            yield handle
        self.outputs.append((name, mimetype, path))

    def save(self, name: str, mimetype: str, data: bytes) -> None:
        """Keep `data` as a result file of the job."""
        with self.open(name, mimetype) as handle:
            handle.write(data)


Kind = Callable[[JobRun], None]


def _mine(job_id: int, token: str) -> Update:
    """An UPDATE of the job that touches it only while this run holds it."""
    return update(Job).where(
        Job.id == job_id, Job.state == JobState.RUNNING, Job.claim_token == token
    )


def run_waiting_jobs(
    kinds: Mapping[str, Kind], stop: threading.Event | None = None, now: datetime | None = None
) -> int:
    """Run waiting jobs one at a time until none waits; return how many finished.

    Stops between two jobs, and within a job between its steps, when `stop` is set; a job
    stopped so is given back to wait. Safe to run in several processes at once.
    """
    config = current_app.config
    stop = stop or threading.Event()
    lease = timedelta(seconds=config["JOBS_LEASE_SECONDS"])
    _release_lost(now or utcnow(), config["JOBS_MAX_ATTEMPTS"], config["JOBS_KEEP_DAYS"])
    finished = 0
    while not stop.is_set():
        job_id = db.session.scalar(
            select(Job.id).where(Job.state == JobState.WAITING).order_by(Job.id).limit(1)
        )
        db.session.commit()
        if job_id is None:
            break
        token = secrets.token_hex(8)
        if not _claim(job_id, token, lease):
            continue
        finished += _run(kinds, job_id, token, lease, stop)
    return finished


def _release_lost(now: datetime, max_attempts: int, keep_days: int) -> None:
    """Jobs whose run died (the lease ran out) wait again, or fail after too many attempts."""
    lost = db.session.execute(
        select(Job.id, Job.attempts).where(Job.state == JobState.RUNNING, Job.lease_until < now)
    ).all()
    for job_id, attempts in lost:
        state = domain.after_lost_claim(attempts, max_attempts)
        values: dict[str, Any] = {"state": state, "claim_token": None, "lease_until": None}
        if state == JobState.FAILED:
            values |= _ended(now, keep_days) | {"error": domain.GAVE_UP}
        else:
            values |= {"step": domain.WAITING_STEP, "done": 0}
        released = update(Job).where(
            Job.id == job_id, Job.state == JobState.RUNNING, Job.lease_until < now
        )
        if rows_changed(released.values(**values)):
            logger.warning("Job %s: its run died; now %s", job_id, state.value)
    db.session.commit()


def _ended(now: datetime, keep_days: int) -> dict[str, Any]:
    """The columns of a job that has finished, either way."""
    return {
        "finished_at": now,
        "expires_at": domain.expires_at(now, timedelta(days=keep_days)),
        "active_key": None,
        "claim_token": None,
        "lease_until": None,
    }


def _claim(job_id: int, token: str, lease: timedelta) -> bool:
    """Take the waiting job for this run; False when another run took it first."""
    now = utcnow()
    claimed = rows_changed(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.WAITING)
        .values(
            state=JobState.RUNNING,
            claim_token=token,
            lease_until=now + lease,
            started_at=now,
            attempts=Job.attempts + 1,
            done=0,
            total=0,
        )
    )
    db.session.commit()
    return claimed == 1


def _run(
    kinds: Mapping[str, Kind], job_id: int, token: str, lease: timedelta, stop: threading.Event
) -> int:
    """Run one claimed job and record how it went; return 1 when it is done."""
    job = db.session.get_one(Job, job_id)
    kind = kinds.get(job.kind)
    config = current_app.config
    directory = Path(tempfile.mkdtemp(prefix=f"systemfel-job-{job_id}-"))
    run = JobRun(
        job_id=job_id,
        params=dict(job.params),
        user=job.user,
        scope=scope_for(job.user),
        token=token,
        lease=lease,
        stop=stop,
        directory=directory,
        pause=float(config["JOBS_STEP_PAUSE_SECONDS"]),
    )
    try:
        with Heartbeat(run):
            if kind is None or not job.user.is_active_account:
                raise JobFailed(domain.FAILED)
            kind(run)
            run.check()
    except Interrupted:
        logger.info("Job %s: the scheduler stops; the job waits again", job_id)
        _give_back(run)
        return 0
    except LostClaim:
        logger.warning("Job %s: another run took it over; nothing kept from this one", job_id)
        db.session.rollback()
        return 0
    except JobFailed as failure:
        _fail(run, failure.message)
        return 0
    except Exception:
        logger.exception("Job %s (%s) failed", job_id, job.kind)
        _fail(run, domain.FAILED)
        return 0
    else:
        return _finish(run)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _give_back(run: JobRun) -> None:
    db.session.rollback()
    db.session.execute(
        _mine(run.job_id, run.token).values(
            state=JobState.WAITING, claim_token=None, lease_until=None, step=domain.WAITING_STEP
        )
    )
    db.session.commit()


def _fail(run: JobRun, message: str) -> None:
    db.session.rollback()
    values = _ended(utcnow(), current_app.config["JOBS_KEEP_DAYS"])
    db.session.execute(
        _mine(run.job_id, run.token).values(state=JobState.FAILED, error=message, **values)
    )
    db.session.commit()


def _finish(run: JobRun) -> int:
    """Mark the job done and store its files in one transaction, only if this run holds it."""
    db.session.rollback()
    config = current_app.config
    values = _ended(utcnow(), config["JOBS_KEEP_DAYS"])
    if rows_changed(_mine(run.job_id, run.token).values(state=JobState.DONE, **values)) != 1:
        db.session.rollback()
        logger.warning("Job %s: the claim ran out before the result was kept", run.job_id)
        return 0
    part_bytes = int(config["JOBS_FILE_PART_BYTES"])
    for name, mimetype, path in run.outputs:
        file_id = db.session.scalar(
            insert(JobFile)
            .values(job_id=run.job_id, name=name, mimetype=mimetype, size=path.stat().st_size)
            .returning(JobFile.id)
        )
        with path.open("rb") as handle:
            seq = 0
            while chunk := handle.read(part_bytes):
                db.session.execute(insert(JobFilePart).values(file_id=file_id, seq=seq, data=chunk))
                seq += 1
    db.session.commit()
    return 1


class Heartbeat:
    """Renews the run's lease on its job from a thread of its own while the job works."""

    def __init__(self, run: JobRun) -> None:
        self.run = run
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)
        self.engine = db.engine

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def _beat(self) -> None:
        interval = self.run.lease.total_seconds() / 3
        while not self.done.wait(interval):
            renewed = _mine(self.run.job_id, self.run.token).values(
                lease_until=utcnow() + self.run.lease
            )
            try:
                with self.engine.begin() as connection:
                    self.run.lost = self.run.lost or connection.execute(renewed).rowcount != 1
            except Exception:  # a missed renewal is retried; the lease has slack
                logger.warning("Job %s: lease not renewed", self.run.job_id, exc_info=True)


def forget_expired_jobs(stop: threading.Event | None = None) -> int:
    """Delete finished jobs, and their files, whose time is up (a job of the scheduler)."""
    return services.forget_expired(utcnow())
