"""Meetings against the real database: proposing, fastställa, minutes whose decisions act."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.brister.domain import HandelseTyp, Niva, Status, Utfall, decision_sentence
from systemfel.brister.models import Handelse
from systemfel.errors import ConflictError, OutOfScope, PermissionDenied, ValidationError
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import SvarTyp
from systemfel.meetings import services
from systemfel.meetings.domain import (
    Beslut,
    BeslutTyp,
    GruppTyp,
    MotesStatus,
    OrganTyp,
    Sektion,
    proposed_beslut,
)
from systemfel.meetings.models import Lyft, Mote, Punkt
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import STOCKHOLM, T0, at

MOTE_DAY = date(2026, 12, 8)


def group_for(scene, standing: str = "Ledningsgruppens sammansättning"):
    return services.create_group(
        scope=Scope.everything(),
        fields=services.GroupFields(
            namn="Ledningsgruppen PO Bevakning",
            typ=GruppTyp.ARBETANDE,
            verksamheter=[scene.verksamhet],
            staende_punkter=standing,
        ),
    )


def mote_on(group, day: date, justerare=None) -> Mote:
    return services.plan_mote(
        scope=Scope.everything(),
        group=group,
        fields=services.MoteFields(
            starts_at=datetime.combine(day, datetime.min.time().replace(hour=13), STOCKHOLM),
            ends_at=None,
            plats="Stadshuset, rum 3",
            justerare=justerare,
        ),
    )


def keys(mote: Mote) -> list[str]:
    return [p.key for p in mote.visible_punkter]


def propose(mote: Mote) -> None:
    services.propose_dagordning(scope=Scope.everything(), mote=mote, expected_version=mote.version)


def hold(mote: Mote, user, decisions: dict[int, Beslut] | None = None, deferred=()) -> None:
    """Fastställ the agenda, then save the minutes with decisions and apply them."""
    if mote.status == MotesStatus.PLANERAT:
        services.faststall_dagordning(
            scope=Scope.everything(), mote=mote, user=user, expected_version=mote.version
        )
    decisions = decisions or {}
    protokoll = [
        services.PunktProtokoll(
            punkt=p,
            anteckning=f"Diskuterades {p.key}",
            is_deferred=p.brist_id in deferred,
            beslut=decisions.get(p.brist_id) if p.brist_id else None,
        )
        for p in mote.visible_punkter
    ]
    services.save_protokoll(
        scope=Scope.everything(),
        mote=mote,
        protokoll=protokoll,
        expected_version=mote.version,
        apply=True,
        user=user,
        now=after_start(mote),
    )


def after_start(mote: Mote) -> datetime:
    """Two hours into the meeting: minutes, decisions and justering wait for its start."""
    return mote.starts_at + timedelta(hours=2)


@pytest.fixture
def samordnare(scene):
    user = factories.UserFactory(
        email="chef@bevakning.example",
        namn="Sara Samordnare",
        role=factories.Role.SAMORDNARE,
        verksamheter=[scene.verksamhet],
    )
    db.session.commit()
    return user


def test_a_first_agenda_has_new_lokal_brister_standing_items_and_fixed_items(scene, samordnare):
    lokal = scene.new_brist(titel="Ingen kontinuitet", niva=Niva.LOKAL)
    group = group_for(scene)
    mote = mote_on(group, MOTE_DAY)
    propose(mote)
    assert keys(mote) == [
        "oppnande",
        "justerare",
        f"brist:{lokal.id}",
        "staende:ledningsgruppens sammansättning",
        "ovriga_fragor",
        "nasta_mote",
        "avslutning",
    ]
    punkt = mote.visible_punkter[2]
    assert punkt.sektion == Sektion.NYA
    assert punkt.skal == ["ny"]
    assert punkt.facts["nummer"] == lokal.nummer
    assert punkt.facts["myndighet"] == "Försäkringskassan"
    assert punkt.rubrik == f"{lokal.nummer} Ingen kontinuitet"


def test_regenerating_keeps_manual_edits_and_is_idempotent(scene, samordnare):
    first = scene.new_brist(niva=Niva.LOKAL, titel="Första")
    second = scene.new_brist(niva=Niva.CENTRAL, titel="Andra")
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    assert keys(mote)[2:4] == [f"brist:{second.id}", f"brist:{first.id}"]  # central first
    punkter = {p.key: p for p in mote.punkter}
    services.move_punkt(
        scope=Scope.everything(),
        mote=mote,
        punkt=punkter[f"brist:{first.id}"],
        step=-1,
        expected_version=mote.version,
    )
    services.remove_punkt(
        scope=Scope.everything(),
        mote=mote,
        punkt=punkter["justerare"],
        expected_version=mote.version,
    )
    services.add_punkt(
        scope=Scope.everything(),
        mote=mote,
        rubrik="Budget 2027",
        sektion=Sektion.STAENDE,
        brist=None,
        expected_version=mote.version,
    )
    edited = keys(mote)
    propose(mote)
    assert keys(mote) == edited
    propose(mote)
    assert keys(mote) == edited
    assert "justerare" not in edited
    assert edited.index(f"brist:{first.id}") < edited.index(f"brist:{second.id}")
    assert any(p.rubrik == "Budget 2027" for p in mote.visible_punkter)


def test_a_fastställd_agenda_is_a_snapshot_and_cannot_change(scene, samordnare):
    lokal = scene.new_brist(niva=Niva.LOKAL, titel="Före")
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    services.faststall_dagordning(
        scope=Scope.everything(), mote=mote, user=samordnare, expected_version=mote.version
    )
    db.session.commit()
    lokal.titel = "Efter"
    lokal.status = Status.BEVAKAS
    db.session.commit()
    punkt = next(p for p in mote.punkter if p.brist_id == lokal.id)
    assert punkt.facts["titel"] == "Före"
    assert punkt.facts["status"] == "registrerad"
    with pytest.raises(ValidationError, match="fastställd"):
        propose(mote)
    with pytest.raises(ValidationError, match="fastställd"):
        services.remove_punkt(
            scope=Scope.everything(), mote=mote, punkt=punkt, expected_version=mote.version
        )


def test_a_stale_version_is_a_conflict_and_changes_nothing(scene, samordnare):
    scene.new_brist(niva=Niva.LOKAL)
    mote = mote_on(group_for(scene), MOTE_DAY)
    stale = mote.version
    propose(mote)
    db.session.commit()
    with pytest.raises(ConflictError):
        services.faststall_dagordning(
            scope=Scope.everything(), mote=mote, user=samordnare, expected_version=stale
        )
    assert mote.status == MotesStatus.PLANERAT


def test_decisions_act_on_the_brister_in_one_step(scene, samordnare):
    escalated = scene.new_brist(niva=Niva.LOKAL, titel="Eskaleras")
    closed = scene.new_brist(niva=Niva.LOKAL, titel="Avslutas")
    action = scene.new_brist(niva=Niva.CENTRAL, titel="Åtgärd")
    watched = scene.new_brist(niva=Niva.CENTRAL, titel="Bevakas")
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    later = MOTE_DAY + timedelta(days=60)
    hold(
        mote,
        samordnare,
        {
            escalated.id: Beslut(BeslutTyp.ESKALERA, till_niva=Niva.CENTRAL),
            closed.id: Beslut(BeslutTyp.AVSLUTA, utfall=Utfall.ATGARDAD, text="Rutinen ändrad"),
            action.id: Beslut(BeslutTyp.ATGARD, "Utbilda handläggare", "Kommunen", later),
            watched.id: Beslut(BeslutTyp.BEVAKA, senast_on=later),
        },
    )
    db.session.commit()
    assert mote.status == MotesStatus.GENOMFORT
    assert escalated.niva == Niva.CENTRAL
    assert closed.status == Status.STANGD and closed.utfall == Utfall.ATGARDAD
    assert followups.open_bevakning(action).due_on == later
    assert followups.open_bevakning(watched).due_on == later
    for brist, typ, beslut in [
        (escalated, HandelseTyp.ESKALERAD, "eskalera"),
        (closed, HandelseTyp.STANGD, "avsluta"),
        (action, None, "atgard"),
        (watched, None, "bevaka"),
    ]:
        [decision] = db.session.scalars(
            select(Handelse).where(
                Handelse.brist_id == brist.id, Handelse.typ == HandelseTyp.BESLUT
            )
        ).all()
        assert (decision.data["grupp"], decision.data["mote_on"], decision.data["beslut"]) == (
            "Ledningsgruppen PO Bevakning",
            "2026-12-08",
            beslut,
        )
        assert decision.data["mote_id"] == mote.id
        assert decision.happened_on == date(2026, 12, 8)
        if typ is not None:
            [acted] = db.session.scalars(
                select(Handelse).where(Handelse.brist_id == brist.id, Handelse.typ == typ)
            ).all()
            assert acted.data["mote_id"] == mote.id


def test_one_bad_decision_refuses_the_whole_save(scene, samordnare):
    good = scene.new_brist(niva=Niva.LOKAL, titel="Bra")
    bad = scene.new_brist(niva=Niva.CENTRAL, titel="Dålig")
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    services.faststall_dagordning(
        scope=Scope.everything(), mote=mote, user=samordnare, expected_version=mote.version
    )
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        hold(
            mote,
            samordnare,
            {
                good.id: Beslut(BeslutTyp.ESKALERA, till_niva=Niva.CENTRAL),
                bad.id: Beslut(BeslutTyp.ESKALERA, till_niva=Niva.CENTRAL),  # already central
            },
        )
    db.session.rollback()
    bad_punkt = next(p for p in mote.punkter if p.brist_id == bad.id)
    # Nothing is above central nivå: the refusal names the kind of decision, not the level.
    assert [(e.field, e.row) for e in refused.value.errors] == [("beslut_typ", bad_punkt.id)]
    assert good.niva == Niva.LOKAL
    assert mote.status == MotesStatus.DAGORDNING_FASTSTALLD


def test_items_not_dealt_with_are_carried_to_the_next_meeting(scene, samordnare):
    carried = scene.new_brist(niva=Niva.LOKAL, titel="Hanns inte med")
    done = scene.new_brist(niva=Niva.LOKAL, titel="Klar")
    group = group_for(scene)
    first = mote_on(group, MOTE_DAY)
    propose(first)
    hold(first, samordnare, deferred={carried.id})
    db.session.commit()
    second = mote_on(group, MOTE_DAY + timedelta(days=90))
    propose(second)
    punkt = next(p for p in second.visible_punkter if p.brist_id == carried.id)
    assert punkt.sektion == Sektion.OVERFORDA
    # Its first follow-up (set when it was registered) is due by now as well.
    assert punkt.skal == ["overford", "bevakning_forfallen"]
    followed = next(p for p in second.visible_punkter if p.brist_id == done.id)
    assert (followed.sektion, followed.skal) == (Sektion.UPPFOLJNING, ["bevakning_forfallen"])
    assert "foregaende_protokoll" in keys(second)


def test_follow_up_rules_see_answers_and_escalation_proposals(scene, samordnare):
    answered = scene.new_brist(niva=Niva.LOKAL, titel="Besvarad")
    group = group_for(scene)
    first = mote_on(group, MOTE_DAY)
    propose(first)
    hold(first, samordnare)
    db.session.commit()
    kontakt = scene.email_request(brist=answered, now=at(MOTE_DAY + timedelta(days=3)))
    followups.record_answer(
        kontakt=kontakt,
        typ=SvarTyp.ATGARDAT,
        text="Vi har ändrat rutinen.",
        diarienummer="",
        promised_on=None,
        responsible_body="",
        now=at(MOTE_DAY + timedelta(days=10)),
    )
    escalate = scene.new_brist(niva=Niva.HANDLAGGARE, titel="Obesvarad")
    escalate.escalation_proposed_at = T0
    db.session.commit()
    second = mote_on(group, MOTE_DAY + timedelta(days=90))
    propose(second)
    by_brist = {p.brist_id: p for p in second.visible_punkter if p.brist_id}
    assert by_brist[answered.id].sektion == Sektion.FORSLAG
    assert by_brist[answered.id].skal == ["avslut", "bevakning_forfallen", "svar_inkommet"]
    assert by_brist[answered.id].facts["svar_typ"] == "atgardat"
    assert by_brist[escalate.id].skal == ["eskalering"]
    assert by_brist[escalate.id].forslag == BeslutTyp.ESKALERA


def test_an_ombud_mark_puts_a_handlaggare_brist_on_the_agenda_until_dealt_with(scene, samordnare):
    marked = scene.new_brist(niva=Niva.HANDLAGGARE, titel="Markerad")
    services.mark_for_group(scope=Scope.everything(), brist=marked, user=scene.ombud, marked=True)
    group = group_for(scene)
    mote = mote_on(group, MOTE_DAY)
    propose(mote)
    assert f"brist:{marked.id}" in keys(mote)
    hold(mote, samordnare)
    db.session.commit()
    assert marked.marked_for_group_at is None
    history = [h.typ for h in marked.handelser]
    assert HandelseTyp.TAS_UPP_I_LEDNINGSGRUPP in history


def test_justering_locks_the_minutes(scene, samordnare):
    member = services.add_member(
        scope=Scope.everything(),
        group=group_for(scene),
        namn="Jan Justerare",
        organisation="Psykiatrin",
        epost="",
        user=None,
    )
    mote = mote_on(member.ledningsgrupp, MOTE_DAY, justerare=member)
    propose(mote)
    with pytest.raises(ValidationError, match="Spara protokollet"):
        services.justera(
            scope=Scope.everything(), mote=mote, user=samordnare, expected_version=mote.version
        )
    hold(mote, samordnare)
    with pytest.raises(PermissionDenied):
        services.justera(
            scope=scope_for(scene.ombud), mote=mote, user=scene.ombud, expected_version=mote.version
        )
    services.justera(
        scope=Scope.everything(),
        mote=mote,
        user=samordnare,
        expected_version=mote.version,
        now=after_start(mote),
    )
    db.session.commit()
    assert mote.status == MotesStatus.PROTOKOLL_JUSTERAT
    with pytest.raises(ValidationError, match="justerat"):
        services.save_protokoll(
            scope=Scope.everything(),
            mote=mote,
            protokoll=[],
            expected_version=mote.version,
            apply=False,
            user=samordnare,
        )


def test_notes_can_be_corrected_after_the_decisions_but_decisions_stay(scene, samordnare):
    brist = scene.new_brist(niva=Niva.LOKAL)
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    hold(mote, samordnare, {brist.id: Beslut(BeslutTyp.INFORMATION)})
    punkt = next(p for p in mote.punkter if p.brist_id == brist.id)
    services.save_protokoll(
        scope=Scope.everything(),
        mote=mote,
        protokoll=[
            services.PunktProtokoll(
                punkt=punkt,
                anteckning="Rättad anteckning",
                is_deferred=True,
                beslut=Beslut(BeslutTyp.AVSLUTA, utfall=Utfall.ATGARDAD),
            )
        ],
        expected_version=mote.version,
        apply=False,
        user=samordnare,
        now=after_start(mote),
    )
    db.session.commit()
    assert punkt.anteckning == "Rättad anteckning"
    assert punkt.beslut_typ == BeslutTyp.INFORMATION
    assert not punkt.is_deferred
    assert brist.status != Status.STANGD
    with pytest.raises(ValidationError, match="redan verkställda"):
        hold(mote, samordnare)


def test_personnummer_in_minutes_is_refused(scene, samordnare):
    scene.new_brist(niva=Niva.LOKAL)
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    services.faststall_dagordning(
        scope=Scope.everything(), mote=mote, user=samordnare, expected_version=mote.version
    )
    punkt = mote.visible_punkter[0]
    with pytest.raises(ValidationError, match="personnummer"):
        services.save_protokoll(
            scope=Scope.everything(),
            mote=mote,
            protokoll=[services.PunktProtokoll(punkt, "Gäller 811218-9876", False, None)],
            expected_version=mote.version,
            apply=False,
            user=samordnare,
            now=after_start(mote),
        )


def test_agenda_items_survive_in_the_database(scene, samordnare):
    scene.new_brist(niva=Niva.LOKAL)
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalars(
        select(Punkt.key).where(Punkt.mote_id == mote.id).order_by(Punkt.position)
    ).all()
    assert stored == keys(mote)


def test_a_brist_added_by_hand_stays_in_its_section_when_the_rules_find_it(scene, samordnare):
    lokal = scene.new_brist(niva=Niva.LOKAL, titel="För hand")
    mote = mote_on(group_for(scene), MOTE_DAY)
    services.add_punkt(
        scope=Scope.everything(),
        mote=mote,
        rubrik="",
        sektion=Sektion.STAENDE,
        brist=lokal,
        expected_version=mote.version,
    )
    propose(mote)
    propose(mote)
    punkt = next(p for p in mote.visible_punkter if p.brist_id == lokal.id)
    assert (punkt.sektion, punkt.is_manual, punkt.skal) == (Sektion.STAENDE, True, ["ny"])
    ranks = [p.sektion.rank for p in mote.visible_punkter]
    assert ranks == sorted(ranks)


# --- Defect 3 and item 12: a central brist's proposal is savable; lifting to a body -------------


def test_a_central_brist_with_unanswered_reminders_is_held_with_the_proposal_as_it_stands(
    scene, samordnare
):
    central = scene.new_brist(niva=Niva.CENTRAL, titel="Bara digitala kontaktvägar")
    central.escalation_proposed_at = T0
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    punkt = next(p for p in mote.visible_punkter if p.brist_id == central.id)
    assert (punkt.skal[0], punkt.forslag) == ("eskalering", BeslutTyp.BEVAKA)
    proposal = proposed_beslut(punkt.forslag, central.niva, MOTE_DAY)
    hold(mote, samordnare, {central.id: proposal})  # refused before: "Välj en högre nivå"
    db.session.commit()
    assert mote.status == MotesStatus.GENOMFORT
    assert followups.open_bevakning(central).due_on == proposal.senast_on


def lift(scene, samordnare, **beslut_fields):
    central = scene.new_brist(niva=Niva.CENTRAL, titel="Regelverket går inte att navigera")
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    assert f"brist:{central.id}" in keys(mote)  # new since the last meeting
    beslut = Beslut(
        BeslutTyp.LYFTA,
        text="Förbundet tar upp det med Försäkringskassan centralt.",
        organ_typ=OrganTyp.SAMORDNINGSFORBUND,
        organ_namn=" Samordningsförbundet Östra Södertörn ",
        **beslut_fields,
    )
    hold(mote, samordnare, {central.id: beslut})
    db.session.commit()
    return central, mote


def test_a_lift_is_recorded_with_its_body_and_followed_up_like_a_request(scene, samordnare):
    central, mote = lift(scene, samordnare)
    (lyft,) = db.session.scalars(select(Lyft).where(Lyft.brist_id == central.id)).all()
    # Tuesday 8 December 2026 + 30 working days (holidays skipped) = Tuesday 26 January 2027.
    assert (lyft.organ_typ, lyft.organ_namn) == (
        OrganTyp.SAMORDNINGSFORBUND,
        "Samordningsförbundet Östra Södertörn",
    )
    assert (lyft.lifted_on, lyft.svar_senast_on, lyft.mote_id) == (
        MOTE_DAY,
        date(2027, 1, 26),
        mote.id,
    )
    assert followups.open_bevakning(central).due_on == lyft.svar_senast_on
    beslut = next(h for h in central.handelser if h.typ == HandelseTyp.BESLUT)
    assert beslut.data["beslut"] == "lyfta"
    assert beslut.data["organ_namn"] == "Samordningsförbundet Östra Södertörn"
    assert beslut.data["organ_typ"] == "samordningsforbund"
    assert beslut.data["svar_senast_on"] == "2027-01-26"
    assert beslut.data["mote_id"] == mote.id
    moved = next(h for h in central.handelser if h.typ == HandelseTyp.BEVAKNING_FLYTTAD)
    assert (moved.data["to"], moved.data["cause"]) == ("2027-01-26", "beslut")
    assert decision_sentence(beslut.data, beslut.text) == (
        "Beslut i Ledningsgruppen PO Bevakning 2026-12-08: lyfts till Samordningsförbundet "
        "Östra Södertörn, svar väntas senast 2027-01-26. Förbundet tar upp det med "
        "Försäkringskassan centralt."
    )


def test_the_answer_deadline_follows_the_setting(app, scene, samordnare):
    app.config["LYFT_ANSWER_WORKING_DAYS"] = 5
    try:
        central, _ = lift(scene, samordnare)
    finally:
        app.config["LYFT_ANSWER_WORKING_DAYS"] = 30
    lyft = db.session.scalar(select(Lyft).where(Lyft.brist_id == central.id))
    assert lyft.svar_senast_on == date(2026, 12, 15)


def test_a_lift_below_central_nivå_or_without_a_body_refuses_the_save(scene, samordnare):
    lokal = scene.new_brist(niva=Niva.LOKAL, titel="Lokal")
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    with pytest.raises(ValidationError) as refused:
        hold(
            mote,
            samordnare,
            {lokal.id: Beslut(BeslutTyp.LYFTA, organ_typ=OrganTyp.ANNAT, organ_namn="X")},
        )
    db.session.rollback()
    assert [e.field for e in refused.value.errors] == ["beslut_typ"]
    assert db.session.scalars(select(Lyft)).all() == []


def test_a_body_name_with_a_personnummer_is_refused(scene, samordnare):
    with pytest.raises(ValidationError) as refused:
        lift_with_name(scene, samordnare, "Förbundet, ärende 811218-9876")
    db.session.rollback()
    assert [e.field for e in refused.value.errors] == ["beslut_organ_namn"]


def lift_with_name(scene, samordnare, namn):
    central = scene.new_brist(niva=Niva.CENTRAL, titel="Central")
    mote = mote_on(group_for(scene), MOTE_DAY)
    propose(mote)
    beslut = Beslut(BeslutTyp.LYFTA, organ_typ=OrganTyp.LANSSTYRELSEN, organ_namn=namn)
    hold(mote, samordnare, {central.id: beslut})


def test_the_ombud_records_the_bodys_answer_once(scene, samordnare):
    central, _ = lift(scene, samordnare)
    lyft = db.session.scalar(select(Lyft).where(Lyft.brist_id == central.id))
    now = at(date(2027, 1, 12))
    services.record_organ_svar(
        lyft=lyft,
        svar_on=date(2027, 1, 11),
        text=" Förbundets styrelse tar upp frågan i mars. ",
        user=scene.ombud,
        scope=scope_for(scene.ombud),
        now=now,
    )
    db.session.commit()
    assert (lyft.svar_on, lyft.svar_text, lyft.svar_by) == (
        date(2027, 1, 11),
        "Förbundets styrelse tar upp frågan i mars.",
        scene.ombud,
    )
    entry = next(h for h in central.handelser if h.typ == HandelseTyp.ORGAN_SVAR)
    assert entry.data == {
        "organ_namn": "Samordningsförbundet Östra Södertörn",
        "svar_on": "2027-01-11",
        "lyft_id": lyft.id,
    }
    assert (entry.happened_on, entry.text) == (
        date(2027, 1, 11),
        "Förbundets styrelse tar upp frågan i mars.",
    )
    with pytest.raises(ValidationError):
        services.record_organ_svar(
            lyft=lyft,
            svar_on=date(2027, 1, 12),
            text="Igen",
            user=scene.ombud,
            scope=scope_for(scene.ombud),
            now=now,
        )


@pytest.mark.parametrize(
    ("svar_on", "text", "field"),
    [
        (date(2026, 12, 7), "Svar", "svar_on"),  # before the lift
        (date(2027, 1, 13), "Svar", "svar_on"),  # in the future
        (None, "Svar", "svar_on"),
        (date(2027, 1, 11), "  ", "text"),
        (date(2027, 1, 11), "Gäller 811218-9876", "text"),
    ],
)
def test_a_bad_answer_from_the_body_is_refused_and_nothing_is_stored(
    scene, samordnare, svar_on, text, field
):
    central, _ = lift(scene, samordnare)
    lyft = db.session.scalar(select(Lyft).where(Lyft.brist_id == central.id))
    with pytest.raises(ValidationError) as refused:
        services.record_organ_svar(
            lyft=lyft,
            svar_on=svar_on,
            text=text,
            user=scene.ombud,
            scope=scope_for(scene.ombud),
            now=at(date(2027, 1, 12)),
        )
    db.session.rollback()
    assert refused.value.field == field
    assert lyft.svar_on is None


def test_only_someone_working_the_brist_in_its_verksamhet_records_the_answer(scene, samordnare):
    central, _ = lift(scene, samordnare)
    lyft = db.session.scalar(select(Lyft).where(Lyft.brist_id == central.id))
    elsewhere = factories.verksamhet("PO Någon annanstans")
    stranger = factories.UserFactory(
        email="annan@annan.example", namn="Annan", verksamheter=[elsewhere]
    )
    with pytest.raises(OutOfScope):
        services.record_organ_svar(
            lyft=lyft,
            svar_on=date(2027, 1, 11),
            text="Svar",
            user=stranger,
            scope=scope_for(stranger),
            now=at(date(2027, 1, 12)),
        )
