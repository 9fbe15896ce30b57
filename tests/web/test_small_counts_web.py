"""Small counts in everything that leaves the system, through the test client.

Every export of the report (page, PDF, DOCX, text, CSV, XLSX), the brister CSV and the
statistics page are read back: a small number of clients is hidden everywhere alike, nothing
shown beside it gives it away, and small numbers of brister are shown as they are.
"""

import csv
import io
import re
from datetime import date

import docx
import lxml.html
import openpyxl
import pytest
from pypdf import PdfReader

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Niva
from systemfel.extensions import db
from systemfel.verksamheter.models import Verksamhet
from tests import factories
from tests.small_counts import assert_not_recoverable

YEAR = 2026
STATUS = re.compile(r"Observerad (\S+) gånge?r?, (\S+) klienter?")


@pytest.fixture
def shown(app, world) -> dict[str, tuple[str, str]]:
    """Brister with few clients in the home verksamhet: nummer → (times, clients) as shown.

    One of each nivå, so the report and the statistics count 1 or 2 brister at each.
    """
    with app.app_context():
        ombud = db.session.get(User, world.users["ombud"].id)
        home = db.session.get(Verksamhet, world.home.id)
        # Registered with no client, then seen twice with one: "3 gånger" would say 2 clients.
        twice = factories.brist(home, ombud, titel="Sedd två gånger", antal_klienter=0)
        for day in (1, 2):
            brister_services.add_observation(
                brist=twice,
                user=ombud,
                scope=scope_for(ombud),
                observed_on=date(YEAR, 2, day),
                antal_klienter=1,
                anteckning="",
            )
        once = factories.brist(home, ombud, titel="En klient", niva=Niva.LOKAL, antal_klienter=1)
        many = factories.brist(home, ombud, titel="Fem klienter", niva=Niva.CENTRAL)
        brister_services.add_observation(
            brist=many,
            user=ombud,
            scope=scope_for(ombud),
            observed_on=date(YEAR, 3, 1),
            antal_klienter=3,
            anteckning="",
        )
        db.session.commit()
        expected = {
            world.brist.nummer: ("1", "<3"),  # registered with two clients
            twice.nummer: ("≥2", "<3"),
            once.nummer: ("1", "<3"),
            many.nummer: ("2", "5"),
        }
        db.session.remove()
    return expected


def _url(world, path: str) -> str:
    return f"{path}?ar={YEAR}&verksamhet={world.home.id}"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def _by_nummer(rows, header, times: str, clients: str) -> dict[str, tuple[str, str]]:
    """Nummer → (times, clients) from a table with a header row."""
    columns = [header.index(name) for name in ("Nummer", times, clients)]
    return {str(row[columns[0]]): (str(row[columns[1]]), str(row[columns[2]])) for row in rows}


def _from_lines(lines: list[str]) -> dict[str, tuple[str, str]]:
    """Nummer → (times, clients) from the status line that follows each entry's title."""
    found, nummer = {}, None
    for line in lines:
        if title := re.match(r"(SF-\d{4}-\d{4}) ", line):
            nummer = title.group(1)
        elif (status := STATUS.search(line)) and nummer:
            found[nummer] = status.groups()
    return found


def rapport_docx(client, world):
    document = docx.Document(io.BytesIO(client.get(_url(world, "/rapport/export.docx")).data))
    cells = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return _from_lines([p.text for p in document.paragraphs]), cells


def rapport_text(client, world):
    lines = client.get(_url(world, "/rapport/export.txt")).get_data(as_text=True).splitlines()
    counts = [re.match(r"(.+): (\d+) \(\d+: (\d+)\)$", line) for line in lines]
    return _from_lines(lines), [[m[1], m[3], m[2]] for m in counts if m]


def rapport_csv(client, world):
    header, *rows = _rows(client.get(_url(world, "/rapport/export.csv")).get_data(as_text=True))
    return _by_nummer(rows, header, "Antal observationer", "Antal klienter"), []


