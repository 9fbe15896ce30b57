"""6 b on the report page: themes the samordnare regroups and rewrites, the appendix on or off,
brister left out of the year's report with a reason (and taken back); roles, bad input,
conflicts, frozen versions and the SQL statement count."""

import io
import re

import docx
import pytest
from sqlalchemy import select

from systemfel.brister.domain import HandelseTyp, Niva
from systemfel.brister.models import Handelse
from systemfel.extensions import db
from systemfel.reports.models import Rapport
from tests import factories
from tests.sql import count_statements

YEAR = 2026
THEME_TITLE = re.compile(r'name="(tema_(t[0-9a-f]{10}|egen\d+)_titel)"')


def _url(world, path="/rapport"):
    return f"{path}?ar={YEAR}&verksamhet={world.home.id}"


def _page(client, world) -> str:
    return client.get(_url(world)).get_data(as_text=True)


def _version(app) -> int:
    with app.app_context():
        version = db.session.scalar(select(Rapport.version))
        db.session.remove()
    return version or 0


def _history(app, brist_id, kind):
    with app.app_context():
        found = db.session.scalars(
            select(Handelse).where(Handelse.brist_id == brist_id, Handelse.typ == kind)
        ).all()
        texts = [entry.text for entry in found]
        db.session.remove()
    return texts


def _exclude(client, world, brist_id, reason, version=0):
    return client.post(
        _url(world, "/rapport/utelamna"),
        {"brist": str(brist_id), "reason": reason, "version": str(version)},
    )


def _theme_post(page: str, version: int, **changes) -> dict:
    """The 6 b part of the form as shown, with `changes`."""
    data = {"teman_visade": "1", "version": str(version), "appendix": "y"}
    for name, _key in THEME_TITLE.findall(page):
        data[name] = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)
    data.update(changes)
    return data


def _txt(client, world) -> str:
    return client.get(_url(world, "/rapport/export.txt")).get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "status"),
    [("ombud", 403), ("ledningsgrupp", 403), ("other_samordnare", 404), ("samordnare", 302)],
)
def test_only_the_samordnare_leaves_a_brist_out(app, login, world, role, status):
    response = _exclude(login(role), world, world.brist.id, "Registrerad av misstag")
    assert response.status_code == status
    reasons = _history(app, world.brist.id, HandelseTyp.UTELAMNAD_UR_RAPPORT)
    assert reasons == (["Registrerad av misstag"] if status == 302 else [])


def test_a_left_out_brist_is_listed_with_its_reason_and_in_no_count_theme_or_appendix(
    app, login, world
):
    client = login("samordnare")
    assert world.brist.titel in _txt(client, world)
    assert _exclude(client, world, world.brist.id, "Dubblett av en annan").status_code == 302
    page = _page(client, world)
    left_out = page[page.index('id="utelamnade"') :]
    assert world.brist.nummer in left_out and "Dubblett av en annan" in left_out
    text = _txt(client, world)
    assert world.brist.titel not in text and world.brist.nummer not in text
    assert "Nya: 0 (2025: 0)" in text  # the counts table leaves it out too
    # Taken back: in the report again, and the history says so.
    again = client.post(
        _url(world, "/rapport/ta-med"), {"brist": str(world.brist.id), "version": "1"}
    )
    assert again.status_code == 302
    assert world.brist.titel in _txt(client, world)
    assert _history(app, world.brist.id, HandelseTyp.MED_I_RAPPORT_IGEN) == [""]
    history_page = client.get(f"/brister/{world.brist.id}").get_data(as_text=True)
    assert "Utelämnad ur redovisningen" in history_page
    assert "Med i redovisningen igen" in history_page


