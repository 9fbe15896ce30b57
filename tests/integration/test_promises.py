"""Promises kept and broken, and checks that a fix lasted, on a real database: the states
the rule gives real answers and closings, the ledningsgrupp's agenda, the ombud's digest."""

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Niva, Utfall
from systemfel.brister.models import Brist
from systemfel.errors import PermissionDenied
from systemfel.extensions import db
from systemfel.followups import queries
from systemfel.followups import services as followups
from systemfel.followups.domain import EfterkontrollSvar, PromiseState, SvarTyp
from systemfel.followups.jobs import sweep_digests
from systemfel.followups.models import Efterkontroll
from systemfel.meetings import services as meetings
from systemfel.meetings.domain import GruppTyp, Sektion
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import STOCKHOLM, at, outbox_keys

PROMISED = date(2026, 11, 20)  # a Friday: the promise breaks on Monday 23 November
BROKEN_ON = date(2026, 11, 23)


def answer(kontakt, typ, on: date, promised_on: date | None = None):
    return followups.record_answer(
        kontakt=kontakt,
        typ=typ,
        text="",
        diarienummer="",
        promised_on=promised_on,
        responsible_body="",
        now=at(on),
    )


def promise(scene, brist=None, on=date(2026, 11, 5), promised_on=PROMISED):
    kontakt = scene.email_request(brist=brist or scene.brist)
    answer(kontakt, SvarTyp.ATGARD_UTLOVAD, on, promised_on)
    db.session.commit()
    return kontakt


def close(brist: Brist, user, utfall: Utfall, on: date) -> None:
    brister_services.close_brist(
        brist=brist,
        user=user,
        scope=factories.closing_scope(user),
        utfall=utfall,
        comment="",
        expected_version=brist.version,
        now=at(on),
    )
    db.session.commit()


def states(brist: Brist, today: date) -> list[PromiseState]:
    return [p.state for p in queries.promises(Brist.id == brist.id, today=today)]


def body(key: str) -> str:
    return db.session.scalar(
        select(OutboxMessage.body_text).where(OutboxMessage.idempotency_key == key)
    )


# --- the states ---------------------------------------------------------------------------


def test_a_promise_is_pending_to_its_date_and_broken_from_the_next_working_day(scene):
    promise(scene)
    assert states(scene.brist, date(2026, 11, 10)) == [PromiseState.PENDING]
    assert states(scene.brist, PROMISED) == [PromiseState.PENDING]
    assert states(scene.brist, date(2026, 11, 22)) == [PromiseState.PENDING]  # the weekend
    assert states(scene.brist, BROKEN_ON) == [PromiseState.BROKEN]
    [found] = queries.promises(Brist.id == scene.brist.id, today=BROKEN_ON)
    assert (found.myndighet, found.promised_on, found.broken_on) == (
        "Försäkringskassan",
        PROMISED,
        BROKEN_ON,
    )


def test_closed_as_atgardad_in_time_is_kept_even_if_reopened_later(scene):
    promise(scene)
    close(scene.brist, scene.ombud, Utfall.ATGARDAD, date(2026, 11, 19))
    brister_services.reopen_brist(
        brist=scene.brist,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        reason="Tillbaka",
        expected_version=scene.brist.version,
        now=at(date(2026, 12, 1)),
    )
    assert states(scene.brist, date(2026, 12, 10)) == [PromiseState.KEPT]


def test_closed_otherwise_in_time_lapses_and_closed_late_stays_broken(scene):
    promise(scene)
    close(scene.brist, scene.ombud, Utfall.EJ_ATGARDAD, date(2026, 11, 19))
    assert states(scene.brist, date(2026, 12, 10)) == [PromiseState.LAPSED]
    late = scene.new_brist(titel="Sent åtgärdad")
    promise(scene, brist=late)
    close(late, scene.ombud, Utfall.ATGARDAD, date(2026, 11, 24))
    assert states(late, date(2026, 12, 10)) == [PromiseState.BROKEN]


def test_the_myndighets_own_atgardat_in_time_keeps_it(scene):
    kontakt = promise(scene)
    answer(kontakt, SvarTyp.ATGARDAT, date(2026, 11, 18))
    assert states(scene.brist, date(2026, 12, 10)) == [PromiseState.KEPT]