def _xlsx_shown(cell) -> object:
    """A count cell as a reader sees it: a number, or an empty cell whose note says what is
    held back ("Färre än 3 — döljs" reads as "<3", "Minst 2 — ..." as "≥2")."""
    if cell.value is not None or cell.comment is None:
        return cell.value
    note = cell.comment.text
    if fewer := re.match(r"Färre än (\d+)", note):
        return f"<{fewer.group(1)}"
    if least := re.match(r"Minst (\d+)", note):
        return f"≥{least.group(1)}"
    raise AssertionError(f"an empty count cell with an unknown note: {note!r}")


def rapport_xlsx(client, world):
    book = openpyxl.load_workbook(io.BytesIO(client.get(_url(world, "/rapport/export.xlsx")).data))
    header, *rows = ([_xlsx_shown(cell) for cell in row] for row in book["Brister"].iter_rows())
    # The brister's rows; below them a line says why some cells are empty.
    rows = [row for row in rows if row[header.index("Nummer")] is not None]
    per_niva = book["Antal per nivå"].iter_rows(values_only=True)
    counts = [[str(v) for v in row] for row in per_niva if row]
    return _by_nummer(rows, list(header), "Antal observationer", "Antal klienter"), counts


def rapport_page(client, world):
    page = lxml.html.fromstring(client.get(_url(world, "/rapport")).get_data(as_text=True))
    entries = [
        (entry.findtext(".//strong"), STATUS.search(entry.text_content()).groups())
        for entry in page.find_class("rapport-entry")
    ]
    cells = [
        [cell.text_content() for cell in row.xpath("th|td")] for row in page.xpath("//table//tr")
    ]
    return {title.split()[0]: status for title, status in entries}, cells


def rapport_pdf(client, world):
    pdf = PdfReader(io.BytesIO(client.get(_url(world, "/rapport/export.pdf")).data))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    # The PDF's lines are not in a dependable order: its status lines are compared as a set.
    return {f"status {i}": s for i, s in enumerate(sorted(STATUS.findall(text)))}, []


def brister_csv(client, world):
    header, *rows = _rows(client.get("/brister.csv").get_data(as_text=True))
    return _by_nummer(rows, header, "Antal observationer", "Antal klienter totalt"), []


EXPORTS = [
    rapport_page,
    rapport_pdf,
    rapport_docx,
    rapport_text,
    rapport_csv,
    rapport_xlsx,
    brister_csv,
]


@pytest.mark.parametrize("export", EXPORTS, ids=lambda export: export.__name__)
def test_no_export_gives_a_small_number_of_clients_away(login, world, shown, export):
    found, count_rows = export(login("ombud"), world)

    if export is rapport_pdf:
        assert sorted(found.values()) == sorted(shown.values())
    else:
        assert found == shown
    for times, clients in found.values():
        assert_not_recoverable(times, clients)
        assert_not_recoverable(times, clients, threshold=3)
    # Counts of brister are not about people: one or two are printed as numbers.
    by_label = {row[0]: row[1:] for row in count_rows}
    if count_rows:
        assert by_label["Lokal nivå"][-1] == "1" and by_label["Central nivå"][-1] == "1"
        assert by_label["Handläggarnivå"][-1] == "2"
        assert not any(cell.startswith("<") for row in count_rows for cell in row)


def test_the_statistics_page_shows_small_numbers_of_brister(login, world, shown):
    page = login("ombud").get(f"/statistik?ar={YEAR}").get_data(as_text=True)
    tree = lxml.html.fromstring(page)

    rows = {
        row.findtext("th"): row.findtext("td")
        for row in tree.xpath("//figure[@id='chart-niva']//tbody/tr")
    }
    assert rows == {"Handläggarnivå": "2", "Lokal nivå": "1", "Central nivå": "1"}
    assert "&lt;3" not in page and not tree.find_class("chart-bar-suppressed")
