"""How followups answers what brister announces: start, end and restart the bevakning."""

from datetime import datetime
from typing import Any

from systemfel.auth.models import User
from systemfel.brister import events
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.followups import queries, services
from systemfel.verksamheter.scope import Scope


def connect() -> None:
    """Subscribe to brister's events (blinker keeps one connection per function)."""
    events.registered.connect(_start, weak=False)
    events.reopened.connect(_start, weak=False)
    events.closed.connect(_end, weak=False)
    events.page_asked.connect(_page, weak=False)


def _start(brist: Brist, *, now: datetime) -> None:
    services.start_bevakning(brist=brist, now=now)


def _end(brist: Brist, *, user: User | None, comment: str, now: datetime) -> None:
    services.end_bevakning(brist=brist, user=user, finding=comment, now=now)
    services.start_efterkontroll(brist=brist, now=now)


def _page(brist: Brist, *, scope: Scope) -> dict[str, Any]:
    bevakningar = queries.for_brist(brist)
    rakningar = {kontakt.id: services.rakning_for(kontakt) for kontakt in bevakningar.kontakter}
    return {
        "bevakningar": bevakningar,
        "rakningar": rakningar,
        "broken_promises": queries.broken_promises(brist, bevakningar.kontakter, local_today()),
        "efterkontroll": queries.efterkontroll_for_brist(brist),
    }
