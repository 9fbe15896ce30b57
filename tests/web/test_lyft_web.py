"""Issue 14, defect 3 and item 12 through the test client: a central brist's proposal saves as
shown, a lift to a strategic body from the minutes, the brist page, the body's answer."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister.domain import Niva, Utfall
from systemfel.brister.models import Brist
from systemfel.brister.services import close_brist
from systemfel.clock import STOCKHOLM, local_today
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.meetings import services
from systemfel.meetings.domain import GruppTyp, MotesStatus
from systemfel.meetings.models import Lyft, Mote, Punkt
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.pages import resubmitted
from tests.sql import count_statements

ROLES = ("ombud", "samordnare", "ledningsgrupp", "admin", "other_ombud", "other_samordnare")
WORK = {"ombud", "samordnare", "admin"}
BODY = "Samordningsförbundet Östra Södertörn"


def _day():
    """The meeting was held a few days ago, so an answer can have come since."""
    return local_today() - timedelta(days=3)


@pytest.fixture
def held(app, world):
    """A central brist whose reminders went unanswered, on a meeting's fastställd agenda."""
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        samordnare = db.session.get(type(ombud), world.users["samordnare"].id)
        brist = factories.brist(home, ombud, titel="Bara digitala kontaktvägar", niva=Niva.CENTRAL)
        brist.escalation_proposed_at = datetime.now(STOCKHOLM)
        group = services.create_group(
            scope=Scope.everything(),
            fields=services.GroupFields("Ledningsgruppen Hemma", GruppTyp.ARBETANDE, [home], ""),
        )
        mote = services.plan_mote(
            scope=Scope.everything(),
            group=group,
            fields=services.MoteFields(
                datetime.combine(_day(), time(13), STOCKHOLM), None, "Stadshuset", None
            ),
        )
        services.propose_dagordning(
            scope=Scope.everything(), mote=mote, expected_version=mote.version
        )
        services.faststall_dagordning(
            scope=Scope.everything(), mote=mote, user=samordnare, expected_version=mote.version
        )
        db.session.commit()
        values = {"mote": mote.id, "brist": brist.id}
        db.session.remove()
    return values


def _index_of(app, mote_id, brist_id) -> int:
    with app.app_context():
        punkter = db.session.scalars(
            select(Punkt)
            .where(Punkt.mote_id == mote_id, Punkt.is_removed.is_(False))
            .order_by(Punkt.position)
        ).all()
        index = next(i for i, p in enumerate(punkter) if p.brist_id == brist_id)
        db.session.remove()
    return index


def _status(app, mote_id):
    with app.app_context():
        status = db.session.get(Mote, mote_id).status
        db.session.remove()
    return status


