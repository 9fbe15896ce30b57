"""The report pages: who may see, generate, edit and freeze; exports that read back; bad input."""

import csv
import io
import threading
from functools import partial

import docx
import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from systemfel.extensions import db
from systemfel.reports.models import Rapport, RapportVersion
from tests.pages import resubmitted, saved_beside

ROLES = ("ombud", "samordnare", "ledningsgrupp", "admin", "other_ombud", "other_samordnare")
READ = {"ombud", "samordnare", "ledningsgrupp", "admin"}
FREEZE = {"samordnare", "admin"}
YEAR = 2026


def _url(world, path="/rapport", **more):
    query = f"ar={YEAR}&verksamhet={world.home.id}"
    extra = "".join(f"&{k}={v}" for k, v in more.items())
    return f"{path}?{query}{extra}"


@pytest.mark.parametrize("role", ROLES)
def test_the_report_of_a_verksamhet_is_for_its_staff(login, world, role):
    response = login(role).get(_url(world))
    assert response.status_code == (200 if role in READ else 404)
    if role in READ:
        assert world.brist.nummer in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_only_samordnare_freeze(app, login, world, role):
    response = login(role).post(_url(world, "/rapport/frys"), {})
    expected = 302 if role in FREEZE else (404 if role.startswith("other") else 403)
    assert response.status_code == expected
    with app.app_context():
        frozen = db.session.scalars(select(RapportVersion)).all()
        assert len(frozen) == (1 if role in FREEZE else 0)
        db.session.remove()


@pytest.mark.parametrize("role", ["ombud", "ledningsgrupp"])
def test_only_samordnare_edit_the_texts(app, login, world, role):
    response = login(role).post(_url(world), {"introduction": "Min text", "version": "0"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Rapport.id)) is None
        db.session.remove()


@pytest.mark.parametrize("role", ["samordnare", "ombud"])
def test_a_roll_up_needs_rights_over_every_verksamhet(login, world, role):
    both = f"/rapport?ar={YEAR}&verksamhet={world.home.id}&verksamhet={world.other.id}"
    assert login(role).get(both).status_code == 404


def test_admin_rolls_up_several_verksamheter_with_a_breakdown(login, world):
    both = f"/rapport?ar={YEAR}&verksamhet={world.home.id}&verksamhet={world.other.id}"
    page = login("admin").get(both).get_data(as_text=True)
    assert "Per verksamhet" in page and "PO Hemma" in page and "PO Borta" in page
    assert "Gemensamma brister" in page
    assert "Försäkringskassan" in page


def test_texts_are_saved_and_a_personnummer_is_refused(app, login, world):
    client = login("samordnare")
    field = f"summary_{world.brist.id}"
    bad = client.post(
        _url(world), {"introduction": "Gäller 811218-9876", field: "Kort", "version": "0"}
    )
    assert bad.status_code == 422
    assert "personnummer" in bad.get_data(as_text=True)
    assert "Kort" in bad.get_data(as_text=True)
    good = client.post(
        _url(world),
        {"introduction": "Året i korthet.", field: "Kort sammanfattning.", "version": "0"},
    )
    assert good.status_code == 302
    page = client.get(_url(world)).get_data(as_text=True)
    assert "Året i korthet." in page and "Kort sammanfattning." in page


def test_a_stale_text_save_is_a_conflict_and_keeps_the_text(login, world):
    client = login("samordnare")
    client.post(_url(world), {"introduction": "Först", "version": "0"})
    stale = client.post(_url(world), {"introduction": "Min andra text", "version": "0"})
    assert stale.status_code == 409
    assert "Min andra text" in stale.get_data(as_text=True)


def _introduction(app, year=YEAR) -> str | None:
    with app.app_context():
        text = db.session.scalar(select(Rapport.introduction).where(Rapport.year == year))
        db.session.remove()
    return text


