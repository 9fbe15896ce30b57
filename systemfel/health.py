"""Health checks for the municipality's monitoring: is the web up, can it serve, is mail moving.

`/healthz` answers as long as the process does. `/readyz` answers 503 when the database cannot
be reached; otherwise 200 with what monitoring should watch: whether sending is paused by a
fault in the SMTP settings, when the scheduler last ran, and how much mail waits or failed.
Neither page needs a login, and neither says more than states and counts.

`/readyz` also gives a fingerprint of the secret key, so that monitoring (or a person with
curl) can see that every web node behind the proxy signs with the same key: a node with
another key takes no session and no form from the others. The fingerprint is an HMAC of a
fixed text under the key: like every signed session cookie the app hands out, it lets no one
work the key out, only check a guess of it, so the key must be random (production refuses a
short one).
"""

import hashlib
import hmac
from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from systemfel.dbtypes import utcnow
from systemfel.extensions import csrf, db
from systemfel.notifications.domain import OutboxStatus
from systemfel.notifications.models import OutboxMessage, SenderState

blueprint = Blueprint("health", __name__)
csrf.exempt(blueprint)


@blueprint.route("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@blueprint.route("/readyz")
def readyz():
    """The database answers; the state of sending, for monitoring to alert on."""
    try:
        db.session.execute(text("SELECT 1"))
        mail = _mail_state()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok", mail=mail, secret_key=key_fingerprint())


def key_fingerprint() -> str:
    """The same short text on every node that has the same SECRET_KEY, another otherwise."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"systemfel: the nodes share a key", hashlib.sha256).hexdigest()[:12]


def _mail_state() -> dict[str, object]:
    now = utcnow()
    state = db.session.get(SenderState, 1)
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
            .group_by(OutboxMessage.status)
        ).all()
    )
    # The sender runs every SCHEDULER_OUTBOX_SECONDS: three missed runs and it is not running.
    expected = timedelta(seconds=3 * current_app.config["SCHEDULER_OUTBOX_SECONDS"] + 60)
    last_run = state.last_run_at if state else None
    return {
        "sending": "paused" if state and state.paused_since else "ok",
        "paused_since": state.paused_since.isoformat() if state and state.paused_since else None,
        "scheduler": "ok" if last_run and now - last_run <= expected else "not running",
        "scheduler_last_run": last_run.isoformat() if last_run else None,
        "pending": counts.get(OutboxStatus.PENDING, 0),
        "failed": counts.get(OutboxStatus.FAILED, 0),
    }
