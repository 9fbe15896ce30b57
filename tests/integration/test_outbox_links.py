"""Answer links in the outbox: the token is removed from the stored message once the message
is final — sent, failed for good or partly delivered — and a message that lost its link is
not sent again (it would carry a dead link); bulk re-sending leaves it and says so."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from systemfel.errors import ValidationError
from systemfel.extensions import db
from systemfel.notifications import services
from systemfel.notifications.domain import MailKind, OutboxStatus
from systemfel.notifications.jobs import send_due_messages
from systemfel.notifications.models import SECRET_REMOVED, OutboxMessage
from tests.integration.conftest import MAILBOX, T0

TOKEN = re.compile(r"/svar/([A-Za-z0-9_-]+)")
OTHER = "kansli@fk.example"


def request_row() -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key.like("kontakt:%"))
    )


def queued_request(scene) -> str:
    """E-mail the scene's request; return its answer token, read from the outbox."""
    scene.email_request(now=T0)
    db.session.commit()
    [token] = TOKEN.findall(request_row().body_text)
    return token


def assert_link_removed(token: str) -> None:
    row = request_row()
    assert token not in row.body_text + (row.body_html or "") + row.secret
    assert f"/svar/{SECRET_REMOVED}" in row.body_text
    assert row.secret_removed and not row.can_resend


def test_a_request_refused_for_good_keeps_no_token(scene, smtp_server):
    token = queued_request(scene)
    smtp_server.inbox.refuse = "550 5.1.1 Mailbox unavailable"

    send_due_messages(now=T0)

    assert request_row().status == OutboxStatus.FAILED
    assert_link_removed(token)


def test_a_request_that_fails_for_days_keeps_its_token_until_it_gives_up(scene, smtp_server, app):
    token = queued_request(scene)
    smtp_server.inbox.refuse = "451 4.3.0 Try again later"

    send_due_messages(now=T0)
    assert request_row().status == OutboxStatus.PENDING
    assert request_row().secret == token  # still needed for the next attempt

    give_up = T0 + timedelta(hours=app.config["OUTBOX_GIVE_UP_HOURS"], minutes=1)
    send_due_messages(now=give_up)
    assert request_row().status == OutboxStatus.FAILED
    assert_link_removed(token)


def test_a_request_partly_delivered_keeps_no_token(scene, smtp_server):
    scene.myndighet.epost = f"{MAILBOX}\n{OTHER}"
    token = queued_request(scene)
    smtp_server.inbox.at_rcpt = lambda a: "550 5.1.1 No such user" if a == OTHER else None

    send_due_messages(now=T0)

    row = request_row()
    assert (row.status, row.delivered) == (OutboxStatus.PARTLY, [MAILBOX])
    assert_link_removed(token)
    [got] = smtp_server.received
    assert f"/svar/{token}" in got.body  # the one who got it got a working link


def test_a_message_that_lost_its_link_is_not_sent_again(scene, smtp_server):
    scene.email_request(now=T0)
    services.enqueue(
        key="digest:1:2026-11-02",
        to=[MAILBOX],
        subject="Sammanställning",
        template="digest",
        context={"user": scene.ombud, "items": [], "today": T0.date()},
        now=T0,
    )
    db.session.commit()
    smtp_server.inbox.refuse = "550 5.1.1 Mailbox unavailable"
    send_due_messages(now=T0)

    with pytest.raises(ValidationError, match="Be ombudet skicka förfrågan"):
        services.resend(message=request_row(), now=T0)
    assert services.failed_without_link(kind=MailKind.KONTAKT) == 1
    assert services.failed_without_link(kind=MailKind.DIGEST) == 0
    assert services.resend_failed(now=T0) == 1  # the digest; the request is left alone
    assert services.failed_without_link() == 1
    db.session.commit()
    assert request_row().status == OutboxStatus.FAILED
    digest = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key.like("digest:%"))
    )
    assert digest.status == OutboxStatus.PENDING
