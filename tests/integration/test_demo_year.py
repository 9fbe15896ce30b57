"""The demo data is a year that happened in order (issue 13, item 7): brister registered over
months, raised and answered after that, closed weeks later; statistics show real durations."""

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from systemfel import demo
from systemfel.brister.domain import HandelseTyp
from systemfel.brister.models import Brist, Handelse
from systemfel.clock import local_today
from systemfel.extensions import db
from systemfel.followups.models import Kontakt, Svar
from systemfel.meetings.models import Mote
from systemfel.reports import statistics
from systemfel.verksamheter.scope import Scope


def test_every_brists_history_runs_forward_in_time(ctx):
    demo.load()
    entries = defaultdict(list)
    for entry in db.session.scalars(select(Handelse).order_by(Handelse.id)):
        entries[entry.brist_id].append(entry)
    assert len(entries) == len(demo.BRISTER)
    for brist_id, history in entries.items():
        moments = [entry.created_at for entry in history]
        days = [entry.happened_on for entry in history]
        assert moments == sorted(moments), f"brist {brist_id}: {[e.typ for e in history]}"
        assert days == sorted(days), f"brist {brist_id}: {[e.typ for e in history]}"
        assert history[0].typ == HandelseTyp.REGISTRERAD


def test_brister_are_registered_over_months_and_closed_weeks_later(ctx):
    demo.load()
    today = local_today()
    brister = list(db.session.scalars(select(Brist)))
    registered = sorted(b.created_at.date() for b in brister)
    assert registered[-1] - registered[0] >= timedelta(days=180)
    assert all(today - timedelta(days=366) <= day <= today for day in registered)
    for brist in brister:
        assert brist.first_observed_on <= brist.created_at.date()
        if brist.closed_at is not None:
            assert brist.closed_at - brist.created_at >= timedelta(days=14)


def test_answers_come_after_requests_and_meetings_in_order(ctx):
    demo.load()
    for svar in db.session.scalars(select(Svar)):
        assert svar.kontakt.created_at < svar.received_at
    for kontakt in db.session.scalars(select(Kontakt)):
        assert kontakt.brist.created_at <= kontakt.created_at
    moten = list(db.session.scalars(select(Mote).order_by(Mote.starts_at)))
    held = [m for m in moten if m.justerad_at is not None]
    assert held and all(m.faststalld_at < m.starts_at < m.justerad_at for m in held)


def test_the_demos_statistics_show_a_positive_median_time_to_close(ctx):
    demo.load()
    numbers = statistics.gather(Scope.everything(), None)
    assert numbers.median_days_to_close is not None
    assert numbers.median_days_to_close > 0
