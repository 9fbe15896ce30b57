"""One letter per myndighet and period, on a real database: when it goes, what it lists, the
reminders it stands for, exactly once with two schedulers, and through a real SMTP server."""

import logging
import re
import threading
from datetime import date

from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.brister import services as brister_services
from systemfel.brister.domain import HandelseTyp, Utfall
from systemfel.brister.models import Brist, Handelse
from systemfel.extensions import db
from systemfel.followups import services
from systemfel.followups.domain import SvarTyp
from systemfel.followups.jobs import sweep_myndighet_paminnelser
from systemfel.followups.models import AnswerLink, Kontakt
from systemfel.followups.myndighetsbrev import sweep_myndighetsbrev
from systemfel.notifications.jobs import send_due_messages
from systemfel.notifications.models import SECRET_REMOVED, OutboxMessage
from systemfel.scheduler import JOBS, build
from systemfel.verksamheter.domain import Sammandrag
from systemfel.verksamheter.models import Myndighet
from tests import factories
from tests.integration.conftest import MAILBOX, T0, at, count, outbox_keys

TOKEN = re.compile(r"/svar/([A-Za-z0-9_-]+)")
NEXT_MONDAY = date(2026, 11, 9)  # the first letter after requests sent on T0 (Monday 2 Nov)
DEADLINE = date(2026, 11, 30)  # of a request sent at T0
OVERDUE_MONDAY = date(2026, 12, 7)  # the first letter after the first reminder fell due (1 Dec)


def letters_on(scene, kind: Sammandrag = Sammandrag.VECKOVIS) -> None:
    scene.myndighet.sammandrag = kind
    db.session.commit()


def letter(day: date, hour: int = 10, minute: int = 0) -> int:
    done = sweep_myndighetsbrev(now=at(day, hour, minute))
    db.session.expire_all()
    return done


def key(scene, period: str) -> str:
    return f"myndighetsbrev:{scene.myndighet.id}:{period}"


def message(key: str) -> OutboxMessage:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def paminnelser(brist: Brist) -> list[Handelse]:
    return list(
        db.session.scalars(
            select(Handelse)
            .where(Handelse.brist_id == brist.id, Handelse.typ == HandelseTyp.PAMINNELSE)
            .order_by(Handelse.id)
        )
    )


def test_the_letter_goes_on_the_periods_first_working_day_in_office_hours_once(scene):
    letters_on(scene)
    first = scene.email_request(now=T0)
    second = scene.email_request(brist=scene.new_brist(titel="Ingen når handläggaren"), now=T0)
    db.session.commit()

    assert letter(date(2026, 11, 8)) == 0  # a Sunday
    assert letter(NEXT_MONDAY, 7, 59) == 0
    assert letter(NEXT_MONDAY, 17, 0) == 0
    assert outbox_keys("myndighetsbrev:%") == []

    assert letter(NEXT_MONDAY, 8, 0) == 1
    assert letter(NEXT_MONDAY, 8, 5) == 0
    assert letter(date(2026, 11, 11)) == 0  # later in the same week: written already
    assert outbox_keys("myndighetsbrev:%") == [key(scene, "2026-W46")]

    sent = message(key(scene, "2026-W46"))
    assert sent.recipients == [MAILBOX]
    assert sent.office_hours_only
    assert sent.subject == "2 frågor som väntar på ert svar från PO Bevakning"
    assert "Svara senast 2026-11-30." in sent.body_text
    assert "Beslut saknar motivering" in sent.body_text
    assert "Ingen når handläggaren" in sent.body_text
    # Each request has a new link of its own, and the links work; the request's links too.
    tokens = TOKEN.findall(sent.body_text)
    assert len(set(tokens)) == 2
    later = at(date(2026, 11, 10))
    assert {services.find_by_token(t, now=later) for t in tokens} == {first, second}
    assert count(AnswerLink) == 4
    assert all(t.startswith(sent.secret) for t in tokens)  # masked with the message
    # Nothing was due to be reminded: the letter counts as no reminder yet.
    assert (first.reminders_sent, second.reminders_sent) == (0, 0)
    assert paminnelser(scene.brist) == []

    assert letter(date(2026, 11, 16)) == 1  # the next week has its own letter
    assert outbox_keys("myndighetsbrev:%") == [key(scene, "2026-W46"), key(scene, "2026-W47")]


def test_a_letter_missed_on_its_day_is_written_later_in_the_week_not_in_the_next(scene):
    letters_on(scene)
    scene.email_request(now=T0)
    db.session.commit()
    assert letter(date(2026, 11, 12), 16, 30) == 1  # Thursday: the scheduler was down
    assert outbox_keys("myndighetsbrev:%") == [key(scene, "2026-W46")]


