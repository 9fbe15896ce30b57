"""The scheduler process (`systemfel scheduler`): one table of interval jobs, nothing else.

It runs on its own, never inside a web worker. Each job sweeps the database for what is due
and claims every row atomically, so a restart catches up and two schedulers write each
reminder once. APScheduler keeps no state of its own here: the database is the schedule.
Every job runs at start and then at its interval for as long as the process lives.

SIGTERM or SIGINT stops it gracefully: the jobs finish the item in hand (the e-mail being
delivered, the reminder being written) and stop before the next; nothing is left half done.
"""

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from systemfel import once
from systemfel.brister import jobs as brister_jobs
from systemfel.extensions import db
from systemfel.followups.jobs import sweep_digests, sweep_myndighet_paminnelser
from systemfel.followups.myndighetsbrev import sweep_myndighetsbrev
from systemfel.jobs.runner import Kind, forget_expired_jobs, run_waiting_jobs
from systemfel.notifications.jobs import send_due_messages
from systemfel.reports import jobs as report_jobs

logger = logging.getLogger(__name__)

Job = Callable[..., int]

# The kinds of background job the users order, and the function that does each. A new kind
# (the archive package, say) is one function taking a JobRun and one row here.
KINDS: dict[str, Kind] = {
    report_jobs.ROLLUP: report_jobs.build_rollup,
    brister_jobs.CSV_EXPORT: brister_jobs.export_csv,
}


def run_background_jobs(stop: threading.Event | None = None) -> int:
    """Run the waiting background jobs, one at a time."""
    return run_waiting_jobs(KINDS, stop)


# (job, the setting with its interval in seconds)
JOBS: list[tuple[Job, str]] = [
    (sweep_myndighet_paminnelser, "SCHEDULER_SWEEP_SECONDS"),
    (sweep_digests, "SCHEDULER_SWEEP_SECONDS"),
    (sweep_myndighetsbrev, "SCHEDULER_SWEEP_SECONDS"),
    (send_due_messages, "SCHEDULER_OUTBOX_SECONDS"),
    (once.forget_old, "SCHEDULER_SWEEP_SECONDS"),
    (run_background_jobs, "SCHEDULER_JOBS_SECONDS"),
    (forget_expired_jobs, "SCHEDULER_SWEEP_SECONDS"),
]


def run_job(app: Flask, job: Job, stop: threading.Event | None = None) -> None:
    """Run one job in an application context; a failure is logged and rolled back."""
    with app.app_context():
        try:
            done = job(stop=stop)
            db.session.commit()
            if done:
                logger.info("%s: %s", job.__name__, done)
        except Exception:
            db.session.rollback()
            logger.exception("%s failed; it runs again at its next interval", job.__name__)
        finally:
            db.session.remove()


def build(app: Flask, stop: threading.Event) -> BackgroundScheduler:
    """Return a scheduler with every job due now and then at its interval."""
    zone = app.config["TIMEZONE"]
    scheduler = BackgroundScheduler(timezone=zone)
    for job, setting in JOBS:
        scheduler.add_job(
            run_job,
            "interval",
            seconds=app.config[setting],
            args=[app, job, stop],
            id=job.__name__,
            name=job.__name__,
            next_run_time=datetime.now(scheduler.timezone),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    return scheduler


def run(app: Flask) -> None:
    """Run the jobs until SIGTERM or SIGINT, then let the running ones finish their item."""
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:  # a signal frame
        logger.info("Signal %s: stopping after the item in hand", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    scheduler = build(app, stop)
    scheduler.start()
    # The main thread only waits; the jobs run in the scheduler's worker threads.
    while not stop.wait(1):
        pass
    scheduler.shutdown(wait=True)
    logger.info("Scheduler stopped")
