"""Pages for background jobs: the user's ordered files, one job's progress, its downloads.

Another user's job is a plain 404, as is a job that has expired; an administrator sees any.
"""

from flask import Blueprint, Response, abort, render_template, stream_with_context
from flask_login import login_required

from systemfel.access import signed_in_user
from systemfel.exports import one_line
from systemfel.jobs import services
from systemfel.jobs.domain import JobState
from systemfel.jobs.models import Job

blueprint = Blueprint("jobs", __name__)

# Seconds between two reloads of a running job's page.
REFRESH_SECONDS = 2


def _job_or_404(job_id: int) -> Job:
    job = services.visible(job_id, signed_in_user())
    if job is None:
        abort(404)
    return job


@blueprint.route("/jobb")
@login_required
def index():
    """Beställda filer: the user's jobs, newest first, with their state."""
    return render_template("jobs/index.html", jobs=services.jobs_of(signed_in_user()))


@blueprint.route("/jobb/<int:job_id>")
@login_required
def show(job_id: int):
    """One job: its progress while it runs (the page reloads itself), then its files."""
    job = _job_or_404(job_id)
    refresh = REFRESH_SECONDS if job.state.is_active else None
    return render_template("jobs/show.html", job=job, refresh=refresh, JobState=JobState)


@blueprint.route("/jobb/<int:job_id>/filer/<int:file_id>")
@login_required
def download(job_id: int, file_id: int):
    """A result file, streamed part by part from the database (any web node serves it)."""
    job = _job_or_404(job_id)
    found = services.job_file(job, file_id) if job.state == JobState.DONE else None
    if found is None:
        abort(404)
    name = one_line(found.name).replace('"', "")
    return Response(
        stream_with_context(services.file_parts(found.id)),
        mimetype=found.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(found.size),
        },
    )
