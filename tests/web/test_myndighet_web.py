"""Issue 14, item 13: a myndighet's page and the list of myndigheter through the test client:
who sees them, what they show, bad ids, and a statement count that does not grow."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.brister.domain import Niva, Utfall
from systemfel.brister.models import Brist
from systemfel.brister.services import close_brist
from systemfel.clock import STOCKHOLM, local_today
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import Kanal, SvarTyp
from systemfel.verksamheter.models import Myndighet
from systemfel.workdays import calendar_around
from tests import factories
from tests.sql import count_statements

ROLES = ("ombud", "samordnare", "ledningsgrupp", "admin", "other_ombud", "other_samordnare")
READ = {"ombud", "samordnare", "ledningsgrupp", "admin"}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10), STOCKHOLM).astimezone(UTC)


def _fk(verksamhet_id: int) -> Myndighet:
    return db.session.scalar(
        select(Myndighet).where(
            Myndighet.verksamhet_id == verksamhet_id, Myndighet.namn == "Försäkringskassan"
        )
    )


def _add(app, world, count: int, *, answered: bool = True, titel: str = "Brist") -> None:
    """`count` brister at Försäkringskassan, each e-mailed a request; answered with a promise."""
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        fk = _fk(home.id)
        fk.epost = "kundcenter@fk.example"
        today = local_today()
        for n in range(count):
            brist = factories.brist(home, ombud, titel=f"{titel} {n}", niva=Niva.LOKAL)
            sent = today - timedelta(days=20 + n)
            kontakt = followups.raise_with_myndighet(
                brist=brist,
                user=ombud,
                scope=scope_for(ombud),
                myndighet=fk,
                contacted_on=sent,
                kanal=Kanal.EPOST,
                summary="Besluten saknar motivering.",
                send_email=True,
                answer_due_on=today + timedelta(days=5),
                now=_at(sent),
            )
            if answered:
                followups.record_answer(
                    kontakt=kontakt,
                    typ=SvarTyp.ATGARD_UTLOVAD,
                    text="Vi ser över rutinen.",
                    diarienummer="",
                    promised_on=today + timedelta(days=30),
                    responsible_body="",
                    now=_at(sent + timedelta(days=3)),
                )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def fk(app, world):
    """The home verksamhet's Försäkringskassan, with known requests, answers and brister."""
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        samordnare = db.session.get(type(ombud), world.users["samordnare"].id)
        myndighet = _fk(home.id)
        myndighet.epost = "kundcenter@fk.example"
        today = local_today()
        # Waiting, deadline passed: sent 40 days ago, due 10 days ago.
        late = factories.brist(home, ombud, titel="Sen handläggning", niva=Niva.CENTRAL)
        followups.raise_with_myndighet(
            brist=late,
            user=ombud,
            scope=scope_for(ombud),
            myndighet=myndighet,
            contacted_on=today - timedelta(days=40),
            kanal=Kanal.EPOST,
            summary="Handläggningen tar för lång tid.",
            send_email=True,
            answer_due_on=today - timedelta(days=10),
            now=_at(today - timedelta(days=40)),
        )
        # Answered with a promise whose date has passed.
        promised = factories.brist(
            home, ombud, titel="Blanketten går inte att hitta", niva=Niva.LOKAL
        )
        kontakt = followups.raise_with_myndighet(
            brist=promised,
            user=ombud,
            scope=scope_for(ombud),
            myndighet=myndighet,
            contacted_on=today - timedelta(days=60),
            kanal=Kanal.EPOST,
            summary="Blanketten saknas.",
            send_email=True,
            answer_due_on=today - timedelta(days=30),
            now=_at(today - timedelta(days=60)),
        )
        followups.record_answer(
            kontakt=kontakt,
            typ=SvarTyp.ATGARD_UTLOVAD,
            text="Den läggs ut igen.",
            diarienummer="",
            promised_on=today - timedelta(days=5),
            responsible_body="",
            now=_at(today - timedelta(days=50)),
        )
        # A closed handläggare-level brist.
        closed = factories.brist(home, ombud, titel="Stängd förr", niva=Niva.HANDLAGGARE)
        close_brist(
            brist=closed,
            user=samordnare,
            scope=scope_for(samordnare),
            utfall=Utfall.ATGARDAD,
            comment="",
            expected_version=closed.version,
        )
        db.session.commit()
        values = {
            "id": myndighet.id,
            "other": _fk(world.other.id).id,
            "late": late.nummer,
            "promised": promised.nummer,
            "promised_on": (today - timedelta(days=5)).isoformat(),
        }
        db.session.remove()
    return values


@pytest.mark.parametrize("role", ROLES)
def test_the_myndighet_page_is_read_within_ones_verksamheter(app, fk, login, role):
    response = login(role).get(f"/myndigheter/{fk['id']}")
    assert response.status_code == (200 if role in READ else 404)


@pytest.mark.parametrize("role", ["other_ombud", "other_samordnare"])
def test_the_other_verksamhets_users_read_their_own_myndighet(app, fk, login, role):
    assert login(role).get(f"/myndigheter/{fk['other']}").status_code == 200
    assert login("ombud").get(f"/myndigheter/{fk['other']}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_only_ones_own_myndigheter(app, fk, login, role):
    response = login(role).get("/myndigheter")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (f'href="/myndigheter/{fk["id"]}"' in page) == (role in READ)
    assert (f'href="/myndigheter/{fk["other"]}"' in page) == (role not in READ - {"admin"})


def test_anonymous_users_are_sent_to_login(client, fk):
    for url in ("/myndigheter", f"/myndigheter/{fk['id']}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/myndigheter/0",
        "/myndigheter/-1",
        "/myndigheter/999999",
        "/myndigheter/2147483648",
        "/myndigheter/99999999999999999999999",
        "/myndigheter/abc",
        "/myndigheter/1.5",
        "/myndigheter/%00",
    ],
)
def test_bad_ids_are_not_found(app, fk, login, url):
    assert login("samordnare").get(url).status_code == 404


