"""Meeting pages through the test client: every route for every role, bad input on every form,
documents that read back, the calendar feed and the agenda e-mail."""

import io
import re
from datetime import date, datetime, time

import docx
import pytest
import time_machine
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import select

from systemfel.brister.domain import Niva
from systemfel.brister.models import Brist
from systemfel.clock import STOCKHOLM
from systemfel.extensions import db
from systemfel.meetings import services
from systemfel.meetings.domain import GruppTyp, MotesStatus
from systemfel.meetings.models import Ledamot, Ledningsgrupp, Mote, Punkt
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.pages import resubmitted, saved_beside
from tests.sql import count_statements

ROLES = ("ombud", "samordnare", "ledningsgrupp", "admin", "other_ombud", "other_samordnare")
READ = {"ombud", "samordnare", "ledningsgrupp", "admin"}
MANAGE = {"samordnare", "admin"}
WORK = {"ombud", "samordnare", "admin"}
DAY = date(2026, 12, 8)


@pytest.fixture(autouse=True)
def _after_the_meeting_started():
    """The clock stands two hours into the meeting on DAY: minutes wait for its start."""
    with time_machine.travel(datetime.combine(DAY, time(15), STOCKHOLM), tick=True):
        yield


@pytest.fixture
def planned(app, world):
    """A group over the home verksamhet with two members, a lokal brist, a planned meeting."""
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        brist = factories.brist(home, ombud, titel="Ingen kontinuitet", niva=Niva.LOKAL)
        group = services.create_group(
            scope=Scope.everything(),
            fields=services.GroupFields(
                "Ledningsgruppen Hemma", GruppTyp.ARBETANDE, [home], "Sammansättning"
            ),
        )
        login_user = db.session.get(type(ombud), world.users["ledningsgrupp"].id)
        member = services.add_member(
            scope=Scope.everything(),
            group=group,
            namn="Lena Ledamot",
            organisation="Psykiatrin",
            epost="lena@psykiatrin.example",
            user=login_user,
        )
        services.add_member(
            scope=Scope.everything(),
            group=group,
            namn="Kurt Kommun",
            organisation="Kommunen",
            epost="",
            user=None,
        )
        mote = services.plan_mote(
            scope=Scope.everything(),
            group=group,
            fields=services.MoteFields(
                datetime.combine(DAY, time(13), STOCKHOLM), None, "Stadshuset", member
            ),
        )
        db.session.commit()
        values = {
            "group": group.id,
            "mote": mote.id,
            "brist": brist.id,
            "member": member.id,
            "token": group.ics_token,
        }
        db.session.remove()
    return values


def _mote(app, mote_id):
    with app.app_context():
        mote = db.session.get(Mote, mote_id)
        db.session.expunge(mote)
        db.session.remove()
    return mote


def _version(app, mote_id) -> str:
    return str(_mote(app, mote_id).version)


def _propose_and_faststall(app, planned, client):
    mote = planned["mote"]
    assert (
        client.post(
            f"/moten/{mote}/dagordning/foresla", {"version": _version(app, mote)}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/moten/{mote}/dagordning/faststall", {"version": _version(app, mote)}
        ).status_code
        == 302
    )
    assert _mote(app, mote).status == MotesStatus.DAGORDNING_FASTSTALLD


def _punkter(app, mote_id) -> list[Punkt]:
    with app.app_context():
        rows = db.session.scalars(
            select(Punkt)
            .where(Punkt.mote_id == mote_id, Punkt.is_removed.is_(False))
            .order_by(Punkt.position)
        ).all()
        db.session.expunge_all()
        db.session.remove()
    return list(rows)


def _protokoll_data(app, planned, overrides=None, **extra):
    """The minutes form as a browser posts it, every item dealt with and no decisions."""
    data = {"version": _version(app, planned["mote"]), **extra}
    for index, punkt in enumerate(_punkter(app, planned["mote"])):
        data[f"punkter-{index}-punkt_id"] = str(punkt.id)
        data[f"punkter-{index}-anteckning"] = f"Anteckning {index}"
        if punkt.brist_id:
            data[f"punkter-{index}-beslut_typ"] = "information"
        for key, value in (overrides or {}).get(punkt.brist_id, {}).items():
            data[f"punkter-{index}-{key}"] = value
    return data


# --- Who may do what ----------------------------------------------------------------------------

