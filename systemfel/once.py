"""One-time forms: a form that creates something is saved once, however often it is sent.

Each such form carries a new random token (`SubmittedOnce.submission`). Before the view saves,
it claims the token in its own committed transaction; a second send of the same form — a
reload, a double click, two requests at the same moment — finds the token claimed (the unique
key settles a race) and is sent where the first one went instead of saving again. A refused
save gives its claim back, so the user can correct the same form and send it again.
"""

from datetime import datetime, timedelta
from threading import Event

import sqlalchemy as sa
from flask import flash, redirect, request
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response

from systemfel.dbtypes import UTCDateTime, rows_changed, utcnow
from systemfel.extensions import Model, db

# Tokens are kept this long; a form left open longer is simply saved (a new token each time).
KEPT = timedelta(days=7)


class FormSubmission(Model):
    """A one-time form's token, claimed by its first send, and where that send led."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE")
    )
    target: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<FormSubmission {self.token[:6]}… {self.target}>"


def claim(form: FlaskForm, user_id: int) -> Response | None:
    """Claim the form's token; if an earlier send has it, return where to go instead."""
    token = form.submission.data
    if not token:
        return None
    try:
        db.session.add(FormSubmission(token=token[:64], user_id=user_id))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _already_sent(token[:64], user_id)
    return None


def _already_sent(token: str, user_id: int) -> Response:
    earlier = db.session.scalar(
        sa.select(FormSubmission.target).where(
            FormSubmission.token == token, FormSubmission.user_id == user_id
        )
    )
    flash(gettext("Det här var redan sparat. Inget sparades en gång till."), "info")
    return redirect(earlier or request.full_path)


def release(form: FlaskForm) -> None:
    """The save was refused: give the token back, so the corrected form can be sent."""
    token = form.submission.data
    if token:
        db.session.execute(
            sa.delete(FormSubmission).where(
                FormSubmission.token == token[:64], FormSubmission.target.is_(None)
            )
        )
        db.session.commit()


def saved(form: FlaskForm, target: str) -> Response:
    """The save went through: remember where it led, and go there."""
    token = form.submission.data
    if token:
        db.session.execute(
            sa.update(FormSubmission)
            .where(FormSubmission.token == token[:64])
            .values(target=target)
        )
        db.session.commit()
    return redirect(target)


def forget_old(now: datetime | None = None, stop: Event | None = None) -> int:
    """Remove tokens older than KEPT; return how many.

    A scheduler job: one statement, so `stop` has nothing to wait for.
    """
    cutoff = (now or utcnow()) - KEPT
    removed = rows_changed(sa.delete(FormSubmission).where(FormSubmission.created_at < cutoff))
    return removed or 0