def test_stale_texts_are_refused_again_until_the_user_takes_over(app, login, world):
    anna, bo = login("samordnare"), login("admin")
    bos_copy = bo.get(_url(world))
    annas = {"introduction": "Annas inledning", "version": "0"}
    assert anna.post(_url(world), annas).status_code == 302
    refused = bo.post(_url(world), {**resubmitted(bos_copy), "introduction": "Bos inledning"})
    assert refused.status_code == 409
    assert saved_beside(refused) == {"introduction": "Annas inledning"}
    assert resubmitted(refused)["introduction"] == "Bos inledning"
    again = bo.post(_url(world), resubmitted(refused))
    assert again.status_code == 409
    assert _introduction(app) == "Annas inledning"
    assert bo.post(_url(world), {**resubmitted(again), "overwrite": "y"}).status_code == 302
    assert _introduction(app) == "Bos inledning"


# --- Two at once ------------------------------------------------------------------------------

ROUNDS = 5


def at_once(*calls):
    """Run each call in a thread of its own, released together; return their results in order.

    Each request pushes its own application context, as in a server's worker threads.
    """
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait(timeout=10)
            results[index] = calls[index]()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def _two_samordnare(login):
    anna, bo = login("samordnare"), login("admin")
    anna.token(), bo.token()  # fetched now, not inside the race
    return anna, bo


def test_two_first_saves_at_once_give_one_draft_and_show_it_to_the_second(app, login, world):
    anna, bo = _two_samordnare(login)
    for year in range(2030, 2030 + ROUNDS):
        url = f"/rapport?ar={year}&verksamhet={world.home.id}"
        responses = at_once(
            partial(anna.post, url, {"introduction": "Annas inledning", "version": "0"}),
            partial(bo.post, url, {"introduction": "Bos inledning", "version": "0"}),
        )
        assert sorted(r.status_code for r in responses) == [302, 409], year
        refused = next(r for r in responses if r.status_code == 409)
        saved = _introduction(app, year)
        assert saved_beside(refused) == {"introduction": saved}  # the first save's text
        assert resubmitted(refused)["introduction"] not in ("", saved)  # and the user's own


def _numbers(app, year: int) -> list[int]:
    with app.app_context():
        numbers = db.session.scalars(
            select(RapportVersion.number)
            .join(Rapport)
            .where(Rapport.year == year)
            .order_by(RapportVersion.number)
        ).all()
        db.session.remove()
    return list(numbers)


def test_two_freezes_at_once_number_their_versions_in_turn(app, login, world):
    anna, bo = _two_samordnare(login)
    for year in range(2040, 2040 + ROUNDS):
        url = f"/rapport/frys?ar={year}&verksamhet={world.home.id}"
        # No draft yet: both try to start one; the second may be told to look again.
        first = at_once(partial(anna.post, url, {}), partial(bo.post, url, {}))
        assert {r.status_code for r in first} <= {302, 409}, year
        for refused in (r for r in first if r.status_code == 409):
            assert "Ingen version frystes" in refused.get_data(as_text=True)
        # With a draft: both freezes go through, one after the other.
        second = at_once(partial(anna.post, url, {}), partial(bo.post, url, {}))
        assert [r.status_code for r in second] == [302, 302], year
        frozen = sum(r.status_code == 302 for r in first + second)
        assert _numbers(app, year) == list(range(1, frozen + 1)), year


def test_a_frozen_version_is_shown_and_exported_as_it_was(app, login, world):
    client = login("samordnare")
    client.post(_url(world), {"introduction": "Fryst inledning.", "version": "0"})
    response = client.post(_url(world, "/rapport/frys"), {})
    version_url = response.headers["Location"]
    page = client.get(version_url).get_data(as_text=True)
    assert "Fryst version 1" in page and "Fryst inledning." in page
    client.post(_url(world), {"introduction": "Ny inledning.", "version": "1"})
    assert "Fryst inledning." in client.get(version_url).get_data(as_text=True)
    version_id = version_url.rsplit("/", 1)[1]
    document = docx.Document(
        io.BytesIO(client.get(f"/rapport/export.docx?version={version_id}").data)
    )
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Fryst inledning." in text and "Ny inledning." not in text