def test_a_new_promise_before_the_date_supersedes_the_old_one(scene):
    kontakt = promise(scene)
    answer(kontakt, SvarTyp.ATGARD_UTLOVAD, date(2026, 11, 18), date(2026, 12, 18))
    assert states(scene.brist, date(2026, 12, 10)) == [
        PromiseState.SUPERSEDED,
        PromiseState.PENDING,
    ]
    assert states(scene.brist, date(2026, 12, 21)) == [
        PromiseState.SUPERSEDED,
        PromiseState.BROKEN,
    ]


# --- the agenda ---------------------------------------------------------------------------


def _mote(scene, day: date):
    group = meetings.create_group(
        scope=Scope.everything(),
        fields=meetings.GroupFields("Ledningsgruppen", GruppTyp.ARBETANDE, [scene.verksamhet], ""),
    )
    mote = meetings.plan_mote(
        scope=Scope.everything(),
        group=group,
        fields=meetings.MoteFields(
            datetime.combine(day, time(13), STOCKHOLM), None, "Stadshuset", None
        ),
    )
    meetings.propose_dagordning(scope=Scope.everything(), mote=mote, expected_version=mote.version)
    return mote


def test_a_broken_promise_puts_the_brist_on_the_next_agenda(scene):
    # A handläggare-level brist is never new on the agenda: only the broken promise puts it there.
    promise(scene)
    kept = scene.new_brist(titel="Hållet löfte")
    promise(scene, brist=kept)
    close(kept, scene.ombud, Utfall.ATGARDAD, date(2026, 11, 19))
    before = _mote(scene, PROMISED)
    assert not [p for p in before.visible_punkter if p.brist_id]
    mote = _mote(scene, date(2026, 11, 25))
    [punkt] = [p for p in mote.visible_punkter if p.brist_id]
    assert punkt.brist_id == scene.brist.id
    assert punkt.skal == ["lofte_passerat"]
    assert punkt.sektion == Sektion.UPPFOLJNING


# --- the digest ---------------------------------------------------------------------------


def test_the_digest_lists_a_broken_promise_until_a_bevakning_is_recorded(scene):
    promise(scene)
    followups.move_bevakning(
        brist=scene.brist,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        due_on=date(2027, 1, 15),
        now=at(date(2026, 11, 6)),
    )  # no bevakning due: only the promise makes a digest
    db.session.commit()
    assert sweep_digests(now=at(PROMISED)) == 0
    assert sweep_digests(now=at(BROKEN_ON)) == 1
    key = f"digest:{scene.ombud.id}:{BROKEN_ON.isoformat()}"
    text = body(key)
    assert "Utlovad åtgärd inte genomförd" in text
    assert f"Försäkringskassan utlovade åtgärd till {PROMISED.isoformat()}" in text
    assert f"/brister/{scene.brist.id}" in text
    assert sweep_digests(now=at(date(2026, 11, 24))) == 1  # still, the next working day
    followups.record_bevakning(
        brist=scene.brist,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        finding="Myndigheten har inte gjort något.",
        next_on=date(2027, 1, 15),
        now=at(date(2026, 11, 24), 15),
    )
    db.session.commit()
    assert sweep_digests(now=at(date(2026, 11, 25))) == 0
    assert outbox_keys("digest:%") == [key, f"digest:{scene.ombud.id}:2026-11-24"]


def test_the_digest_asks_about_a_due_efterkontroll_until_answered(scene, app):
    brist = scene.new_brist(titel="Åtgärdad för länge sedan", niva=Niva.LOKAL)
    close(brist, scene.ombud, Utfall.ATGARDAD, date(2026, 8, 3))
    kontroll = db.session.scalar(select(Efterkontroll).where(Efterkontroll.brist_id == brist.id))
    assert kontroll.due_on == date(2026, 11, 3)
    assert sweep_digests(now=at(date(2026, 11, 2))) == 0
    assert sweep_digests(now=at(date(2026, 11, 3))) == 1
    text = body(f"digest:{scene.ombud.id}:2026-11-03")
    assert "Håller åtgärden?" in text and brist.nummer in text
    assert "Stängd 2026-08-03, kontrolleras från 2026-11-03" in text
    followups.record_efterkontroll(
        kontroll=kontroll,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        svar=EfterkontrollSvar.HALLER,
        now=at(date(2026, 11, 3), 14),
    )
    db.session.commit()
    assert sweep_digests(now=at(date(2026, 11, 4))) == 0


