"""Start pages per role (issue 13, item 2): what each role sees first, only from its own
verksamheter or groups, in a number of SQL statements that does not grow with the rows."""

from datetime import datetime, time, timedelta

from systemfel.auth.models import User
from systemfel.clock import STOCKHOLM, local_today
from systemfel.extensions import db
from systemfel.followups.domain import Kanal
from systemfel.followups.models import Kontakt
from systemfel.meetings import services as meetings_services
from systemfel.meetings.domain import GruppTyp
from systemfel.meetings.models import Mote
from systemfel.reports.models import Rapport, RapportVersion, scope_key
from systemfel.verksamheter.models import Verksamhet
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.sql import count_statements


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _add_brister(app, world, owner: str, n: int, *, late_requests: bool, prefix: str) -> None:
    """n open brister of `owner` in home, each with one unanswered request (late or not)."""
    with app.app_context():
        home = db.session.get(Verksamhet, world.home.id)
        user = db.session.get(User, world.users[owner].id)
        today = local_today()
        for i in range(n):
            brist = factories.brist(home, user, titel=f"{prefix} {i}")
            db.session.add(
                Kontakt(
                    brist_id=brist.id,
                    myndighet_id=brist.myndighet_id,
                    contacted_on=today - timedelta(days=20),
                    kanal=Kanal.EPOST,
                    summary="Fråga",
                    created_by_id=user.id,
                    answer_due_on=today + timedelta(days=-3 if late_requests else 5),
                )
            )
        db.session.commit()
        db.session.remove()


def _group_with_meeting(app, verksamhet_id: int, namn: str, days: int, member: str | None = None,
                        world=None) -> int:  # fmt: skip
    """A group of one verksamhet with a planned meeting `days` from today; its id."""
    with app.app_context():
        verksamhet = db.session.get(Verksamhet, verksamhet_id)
        group = meetings_services.create_group(
            scope=Scope.everything(),
            fields=meetings_services.GroupFields(namn, GruppTyp.ARBETANDE, [verksamhet], ""),
        )
        if member is not None:
            meetings_services.add_member(
                scope=Scope.everything(), group=group, namn="Lena", organisation="Psykiatrin",
                epost="", user=db.session.get(User, world.users[member].id),
            )  # fmt: skip
        starts = datetime.combine(local_today() + timedelta(days=days), time(13), STOCKHOLM)
        mote = meetings_services.plan_mote(
            scope=Scope.everything(),
            group=group,
            fields=meetings_services.MoteFields(starts, None, f"Rum {namn}", None),
        )
        db.session.commit()
        mote_id = mote.id
        db.session.remove()
    return mote_id


# --- ombud -----------------------------------------------------------------------------------


def test_ombud_start_page_offers_registering_and_lists_her_work(app, world, login):
    _add_brister(app, world, "ombud", 1, late_requests=True, prefix="Sen fråga")
    body = _text(login("ombud").get("/"))
    assert 'href="/brister/ny"' in body and "Registrera brist" in body
    assert "Mina öppna brister" in body
    assert f'href="/brister/{world.brist.id}"' in body
    assert "Mina förfrågningar som väntar på svar" in body
    assert "Sen fråga 0" in body and "Försenat" in body
    # Nothing of another verksamhet, nothing of a samordnare's.
    assert "Bortabristen syns inte" not in body
    assert "Nästa möte" not in body and "Redovisning 20" not in body


def test_ombud_sees_a_request_not_yet_due_without_late_mark(app, world, login):
    _add_brister(app, world, "ombud", 1, late_requests=False, prefix="Ny fråga")
    body = _text(login("ombud").get("/"))
    assert "Ny fråga 0" in body and "Försenat" not in body


def test_closed_and_other_peoples_brister_are_not_mine(app, world, login):
    _add_brister(app, world, "samordnare", 1, late_requests=True, prefix="Samordnarens")
    body = _text(login("ombud").get("/"))
    assert "Samordnarens 0" not in body


def test_other_ombud_sees_only_her_verksamhet(app, world, login):
    _add_brister(app, world, "ombud", 2, late_requests=True, prefix="Hemmas")
    body = _text(login("other_ombud").get("/"))
    assert "Bortabristen syns inte" in body
    assert "Hemmas" not in body and "Beslut saknar motivering" not in body


def test_ombud_start_page_statement_count_does_not_grow(app, world, login):
    _add_brister(app, world, "ombud", 1, late_requests=True, prefix="Få")
    client = login("ombud")
    client.get("/")
    with count_statements(app) as few:
        assert "Få 0" in _text(client.get("/"))
    _add_brister(app, world, "ombud", 12, late_requests=True, prefix="Många")
    with count_statements(app) as many:
        assert "Många 11" in _text(client.get("/"))
    assert many["n"] == few["n"]


# --- samordnare ------------------------------------------------------------------------------