def test_the_page_shows_requests_answers_promises_and_brister(app, fk, login):
    page = login("samordnare").get(f"/myndigheter/{fk['id']}").get_data(as_text=True)
    # Waiting for an answer, its deadline passed.
    assert "1 förfrågan väntar på svar" in page
    waiting = page.split('id="requests-title"')[1].split("</section>")[0]
    assert fk["late"] in waiting and "Försenat" in waiting
    assert fk["promised"] not in waiting
    # Answers: two requests in the last 12 months, one answered in 10 calendar days.
    answers = page.split('id="answers-title"')[1].split("</section>")[0]
    assert "<dt>Förfrågningar</dt><dd>2</dd>" in answers
    assert "<dt>Besvarade</dt><dd>1</dd>" in answers
    assert "50 %" in answers
    # Promises: one, its date passed with the brist still open: broken (followups' rule).
    promises = page.split('id="promises-title"')[1].split("</section>")[0]
    assert "1 utlovad åtgärd:" in promises and fk["promised"] in promises
    assert "hållna 0, brutna 1, datumet inte passerat 0." in promises
    assert fk["promised_on"] in promises and "<td>Brutet</td>" in promises
    # Brister by nivå, open and closed: Försäkringskassan is the main myndighet of the home
    # verksamhet's world brist too (handläggare, open).
    brister = page.split('id="brister-title"')[1].split("</section>")[0]
    rows = [row.split("</tr>")[0] for row in brister.split("<tr>")[2:5]]
    assert ">Handläggarnivå</th>" in rows[0] and rows[0].count('"num">1<') == 2
    assert ">Lokal nivå</th>" in rows[1] and '"num">1</td>' in rows[1]
    assert ">Central nivå</th>" in rows[2]
    assert "Stängd förr" not in brister  # closed: counted, not listed
    assert brister.index("Sen handläggning") < brister.index("Blanketten")  # central first


def test_the_median_answer_time_is_in_working_days(app, world, login):
    _add(app, world, 1)
    with app.app_context():
        fk = _fk(world.home.id).id
        db.session.remove()
    page = login("ombud").get(f"/myndigheter/{fk}").get_data(as_text=True)
    sent = local_today() - timedelta(days=20)
    calendar = calendar_around(sent.year)
    expected = sum(1 for d in range(1, 4) if calendar.is_working_day(sent + timedelta(days=d)))
    assert f"<dt>Mediantid till svar (arbetsdagar)</dt><dd>{expected}</dd>" in page


def test_the_brist_page_links_its_myndighet(app, world, login):
    page = login("ombud").get(f"/brister/{world.brist.id}").get_data(as_text=True)
    with app.app_context():
        fk = _fk(world.home.id).id
        db.session.remove()
    assert f'href="/myndigheter/{fk}"' in page


def test_the_page_reads_in_a_fixed_number_of_statements(app, world, login):
    client = login("samordnare")
    with app.app_context():
        fk = _fk(world.home.id).id
        db.session.remove()
    url = f"/myndigheter/{fk}"
    _add(app, world, 2)
    client.get(url)  # warm up
    with count_statements(app) as few:
        assert client.get(url).status_code == 200
    with count_statements(app) as few_listed:
        assert client.get("/myndigheter").status_code == 200
    _add(app, world, 18, titel="Fler")
    with count_statements(app) as many:
        page = client.get(url).get_data(as_text=True)
    with count_statements(app) as many_listed:
        listed = client.get("/myndigheter").get_data(as_text=True)
    assert "20 utlovade åtgärder" in page and "Fler 17" in page
    assert '<td class="num">21</td>' in listed  # open brister: 2 + 18 + the world's own
    assert (many["n"], many_listed["n"]) == (few["n"], few_listed["n"])
    # The user, then 1 myndighet + 8 for the page (2 of them the promise rule's).
    assert few["n"] <= 10, few["n"]


def test_the_page_prints_without_navigation(app, fk, login):
    page = login("samordnare").get(f"/myndigheter/{fk['id']}").get_data(as_text=True)
    assert 'class="myndighet-page"' in page
    with app.open_resource("static/css/systemfel.css") as css:
        printed = css.read().decode().split("@media print")[1]
    assert ".site-header" in printed and ".myndighet-page" in printed


def test_promises_kept_broken_and_pending_are_counted_by_the_promise_rule(app, world, fk, login):
    _add(app, world, 2, titel="Utlovad")  # promised 30 days on: pending
    with app.app_context():
        samordnare = db.session.get(type(world.users["samordnare"]), world.users["samordnare"].id)
        kept = db.session.scalar(
            select(Brist).where(Brist.titel == "Utlovad 0", Brist.verksamhet_id == world.home.id)
        )
        close_brist(
            brist=kept,
            user=samordnare,
            scope=scope_for(samordnare),
            utfall=Utfall.ATGARDAD,
            comment="",
            expected_version=kept.version,
        )
        db.session.commit()
        db.session.remove()
    page = login("samordnare").get(f"/myndigheter/{fk['id']}").get_data(as_text=True)
    promises = page.split('id="promises-title"')[1].split("</section>")[0]
    assert "3 utlovade åtgärder: hållna 1, brutna 1, datumet inte passerat 1." in promises
    assert promises.count("<td>Hållet</td>") == 1
    assert promises.count("<td>Datumet har inte passerat</td>") == 1
