"""Stored text that fails the privacy guard: found across every table, and redacted.

Text saved before the guard knew a layout (an en dash, a wrapped line) may hold a
personnummer. `scan()` lists every such field, masked; `redact()` replaces each number by
"[borttaget]" and records who did it, when and in which field — never the number itself. A
brist's own history gets an entry too, and the brist a new version, so that an edit begun
before the redaction cannot put the number back.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.models import Brist
from systemfel.extensions import db
from systemfel.privacy.domain import find_personnummer
from systemfel.privacy.models import Redaction

REMOVED = "[borttaget]"

# Every column that can hold text a person wrote. A test checks that each text column of
# the schema is listed here or in NOT_FREE_TEXT, so a new column cannot be forgotten.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "brist": (
        "titel",
        "beskrivning",
        "konsekvenser",
        "forslag_atgard",
        "search_text",
        "search_stems",
    ),
    "observation": ("anteckning",),
    "handelse": ("text", "changes", "data"),
    "bevakning": ("finding",),
    "kontakt": ("summary", "sent_titel", "acknowledged_handlaggare", "acknowledged_diarienummer"),
    "svar": ("text", "diarienummer", "responsible_body"),
    "punkt": (
        "rubrik",
        "skal",
        "facts",
        "anteckning",
        "beslut_text",
        "beslut_ansvarig",
        "beslut_organ_namn",
    ),
    "lyft": ("organ_namn", "svar_text"),
    "mote": ("plats", "justerare_namn", "ordforande_namn", "sekreterare_namn", "narvarande"),
    "ledningsgrupp": ("namn", "staende_punkter"),
    "ledamot": ("namn", "organisation"),
    "rapport": ("introduction", "closing", "summaries", "teman", "excluded", "atgarder"),
    "rapport_version": ("content",),
    "outbox": ("subject", "body_text", "body_html", "sender_name"),
    "user_account": ("namn",),
    "verksamhet": ("namn", "routines_description"),
    "job": ("params",),  # a background export's filters, its search words among them
    "kommun": ("namn",),
    "myndighet": ("namn",),
    "omrade": ("namn",),
}
# Technical text: addresses, keys, tokens and hashes, error messages from mail servers.
NOT_FREE_TEXT: dict[str, tuple[str, ...]] = {
    "outbox": ("idempotency_key", "to_addresses", "claim_token", "last_error", "delivered_to",
               "refused", "secret", "attachments", "reply_to"),
    "outbox_sender": ("pause_reason",),
    "rate_limit_window": ("key",),
    "user_account": ("email", "password_hash", "session_token"),
    "ledningsgrupp": ("ics_token",),
    "mote": ("ics_uid",),
    "ledamot": ("epost",),
    "myndighet": ("epost",),
    "verksamhet": ("epost",),
    "kontakt": ("emailed_to",),
    "answer_link": ("token_hash",),
    "rapport": ("scope",),
    "brist": ("nummer",),
    "punkt": ("key",),
    "privacy_redaction": ("table_name", "column_name", "kind"),
    "form_submission": ("token", "target"),
    "job": ("kind", "request_key", "active_key", "claim_token", "error", "step", "title",
            "title_args", "verksamhet_ids"),
    "job_file": ("name", "mimetype"),
    # Copies of myndigheter's and områden's names, counted afresh from them by the scheduler.
    "statistics_count": ("dimension", "label"),
    "statistics_answers": ("myndighet",),
    "statistics_promises": ("myndighet",),
}  # fmt: skip


@dataclass(frozen=True)
class StoredFinding:
    """A number found in one field of one row, masked."""

    table: str
    row_id: int
    column: str
    kind: str
    shown: str


@dataclass
class Scan:
    """What a scan found, and whether it read everything before its time ran out."""

    findings: list[StoredFinding]
    complete: bool


def scan(seconds: float | None = None, batch: int = 2000) -> Scan:
    """Find every stored field that now fails the guard; stop after `seconds` if given."""
    deadline = None if seconds is None else time.monotonic() + seconds
    findings: list[StoredFinding] = []
    for table_name, columns in FREE_TEXT.items():
        for row in _rows(table_name, columns, batch):
            for column in columns:
                findings += [
                    StoredFinding(table_name, row.id, column, f.kind, f.shown)
                    for f in _findings_in(getattr(row, column))
                ]
            if deadline is not None and time.monotonic() > deadline:
                return Scan(findings, complete=False)
    return Scan(findings, complete=True)


def _rows(table_name: str, columns: tuple[str, ...], batch: int) -> Iterator[Any]:
    """Every row's id and text columns, read in batches by id."""
    table = db.metadata.tables[table_name]
    last = 0
    while True:
        rows = db.session.execute(
            sa.select(table.c.id, *(table.c[c] for c in columns))
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _texts(value: Any) -> Iterator[str]:  # text or JSON
    """Every string in a value (a JSON column holds them nested)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _findings_in(value: Any) -> list:  # text or JSON
    return [finding for text in _texts(value) for finding in find_personnummer(text)]


def redact_text(text: str) -> str:
    """Replace every personnummer in `text` by REMOVED, the rest as it was."""
    for finding in reversed(find_personnummer(text)):
        text = text[: finding.start] + REMOVED + text[finding.end :]
    return text


def _redacted(value: Any) -> Any:  # text or JSON
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def redact(findings: list[StoredFinding], *, user_id: int | None, now: datetime) -> int:
    """Remove the numbers from the fields found; return how many fields were changed."""
    changed: dict[int | None, list[str]] = {}
    for table_name, row_id, column, kind in sorted(
        {(f.table, f.row_id, f.column, f.kind) for f in findings}
    ):
        table = db.metadata.tables[table_name]
        where = table.c.id == row_id
        value = db.session.execute(sa.select(table.c[column]).where(where)).scalar_one_or_none()
        cleaned = _redacted(value)
        if cleaned == value:
            continue  # changed since the scan, or already redacted for another kind
        db.session.execute(sa.update(table).where(where).values({column: cleaned}))
        db.session.add(
            Redaction(
                table_name=table_name,
                row_id=row_id,
                column_name=column,
                kind=kind,
                redacted_by_id=user_id,
                redacted_at=now,
            )
        )
        changed.setdefault(_brist_of(table, row_id), []).append(f"{table_name}.{column}")
    for brist_id, fields in changed.items():
        if brist_id is not None:
            _note_on_brist(brist_id, fields, user_id, now)
    db.session.flush()
    return sum(len(fields) for fields in changed.values())


def _brist_of(table: sa.Table, row_id: int) -> int | None:
    """The brist a row belongs to, if any."""
    if table.name == "brist":
        return row_id
    if "brist_id" not in table.c:
        return None
    return db.session.execute(
        sa.select(table.c.brist_id).where(table.c.id == row_id)
    ).scalar_one_or_none()


def _note_on_brist(brist_id: int, fields: list[str], user_id: int | None, now: datetime) -> None:
    """One history entry naming the fields, written by brister's one writer of history."""
    brist = db.session.get(Brist, brist_id, populate_existing=True)
    user = db.session.get(User, user_id) if user_id is not None else None
    if brist is not None:
        brister_services.note_removed_data(brist=brist, fields=fields, user=user, now=now)
