"""What meetings adds to the brist page: the meetings that have the brist on their agenda."""

from typing import Any

from systemfel.brister import events
from systemfel.brister.models import Brist
from systemfel.meetings import queries
from systemfel.verksamheter.scope import Scope


def connect() -> None:
    """Subscribe to the brist page (blinker keeps one connection per function)."""
    events.page_asked.connect(_page, weak=False)


def _page(brist: Brist, *, scope: Scope) -> dict[str, Any]:
    lifts, on_an_agenda = queries.lyft_of(brist)
    return {
        "moten": queries.moten_with_brist(brist, scope=scope) if on_an_agenda else [],
        "lyft": lifts,
    }
