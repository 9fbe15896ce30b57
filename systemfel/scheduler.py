"""The scheduler process (`systemfel scheduler`): one table of interval jobs, nothing else.

It runs on its own, never inside a web worker. Each job sweeps the database for what is due
and claims every row atomically, so a restart catches up and two schedulers send nothing
twice. APScheduler keeps no state of its own here: the database is the schedule.
"""

import logging
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from systemfel.extensions import db
from systemfel.followups.jobs import sweep_agency_reminders, sweep_digests
from systemfel.notifications.jobs import send_due_messages

logger = logging.getLogger(__name__)

# (job, the setting with its interval in seconds)
JOBS: list[tuple[Callable[[], int], str]] = [
    (sweep_agency_reminders, "SCHEDULER_SWEEP_SECONDS"),
    (sweep_digests, "SCHEDULER_SWEEP_SECONDS"),
    (send_due_messages, "SCHEDULER_OUTBOX_SECONDS"),
]


def run_job(app: Flask, job: Callable[[], int]) -> None:
    """Run one job in an application context; a failure is logged and rolled back."""
    with app.app_context():
        try:
            done = job()
            db.session.commit()
            if done:
                logger.info("%s: %s", job.__name__, done)
        except Exception:
            db.session.rollback()
            logger.exception("%s failed; it runs again at its next interval", job.__name__)
        finally:
            db.session.remove()


def build(app: Flask) -> BlockingScheduler:
    """Return a scheduler with every job on its interval."""
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"])
    for job, setting in JOBS:
        scheduler.add_job(
            run_job,
            "interval",
            seconds=app.config[setting],
            args=[app, job],
            id=job.__name__,
            next_run_time=None,
            max_instances=1,
            coalesce=True,
        )
    return scheduler


def run(app: Flask) -> None:
    """Catch up once, then run the jobs until stopped."""
    for job, _setting in JOBS:
        run_job(app, job)
    build(app).start()
