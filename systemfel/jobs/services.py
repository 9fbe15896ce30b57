"""Verbs on background jobs: ask for one, find the ones a user may see, forget expired ones.

Never commit; the view, or the scheduler's job, does.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from systemfel.auth.domain import Role
from systemfel.auth.models import User
from systemfel.extensions import db
from systemfel.jobs import domain
from systemfel.jobs.domain import JobState
from systemfel.jobs.models import Job, JobFile, JobFilePart
from systemfel.verksamheter.scope import Scope


def start(
    *,
    kind: str,
    params: dict[str, Any],
    user: User,
    scope: Scope,
    title: str,
    title_args: dict[str, Any] | None = None,
) -> Job:
    """Ask for a job; the same request while one waits or runs gives that job, not a second.

    The active key is unique, so two requests at the same moment give one job too: the
    second insert is refused and the first one's job is returned.
    """
    key = domain.request_key(kind, params, user.id)
    running = _active(key)
    if running is not None:
        return running
    job = Job(
        kind=kind,
        params=params,
        title=title,
        title_args=title_args or {},
        user_id=user.id,
        verksamhet_ids=None if scope.verksamhet_ids is None else sorted(scope.verksamhet_ids),
        request_key=key,
        active_key=key,
    )
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        running = _active(key)
        if running is None:  # finished in between: ask again
            raise
        return running
    return job


def _active(key: str) -> Job | None:
    return db.session.scalar(select(Job).where(Job.active_key == key))


def latest(*, kind: str, params: dict[str, Any], user: User) -> Job | None:
    """The user's newest job for this request (running or finished), if any is kept."""
    key = domain.request_key(kind, params, user.id)
    return db.session.scalar(
        select(Job).where(Job.request_key == key).order_by(Job.id.desc()).limit(1)
    )


def visible(job_id: int, user: User) -> Job | None:
    """The job if the user may see it (theirs, or any to an administrator), else None."""
    job = db.session.get(Job, job_id)
    if job is None:
        return None
    if not domain.may_see(owner_id=job.user_id, user_id=user.id, is_admin=user.role == Role.ADMIN):
        return None
    return job


def jobs_of(user: User) -> list[Job]:
    """The user's jobs, newest first (an administrator's own too, not everyone's)."""
    return list(
        db.session.scalars(
            select(Job).where(Job.user_id == user.id).order_by(Job.id.desc()).limit(100)
        )
    )


def file_parts(file_id: int) -> Iterator[bytes]:
    """The bytes of a result file, part after part, each read by a query of its own."""
    seq = 0
    while True:
        data = db.session.scalar(
            select(JobFilePart.data).where(JobFilePart.file_id == file_id, JobFilePart.seq == seq)
        )
        if data is None:
            return
        yield data
        seq += 1


def job_file(job: Job, file_id: int) -> JobFile | None:
    """One of the job's files by id, or None."""
    return next((f for f in job.files if f.id == file_id), None)


def forget_expired(now: datetime) -> int:
    """Delete finished jobs past their time, with their files; return how many."""
    expired = list(
        db.session.scalars(
            select(Job.id).where(
                Job.state.in_([JobState.DONE, JobState.FAILED]), Job.expires_at <= now
            )
        )
    )
    if expired:
        files = select(JobFile.id).where(JobFile.job_id.in_(expired))
        db.session.execute(delete(JobFilePart).where(JobFilePart.file_id.in_(files)))
        db.session.execute(delete(JobFile).where(JobFile.job_id.in_(expired)))
        db.session.execute(delete(Job).where(Job.id.in_(expired)))
    return len(expired)
