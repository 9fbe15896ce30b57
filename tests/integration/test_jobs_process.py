"""Background jobs run by the real `systemfel scheduler` process, watched from outside.

A job goes from waiting to done and its files download over the test client; a scheduler
killed (SIGKILL) mid-job leaves the job to a restarted one, which finishes it and writes its
result once; two schedulers at once never run the same job twice. Runs on whichever
database the suite uses.
"""

import os
import re
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from systemfel.access import scope_for
from systemfel.brister import jobs as brister_jobs
from systemfel.brister.queries import BristFilter
from systemfel.extensions import db
from systemfel.jobs import services
from systemfel.jobs.domain import JobState
from systemfel.jobs.models import Job, JobFile
from systemfel.reports import jobs as report_jobs
from tests import factories
from tests.integration.test_scheduler_process import COMMAND, ROOT, wait_for

SORTS = ("nummer", "aldst", "rubrik", "niva", "status", "observerad", "uppdaterad")


@contextmanager
def scheduler(app, tmp_path: Path, name: str = "scheduler", **settings):
    """Start `systemfel scheduler` as its own process; kill it on the way out if still alive."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SYSTEMFEL_")}
    env |= {
        "SYSTEMFEL_ENV": "testing",
        "SYSTEMFEL_DATABASE_URL": app.config["DATABASE_URL"],
        "SYSTEMFEL_INSTANCE_PATH": str(tmp_path),
        "SYSTEMFEL_SCHEDULER_JOBS_SECONDS": "1",
        "SYSTEMFEL_SCHEDULER_OUTBOX_SECONDS": "60",
        "SYSTEMFEL_SCHEDULER_SWEEP_SECONDS": "60",
    }
    env |= {f"SYSTEMFEL_{key}": str(value) for key, value in settings.items()}
    log = (tmp_path / f"{name}.log").open("ab")
    process = subprocess.Popen(  # our own command
        [COMMAND, "scheduler"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _job(job_id: int) -> Job:
    db.session.expire_all()
    job = db.session.get_one(Job, job_id)
    db.session.commit()
    return job


def _order_rollup(world) -> int:
    admin = db.session.get_one(factories.User, world.users["admin"].id)
    job = services.start(
        kind=report_jobs.ROLLUP,
        params=report_jobs.rollup_params(frozenset({world.home.id, world.other.id}), 2026),
        user=admin,
        scope=scope_for(admin),
        title=report_jobs.TITLE,
        title_args={"ar": 2026, "antal": 2},
    )
    db.session.commit()
    return job.id


def test_a_job_goes_from_waiting_to_done_and_downloads(app, ctx, world, login, tmp_path):
    job_id = _order_rollup(world)
    assert _job(job_id).state == JobState.WAITING
    with scheduler(app, tmp_path) as process:
        wait_for(lambda: _job(job_id).state == JobState.DONE, 90, "the job to be done")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    admin = login("admin")
    page = admin.get(f"/jobb/{job_id}").get_data(as_text=True)
    links = re.findall(r'href="(/jobb/\d+/filer/\d+)"[^>]*download>([^<]+)<', page)
    assert len(links) == 5
    for link, name in links:
        response = admin.get(link)
        assert response.status_code == 200 and len(response.data) > 0
        assert name in response.headers["Content-Disposition"]
    assert _job(job_id).attempts == 1


def test_a_job_killed_mid_run_is_released_and_finished_once_by_a_restarted_scheduler(
    app, ctx, world, tmp_path
):
    job_id = _order_rollup(world)
    slow = {"JOBS_STEP_PAUSE_SECONDS": 1, "JOBS_LEASE_SECONDS": 2}
    with scheduler(app, tmp_path, "killed", **slow) as process:
        wait_for(lambda: _job(job_id).done >= 2, 90, "the job to be under way")
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    killed = _job(job_id)
    assert killed.state == JobState.RUNNING and killed.attempts == 1
    assert db.session.scalar(select(func.count(JobFile.id))) == 0
    with scheduler(app, tmp_path, "restarted", JOBS_LEASE_SECONDS=2) as process:
        wait_for(lambda: _job(job_id).state == JobState.DONE, 90, "the restarted run")
        time.sleep(1.5)  # another interval: nothing runs it again
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    done = _job(job_id)
    assert done.attempts == 2
    names = db.session.scalars(select(JobFile.name).where(JobFile.job_id == job_id)).all()
    assert sorted(name.rsplit(".", 1)[1] for name in names) == ["csv", "docx", "pdf", "txt", "xlsx"]


def test_two_schedulers_never_run_the_same_job_twice(app, ctx, world, tmp_path):
    admin = db.session.get_one(factories.User, world.users["admin"].id)
    ids = []
    for sort in SORTS:
        for verksamhet_id in (None, world.home.id):
            criteria = BristFilter(scope=scope_for(admin), verksamhet_id=verksamhet_id)
            job = services.start(
                kind=brister_jobs.CSV_EXPORT,
                params=brister_jobs.export_params(criteria, sort),
                user=admin,
                scope=scope_for(admin),
                title=brister_jobs.TITLE,
                title_args={"antal": 2},
            )
            ids.append(job.id)
    db.session.commit()
    assert len(set(ids)) == 14
    pause = {"JOBS_STEP_PAUSE_SECONDS": 0.1}
    with scheduler(app, tmp_path, "a", **pause) as first, scheduler(app, tmp_path, "b", **pause):
        wait_for(
            lambda: all(_job(i).state == JobState.DONE for i in ids), 120, "every job to be done"
        )
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
    assert {_job(i).attempts for i in ids} == {1}
    files = db.session.execute(select(JobFile.job_id, func.count()).group_by(JobFile.job_id)).all()
    assert sorted(files) == sorted((i, 1) for i in ids)
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert "Traceback" not in logs
