"""Factories for test data: accounts with factory_boy, brister through the real services."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import factory
from werkzeug.security import generate_password_hash

from systemfel.access import scope_for
from systemfel.auth.domain import Role
from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Niva
from systemfel.brister.models import Brist
from systemfel.clock import STOCKHOLM, local_today
from systemfel.extensions import db
from systemfel.meetings import services as meetings_services
from systemfel.meetings.domain import GruppTyp
from systemfel.meetings.models import Ledamot, Ledningsgrupp, Mote
from systemfel.verksamheter import services as verksamheter_services
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet
from systemfel.verksamheter.scope import Scope

PASSWORD = "test-losen-123"
# Hashing is slow on purpose; tests share one hash.
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class UserFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"

    email = factory.Sequence(lambda n: f"user{n}@test.example")
    namn = factory.Sequence(lambda n: f"Användare {n}")
    role = Role.OMBUD
    password_hash = _HASH
    verksamheter = factory.LazyFunction(list)


def verksamhet(namn: str) -> Verksamhet:
    """A verksamhet with the standard lists, made by the real service."""
    return verksamheter_services.create_verksamhet(
        scope=Scope.everything(), namn=namn, kommuner=[namn]
    )


def brist(verksamhet: Verksamhet, user: User, **overrides) -> Brist:
    """A brist registered through the service, in the verksamhet's first myndighet and område."""
    myndighet = next(m for m in _all(Myndighet, verksamhet) if m.namn == "Försäkringskassan")
    omrade = _all(Omrade, verksamhet)[0]
    values = dict(
        titel="Beslut saknar motivering",
        beskrivning="Besluten förklarar inte vad som saknas.",
        niva=Niva.HANDLAGGARE,
        myndighet_id=myndighet.id,
        other_myndighet_ids=[],
        omrade_id=omrade.id,
        first_observed_on=date(2026, 1, 15),
        antal_klienter=2,
        konsekvenser="",
        forslag_atgard="",
        ansvarig_id=user.id,
    )
    values.update(overrides)
    return brister_services.register_brist(
        verksamhet=verksamhet,
        user=user,
        scope=scope_for(user),
        fields=brister_services.BristFields(**values),
        prefix="SF",
    )


def _all(model, verksamhet):
    return sorted(
        (
            item
            for item in db.session.scalars(
                db.select(model).where(model.verksamhet_id == verksamhet.id)
            )
        ),
        key=lambda item: item.id,
    )


@dataclass
class World:
    """What most web tests need: two verksamheter, users by role, one brist each."""

    home: Verksamhet
    other: Verksamhet
    users: dict[str, User] = field(default_factory=dict)
    brist: Brist | None = None
    other_brist: Brist | None = None


def world() -> World:
    home = verksamhet("PO Hemma")
    other = verksamhet("PO Borta")
    data = World(home=home, other=other)
    for role in (Role.OMBUD, Role.SAMORDNARE, Role.LEDNINGSGRUPP):
        data.users[role.value] = UserFactory(
            email=f"{role.value}@hemma.example",
            namn=f"Hemma {role.value}",
            role=role,
            verksamheter=[home],
        )
    data.users["admin"] = UserFactory(email="admin@test.example", namn="Admin", role=Role.ADMIN)
    data.users["other_ombud"] = UserFactory(
        email="ombud@borta.example", namn="Borta ombud", role=Role.OMBUD, verksamheter=[other]
    )
    data.users["other_samordnare"] = UserFactory(
        email="samordnare@borta.example",
        namn="Borta samordnare",
        role=Role.SAMORDNARE,
        verksamheter=[other],
    )
    data.brist = brist(home, data.users["ombud"])
    data.other_brist = brist(other, data.users["other_ombud"], titel="Bortabristen syns inte")
    return data


def settled_mote(
    verksamhet: Verksamhet, samordnare: User, member_user: User | None = None
) -> tuple[Ledningsgrupp, Ledamot, Mote]:
    """A ledningsgrupp with one member, and its meeting next week with a settled agenda."""
    group = meetings_services.create_group(
        scope=Scope.everything(),
        fields=meetings_services.GroupFields(
            "Ledningsgruppen", GruppTyp.ARBETANDE, [verksamhet], "Sammansättning"
        ),
    )
    member = meetings_services.add_member(
        scope=Scope.everything(),
        group=group,
        namn="Lena",
        organisation="Psykiatrin",
        epost="lena@example.org",
        user=member_user,
    )
    starts = datetime.combine(local_today() + timedelta(days=7), time(13), STOCKHOLM)
    mote = meetings_services.plan_mote(
        scope=Scope.everything(),
        group=group,
        fields=meetings_services.MoteFields(starts, None, "Stadshuset", member),
    )
    meetings_services.propose_dagordning(
        scope=Scope.everything(), mote=mote, expected_version=mote.version
    )
    meetings_services.faststall_dagordning(
        scope=Scope.everything(), mote=mote, user=samordnare, expected_version=mote.version
    )
    return group, member, mote


def closing_scope(user: User) -> Scope:
    """The scope of a samordnare in `user`'s verksamheter: closing needs CLOSE_BRISTER."""
    return Scope(frozenset(user.verksamhet_ids), Role.SAMORDNARE.operations)
