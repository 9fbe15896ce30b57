"""The brist verbs against a real database: numbering, history, observations, merge, reopen."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.brister import queries, services
from systemfel.brister.domain import HandelseTyp, Niva, Status, Utfall
from systemfel.brister.models import Brist
from systemfel.errors import ConflictError, ValidationError
from systemfel.extensions import db
from systemfel.verksamheter.scope import Scope
from tests import factories


@pytest.fixture
def home(ctx):
    verksamhet = factories.verksamhet("PO Test")
    ombud = factories.UserFactory(verksamheter=[verksamhet])
    db.session.flush()
    return verksamhet, ombud


def test_numbers_count_per_verksamhet_and_year(ctx, home):
    verksamhet, ombud = home
    other = factories.verksamhet("PO Annan")
    other_ombud = factories.UserFactory(verksamheter=[other])
    first = factories.brist(verksamhet, ombud)
    second = factories.brist(verksamhet, ombud)
    elsewhere = factories.brist(other, other_ombud)
    year = first.year
    assert [first.nummer, second.nummer] == [f"SF-{year}-0001", f"SF-{year}-0002"]
    assert elsewhere.nummer == f"SF-{year}-0001"


def test_numbering_starts_again_in_a_new_year(ctx, home):
    verksamhet, ombud = home
    fields = services.BristFields(
        titel="T",
        beskrivning="B",
        niva=Niva.LOKAL,
        myndighet_id=factories.brist(verksamhet, ombud).myndighet_id,
        other_myndighet_ids=[],
        omrade_id=db.session.scalar(select(Brist.omrade_id)),
        first_observed_on=date(2025, 12, 1),
        antal_klienter=1,
        konsekvenser="",
        forslag_atgard="",
        ansvarig_id=ombud.id,
    )
    # 23:30 UTC on New Year's Eve is already the new year in Stockholm.
    new_year = datetime(2027, 12, 31, 23, 30, tzinfo=UTC)
    brist = services.register_brist(
        verksamhet=verksamhet,
        user=ombud,
        scope=scope_for(ombud),
        fields=fields,
        prefix="SF",
        now=new_year,
    )
    assert brist.nummer == "SF-2028-0001"


def test_registration_refuses_personnummer_even_without_a_form(ctx, home):
    verksamhet, ombud = home
    with pytest.raises(ValidationError) as refused:
        factories.brist(verksamhet, ombud, beskrivning="Gäller 811218-9876")
    assert refused.value.field == "beskrivning"


def test_myndighet_of_another_verksamhet_is_refused(ctx, home):
    verksamhet, ombud = home
    other = factories.verksamhet("PO Annan")
    foreign = factories.brist(other, factories.UserFactory(verksamheter=[other]))
    with pytest.raises(ValidationError) as refused:
        factories.brist(verksamhet, ombud, myndighet_id=foreign.myndighet_id)
    assert refused.value.field == "myndighet_id"


def test_observations_add_up_and_do_not_bump_the_version(ctx, home):
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud, antal_klienter=3)
    for count in (2, 5):
        services.add_observation(
            brist=brist,
            user=ombud,
            scope=scope_for(ombud),
            observed_on=date(2026, 3, 1),
            antal_klienter=count,
            anteckning="Igen",
        )
    assert queries.totals_for([brist])[brist.id] == queries.Totals(times=3, clients=10)
    assert brist.version == 1


def test_filter_choices_are_the_verksamhetens_lists_by_name(ctx, home):
    verksamhet, ombud = home
    factories.UserFactory(namn="Åsa Annan", verksamheter=[factories.verksamhet("PO Annan")])
    factories.UserFactory(namn="Bo Kollega", verksamheter=[verksamhet])
    scope = frozenset({verksamhet.id})
    full = queries.choices_for(scope)
    choices = queries.filter_choices(scope)
    assert choices.myndigheter == [(m.id, m.namn) for m in full["myndigheter"]]
    assert choices.omraden == [(o.id, o.namn) for o in full["omraden"]]
    assert choices.users == [(u.id, u.namn) for u in full["users"]]
    assert [namn for _id, namn in choices.users] == sorted([ombud.namn, "Bo Kollega"])


def test_escalation_records_old_and_new_level(ctx, home):
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud)
    services.escalate_brist(
        brist=brist,
        user=ombud,
        scope=scope_for(ombud),
        to_niva=Niva.CENTRAL,
        reason="Regelverket",
        expected_version=1,
    )
    entry = brist.handelser[-1]
    assert (entry.typ, entry.data, entry.text) == (
        HandelseTyp.ESKALERAD,
        {"from": "handlaggare", "to": "central", "mote_id": None},
        "Regelverket",
    )
    assert (brist.niva, brist.version, entry.version) == (Niva.CENTRAL, 2, 2)


def test_stale_version_is_a_conflict_listing_what_was_missed(ctx, home):
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud)
    services.move_brist(
        brist=brist,
        user=ombud,
        scope=scope_for(ombud),
        to_status=Status.BEVAKAS,
        comment="",
        expected_version=1,
    )
    with pytest.raises(ConflictError) as conflict:
        services.escalate_brist(
            brist=brist,
            user=ombud,
            scope=scope_for(ombud),
            to_niva=Niva.LOKAL,
            reason="x",
            expected_version=1,
        )
    assert conflict.value.current_version == 2
    assert [entry.typ for entry in conflict.value.changes] == [HandelseTyp.STATUS]


def test_merge_closes_and_points_at_the_other_brist(ctx, home):
    verksamhet, ombud = home
    kept, merged = factories.brist(verksamhet, ombud), factories.brist(verksamhet, ombud)
    services.close_brist(
        brist=merged,
        user=ombud,
        scope=factories.closing_scope(ombud),
        utfall=Utfall.SAMMANSLAGEN,
        comment="Samma fel",
        expected_version=1,
        merged_into=kept,
    )
    assert (merged.status, merged.merged_into_id) == (Status.STANGD, kept.id)
    assert kept.handelser[-1].typ == HandelseTyp.SAMMANSLAGEN_HIT
    assert queries.merged_here(kept) == [merged]


def test_cannot_merge_into_a_closed_brist(ctx, home):
    verksamhet, ombud = home
    closed, other = factories.brist(verksamhet, ombud), factories.brist(verksamhet, ombud)
    services.close_brist(
        brist=closed,
        user=ombud,
        scope=factories.closing_scope(ombud),
        utfall=Utfall.ATGARDAD,
        comment="",
        expected_version=1,
    )
    with pytest.raises(ValidationError):
        services.close_brist(
            brist=other,
            user=ombud,
            scope=factories.closing_scope(ombud),
            utfall=Utfall.SAMMANSLAGEN,
            comment="",
            expected_version=1,
            merged_into=closed,
        )


def test_reopen_keeps_history_and_clears_the_outcome(ctx, home):
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud)
    services.close_brist(
        brist=brist,
        user=ombud,
        scope=factories.closing_scope(ombud),
        utfall=Utfall.ATGARDAD,
        comment="",
        expected_version=1,
    )
    services.reopen_brist(
        brist=brist,
        user=ombud,
        scope=scope_for(ombud),
        reason="Har kommit tillbaka",
        expected_version=2,
    )
    assert (brist.status, brist.utfall, brist.closed_at) == (Status.BEVAKAS, None, None)
    assert [e.typ for e in brist.handelser] == [
        HandelseTyp.REGISTRERAD,
        HandelseTyp.STANGD,
        HandelseTyp.ATEROPPNAD,
    ]


def test_closed_brist_cannot_be_edited(ctx, home):
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud)
    services.close_brist(
        brist=brist,
        user=ombud,
        scope=factories.closing_scope(ombud),
        utfall=Utfall.EJ_ATGARDAD,
        comment="",
        expected_version=1,
    )
    fields = services.BristFields(
        titel="Ny",
        beskrivning="B",
        niva=brist.niva,
        myndighet_id=brist.myndighet_id,
        other_myndighet_ids=[],
        omrade_id=brist.omrade_id,
        first_observed_on=date(2026, 1, 1),
        antal_klienter=1,
        konsekvenser="",
        forslag_atgard="",
        ansvarig_id=ombud.id,
    )
    with pytest.raises(ValidationError):
        services.update_brist(
            brist=brist, user=ombud, scope=scope_for(ombud), fields=fields, expected_version=2
        )


def test_free_text_search_is_case_insensitive_with_swedish_letters(ctx, home):
    verksamhet, ombud = home
    factories.brist(verksamhet, ombud, titel="Överförmyndaren svarar inte")
    factories.brist(verksamhet, ombud, titel="Något annat")
    criteria = queries.BristFilter(scope=Scope(frozenset({verksamhet.id})), text="ÖVERFÖRMYNDAREN")
    page = queries.list_brister(criteria, "nummer", 1, 25)
    assert [brist.titel for brist in page.items] == ["Överförmyndaren svarar inte"]


def test_like_wildcards_in_search_are_literal(ctx, home):
    verksamhet, ombud = home
    factories.brist(verksamhet, ombud, titel="Hundra procent")
    criteria = queries.BristFilter(scope=Scope(frozenset({verksamhet.id})), text="%")
    assert queries.list_brister(criteria, "nummer", 1, 25).total == 0


def test_myndighet_filter_includes_other_myndigheter(ctx, home):
    verksamhet, ombud = home
    primary = factories.brist(verksamhet, ombud)
    also = db.session.scalar(
        select(type(primary.myndighet)).where(
            type(primary.myndighet).verksamhet_id == verksamhet.id,
            type(primary.myndighet).id != primary.myndighet_id,
        )
    )
    concerned = factories.brist(verksamhet, ombud, other_myndighet_ids=[also.id])
    criteria = queries.BristFilter(scope=Scope(frozenset({verksamhet.id})), myndighet_id=also.id)
    assert [b.id for b in queries.list_brister(criteria, "nummer", 1, 25).items] == [concerned.id]


def test_no_observation_on_a_closed_brist(ctx, home):
    verksamhet, ombud = home
    brist = factories.brist(verksamhet, ombud)
    services.close_brist(
        brist=brist,
        user=ombud,
        scope=factories.closing_scope(ombud),
        utfall=Utfall.ATGARDAD,
        comment="",
        expected_version=1,
    )
    with pytest.raises(ValidationError):
        services.add_observation(
            brist=brist,
            user=ombud,
            scope=scope_for(ombud),
            observed_on=date(2026, 3, 1),
            antal_klienter=1,
            anteckning="",
        )
