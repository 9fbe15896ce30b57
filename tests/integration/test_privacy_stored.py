"""Stored text that fails today's privacy guard: found in every table, masked, and redacted
with a record of which field and when — never the number — from the command line and the
admin page."""

from datetime import UTC, datetime

import lxml.html
import sqlalchemy as sa
from sqlalchemy import select

from systemfel.brister.domain import HandelseTyp
from systemfel.brister.models import Brist, Handelse, Observation
from systemfel.cli import main
from systemfel.extensions import db
from systemfel.notifications.models import OutboxMessage
from systemfel.privacy import stored
from systemfel.privacy.models import Redaction
from tests import factories

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
# Valid numbers written the ways the old guard let through.
EN_DASH = "811218\u20139876"
WRAPPED = "811218\r\n9876"
GROUPED = "81 12 18-98 76"


def test_every_text_column_is_either_searched_or_known_to_be_technical(app):
    with app.app_context():
        text_columns = {
            (table.name, column.name)
            for table in db.metadata.sorted_tables
            for column in table.columns
            if isinstance(column.type, sa.String | sa.Text | sa.JSON)
            and not isinstance(column.type, sa.Enum)
        }
    listed = {
        (table, column)
        for registry in (stored.FREE_TEXT, stored.NOT_FREE_TEXT)
        for table, columns in registry.items()
        for column in columns
    }
    assert text_columns == listed


def seed(app, world) -> dict[str, int]:
    """Numbers saved past the old guard, in a brist, an observation, history and an e-mail."""
    with app.app_context():
        home, ombud = db.session.merge(world.home), db.session.merge(world.users["ombud"])
        brist = factories.brist(home, ombud)
        db.session.flush()
        text = f"Klienten {EN_DASH} fick avslag."
        db.session.execute(
            sa.update(Brist)
            .where(Brist.id == brist.id)
            .values(beskrivning=text, search_text=text.lower())
        )
        observation = Observation(
            brist_id=brist.id, created_by_id=ombud.id, observed_on=NOW.date(), antal_klienter=1,
            anteckning=f"Samma sak, {WRAPPED}.",
        )  # fmt: skip
        db.session.add(observation)
        db.session.add(
            Handelse(
                brist_id=brist.id, typ=HandelseTyp.ANDRAD, version=1, text="",
                happened_on=NOW.date(), data={"fields": [["beskrivning", "", f"Se {GROUPED}"]]},
            )
        )  # fmt: skip
        db.session.add(
            OutboxMessage(
                idempotency_key="kontakt:99", to_addresses="a@fk.example",
                subject="Uppmärksammad brist", body_text=text,
            )
        )  # fmt: skip
        db.session.commit()
        made = {"brist": brist.id, "observation": observation.id}
        db.session.remove()
    return made


def test_scan_finds_every_number_masked_and_redact_removes_them_with_a_record(app, world, ctx):
    world_ids = seed(app, world)
    found = stored.scan()
    assert found.complete
    places = {(f.table, f.column) for f in found.findings}
    assert places == {
        ("brist", "beskrivning"),
        ("brist", "search_text"),
        ("observation", "anteckning"),
        ("handelse", "data"),
        ("outbox", "body_text"),
    }
    assert all("9876" not in f.shown for f in found.findings)
    brist_version = db.session.get(Brist, world_ids["brist"]).version

    changed = stored.redact(found.findings, user_id=world.users["admin"].id, now=NOW)
    db.session.commit()
    db.session.expire_all()

    assert changed == len(places)
    assert stored.scan().findings == []
    brist = db.session.get(Brist, world_ids["brist"])
    assert brist.beskrivning == "Klienten [borttaget] fick avslag."
    assert brist.version == brist_version + 1  # an edit begun before cannot put it back
    assert db.session.get(Observation, world_ids["observation"]).anteckning == (
        "Samma sak, [borttaget]."
    )
    records = db.session.scalars(select(Redaction)).all()
    assert {(r.table_name, r.column_name) for r in records} == places
    assert {r.redacted_by_id for r in records} == {world.users["admin"].id}
    notes = db.session.scalars(
        select(Handelse).where(Handelse.typ == HandelseTyp.UPPGIFT_BORTTAGEN)
    ).all()
    [note] = notes  # one for the brist, naming its fields; the e-mail has no brist
    assert note.data == {
        "fields": [
            "brist.beskrivning",
            "brist.search_text",
            "handelse.data",
            "observation.anteckning",
        ]
    }
    dumped = " ".join(str(value) for r in records for value in vars(r).values())
    dumped += " ".join(n.text + str(n.changes) + str(n.data) for n in notes)
    assert "9876" not in dumped


def test_the_command_line_lists_masked_and_redacts_only_when_confirmed(app, world):
    seed(app, world)
    runner = app.test_cli_runner()

    listing = runner.invoke(main, ["privacy", "scan"])
    assert listing.exit_code == 0, listing.output
    assert "5 fields." in listing.output and "9876" not in listing.output

    refused = runner.invoke(main, ["privacy", "redact"], input="n\n")
    assert refused.exit_code == 1
    assert "5 fields." in runner.invoke(main, ["privacy", "scan"]).output

    done = runner.invoke(main, ["privacy", "redact", "--yes"])
    assert done.exit_code == 0 and "Redacted 5 fields." in done.output
    assert "0 fields." in runner.invoke(main, ["privacy", "scan"]).output


def test_the_admin_page_lists_and_redacts_after_confirmation(app, world, login):
    seed(app, world)
    admin = login("admin")
    page = admin.get("/admin/integritet/").get_data(as_text=True)
    assert "811218-****" in page and "9876" not in page

    refused = admin.post("/admin/integritet/ta-bort", {})
    assert refused.status_code == 422
    doc = lxml.html.fromstring(refused.get_data(as_text=True))
    [error] = doc.xpath('//*[@id="confirm-error"]')
    assert "Bekräfta att numren ska tas bort." in error.text_content()

    assert admin.post("/admin/integritet/ta-bort", {"confirm": "y"}).status_code == 302
    after = admin.get("/admin/integritet/").get_data(as_text=True)
    assert "Ingen sparad text innehåller" in after
    assert "Numren togs bort ur 5 fält." in after

    for role in ("ombud", "samordnare", "ledningsgrupp"):
        assert login(role).get("/admin/integritet/").status_code == 403
