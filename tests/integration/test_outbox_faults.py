"""The outbox through the faults a mail system gives, against a real SMTP server on loopback.

Temporary is temporary (4xx and 421 at every stage are retried), 5xx is permanent per
recipient, a fault in our own settings pauses sending instead of failing mail, a sender only
records what it still holds, and reminders wait for office hours at delivery.
"""

import socket
import threading
import time
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from systemfel.extensions import db
from systemfel.notifications import jobs, services
from systemfel.notifications.domain import MailKind, OutboxStatus
from systemfel.notifications.jobs import send_due_messages
from systemfel.notifications.models import OutboxMessage, SenderState
from tests.faultsmtp import SmtpServer
from tests.integration.conftest import T0, at, send_to

A, B, C = "a@fk.example", "b@fk.example", "c@fk.example"


def enqueue(key: str, to: list[str], office_hours_only: bool = False, now=T0) -> None:
    services.enqueue(
        key=key,
        to=to,
        subject=key,
        template="digest",
        context={"user": {"namn": "Olle"}, "items": [], "today": date(2026, 11, 2)},
        now=now,
        office_hours_only=office_hours_only,
    )
    db.session.commit()


def row(key: str) -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def drain(start, hours: float = 4):
    """Run the sender at every due moment from `start` until nothing is pending."""
    now, end = start, start + timedelta(hours=hours)
    while now < end:
        send_due_messages(now=now)
        db.session.expire_all()
        due = db.session.scalar(
            select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .order_by(OutboxMessage.next_attempt_at)
            .limit(1)
        )
        if due is None:
            return now
        now = max(due, now)
    raise AssertionError("the outbox did not drain")


def once(replies: list[str]):
    """A fault that gives these replies in turn, then lets everything through."""
    left = list(replies)
    return lambda *_args: left.pop(0) if left else None


# --- Temporary is temporary -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "reply"),
    [
        ("at_mail", "451 4.3.0 Mail server temporarily rejected message"),
        ("at_mail", "421 4.7.0 Try again later, closing connection"),
        ("at_rcpt", "450 4.2.0 Greylisted, please try again later"),
        ("at_rcpt", "452 4.2.2 Mailbox full"),
        ("at_data", "451 4.3.0 Temporary local problem"),
        ("at_data", "421 4.3.0 Shutting down"),
    ],
)
def test_a_4xx_at_any_stage_is_retried_and_delivered_once(scene, smtp_server, stage, reply):
    enqueue("note:1", [A])
    setattr(smtp_server.inbox, stage, once([reply]))

    assert send_due_messages(now=T0) == 0
    first = row("note:1")
    assert (first.status, first.attempts, first.refused) == (OutboxStatus.PENDING, 1, {})
    assert reply.split()[0] in first.last_error

    drain(T0)
    assert row("note:1").status == OutboxStatus.SENT
    assert smtp_server.deliveries() == {("<note.1@systemfel.invalid>", A): 1}


def test_a_421_greeting_is_retried(scene, smtp_server, app, monkeypatch):
    """A server that answers the connection itself with 421 (not aiosmtpd's way: a raw one)."""
    busy = BusyServer()
    monkeypatch.setitem(app.config, "SMTP_PORT", busy.port)
    enqueue("note:1", [A])
    assert send_due_messages(now=T0) == 0
    assert "421" in row("note:1").last_error
    assert row("note:1").status == OutboxStatus.PENDING
    busy.close()
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)
    drain(T0)
    assert smtp_server.deliveries() == {("<note.1@systemfel.invalid>", A): 1}