def test_a_returned_fix_reopens_and_goes_on_the_agenda(scene):
    brist = scene.new_brist(titel="Kom tillbaka")
    close(brist, scene.ombud, Utfall.DELVIS_ATGARDAD, date(2026, 8, 3))
    kontroll = db.session.scalar(select(Efterkontroll).where(Efterkontroll.brist_id == brist.id))
    followups.record_efterkontroll(
        kontroll=kontroll,
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        svar=EfterkontrollSvar.ATERKOMMIT,
        now=at(date(2026, 11, 4)),
    )
    db.session.commit()
    assert not brist.is_closed
    mote = _mote(scene, date(2026, 11, 25))
    [punkt] = [p for p in mote.visible_punkter if p.brist_id == brist.id]
    # Its own reason first (the section and proposal follow it), the ombud's mark beside it.
    assert punkt.skal[0] == "aterkommen" and "markerad" in punkt.skal


@pytest.mark.parametrize("svar", list(EfterkontrollSvar))
def test_an_efterkontroll_is_refused_outside_the_scope(scene, svar):
    brist = scene.new_brist(titel="Utanför")
    close(brist, scene.ombud, Utfall.ATGARDAD, date(2026, 8, 3))
    kontroll = db.session.scalar(select(Efterkontroll).where(Efterkontroll.brist_id == brist.id))
    stranger = factories.UserFactory(email="x@annan.example", verksamheter=[])
    with pytest.raises(PermissionDenied):
        followups.record_efterkontroll(
            kontroll=kontroll, user=stranger, scope=scope_for(stranger), svar=svar
        )
    assert kontroll.answered_at is None


def test_the_efterkontroll_counts_from_the_day_of_the_closing_not_of_recording_it(scene):
    brist = scene.new_brist(titel="Beslutad på möte")
    brister_services.close_brist(
        brist=brist,
        user=scene.ombud,
        scope=factories.closing_scope(scene.ombud),
        utfall=Utfall.ATGARDAD,
        comment="",
        expected_version=brist.version,
        now=at(date(2026, 12, 3)),
        happened_on=date(2026, 11, 30),  # the meeting's day, recorded days later
    )
    db.session.commit()
    kontroll = db.session.scalar(select(Efterkontroll).where(Efterkontroll.brist_id == brist.id))
    assert kontroll.closed_on == date(2026, 11, 30)
    assert kontroll.due_on == date(2027, 3, 1)  # 28 Feb 2027 is a Sunday


def test_the_report_says_how_many_of_the_years_fixes_were_checked_and_lasted(scene):
    """Item 11: the report (and the statistics) show the fixes confirmed to last."""
    from systemfel.reports import documents
    from systemfel.reports import services as reports

    lasting, returned, unchecked, not_fixed, left_out = (
        scene.new_brist(titel=titel)
        for titel in ("Håller", "Återkom", "Inte kontrollerad", "Ej åtgärdad", "Utelämnad")
    )
    for brist in (lasting, returned, unchecked, left_out):
        close(brist, scene.ombud, Utfall.ATGARDAD, date(2026, 3, 2))
    close(not_fixed, scene.ombud, Utfall.EJ_ATGARDAD, date(2026, 3, 2))
    for brist, svar in (
        (lasting, EfterkontrollSvar.HALLER),
        (returned, EfterkontrollSvar.ATERKOMMIT),
        (left_out, EfterkontrollSvar.HALLER),
    ):
        kontroll = db.session.scalar(
            select(Efterkontroll).where(Efterkontroll.brist_id == brist.id)
        )
        followups.record_efterkontroll(
            kontroll=kontroll,
            user=scene.ombud,
            scope=scope_for(scene.ombud),
            svar=svar,
            now=at(date(2026, 6, 8)),
        )
    db.session.commit()
    editor = factories.closing_scope(scene.ombud)
    ids = frozenset({scene.verksamhet.id})
    rapport = reports.exclude_brist(
        scope=editor,
        verksamhet_ids=ids,
        year=2026,
        brist_id=left_out.id,
        reason="Registrerad av misstag.",
        expected_version=0,
        user=scene.ombud,
    )
    document, _ = reports.generate(
        scope=editor, verksamhet_ids=ids, year=2026, rapport=rapport, threshold=3
    )
    line = (
        "Av 3 brister som stängdes som åtgärdade eller delvis åtgärdade under 2026 har 2 "
        "kontrollerats i efterhand: 1 håller, 1 har återkommit."
    )
    assert document.fixes_line() == line
    assert line in documents.rapport_text(document)
    db.session.rollback()
