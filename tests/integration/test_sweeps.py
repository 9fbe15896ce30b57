"""The scheduler's sweeps on a real database: reminders to myndigheter whose answer is late,
escalation after the last one, and the daily digest to each responsible ombud."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.brister import services as brister_services
from systemfel.brister.domain import HandelseTyp, Utfall
from systemfel.brister.models import Brist, Handelse
from systemfel.extensions import db
from systemfel.followups import services
from systemfel.followups.domain import OFFERED_SVAR, SvarTyp
from systemfel.followups.jobs import sweep_digests, sweep_myndighet_paminnelser
from systemfel.followups.models import AnswerLink
from systemfel.notifications.jobs import send_due_messages
from systemfel.notifications.models import OutboxMessage
from tests import factories
from tests.integration.conftest import MAILBOX, T0, at, count, outbox_keys

TOKEN = re.compile(r"/svar/([A-Za-z0-9_-]+)")
DEADLINE = date(2026, 11, 30)  # of a request sent at T0: 20 working days on
FIRST = date(2026, 12, 1)  # the first working day after it: the deadline day is the myndighet's
SECOND = date(2026, 12, 15)  # 10 working days after the first


def body(key: str) -> str:
    return db.session.scalar(
        select(OutboxMessage.body_text).where(OutboxMessage.idempotency_key == key)
    )


def token_of(key: str) -> str:
    [token] = TOKEN.findall(body(key))
    return token


def history(brist: Brist, typ: HandelseTyp) -> list[Handelse]:
    return list(
        db.session.scalars(
            select(Handelse)
            .where(Handelse.brist_id == brist.id, Handelse.typ == typ)
            .order_by(Handelse.id)
        )
    )


def sweep(day: date, hour: int = 10, minute: int = 0) -> int:
    done = sweep_myndighet_paminnelser(now=at(day, hour, minute))
    db.session.expire_all()
    return done


# --- Reminders to myndigheter -------------------------------------------------------------


def test_the_first_reminder_goes_out_the_working_day_after_the_deadline_in_office_hours_once(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    key = f"paminnelse:{kontakt.id}:1"
    request_token = token_of(f"kontakt:{kontakt.id}")

    assert sweep(date(2026, 11, 27)) == 0  # the Friday before
    for hour in (8, 10, 16):  # the myndighet has the whole deadline day
        assert sweep(DEADLINE, hour, 0) == 0
    assert sweep(FIRST, 7, 59) == 0
    assert sweep(FIRST, 17, 0) == 0
    assert outbox_keys("paminnelse:%") == []

    assert sweep(FIRST, 8, 0) == 1
    assert sweep(FIRST, 8, 5) == 0
    assert sweep(FIRST, 16, 59) == 0

    assert outbox_keys("paminnelse:%") == [key]
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    assert message.recipients == [MAILBOX]
    assert message.subject == "Påminnelse: Beslut saknar motivering"
    # How each date was counted (item 9): the deadline from the request, this reminder, the next.
    assert "senast 2026-11-30 (20 arbetsdagar från 2026-11-02)." in message.body_text
    assert (
        "Det här är påminnelse 1, planerad till 2026-12-01 (1 arbetsdag från 2026-11-30). "
        "Har vi inte fått svar skickar vi nästa påminnelse 2026-12-15." in message.body_text
    )
    assert (kontakt.reminders_sent, kontakt.next_reminder_on) == (1, SECOND)
    [entry] = history(scene.brist, HandelseTyp.PAMINNELSE)
    assert (entry.data, entry.created_at) == (
        {"myndighet": "Försäkringskassan", "number": 1},
        at(FIRST, 8),
    )
    # The reminder has a link of its own; the request's link still works too.
    paminnelse_token = token_of(key)
    assert paminnelse_token != request_token
    assert count(AnswerLink, AnswerLink.kontakt_id == kontakt.id) == 2
    later = at(date(2026, 12, 2))
    assert services.find_by_token(paminnelse_token, now=later) == kontakt
    assert services.find_by_token(request_token, now=later) == kontakt
    assert scene.brist.escalation_proposed_at is None


def test_no_reminder_on_weekends_or_holidays(scene):
    kontakt = scene.email_request(now=at(date(2026, 11, 20)), answer_due_on=date(2026, 12, 23))
    db.session.commit()
    assert kontakt.next_reminder_on == date(2026, 12, 28)  # the first working day after

    assert sweep(date(2026, 12, 22)) == 0
    for day in [
        date(2026, 12, 23),  # the deadline itself
        date(2026, 12, 24),  # julafton
        date(2026, 12, 25),  # juldagen
        date(2026, 12, 26),  # annandag jul, a Saturday
        date(2026, 12, 27),  # Sunday
    ]:
        assert sweep(day) == 0, day
    assert outbox_keys("paminnelse:%") == []

    assert sweep(date(2026, 12, 28)) == 1
    assert outbox_keys("paminnelse:%") == [f"paminnelse:{kontakt.id}:1"]


def test_the_second_reminder_after_the_interval_proposes_escalation_and_is_the_last(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    brist = scene.brist

    assert sweep(DEADLINE) == 0
    assert sweep(FIRST) == 1
    assert sweep(date(2026, 12, 14)) == 0  # nine working days on
    assert brist.escalation_proposed_at is None
    assert history(brist, HandelseTyp.ESKALERING_FORESLAS) == []

    assert sweep(SECOND, 9) == 1
    assert sweep(SECOND, 15) == 0
    last = body(f"paminnelse:{kontakt.id}:2")
    assert (
        "Det här är påminnelse 2, planerad till 2026-12-15 (10 arbetsdagar från 2026-12-01)."
        in last
    )
    assert "nästa påminnelse" not in last  # it is the last one
    assert (kontakt.reminders_sent, kontakt.next_reminder_on) == (2, None)
    assert brist.escalation_proposed_at == at(SECOND, 9)
    [proposal] = history(brist, HandelseTyp.ESKALERING_FORESLAS)
    assert proposal.data == {"myndighet": "Försäkringskassan", "reminders": 2}

    for day in [date(2026, 12, 28), date(2027, 1, 11), date(2027, 3, 1)]:
        assert sweep(day) == 0
    assert outbox_keys("paminnelse:%") == [
        f"paminnelse:{kontakt.id}:1",
        f"paminnelse:{kontakt.id}:2",
    ]
    assert len(history(brist, HandelseTyp.PAMINNELSE)) == 2
    assert len(history(brist, HandelseTyp.ESKALERING_FORESLAS)) == 1


def test_answered_and_revoked_contacts_get_no_reminder(scene):
    answered = scene.email_request(now=T0)
    revoked = scene.email_request(now=T0)
    waiting = scene.email_request(now=T0)
    db.session.commit()
    services.record_answer(
        kontakt=answered,
        typ=SvarTyp.ATGARDAT,
        text="Vi återkommer.",
        diarienummer="",
        promised_on=None,
        responsible_body="",
        now=at(date(2026, 11, 20)),
    )
    services.revoke_link(
        kontakt=revoked, user=scene.ombud, scope=scope_for(scene.ombud), now=at(date(2026, 11, 20))
    )
    db.session.commit()

    assert sweep(FIRST) == 1
    assert sweep(SECOND) == 1
    assert outbox_keys("paminnelse:%") == [
        f"paminnelse:{waiting.id}:1",
        f"paminnelse:{waiting.id}:2",
    ]
    assert (answered.reminders_sent, revoked.reminders_sent) == (0, 0)


def test_catching_up_after_downtime_sends_one_reminder_and_waits_an_interval(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    back = date(2026, 12, 15)  # the scheduler was down from before the deadline until now

    assert sweep(back, 10, 0) == 1
    assert sweep(back, 10, 5) == 0
    assert kontakt.reminders_sent == 1
    assert scene.brist.escalation_proposed_at is None


def test_a_mail_outage_delays_a_reminder_but_not_the_next_one(scene, smtp_server):
    """Issue 14, defect 5: the second reminder keeps its day, counted from the deadline."""
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    send_due_messages(now=T0)
    smtp_server.stop()  # the mail server is down from before the deadline for two days

    assert sweep(FIRST) == 1
    for day in [FIRST, date(2026, 12, 2)]:
        send_due_messages(now=at(day, 11))
    key = f"paminnelse:{kontakt.id}:1"
    assert smtp_server.with_key(key) == []
    smtp_server.start()
    db.session.expire_all()
    next_try = db.session.scalar(
        select(OutboxMessage.next_attempt_at).where(OutboxMessage.idempotency_key == key)
    )
    retry = max(next_try, at(date(2026, 12, 3), 11))
    send_due_messages(now=retry)
    assert len(smtp_server.with_key(key)) == 1
    sent_at = db.session.scalar(
        select(OutboxMessage.sent_at).where(OutboxMessage.idempotency_key == key)
    )
    assert sent_at >= at(date(2026, 12, 3), 11)  # two days after its day

    assert kontakt.next_reminder_on == SECOND  # not ten working days after it arrived
    assert sweep(date(2026, 12, 14)) == 0
    assert sweep(SECOND) == 1


def test_a_closed_brist_gets_no_reminders_and_no_escalation_proposal(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    brister_services.close_brist(
        brist=scene.brist,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.ATGARDAD,
        comment="Åtgärdat av myndigheten.",
        expected_version=scene.brist.version,
        now=at(date(2026, 11, 20)),
    )
    db.session.commit()

    sweep(DEADLINE)
    sweep(SECOND)
    assert outbox_keys("paminnelse:%") == []
    assert kontakt.reminders_sent == 0
    assert scene.brist.escalation_proposed_at is None


# --- Daily digests ------------------------------------------------------------------------


@pytest.fixture
def due_work(scene):
    """ombud: one follow-up overdue and one due on Wednesday 2 Dec; ombud2: one overdue;
    a third ombud: one due later only."""
    third = factories.UserFactory(
        email="ombud3@bevakning.example", namn="Tredje Ombud", verksamheter=[scene.verksamhet]
    )
    today = scene.new_brist(titel="Inget beslut inom tid")
    other = scene.new_brist(user=scene.ombud2, titel="Handläggaren nås inte")
    later = scene.new_brist(user=third, titel="Blanketten är otydlig")
    for brist, due_on in [
        (scene.brist, date(2026, 11, 16)),
        (today, date(2026, 12, 2)),
        (other, date(2026, 11, 20)),
        (later, date(2026, 12, 3)),
    ]:
        services.open_bevakning(brist).due_on = due_on
    db.session.commit()
    return {"overdue": scene.brist, "today": today, "other": other, "later": later, "third": third}


def test_each_ombud_with_due_work_gets_one_digest_a_day(scene, due_work):
    wednesday = date(2026, 12, 2)
    assert sweep_digests(now=at(wednesday, 8, 0)) == 2
    assert sweep_digests(now=at(wednesday, 8, 5)) == 0
    assert sweep_digests(now=at(wednesday, 16, 59)) == 0

    mine, theirs = f"digest:{scene.ombud.id}:2026-12-02", f"digest:{scene.ombud2.id}:2026-12-02"
    assert sorted(outbox_keys()) == sorted([mine, theirs])
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == mine))
    assert message.recipients == [scene.ombud.email]
    assert message.subject == "Systemfel: 2 bevakningar att följa upp"
    text = message.body_text
    assert f"{due_work['overdue'].nummer} Beslut saknar motivering" in text
    assert "Försenad sedan 2026-11-16" in text
    assert f"{due_work['today'].nummer} Inget beslut inom tid" in text
    assert "I dag" in text
    assert due_work["other"].nummer not in text
    assert due_work["later"].nummer not in text
    other_text = body(theirs)
    assert f"{due_work['other'].nummer} Handläggaren nås inte" in other_text
    assert "Försenad sedan 2026-11-20" in other_text
    assert due_work["overdue"].nummer not in other_text

    # The next working day: a new digest each, and the third ombud's work is due now.
    assert sweep_digests(now=at(date(2026, 12, 3))) == 3
    assert f"digest:{due_work['third'].id}:2026-12-03" in outbox_keys()


def test_no_digest_on_weekends_holidays_or_outside_office_hours(scene, due_work):
    for moment in [
        at(date(2026, 12, 5)),  # Saturday
        at(date(2026, 12, 6), 12),  # Sunday
        at(date(2026, 12, 24)),  # julafton
        at(date(2026, 12, 2), 7, 59),
        at(date(2026, 12, 2), 17, 0),
        at(date(2026, 12, 2), 23, 30),
    ]:
        assert sweep_digests(now=moment) == 0, moment
    assert outbox_keys() == []


def test_a_deactivated_ombud_gets_no_digest(scene, due_work):
    scene.ombud2.is_active_account = False
    db.session.commit()
    assert sweep_digests(now=at(date(2026, 12, 2))) == 1
    assert outbox_keys() == [f"digest:{scene.ombud.id}:2026-12-02"]


@pytest.mark.parametrize("typ", OFFERED_SVAR)
def test_an_answer_after_the_reminders_ends_the_escalation_proposal(scene, typ):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    assert sweep(FIRST) == 1
    assert sweep(SECOND) == 1
    db.session.expire_all()
    assert scene.brist.escalation_proposed_at == at(SECOND)
    version = scene.brist.version

    services.record_answer(
        kontakt=kontakt,
        typ=typ,
        text="Vi har nu gått igenom ärendena.",
        diarienummer="",
        promised_on=date(2027, 1, 15) if typ == SvarTyp.ATGARD_UTLOVAD else None,
        responsible_body="Kommunen" if typ == SvarTyp.EJ_VART_ANSVAR else "",
        now=at(date(2026, 12, 16)),
    )
    db.session.commit()
    db.session.expire_all()
    assert scene.brist.escalation_proposed_at is None
    assert scene.brist.version == version  # an ombud's edit in progress is not made to conflict
    [answer] = history(scene.brist, HandelseTyp.SVAR)
    assert answer.data["svar"] == typ.value