@pytest.mark.parametrize(
    ("reason", "which", "message"),
    [
        ("", "brist", "Skriv varför bristen lämnas utanför"),
        ("Gäller 811218-9876", "brist", "personnummer"),
        ("Av misstag", "unknown", "(?i)inte ett giltigt val"),
        ("Av misstag", "other", "(?i)inte ett giltigt val"),
    ],
)
def test_bad_exclusions_are_refused_beside_the_field(app, login, world, reason, which, message):
    brist_id = {"brist": world.brist.id, "unknown": 999999, "other": world.other_brist.id}[which]
    response = _exclude(login("samordnare"), world, brist_id, reason)
    assert response.status_code == 422
    assert re.search(message, response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(Rapport.id)) is None
        db.session.remove()
    assert not _history(app, brist_id, HandelseTyp.UTELAMNAD_UR_RAPPORT)


def test_the_service_refuses_another_verksamhets_brist(app, world, ctx):
    from systemfel.errors import ValidationError
    from systemfel.reports import services
    from systemfel.verksamheter.scope import Scope

    with pytest.raises(ValidationError):
        services.exclude_brist(
            scope=Scope.everything(),
            verksamhet_ids=frozenset({world.home.id}),
            year=YEAR,
            brist_id=world.other_brist.id,
            reason="Fel",
            expected_version=0,
            user=db.session.get(type(world.users["admin"]), world.users["admin"].id),
        )


def test_an_exclusion_on_an_outdated_copy_is_a_conflict(app, login, world):
    client = login("samordnare")
    assert client.post(_url(world), {"introduction": "Ny", "version": "0"}).status_code == 302
    response = _exclude(client, world, world.brist.id, "Av misstag", version=0)
    assert response.status_code == 409
    assert "Ingenting utelämnades" in response.get_data(as_text=True)
    assert "Av misstag" in response.get_data(as_text=True)  # the input is kept
    assert not _history(app, world.brist.id, HandelseTyp.UTELAMNAD_UR_RAPPORT)