def test_a_holiday_monday_moves_the_letter_to_tuesday_and_a_month_to_its_first_working_day(scene):
    letters_on(scene)
    scene.email_request(now=at(date(2027, 3, 22)))
    db.session.commit()
    assert letter(date(2027, 3, 29)) == 0  # annandag påsk, the day after DST begins
    assert letter(date(2027, 3, 30), 7, 59) == 0
    assert letter(date(2027, 3, 30), 8, 0) == 1
    assert outbox_keys("myndighetsbrev:%") == [key(scene, "2027-W13")]

    letters_on(scene, Sammandrag.MANADSVIS)
    assert letter(date(2027, 4, 1)) == 1  # Thursday 1 April is the month's first working day
    assert outbox_keys("myndighetsbrev:%")[-1] == key(scene, "2027-04")


def test_only_requests_awaiting_an_answer_and_sent_before_the_letter_day_are_listed(scene):
    letters_on(scene)
    waiting = scene.email_request(now=T0)
    answered = scene.email_request(brist=scene.new_brist(titel="Besvarad fråga"), now=T0)
    revoked = scene.email_request(brist=scene.new_brist(titel="Återkallad fråga"), now=T0)
    closed_brist = scene.new_brist(titel="Stängd brist")
    scene.email_request(brist=closed_brist, now=T0)
    scene.email_request(brist=scene.new_brist(titel="Skickad i dag"), now=at(NEXT_MONDAY, 8, 30))
    paused = scene.email_request(brist=scene.new_brist(titel="Pausad fråga"), now=T0)
    received = scene.email_request(brist=scene.new_brist(titel="Mottagen fråga"), now=T0)
    db.session.commit()
    # Waiting for the client's consent: the clock stands still, nothing to remind of.
    services.pause_kontakt(kontakt=paused, user=scene.ombud, scope=scope_for(scene.ombud), now=T0)
    # Receipt confirmed: not an answer, the request is still awaited.
    services.acknowledge_receipt(kontakt=received, handlaggare="", diarienummer="", now=T0)
    services.record_answer(
        kontakt=answered,
        typ=SvarTyp.AVVISAT,
        text="Vi delar inte bilden.",
        diarienummer="",
        promised_on=None,
        responsible_body="",
        now=T0,
    )
    services.revoke_link(kontakt=revoked, user=scene.ombud, scope=scope_for(scene.ombud), now=T0)
    brister_services.close_brist(
        brist=closed_brist,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.EJ_ATGARDAD,
        comment="Avskrivs.",
        expected_version=closed_brist.version,
        now=T0,
    )
    db.session.commit()

    assert letter(NEXT_MONDAY, 9) == 1
    body = message(key(scene, "2026-W46")).body_text
    assert waiting.brist.nummer in body and "Mottagen fråga" in body
    for titel in (
        "Besvarad fråga",
        "Återkallad fråga",
        "Stängd brist",
        "Skickad i dag",
        "Pausad fråga",
    ):
        assert titel not in body
    assert len(TOKEN.findall(body)) == 2


def test_a_myndighet_with_letters_gets_no_separate_reminders_the_letter_is_the_reminder(scene):
    letters_on(scene)
    kontakt = scene.email_request(now=T0)
    db.session.commit()

    # 1 December: the first reminder is due, but this myndighet is reminded in its letter.
    assert sweep_myndighet_paminnelser(now=at(date(2026, 12, 1))) == 0
    assert outbox_keys("paminnelse:%") == []

    assert letter(OVERDUE_MONDAY) == 1
    body = message(key(scene, "2026-W50")).body_text
    assert "Svaret skulle ha kommit senast 2026-11-30." in body
    kontakt = db.session.get(Kontakt, kontakt.id)
    # Counted as reminder 1; the next one a full interval after this letter.
    assert (kontakt.reminders_sent, kontakt.next_reminder_on) == (1, date(2026, 12, 21))
    [entry] = paminnelser(scene.brist)
    assert (entry.data, entry.created_at) == (
        {"myndighet": "Försäkringskassan", "number": 1},
        at(OVERDUE_MONDAY),
    )
    assert scene.brist.escalation_proposed_at is None

    assert letter(date(2026, 12, 14)) == 1  # listed again, no reminder due yet
    assert db.session.get(Kontakt, kontakt.id).reminders_sent == 1

    assert letter(date(2026, 12, 21)) == 1  # the second and last: escalation is proposed
    kontakt = db.session.get(Kontakt, kontakt.id)
    assert (kontakt.reminders_sent, kontakt.next_reminder_on) == (2, None)
    assert len(paminnelser(scene.brist)) == 2
    assert db.session.get(Brist, scene.brist.id).escalation_proposed_at == at(date(2026, 12, 21))

    assert letter(date(2026, 12, 28)) == 1  # still listed, overdue, no third reminder
    assert db.session.get(Kontakt, kontakt.id).reminders_sent == 2
    assert outbox_keys("paminnelse:%") == []


def test_a_myndighet_without_letters_keeps_one_reminder_per_request(scene):
    kontakt = scene.email_request(now=T0)  # the scene's myndighet has letters off
    db.session.commit()
    assert letter(OVERDUE_MONDAY) == 0
    assert sweep_myndighet_paminnelser(now=at(date(2026, 12, 1))) == 1
    assert outbox_keys() == [f"kontakt:{kontakt.id}", f"paminnelse:{kontakt.id}:1"]


