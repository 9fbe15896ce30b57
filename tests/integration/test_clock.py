"""Issue 14: revoking in every state, several answers per link, receipt, and pausing the clock.

The rules themselves (working days left, the resumed deadline) are unit-tested in
tests/unit/test_followups_domain.py; here the services and the reminder sweep use them.
"""

import re
from datetime import date

import pytest
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.auth.domain import Role
from systemfel.brister.domain import HandelseTyp
from systemfel.brister.models import Brist, Handelse
from systemfel.errors import PermissionDenied, ValidationError
from systemfel.extensions import db
from systemfel.followups import domain, jobs, queries, services
from systemfel.followups.domain import PausOrsak, SvarTyp
from systemfel.followups.jobs import sweep_myndighet_paminnelser
from systemfel.followups.models import Kontakt, Svar
from systemfel.notifications.models import OutboxMessage
from systemfel.reports import statistics
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import T0, at, count, outbox_keys

TOKEN = re.compile(r"/svar/([A-Za-z0-9_-]+)")
DEADLINE = date(2026, 11, 30)  # of a request sent at T0: 20 working days on
FIRST = date(2026, 12, 1)  # the first reminder, without a pause
SECOND = date(2026, 12, 15)


def history(brist: Brist, typ: HandelseTyp) -> list[Handelse]:
    return list(
        db.session.scalars(
            select(Handelse)
            .where(Handelse.brist_id == brist.id, Handelse.typ == typ)
            .order_by(Handelse.id)
        )
    )


def sweep(day: date, hour: int = 10) -> int:
    done = sweep_myndighet_paminnelser(now=at(day, hour))
    db.session.expire_all()
    return done


def answer(kontakt: Kontakt, typ: SvarTyp, day: date, text: str = "Klart.", **extra) -> Svar:
    values = {"diarienummer": "", "promised_on": None, "responsible_body": "", **extra}
    return services.record_answer(kontakt=kontakt, typ=typ, text=text, now=at(day), **values)


def token_of(kontakt: Kontakt) -> str:
    body = db.session.scalar(
        select(OutboxMessage.body_text).where(
            OutboxMessage.idempotency_key == f"kontakt:{kontakt.id}"
        )
    )
    [token] = TOKEN.findall(body)
    return token


# --- Item 8: pausing the clock ------------------------------------------------------------


def test_a_request_for_more_information_pauses_the_clock_and_the_reminders(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    paused = date(2026, 11, 16)  # Monday: 17 to 30 November are ten working days
    answer(kontakt, SvarTyp.BEGAR_KOMPLETTERING, paused, text="Vilka ärenden gäller det?")
    db.session.commit()

    assert (kontakt.paused_on, kontakt.pause_orsak) == (paused, PausOrsak.KOMPLETTERING)
    assert kontakt.answered_at is None and kontakt.next_reminder_on is None
    assert kontakt.paused_days_left == 10
    [pause] = history(scene.brist, HandelseTyp.KLOCKA_PAUSAD)
    assert pause.data == {
        "myndighet": "Försäkringskassan",
        "orsak": "komplettering",
        "due": "2026-11-30",
        "days_left": 10,
    }
    assert pause.user_id is None  # the myndighet paused it, through its link
    # The ombud is told, as of any answer; the myndighet is not reminded while paused.
    [svar] = kontakt.svar
    assert outbox_keys("svar:%") == [f"svar:{svar.id}"]
    told = db.session.scalar(
        select(OutboxMessage.body_text).where(OutboxMessage.idempotency_key == f"svar:{svar.id}")
    )
    assert "Svar: Begär komplettering" in told and "Vilka ärenden gäller det?" in told
    assert "Svarstiden är pausad sedan 2026-11-16" in told
    for day in (DEADLINE, FIRST, SECOND):
        assert sweep(day) == 0
    assert outbox_keys("paminnelse:%") == []
    assert queries.late_answers(scope_for(scene.ombud), SECOND) == []

    resumed = date(2026, 12, 7)  # Monday; ten working days on is Monday 21 December
    new_due = services.resume_kontakt(
        kontakt=kontakt, user=scene.ombud, scope=scope_for(scene.ombud), now=at(resumed)
    )
    db.session.commit()
    assert new_due == date(2026, 12, 21)
    calendar = services.calendar(resumed)
    assert new_due == domain.resumed_deadline(DEADLINE, paused, resumed, calendar)
    assert (kontakt.answer_due_on, kontakt.paused_on, kontakt.pause_orsak) == (new_due, None, None)
    assert kontakt.next_reminder_on == date(2026, 12, 22)
    [resume] = history(scene.brist, HandelseTyp.KLOCKA_ATERUPPTAGEN)
    assert resume.data == {
        "myndighet": "Försäkringskassan",
        "paused_on": "2026-11-16",
        "to": "2026-12-21",
        "days_left": 10,
    }
    assert resume.user_id == scene.ombud.id
    # How the new deadline was counted (item 9): the days that were left, from the resume day.
    frist = services.rakning_for(kontakt).frist
    assert (frist.start, frist.working_days, frist.end) == (resumed, 10, new_due)

    assert sweep(date(2026, 12, 21)) == 0  # the new deadline day is the myndighet's
    assert sweep(date(2026, 12, 22)) == 1
    reminder = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == f"paminnelse:{kontakt.id}:1")
    )
    assert "senast 2026-12-21" in reminder.body_text


