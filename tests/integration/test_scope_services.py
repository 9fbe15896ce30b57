"""Services refuse what the actor's Scope does not allow, whatever a caller passes them.

Every verb on a brist is called with a scope that does not cover the brist's verksamhet, and
with one that covers it but lacks the operation: each is refused with OutOfScope and nothing
is written (the brist's version, history, observations and follow-ups stay as they were).
"""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from systemfel.auth import services as accounts
from systemfel.auth.domain import Role
from systemfel.auth.models import User
from systemfel.brister import services as brister
from systemfel.brister.domain import Niva, Status, Utfall
from systemfel.brister.models import Brist, Handelse, Observation
from systemfel.errors import OutOfScope
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import Kanal
from systemfel.followups.models import Bevakning, Kontakt
from systemfel.verksamheter import services as tenant
from systemfel.verksamheter.domain import MyndighetTyp, Operation
from systemfel.verksamheter.models import Myndighet, Verksamhet
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.integration.conftest import T0, Scene


def _fields(scene: Scene) -> brister.BristFields:
    brist = scene.brist
    return brister.BristFields(
        titel="Ny rubrik",
        beskrivning=brist.beskrivning,
        niva=brist.niva,
        myndighet_id=brist.myndighet_id,
        other_myndighet_ids=[],
        omrade_id=brist.omrade_id,
        first_observed_on=brist.first_observed_on,
        antal_klienter=1,
        konsekvenser="",
        forslag_atgard="",
        ansvarig_id=scene.ombud.id,
    )


def _verbs(scene: Scene) -> dict[str, tuple[Operation, Callable[[Scope], object]]]:
    """Each verb, the operation it needs, and a call of it with a given scope."""
    brist, ombud = scene.brist, scene.ombud
    return {
        "register": (
            Operation.WORK_BRISTER,
            lambda scope: brister.register_brist(
                verksamhet=scene.verksamhet, user=ombud, scope=scope, fields=_fields(scene),
                prefix="SF",
            ),
        ),
        "edit": (
            Operation.WORK_BRISTER,
            lambda scope: brister.update_brist(
                brist=brist, user=ombud, scope=scope, fields=_fields(scene),
                expected_version=brist.version,
            ),
        ),
        "observe": (
            Operation.WORK_BRISTER,
            lambda scope: brister.add_observation(
                brist=brist, user=ombud, scope=scope, observed_on=date(2026, 2, 1),
                antal_klienter=1, anteckning="",
            ),
        ),
        "escalate": (
            Operation.WORK_BRISTER,
            lambda scope: brister.escalate_brist(
                brist=brist, user=ombud, scope=scope, to_niva=Niva.CENTRAL, reason="Regelverket",
                expected_version=brist.version,
            ),
        ),
        "move": (
            Operation.WORK_BRISTER,
            lambda scope: brister.move_brist(
                brist=brist, user=ombud, scope=scope, to_status=Status.BEVAKAS, comment="",
                expected_version=brist.version,
            ),
        ),
        "close": (
            Operation.CLOSE_BRISTER,
            lambda scope: brister.close_brist(
                brist=brist, user=ombud, scope=scope, utfall=Utfall.ATGARDAD, comment="",
                expected_version=brist.version,
            ),
        ),
        "follow up": (
            Operation.WORK_BRISTER,
            lambda scope: followups.record_bevakning(
                brist=brist, user=ombud, scope=scope, finding="Inget nytt.",
                next_on=date(2027, 3, 1), now=T0,
            ),
        ),
        "move follow-up": (
            Operation.WORK_BRISTER,
            lambda scope: followups.move_bevakning(
                brist=brist, user=ombud, scope=scope, due_on=date(2027, 3, 1), now=T0
            ),
        ),
        "raise": (
            Operation.WORK_BRISTER,
            lambda scope: followups.raise_with_myndighet(
                brist=brist, user=ombud, scope=scope, myndighet=scene.myndighet,
                contacted_on=date(2026, 1, 20), kanal=Kanal.TELEFON, summary="Ringt.",
                send_email=False, answer_due_on=None, now=T0 + timedelta(days=5),
            ),
        ),
    }  # fmt: skip


def _written() -> tuple[int, ...]:
    """What the verbs could write, counted."""
    counts = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Brist, Handelse, Observation, Bevakning, Kontakt)
    ]
    versions = db.session.scalar(select(func.sum(Brist.version)))
    return (*counts, versions or 0)


VERBS = [
    "register", "edit", "observe", "escalate", "move", "close", "follow up", "move follow-up",
    "raise",
]  # fmt: skip


