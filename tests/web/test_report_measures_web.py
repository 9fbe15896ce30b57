"""6 c on the report page: the samordnare leaves out, edits, reorders and adds measures, saved
with the draft and frozen with a version; the ombud only reads; 6 a per verksamhet."""

import io
from datetime import date

import docx
import lxml.html
import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Utfall
from systemfel.brister.models import Brist, Handelse
from systemfel.extensions import db
from systemfel.reports.models import Rapport
from systemfel.verksamheter.models import Verksamhet
from tests import factories
from tests.sql import count_statements

YEAR = 2026
CLOSED_TEXT = "Ny handläggarrutin hos FK."
HEADING = "6 c Exempel på åtgärder som vidtagits"


def _url(world, path="/rapport"):
    return f"{path}?ar={YEAR}&verksamhet={world.home.id}"


def _close(app, brist_id: int, on: date = date(YEAR, 11, 20), utfall=Utfall.ATGARDAD) -> str:
    """Close the brist (as the samordnare does) and return its closing's measure key."""
    with app.app_context():
        brist = db.session.get(Brist, brist_id)
        user = db.session.scalar(select(User).where(User.email == "samordnare@hemma.example"))
        brister_services.close_brist(
            brist=brist,
            user=user,
            scope=factories.closing_scope(user),
            utfall=utfall,
            comment=CLOSED_TEXT,
            expected_version=brist.version,
            happened_on=on,
        )
        db.session.commit()
        key = db.session.scalar(
            select(Handelse.id).where(Handelse.brist_id == brist_id).order_by(Handelse.id.desc())
        )
        db.session.remove()
    return f"handelse-{key}"


def _form(response, action: str) -> dict[str, object]:
    """What the browser sends for the page's form posting to `action`, unchanged."""
    page = lxml.html.fromstring(response.get_data(as_text=True))
    (form,) = [f for f in page.forms if action in (f.get("action") or "")]
    sent: dict[str, object] = {}
    for name, value in form.form_values():
        sent[name] = value
    return sent


def _measures(app) -> dict:
    with app.app_context():
        stored = db.session.scalar(select(Rapport.atgarder))
        db.session.remove()
    return stored or {}


# --- Who may -------------------------------------------------------------------------------


def test_the_ombud_sees_the_measures_but_no_form_and_may_not_post(app, login, world):
    _close(app, world.brist.id)
    client = login("ombud")
    page = client.get(_url(world)).get_data(as_text=True)
    assert f"Bristen är åtgärdad. {CLOSED_TEXT}".lower() in page.lower()
    assert "Redigera åtgärderna" not in page and "Lägg till en åtgärd" not in page
    assert client.post(_url(world, "/rapport/atgarder"), {"atg-version": "0"}).status_code == 403
    added = client.post(
        _url(world, "/rapport/atgarder/ny"),
        {"ny-on": "2026-03-01", "ny-text": "Möte", "ny-verksamhet": "PO Hemma", "ny-version": "0"},
    )
    assert added.status_code == 403
    assert _measures(app) == {}


@pytest.mark.parametrize("role", ["other_samordnare", "other_ombud"])
def test_another_verksamhets_staff_do_not_find_it(login, world, role):
    response = login(role).post(_url(world, "/rapport/atgarder/ny"), {"ny-version": "0"})
    assert response.status_code == 404


# --- The samordnare edits ------------------------------------------------------------------


def _add(client, world, text="Handlingsplan antagen.", on="2026-03-15", version="0"):
    return client.post(
        _url(world, "/rapport/atgarder/ny"),
        {"ny-on": on, "ny-text": text, "ny-verksamhet": "PO Hemma", "ny-version": version},
    )


def _lines_under_6c(client, world) -> list[str]:
    text = client.get(_url(world, "/rapport/export.txt")).get_data(as_text=True)
    lines = text.splitlines()
    start = lines.index(HEADING) + 3
    return lines[start : lines.index("", start)]


