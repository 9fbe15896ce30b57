"""Promises on the pages: the brist page's "Utlovad åtgärd inte genomförd", the statistics
page's promises per myndighet and checks of fixes, for each role and scope, with bad input
and statement counts that do not grow with the data."""

from contextlib import contextmanager
from datetime import timedelta

import lxml.html
import pytest

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Utfall
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import EfterkontrollSvar, Kanal, SvarTyp
from systemfel.followups.models import Efterkontroll
from systemfel.verksamheter.models import Myndighet
from tests import factories
from tests.sql import count_statements

TODAY = local_today()


@contextmanager
def session(app):
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


def promise(app, brist_id, user_id, days_ago=40, promised_days_ago=10, typ=SvarTyp.ATGARD_UTLOVAD):
    """A myndighet's answer given `days_ago`, promising action `promised_days_ago`."""
    with session(app) as s:
        brist = s.get(Brist, brist_id)
        user = s.get(User, user_id)
        myndighet = s.get(Myndighet, brist.myndighet_id)
        myndighet.epost = "registrator@fk.example"
        then = utcnow() - timedelta(days=days_ago)
        kontakt = followups.raise_with_myndighet(
            brist=brist,
            user=user,
            scope=scope_for(user),
            myndighet=myndighet,
            contacted_on=TODAY - timedelta(days=days_ago),
            kanal=Kanal.EPOST,
            summary="Fråga",
            send_email=True,
            answer_due_on=None,
            now=then,
        )
        followups.record_answer(
            kontakt=kontakt,
            typ=typ,
            text="",
            diarienummer="",
            promised_on=TODAY - timedelta(days=promised_days_ago),
            responsible_body="",
            now=then + timedelta(hours=1),
        )
        s.commit()


def _text(response) -> str:
    return " ".join(lxml.html.fromstring(response.get_data(as_text=True)).text_content().split())


def _promise_notices(response) -> list[str]:
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    return [
        " ".join(p.text_content().split())
        for p in doc.xpath('//p[contains(@class, "broken-promise")]')
    ]


def test_a_broken_promise_shows_on_the_brist_page(app, world, login):
    promise(app, world.brist.id, world.users["ombud"].id)
    page = login("ombud").get(f"/brister/{world.brist.id}")
    [notice] = _promise_notices(page)
    assert notice.startswith("Utlovad åtgärd inte genomförd (utlovat till ")
    assert "Försäkringskassan" in notice
    # A reader in the verksamhet sees it too; the other verksamhet does not see the brist.
    assert _promise_notices(login("ledningsgrupp").get(f"/brister/{world.brist.id}"))
    assert login("other_ombud").get(f"/brister/{world.brist.id}").status_code == 404


def test_a_pending_promise_is_not_flagged(app, world, login):
    promise(app, world.brist.id, world.users["ombud"].id, days_ago=5, promised_days_ago=-30)
    assert _promise_notices(login("ombud").get(f"/brister/{world.brist.id}")) == []


def test_a_closed_brist_shows_no_broken_promise(app, world, login):
    promise(app, world.brist.id, world.users["ombud"].id)
    with session(app) as s:
        brist = s.get(Brist, world.brist.id)
        user = s.get(User, world.users["samordnare"].id)
        brister_services.close_brist(
            brist=brist,
            user=user,
            scope=scope_for(user),
            utfall=Utfall.EJ_ATGARDAD,
            comment="",
            expected_version=brist.version,
        )
        s.commit()
    assert _promise_notices(login("ombud").get(f"/brister/{world.brist.id}")) == []


def test_brist_page_statement_count_does_not_grow_with_promises(app, world, login):
    client = login("ombud")
    promise(app, world.brist.id, world.users["ombud"].id)
    client.get(f"/brister/{world.brist.id}")
    with count_statements(app) as few:
        assert len(_promise_notices(client.get(f"/brister/{world.brist.id}"))) == 1
    for n in range(4):
        promise(
            app, world.brist.id, world.users["ombud"].id, days_ago=40 - n, promised_days_ago=9 - n
        )
    with count_statements(app) as many:
        # Each newer promise came before the older one broke: only the last one is broken.
        notices = _promise_notices(client.get(f"/brister/{world.brist.id}"))
    assert len(notices) >= 1
    assert many["n"] == few["n"]


# --- statistics ---------------------------------------------------------------------------


