"""A ledningsgrupp shared by two verksamheter: one verksamhet's samordnare can neither put the
other's brist on the agenda by number nor carry out a decision on it; and a ledningsgrupp
login sees only the groups it is a member of."""

from dataclasses import replace
from datetime import date, datetime, time

import pytest
import time_machine
from sqlalchemy import select

from systemfel.auth.domain import Role
from systemfel.auth.models import User
from systemfel.brister.domain import Niva, Status, Utfall
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import STOCKHOLM
from systemfel.errors import FieldError, OutOfScope
from systemfel.extensions import db
from systemfel.meetings import queries, services
from systemfel.meetings.domain import Beslut, BeslutTyp, GruppTyp, MotesStatus, Sektion
from systemfel.meetings.models import Mote, Punkt
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.models import Verksamhet
from systemfel.verksamheter.scope import Scope
from tests import factories

DAY = date(2026, 12, 8)


@pytest.fixture(autouse=True)
def _after_the_meeting_started():
    """The clock stands two hours into the meeting on DAY: minutes wait for its start."""
    with time_machine.travel(datetime.combine(DAY, time(15), STOCKHOLM), tick=True):
        yield


@pytest.fixture
def shared(app, world):
    """A group over both verksamheter; home's brist on a settled agenda; a second home group."""
    with app.app_context():
        home, other = (db.session.get(Verksamhet, v.id) for v in (world.home, world.other))
        ombud = db.session.get(User, world.users["ombud"].id)
        brist = factories.brist(home, ombud, titel="Hemmas brist", niva=Niva.LOKAL)
        group = services.create_group(
            scope=Scope.everything(),
            fields=services.GroupFields("Gemensam grupp", GruppTyp.ARBETANDE, [home, other], ""),
        )
        mote = services.plan_mote(
            scope=Scope.everything(),
            group=group,
            fields=services.MoteFields(
                datetime.combine(DAY, time(13), STOCKHOLM), None, "Stadshuset", None
            ),
        )
        services.propose_dagordning(
            scope=Scope.everything(), mote=mote, expected_version=mote.version
        )
        services.faststall_dagordning(scope=Scope.everything(),
            mote=mote, user=db.session.get(User, world.users["admin"].id),
            expected_version=mote.version,
        )  # fmt: skip
        elsewhere = services.create_group(
            scope=Scope.everything(),
            fields=services.GroupFields("Strategiska gruppen", GruppTyp.STRATEGISK, [home], ""),
        )
        login_user = db.session.get(User, world.users["ledningsgrupp"].id)
        services.add_member(
            scope=Scope.everything(),
            group=group,
            namn="Lena",
            organisation="Psykiatrin",
            epost="",
            user=login_user,
        )
        db.session.commit()
        made = {
            "group": group.id, "mote": mote.id, "brist": brist.id, "nummer": brist.nummer,
            "elsewhere": elsewhere.id,
        }  # fmt: skip
        db.session.remove()
    return made


def _state(app, shared) -> tuple:
    with app.app_context():
        brist = db.session.get(Brist, shared["brist"])
        mote = db.session.get(Mote, shared["mote"])
        entries = db.session.scalar(
            select(db.func.count()).select_from(Handelse).where(Handelse.brist_id == brist.id)
        )
        state = (brist.status, brist.version, entries, mote.status, mote.version)
        db.session.remove()
    return state


def test_another_verksamhets_brist_cannot_be_added_by_number(app, world, shared, login):
    with app.app_context():
        mote = db.session.get(Mote, shared["mote"])
        mote.status = MotesStatus.PLANERAT  # an agenda still open for changes
        db.session.commit()
        version = str(mote.version)
        db.session.remove()
    borta = login("other_samordnare")
    response = borta.post(
        f"/moten/{shared['mote']}/dagordning/punkter",
        {"version": version, "rubrik": "", "brist": shared["nummer"], "sektion": "nya"},
    )
    assert response.status_code == 422
    assert "Det finns ingen brist med det numret" in response.get_data(as_text=True)
    assert shared["nummer"] not in response.get_data(as_text=True).split("dagordning")[0]


def test_a_decision_on_another_verksamhets_brist_is_refused_and_nothing_changes(
    app, world, shared, login
):
    before = _state(app, shared)
    with app.app_context():
        punkter = db.session.scalars(
            select(Punkt).where(Punkt.mote_id == shared["mote"], Punkt.is_removed.is_(False))
        ).all()
        data = {"version": str(db.session.get(Mote, shared["mote"]).version), "verkstall": "1"}
        for index, punkt in enumerate(punkter):
            data[f"punkter-{index}-punkt_id"] = str(punkt.id)
            data[f"punkter-{index}-anteckning"] = ""
            if punkt.brist_id == shared["brist"]:
                data[f"punkter-{index}-beslut_typ"] = "avsluta"
                data[f"punkter-{index}-beslut_utfall"] = "atgardad"
        db.session.remove()
    assert any(v == "avsluta" for v in data.values()), "home's brist is on the agenda"

    response = login("other_samordnare").post(f"/moten/{shared['mote']}/protokoll", data)

    assert response.status_code == 422
    assert "Bristen hör till en verksamhet du inte arbetar i" in response.get_data(as_text=True)
    assert _state(app, shared) == before
    assert before[0] != Status.STANGD

    # Home's own samordnare may.
    home = login("samordnare").post(f"/moten/{shared['mote']}/protokoll", data)
    assert home.status_code == 302
    assert _state(app, shared)[0] == Status.STANGD


