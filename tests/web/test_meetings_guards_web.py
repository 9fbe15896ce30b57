"""Issue 13 on the meeting pages: a meeting guards itself before it has started."""

import io
import re
from datetime import datetime, time, timedelta

import docx
import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from systemfel.brister import history
from systemfel.brister.domain import Niva
from systemfel.brister.models import Brist
from systemfel.clock import STOCKHOLM
from systemfel.extensions import db
from systemfel.meetings import services
from systemfel.meetings.domain import MotesStatus
from systemfel.meetings.models import Ledamot, Ledningsgrupp, Mote, Punkt
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.pages import resubmitted
from tests.sql import count_statements
from tests.web import test_meetings_web
from tests.web.test_meetings_web import (
    DAY,
    _mote,
    _propose_and_faststall,
    _protokoll_data,
    _punkter,
    _version,
)

planned = test_meetings_web.planned

START = datetime.combine(DAY, time(13), STOCKHOLM)


@pytest.fixture(autouse=True)
def _after_the_start():
    """Unless a test travels elsewhere, the clock stands two hours into the meeting."""
    with time_machine.travel(START + timedelta(hours=2), tick=True):
        yield


@pytest.fixture
def before_start():
    with time_machine.travel(START - timedelta(minutes=1), tick=False):
        yield


def test_the_minutes_page_before_the_start_says_when_and_offers_no_saving(
    app, planned, login, before_start
):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    page = samordnare.get(f"/moten/{planned['mote']}/protokoll").get_data(as_text=True)
    assert "Mötet har inte börjat än" in page
    assert "Spara protokollet och verkställ besluten" not in page
    assert "Spara utkast" not in page


@pytest.mark.parametrize("button", [{"spara": "1"}, {"verkstall": "1"}])
def test_minutes_posted_before_the_start_are_refused_and_nothing_is_applied(
    app, planned, login, before_start, button
):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    response = samordnare.post(
        f"/moten/{planned['mote']}/protokoll", _protokoll_data(app, planned, **button)
    )
    assert response.status_code == 302
    assert _mote(app, planned["mote"]).status == MotesStatus.DAGORDNING_FASTSTALLD
    assert all(p.anteckning == "" for p in _punkter(app, planned["mote"]))
    page = samordnare.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mötet har inte börjat än" in page


def test_from_the_start_minute_the_minutes_are_saved(app, planned, login):
    with time_machine.travel(START, tick=False):
        samordnare = login("samordnare")
        _propose_and_faststall(app, planned, samordnare)
        response = samordnare.post(
            f"/moten/{planned['mote']}/protokoll", _protokoll_data(app, planned, spara="1")
        )
    assert response.status_code == 302
    assert _punkter(app, planned["mote"])[0].anteckning == "Anteckning 0"


# --- Members without e-mail are named before sending ----------------------------------------


def _add_member(app, planned, namn, epost):
    with app.app_context():
        group = db.session.get(Ledningsgrupp, planned["group"])
        services.add_member(
            scope=Scope.everything(),
            group=group,
            namn=namn,
            organisation="Kommunen",
            epost=epost,
            user=None,
        )
        db.session.commit()
        db.session.remove()