def test_the_proposal_for_a_central_brist_saves_as_shown(app, held, login):
    """Defect 3: the page proposed "Eskalera" and saving it refused ("Välj en högre nivå")."""
    client = login("samordnare")
    url = f"/moten/{held['mote']}/protokoll"
    page = client.get(url)
    index = _index_of(app, held["mote"], held["brist"])
    data = resubmitted(page, verkstall="1")
    assert data[f"punkter-{index}-beslut_typ"] == "bevaka"
    assert data[f"punkter-{index}-beslut_bevaka_on"] == (_day() + timedelta(days=91)).isoformat()
    response = client.post(url, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _status(app, held["mote"]) == MotesStatus.GENOMFORT
    with app.app_context():
        brist = db.session.get(Brist, held["brist"])
        assert followups.open_bevakning(brist).due_on == _day() + timedelta(days=91)
        db.session.remove()


def _lift(app, held, client, **overrides):
    url = f"/moten/{held['mote']}/protokoll"
    index = _index_of(app, held["mote"], held["brist"])
    data = resubmitted(client.get(url), verkstall="1")
    data |= {
        f"punkter-{index}-beslut_typ": "lyfta",
        f"punkter-{index}-beslut_bevaka_on": "",
        f"punkter-{index}-beslut_organ_typ": "samordningsforbund",
        f"punkter-{index}-beslut_organ_namn": BODY,
        f"punkter-{index}-beslut_text": "Förbundet tar det vidare.",
    }
    data |= {f"punkter-{index}-{key}": value for key, value in overrides.items()}
    return client.post(url, data), index


def _lyft(app, brist_id) -> Lyft:
    with app.app_context():
        lyft = db.session.scalar(select(Lyft).where(Lyft.brist_id == brist_id))
        if lyft is not None:
            db.session.expunge(lyft)
        db.session.remove()
    return lyft


def test_a_lift_from_the_minutes_shows_on_the_brist_page(app, held, login):
    client = login("samordnare")
    response, _ = _lift(app, held, client)
    assert response.status_code == 302, response.get_data(as_text=True)
    lyft = _lyft(app, held["brist"])
    page = client.get(f"/brister/{held['brist']}").get_data(as_text=True)
    assert f"Lyft till {BODY} (Samordningsförbund) {_day().isoformat()}" in page
    assert f"svar väntas senast {lyft.svar_senast_on.isoformat()}" in page
    assert f"Registrera svar från {BODY}" in page
    assert f"Beslut i Ledningsgruppen Hemma {_day().isoformat()}: Lyft till strategiskt organ" in (
        page
    )
    protokoll = client.get(f"/moten/{held['mote']}/protokoll").get_data(as_text=True)
    assert f"Beslut: Lyft till strategiskt organ. Till {BODY} (Samordningsförbund)." in protokoll


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"beslut_organ_typ": ""}, "beslut_organ_typ", "Välj vilket slags organ"),
        ({"beslut_organ_namn": " "}, "beslut_organ_namn", "Ange organets namn."),
        ({"beslut_organ_namn": "x" * 201}, "beslut_organ_namn", "Högst 200 tecken."),
        ({"beslut_organ_namn": "Förbund 811218-9876"}, "beslut_organ_namn", "personnummer"),
        ({"beslut_organ_typ": "hittepa"}, "beslut_organ_typ", "Not a valid choice"),
        ({"beslut_typ": "eskalera", "beslut_till_niva": "central"}, "beslut_typ", "Lyft till"),
    ],
)
def test_a_bad_lift_is_refused_beside_its_field_and_nothing_is_applied(
    app, held, login, overrides, field, message
):
    client = login("samordnare")
    response, index = _lift(app, held, client, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="punkter-{index}-{field}-error"' in page
    assert message in page
    assert _status(app, held["mote"]) == MotesStatus.DAGORDNING_FASTSTALLD
    assert _lyft(app, held["brist"]) is None


@pytest.fixture
def lifted(app, held, login):
    response, _ = _lift(app, held, login("samordnare"))
    assert response.status_code == 302
    lyft = _lyft(app, held["brist"])
    return {**held, "lyft": lyft.id, "url": f"/brister/{held['brist']}/lyft/{lyft.id}/svar"}


@pytest.mark.parametrize("role", ROLES)
def test_those_who_work_the_brist_record_the_answer(app, lifted, login, role):
    response = login(role).get(lifted["url"])
    if role in WORK:
        assert response.status_code == 200
    else:
        assert response.status_code == (403 if role == "ledningsgrupp" else 404)


@pytest.mark.parametrize("role", ["ledningsgrupp", "other_ombud", "other_samordnare"])
def test_others_cannot_post_an_answer(app, lifted, login, role):
    response = login(role).post(lifted["url"], {"svar_on": local_today().isoformat(), "text": "X"})
    assert response.status_code == (403 if role == "ledningsgrupp" else 404)
    assert _lyft(app, lifted["brist"]).svar_on is None


def test_anonymous_users_are_sent_to_login(client, lifted):
    response = client.get(lifted["url"])
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/brister/{brist}/lyft/999999/svar",
        "/brister/{brist}/lyft/99999999999999999999/svar",
        "/brister/{brist}/lyft/abc/svar",
        "/brister/{brist}/lyft/-1/svar",
        "/brister/99999999999999999999/lyft/{lyft}/svar",
    ],
)
def test_unknown_or_malformed_ids_are_not_found(app, lifted, login, url):
    assert login("ombud").get(url.format(**lifted)).status_code == 404


