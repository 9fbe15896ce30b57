"""The report's documents as a samordnare sends them, read back from the app's own exports.

PDF through pypdf (metadata, page numbers, header), DOCX through python-docx (properties,
header, PAGE field), and the year in progress ("per <date>") on the page, in the documents and
in a version frozen during the year.
"""

import io
import re
from datetime import UTC, datetime

import docx
import openpyxl
import time_machine
from pypdf import PdfReader

YEAR = 2026
# 23:59 on New Year's Eve in Stockholm is 22:59 UTC: the year has not ended.
LAST_MINUTE = datetime(2026, 12, 31, 22, 59, tzinfo=UTC)
# 23:30 UTC is already 00:30 on 1 January in Stockholm: the year has ended.
AFTER_MIDNIGHT = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


def _url(world, path="/rapport", *ids: int) -> str:
    chosen = "".join(f"&verksamhet={i}" for i in ids or (world.home.id,))
    return f"{path}?ar={YEAR}{chosen}"


def test_the_pdf_has_title_author_header_and_page_numbers(login, world):
    client = login("ombud")
    response = client.get(_url(world, "/rapport/export.pdf"))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))

    assert reader.metadata.title == f"Uppmärksammade brister {YEAR}"
    assert reader.metadata.author == world.home.namn
    first = reader.pages[0].extract_text()
    assert f"Sida 1 av {len(reader.pages)}" in first
    assert f"{world.home.namn} · Uppmärksammade brister {YEAR}" in first
    assert "6 a Rutiner för uppmärksammade brister" in first


def test_the_docx_is_the_verksamhets_with_header_and_page_field(login, world):
    client = login("ombud")
    document = docx.Document(io.BytesIO(client.get(_url(world, "/rapport/export.docx")).data))
    properties = document.core_properties

    assert properties.author == properties.last_modified_by == world.home.namn
    assert properties.title == f"Uppmärksammade brister {YEAR}"
    assert "python-docx" not in (properties.comments + properties.author)
    section = document.sections[0]
    assert section.header.paragraphs[0].text == (
        f"{world.home.namn} · Uppmärksammade brister {YEAR}"
    )
    assert re.search(r'w:instr=" PAGE "', section.footer._element.xml)


def test_a_roll_up_names_each_brist_with_its_verksamhet(login, world):
    client = login("admin")
    ids = (world.home.id, world.other.id)
    document = docx.Document(io.BytesIO(client.get(_url(world, "/rapport/export.docx", *ids)).data))
    texts = [p.text for p in document.paragraphs]
    assert f"{world.home.namn} {world.brist.nummer} {world.brist.titel}" in texts
    assert document.core_properties.author == "Sammanställning för 2 verksamheter"
    assert (
        document.sections[0]
        .header.paragraphs[0]
        .text.startswith("Sammanställning för 2 verksamheter")
    )
    plain = client.get(_url(world, "/rapport/export.txt", *ids)).get_data(as_text=True)
    assert f"{world.other.namn} {world.other_brist.nummer} {world.other_brist.titel}" in plain
    page = client.get(_url(world, "/rapport", *ids)).get_data(as_text=True)
    assert f"{world.other.namn} {world.other_brist.nummer}" in page
    pdf = PdfReader(io.BytesIO(client.get(_url(world, "/rapport/export.pdf", *ids)).data))
    assert pdf.metadata.author == "Sammanställning för 2 verksamheter"
    text = pdf.pages[0].extract_text()
    assert "Sammanställning för 2 verksamheter · Uppmärksammade brister 2026" in text


def test_while_the_year_runs_the_report_speaks_of_the_day(login, world):
    with time_machine.travel(LAST_MINUTE, tick=False):
        client = login("ombud")
        page = client.get(_url(world)).get_data(as_text=True)
        plain = client.get(_url(world, "/rapport/export.txt")).get_data(as_text=True)
        csv = client.get(_url(world, "/rapport/export.csv")).get_data(as_text=True)
        book = openpyxl.load_workbook(
            io.BytesIO(client.get(_url(world, "/rapport/export.xlsx")).data)
        )
        document = docx.Document(io.BytesIO(client.get(_url(world, "/rapport/export.docx")).data))

    assert "Öppen per 2026-12-31." in page
    assert "årets slut." not in page
    assert "Status per 2026-12-31: öppen." in plain
    assert "Status vid årets slut" not in plain
    assert "Status per 2026-12-31" in csv.splitlines()[0]
    assert book["Brister"]["H1"].value == "Status per 2026-12-31"
    assert any("Status per 2026-12-31: öppen." in p.text for p in document.paragraphs)

    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        client = login("ombud")
        page = client.get(_url(world)).get_data(as_text=True)
        plain = client.get(_url(world, "/rapport/export.txt")).get_data(as_text=True)

    assert "Öppen vid årets slut." in page and " per 2026-" not in page
    assert "Status vid årets slut: öppen." in plain


def test_a_version_frozen_during_the_year_keeps_its_day(login, world):
    with time_machine.travel(datetime(2026, 12, 15, 9, tzinfo=UTC), tick=False):
        client = login("samordnare")
        version_url = client.post(_url(world, "/rapport/frys"), {}).headers["Location"]
    version_id = version_url.rsplit("/", 1)[1]

    with time_machine.travel(datetime(2027, 2, 1, 9, tzinfo=UTC), tick=False):
        client = login("samordnare")
        page = client.get(version_url).get_data(as_text=True)
        plain = client.get(f"/rapport/export.txt?version={version_id}").get_data(as_text=True)
        fresh = client.get(_url(world)).get_data(as_text=True)
        document = docx.Document(
            io.BytesIO(client.get(f"/rapport/export.docx?version={version_id}").data)
        )

    assert "Öppen per 2026-12-15." in page
    assert "Status per 2026-12-15: öppen." in plain
    assert "Öppen vid årets slut." in fresh  # the report as it reads now, after the year
    # The frozen document was made when it was frozen.
    assert document.core_properties.created == datetime(2026, 12, 15, 9, tzinfo=UTC)
