"""A meeting guards itself: no minutes, decisions or justering before it has started."""

from datetime import timedelta

import pytest

from systemfel.brister.domain import Niva, Status, Utfall
from systemfel.errors import ValidationError
from systemfel.extensions import db
from systemfel.meetings import services
from systemfel.meetings.domain import Beslut, BeslutTyp, MotesStatus
from systemfel.verksamheter.scope import Scope
from tests.integration import test_meetings_services
from tests.integration.test_meetings_services import MOTE_DAY, group_for, hold, mote_on, propose

samordnare = test_meetings_services.samordnare


def _settled(scene, samordnare_user):
    brist = scene.new_brist(niva=Niva.LOKAL)
    group = group_for(scene)
    member = services.add_member(
        scope=Scope.everything(),
        group=group,
        namn="Jan Justerare",
        organisation="Psykiatrin",
        epost="",
        user=None,
    )
    mote = mote_on(group, MOTE_DAY, justerare=member)
    propose(mote)
    services.faststall_dagordning(
        scope=Scope.everything(), mote=mote, user=samordnare_user, expected_version=mote.version
    )
    return brist, mote


def _save(mote, user, brist, *, apply: bool, now):
    services.save_protokoll(
        scope=Scope.everything(),
        mote=mote,
        protokoll=[
            services.PunktProtokoll(
                punkt=p,
                anteckning="Anteckning",
                is_deferred=False,
                beslut=(
                    Beslut(BeslutTyp.AVSLUTA, utfall=Utfall.ATGARDAD)
                    if p.brist_id == brist.id
                    else None
                ),
            )
            for p in mote.visible_punkter
        ],
        expected_version=mote.version,
        apply=apply,
        user=user,
        now=now,
    )


@pytest.mark.parametrize("apply", [False, True])
def test_minutes_a_minute_before_the_start_are_refused_and_nothing_changes(
    scene, samordnare, apply
):
    brist, mote = _settled(scene, samordnare)
    version = mote.version
    with pytest.raises(ValidationError, match="Mötet har inte börjat"):
        _save(mote, samordnare, brist, apply=apply, now=mote.starts_at - timedelta(minutes=1))
    db.session.rollback()
    assert mote.status == MotesStatus.DAGORDNING_FASTSTALLD
    assert mote.version == version
    assert brist.status != Status.STANGD
    assert all(p.anteckning == "" for p in mote.visible_punkter)


def test_a_meeting_two_weeks_ahead_closes_no_brist(scene, samordnare):
    """The issue's case: minutes on 1 December for a meeting dated 15 December."""
    brist, mote = _settled(scene, samordnare)
    with pytest.raises(ValidationError, match="Mötet har inte börjat"):
        _save(mote, samordnare, brist, apply=True, now=mote.starts_at - timedelta(days=14))
    db.session.rollback()
    assert brist.status != Status.STANGD


def test_at_the_start_minute_the_decisions_are_carried_out(scene, samordnare):
    brist, mote = _settled(scene, samordnare)
    _save(mote, samordnare, brist, apply=True, now=mote.starts_at)
    db.session.commit()
    assert mote.status == MotesStatus.GENOMFORT
    assert brist.status == Status.STANGD


def test_justering_waits_for_the_start(scene, samordnare):
    """Held minutes (saved after the start) cannot be justerade with a clock before it."""
    brist, mote = _settled(scene, samordnare)
    hold(mote, samordnare)
    with pytest.raises(ValidationError, match="Mötet har inte börjat"):
        services.justera(
            scope=Scope.everything(),
            mote=mote,
            user=samordnare,
            expected_version=mote.version,
            now=mote.starts_at - timedelta(seconds=1),
        )
    db.session.rollback()
    assert mote.status == MotesStatus.GENOMFORT
    services.justera(
        scope=Scope.everything(),
        mote=mote,
        user=samordnare,
        expected_version=mote.version,
        now=mote.starts_at + timedelta(seconds=1),
    )
    assert mote.status == MotesStatus.PROTOKOLL_JUSTERAT


def test_the_confirmation_check_refuses_like_the_save_and_writes_nothing(scene, samordnare):
    brist, mote = _settled(scene, samordnare)
    punkt = next(p for p in mote.visible_punkter if p.brist_id == brist.id)
    version = mote.version
    bad = [services.PunktProtokoll(punkt, "Anteckning", False, Beslut(BeslutTyp.BEVAKA))]
    with pytest.raises(ValidationError, match="Ange ett datum efter mötet"):
        services.check_protokoll(
            scope=Scope.everything(),
            mote=mote,
            protokoll=bad,
            expected_version=version,
            now=mote.starts_at + timedelta(hours=1),
        )
    with pytest.raises(ValidationError, match="Mötet har inte börjat"):
        services.check_protokoll(
            scope=Scope.everything(),
            mote=mote,
            protokoll=[services.PunktProtokoll(punkt, "", False, None)],
            expected_version=version,
            now=mote.starts_at - timedelta(hours=1),
        )
    good = [services.PunktProtokoll(punkt, "Anteckning", False, Beslut(BeslutTyp.INFORMATION))]
    services.check_protokoll(
        scope=Scope.everything(),
        mote=mote,
        protokoll=good,
        expected_version=version,
        now=mote.starts_at + timedelta(hours=1),
    )
    assert not db.session.dirty and not db.session.new
    assert punkt.anteckning == "" and punkt.beslut_typ is None
    assert mote.version == version and mote.status == MotesStatus.DAGORDNING_FASTSTALLD


def test_a_meeting_called_off_takes_no_minutes(scene, samordnare):
    brist, mote = _settled(scene, samordnare)
    services.cancel_mote(
        mote=mote,
        url="http://systemfel.test/moten/1",
        expected_version=mote.version,
        scope=Scope.everything(),
        user=samordnare,
        now=mote.starts_at - timedelta(days=1),
    )
    db.session.commit()
    for apply in (False, True):
        with pytest.raises(ValidationError, match="Mötet är inställt"):
            _save(mote, samordnare, brist, apply=apply, now=mote.starts_at + timedelta(hours=1))
        db.session.rollback()
    assert brist.status != Status.STANGD