def test_the_samordnare_adds_edits_leaves_out_reorders_and_freezes(app, login, world):
    key = _close(app, world.brist.id)
    client = login("samordnare")
    assert _lines_under_6c(client, world) == [
        f"- 2026-11-20 {world.brist.nummer}: {world.brist.titel}: bristen är åtgärdad. "
        f"{CLOSED_TEXT}"
    ]
    assert _add(client, world).status_code == 302
    assert _add(client, world, "Mottagningstelefon öppnad.", "2026-02-01", "1").status_code == 302
    manual = [m["key"] for m in _measures(app)["manual"]]
    assert len(manual) == 2
    # Oldest first until she orders them.
    assert _lines_under_6c(client, world) == [
        "- 2026-02-01: Mottagningstelefon öppnad.",
        "- 2026-03-15: Handlingsplan antagen.",
        f"- 2026-11-20 {world.brist.nummer}: {world.brist.titel}: bristen är åtgärdad. "
        f"{CLOSED_TEXT}",
    ]
    sent = _form(client.get(_url(world)), "/rapport/atgarder?")
    first, second = (f"manuell-{k.split(':')[1]}" for k in manual)
    sent[f"atg-text_{key}"] = "FK har infört en ny handläggarrutin."
    sent[f"atg-position_{key}"] = "1"
    sent[f"atg-position_{first}"] = "2"
    del sent[f"atg-include_{second}"]  # left out
    assert client.post(_url(world, "/rapport/atgarder"), sent).status_code == 302
    expected = [
        f"- 2026-11-20 {world.brist.nummer}: FK har infört en ny handläggarrutin.",
        "- 2026-03-15: Handlingsplan antagen.",
    ]
    assert _lines_under_6c(client, world) == expected
    # The form shows what is left out, still, and the text as drafted beside the edited one.
    page = client.get(_url(world)).get_data(as_text=True)
    assert "Mottagningstelefon öppnad." in page and "Ursprunglig text:" in page
    version_url = client.post(_url(world, "/rapport/frys"), {}).headers["Location"]
    version_id = version_url.rsplit("/", 1)[1]
    # Later edits leave the frozen version alone.
    sent = _form(client.get(_url(world)), "/rapport/atgarder?")
    sent[f"atg-text_{key}"] = "Ändrat efter frysningen."
    assert client.post(_url(world, "/rapport/atgarder"), sent).status_code == 302
    frozen = client.get(f"/rapport/export.txt?version={version_id}").get_data(as_text=True)
    assert "FK har infört en ny handläggarrutin." in frozen
    assert "Ändrat efter frysningen." not in frozen
    assert "FK har infört en ny handläggarrutin." in client.get(version_url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("on", "text", "message"),
    [
        ("2026-04-01", "", "Skriv vad som gjordes."),
        ("2026-04-01", "   ", "Skriv vad som gjordes."),
        ("2026-13-40", "Möte med FK.", "Inte ett giltigt datum"),
        ("", "Möte med FK.", "Ange ett datum som ÅÅÅÅ-MM-DD."),
        ("2025-12-31", "Möte med FK.", "Datumet ska ligga inom redovisningens år."),
        ("2026-04-01", "Möte om 811218-9876.", "personnummer"),
        ("2026-04-01", "x" * 1001, "Fältet får"),
    ],
)
def test_a_bad_measure_is_refused_beside_its_field_and_kept(app, login, world, on, text, message):
    response = _add(login("samordnare"), world, text, on)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field-error" id="ny-' in page
    if text.strip():
        assert text[:40] in page
    assert _measures(app) == {}


def test_a_bad_place_is_refused_and_the_texts_kept(app, login, world):
    key = _close(app, world.brist.id)
    client = login("samordnare")
    sent = _form(client.get(_url(world)), "/rapport/atgarder?")
    sent[f"atg-position_{key}"] = "noll"
    sent[f"atg-text_{key}"] = "Min text."
    response = client.post(_url(world, "/rapport/atgarder"), sent)
    assert response.status_code == 422
    assert "Min text." in response.get_data(as_text=True)
    sent[f"atg-position_{key}"] = "1"
    sent[f"atg-text_{key}"] = "Gäller 811218-9876"
    response = client.post(_url(world, "/rapport/atgarder"), sent)
    assert response.status_code == 422 and "personnummer" in response.get_data(as_text=True)
    assert _measures(app) == {}


def test_a_stale_save_is_a_conflict_and_keeps_the_input(app, login, world):
    key = _close(app, world.brist.id)
    anna, bo = login("samordnare"), login("admin")
    bos_copy = _form(bo.get(_url(world)), "/rapport/atgarder?")
    assert _add(anna, world, "Annas åtgärd.").status_code == 302
    bos_copy[f"atg-text_{key}"] = "Bos text."
    refused = bo.post(_url(world, "/rapport/atgarder"), bos_copy)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Bos text." in page and "Någon annan har ändrat redovisningen" in page
    again = _form(refused, "/rapport/atgarder?")
    assert bo.post(_url(world, "/rapport/atgarder"), again).status_code == 409
    again["atg-overwrite"] = "y"
    assert bo.post(_url(world, "/rapport/atgarder"), again).status_code == 302
    stored = _measures(app)
    assert [m["text"] for m in stored["manual"]] == ["Annas åtgärd."]
    assert stored["edits"][key.replace("-", ":", 1)]["text"] == "Bos text."
    late = _add(bo, world, "Bos åtgärd.", version="1")
    assert late.status_code == 409 and "Bos åtgärd." in late.get_data(as_text=True)


# --- Documents and the page ----------------------------------------------------------------


