"""A ledningsgrupp shared by two verksamheter: one verksamhet's samordnare can neither put the
other's brist on the agenda by number nor carry out a decision on it; and a ledningsgrupp
login sees only the groups it is a member of."""

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from systemfel.auth.models import User
from systemfel.brister.domain import Niva, Status
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import STOCKHOLM
from systemfel.extensions import db
from systemfel.meetings import services
from systemfel.meetings.domain import GruppTyp, MotesStatus
from systemfel.meetings.models import Mote, Punkt
from systemfel.verksamheter.models import Verksamhet
from systemfel.verksamheter.scope import Scope
from tests import factories

DAY = date(2026, 12, 8)


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
        mote = services.plan_meeting(
            scope=Scope.everything(),
            group=group,
            fields=services.MeetingFields(
                datetime.combine(DAY, time(13), STOCKHOLM), None, "Stadshuset", None
            ),
        )
        services.propose_agenda(scope=Scope.everything(), mote=mote, expected_version=mote.version)
        services.faststall_agenda(scope=Scope.everything(),
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
