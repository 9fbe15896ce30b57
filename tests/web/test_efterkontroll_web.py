"""Did the fix last? The check months after closing as åtgärdad: scheduling, the one-click
answers on the brist page, the start page's "Håller åtgärden?", roles, bad input and
statement counts that do not grow with the data."""

from contextlib import contextmanager
from datetime import timedelta

import lxml.html
from sqlalchemy import func, select

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import REOPENED_STATUS, HandelseTyp, Status, Utfall
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import local_today
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.followups import domain
from systemfel.followups.domain import EfterkontrollSvar
from systemfel.followups.models import Bevakning, Efterkontroll
from tests import factories
from tests.conftest import Client
from tests.sql import count_statements

TODAY = local_today()
CALENDAR = domain.swedish_calendar(TODAY.year - 2, TODAY.year + 3)


@contextmanager
def session(app):
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


def close(app, brist_id, utfall=Utfall.ATGARDAD, days_ago=120, samordnare=None):
    """Close the brist as a samordnare did `days_ago` days ago; return its check's id."""
    with session(app) as s:
        brist = s.get(Brist, brist_id)
        user = samordnare or s.scalar(select(User).where(User.email == "samordnare@hemma.example"))
        user = s.merge(user)
        brister_services.close_brist(
            brist=brist,
            user=user,
            scope=factories.closing_scope(user),
            utfall=utfall,
            comment="Klart",
            expected_version=brist.version,
            now=utcnow() - timedelta(days=days_ago),
        )
        s.commit()
        return s.scalar(
            select(Efterkontroll.id)
            .where(Efterkontroll.brist_id == brist_id)
            .order_by(Efterkontroll.id.desc())
            .limit(1)
        )


def kontroll(app, kontroll_id) -> dict:
    with session(app) as s:
        row = s.get(Efterkontroll, kontroll_id)
        return {
            "due_on": row.due_on,
            "closed_on": row.closed_on,
            "svar": row.svar,
            "answered_at": row.answered_at,
            "answered_by_id": row.answered_by_id,
            "stangd_handelse_id": row.stangd_handelse_id,
        }


def brist_row(app, brist_id) -> dict:
    with session(app) as s:
        brist = s.get(Brist, brist_id)
        return {
            "status": brist.status,
            "marked": brist.marked_for_group_at,
            "kinds": [h.typ for h in brist.handelser],
            "open_bevakningar": s.scalar(
                select(func.count())
                .select_from(Bevakning)
                .where(Bevakning.brist_id == brist_id, Bevakning.completed_at.is_(None))
            ),
        }


def _doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(response) -> str:
    return " ".join(_doc(response).text_content().split())


# --- scheduling ---------------------------------------------------------------------------


def test_closing_as_atgardad_schedules_a_check_months_later_on_a_working_day(app, world):
    kontroll_id = close(app, world.brist.id, days_ago=0)
    row = kontroll(app, kontroll_id)
    assert row["closed_on"] == TODAY
    assert row["due_on"] == domain.efterkontroll_due_on(TODAY, 3, CALENDAR)
    assert CALENDAR.is_working_day(row["due_on"])
    assert row["svar"] is None
    with session(app) as s:
        closing = s.get(Handelse, row["stangd_handelse_id"])
        assert closing.typ == HandelseTyp.STANGD and closing.brist_id == world.brist.id


def test_the_months_are_configurable(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "EFTERKONTROLL_MONTHS", 6)
    row = kontroll(app, close(app, world.brist.id, days_ago=0))
    assert row["due_on"] == domain.efterkontroll_due_on(TODAY, 6, CALENDAR)


def test_delvis_atgardad_is_checked_other_outcomes_are_not(app, world):
    assert close(app, world.brist.id, utfall=Utfall.DELVIS_ATGARDAD) is not None
    assert (
        close(
            app,
            world.other_brist.id,
            utfall=Utfall.EJ_ATGARDAD,
            samordnare=world.users["other_samordnare"],
        )
        is None
    )


# --- answering ----------------------------------------------------------------------------