def test_every_document_lists_the_measures_under_6c(app, login, world):
    _close(app, world.brist.id)
    client = login("samordnare")
    _add(client, world, "Möte med Försäkringskassan.", "2026-06-10")
    words = "Möte med Försäkringskassan."
    rapport = docx.Document(io.BytesIO(client.get(_url(world, "/rapport/export.docx")).data))
    paragraphs = [p.text for p in rapport.paragraphs]
    after = paragraphs[paragraphs.index(HEADING) + 1 : paragraphs.index(HEADING) + 3]
    assert after == [
        f"2026-06-10: {words}",
        f"2026-11-20 {world.brist.nummer}: {world.brist.titel}: bristen är åtgärdad. {CLOSED_TEXT}",
    ]
    pdf = client.get(_url(world, "/rapport/export.pdf"))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert text.index(HEADING) < text.index(words)
    plain = client.get(_url(world, "/rapport/export.txt")).get_data(as_text=True)
    assert plain.index(HEADING) < plain.index(f"- 2026-06-10: {words}") < plain.index("Antal")
    book = openpyxl.load_workbook(io.BytesIO(client.get(_url(world, "/rapport/export.xlsx")).data))
    rows = [list(r) for r in book["Åtgärder"].iter_rows(values_only=True)]
    assert rows[0] == ["Datum", "Verksamhet", "Brister", "Åtgärd"]
    assert rows[1][1:] == ["PO Hemma", None, words]
    assert rows[1][0].date() == date(2026, 6, 10)
    assert rows[2][2] == world.brist.nummer


def test_routines_per_verksamhet_with_their_one_line(app, login, world):
    with app.app_context():
        for verksamhet in db.session.scalars(select(Verksamhet)):
            verksamhet.has_routines = verksamhet.namn == "PO Hemma"
            verksamhet.routines_description = (
                "Ombuden tar upp brister på varje APT." if verksamhet.namn == "PO Hemma" else ""
            )
        db.session.commit()
        db.session.remove()
    client = login("admin")
    one = client.get(_url(world, "/rapport/export.txt")).get_data(as_text=True)
    assert (
        "Ja, det finns rutiner för att hantera uppmärksammade brister.\n"
        "Ombuden tar upp brister på varje APT."
    ) in one
    both = f"ar={YEAR}&verksamhet={world.home.id}&verksamhet={world.other.id}"
    plain = client.get(f"/rapport/export.txt?{both}").get_data(as_text=True)
    assert "PO Borta: Nej\nPO Hemma: Ja – Ombuden tar upp brister på varje APT." in plain
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/rapport/export.xlsx?{both}").data))
    assert [list(r) for r in book["Rutiner"].iter_rows(values_only=True)] == [
        ["Verksamhet", "Rutiner", "Beskrivning"],
        ["PO Borta", "Nej", None],
        ["PO Hemma", "Ja", "Ombuden tar upp brister på varje APT."],
    ]
    page = client.get(f"/rapport?{both}").get_data(as_text=True)
    assert "PO Hemma: <strong>Ja</strong> – Ombuden tar upp brister på varje APT." in page
    response = client.post(
        f"/admin/verksamheter/{world.home.id}",
        {"namn": "PO Hemma", "kommuner": "PO Hemma", "routines_description": "811218-9876"},
    )
    assert response.status_code == 422


def test_the_page_statement_count_does_not_grow_with_measures(app, login, world):
    client = login("samordnare")
    _add(client, world, "Först.")
    client.get(_url(world))
    with count_statements(app) as few:
        assert client.get(_url(world)).status_code == 200
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        ids = [factories.brist(home, ombud, titel=f"Brist {n}").id for n in range(6)]
        db.session.commit()
        db.session.remove()
    for brist_id in ids:
        _close(app, brist_id)
    _add(client, world, version="1")
    with count_statements(app) as many:
        page = client.get(_url(world)).get_data(as_text=True)
    assert page.count("bristen är åtgärdad.") >= 12  # in the document and in the form
    assert many["n"] == few["n"]


def test_an_emptied_text_gives_the_drafted_one_back(app, login, world):
    key = _close(app, world.brist.id)
    client = login("samordnare")
    sent = _form(client.get(_url(world)), "/rapport/atgarder?")
    sent[f"atg-text_{key}"] = "Egen text."
    assert client.post(_url(world, "/rapport/atgarder"), sent).status_code == 302
    sent = _form(client.get(_url(world)), "/rapport/atgarder?")
    assert str(sent[f"atg-text_{key}"]).strip() == "Egen text."
    sent[f"atg-text_{key}"] = "  "
    assert client.post(_url(world, "/rapport/atgarder"), sent).status_code == 302
    assert _lines_under_6c(client, world) == [
        f"- 2026-11-20 {world.brist.nummer}: {world.brist.titel}: bristen är åtgärdad. "
        f"{CLOSED_TEXT}"
    ]