class BusyServer:
    """Accepts connections and answers each with 421 before hanging up."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                connection.sendall(b"421 4.3.2 Too busy, try later\r\n")

    def close(self) -> None:
        self.listener.close()


def test_greylisting_every_tenth_recipient_loses_nothing_and_repeats_nothing(scene, smtp_server):
    """Measured from outside: a 450 at RCPT for every 10th recipient lost 140 of 1,400."""
    addresses = [f"mottagare{n}@kommun.example" for n in range(30)]
    for n in range(10):
        enqueue(f"note:{n}", addresses[3 * n : 3 * n + 3])
    greylisted = {address for n, address in enumerate(addresses) if n % 10 == 0}
    seen: set[str] = set()

    def greylist(address: str) -> str | None:
        if address in greylisted and address not in seen:
            seen.add(address)
            return "450 4.2.0 Greylisted, please try again later"
        return None

    smtp_server.inbox.at_rcpt = greylist
    drain(T0)

    expected = {(f"<note.{n // 3}@systemfel.invalid>", a) for n, a in enumerate(addresses)}
    assert set(smtp_server.deliveries()) == expected
    assert set(smtp_server.deliveries().values()) == {1}
    assert {row(f"note:{n}").status for n in range(10)} == {OutboxStatus.SENT}


# --- 5xx is permanent, per recipient --------------------------------------------------------


def test_a_550_for_one_of_three_delivers_to_the_others_once_and_says_so(scene, smtp_server):
    enqueue("note:1", [A, B, C])
    smtp_server.inbox.at_rcpt = lambda a: "550 5.1.1 No such user" if a == B else None

    assert send_due_messages(now=T0) == 0  # not fully sent
    message = row("note:1")
    assert message.status == OutboxStatus.PARTLY
    assert message.delivered == [A, C]
    assert message.refused == {B: "550 5.1.1 No such user"}
    assert drain(T0 + timedelta(minutes=1)) == T0 + timedelta(minutes=1)  # nothing left to try
    assert smtp_server.deliveries() == {
        ("<note.1@systemfel.invalid>", A): 1,
        ("<note.1@systemfel.invalid>", C): 1,
    }

    smtp_server.inbox.at_rcpt = lambda a: None
    services.resend(message=row("note:1"), now=T0 + timedelta(hours=1))
    db.session.commit()
    drain(T0 + timedelta(hours=1))
    assert smtp_server.deliveries()[("<note.1@systemfel.invalid>", B)] == 1
    assert smtp_server.deliveries()[("<note.1@systemfel.invalid>", A)] == 1  # not again
    assert row("note:1").status == OutboxStatus.SENT


def test_one_recipient_refused_for_now_and_one_for_good(scene, smtp_server):
    enqueue("note:1", [A, B, C])
    replies = {A: once(["451 4.7.1 Try again"]), B: lambda: "550 5.7.1 Refused"}
    smtp_server.inbox.at_rcpt = lambda a: replies[a]() if a in replies else None

    send_due_messages(now=T0)
    message = row("note:1")
    assert (message.status, message.delivered, list(message.refused)) == (
        OutboxStatus.PENDING,
        [C],
        [B],
    )
    drain(T0)
    message = row("note:1")
    assert (message.status, message.delivered) == (OutboxStatus.PARTLY, [C, A])
    assert sorted(smtp_server.deliveries().values()) == [1, 1]


def test_a_5xx_after_data_fails_the_message_for_those_it_was_for(scene, smtp_server):
    enqueue("note:1", [A, B])
    smtp_server.inbox.at_data = once(["554 5.6.0 Message content rejected"])
    send_due_messages(now=T0)
    message = row("note:1")
    assert message.status == OutboxStatus.FAILED
    assert message.refused == dict.fromkeys([A, B], "554 5.6.0 Message content rejected")
    assert message.sent_at is None


# --- Faults in our own settings pause sending -----------------------------------------------


@pytest.fixture
def locked_server(app, monkeypatch):
    """An SMTP server that wants a login ("systemfel" / "rätt-lösenord")."""
    server = SmtpServer(password="rätt-lösenord")
    server.start()
    send_to(server, app, monkeypatch, username="systemfel", password="fel-lösenord")
    yield server
    server.stop()


def test_a_wrong_password_pauses_sending_and_fails_nothing(scene, locked_server, app, monkeypatch):
    for n in range(5):
        enqueue(f"note:{n}", [A])

    for minutes in range(0, 300, 30):  # five hours of a wrong password
        assert send_due_messages(now=T0 + timedelta(minutes=minutes)) == 0
    messages = [row(f"note:{n}") for n in range(5)]
    assert {(m.status, m.attempts, m.claim_token) for m in messages} == {
        (OutboxStatus.PENDING, 0, None)
    }
    state = db.session.get(SenderState, 1)
    assert state.paused_since == T0
    assert "535" in state.pause_reason

    monkeypatch.setitem(app.config, "SMTP_PASSWORD", "rätt-lösenord")
    assert send_due_messages(now=T0 + timedelta(hours=5)) == 5  # resumes by itself
    db.session.expire_all()
    assert db.session.get(SenderState, 1).paused_since is None
    assert len(locked_server.received) == 5


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("SMTP_SECURITY", "starttls", "STARTTLS"),  # the server offers no TLS
        ("SMTP_SECURITY", "ssl", "SSL"),  # TLS spoken to a plain server
    ],
)
def test_tls_that_cannot_be_set_up_pauses_sending(
    scene, smtp_server, app, monkeypatch, setting, value, reason
):
    monkeypatch.setitem(app.config, setting, value)
    enqueue("note:1", [A])
    assert send_due_messages(now=T0) == 0
    assert (row("note:1").status, row("note:1").attempts) == (OutboxStatus.PENDING, 0)
    assert reason in db.session.get(SenderState, 1).pause_reason.upper()


def test_a_sender_address_the_server_refuses_pauses_sending(scene, smtp_server):
    enqueue("note:1", [A])
    smtp_server.inbox.at_mail = lambda sender: "553 5.7.1 Sender address rejected"
    assert send_due_messages(now=T0) == 0
    assert (row("note:1").status, row("note:1").attempts) == (OutboxStatus.PENDING, 0)
    assert "553" in db.session.get(SenderState, 1).pause_reason


# --- Exactly once as far as SMTP allows -----------------------------------------------------


def test_a_connection_lost_after_data_sends_again_with_the_same_message_id(scene, smtp_server):
    """The one case SMTP cannot settle: the server took it, the sender never heard so."""
    for n in range(3):
        enqueue(f"note:{n}", [A])
    dropped: set[str] = set()

    def drop_first_time(message_id: str) -> bool:
        if message_id == "<note.1@systemfel.invalid>" and message_id not in dropped:
            dropped.add(message_id)
            return True
        return False

    smtp_server.inbox.drop_after_data = drop_first_time
    drain(T0)
    assert smtp_server.deliveries() == {
        ("<note.0@systemfel.invalid>", A): 1,
        ("<note.1@systemfel.invalid>", A): 2,  # the repeat, recognisable by its Message-ID
        ("<note.2@systemfel.invalid>", A): 1,
    }


def test_a_server_slower_than_the_command_timeout_gets_each_message_once(
    scene, smtp_server, app, monkeypatch
):
    """Measured from outside: 53 duplicates when SMTP took longer than SMTP_TIMEOUT_SECONDS."""
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT_SECONDS", 0.2)
    smtp_server.inbox.data_delay = 0.6
    for n in range(3):
        enqueue(f"note:{n}", [A])
    assert send_due_messages(now=T0) == 3
    assert set(smtp_server.deliveries().values()) == {1}


def test_a_sender_whose_lease_is_renewed_keeps_the_message_from_a_second_sender(
    app, scene, smtp_server, monkeypatch
):
    """Measured from outside: a second sender took over a batch longer than 10 minutes."""
    monkeypatch.setitem(app.config, "OUTBOX_LEASE_SECONDS", 0.6)
    smtp_server.inbox.data_delay = 2.0  # three leases long
    enqueue("note:1", [A])
    db.session.remove()
    first = threading.Thread(target=run_sender, args=(app,))
    first.start()
    time.sleep(1.2)  # the first sender is mid-DATA, two leases after its claim
    with app.app_context():
        assert send_due_messages() == 0  # finds it claimed, with a live lease
        db.session.remove()
    first.join(timeout=10)
    assert smtp_server.deliveries() == {("<note.1@systemfel.invalid>", A): 1}
    assert row("note:1").status == OutboxStatus.SENT


def run_sender(app) -> None:
    with app.app_context():
        send_due_messages()
        db.session.remove()


def test_a_sender_that_lost_its_claim_neither_sends_nor_records(scene, smtp_server, monkeypatch):
    enqueue("note:1", [A])
    real = jobs.Heartbeat.check

    def taken_over(heartbeat):
        # Just before DATA, another sender has taken the message over.
        with db.engine.begin() as connection:
            connection.execute(update(OutboxMessage).values(claim_token="someone-else"))
        return real(heartbeat)

    monkeypatch.setattr(jobs.Heartbeat, "check", taken_over)
    assert send_due_messages(now=T0) == 0
    assert smtp_server.received == []
    message = row("note:1")
    assert (message.status, message.claim_token, message.attempts) == (
        OutboxStatus.SENDING,
        "someone-else",
        0,
    )


# --- Office hours hold at delivery ----------------------------------------------------------

FRIDAY = date(2026, 12, 4)
MONDAY = date(2026, 12, 7)


def test_a_reminder_not_delivered_by_17_waits_for_the_next_working_days_08(scene, smtp_server):
    """Measured from outside: written 16:55, SMTP back 17:31, delivered 17:35–18:01."""
    enqueue("paminnelse:1:1", [A], office_hours_only=True, now=at(FRIDAY, 16, 55))
    enqueue("kontakt:1", [B], now=at(FRIDAY, 16, 55))  # asked for now: not held
    smtp_server.stop()
    send_due_messages(now=at(FRIDAY, 16, 55))
    smtp_server.start()

    send_due_messages(now=at(FRIDAY, 17, 35))
    assert [r.rcpt_tos for r in smtp_server.received] == [[B]]
    assert row("paminnelse:1:1").next_attempt_at == at(MONDAY, 8)
    assert send_due_messages(now=at(MONDAY, 7, 59)) == 0
    assert send_due_messages(now=at(MONDAY, 8)) == 1
    assert len(smtp_server.with_key("paminnelse:1:1")) == 1


# --- Bulk retry ----------------------------------------------------------------------------


def test_failed_messages_are_retried_in_bulk_by_kind_or_recipient(scene, smtp_server):
    enqueue("paminnelse:1:1", [A])
    enqueue("paminnelse:2:1", [B])
    enqueue("digest:1:2026-11-02", [A])
    smtp_server.inbox.refuse = "550 5.1.1 Mailbox unavailable"
    send_due_messages(now=T0)
    assert {row(k).status for k in ["paminnelse:1:1", "paminnelse:2:1"]} == {OutboxStatus.FAILED}

    assert services.resend_failed(kind=MailKind.PAMINNELSE, recipient=B.upper(), now=T0) == 1
    assert services.resend_failed(kind=MailKind.DIGEST, now=T0) == 1
    db.session.commit()
    assert row("paminnelse:1:1").status == OutboxStatus.FAILED
    assert {row(k).status for k in ["paminnelse:2:1", "digest:1:2026-11-02"]} == {
        OutboxStatus.PENDING
    }
    assert services.resend_failed(now=T0) == 1
    db.session.commit()
    smtp_server.inbox.refuse = None
    drain(T0)
    assert sorted(smtp_server.deliveries().values()) == [1, 1, 1]


# --- Any fault plan -------------------------------------------------------------------------

REPLIES = st.sampled_from(
    [None, None, "421 4.3.0 Closing", "450 4.2.0 Later", "451 4.3.0 Later", "550 5.1.1 No"]
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    plan=st.lists(st.tuples(st.sampled_from(["at_rcpt", "at_data"]), REPLIES), max_size=8),
    drops=st.lists(st.booleans(), max_size=3),
)
def test_any_fault_plan_ends_with_each_recipient_delivered_or_refused(
    scene, smtp_server, plan, drops
):
    """Whatever the server says, in whatever order: nothing is lost, repeats only after a drop."""
    db.session.execute(OutboxMessage.__table__.delete())
    smtp_server.inbox.received.clear()
    enqueue("note:p", [A, B])
    faults = {"at_rcpt": [], "at_data": []}
    for stage, reply in plan:
        faults[stage].append(reply)
    smtp_server.inbox.at_rcpt = lambda _a: faults["at_rcpt"].pop(0) if faults["at_rcpt"] else None
    smtp_server.inbox.at_data = lambda _m: faults["at_data"].pop(0) if faults["at_data"] else None
    left_drops = list(drops)
    smtp_server.inbox.drop_after_data = lambda _m: left_drops.pop(0) if left_drops else False

    drain(T0, hours=80)

    message = row("note:p")
    assert set(message.delivered) | set(message.refused) == {A, B}
    assert not set(message.delivered) & set(message.refused)
    got = smtp_server.deliveries()
    for address in message.delivered:
        assert 1 <= got[("<note.p@systemfel.invalid>", address)] <= 1 + sum(drops)
    for address in message.refused:
        assert got[("<note.p@systemfel.invalid>", address)] <= sum(drops)
    if not message.refused:
        assert message.status == OutboxStatus.SENT
    else:
        assert message.status == (OutboxStatus.PARTLY if message.delivered else OutboxStatus.FAILED)