@pytest.mark.parametrize("verb", VERBS)
def test_a_scope_of_another_verksamhet_is_refused_and_nothing_is_written(scene, verb):
    db.session.commit()
    before = _written()
    elsewhere = Scope(frozenset({scene.verksamhet.id + 1000}), frozenset(Operation))
    _operation, call = _verbs(scene)[verb]
    with pytest.raises(OutOfScope):
        call(elsewhere)
    db.session.rollback()
    assert _written() == before


@pytest.mark.parametrize("verb", VERBS)
def test_a_scope_without_the_operation_is_refused_and_nothing_is_written(scene, verb):
    db.session.commit()
    before = _written()
    operation, call = _verbs(scene)[verb]
    lacking = Scope(frozenset({scene.verksamhet.id}), frozenset(Operation) - {operation})
    with pytest.raises(OutOfScope):
        call(lacking)
    db.session.rollback()
    assert _written() == before


@pytest.mark.parametrize("verb", VERBS)
def test_the_verb_is_carried_out_when_the_scope_allows_it(scene, verb):
    """The refusals above are the scope's: with it, each verb writes something."""
    db.session.commit()
    before = _written()
    operation, call = _verbs(scene)[verb]
    call(Scope(frozenset({scene.verksamhet.id}), frozenset({operation})))
    db.session.flush()
    assert _written() != before


def test_a_ledningsgrupp_login_changes_nothing(scene):
    reader = Scope(frozenset({scene.verksamhet.id}), Role.LEDNINGSGRUPP.operations)
    db.session.commit()
    before = _written()
    for _operation, call in _verbs(scene).values():
        with pytest.raises(OutOfScope):
            call(reader)
        db.session.rollback()
    assert _written() == before


# --- Tenant data and accounts: the samordnare's verbs refuse other verksamheter ------------


def _samordnare_of(verksamhet_id: int) -> Scope:
    return Scope(frozenset({verksamhet_id}), Role.SAMORDNARE.operations)


def test_lists_and_verksamheter_refuse_a_scope_that_does_not_manage_them(scene):
    other = factories.verksamhet("PO Annanstans")
    mine = _samordnare_of(scene.verksamhet.id)
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Myndighet))
    refused = [
        lambda: tenant.save_myndighet(
            scope=mine, verksamhet_id=other.id, namn="Ny", typ=MyndighetTyp.STATLIG,
            epost=[], is_active=True,
        ),
        lambda: tenant.save_myndighet(  # another verksamhet's myndighet under my id
            scope=mine, verksamhet_id=scene.verksamhet.id, namn="Flyttad",
            typ=MyndighetTyp.STATLIG, epost=[], is_active=True,
            myndighet=db.session.scalars(
                select(Myndighet).where(Myndighet.verksamhet_id == other.id)
            ).first(),
        ),
        lambda: tenant.save_omrade(scope=mine, verksamhet_id=other.id, namn="Nytt", is_active=True),
        lambda: tenant.update_verksamhet(scope=mine, verksamhet=other, namn="Bytt", kommuner=[]),
        lambda: tenant.create_verksamhet(scope=mine, namn="PO Egen", kommuner=["Egen"]),
    ]  # fmt: skip
    for call in refused:
        with pytest.raises(OutOfScope):
            call()
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Myndighet)) == before
    assert db.session.get(Verksamhet, other.id).namn == "PO Annanstans"


def test_accounts_refuse_a_scope_that_does_not_manage_all_their_verksamheter(scene):
    other = factories.verksamhet("PO Annanstans")
    both = factories.UserFactory(verksamheter=[scene.verksamhet, other])
    mine = _samordnare_of(scene.verksamhet.id)
    role = Role.SAMORDNARE
    db.session.commit()
    users = db.session.scalar(select(func.count()).select_from(User))
    with pytest.raises(OutOfScope):
        accounts.create_user(
            actor_role=role, scope=mine, email="ny@annan.example", namn="Ny",
            role=Role.OMBUD, verksamheter=[other],
        )  # fmt: skip
    db.session.rollback()
    with pytest.raises(OutOfScope):
        accounts.update_user(
            actor_role=role, scope=mine, user=both, namn="Bytt", role=Role.OMBUD,
            verksamheter=[scene.verksamhet], is_active=True,
        )  # fmt: skip
    db.session.rollback()
    with pytest.raises(OutOfScope):
        accounts.reset_password(actor_role=role, scope=mine, user=both)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert {v.id for v in db.session.get(User, both.id).verksamheter} == {
        scene.verksamhet.id,
        other.id,
    }
    # Within the scope the same verbs work.
    accounts.create_user(
        actor_role=role, scope=mine, email="ny@hemma.example", namn="Ny", role=Role.OMBUD,
        verksamheter=[scene.verksamhet],
    )  # fmt: skip
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(User)) == users + 1