def test_regroup_rename_and_rewrite_a_theme_then_the_appendix_off(app, login, world):
    client = login("samordnare")
    page = _page(client, world)
    (name, key), *_ = THEME_TITLE.findall(page)
    assert "På handläggarnivå har 1 brist redovisats under 2026" in page
    data = _theme_post(page, 0, **{f"tema_for_{world.brist.id}": "ny"})
    assert client.post(_url(world), data).status_code == 302
    page = _page(client, world)
    assert 'name="tema_egen1_titel"' in page and f'name="{name}"' not in page
    data = _theme_post(
        page,
        1,
        tema_egen1_titel="Beslut som inte går att förstå",
        tema_egen1_text="Besluten saknar motivering, så ingen vet vad som fattas.",
    )
    del data["appendix"]
    assert client.post(_url(world), data).status_code == 302
    text = _txt(client, world)
    assert "Beslut som inte går att förstå\nBesluten saknar motivering" in text
    assert "Bilaga: förteckning" not in text and world.brist.nummer not in text
    document = docx.Document(io.BytesIO(client.get(_url(world, "/rapport/export.docx")).data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Beslut som inte går att förstå" in headings and "Bilaga: förteckning" not in headings
    # The appendix again: the register detail follows, with the brist's number.
    data = _theme_post(_page(client, world), 2)
    assert client.post(_url(world), data).status_code == 302
    text = _txt(client, world)
    assert text.index("Bilaga: förteckning") > text.index("6 c")
    assert world.brist.nummer in text[text.index("Bilaga: förteckning") :]


def test_bad_theme_input_is_refused_and_kept(app, login, world):
    client = login("samordnare")
    page = _page(client, world)
    (name, key), *_ = THEME_TITLE.findall(page)
    for field, value, message in [
        (name, "Tema 811218-9876", "personnummer"),
        (f"tema_{key}_text", "Gäller 811218-9876", "personnummer"),
        (f"tema_for_{world.brist.id}", "inget-sadant", "(?i)inte ett giltigt val"),
    ]:
        response = client.post(_url(world), _theme_post(page, 0, **{field: value}))
        assert response.status_code == 422, field
        assert re.search(message, response.get_data(as_text=True)), field
    assert _version(app) == 0


def test_a_stale_theme_edit_is_a_conflict_showing_the_saved_text(app, login, world):
    client = login("samordnare")
    page = _page(client, world)
    (name, key), *_ = THEME_TITLE.findall(page)
    first = client.post(_url(world), _theme_post(page, 0, **{f"tema_{key}_text": "Anna skrev."}))
    assert first.status_code == 302
    stale = client.post(_url(world), _theme_post(page, 0, **{f"tema_{key}_text": "Bo skrev."}))
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Anna skrev." in body and "Bo skrev." in body


def test_a_frozen_version_keeps_its_themes_after_later_edits(app, login, world):
    client = login("samordnare")
    page = _page(client, world)
    (name, key), *_ = THEME_TITLE.findall(page)
    assert (
        client.post(_url(world), _theme_post(page, 0, **{name: "Första rubriken"})).status_code
        == 302
    )
    frozen = client.post(_url(world, "/rapport/frys"), {})
    assert frozen.status_code == 302
    version_url = frozen.headers["Location"]
    page = _page(client, world)
    assert (
        client.post(_url(world), _theme_post(page, 1, **{name: "Andra rubriken"})).status_code
        == 302
    )
    assert _exclude(client, world, world.brist.id, "Av misstag", version=2).status_code == 302
    old = client.get(version_url).get_data(as_text=True)
    assert "Första rubriken" in old and "Andra rubriken" not in old
    assert world.brist.nummer in old  # the appendix as it was frozen
    assert "Andra rubriken" not in _page(client, world)  # left out now: no theme at all


def test_the_report_page_statement_count_stays_with_themes_and_exclusions(app, login, world):
    client = login("samordnare")
    assert _exclude(client, world, world.brist.id, "Av misstag").status_code == 302
    client.get(_url(world))
    with count_statements(app) as few:
        assert client.get(_url(world)).status_code == 200
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        made = [
            factories.brist(home, ombud, titel=f"Brist {n}", niva=Niva.LOKAL) for n in range(12)
        ]
        db.session.commit()
        ids = [brist.id for brist in made]
        db.session.remove()
    for brist_id in ids[:3]:
        version = _version(app)
        assert _exclude(client, world, brist_id, "Av misstag", version).status_code == 302
    with count_statements(app) as many:
        page = client.get(_url(world)).get_data(as_text=True)
    assert "Brist 11" in page and "På lokal nivå har 9 brister redovisats under 2026" in page
    assert many["n"] == few["n"]


def test_a_roll_up_shows_common_brister_as_a_theme_naming_each_verksamhet(login, world):
    both = f"/rapport?ar={YEAR}&verksamhet={world.home.id}&verksamhet={world.other.id}"
    client = login("admin")
    page = client.get(both).get_data(as_text=True)
    # Both verksamheter's brister are at Försäkringskassan in the same område: one theme.
    assert "(PO Borta)" in page and "(PO Hemma)" in page
    assert "Bortabristen syns inte (PO Borta)." in page
    assert f"PO Borta {world.other_brist.nummer} Bortabristen syns inte" in page  # exclude choice
    text = client.get(both.replace("/rapport", "/rapport/export.txt")).get_data(as_text=True)
    prose = text[text.index("6 b") : text.index("6 c")]
    assert "På handläggarnivå har 2 brister redovisats under 2026" in prose
    assert "SF-" not in prose


def test_xlsx_has_themes_and_the_register_only_with_the_appendix(app, login, world):
    import openpyxl

    client = login("samordnare")
    book = openpyxl.load_workbook(io.BytesIO(client.get(_url(world, "/rapport/export.xlsx")).data))
    assert book.sheetnames[:2] == ["Brister", "Teman"]
    header, row = list(book["Teman"].iter_rows(values_only=True))
    assert header == ("Nivå", "Tema", "Sammanfattning") and row[0] == "Handläggarnivå"
    data = _theme_post(_page(client, world), 0)
    del data["appendix"]
    assert client.post(_url(world), data).status_code == 302
    book = openpyxl.load_workbook(io.BytesIO(client.get(_url(world, "/rapport/export.xlsx")).data))
    assert "Brister" not in book.sheetnames and "Teman" in book.sheetnames
