"""Fixtures for the follow-up, reminder and outbox tests.

`smtp_server` runs a real SMTP server (aiosmtpd, with faults on request: tests/faultsmtp.py)
on 127.0.0.1 and points the app at it;
`scene` builds a verksamhet with two ombud, a myndighet with a functional mailbox and a brist,
all registered at a fixed time (`T0`), and offers shortcuts that go through the real services.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from systemfel.access import scope_for
from systemfel.auth.models import User
from systemfel.brister import services as brister_services
from systemfel.brister.domain import Niva
from systemfel.brister.models import Brist
from systemfel.extensions import db
from systemfel.followups import services as followups
from systemfel.followups.domain import Kanal
from systemfel.followups.models import Kontakt
from systemfel.notifications.models import OutboxMessage
from systemfel.verksamheter.domain import Sammandrag
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet
from tests import factories
from tests.faultsmtp import SmtpServer

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAILBOX = "registrator@fk.example"
MAIL_FROM_ADDRESS = "noreply@systemfel.invalid"


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """The aware UTC instant of `hour:minute` Stockholm time on `day`."""
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM).astimezone(UTC)


# Monday 2 November 2026, 10:00 in Stockholm: a working day in office hours. A request sent
# then is due 20 working days later, on Monday 30 November.
T0 = at(date(2026, 11, 2))


# --- SMTP -----------------------------------------------------------------------------------


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A running SMTP server the app sends to (no TLS, no login); settings restored after."""
    server = SmtpServer()
    server.start()
    send_to(server, app, monkeypatch)
    yield server
    if server.running:
        server.stop()


def send_to(server: SmtpServer, app, monkeypatch, username: str = "", password: str = "") -> None:
    """Point the app's SMTP settings at `server` (plain SMTP on loopback)."""
    for key, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": server.port,
        "SMTP_SECURITY": "none",
        "SMTP_USERNAME": username,
        "SMTP_PASSWORD": password,
        "SMTP_TIMEOUT_SECONDS": 5,
    }.items():
        monkeypatch.setitem(app.config, key, value)


# --- Data -----------------------------------------------------------------------------------


@dataclass
class Scene:
    """A verksamhet, two ombud, Försäkringskassan with a mailbox, one brist (registered T0)."""

    verksamhet: Verksamhet
    ombud: User
    ombud2: User
    myndighet: Myndighet
    brist: Brist

    def new_brist(self, user: User | None = None, now: datetime = T0, **overrides) -> Brist:
        """Register a brist at `now` through the real service."""
        values = dict(
            titel="Beslut saknar motivering",
            beskrivning="Besluten förklarar inte vad som saknas.",
            niva=Niva.HANDLAGGARE,
            myndighet_id=self.myndighet.id,
            other_myndighet_ids=[],
            omrade_id=db.session.scalar(
                select(Omrade.id).where(Omrade.verksamhet_id == self.verksamhet.id).limit(1)
            ),
            first_observed_on=date(2026, 1, 15),
            antal_klienter=2,
            konsekvenser="",
            forslag_atgard="",
            ansvarig_id=(user or self.ombud).id,
        )
        values.update(overrides)
        return brister_services.register_brist(
            verksamhet=self.verksamhet,
            user=user or self.ombud,
            scope=scope_for(user or self.ombud),
            fields=brister_services.BristFields(**values),
            prefix="SF",
            now=now,
        )

    def email_request(
        self, brist: Brist | None = None, now: datetime = T0, answer_due_on: date | None = None
    ) -> Kontakt:
        """Raise the brist with the myndighet by e-mail (request + answer link + outbox)."""
        return followups.raise_with_myndighet(
            brist=brist or self.brist,
            user=self.ombud,
            scope=scope_for(self.ombud),
            myndighet=self.myndighet,
            contacted_on=now.astimezone(STOCKHOLM).date(),
            kanal=Kanal.EPOST,
            summary="Besluten saknar motivering i flera ärenden.",
            send_email=True,
            answer_due_on=answer_due_on,
            now=now,
        )

    def due_kontakter(self, count: int, due_on: date) -> list[int]:
        """`count` e-mailed contacts whose first reminder is due on `due_on` (rows only)."""
        rows = [
            Kontakt(
                brist_id=self.brist.id,
                myndighet_id=self.myndighet.id,
                contacted_on=T0.astimezone(STOCKHOLM).date(),
                kanal=Kanal.EPOST,
                summary=f"Fråga {number}",
                created_by_id=self.ombud.id,
                created_at=T0,
                emailed_to=MAILBOX,
                answer_due_on=due_on,
                next_reminder_on=due_on,
            )
            for number in range(count)
        ]
        db.session.add_all(rows)
        db.session.flush()
        return [row.id for row in rows]


@pytest.fixture
def scene(ctx) -> Scene:
    verksamhet = factories.verksamhet("PO Bevakning")
    ombud = factories.UserFactory(
        email="ombud1@bevakning.example", namn="Olle Ombud", verksamheter=[verksamhet]
    )
    ombud2 = factories.UserFactory(
        email="ombud2@bevakning.example", namn="Tova Ombud", verksamheter=[verksamhet]
    )
    myndighet = db.session.scalar(
        select(Myndighet).where(
            Myndighet.verksamhet_id == verksamhet.id, Myndighet.namn == "Försäkringskassan"
        )
    )
    myndighet.epost = MAILBOX
    # The reminder tests check one reminder per request; the letters' tests switch them on.
    myndighet.sammandrag = Sammandrag.AV
    made = Scene(verksamhet, ombud, ombud2, myndighet, brist=None)  # type: ignore[arg-type]
    made.brist = made.new_brist()
    db.session.commit()
    return made


def outbox_keys(pattern: str = "%") -> list[str]:
    """The idempotency keys in the outbox matching a LIKE pattern, in id order."""
    return list(
        db.session.scalars(
            select(OutboxMessage.idempotency_key)
            .where(OutboxMessage.idempotency_key.like(pattern))
            .order_by(OutboxMessage.id)
        )
    )


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