def test_members_without_e_mail_are_named_before_sending(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    page = samordnare.get(f"/moten/{planned['mote']}").get_data(as_text=True)
    assert "Dagordningen skickas till 1 av 2 ledamöter; Kurt Kommun saknar e-post." in page
    _add_member(app, planned, "Yvonne Ytter", "")
    _add_member(app, planned, "Zara Zon", " ")
    page = samordnare.get(f"/moten/{planned['mote']}").get_data(as_text=True)
    assert (
        "Dagordningen skickas till 1 av 4 ledamöter; Kurt Kommun, Yvonne Ytter och Zara Zon "
        "saknar e-post." in page
    )
    response = samordnare.post(
        f"/moten/{planned['mote']}/dagordning/skicka", {"version": _version(app, planned["mote"])}
    )
    flashed = samordnare.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dagordningen läggs i utkorgen till 1 ledamot." in flashed


def test_the_sentence_is_singular_for_a_group_of_one(app, planned, login):
    with app.app_context():
        kurt = db.session.scalars(select(Ledamot).where(Ledamot.namn == "Kurt Kommun")).one()
        db.session.delete(kurt)
        db.session.commit()
        db.session.remove()
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    page = samordnare.get(f"/moten/{planned['mote']}").get_data(as_text=True)
    assert "Dagordningen skickas till 1 av 1 ledamot." in page


# --- Eskaleras till offers only higher levels -----------------------------------------------


def _till_niva_options(page: str, index: int) -> list[str]:
    select_html = page.split(f'id="punkter-{index}-beslut_till_niva"', 1)[1].split("</select>")[0]
    return re.findall(r'<option[^>]*value="([^"]*)"', select_html)


def test_a_lokal_brist_can_only_be_escalated_to_central(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    punkter = _punkter(app, planned["mote"])
    index = next(i for i, p in enumerate(punkter) if p.brist_id == planned["brist"])
    page = samordnare.get(f"/moten/{planned['mote']}/protokoll").get_data(as_text=True)
    assert _till_niva_options(page, index) == ["", "central"]


def test_a_posted_lower_level_is_refused_beside_the_field_in_swedish(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    data = _protokoll_data(
        app,
        planned,
        {planned["brist"]: {"beslut_typ": "eskalera", "beslut_till_niva": "handlaggare"}},
        verkstall="1",
    )
    response = samordnare.post(f"/moten/{planned['mote']}/protokoll", data)
    assert response.status_code == 422
    assert "Välj en högre nivå än bristens nuvarande." in response.get_data(as_text=True)
    assert _mote(app, planned["mote"]).status == MotesStatus.DAGORDNING_FASTSTALLD


# --- The minutes form shows only the chosen decision's fields ---------------------------------


def _decision_html(page: str, punkt_id: int) -> str:
    start = page.index(f'aria-labelledby="punkt-{punkt_id}"')
    return page[start : page.index("</section>", start)]


def test_each_kinds_fields_sit_in_their_own_details_open_only_for_the_chosen(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    punkt_id = next(p.id for p in _punkter(app, planned["mote"]) if p.brist_id == planned["brist"])
    page = samordnare.get(f"/moten/{planned['mote']}/protokoll").get_data(as_text=True)
    html = _decision_html(page, punkt_id)
    # A lokal brist: no lift to a strategic body offered; the proposal (information) has no
    # fields, so every group is closed.
    assert 'value="lyfta"' not in html
    assert html.count("<details") == 4
    assert " open>" not in html
    data = _protokoll_data(
        app, planned, {planned["brist"]: {"beslut_typ": "atgard", "beslut_text": "Utbilda"}}
    )
    page = samordnare.post(f"/moten/{planned['mote']}/protokoll", {**data, "verkstall": "1"})
    html = _decision_html(page.get_data(as_text=True), punkt_id)
    opened = re.findall(r"<details[^>]* open>\s*<summary>([^<]*)</summary>", html)
    assert opened == ["Uppgifter om beslutet är: Åtgärd"]


def test_fields_of_another_kind_are_not_part_of_the_decision(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    data = _protokoll_data(
        app,
        planned,
        {
            planned["brist"]: {
                "beslut_typ": "information",
                "beslut_till_niva": "central",
                "beslut_ansvarig": "Försäkringskassan",
            }
        },
        spara="1",
    )
    assert samordnare.post(f"/moten/{planned['mote']}/protokoll", data).status_code == 302
    punkt = next(p for p in _punkter(app, planned["mote"]) if p.brist_id == planned["brist"])
    assert punkt.beslut_typ == "information"
    assert punkt.beslut_till_niva is None and punkt.beslut_ansvarig == ""


@pytest.mark.parametrize("typ", ["lyfta", "okänt", ""])
def test_a_kind_not_offered_is_refused_or_ignored_never_a_500(app, planned, login, typ):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    data = _protokoll_data(app, planned, {planned["brist"]: {"beslut_typ": typ}}, verkstall="1")
    response = samordnare.post(f"/moten/{planned['mote']}/protokoll", data)
    assert response.status_code in (302, 422)
    if typ == "lyfta":
        assert response.status_code == 422
        assert "Bara en brist på central nivå kan lyftas" in response.get_data(as_text=True)


# --- Carrying out the decisions is confirmed on a second step --------------------------------


def _escalating(app, planned, **button):
    return _protokoll_data(
        app,
        planned,
        {planned["brist"]: {"beslut_typ": "eskalera", "beslut_till_niva": "central"}},
        **button,
    )


def test_the_confirmation_lists_what_will_be_carried_out_and_changes_nothing(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    url = f"/moten/{planned['mote']}/protokoll"
    page = samordnare.get(url).get_data(as_text=True)
    assert 'name="granska"' in page and 'name="verkstall"' not in page
    data = _escalating(app, planned, granska="1", narvarande=str(planned["member"]))
    response = samordnare.post(url, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Verkställ besluten</h1>" in html
    assert "Ingen kontinuitet: Beslut: Eskalera. Till Central nivå." in html
    assert "Lena Ledamot, Psykiatrin" in html
    assert _mote(app, planned["mote"]).status == MotesStatus.DAGORDNING_FASTSTALLD
    assert all(p.anteckning == "" for p in _punkter(app, planned["mote"]))
    # Confirming sends the same minutes again, with the irreversible button.
    confirmed = samordnare.post(url, resubmitted(response, verkstall="1"))
    assert confirmed.status_code == 302
    assert _mote(app, planned["mote"]).status == MotesStatus.GENOMFORT
    with app.app_context():
        assert db.session.get(Brist, planned["brist"]).niva == Niva.CENTRAL
        db.session.remove()


def test_going_back_from_the_confirmation_keeps_every_word(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    url = f"/moten/{planned['mote']}/protokoll"
    confirmation = samordnare.post(url, _escalating(app, planned, granska="1"))
    back = samordnare.post(url, resubmitted(confirmation, tillbaka="1"))
    assert back.status_code == 200
    html = back.get_data(as_text=True)
    assert "Anteckning 0" in html
    assert re.search(
        r'<option[^>]*(selected[^>]*value="central"|value="central"[^>]*selected)', html
    )
    assert _mote(app, planned["mote"]).status == MotesStatus.DAGORDNING_FASTSTALLD


def test_a_decision_that_would_be_refused_never_reaches_the_confirmation(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    data = _protokoll_data(app, planned, {planned["brist"]: {"beslut_typ": "bevaka"}}, granska="1")
    response = samordnare.post(f"/moten/{planned['mote']}/protokoll", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Verkställ besluten</h1>" not in html
    assert "Ange ett datum efter mötet." in html


def test_only_a_samordnare_reaches_the_confirmation(app, planned, login):
    _propose_and_faststall(app, planned, login("samordnare"))
    for role in ("ombud", "ledningsgrupp"):
        response = login(role).post(
            f"/moten/{planned['mote']}/protokoll", _escalating(app, planned, granska="1")
        )
        assert response.status_code == 403


# --- The agenda carries what members prepare from ---------------------------------------------


def test_the_agenda_carries_each_brists_short_description_and_latest_event(app, planned, login):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    with app.app_context():
        brist = db.session.get(Brist, planned["brist"])
        last = max(brist.handelser, key=lambda h: h.id)
        latest = f"{last.happened_on.isoformat()}: {history.title(last)}"
        db.session.remove()
    page = samordnare.get(f"/moten/{planned['mote']}").get_data(as_text=True)
    assert "<dt>Kort beskrivning</dt><dd>Besluten förklarar inte vad som saknas.</dd>" in page
    assert f"<dt>Senaste händelse</dt><dd>{latest}" in page
    document = docx.Document(
        io.BytesIO(samordnare.get(f"/moten/{planned['mote']}/dagordning.docx").data)
    )
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Besluten förklarar inte vad som saknas." in cells
    assert any(cell.startswith(latest) for cell in cells)
    samordnare.post(
        f"/moten/{planned['mote']}/dagordning/skicka", {"version": _version(app, planned["mote"])}
    )
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage)).one().body_text
        db.session.remove()
    assert "Kort beskrivning: Besluten förklarar inte vad som saknas." in body
    assert f"Senaste händelse: {latest}" in body


# --- Meeting documents look finished: properties and page numbers -----------------------------


@pytest.mark.parametrize("kind", ["dagordning", "protokoll"])
def test_meeting_documents_have_page_numbers_and_their_own_properties(app, planned, login, kind):
    samordnare = login("samordnare")
    _propose_and_faststall(app, planned, samordnare)
    if kind == "protokoll":
        data = _protokoll_data(app, planned, verkstall="1")
        assert samordnare.post(f"/moten/{planned['mote']}/protokoll", data).status_code == 302
    url = f"/moten/{planned['mote']}/{kind}"
    document = docx.Document(io.BytesIO(samordnare.get(f"{url}.docx").data))
    properties = document.core_properties
    title = f"{kind.capitalize()}, Ledningsgruppen Hemma, {DAY.isoformat()}"
    assert properties.title == title
    assert properties.author == "Ledningsgruppen Hemma"
    assert properties.last_modified_by == "Ledningsgruppen Hemma"
    assert "python-docx" not in (properties.comments + properties.author + properties.subject)
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer
    assert document.sections[0].header.paragraphs[0].text == title
    pdf = PdfReader(io.BytesIO(samordnare.get(f"{url}.pdf").data))
    assert pdf.metadata.author == "Ledningsgruppen Hemma"
    assert "Sida 1 av" in pdf.pages[0].extract_text()


# --- Minutes carry ordförande, sekreterare, justerare, Närvarande and the next meeting ----------


def _kurt(app) -> int:
    with app.app_context():
        kurt = db.session.scalars(select(Ledamot).where(Ledamot.namn == "Kurt Kommun")).one().id
        db.session.remove()
    return kurt


def test_minutes_name_their_officers_the_justerare_and_the_next_meeting(app, planned, login):
    samordnare = login("samordnare")
    mote = planned["mote"]
    response = samordnare.post(
        f"/moten/{mote}/andra",
        {
            "datum": DAY.isoformat(),
            "starttid": "13:00",
            "plats": "Stadshuset",
            "justerare_id": str(planned["member"]),
            "ordforande_id": str(_kurt(app)),
            "sekreterare_id": str(planned["member"]),
            "version": _version(app, mote),
        },
    )
    assert response.status_code == 302
    edit = samordnare.get(f"/moten/{mote}/andra").get_data(as_text=True)
    assert re.search(
        rf'<option[^>]*selected[^>]*value="{_kurt(app)}"|value="{_kurt(app)}"[^>]*selected', edit
    )
    # The group's next meeting, planned for later.
    with app.app_context():
        group = db.session.get(Ledningsgrupp, planned["group"])
        services.plan_mote(
            scope=Scope.everything(),
            group=group,
            fields=services.MoteFields(
                datetime.combine(DAY + timedelta(days=91), time(9), STOCKHOLM),
                None,
                "Kommunhuset",
                None,
            ),
        )
        db.session.commit()
        db.session.remove()
    _propose_and_faststall(app, planned, samordnare)
    data = _protokoll_data(app, planned, verkstall="1", narvarande=str(planned["member"]))
    assert samordnare.post(f"/moten/{mote}/protokoll", data).status_code == 302
    assert (
        samordnare.post(
            f"/moten/{mote}/protokoll/justera", {"version": _version(app, mote)}
        ).status_code
        == 302
    )
    page = login("ledningsgrupp").get(f"/moten/{mote}/protokoll").get_data(as_text=True)
    assert "<dt>Ordförande</dt><dd>Kurt Kommun</dd>" in page
    assert "<dt>Sekreterare</dt><dd>Lena Ledamot</dd>" in page
    assert "Till justerare valdes Lena Ledamot." in page
    assert "Nästa möte: tisdag 9 mars 2027 kl. 09.00, Kommunhuset." in page
    assert "<h2>Närvarande</h2>" in page and "<li>Lena Ledamot, Psykiatrin</li>" in page
    document = docx.Document(io.BytesIO(samordnare.get(f"/moten/{mote}/protokoll.docx").data))
    text = [p.text for p in document.paragraphs]
    assert "Ordförande: Kurt Kommun" in text and "Sekreterare: Lena Ledamot" in text
    assert "Vid protokollet" in text and "Till justerare valdes Lena Ledamot." in text
    assert any(line.startswith("Nästa möte: tisdag 9 mars 2027") for line in text)


def test_an_officer_from_another_group_is_refused_beside_the_field(app, planned, login):
    samordnare = login("samordnare")
    response = samordnare.post(
        f"/moten/{planned['mote']}/andra",
        {
            "datum": DAY.isoformat(),
            "starttid": "13:00",
            "plats": "Stadshuset",
            "ordforande_id": "999999",
            "version": _version(app, planned["mote"]),
        },
    )
    assert response.status_code == 422
    assert 'value="Stadshuset"' in response.get_data(as_text=True)


def test_the_confirmation_page_statement_count_does_not_grow_with_items(app, planned, login, world):
    client = login("samordnare")
    _propose_and_faststall(app, planned, client)
    url = f"/moten/{planned['mote']}/protokoll"
    client.post(url, _escalating(app, planned, granska="1"))
    data = _escalating(app, planned, granska="1")
    with count_statements(app) as few:
        assert client.post(url, data).status_code == 200
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
    data = _protokoll_data(
        app,
        planned,
        {
            planned["brist"]: {"beslut_typ": "eskalera", "beslut_till_niva": "central"},
        },
        granska="1",
    )
    with count_statements(app) as many:
        response = client.post(url, data)
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert "Verkställ besluten</h1>" in response.get_data(as_text=True)
    assert many["n"] == few["n"]
