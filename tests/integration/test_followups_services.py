"""Follow-up services on a real database: the one-open-bevakning invariant, contacts with a
myndighet by e-mail, answer links and answers."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from systemfel.access import scope_for
from systemfel.brister import services as brister_services
from systemfel.brister.domain import HandelseTyp, Niva, Utfall
from systemfel.brister.models import Handelse
from systemfel.errors import ValidationError
from systemfel.extensions import db
from systemfel.followups import services
from systemfel.followups.domain import Kanal, SvarTyp
from systemfel.followups.models import AnswerLink, Bevakning, Kontakt, Svar
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.models import Myndighet
from tests import factories
from tests.integration.conftest import MAILBOX, T0, at, count

TOKEN = re.compile(r"/svar/([A-Za-z0-9_-]+)")


def open_bevakningar(brist) -> list[Bevakning]:
    return list(
        db.session.scalars(
            select(Bevakning).where(
                Bevakning.brist_id == brist.id, Bevakning.completed_at.is_(None)
            )
        )
    )


def token_in(body: str) -> str:
    found = TOKEN.findall(body)
    assert len(found) == 1, body
    return found[0]


# --- One open follow-up per open brist ---------------------------------------------------


@pytest.mark.parametrize(
    ("niva", "registered_on"),
    [
        # +14 days is julafton (Thursday); 25 Dec is juldagen, then a weekend.
        (Niva.HANDLAGGARE, date(2026, 12, 10)),
        # +30 days is julafton as well.
        (Niva.LOKAL, date(2026, 11, 24)),
        # +90 days is juldagen.
        (Niva.CENTRAL, date(2026, 9, 26)),
    ],
)
def test_registered_brist_has_one_open_followup_on_the_levels_working_day(
    scene, niva, registered_on
):
    brist = scene.new_brist(now=at(registered_on), niva=niva)
    db.session.commit()

    [bevakning] = open_bevakningar(brist)
    assert bevakning.due_on == date(2026, 12, 28)
    assert bevakning.created_at == at(registered_on)


def test_record_followup_completes_the_open_one_and_schedules_the_next(scene):
    brist, now = scene.brist, at(date(2026, 11, 16))
    [first] = open_bevakningar(brist)

    following = services.record_bevakning(
        brist=brist,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        finding="  Inget nytt beslut ännu.  ",
        next_on=date(2026, 12, 1),
        now=now,
    )
    db.session.commit()

    db.session.refresh(first)
    assert (first.completed_at, first.completed_by_id, first.finding) == (
        now,
        scene.ombud.id,
        "Inget nytt beslut ännu.",
    )
    assert open_bevakningar(brist) == [following]
    assert following.due_on == date(2026, 12, 1)
    entry = db.session.scalar(
        select(Handelse).where(
            Handelse.brist_id == brist.id, Handelse.typ == HandelseTyp.UPPFOLJNING
        )
    )
    assert entry.text == "Inget nytt beslut ännu."
    assert entry.data == {"from": first.due_on.isoformat(), "to": "2026-12-01"}


def test_closing_leaves_no_open_followup_and_reopening_makes_exactly_one(scene):
    brist = scene.brist
    brister_services.close_brist(
        brist=brist,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.ATGARDAD,
        comment="Rutinen ändrad.",
        expected_version=brist.version,
        now=at(date(2026, 11, 10)),
    )
    db.session.commit()
    assert open_bevakningar(brist) == []
    [done] = db.session.scalars(select(Bevakning).where(Bevakning.brist_id == brist.id)).all()
    assert (done.finding, done.completed_by_id) == ("Rutinen ändrad.", scene.ombud.id)

    reopened_at = at(date(2026, 12, 10))
    brister_services.reopen_brist(
        brist=brist,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        reason="Felet är tillbaka.",
        expected_version=brist.version,
        now=reopened_at,
    )
    db.session.commit()
    [again] = open_bevakningar(brist)
    assert again.due_on == date(2026, 12, 28)  # 14 days on is julafton
    assert count(Bevakning, Bevakning.brist_id == brist.id) == 2


def test_the_partial_unique_index_refuses_a_second_open_followup(scene):
    brist = scene.brist
    # A completed one alongside the open one is fine: the index covers open ones only.
    db.session.add(Bevakning(brist=brist, due_on=date(2026, 11, 5), completed_at=T0))
    db.session.flush()

    db.session.add(Bevakning(brist=brist, due_on=date(2026, 12, 1)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert len(open_bevakningar(brist)) == 1


def test_record_followup_refuses_a_day_that_is_not_a_working_day(scene):
    with pytest.raises(ValidationError) as refused:
        services.record_bevakning(
            brist=scene.brist,
            user=scene.ombud,
            scope=scope_for(scene.ombud),
            finding="Inget nytt.",
            next_on=date(2026, 12, 24),  # julafton
            now=at(date(2026, 12, 2)),
        )
    assert refused.value.field == "next_on"
    assert refused.value.errors[0].params == {"day": date(2026, 12, 28)}  # worded at the edge
    db.session.rollback()
    assert len(open_bevakningar(scene.brist)) == 1


@pytest.mark.parametrize("days", [0, -3])
def test_record_followup_refuses_a_day_that_is_not_after_today(scene, days):
    today = date(2026, 12, 2)
    with pytest.raises(ValidationError) as refused:
        services.record_bevakning(
            brist=scene.brist,
            user=scene.ombud,
            scope=scope_for(scene.ombud),
            finding="Inget nytt.",
            next_on=today + timedelta(days=days),
            now=at(today),
        )
    assert (refused.value.field, refused.value.message) == (
        "next_on",
        "Nästa bevakning måste ligga efter i dag.",
    )


# --- Raising a brist with a myndighet by e-mail ------------------------------------------


def test_email_request_sets_a_deadline_a_hashed_link_and_an_outbox_mail(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()

    assert kontakt.answer_due_on == date(2026, 11, 30)  # 20 working days after 2 Nov
    assert kontakt.next_reminder_on == date(2026, 12, 1)  # the first working day after
    assert (kontakt.emailed_to, kontakt.reminders_sent) == (MAILBOX, 0)
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == f"kontakt:{kontakt.id}")
    )
    assert message.recipients == [MAILBOX]
    assert message.subject == f"Uppmärksammad brist: {scene.brist.titel}"
    assert "senast 2026-11-30" in message.body_text
    token = token_in(message.body_text)
    [link] = db.session.scalars(select(AnswerLink)).all()
    assert link.kontakt_id == kontakt.id
    assert link.token_hash == services.hash_token(token)
    assert link.expires_at == T0 + timedelta(days=90)
    # The raw token is in the e-mail only: no other table holds it.
    for table in db.metadata.sorted_tables:
        if table.name == "outbox":
            continue
        for row in db.session.execute(sa.select(table)).all():
            assert token not in repr(tuple(row)), f"token stored in {table.name}"


def test_email_request_is_refused_when_the_myndighet_has_no_mailbox(scene):
    without = db.session.scalar(
        select(Myndighet).where(
            Myndighet.verksamhet_id == scene.verksamhet.id, Myndighet.namn == "Kronofogden"
        )
    )
    assert without.epost == ""
    with pytest.raises(ValidationError) as refused:
        services.raise_with_myndighet(
            brist=scene.brist,
            user=scene.ombud,
            scope=scope_for(scene.ombud),
            myndighet=without,
            contacted_on=date(2026, 11, 2),
            kanal=Kanal.EPOST,
            summary="Besluten saknar motivering.",
            send_email=True,
            answer_due_on=None,
            now=T0,
        )
    assert refused.value.field == "send_email"
    db.session.rollback()
    assert count(Kontakt) == count(AnswerLink) == count(OutboxMessage) == 0


def test_find_by_token_accepts_only_a_valid_link(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    token = token_in(db.session.scalar(select(OutboxMessage.body_text)))

    assert services.find_by_token(token, now=T0 + timedelta(days=30)) == kontakt
    assert services.find_by_token(token[:-1] + ("A" if token[-1] != "A" else "B"), now=T0) is None
    assert services.find_by_token("", now=T0) is None
    assert services.find_by_token(token, now=T0 + timedelta(days=90)) is None  # expired

    services.revoke_link(
        kontakt=kontakt, user=scene.ombud, scope=scope_for(scene.ombud), now=T0 + timedelta(days=1)
    )
    db.session.commit()
    assert services.find_by_token(token, now=T0 + timedelta(days=2)) is None
    assert kontakt.next_reminder_on is None


# --- The myndighet's answer ---------------------------------------------------------------


def test_record_answer_with_a_promise_moves_the_followup_and_tells_the_ombud(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    answered_at = at(date(2026, 11, 12))

    svar = services.record_answer(
        kontakt=kontakt,
        typ=SvarTyp.ATGARD_UTLOVAD,
        text="Vi ser över mallen.",
        diarienummer="FK 2026/123",
        promised_on=date(2027, 1, 9),  # a Saturday
        responsible_body="",
        now=answered_at,
    )
    db.session.commit()

    assert (kontakt.answered_at, kontakt.next_reminder_on) == (answered_at, None)
    assert svar.received_at == answered_at
    [bevakning] = open_bevakningar(scene.brist)
    assert bevakning.due_on == date(2027, 1, 11)  # moved to the Monday
    entries = {
        e.typ: e
        for e in db.session.scalars(select(Handelse).where(Handelse.brist_id == scene.brist.id))
    }
    answer = entries[HandelseTyp.SVAR].data
    assert (answer["svar"], answer["diarienummer"]) == ("atgard_utlovad", "FK 2026/123")
    assert entries[HandelseTyp.BEVAKNING_FLYTTAD].data["to"] == "2027-01-11"
    assert entries[HandelseTyp.BEVAKNING_FLYTTAD].data["cause"] == "utlovat"
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == f"svar:{svar.id}")
    )
    assert mail.recipients == [scene.ombud.email]
    assert "Vi ser över mallen." in mail.body_text
    assert "2027-01-09" in mail.body_text


def test_an_answer_with_a_personnummer_is_refused_and_nothing_is_saved(scene):
    kontakt = scene.email_request(now=T0)
    db.session.commit()
    [before] = open_bevakningar(scene.brist)
    due_before = before.due_on

    with pytest.raises(ValidationError) as refused:
        services.record_answer(
            kontakt=kontakt,
            typ=SvarTyp.ATGARD_UTLOVAD,
            text="Gäller 19121212-1212, vi rättar beslutet.",
            diarienummer="",
            promised_on=date(2027, 1, 11),
            responsible_body="",
            now=at(date(2026, 11, 12)),
        )
    assert refused.value.field == "text"
    db.session.commit()  # whatever the service left in the session would be saved now

    db.session.refresh(kontakt)
    assert (kontakt.answered_at, kontakt.next_reminder_on) == (None, date(2026, 12, 1))
    assert count(Svar) == 0
    assert count(Handelse, Handelse.typ == HandelseTyp.SVAR) == 0
    assert count(OutboxMessage, OutboxMessage.idempotency_key.like("svar:%")) == 0
    assert open_bevakningar(scene.brist)[0].due_on == due_before
