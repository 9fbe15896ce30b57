"""Text stored before the forms cleaned it (control characters, a CRLF in a title, a newline in
a ledningsgrupp's name) breaks no document: every file and e-mail is written and reads back."""

import csv
import io
import re
from email import message_from_bytes, policy

import docx
import openpyxl
import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.dbtypes import utcnow
from systemfel.extensions import db
from systemfel.followups import services as followups_services
from systemfel.followups.domain import Kanal
from systemfel.meetings import services as meetings_services
from systemfel.meetings.models import Ledningsgrupp, Mote, Punkt
from systemfel.notifications import delivery
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.models import Myndighet, Verksamhet
from systemfel.verksamheter.scope import Scope
from tests import factories

# What a paste from Word or a PDF, or an old bug, may have left in the database. No NUL:
# PostgreSQL cannot store one (the forms remove it before anything is saved).
DIRT = "\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff"
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _dirty(text: str) -> str:
    return f"{text}{DIRT}"


@pytest.fixture
def dirty(app, world) -> dict[str, int]:
    """A brist, a group and a meeting whose texts were stored with control characters."""
    with app.app_context():
        home = db.session.get(Verksamhet, world.home.id)
        ombud = db.session.get(User, world.users["ombud"].id)
        samordnare = db.session.get(User, world.users["samordnare"].id)
        brist = factories.brist(home, ombud, titel="Ren rubrik")
        meetings_services.mark_for_group(
            scope=Scope.everything(), brist=brist, user=ombud, marked=True
        )
        group, _member, mote = factories.settled_mote(home, samordnare)
        myndighet = db.session.get(Myndighet, brist.myndighet_id)
        myndighet.epost = "registrator@example.org"
        db.session.flush()
        # Bypass the forms: the texts as an old version of the app may have stored them.
        db.session.execute(
            update(Brist)
            .where(Brist.id == brist.id)
            .values(
                titel="Avslag\r\nutan motivering" + DIRT,
                beskrivning=_dirty("Besluten saknar motivering.\nRad två."),
                konsekvenser=_dirty('=HYPERLINK("http://x")'),
            )
        )
        db.session.execute(
            update(Ledningsgrupp)
            .where(Ledningsgrupp.id == group.id)
            .values(namn="Gruppen\nför Hemma" + DIRT)
        )
        db.session.execute(
            update(Mote).where(Mote.id == mote.id).values(plats=_dirty("Stadshuset"))
        )
        db.session.execute(
            update(Punkt).where(Punkt.mote_id == mote.id).values(rubrik=Punkt.rubrik + DIRT)
        )
        db.session.commit()
        values = {"brist": brist.id, "group": group.id, "mote": mote.id, "token": group.ics_token}
        db.session.remove()
    return values


def _no_control(text: str) -> str:
    assert not CONTROL.search(text), repr(text)
    return text


def test_agenda_documents_and_calendars_are_written(app, dirty, login, client):
    samordnare = login("samordnare")
    mote = dirty["mote"]

    dagordning = samordnare.get(f"/moten/{mote}/dagordning.docx")
    invitation = samordnare.get(f"/moten/{mote}/kallelse.ics")
    feed = client.get(f"/ledningsgrupper/{dirty['group']}/kalender/{dirty['token']}.ics")
    printed = samordnare.get(f"/moten/{mote}/dagordning/utskrift")
    pdf = samordnare.get(f"/moten/{mote}/dagordning.pdf")

    assert [r.status_code for r in (dagordning, invitation, feed, printed, pdf)] == [200] * 5
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(dagordning.data)).paragraphs)
    assert "Gruppen\nför Hemma" in _no_control(text)
    assert "Plats: Stadshuset" in text and "§ 4 Sammansättning" in text
    for calendar in (invitation, feed):
        event = Calendar.from_ical(calendar.data).walk("VEVENT")[0]
        summary, location = str(event["SUMMARY"]), str(event["LOCATION"])
        assert _no_control(summary).startswith("Gruppen för Hemma") and "\n" not in summary
        assert _no_control(location) == "Stadshuset"
    assert pdf.data.startswith(b"%PDF")


def test_sending_the_agenda_and_the_messages_are_built(app, dirty, login):
    samordnare = login("samordnare")
    with app.app_context():
        version = db.session.get(Mote, dirty["mote"]).version
        db.session.remove()

    response = samordnare.post(f"/moten/{dirty['mote']}/dagordning/skicka", {"version": version})

    assert response.status_code == 302
    subject, mail = _built_mail(app)
    assert subject.startswith("Dagordning: Gruppen för Hemma ")
    attachments = {part.get_filename(): part for part in mail.iter_attachments()}
    dagordning = docx.Document(io.BytesIO(attachments["dagordning.docx"].get_content()))
    assert "Plats: Stadshuset" in _no_control("\n".join(p.text for p in dagordning.paragraphs))
    Calendar.from_ical(attachments["kallelse.ics"].get_content())


def _built_mail(app) -> tuple[str, object]:
    """The one queued message as delivery builds it, parsed back as a receiver would."""
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        built = delivery.build(message, "Systemfel <noreply@example.org>", utcnow())
        db.session.remove()
    parsed = message_from_bytes(bytes(built), policy=policy.default)
    return str(parsed["Subject"]), parsed


def test_a_crlf_in_a_brist_title_does_not_stop_its_request_email(app, world, dirty):
    with app.app_context():
        brist = db.session.get(Brist, dirty["brist"])
        followups_services.raise_with_myndighet(
            brist=brist,
            user=db.session.get(User, world.users["ombud"].id),
            scope=scope_for(db.session.get(User, world.users["ombud"].id)),
            myndighet=brist.myndighet,
            contacted_on=local_today(),
            kanal=Kanal.EPOST,
            summary="Lyft per e-post.",
            send_email=True,
            answer_due_on=None,
        )
        db.session.commit()
        db.session.remove()

    subject, mail = _built_mail(app)

    assert subject == "Uppmärksammad brist: Avslag utan motivering"
    assert "Avslag" in _no_control(mail.get_body(("plain",)).get_content())


def test_the_brister_csv_is_clean_and_runs_no_formula(app, dirty, login):
    response = login("samordnare").get("/brister.csv")

    assert response.status_code == 200
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    row = next(r for r in rows if r[1].startswith("Avslag"))
    assert _no_control(row[1]).startswith("Avslag\r\nutan motivering")
    assert row[15].startswith("'=HYPE")


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv", "txt", "pdf"])
def test_every_report_export_is_written(app, dirty, login, world, fmt):
    year = local_today().year
    response = login("samordnare").get(
        f"/rapport/export.{fmt}?verksamhet={world.home.id}&ar={year}"
    )

    assert response.status_code == 200
    if fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs)
        assert "Avslag" in _no_control(text)
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Brister"]
        titles = [_no_control(str(cell.value)) for cell in sheet["D"]]
        assert any(title.startswith("Avslag") for title in titles)
    elif fmt in ("csv", "txt"):
        assert "Avslag" in _no_control(response.get_data(as_text=True))
    else:
        assert response.data.startswith(b"%PDF")