READ_PAGES = [
    "/ledningsgrupper/{group}",
    "/moten/{mote}",
    "/moten/{mote}/dagordning/utskrift",
    "/moten/{mote}/dagordning.docx",
    "/moten/{mote}/kallelse.ics",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", READ_PAGES)
def test_members_and_staff_of_the_verksamhet_read_the_group(app, planned, login, role, url):
    response = login(role).get(url.format(**planned))
    assert response.status_code == (200 if role in READ else 404)


@pytest.mark.parametrize("role", ROLES)
def test_the_group_list_shows_only_groups_over_ones_verksamheter(app, planned, login, role):
    page = login(role).get("/ledningsgrupper").get_data(as_text=True)
    assert ("Ledningsgruppen Hemma" in page) == (role in READ)


MANAGE_PAGES = [
    "/ledningsgrupper/ny",
    "/ledningsgrupper/{group}/andra",
    "/ledningsgrupper/{group}/moten/nytt",
    "/moten/{mote}/andra",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", MANAGE_PAGES)
def test_only_samordnare_manage_groups_and_meetings(app, planned, login, role, url):
    response = login(role).get(url.format(**planned))
    if role in MANAGE or (role == "other_samordnare" and "{" not in url):
        expected = 200  # a samordnare elsewhere creates groups for their own verksamhet
    elif role == "other_samordnare":
        expected = 404
    else:
        expected = 403
    assert response.status_code == expected


MANAGE_POSTS = [
    "/moten/{mote}/dagordning/foresla",
    "/moten/{mote}/dagordning/faststall",
    "/moten/{mote}/dagordning/skicka",
    "/moten/{mote}/dagordning/punkter",
    "/ledningsgrupper/{group}/ledamoter",
    "/ledningsgrupper/{group}/kalenderlank",
    "/ledningsgrupper/{group}/ledamoter/{member}/ta-bort",
]


@pytest.mark.parametrize("role", ["ombud", "ledningsgrupp", "other_samordnare"])
@pytest.mark.parametrize("url", MANAGE_POSTS)
def test_others_cannot_change_agendas_or_groups(app, planned, login, role, url):
    before = _mote(app, planned["mote"]).version
    response = login(role).post(url.format(**planned), {"version": str(before), "rubrik": "X"})
    assert response.status_code == (404 if role == "other_samordnare" else 403)
    assert _mote(app, planned["mote"]).version == before


def test_anonymous_users_are_sent_to_login(client, planned):
    response = client.get(f"/moten/{planned['mote']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["ombud", "samordnare", "ledningsgrupp"])
def test_ombud_propose_items_by_marking_brister(app, planned, login, role):
    response = login(role).post(f"/brister/{planned['brist']}/ledningsgrupp", {"markera": "ja"})
    assert response.status_code == (403 if role == "ledningsgrupp" else 302)
    with app.app_context():
        marked = db.session.get(Brist, planned["brist"]).marked_for_group_at is not None
        db.session.remove()
    assert marked == (role != "ledningsgrupp")


def test_minutes_are_read_by_members_and_written_by_the_samordnare(app, planned, login):
    _propose_and_faststall(app, planned, login("samordnare"))
    member = login("ledningsgrupp")
    assert member.get(f"/moten/{planned['mote']}/protokoll").status_code == 200
    response = member.post(f"/moten/{planned['mote']}/protokoll", _protokoll_data(app, planned))
    assert response.status_code == 403
    assert _mote(app, planned["mote"]).status == MotesStatus.DAGORDNING_FASTSTALLD


def test_the_chosen_justerare_approves_with_their_own_login(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    samordnare.post(
        f"/moten/{planned['mote']}/protokoll", _protokoll_data(app, planned, verkstall="1")
    )
    assert _mote(app, planned["mote"]).status == MotesStatus.GENOMFORT
    ombud = login("ombud")
    assert (
        ombud.post(
            f"/moten/{planned['mote']}/protokoll/justera",
            {"version": _version(app, planned["mote"])},
        ).status_code
        == 403
    )
    justerare = login("ledningsgrupp")
    response = justerare.post(
        f"/moten/{planned['mote']}/protokoll/justera", {"version": _version(app, planned["mote"])}
    )
    assert response.status_code == 302
    assert _mote(app, planned["mote"]).status == MotesStatus.PROTOKOLL_JUSTERAT


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"namn": "", "typ": "arbetande"}, "namn", "Fyll i fältet."),
        ({"namn": "Grupp", "typ": ""}, "typ", "Gör ett val."),
        (
            {"namn": "Grupp", "typ": "arbetande", "staende_punkter": "Fråga om 811218-9876"},
            "staende_punkter",
            "personnummer",
        ),
    ],
)
def test_bad_group_input_is_shown_and_kept(app, world, login, data, field, message):
    response = login("samordnare").post(
        "/ledningsgrupper/ny", {"verksamhet_ids": str(world.home.id), **data}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert f'id="{field}-error"' in page or f"{field}" in page
    with app.app_context():
        assert db.session.scalar(select(Ledningsgrupp.id)) is None
        db.session.remove()


def test_a_group_needs_a_verksamhet(app, world, login):
    response = login("samordnare").post(
        "/ledningsgrupper/ny", {"namn": "Grupp", "typ": "arbetande"}
    )
    assert response.status_code == 422
    assert 'value="Grupp"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"namn": "", "organisation": "Kommunen"}, "Fyll i fältet."),
        ({"namn": "Ann", "organisation": ""}, "Fyll i fältet."),
        (
            {"namn": "Ann", "organisation": "FK", "epost": "inte-en-adress"},
            "Ange en giltig e-postadress.",
        ),
        ({"namn": "Ann 811218-9876", "organisation": "FK"}, "personnummer"),
    ],
)
def test_bad_member_input_is_shown_and_kept(app, planned, login, data, message):
    response = login("samordnare").post(f"/ledningsgrupper/{planned['group']}/ledamoter", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    with app.app_context():
        assert len(db.session.scalars(select(Ledamot)).all()) == 2
        db.session.remove()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"datum": "8/12", "starttid": "13:00", "plats": "Rum 1"}, "Inte ett giltigt datum"),
        ({"datum": "2026-12-08", "starttid": "", "plats": "Rum 1"}, "Ange en tid som TT:MM."),
        ({"datum": "2026-12-08", "starttid": "13:00", "plats": ""}, "Fyll i fältet."),
        (
            {"datum": "2026-12-08", "starttid": "13:00", "sluttid": "12:00", "plats": "Rum"},
            "Sluttiden måste vara efter starttiden.",
        ),
    ],
)
def test_bad_meeting_input_is_shown_and_kept(app, planned, login, data, message):
    response = login("samordnare").post(f"/ledningsgrupper/{planned['group']}/moten/nytt", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    with app.app_context():
        assert len(db.session.scalars(select(Mote)).all()) == 1
        db.session.remove()


def test_adding_an_item_needs_a_heading_or_a_known_brist(app, planned, login):
    client = login("samordnare")
    client.post(
        f"/moten/{planned['mote']}/dagordning/foresla", {"version": _version(app, planned["mote"])}
    )
    for data, message in [
        ({"rubrik": "", "brist": "", "sektion": "staende"}, "Skriv en rubrik."),
        (
            {"rubrik": "", "brist": "SF-1999-0001", "sektion": "nya"},
            "Det finns ingen brist med det numret",
        ),
        ({"rubrik": "Om 811218-9876", "sektion": "staende"}, "personnummer"),
    ]:
        response = client.post(
            f"/moten/{planned['mote']}/dagordning/punkter",
            {"version": _version(app, planned["mote"]), **data},
        )
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True)