def test_the_due_check_is_on_the_start_page_and_the_brist_page(app, world, login):
    close(app, world.brist.id)
    ombud = login("ombud")
    start = _text(ombud.get("/"))
    assert "Håller åtgärden? (1)" in start
    assert world.brist.nummer in start
    page = ombud.get(f"/brister/{world.brist.id}")
    doc = _doc(page)
    buttons = [b.text_content().strip() for b in doc.xpath('//form//button[@name="svar"]')]
    assert buttons == ["Bristen har inte återkommit", "Den har återkommit"]
    # Another ombud's start page does not list it; the samordnare's whole-verksamhet view does.
    assert "Håller åtgärden?" not in _text(login("samordnare").get("/"))
    assert "Håller åtgärden? (1)" in _text(login("samordnare").get("/?visa=alla"))


def test_a_check_not_yet_due_shows_its_day_and_no_buttons(app, world, login):
    kontroll_id = close(app, world.brist.id, days_ago=0)
    due = kontroll(app, kontroll_id)["due_on"]
    page = login("ombud").get(f"/brister/{world.brist.id}")
    assert not _doc(page).xpath('//button[@name="svar"]')
    assert "kontrollerar" in _text(page)
    assert "Håller åtgärden?" not in _text(login("ombud").get("/"))
    response = login("ombud").post(
        f"/efterkontroller/{kontroll_id}", {"svar": "haller"}, follow_redirects=True
    )
    assert f"Kontrollen görs från och med {due.isoformat()}." in _text(response)
    assert kontroll(app, kontroll_id)["svar"] is None


