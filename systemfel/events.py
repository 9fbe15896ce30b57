"""Wiring the areas to the events of the areas below them; create_app calls connect_all()."""

from systemfel.followups import events as followups_events
from systemfel.followups import history as followups_history
from systemfel.meetings import events as meetings_events
from systemfel.reports import history as reports_history


def connect_all() -> None:
    """Connect every subscriber; safe to call more than once."""
    followups_events.connect()
    followups_history.connect()
    meetings_events.connect()
    reports_history.connect()