def test_a_ledningsgrupp_login_sees_only_the_groups_it_is_a_member_of(app, shared, login):
    member = login("ledningsgrupp")
    listing = member.get("/ledningsgrupper").get_data(as_text=True)
    assert "Gemensam grupp" in listing
    assert "Strategiska gruppen" not in listing
    assert member.get(f"/ledningsgrupper/{shared['group']}").status_code == 200
    assert member.get(f"/ledningsgrupper/{shared['elsewhere']}").status_code == 404
    # Staff of the verksamhet still see every group over it.
    staff = login("samordnare").get("/ledningsgrupper").get_data(as_text=True)
    assert "Gemensam grupp" in staff and "Strategiska gruppen" in staff


def _decision(app, shared, scope: Scope, typ: BeslutTyp, **beslut) -> list[FieldError]:
    """Save the minutes as held with one decision on home's brist; return the refusal."""
    with app.app_context():
        mote = db.session.get(Mote, shared["mote"])
        protokoll = [
            services.PunktProtokoll(
                punkt=punkt,
                anteckning="",
                is_deferred=False,
                beslut=Beslut(typ, **beslut) if punkt.brist_id == shared["brist"] else None,
            )
            for punkt in mote.visible_punkter
        ]
        with pytest.raises(OutOfScope) as refused:
            services.save_protokoll(
                mote=mote,
                protokoll=protokoll,
                expected_version=mote.version,
                apply=True,
                user=db.session.get(User, shared["saver"]),
                scope=scope,
            )
        db.session.rollback()
        punkt_id = next(p.id for p in mote.visible_punkter if p.brist_id == shared["brist"])
        db.session.remove()
    assert [(e.field, e.row) for e in refused.value.errors] == [("beslut_typ", punkt_id)]
    return refused.value.errors


@pytest.fixture
def saver(app, world, shared):
    shared["saver"] = world.users["other_samordnare"].id
    return shared


def test_the_service_refuses_a_decision_on_a_brist_outside_the_scope(app, world, saver):
    before = _state(app, saver)
    borta = Scope(verksamhet_ids=frozenset({world.other.id}), operations=Role.SAMORDNARE.operations)
    _decision(app, saver, borta, BeslutTyp.AVSLUTA, utfall=Utfall.ATGARDAD)
    _decision(app, saver, borta, BeslutTyp.INFORMATION)
    assert _state(app, saver) == before


def test_closing_by_decision_needs_close_brister_escalating_work_brister(app, world, saver):
    before = _state(app, saver)
    may_work = Scope(
        verksamhet_ids=frozenset({world.home.id}),
        operations=frozenset({Operation.SEE, Operation.MANAGE_VERKSAMHET, Operation.WORK_BRISTER}),
    )
    _decision(app, saver, may_work, BeslutTyp.AVSLUTA, utfall=Utfall.ATGARDAD)
    assert _state(app, saver) == before
    may_close = replace(may_work, operations=frozenset({Operation.MANAGE_VERKSAMHET}))
    _decision(app, saver, may_close, BeslutTyp.ESKALERA, till_niva=Niva.CENTRAL)
    assert _state(app, saver) == before


def test_the_service_refuses_to_put_a_brist_outside_the_scope_on_the_agenda(app, world, shared):
    borta = Scope(verksamhet_ids=frozenset({world.other.id}), operations=Role.SAMORDNARE.operations)
    with app.app_context():
        mote = db.session.get(Mote, shared["mote"])
        mote.status = MotesStatus.PLANERAT
        db.session.commit()
        keys = sorted(p.key for p in mote.punkter)
        brist = db.session.get(Brist, shared["brist"])
        mote.punkter.remove(next(p for p in mote.punkter if p.brist_id == brist.id))
        db.session.commit()
        version = mote.version
        with pytest.raises(OutOfScope):
            services.add_punkt(
                mote=mote, rubrik="", sektion=Sektion.NYA, brist=brist,
                expected_version=version, scope=borta,
            )  # fmt: skip
        db.session.rollback()
        assert (mote.version, len(mote.punkter)) == (version, len(keys) - 1)
        with pytest.raises(OutOfScope):
            services.mark_for_group(
                brist=brist, user=db.session.get(User, world.users["other_ombud"].id),
                marked=True, scope=borta,
            )  # fmt: skip
        db.session.rollback()
        assert db.session.get(Brist, shared["brist"]).marked_for_group_at is None
        db.session.remove()


def test_a_member_scope_lists_only_its_groups_and_their_meetings(app, world, shared):
    login_id = world.users["ledningsgrupp"].id
    member = Scope(verksamhet_ids=frozenset({world.home.id}), member_user_id=login_id)
    staff = Scope(verksamhet_ids=frozenset({world.home.id}))
    borta = Scope(verksamhet_ids=frozenset({world.other.id}))
    with app.app_context():
        assert [g.namn for g in queries.groups_for(scope=member)] == ["Gemensam grupp"]
        assert [g.namn for g in queries.groups_for(scope=staff)] == [
            "Gemensam grupp",
            "Strategiska gruppen",
        ]
        assert [g.namn for g in queries.groups_for(scope=borta)] == ["Gemensam grupp"]
        assert queries.get_group(shared["elsewhere"], scope=member) is None
        assert queries.get_mote(shared["mote"], scope=member) is not None
        brist = db.session.get(Brist, shared["brist"])
        assert len(queries.moten_with_brist(brist, scope=member)) == 1
        stranger = replace(member, member_user_id=world.users["ombud"].id)
        assert queries.moten_with_brist(brist, scope=stranger) == []
        assert queries.groups_for(scope=stranger) == []
        db.session.remove()