def test_not_returned_is_recorded_once_and_leaves_the_brist_closed(app, world, login):
    kontroll_id = close(app, world.brist.id)
    ombud = login("ombud")
    response = ombud.post(f"/efterkontroller/{kontroll_id}", {"svar": "haller"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/brister/{world.brist.id}")
    again = ombud.post(f"/efterkontroller/{kontroll_id}", {"svar": "haller"})  # double click
    assert again.status_code == 302
    row = kontroll(app, kontroll_id)
    assert row["svar"] == EfterkontrollSvar.HALLER
    assert row["answered_by_id"] == world.users["ombud"].id
    brist = brist_row(app, world.brist.id)
    assert brist["status"] == Status.STANGD
    assert brist["kinds"].count(HandelseTyp.EFTERKONTROLL) == 1
    page = _text(ombud.get(f"/brister/{world.brist.id}"))
    assert "Bristen har inte återkommit" in page
    assert "Håller åtgärden?" not in _text(ombud.get("/"))
    # The other answer afterwards is refused, and changes nothing.
    refused = ombud.post(
        f"/efterkontroller/{kontroll_id}", {"svar": "aterkommit"}, follow_redirects=True
    )
    assert "Kontrollen är redan besvarad." in _text(refused)
    assert brist_row(app, world.brist.id)["status"] == Status.STANGD


def test_returned_reopens_links_the_closing_and_marks_it_for_the_group(app, world, login):
    kontroll_id = close(app, world.brist.id)
    closing_id = kontroll(app, kontroll_id)["stangd_handelse_id"]
    ombud = login("ombud")
    response = ombud.post(
        f"/efterkontroller/{kontroll_id}", {"svar": "aterkommit"}, follow_redirects=True
    )
    assert "Bristen är öppnad igen och föreslås till ledningsgruppen." in _text(response)
    brist = brist_row(app, world.brist.id)
    assert brist["status"] == REOPENED_STATUS
    assert brist["marked"] is not None
    assert brist["open_bevakningar"] == 1
    assert brist["kinds"][-3:] == [
        HandelseTyp.EFTERKONTROLL,
        HandelseTyp.ATEROPPNAD,
        HandelseTyp.TAS_UPP_I_LEDNINGSGRUPP,
    ]
    doc = _doc(response)
    links = doc.xpath(f'//a[@href="#handelse-{closing_id}"]')
    assert links and links[0].text_content() == "Till stängningen"
    assert doc.xpath(f'//*[@id="handelse-{closing_id}"]')
    assert kontroll(app, kontroll_id)["svar"] == EfterkontrollSvar.ATERKOMMIT


def test_reopened_and_closed_again_gets_a_new_check_and_the_old_one_is_moot(app, world, login):
    first = close(app, world.brist.id, days_ago=200)
    with session(app) as s:
        brist = s.get(Brist, world.brist.id)
        user = s.get(User, world.users["ombud"].id)
        brister_services.reopen_brist(
            brist=brist,
            user=user,
            scope=scope_for(user),
            reason="Tillbaka",
            expected_version=brist.version,
        )
        s.commit()
    ombud = login("ombud")
    assert "Håller åtgärden?" not in _text(ombud.get("/"))
    refused = ombud.post(f"/efterkontroller/{first}", {"svar": "haller"}, follow_redirects=True)
    assert "Kontrollen gäller inte längre" in _text(refused)
    second = close(app, world.brist.id, days_ago=100)
    assert second != first
    assert "Håller åtgärden? (1)" in _text(ombud.get("/"))
    assert ombud.post(f"/efterkontroller/{second}", {"svar": "haller"}).status_code == 302
    assert kontroll(app, first)["svar"] is None
    assert kontroll(app, second)["svar"] == EfterkontrollSvar.HALLER


# --- roles, scope, bad input --------------------------------------------------------------


def test_roles_and_scope(app, world, login):
    kontroll_id = close(app, world.brist.id)
    url = f"/efterkontroller/{kontroll_id}"
    assert Client(app).post(url, {"svar": "haller"}).status_code == 302  # to the login page
    assert login("ledningsgrupp").post(url, {"svar": "haller"}).status_code == 403
    assert login("other_ombud").post(url, {"svar": "haller"}).status_code == 404
    assert login("other_samordnare").post(url, {"svar": "aterkommit"}).status_code == 404
    assert login("ombud").post("/efterkontroller/999999", {"svar": "haller"}).status_code == 404
    assert login("ombud").get(url).status_code == 405
    assert kontroll(app, kontroll_id)["svar"] is None
    # The samordnare works the verksamhet's brister too.
    assert login("samordnare").post(url, {"svar": "haller"}).status_code == 302
    assert kontroll(app, kontroll_id)["svar"] == EfterkontrollSvar.HALLER


def test_ledningsgrupp_sees_no_buttons(app, world, login):
    close(app, world.brist.id)
    page = login("ledningsgrupp").get(f"/brister/{world.brist.id}")
    assert page.status_code == 200
    assert "Håller åtgärden?" in _text(page)
    assert not _doc(page).xpath('//button[@name="svar"]')


def test_bad_input_is_refused_with_a_message(app, world, login):
    kontroll_id = close(app, world.brist.id)
    ombud = login("ombud")
    url = f"/efterkontroller/{kontroll_id}"
    for bad in ({}, {"svar": ""}, {"svar": "kanske"}, {"svar": "x" * 5000}, {"svar": "\x00"}):
        response = ombud.post(url, bad, follow_redirects=True)
        assert response.status_code == 200
        assert "Välj om bristen har återkommit eller inte." in _text(response)
    without_token = ombud.http.post(url, data={"svar": "haller"})
    assert without_token.status_code == 400
    assert kontroll(app, kontroll_id)["svar"] is None
    assert brist_row(app, world.brist.id)["status"] == Status.STANGD


# --- statement counts ---------------------------------------------------------------------


def _more_closed_brister(app, world, n):
    with session(app) as s:
        home = s.merge(world.home)
        ombud = s.get(User, world.users["ombud"].id)
        ids = [factories.brist(home, ombud, titel=f"Fler {i}").id for i in range(n)]
        s.commit()
    for brist_id in ids:
        close(app, brist_id)
    return ids


def test_start_page_statement_count_does_not_grow_with_checks(app, world, login):
    close(app, world.brist.id)
    client = login("ombud")
    client.get("/")
    with count_statements(app) as few:
        assert "Håller åtgärden? (1)" in _text(client.get("/"))
    _more_closed_brister(app, world, 6)
    with count_statements(app) as many:
        assert "Håller åtgärden? (7)" in _text(client.get("/"))
    assert many["n"] == few["n"]


def test_brist_page_statement_count_is_the_same_with_a_check(app, world, login):
    client = login("ombud")
    client.get(f"/brister/{world.brist.id}")
    close(app, world.brist.id, days_ago=300)
    with count_statements(app) as once:
        client.get(f"/brister/{world.brist.id}")
    with session(app) as s:
        brist = s.get(Brist, world.brist.id)
        user = s.get(User, world.users["ombud"].id)
        brister_services.reopen_brist(
            brist=brist,
            user=user,
            scope=scope_for(user),
            reason="Igen",
            expected_version=brist.version,
        )
        s.commit()
    close(app, world.brist.id, days_ago=150)
    with count_statements(app) as twice:
        assert client.get(f"/brister/{world.brist.id}").status_code == 200
    assert twice["n"] == once["n"]