def test_every_export_reads_back(login, world):
    client = login("ombud")
    rapport = docx.Document(io.BytesIO(client.get(_url(world, "/rapport/export.docx")).data))
    headings = [p.text for p in rapport.paragraphs if p.style.name.startswith("Heading")]
    assert "6 c Exempel på åtgärder som vidtagits" in headings
    pdf = client.get(_url(world, "/rapport/export.pdf"))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Uppmärksammade brister 2026" in text and world.brist.nummer in text
    plain = client.get(_url(world, "/rapport/export.txt")).get_data(as_text=True)
    assert world.brist.nummer in plain
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(_url(world, "/rapport/export.csv"))
                .get_data(as_text=True)
                .lstrip("\ufeff")
            ),
            delimiter=";",
        )
    )
    assert rows[1][2] == world.brist.nummer
    assert "<3" in rows[1]  # two clients: suppressed
    book = openpyxl.load_workbook(io.BytesIO(client.get(_url(world, "/rapport/export.xlsx")).data))
    assert "Brister" in book.sheetnames
    assert client.get(_url(world, "/rapport/export.exe")).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_statistics_show_only_ones_own_verksamheter(login, world, role):
    response = login(role).get("/statistik")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'role="img"' in page


def test_a_year_outside_reason_is_not_found(login, world):
    assert login("ombud").get(f"/rapport?ar=1200&verksamhet={world.home.id}").status_code == 404


def test_the_routines_flag_is_a_setting_of_the_verksamhet(app, login, world):
    client = login("samordnare")
    page = client.get(_url(world)).get_data(as_text=True)
    assert "Det finns rutiner för att hantera uppmärksammade brister: <strong>Nej</strong>" in page
    response = client.post(
        f"/admin/verksamheter/{world.home.id}",
        {"namn": "PO Hemma", "kommuner": "PO Hemma", "has_routines": "y"},
    )
    assert response.status_code == 302
    page = client.get(_url(world)).get_data(as_text=True)
    assert "Det finns rutiner för att hantera uppmärksammade brister: <strong>Ja</strong>" in page


def test_the_report_page_statement_count_does_not_grow_with_brister(app, login, world):
    from systemfel.brister.domain import Niva
    from tests import factories
    from tests.sql import count_statements

    client = login("samordnare")
    client.get(_url(world))
    with count_statements(app) as few:
        assert client.get(_url(world)).status_code == 200
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        ombud = db.session.get(type(world.users["ombud"]), world.users["ombud"].id)
        for n in range(12):
            factories.brist(home, ombud, titel=f"Brist {n}", niva=Niva.LOKAL)
        db.session.commit()
        db.session.remove()
    with count_statements(app) as many:
        page = client.get(_url(world)).get_data(as_text=True)
    assert "Brist 11" in page
    assert many["n"] == few["n"]


def test_the_whole_country_reads_the_summaries_and_says_when_they_were_counted(app, login, world):
    import re
    from datetime import UTC, datetime

    from systemfel.reports import summaries

    def main(page: str) -> str:
        return " ".join(page.split("<main", 1)[1].split("</main>", 1)[0].split())

    live = login("admin").get("/statistik").get_data(as_text=True)
    assert "Uppdaterad" not in live
    with app.app_context():
        summaries.refresh(now=datetime(2026, 11, 25, 13, 5, tzinfo=UTC))
        db.session.commit()
        assert "Uppdaterad 2026-11-25 14:05." in login("admin").get("/statistik").get_data(
            as_text=True
        )
        summaries.refresh()
        db.session.commit()
        db.session.remove()

    page = login("admin").get("/statistik").get_data(as_text=True)
    # The same page as counted live, but for the sentence saying when.
    assert main(live) == re.sub(r" Uppdaterad [0-9-]+ [0-9:]+\.", "", main(page))
    own = login("ombud").get("/statistik").get_data(as_text=True)
    assert "Uppdaterad" not in own