def test_an_incomplete_decision_is_shown_beside_its_item_and_nothing_is_applied(
    app, planned, login
):
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    data = _protokoll_data(
        app,
        planned,
        {
            planned["brist"]: {
                "beslut_typ": "atgard",
                "beslut_text": "Utbilda",
                "anteckning": "Min text",
            }
        },
        verkstall="1",
    )
    response = client.post(f"/moten/{planned['mote']}/protokoll", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ange vilken organisation som ansvarar." in page
    assert "Min text" in page and "Utbilda" in page
    assert _mote(app, planned["mote"]).status == MotesStatus.DAGORDNING_FASTSTALLD


def test_a_stale_minutes_save_is_a_conflict_and_keeps_the_text(app, planned, login):
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    stale = _protokoll_data(app, planned, {planned["brist"]: {"anteckning": "Min egen text"}})
    client.post(f"/moten/{planned['mote']}/protokoll", _protokoll_data(app, planned))
    response = client.post(f"/moten/{planned['mote']}/protokoll", stale)
    assert response.status_code == 409
    assert "Min egen text" in response.get_data(as_text=True)


def _brist_note(app, planned) -> tuple[str, str]:
    """The brist item's field name in the minutes form, and its notes as saved."""
    punkter = _punkter(app, planned["mote"])
    index = next(i for i, p in enumerate(punkter) if p.brist_id == planned["brist"])
    return f"punkter-{index}-anteckning", punkter[index].anteckning


def _protokoll_conflict(app, planned, login):
    """Bo opens the minutes; Anna saves hers; Bo writes his note on his copy and saves: 409."""
    anna, bo = login("samordnare"), login("admin")
    _propose_and_faststall(app, planned, anna)
    url = f"/moten/{planned['mote']}/protokoll"
    bos_copy = bo.get(url)
    annas = _protokoll_data(
        app,
        planned,
        {
            planned["brist"]: {
                "anteckning": "Annas anteckning",
                "beslut_typ": "atgard",
                "beslut_text": "Utbilda handläggarna",
            }
        },
    )
    assert anna.post(url, annas).status_code == 302
    field, _ = _brist_note(app, planned)
    refused = bo.post(url, {**resubmitted(bos_copy, spara="1"), field: "Bos anteckning"})
    assert refused.status_code == 409
    return bo, url, refused


def test_a_minutes_conflict_shows_the_saved_minutes_beside_the_users_own(app, planned, login):
    _bo, _url, refused = _protokoll_conflict(app, planned, login)
    field, _ = _brist_note(app, planned)
    assert "Någon annan har sparat protokollet medan du arbetade" in refused.get_data(as_text=True)
    assert resubmitted(refused)[field] == "Bos anteckning"  # Bo's input is kept
    saved = saved_beside(refused)
    assert saved[field] == "Annas anteckning"  # beside it, what Anna saved
    assert "Utbilda handläggarna" in saved[field.replace("anteckning", "beslut_typ")]
    assert field.replace("anteckning", "is_deferred") not in saved  # the same on both sides


def test_saving_stale_minutes_again_is_refused_until_the_user_takes_over(app, planned, login):
    bo, url, refused = _protokoll_conflict(app, planned, login)
    again = bo.post(url, resubmitted(refused, spara="1"))
    assert again.status_code == 409
    assert _brist_note(app, planned)[1] == "Annas anteckning"  # Anna's note is intact
    taken_over = bo.post(url, {**resubmitted(again, spara="1"), "overwrite": "y"})
    assert taken_over.status_code == 302
    assert _brist_note(app, planned)[1] == "Bos anteckning"


def test_a_locked_agenda_says_so(app, planned, login):
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    response = client.post(
        f"/moten/{planned['mote']}/dagordning/foresla",
        {"version": _version(app, planned["mote"])},
        follow_redirects=True,
    )
    assert "Dagordningen är fastställd och kan inte ändras." in response.get_data(as_text=True)


# --- The whole way, documents, calendar, e-mail -------------------------------------------------


def test_decisions_reach_the_brister_and_the_minutes_read_back(app, planned, login):
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    data = _protokoll_data(
        app,
        planned,
        {
            planned["brist"]: {
                "beslut_typ": "eskalera",
                "beslut_till_niva": "central",
                "beslut_text": "Till regionen",
            }
        },
        verkstall="1",
        narvarande=str(planned["member"]),
    )
    assert client.post(f"/moten/{planned['mote']}/protokoll", data).status_code == 302
    detail = client.get(f"/brister/{planned['brist']}").get_data(as_text=True)
    assert "Beslut i Ledningsgruppen Hemma 2026-12-08: Eskalera (Central nivå)" in detail
    assert "Till regionen" in detail
    protokoll = client.get(f"/moten/{planned['mote']}/protokoll.docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(protokoll.data)).paragraphs)
    assert "Protokoll" in text and "Beslut: Eskalera. Till Central nivå. Till regionen" in text
    assert "Lena Ledamot, Psykiatrin" in text
    assert "Kurt Kommun" not in text  # not ticked as present


def test_the_agenda_as_docx_pdf_and_print_page(app, planned, login):
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    dagordning = client.get(f"/moten/{planned['mote']}/dagordning.docx")
    assert (
        dagordning.headers["Content-Disposition"]
        == 'attachment; filename="dagordning-2026-12-08.docx"'
    )
    document = docx.Document(io.BytesIO(dagordning.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["Kallade", "Inledning", "§ 1 Mötets öppnande"]
    assert any(h.endswith("Ingen kontinuitet") for h in headings)
    pdf = client.get(f"/moten/{planned['mote']}/dagordning.pdf")
    assert pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Dagordning" in text and "Ingen kontinuitet" in text and "Stadshuset" in text
    page = client.get(f"/moten/{planned['mote']}/dagordning/utskrift").get_data(as_text=True)
    assert "§ 3" in page and "tisdag 8 december 2026" in page.lower()


def test_the_calendar_feed_needs_the_secret_and_shows_every_meeting(app, client, planned):
    assert client.get(f"/ledningsgrupper/{planned['group']}/kalender/fel.ics").status_code == 404
    response = client.get(f"/ledningsgrupper/{planned['group']}/kalender/{planned['token']}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    with app.app_context():
        uid = db.session.get(Mote, planned["mote"]).ics_uid
    assert [str(e["UID"]) for e in events] == [uid]
    assert re.fullmatch(r"[0-9a-f-]{36}@systemfel", uid)
    assert events[0]["DTSTART"].dt == datetime.combine(DAY, time(13), STOCKHOLM)
    assert "ATTENDEE" not in events[0]  # a shared feed does not hand out members' addresses


def test_a_new_calendar_address_stops_the_old_one(app, planned, login):
    login("samordnare").post(f"/ledningsgrupper/{planned['group']}/kalenderlank", {})
    old = login("ombud").get(f"/ledningsgrupper/{planned['group']}/kalender/{planned['token']}.ics")
    assert old.status_code == 404


def test_sending_the_agenda_puts_one_message_per_member_with_an_invitation(app, planned, login):
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    response = client.post(
        f"/moten/{planned['mote']}/dagordning/skicka", {"version": _version(app, planned["mote"])}
    )
    assert response.status_code == 302
    client.post(
        f"/moten/{planned['mote']}/dagordning/skicka", {"version": _version(app, planned["mote"])}
    )
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert [m.recipients for m in messages] == [["lena@psykiatrin.example"]]
        names = [name for name, _, _ in messages[0].attachments]
        assert names == ["kallelse.ics", "dagordning.docx"]
        assert "§ 3" in messages[0].body_text
        db.session.remove()


def test_the_meeting_page_statement_count_does_not_grow_with_items(app, planned, login, world):
    client = login("samordnare")
    url = f"/moten/{planned['mote']}"
    client.post(f"{url}/dagordning/foresla", {"version": _version(app, planned["mote"])})
    client.get(url)
    with count_statements(app) as few:
        assert client.get(url).status_code == 200
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        for n in range(15):
            factories.brist(home, ombud, titel=f"Lokal {n}", niva=Niva.LOKAL)
        db.session.commit()
        db.session.remove()
    client.post(f"{url}/dagordning/foresla", {"version": _version(app, planned["mote"])})
    with count_statements(app) as many:
        assert client.get(url).status_code == 200
    assert len(_punkter(app, planned["mote"])) > 20
    assert many["n"] == few["n"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["upp", "ned", "ta-bort", "aterstall"])
def test_only_samordnare_rearrange_the_draft(app, planned, login, role, action):
    login("samordnare").post(
        f"/moten/{planned['mote']}/dagordning/foresla", {"version": _version(app, planned["mote"])}
    )
    punkt = _punkter(app, planned["mote"])[3]
    before = _mote(app, planned["mote"]).version
    response = login(role).post(
        f"/moten/{planned['mote']}/dagordning/punkter/{punkt.id}/{action}", {"version": str(before)}
    )
    if role in MANAGE:
        assert response.status_code == 302
        assert _mote(app, planned["mote"]).version == before + 1
    else:
        assert response.status_code == (404 if role == "other_samordnare" else 403)
        assert _mote(app, planned["mote"]).version == before


def test_an_unknown_item_action_is_not_found(app, planned, login):
    client = login("samordnare")
    client.post(
        f"/moten/{planned['mote']}/dagordning/foresla", {"version": _version(app, planned["mote"])}
    )
    punkt = _punkter(app, planned["mote"])[0]
    url = f"/moten/{planned['mote']}/dagordning/punkter/{punkt.id}/kasta"
    assert client.post(url, {"version": _version(app, planned["mote"])}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    ["/moten/{mote}/protokoll", "/moten/{mote}/protokoll/utskrift", "/moten/{mote}/protokoll.docx"],
)
def test_held_minutes_are_read_by_everyone_in_the_verksamhet(app, planned, login, role, url):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    samordnare.post(
        f"/moten/{planned['mote']}/protokoll", _protokoll_data(app, planned, verkstall="1")
    )
    response = login(role).get(url.format(**planned))
    assert response.status_code == (200 if role in READ else 404)


def test_minutes_documents_do_not_exist_before_the_meeting_is_held(app, planned, login):
    client = login("samordnare")
    assert client.get(f"/moten/{planned['mote']}/protokoll.docx").status_code == 404
    assert client.get(f"/moten/{planned['mote']}/dagordning.txt").status_code == 404


def test_changing_the_time_moves_the_calendar_event_on(app, planned, login):
    client = login("samordnare")
    before = _mote(app, planned["mote"])
    response = client.post(
        f"/moten/{planned['mote']}/andra",
        {
            "datum": "2026-12-09",
            "starttid": "09:00",
            "sluttid": "11:00",
            "plats": "Stadshuset",
            "justerare_id": str(planned["member"]),
            "version": str(before.version),
        },
    )
    assert response.status_code == 302
    after = _mote(app, planned["mote"])
    assert after.ics_sequence == before.ics_sequence + 1
    assert after.starts_at == datetime(2026, 12, 9, 9, tzinfo=STOCKHOLM)
    stale = client.post(
        f"/moten/{planned['mote']}/andra",
        {
            "datum": "2026-12-10",
            "starttid": "09:00",
            "plats": "Annat rum",
            "version": str(before.version),
        },
    )
    assert stale.status_code == 422
    assert "Någon annan har ändrat mötet" in stale.get_data(as_text=True)
    assert 'value="Annat rum"' in stale.get_data(as_text=True)


def test_documents_are_swedish_even_when_the_user_reads_english(app, planned, login):
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    client.post("/sprak", {"lang": "en", "next": "/"})
    page = client.get(f"/moten/{planned['mote']}").get_data(as_text=True)
    assert "Settle the agenda" in page or "Minutes" in page
    pdf = client.get(f"/moten/{planned['mote']}/dagordning.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Dagordning" in text and "Mötets öppnande" in text
    assert "Opening of the meeting" not in text
    page = client.get(f"/moten/{planned['mote']}").get_data(as_text=True)
    assert "Minutes" in page  # the request's own language is back after the document


def test_the_minutes_page_statement_count_does_not_grow_with_items(app, planned, login, world):
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    url = f"/moten/{planned['mote']}/protokoll"
    client.get(url)
    with count_statements(app) as few:
        assert client.get(url).status_code == 200
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        mote = db.session.get(Mote, planned["mote"])
        for n in range(8):
            brist = factories.brist(home, ombud, titel=f"Extra {n}", niva=Niva.LOKAL)
            mote.punkter.append(
                Punkt(key=f"brist:{brist.id}", sektion="nya", position=100 + n, brist_id=brist.id)
            )
        db.session.commit()
        db.session.remove()
    with count_statements(app) as many:
        assert client.get(url).status_code == 200
    assert many["n"] == few["n"]


def test_minutes_errors_land_beside_the_field_of_the_punkt_they_concern(app, planned, login, world):
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        second = factories.brist(home, ombud, titel="Andra bristen", niva=Niva.LOKAL).id
        db.session.commit()
        db.session.remove()
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    punkter = _punkter(app, planned["mote"])
    index = {punkt.brist_id: i for i, punkt in enumerate(punkter)}
    data = _protokoll_data(
        app,
        planned,
        {
            planned["brist"]: {"beslut_typ": "bevaka"},  # no date
            second: {"beslut_typ": "atgard", "beslut_text": "Utbilda"},  # nobody responsible
        },
        verkstall="1",
    )

    response = client.post(f"/moten/{planned['mote']}/protokoll", data)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    first = index[planned["brist"]]
    # Both refusals at once, each beside its own punkt's field, and linked from the summary.
    assert f'id="punkter-{index[second]}-beslut_ansvarig-error"' in page
    assert f'id="punkter-{first}-beslut_bevaka_on-error"' in page
    assert f'id="punkter-{first}-beslut_ansvarig-error"' not in page
    assert f'href="#punkter-{index[second]}-beslut_ansvarig"' in page
    assert _mote(app, planned["mote"]).status == MotesStatus.DAGORDNING_FASTSTALLD