def test_a_reminder_read_as_due_before_a_pause_is_not_claimed_after_it(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    services.pause_kontakt(
        kontakt=kontakt, user=scene.ombud, scope=scope_for(scene.ombud), now=at(FIRST, 8)
    )
    db.session.commit()
    # A sweep that read the contact as due before the pause committed now tries to claim it.
    assert jobs._remind(kontakt.id, 0, at(FIRST, 9), FIRST) == 0
    db.session.commit()
    assert outbox_keys("paminnelse:%") == []
    assert db.session.get(Kontakt, kontakt.id).reminders_sent == 0


def test_a_paused_request_past_its_old_deadline_is_not_late(scene):
    paused = scene.email_request(now=T0)
    waiting = scene.email_request(now=T0)
    db.session.commit()
    services.pause_kontakt(
        kontakt=paused, user=scene.ombud, scope=scope_for(scene.ombud), now=at(date(2026, 11, 16))
    )
    db.session.commit()
    later = date(2026, 12, 10)
    stats = statistics.gather(Scope(frozenset({scene.verksamhet.id})), None, today=later)
    [fk] = stats.myndigheter
    assert (fk.requests, fk.answered, fk.late) == (2, 0, 1)
    late = queries.late_answers(scope_for(scene.ombud), later)
    assert [(m.namn, n) for m, n, _ in late] == [("Försäkringskassan", 1)]
    assert waiting.answer_due_on == DEADLINE


def test_the_ombud_pauses_for_consent_over_new_year(scene):
    kontakt = scene.email_request(now=at(date(2026, 12, 14)), answer_due_on=date(2026, 12, 30))
    db.session.commit()
    scope = scope_for(scene.ombud2)  # any ombud of the verksamhet may
    services.pause_kontakt(
        kontakt=kontakt, user=scene.ombud2, scope=scope, now=at(date(2026, 12, 21))
    )
    db.session.commit()
    assert kontakt.pause_orsak == PausOrsak.SAMTYCKE and kontakt.paused_days_left == 5

    with pytest.raises(ValidationError, match="redan pausad"):
        services.pause_kontakt(
            kontakt=kontakt,
            user=scene.ombud,
            scope=scope_for(scene.ombud),
            now=at(date(2026, 12, 22)),
        )
    db.session.rollback()

    new_due = services.resume_kontakt(
        kontakt=kontakt, user=scene.ombud2, scope=scope, now=at(date(2026, 12, 28))
    )
    db.session.commit()
    # 29, 30 December, 4, 5 and 7 January (nyårsafton, nyårsdagen, trettondagen are holidays).
    assert new_due == date(2027, 1, 7)
    assert kontakt.next_reminder_on == date(2027, 1, 8)
    with pytest.raises(ValidationError, match="inte pausad"):
        services.resume_kontakt(
            kontakt=kontakt, user=scene.ombud2, scope=scope, now=at(date(2026, 12, 29))
        )
    db.session.rollback()
    [pause] = history(scene.brist, HandelseTyp.KLOCKA_PAUSAD)
    assert pause.data["orsak"] == "samtycke" and pause.user_id == scene.ombud2.id


def test_only_those_who_work_the_brists_verksamhet_pause_and_resume(scene):
    kontakt = scene.email_request(now=T0)
    elsewhere = factories.verksamhet("PO Annanstans")
    stranger = factories.UserFactory(email="annan@annanstans.example", verksamheter=[elsewhere])
    reader = factories.UserFactory(
        email="lg@bevakning.example", role=Role.LEDNINGSGRUPP, verksamheter=[scene.verksamhet]
    )
    db.session.commit()
    for user in (stranger, reader):
        with pytest.raises(PermissionDenied):
            services.pause_kontakt(kontakt=kontakt, user=user, scope=scope_for(user))
        db.session.rollback()
    assert db.session.get(Kontakt, kontakt.id).paused_on is None


def test_a_contact_not_awaiting_an_answer_cannot_be_paused(scene):
    answered = scene.email_request(now=T0)
    revoked = scene.email_request(now=T0)
    db.session.commit()
    answer(answered, SvarTyp.ATGARDAT, date(2026, 11, 10))
    services.revoke_link(kontakt=revoked, user=scene.ombud, scope=scope_for(scene.ombud))
    db.session.commit()
    for kontakt in (answered, revoked):
        with pytest.raises(ValidationError, match="väntar inte"):
            services.pause_kontakt(kontakt=kontakt, user=scene.ombud, scope=scope_for(scene.ombud))
        db.session.rollback()


def test_an_answer_while_paused_ends_the_pause(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    answer(kontakt, SvarTyp.BEGAR_KOMPLETTERING, date(2026, 11, 9), text="Vilka ärenden?")
    answer(kontakt, SvarTyp.ATGARDAT, date(2026, 11, 20), text="Nu är det rättat.")
    db.session.commit()
    assert kontakt.answered_at == at(date(2026, 11, 20)) and kontakt.paused_on is None
    assert kontakt.answer_due_on == DEADLINE
    assert sweep(FIRST) == 0


def test_a_second_request_for_information_while_paused_keeps_the_first_pause(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    answer(kontakt, SvarTyp.BEGAR_KOMPLETTERING, date(2026, 11, 9), text="Vilka ärenden?")
    answer(kontakt, SvarTyp.BEGAR_KOMPLETTERING, date(2026, 11, 12), text="Och vilka år?")
    db.session.commit()
    assert kontakt.paused_on == date(2026, 11, 9)
    assert len(history(scene.brist, HandelseTyp.KLOCKA_PAUSAD)) == 1
    assert len(history(scene.brist, HandelseTyp.SVAR)) == 2


def test_a_request_for_information_needs_text(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    with pytest.raises(ValidationError, match="vilken information"):
        answer(kontakt, SvarTyp.BEGAR_KOMPLETTERING, date(2026, 11, 9), text="  ")
    db.session.rollback()


# --- Item 7: receipt ----------------------------------------------------------------------


def test_receipt_is_shown_told_once_and_leaves_the_deadline_and_reminders(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    on = at(date(2026, 11, 4))
    services.acknowledge_receipt(
        kontakt=kontakt, handlaggare=" Enhet Syd ", diarienummer="FK 2026/77", now=on
    )
    db.session.commit()
    assert (kontakt.acknowledged_at, kontakt.acknowledged_handlaggare) == (on, "Enhet Syd")
    assert kontakt.acknowledged_diarienummer == "FK 2026/77"
    assert kontakt.answered_at is None and kontakt.svar == []
    assert (kontakt.answer_due_on, kontakt.next_reminder_on) == (DEADLINE, FIRST)
    [entry] = history(scene.brist, HandelseTyp.MOTTAGET)
    assert entry.data == {
        "myndighet": "Försäkringskassan",
        "handlaggare": "Enhet Syd",
        "diarienummer": "FK 2026/77",
    }
    key = f"svar:mottaget:{kontakt.id}"
    told = db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    assert told.recipients == [scene.ombud.email]
    assert "Enhet Syd" in told.body_text and "2026-11-30" in told.body_text

    # The same again is a double post; other details are recorded, and told no more.
    services.acknowledge_receipt(
        kontakt=kontakt, handlaggare="Enhet Syd", diarienummer="FK 2026/77"
    )
    services.acknowledge_receipt(
        kontakt=kontakt, handlaggare="Enhet Nord", diarienummer="FK 2026/77"
    )
    db.session.commit()
    assert len(history(scene.brist, HandelseTyp.MOTTAGET)) == 2
    assert kontakt.acknowledged_at == on and kontakt.acknowledged_handlaggare == "Enhet Nord"
    assert count(OutboxMessage, OutboxMessage.idempotency_key.like("svar:mottaget:%")) == 1

    assert sweep(FIRST) == 1  # receipt is not an answer: the reminder goes out


def test_receipt_refuses_a_personnummer(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    with pytest.raises(ValidationError):
        services.acknowledge_receipt(
            kontakt=kontakt, handlaggare="Gäller 811218-9876", diarienummer=""
        )
    db.session.rollback()
    assert db.session.get(Kontakt, kontakt.id).acknowledged_at is None


def test_mottaget_is_no_longer_taken_as_an_answer(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    with pytest.raises(ValidationError):
        answer(kontakt, SvarTyp.MOTTAGET, date(2026, 11, 9))
    db.session.rollback()
    assert SvarTyp.MOTTAGET not in domain.OFFERED_SVAR
    assert SvarTyp("mottaget").label == "Mottaget – vi återkommer"  # old rows still read


# --- Defect 2: several answers, revoking in every state -----------------------------------


def test_one_link_takes_a_correction_and_the_latest_answer_counts(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    answer(kontakt, SvarTyp.ATGARD_UTLOVAD, date(2026, 11, 9), promised_on=date(2027, 2, 1))
    answer(kontakt, SvarTyp.ATGARDAT, date(2026, 11, 20), text="Nu är mallen ändrad.")
    db.session.commit()
    db.session.expire_all()
    assert [s.typ for s in kontakt.svar] == [SvarTyp.ATGARD_UTLOVAD, SvarTyp.ATGARDAT]
    assert queries.latest_answer(kontakt).typ == SvarTyp.ATGARDAT
    assert kontakt.answered_at == at(date(2026, 11, 9))  # when the first answer came
    assert len(history(scene.brist, HandelseTyp.SVAR)) == 2
    assert services.find_by_token(token_of(kontakt), now=at(date(2026, 11, 21))) == kontakt


@pytest.mark.parametrize("state", ["unanswered", "answered", "acknowledged", "paused"])
def test_revoking_works_in_every_state_and_once(scene, state):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    if state == "answered":
        answer(kontakt, SvarTyp.ATGARDAT, date(2026, 11, 9))
    elif state == "acknowledged":
        services.acknowledge_receipt(kontakt=kontakt, handlaggare="", diarienummer="")
    elif state == "paused":
        services.pause_kontakt(kontakt=kontakt, user=scene.ombud, scope=scope_for(scene.ombud))
    db.session.commit()
    token = token_of(kontakt)
    for _ in range(2):
        services.revoke_link(kontakt=kontakt, user=scene.ombud, scope=scope_for(scene.ombud))
        db.session.commit()
    assert kontakt.links_revoked_at is not None and kontakt.next_reminder_on is None
    assert services.find_by_token(token) is None
    assert len(history(scene.brist, HandelseTyp.LANK_ATERKALLAD)) == 1
    assert sweep(FIRST) == 0 and sweep(SECOND) == 0