def test_samordnare_sees_the_next_meeting_and_its_agenda_state(app, world, login):
    later = _group_with_meeting(app, world.home.id, "Hemmagruppen", 30)
    sooner = _group_with_meeting(app, world.home.id, "Hemmagruppen", 10)
    with app.app_context():  # the later meeting is of the same group: only the next is shown
        db.session.get(Mote, later).ledningsgrupp_id = db.session.get(Mote, sooner).ledningsgrupp_id
        db.session.commit()
        db.session.remove()
    elsewhere = _group_with_meeting(app, world.other.id, "Bortagruppen", 5)
    body = _text(login("samordnare").get("/"))
    assert "Nästa möte" in body
    assert f'href="/moten/{sooner}#dagordning"' in body
    assert "Planerad, inte fastställd" in body
    assert f"/moten/{later}" not in body
    assert f"/moten/{elsewhere}" not in body and "Bortagruppen" not in body


def test_samordnare_sees_a_settled_and_sent_agenda_as_such(app, world, login):
    with app.app_context():
        home = db.session.get(Verksamhet, world.home.id)
        _group, _member, mote = factories.settled_mote(
            home, db.session.get(User, world.users["samordnare"].id)
        )
        db.session.commit()
        mote_id = mote.id
        db.session.remove()
    client = login("samordnare")
    assert "Fastställd, inte skickad" in _text(client.get("/"))
    with app.app_context():
        db.session.get(Mote, mote_id).agenda_sent_at = datetime.now(STOCKHOLM)
        db.session.commit()
        db.session.remove()
    assert "Fastställd och skickad" in _text(client.get("/"))


def test_samordnare_sees_the_years_report_and_its_state(app, world, login):
    client = login("samordnare")
    year = local_today().year
    body = _text(client.get("/"))
    assert f"Redovisning {year}" in body and "Inte påbörjad." in body
    assert f'href="/rapport?ar={year}&amp;verksamhet={world.home.id}"' in body
    with app.app_context():
        rapport = Rapport(scope=scope_key(frozenset({world.home.id})), year=year)
        db.session.add(rapport)
        db.session.commit()
        rapport_id = rapport.id
        db.session.remove()
    assert "Utkast, ingen version frusen ännu." in _text(client.get("/"))
    with app.app_context():
        for number in (1, 2):
            db.session.add(
                RapportVersion(
                    rapport_id=rapport_id, number=number,
                    frozen_by_id=world.users["samordnare"].id, content={},
                )
            )  # fmt: skip
        db.session.commit()
        db.session.remove()
    assert "2 frysta versioner" in _text(client.get("/"))


def test_another_verksamhets_report_is_not_hers(app, world, login):
    with app.app_context():
        other = scope_key(frozenset({world.other.id}))
        db.session.add(Rapport(scope=other, year=local_today().year))
        db.session.commit()
        db.session.remove()
    assert "Inte påbörjad." in _text(login("samordnare").get("/"))


def test_samordnare_start_page_statement_count_does_not_grow(app, world, login):
    _group_with_meeting(app, world.home.id, "Grupp 0", 3)
    _add_brister(app, world, "samordnare", 1, late_requests=True, prefix="Få")
    client = login("samordnare")
    client.get("/")
    with count_statements(app) as few:
        _text(client.get("/?visa=alla"))
    for n in range(1, 6):
        _group_with_meeting(app, world.home.id, f"Grupp {n}", 3 + n)
    _add_brister(app, world, "samordnare", 10, late_requests=True, prefix="Många")
    with count_statements(app) as many:
        body = _text(client.get("/?visa=alla"))
    assert "Grupp 5" in body and "Många 9" in body
    assert many["n"] == few["n"]


# --- ledningsgrupp member --------------------------------------------------------------------


def test_member_sees_the_next_meeting_of_her_groups_only(app, world, login):
    hers = _group_with_meeting(app, world.home.id, "Hennes grupp", 12, "ledningsgrupp", world)
    not_hers = _group_with_meeting(app, world.home.id, "Annan grupp", 4)
    elsewhere = _group_with_meeting(app, world.other.id, "Bortagruppen", 4)
    response = login("ledningsgrupp").get("/")
    body = _text(response)
    assert "Ledningsgruppens möten</h1>" in body
    assert f'href="/moten/{hers}#dagordning"' in body and "Hennes grupp" in body
    assert f"/moten/{not_hers}" not in body and f"/moten/{elsewhere}" not in body
    assert "Registrera brist" not in body
    assert _text(login("ledningsgrupp").get(f"/moten/{hers}"))  # the link works for her


def test_member_without_meetings_is_told_so(app, world, login):
    assert "Inget möte är planerat." in _text(login("ledningsgrupp").get("/"))


def test_member_start_page_statement_count_does_not_grow(app, world, login):
    _group_with_meeting(app, world.home.id, "Grupp 0", 3, "ledningsgrupp", world)
    client = login("ledningsgrupp")
    client.get("/")
    with count_statements(app) as few:
        _text(client.get("/"))
    for n in range(1, 6):
        _group_with_meeting(app, world.home.id, f"Grupp {n}", 3 + n, "ledningsgrupp", world)
    with count_statements(app) as many:
        assert "Grupp 5" in _text(client.get("/"))
    assert many["n"] == few["n"]


def test_a_meeting_held_or_past_is_not_next(app, world, login):
    past = _group_with_meeting(app, world.home.id, "Förr", -2)
    body = _text(login("samordnare").get("/"))
    assert f"/moten/{past}" not in body
