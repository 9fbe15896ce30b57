"""history as facts: a kind's data and the day it happened

Revision ID: d4e7a1c9b2f0
Revises: 2454be7d0344
Create Date: 2026-12-01 13:40:00.000000

Each existing entry is read back once, here, from the labels it was stored with (Swedish, as
they were written); what cannot be read keeps its text as kind "notering".
"""
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e7a1c9b2f0'
down_revision = '2454be7d0344'
branch_labels = None
depends_on = None

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# The labels as the code stored them until this revision (frozen here on purpose).
NIVA = {"Handläggarnivå": "handlaggare", "Lokal nivå": "lokal", "Central nivå": "central"}
NIVA_WORDS = {"handläggarnivå": "handlaggare", "lokal nivå": "lokal", "central nivå": "central"}
STATUS = {
    "Registrerad": "registrerad",
    "Lyft med myndighet": "lyft",
    "Bevakas": "bevakas",
    "Stängd": "stangd",
}
UTFALL = {
    "Åtgärdad": "atgardad",
    "Delvis åtgärdad": "delvis_atgardad",
    "Ej åtgärdad / avskriven": "ej_atgardad",
    "Sammanslagen med annan brist": "sammanslagen",
}
UTFALL_WORDS = {
    "åtgärdad": "atgardad",
    "delvis åtgärdad": "delvis_atgardad",
    "ej åtgärdad / avskriven": "ej_atgardad",
    "sammanslagen": "sammanslagen",
}
FIELDS = {
    "Rubrik": "titel",
    "Beskrivning": "beskrivning",
    "Nivå": "niva",
    "Myndighet": "myndighet_id",
    "Övriga myndigheter": "other_myndighet_ids",
    "Område": "omrade_id",
    "Först observerad": "first_observed_on",
    "Antal klienter": "antal_klienter",
    "Konsekvenser för målgruppen": "konsekvenser",
    "Förslag till åtgärd": "forslag_atgard",
    "Ansvarigt ombud": "ansvarig_id",
}
DECISION = re.compile(r"^Beslut i (?P<grupp>.+) (?P<day>\d{4}-\d{2}-\d{2}): (?P<said>.*)$", re.S)
OBSERVED = re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2}): (?P<antal>\d+)\.(?: (?P<text>.*))?$", re.S)
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PROMISED = "Datum som myndigheten utlovat."
ACTION = re.compile(
    r"^åtgärd – (?P<text>.*) \(ansvarig: (?P<ansvarig>.*), senast (?P<senast>[\d-]*)\)\.$", re.S
)
WATCH = re.compile(r"^bevakas till (?P<senast>[\d-]*)\.(?: (?P<text>.*))?$", re.S)
INFORMATION = re.compile(r"^information\.(?: (?P<text>.*))?$", re.S)


class Unreadable(Exception):
    """An entry whose stored text does not say what the new data needs."""