def test_a_lift_of_another_brist_is_not_found_under_this_one(app, lifted, login, world):
    url = f"/brister/{world.brist.id}/lyft/{lifted['lyft']}/svar"
    assert login("ombud").get(url).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"svar_on": "", "text": "Svar"}, "svar_on", "Ange ett datum som ÅÅÅÅ-MM-DD."),
        ({"svar_on": "igår", "text": "Svar"}, "svar_on", "Inte ett giltigt datum"),
        ({"svar_on": "2026-02-31", "text": "Svar"}, "svar_on", "Inte ett giltigt datum"),
        ({"svar_on": "9999-01-01", "text": "Svar"}, "svar_on", "Ange ett datum mellan"),
        ({"svar_on": "future", "text": "Svar"}, "svar_on", "kan inte vara i framtiden"),
        ({"svar_on": "before", "text": "Svar"}, "svar_on", "före lyftet"),
        ({"svar_on": "today", "text": ""}, "text", "Fyll i fältet."),
        ({"svar_on": "today", "text": "x" * 4001}, "text", "Högst 4000 tecken."),
        ({"svar_on": "today", "text": "Gäller 811218-9876"}, "text", "personnummer"),
    ],
)
def test_a_bad_answer_is_shown_beside_its_field_and_kept(app, lifted, login, data, field, message):
    days = {
        "future": local_today() + timedelta(days=1),
        "before": _day() - timedelta(days=1),
        "today": local_today(),
    }
    if data["svar_on"] in days:
        data = {**data, "svar_on": days[data["svar_on"]].isoformat()}
    response = login("ombud").post(lifted["url"], data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and message in page
    if data["text"] and len(data["text"]) < 100:
        assert data["text"] in page  # the input is kept
    assert _lyft(app, lifted["brist"]).svar_on is None


def test_the_answer_shows_on_the_brist_page_and_in_its_history(app, lifted, login):
    client = login("ombud")
    today = local_today().isoformat()
    response = client.post(
        lifted["url"], {"svar_on": today, "text": "Styrelsen tar upp frågan i mars."}
    )
    assert response.status_code == 302
    page = client.get(f"/brister/{lifted['brist']}").get_data(as_text=True)
    assert f"Svar {today}" in page and "Styrelsen tar upp frågan i mars." in page
    assert "Svar från strategiskt organ" in page  # the history entry
    assert f"{BODY} svarade {today}." in page
    assert f"Registrera svar från {BODY}" not in page
    again = client.get(lifted["url"], follow_redirects=True).get_data(as_text=True)
    assert "Organets svar är redan registrerat." in again


def test_a_brist_closed_since_the_agenda_gets_information_and_the_minutes_save(app, held, login):
    with app.app_context():
        brist = db.session.get(Brist, held["brist"])
        user = db.session.scalar(select(User).where(User.email == "samordnare@hemma.example"))
        close_brist(
            brist=brist,
            user=user,
            scope=scope_for(user),
            utfall=Utfall.ATGARDAD,
            comment="",
            expected_version=brist.version,
        )
        db.session.commit()
        db.session.remove()
    client = login("samordnare")
    url = f"/moten/{held['mote']}/protokoll"
    index = _index_of(app, held["mote"], held["brist"])
    data = resubmitted(client.get(url), verkstall="1")
    assert data[f"punkter-{index}-beslut_typ"] == "information"
    assert client.post(url, data).status_code == 302
    assert _status(app, held["mote"]) == MotesStatus.GENOMFORT


def test_the_brist_page_on_an_agenda_and_lifted_takes_a_fixed_number_of_statements(
    app, held, login
):
    client = login("samordnare")
    url = f"/brister/{held['brist']}"
    client.get(url)
    with count_statements(app) as on_agenda:
        page = client.get(url).get_data(as_text=True)
    assert "Ledningsgruppen Hemma" in page and f"Lyft till {BODY}" not in page
    response, _ = _lift(app, held, client)
    assert response.status_code == 302
    with count_statements(app) as lifted:
        page = client.get(url).get_data(as_text=True)
    assert f"Lyft till {BODY} (Samordningsförbund)" in page
    assert "Ledningsgruppen Hemma" in page
    # A brist off every agenda takes 6 (tests/web/test_brister_pages.py); on one, its meetings 1.
    assert lifted["n"] == on_agenda["n"] == 7