def test_no_letter_without_a_mailbox(scene):
    letters_on(scene)
    scene.email_request(now=T0)
    scene.myndighet.epost = ""
    db.session.commit()
    assert letter(NEXT_MONDAY) == 0
    assert outbox_keys("myndighetsbrev:%") == []


def three_myndigheter_with_requests(scene) -> list[int]:
    """The scene's myndighet and two more, each with letters on and a request awaiting it."""
    ids = []
    for namn in ("Försäkringskassan", "Arbetsförmedlingen", "Kronofogden"):
        myndighet = db.session.scalar(
            select(Myndighet).where(
                Myndighet.verksamhet_id == scene.verksamhet.id, Myndighet.namn == namn
            )
        )
        myndighet.epost = f"registrator@{len(ids)}.example"
        myndighet.sammandrag = Sammandrag.VECKOVIS
        scene.myndighet = myndighet
        scene.email_request(brist=scene.new_brist(myndighet_id=myndighet.id), now=T0)
        ids.append(myndighet.id)
    db.session.commit()
    return ids


def test_two_schedulers_at_the_same_moment_write_one_letter_per_myndighet(app, scene, caplog):
    ids = three_myndigheter_with_requests(scene)
    db.session.remove()
    caplog.set_level(logging.ERROR, logger="systemfel")
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                start.wait(timeout=10)
                results.append(sweep_myndighetsbrev(now=at(NEXT_MONDAY)))
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(results) == 3
    assert sorted(outbox_keys("myndighetsbrev:%")) == sorted(
        f"myndighetsbrev:{i}:2026-W46" for i in ids
    )
    # Each letter's links were written once: one per request, beside the request's own.
    assert count(AnswerLink) == 6
    assert [r.getMessage() for r in caplog.records] == []


class StopAfter(threading.Event):
    """A stop signal that is raised after `checks` looks at it (a SIGTERM mid-sweep)."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.checks = checks

    def is_set(self) -> bool:
        self.checks -= 1
        return self.checks < 0


def test_a_sweep_stopped_midway_keeps_whole_letters_and_the_next_sweep_writes_the_rest(scene):
    ids = three_myndigheter_with_requests(scene)

    assert sweep_myndighetsbrev(now=at(NEXT_MONDAY), stop=StopAfter(1)) == 1
    db.session.expire_all()
    assert len(outbox_keys("myndighetsbrev:%")) == 1
    assert count(AnswerLink) == 4  # three requests' own links and the one letter's

    assert letter(NEXT_MONDAY, 11) == 2
    assert sorted(outbox_keys("myndighetsbrev:%")) == sorted(
        f"myndighetsbrev:{i}:2026-W46" for i in ids
    )
    assert count(AnswerLink) == 6


def test_the_letter_reaches_the_myndighet_through_smtp_and_keeps_no_link_once_sent(
    scene, smtp_server
):
    letters_on(scene)
    scene.email_request(now=T0)
    scene.email_request(brist=scene.new_brist(titel="Ingen når handläggaren"), now=T0)
    db.session.commit()
    assert letter(OVERDUE_MONDAY) == 1

    while send_due_messages(now=at(OVERDUE_MONDAY, 10, 5)):
        pass

    got = [r for r in smtp_server.received if "väntar på ert svar" in r.message["Subject"]]
    [received] = got
    assert received.rcpt_tos == [MAILBOX]
    assert "Vi samlar dem i ett brev" in received.body
    assert "Svaret skulle ha kommit senast 2026-11-30." in received.body
    tokens = TOKEN.findall(received.body)
    assert len(set(tokens)) == 2
    stored = message(key(scene, "2026-W50"))
    assert stored.secret == SECRET_REMOVED
    for token in tokens:
        assert token not in stored.body_text
        assert services.find_by_token(token, now=at(OVERDUE_MONDAY, 11)) is not None


def test_no_letter_to_a_factory_myndighet_unless_its_verksamhet_has_requests(scene):
    # A new verksamhet's standard myndigheter have weekly letters and nothing to list.
    factories.verksamhet("PO Tom")
    db.session.commit()
    assert (
        db.session.scalar(
            select(Myndighet.sammandrag).where(Myndighet.namn == "Arbetsförmedlingen").limit(1)
        )
        == Sammandrag.VECKOVIS
    )
    assert letter(NEXT_MONDAY) == 0


def test_the_scheduler_process_runs_the_letters_sweep_like_the_other_sweeps(app):
    scheduler = build(app, threading.Event())
    job = scheduler.get_job("sweep_myndighetsbrev")
    assert job is not None
    assert job.args[1] is sweep_myndighetsbrev
    assert (sweep_myndighetsbrev, "SCHEDULER_SWEEP_SECONDS") in JOBS