def upgrade():
    with op.batch_alter_table('handelse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('happened_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=True))
    _convert(op.get_bind())
    with op.batch_alter_table('handelse', schema=None) as batch_op:
        batch_op.alter_column('happened_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('data', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('handelse', schema=None) as batch_op:
        batch_op.drop_column('data')
        batch_op.drop_column('happened_on')


def _day(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).date()


def _convert(bind):
    handelse = sa.table(
        'handelse',
        sa.column('id', sa.Integer),
        sa.column('brist_id', sa.Integer),
        sa.column('typ', sa.String),
        sa.column('user_id', sa.Integer),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('version', sa.Integer),
        sa.column('text', sa.Text),
        sa.column('changes', sa.JSON),
        sa.column('happened_on', sa.Date),
        sa.column('data', sa.JSON),
    )
    brister = {
        row.id: row
        for row in bind.execute(
            sa.text("SELECT id, verksamhet_id, nummer, merged_into_id FROM brist")
        )
    }
    numbers = {(b.verksamhet_id, b.nummer): b.id for b in brister.values()}
    # A decision is recognised only where a meeting of a group of that name had the brist
    # on its agenda: an ombud's own words that begin "Beslut i " stay the ombud's.
    meetings = {
        (row.namn, row.brist_id): row.mote_id
        for row in bind.execute(
            sa.text(
                "SELECT ledningsgrupp.namn, punkt.brist_id, mote.id AS mote_id FROM punkt"
                " JOIN mote ON mote.id = punkt.mote_id"
                " JOIN ledningsgrupp ON ledningsgrupp.id = mote.ledningsgrupp_id"
                " WHERE punkt.brist_id IS NOT NULL"
            )
        )
    }
    rows = bind.execute(
        sa.select(
            handelse.c.id,
            handelse.c.brist_id,
            handelse.c.typ,
            handelse.c.user_id,
            handelse.c.created_at,
            handelse.c.version,
            handelse.c.text,
            handelse.c.changes,
        ).order_by(handelse.c.id)
    ).all()
    context = (brister, numbers, meetings)
    for row in rows:
        on = _day(row.created_at)
        try:
            typ, data, text, on, extra = _read(row, on, context)
        except (Unreadable, KeyError, ValueError, TypeError):
            typ, data, text, extra = "notering", {"was": row.typ}, row.text, None
            changes = row.changes or []
        else:
            changes = []
        bind.execute(
            handelse.update()
            .where(handelse.c.id == row.id)
            .values(typ=typ, data=data, text=text, happened_on=on, changes=changes)
        )
        if extra is not None:
            bind.execute(
                handelse.insert().values(
                    brist_id=row.brist_id,
                    typ="beslut",
                    user_id=row.user_id,
                    created_at=row.created_at,
                    version=row.version,
                    text=extra["text"],
                    changes=[],
                    happened_on=extra["on"],
                    data=extra["data"],
                )
            )


def _changes(row):
    return {field: (old, new) for field, old, new in row.changes or []}


def _decision(row, meetings, beslut_words):
    """The decision a meeting wrote into an escalation or closing, if it was one."""
    match = DECISION.match(row.text or "")
    if match is None:
        return None
    mote_id = meetings.get((match["grupp"], row.brist_id))
    if mote_id is None:
        return None
    said = match["said"]
    for prefix, beslut, key, words in beslut_words:
        if said.startswith(prefix):
            word, _, rest = said[len(prefix):].partition(".")
            if word.strip() not in words:
                return None
            return {
                "on": datetime.strptime(match["day"], "%Y-%m-%d").date(),
                "text": rest.strip(),
                "data": {
                    "mote_id": mote_id,
                    "grupp": match["grupp"],
                    "mote_on": match["day"],
                    "beslut": beslut,
                    key: words[word.strip()],
                },
            }
    return None


def _read(row, on, context):
    brister, numbers, meetings = context
    typ, text = row.typ, row.text or ""
    changes = _changes(row)
    extra = None
    if typ == "registrerad":
        if text or changes:
            raise Unreadable
        return typ, {}, "", on, None
    if typ == "andrad":
        fields = []
        for label, (old, new) in changes.items():
            key = FIELDS[label]
            if key == "niva":
                old, new = NIVA[old], NIVA[new]
            fields.append([key, old, new])
        if not fields:
            raise Unreadable
        return typ, {"fields": fields}, text, on, None
    if typ == "observation":
        match = OBSERVED.match(text)
        if match is None:
            raise Unreadable
        day = datetime.strptime(match["day"], "%Y-%m-%d").date()
        return typ, {"antal_klienter": int(match["antal"])}, (match["text"] or ""), day, None
    if typ == "eskalerad":
        old, new = changes["Nivå"]
        data = {"from": NIVA[old], "to": NIVA[new]}
        extra = _decision(row, meetings, [("eskaleras till ", "eskalera", "till_niva", NIVA_WORDS)])
        if extra is not None:
            data["mote_id"] = extra["data"]["mote_id"]
        return typ, data, text, on, extra
    if typ == "status":
        old, new = changes["Status"]
        return typ, {"from": STATUS[old], "to": STATUS[new]}, text, on, None
    if typ == "stangd":
        utfall = UTFALL[changes["Utfall"][1]]
        data = {"from": STATUS[changes["Status"][0]], "utfall": utfall}
        nummer = changes.get("Sammanslagen med", ("", ""))[1]
        if nummer:
            brist = brister[row.brist_id]
            data["merged_into_nummer"] = nummer
            data["merged_into_id"] = numbers.get((brist.verksamhet_id, nummer))
        extra = _decision(row, meetings, [("avslutas som ", "avsluta", "utfall", UTFALL_WORDS)])
        if extra is not None:
            data["mote_id"] = extra["data"]["mote_id"]
        return typ, data, text, on, extra
    if typ == "ateroppnad":
        old_utfall = changes["Utfall"][0]
        data = {"to": STATUS[changes["Status"][1]], "utfall": UTFALL[old_utfall] if old_utfall else None}
        return typ, data, text, on, None
    if typ == "sammanslagen_hit":
        brist = brister[row.brist_id]
        data = {"nummer": text, "brist_id": numbers.get((brist.verksamhet_id, text))}
        return typ, data, "", on, None
    if typ in ("uppfoljning", "bevakning_flyttad"):
        old, new = changes["Nästa bevakning"]
        if not (ISO_DAY.match(old) and ISO_DAY.match(new)):
            raise Unreadable
        data = {"from": old, "to": new}
        if typ == "bevakning_flyttad":
            cause = "utlovat" if text == PROMISED else "hand"
            data["cause"] = cause
            text = "" if cause == "utlovat" else text
        return typ, data, text, on, None
    if typ == "tas_upp_i_ledningsgrupp":
        if text not in ("", "Återtaget"):
            raise Unreadable
        return typ, {"marked": text == ""}, "", on, None
    if typ == "beslut":
        return _own_decision(row, meetings)
    if typ == "lank_aterkallad":
        return typ, {"myndighet": text}, "", on, None
    # Contacts, answers, reminders and decisions wrote sentences: kept as they were.
    raise Unreadable


def _own_decision(row, meetings):
    """An entry of kind beslut (only the meetings wrote those): its sentence read back."""
    match = DECISION.match(row.text or "")
    if match is None:
        raise Unreadable
    data = {
        "mote_id": meetings.get((match["grupp"], row.brist_id)),
        "grupp": match["grupp"],
        "mote_on": match["day"],
    }
    said = match["said"]
    if found := ACTION.match(said):
        data |= {
            "beslut": "atgard",
            "ansvarig": found["ansvarig"] or None,
            "senast_on": found["senast"] or None,
        }
    elif found := WATCH.match(said):
        data |= {"beslut": "bevaka", "senast_on": found["senast"] or None}
    elif found := INFORMATION.match(said):
        data |= {"beslut": "information"}
    else:
        raise Unreadable
    on = datetime.strptime(match["day"], "%Y-%m-%d").date()
    return "beslut", data, (found["text"] or "").strip(), on, None
