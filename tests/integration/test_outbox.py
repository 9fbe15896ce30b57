"""The outbox against a real SMTP server: delivered once, retried through an outage, failed
for good on a 5xx, re-sent on request, written to files without SMTP, expired leases released.

Faults at every SMTP stage are in test_outbox_faults.py."""

import email
import email.policy
import re
from datetime import date, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select, update

from systemfel.extensions import db
from systemfel.followups.services import find_by_token
from systemfel.notifications import services
from systemfel.notifications.domain import OutboxStatus
from systemfel.notifications.jobs import send_due_messages
from systemfel.notifications.models import OutboxMessage
from tests.integration.conftest import MAIL_FROM_ADDRESS, MAILBOX, T0, count

TOKEN = re.compile(r"/svar/([A-Za-z0-9_-]+)")


def enqueue_note(key: str, user, to: list[str] | None = None) -> OutboxMessage | None:
    """A small real e-mail (the digest template with nothing in it)."""
    return services.enqueue(
        key=key,
        to=to or [user.email],
        subject=f"Systemfel: {key}",
        template="digest",
        context={"user": user, "items": [], "today": date(2026, 11, 2)},
        now=T0,
    )


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_request_is_delivered_exactly_once_as_written(scene, smtp_server):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    written = rows()[0].body_text
    sent_at = T0 + timedelta(minutes=1)

    with time_machine.travel(sent_at, tick=False):
        assert send_due_messages() == 1
        assert send_due_messages() == 0

    [got] = smtp_server.received
    assert got.mail_from == MAIL_FROM_ADDRESS
    assert got.rcpt_tos == [MAILBOX]
    assert got.message["To"] == MAILBOX
    assert got.message["From"] == "PO Bevakning via Systemfel <noreply@systemfel.invalid>"
    # The verksamhet has no mailbox of its own yet: replies reach the ombud who wrote.
    assert got.message["Reply-To"] == "ombud1@bevakning.example"
    assert got.message["Subject"] == "Uppmärksammad brist: Beslut saknar motivering"
    # On MAIL_FROM's domain (MAIL_DOMAIN is not set), whatever BASE_URL is.
    assert got.message["Message-ID"] == f"<kontakt.{kontakt.id}@systemfel.invalid>"
    assert got.message["Date"].datetime == sent_at
    assert got.body.strip() == written.strip()
    assert "senast 2026-11-30" in got.body
    [token] = TOKEN.findall(got.body)
    assert find_by_token(token, now=sent_at) == kontakt
    [row] = rows()
    assert token not in row.body_text + (row.body_html or "")  # scrubbed once sent
    assert (row.status, row.attempts, row.sent_at, row.claim_token, row.lease_until) == (
        OutboxStatus.SENT,
        1,
        sent_at,
        None,
        None,
    )
    assert row.delivered == [MAILBOX]


def test_the_same_key_is_written_once(scene):
    assert enqueue_note("note:1", scene.ombud) is not None
    assert enqueue_note("note:1", scene.ombud) is None  # same transaction
    db.session.commit()
    assert enqueue_note("note:1", scene.ombud, to=["someone@else.example"]) is None
    db.session.commit()
    [row] = rows()
    assert (row.idempotency_key, row.recipients) == ("note:1", [scene.ombud.email])


def test_an_outage_delays_delivery_and_loses_nothing(scene, smtp_server):
    keys = [f"note:{n}" for n in range(5)]
    for key in keys:
        enqueue_note(key, scene.ombud)
    db.session.commit()
    smtp_server.stop()

    with time_machine.travel(T0, tick=False):
        assert send_due_messages() == 0
    for row in rows():
        assert (row.status, row.attempts, row.claim_token) == (OutboxStatus.PENDING, 1, None)
        assert row.next_attempt_at == T0 + timedelta(minutes=1)  # backoff after attempt 1
        assert row.first_failure_at == T0
        assert "ConnectionRefusedError" in row.last_error

    smtp_server.start()
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert send_due_messages() == 0  # still waiting out the backoff
    assert smtp_server.received == []
    assert {row.attempts for row in rows()} == {1}

    with time_machine.travel(T0 + timedelta(minutes=1, seconds=1), tick=False):
        assert send_due_messages() == 5
        assert send_due_messages() == 0
    assert len(smtp_server.received) == 5
    for key in keys:
        assert len(smtp_server.with_key(key)) == 1, key
    assert {(row.status, row.attempts) for row in rows()} == {(OutboxStatus.SENT, 2)}


def test_a_long_outage_is_waited_out_an_hour_apart_and_only_then_fails(scene, smtp_server):
    enqueue_note("note:1", scene.ombud)
    db.session.commit()
    smtp_server.stop()

    moments, now = [], T0
    while rows()[0].status == OutboxStatus.PENDING:
        moments.append(now)
        send_due_messages(now=now)
        now = rows()[0].next_attempt_at or now
    [row] = rows()
    waits = [later - earlier for earlier, later in zip(moments, moments[1:], strict=False)]
    assert waits[:7] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]
    assert set(waits[6:]) == {timedelta(hours=1)}  # never longer apart than an hour
    assert moments[-1] - T0 >= timedelta(hours=72)  # three days of trying (the default)
    assert moments[-1] - T0 < timedelta(hours=73)
    assert row.status == OutboxStatus.FAILED
    assert "gav upp efter 72 timmar" in row.refused[scene.ombud.email]
    smtp_server.start()
    assert send_due_messages(now=now + timedelta(days=1)) == 0
    assert smtp_server.received == []


