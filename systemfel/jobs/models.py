"""Background jobs and their result files, kept in the database so any web node serves them."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from systemfel.auth.models import User
from systemfel.dbtypes import UTCDateTime, text_enum, utcnow
from systemfel.extensions import Model
from systemfel.jobs.domain import WAITING_STEP, JobState


class Job(Model):
    """One piece of heavy work a user asked for: its kind, parameters, state and progress."""

    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    # What the user asked for, as an N_ text and its values, translated when shown.
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    title_args: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The verksamheter the user covered when asking (None: all); the job runs with the
    # user's scope as it is when it runs, and this says what was asked.
    verksamhet_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    # The request's key while the job waits or runs, NULL once finished: unique, so the same
    # request asked twice at once gives one job.
    active_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    request_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    state: Mapped[JobState] = mapped_column(text_enum(JobState), default=JobState.WAITING)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    # What it does now, as an N_ text translated when shown.
    step: Mapped[str] = mapped_column(sa.String(200), default=WAITING_STEP)
    # Why it failed, as an N_ text; never a trace (that goes to the scheduler's log).
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()
    files: Mapped[list["JobFile"]] = relationship(
        back_populates="job", order_by="JobFile.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state.value}>"


class JobFile(Model):
    """One file a job made; its bytes are in parts, so a download never holds it all."""

    __tablename__ = "job_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("job.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    mimetype: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    job: Mapped[Job] = relationship(back_populates="files")

    def __repr__(self) -> str:
        return f"<JobFile {self.id} {self.name}>"


class JobFilePart(Model):
    """A slice of a result file's bytes, in order."""

    __tablename__ = "job_file_part"

    file_id: Mapped[int] = mapped_column(
        sa.ForeignKey("job_file.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)

    def __repr__(self) -> str:
        return f"<JobFilePart {self.file_id}:{self.seq}>"
