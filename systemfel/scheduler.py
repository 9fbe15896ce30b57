"""The scheduler process (`systemfel scheduler`): one table of interval jobs, nothing else.

It runs on its own, never inside a web worker. Each job sweeps the database for what is due
and claims every row atomically, so a restart catches up and two schedulers write each
reminder once. APScheduler keeps no state of its own here: the database is the schedule.
Every job runs at start and then at its interval for as long as the process lives.

SIGTERM or SIGINT stops it gracefully: the jobs finish the item in hand (the e-mail being
delivered, the reminder being written) and stop before the next; nothing is left half done.

One scheduler is active at a time, on any number of nodes: it runs its jobs only while it
holds the scheduler lock (`leadership.py`: a PostgreSQL advisory lock, or a file lock beside
a SQLite database). Another one started beside it stands by, running nothing, and tries to
take the lock every SCHEDULER_STANDBY_SECONDS; it takes over when the active one dies. The
active one checks every second, and before each job, that it still holds the lock, and
stands down when it lost it (the database restarted, its connection was cut). The claims on
each row stay as the second line of defence: a job that was mid-item when the lock was lost
finishes that item, and a claim keeps it from being written or sent twice.
"""

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from systemfel import leadership, once
from systemfel.brister import jobs as brister_jobs
from systemfel.extensions import db
from systemfel.followups.jobs import sweep_digests, sweep_myndighet_paminnelser
from systemfel.followups.myndighetsbrev import sweep_myndighetsbrev
from systemfel.jobs.runner import Kind, forget_expired_jobs, run_waiting_jobs
from systemfel.notifications.jobs import send_due_messages
from systemfel.reports import jobs as report_jobs
from systemfel.reports.summaries import refresh_statistics

logger = logging.getLogger(__name__)

Job = Callable[..., int]

# How often the active scheduler checks that it still holds the lock.
LOCK_CHECK_SECONDS = 1.0

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
    (refresh_statistics, "STATISTICS_REFRESH_SECONDS"),
    (run_background_jobs, "SCHEDULER_JOBS_SECONDS"),
    (forget_expired_jobs, "SCHEDULER_SWEEP_SECONDS"),
]


def run_job(
    app: Flask,
    job: Job,
    stop: threading.Event | None = None,
    lock: leadership.ProcessLock | None = None,
) -> None:
    """Run one job in an application context; a failure is logged and rolled back.

    With a lock, the job runs only while this process still holds it.
    """
    if lock is not None and not lock.is_held():
        logger.warning("%s: not run, this scheduler no longer holds the lock", job.__name__)
        return
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


def build(
    app: Flask, stop: threading.Event, lock: leadership.ProcessLock | None = None
) -> BackgroundScheduler:
    """Return a scheduler with every job due now and then at its interval."""
    zone = app.config["TIMEZONE"]
    scheduler = BackgroundScheduler(timezone=zone)
    for job, setting in JOBS:
        scheduler.add_job(
            run_job,
            "interval",
            seconds=app.config[setting],
            args=[app, job, stop, lock],
            id=job.__name__,
            name=job.__name__,
            next_run_time=datetime.now(scheduler.timezone),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    return scheduler


def run(app: Flask) -> None:
    """Stand by until this process holds the lock, run the jobs while it does; until a signal.

    SIGTERM or SIGINT stops it, letting the running jobs finish their item.
    """
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:  # a signal frame
        logger.info("Signal %s: stopping after the item in hand", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    lock = leadership.scheduler_lock(app.config["DATABASE_URL"])
    retry = app.config["SCHEDULER_STANDBY_SECONDS"]
    standing_by = False
    while not stop.is_set():
        if take(lock):
            standing_by = False
            serve(app, lock, stop)
            continue
        if not standing_by:
            logger.info(
                "Står i beredskap: en annan schemaläggare är aktiv; försöker igen var %s:e "
                "sekund. / Standing by: another scheduler is active; trying again every %s s.",
                retry,
                retry,
            )
            standing_by = True
        stop.wait(retry)
    logger.info("Scheduler stopped")


def take(lock: leadership.ProcessLock) -> bool:
    """Try to take the lock; a database that cannot be reached is logged, and means no."""
    try:
        return lock.acquire()
    except SQLAlchemyError as error:
        logger.warning("Cannot reach the database to take the scheduler lock: %s", error)
        return False


def serve(app: Flask, lock: leadership.ProcessLock, stop: threading.Event) -> None:
    """Run the jobs while this process holds the lock; return on a signal or a lost lock."""
    logger.info("Aktiv: schemaläggaren kör sina jobb. / Active: this scheduler runs the jobs.")
    term = threading.Event()  # the jobs stop before their next item once it is set
    scheduler = build(app, term, lock)
    scheduler.start()
    # The main thread only watches; the jobs run in the scheduler's worker threads.
    while not stop.wait(LOCK_CHECK_SECONDS):
        if not lock.is_held():
            logger.warning(
                "Schemaläggaren har förlorat låset och går i beredskap. "
                "/ The scheduler lost its lock: standing down."
            )
            break
    term.set()
    scheduler.shutdown(wait=True)
    lock.release()