def test_two_and_a_half_hours_of_outage_lose_nothing(scene, smtp_server):
    """Measured from outside: all queued reminders ended failed after 8 attempts (≈ 2 h)."""
    keys = [f"note:{n}" for n in range(20)]
    for key in keys:
        enqueue_note(key, scene.ombud)
    db.session.commit()
    smtp_server.stop()
    now = T0
    while now < T0 + timedelta(hours=2, minutes=30):
        send_due_messages(now=now)
        now += timedelta(minutes=5)
    assert {row.status for row in rows()} == {OutboxStatus.PENDING}

    smtp_server.start()
    send_due_messages(now=now + timedelta(hours=1))
    assert {row.status for row in rows()} == {OutboxStatus.SENT}
    assert sorted(smtp_server.deliveries().values()) == [1] * 20


def test_a_temporary_refusal_is_retried(scene, smtp_server):
    enqueue_note("note:1", scene.ombud)
    db.session.commit()
    smtp_server.inbox.refuse = "451 4.3.0 Try again later"

    assert send_due_messages(now=T0) == 0
    [row] = rows()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert row.next_attempt_at == T0 + timedelta(minutes=1)

    smtp_server.inbox.refuse = None
    assert send_due_messages(now=T0 + timedelta(minutes=1)) == 1
    assert len(smtp_server.with_key("note:1")) == 1


def test_a_permanent_refusal_fails_at_once_and_resend_delivers(scene, smtp_server):
    enqueue_note("note:1", scene.ombud)
    db.session.commit()
    smtp_server.inbox.refuse = "550 5.1.1 Mailbox unavailable"

    assert send_due_messages(now=T0) == 0
    [row] = rows()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert "550" in row.last_error
    assert send_due_messages(now=T0 + timedelta(days=1)) == 0
    assert rows()[0].attempts == 1  # failed for good: not tried again

    smtp_server.inbox.refuse = None
    resent_at = T0 + timedelta(days=1, hours=1)
    services.resend(message=rows()[0], now=resent_at)
    db.session.commit()
    [row] = rows()
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == (
        OutboxStatus.PENDING,
        0,
        "",
        resent_at,
    )
    assert send_due_messages(now=resent_at) == 1
    assert len(smtp_server.with_key("note:1")) == 1
    assert (rows()[0].status, rows()[0].attempts) == (OutboxStatus.SENT, 1)


def test_without_an_smtp_host_mails_are_written_to_the_instance_folder(
    scene, app, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    written = rows()[0].body_text

    assert send_due_messages(now=T0) == 1
    [row] = rows()
    files = list((Path(tmp_path) / "mail").iterdir())
    assert [f.name for f in files] == [f"{row.id:08d}.eml"]
    mail = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert mail["To"] == MAILBOX
    assert mail["Subject"] == "Uppmärksammad brist: Beslut saknar motivering"
    assert mail["Message-ID"] == f"<kontakt.{kontakt.id}@systemfel.invalid>"
    assert mail.get_body(("plain",)).get_content().strip() == written.strip()
    assert row.status == OutboxStatus.SENT


def test_an_expired_lease_is_released_and_a_live_one_is_left_alone(scene, smtp_server):
    enqueue_note("note:stale", scene.ombud)
    enqueue_note("note:fresh", scene.ombud)
    db.session.commit()
    now = T0 + timedelta(hours=1)
    for key, lease_until in [
        ("note:stale", now - timedelta(seconds=1)),
        ("note:fresh", now + timedelta(seconds=30)),
    ]:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key == key)
            .values(status=OutboxStatus.SENDING, claim_token="dead", lease_until=lease_until)
        )
    db.session.commit()

    assert send_due_messages(now=now) == 1
    assert len(smtp_server.with_key("note:stale")) == 1
    assert smtp_server.with_key("note:fresh") == []
    states = {row.idempotency_key: row.status for row in rows()}
    assert states == {"note:stale": OutboxStatus.SENT, "note:fresh": OutboxStatus.SENDING}
    assert count(OutboxMessage) == 2


def test_a_repeated_delivery_carries_the_same_message_id(scene, smtp_server):
    enqueue_note("note:1", scene.ombud)
    db.session.commit()
    assert send_due_messages(now=T0) == 1
    # The sender dies after the server took the message but before 'sent' was committed:
    # the row is still claimed, and once the lease has run out it is delivered again.
    db.session.execute(
        update(OutboxMessage).values(
            status=OutboxStatus.SENDING,
            claim_token="dead",
            lease_until=T0,
            sent_at=None,
            delivered_to="",
        )
    )
    db.session.commit()
    assert send_due_messages(now=T0 + timedelta(minutes=1)) == 1

    first, second = smtp_server.with_key("note:1")
    assert first.message["Message-ID"] == second.message["Message-ID"]


def test_attachments_arrive_as_files_beside_the_text(scene, smtp_server):
    """An agenda goes out with its calendar invitation and document attached."""
    invitation = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    services.enqueue(
        key="agenda:test",
        to=[scene.ombud.email],
        subject="Dagordning",
        template="digest",
        context={"user": scene.ombud, "items": [], "today": date(2026, 11, 2)},
        now=T0,
        attachments=[
            ("kallelse.ics", "text/calendar; method=REQUEST", invitation),
            ("dagordning.docx", "application/octet-stream", b"\x00\x01binary"),
        ],
    )
    db.session.commit()
    assert send_due_messages(now=T0) == 1
    [received] = smtp_server.with_key("agenda:test")
    parts = {part.get_filename(): part for part in received.message.iter_attachments()}
    assert parts["kallelse.ics"].get_content_type() == "text/calendar"
    assert parts["kallelse.ics"].get_param("method") == "REQUEST"
    assert parts["kallelse.ics"].get_payload(decode=True) == invitation
    assert parts["dagordning.docx"].get_payload(decode=True) == b"\x00\x01binary"
    assert "Hej Olle Ombud" in received.message.get_body(("plain",)).get_content()