def _rows(response, caption: str) -> dict[str, list[str]]:
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    [table] = doc.xpath(f'//table[caption[normalize-space()="{caption}"]]')
    return {
        " ".join(row.xpath("./th")[0].text_content().split()): [
            " ".join(td.text_content().split()) for td in row.xpath("./td")
        ]
        for row in table.xpath("./tbody/tr")
    }


def close_fixed(app, brist_id, days_ago=120, svar=None):
    with session(app) as s:
        brist = s.get(Brist, brist_id)
        user = s.get(User, brist.ansvarig_id)
        brister_services.close_brist(
            brist=brist,
            user=user,
            scope=factories.closing_scope(user),
            utfall=Utfall.ATGARDAD,
            comment="",
            expected_version=brist.version,
            now=utcnow() - timedelta(days=days_ago),
        )
        if svar is not None:
            kontroll = s.scalars(
                db.select(Efterkontroll).where(Efterkontroll.brist_id == brist_id)
            ).one()
            followups.record_efterkontroll(
                kontroll=kontroll, user=user, scope=scope_for(user), svar=svar
            )
        s.commit()


@pytest.mark.parametrize("role", ["ombud", "samordnare", "ledningsgrupp"])
def test_statistics_show_promises_and_checks_of_ones_own_verksamheter(app, world, login, role):
    promise(app, world.brist.id, world.users["ombud"].id)  # broken
    promise(app, world.other_brist.id, world.users["other_ombud"].id)  # not theirs
    with session(app) as s:
        home = s.merge(world.home)
        ombud = s.get(User, world.users["ombud"].id)
        kept = factories.brist(home, ombud, titel="Hållet").id
        lasting = factories.brist(home, ombud, titel="Håller").id
        s.commit()
    promise(app, kept, world.users["ombud"].id, days_ago=40, promised_days_ago=5)
    close_fixed(app, kept, days_ago=20)
    close_fixed(app, lasting, days_ago=120, svar=EfterkontrollSvar.HALLER)
    page = login(role).get("/statistik")
    assert page.status_code == 200
    assert _rows(page, "Utlovade åtgärder per myndighet") == {
        "Försäkringskassan": ["2", "1", "1", "0", "0"]
    }
    assert _rows(page, "Kontroll av åtgärdade brister") == {
        "Stängda som åtgärdade": ["2"],
        "Kontrollerade": ["1"],
        "Bekräftat att åtgärden håller": ["1"],
        "Bristen har återkommit": ["0"],
    }
    other = login("other_ombud").get("/statistik")
    assert _rows(other, "Utlovade åtgärder per myndighet") == {
        "Försäkringskassan": ["1", "0", "1", "0", "0"]
    }
    assert "Inga brister har stängts som åtgärdade." in _text(other)


@pytest.mark.parametrize("ar", ["", "abc", "1999", "99999999999999999999", "2026\x00", "-1"])
def test_statistics_with_a_bad_year_still_show_the_tables(app, world, login, ar):
    promise(app, world.brist.id, world.users["ombud"].id)
    page = login("samordnare").get("/statistik", query_string={"ar": ar})
    assert page.status_code == 200
    assert "Utlovade åtgärder per myndighet" in _text(page)


def test_statistics_count_promises_by_the_year_given(app, world, login):
    promise(app, world.brist.id, world.users["ombud"].id)
    given = (TODAY - timedelta(days=40)).year
    page = login("samordnare").get("/statistik", query_string={"ar": given})
    assert _rows(page, "Utlovade åtgärder per myndighet")["Försäkringskassan"][0] == "1"
    other_year = login("samordnare").get("/statistik", query_string={"ar": given - 1})
    assert "Inga åtgärder har utlovats." in _text(other_year)


def test_statistics_statement_count_does_not_grow_with_promises_and_checks(app, world, login):
    client = login("samordnare")
    promise(app, world.brist.id, world.users["ombud"].id)
    client.get("/statistik")
    with count_statements(app) as few:
        client.get("/statistik")
    with session(app) as s:
        home = s.merge(world.home)
        ombud = s.get(User, world.users["ombud"].id)
        ids = [factories.brist(home, ombud, titel=f"Fler {n}").id for n in range(5)]
        s.commit()
    for brist_id in ids:
        promise(app, brist_id, world.users["ombud"].id)
        close_fixed(app, brist_id, days_ago=5)
    with count_statements(app) as many:
        page = client.get("/statistik")
    assert _rows(page, "Kontroll av åtgärdade brister")["Stängda som åtgärdade"] == ["5"]
    assert many["n"] == few["n"]
