"""Background jobs from the pages: a large roll-up and a large export are ordered, followed
and downloaded; the same order twice is one job; another user's job is a plain 404."""

import csv
import io
import re

import docx
import pytest
from sqlalchemy import func, select

from systemfel.extensions import db
from systemfel.jobs.domain import FAILED, JobState
from systemfel.jobs.models import Job
from systemfel.scheduler import KINDS, run_background_jobs
from tests.sql import count_statements

YEAR = 2026


@pytest.fixture
def small_thresholds(app, monkeypatch):
    """Every roll-up and every export of more than one row goes to a background job."""
    monkeypatch.setitem(app.config, "REPORT_JOB_MIN_BRISTER", 1)
    monkeypatch.setitem(app.config, "EXPORT_JOB_MIN_ROWS", 1)


def _rollup(world) -> str:
    return f"ar={YEAR}&verksamhet={world.home.id}&verksamhet={world.other.id}"


def _run_jobs(app) -> int:
    with app.app_context():
        done = run_background_jobs()
        db.session.remove()
    return done


def _jobs(app) -> list[Job]:
    with app.app_context():
        jobs = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        db.session.remove()
    return jobs


def test_a_large_roll_up_is_ordered_followed_and_downloaded(app, login, world, small_thresholds):
    admin = login("admin")
    page = admin.get(f"/rapport?{_rollup(world)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sammanställ" in text and world.brist.titel not in text  # no document built here
    ordered = admin.post(f"/rapport/sammanstall?{_rollup(world)}")
    assert ordered.status_code == 303
    job_url = ordered.headers["Location"]
    waiting = admin.get(job_url).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in waiting
    assert "<progress" in waiting and "Väntar" in waiting
    again = admin.post(f"/rapport/sammanstall?{_rollup(world)}")
    assert again.headers["Location"] == job_url  # the same order while it waits: one job
    assert _run_jobs(app) == 1
    done = admin.get(job_url).get_data(as_text=True)
    assert "http-equiv" not in done and "Klar" in done
    links = re.findall(r'href="(/jobb/\d+/filer/\d+)"', done)
    names = re.findall(r"download>([^<]+)</a>", done)
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["csv", "docx", "pdf", "txt", "xlsx"]
    word = admin.get(links[names.index(f"uppmarksammade-brister-{YEAR}-utkast.docx")])
    assert word.status_code == 200
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs)
    assert "PO Hemma" in body and "PO Borta" in body
    listed = admin.get("/jobb").get_data(as_text=True)
    assert job_url in listed


def test_the_parts_of_a_large_file_come_back_in_order(app, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_JOB_MIN_BRISTER", 1)
    monkeypatch.setitem(app.config, "JOBS_FILE_PART_BYTES", 100)  # every file in many parts
    admin = login("admin")
    job_url = admin.post(f"/rapport/sammanstall?{_rollup(world)}").headers["Location"]
    _run_jobs(app)
    done = admin.get(job_url).get_data(as_text=True)
    link = re.search(r'href="(/jobb/\d+/filer/\d+)"[^>]*download>[^<]+\.csv<', done).group(1)
    response = admin.get(link)
    assert int(response.headers["Content-Length"]) == len(response.data) > 100
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    cells = {cell for row in rows[1:] for cell in row}
    assert {world.brist.titel, world.other_brist.titel, "PO Hemma", "PO Borta"} <= cells


@pytest.mark.parametrize("who", ["other_samordnare", "samordnare", "ombud"])
def test_another_users_job_and_its_files_are_not_found(app, login, world, small_thresholds, who):
    admin = login("admin")
    job_url = admin.post(f"/rapport/sammanstall?{_rollup(world)}").headers["Location"]
    _run_jobs(app)
    link = re.search(r'href="(/jobb/\d+/filer/\d+)"', admin.get(job_url).get_data(as_text=True))
    other = login(who)
    assert other.get(job_url).status_code == 404
    assert other.get(link.group(1)).status_code == 404
    assert job_url not in other.get("/jobb").get_data(as_text=True)


def test_an_administrator_sees_anyones_job(app, login, world, small_thresholds):
    ombud = login("ombud")
    ordered = ombud.post("/brister.csv?status=")
    assert ordered.status_code == 303
    assert login("admin").get(ordered.headers["Location"]).status_code == 200


def test_a_roll_up_below_the_threshold_is_made_at_once(login, world):
    page = login("admin").get(f"/rapport?{_rollup(world)}")
    assert page.status_code == 200
    assert world.brist.titel in page.get_data(as_text=True)  # built in the request, as before


def test_the_export_of_a_large_selection_is_a_job_with_the_same_rows(
    app, login, world, small_thresholds, monkeypatch
):
    admin = login("admin")
    page = admin.get("/brister.csv")
    assert page.status_code == 200 and "Beställ filen" in page.get_data(as_text=True)
    job_url = admin.post("/brister.csv").headers["Location"]
    _run_jobs(app)
    done = admin.get(job_url).get_data(as_text=True)
    link = re.search(r'href="(/jobb/\d+/filer/\d+)"', done).group(1)
    from_job = admin.get(link).data.decode("utf-8-sig")
    monkeypatch.setitem(app.config, "EXPORT_JOB_MIN_ROWS", 5000)
    streamed = admin.get("/brister.csv")
    assert streamed.mimetype == "text/csv"
    assert from_job == streamed.data.decode("utf-8-sig")


def test_the_export_job_keeps_the_filters(app, login, world, small_thresholds):
    admin = login("admin")
    admin.post(f"/brister.csv?verksamhet={world.home.id}&sort=rubrik")
    _run_jobs(app)
    (job,) = _jobs(app)
    assert job.params["verksamhet_id"] == world.home.id and job.params["sort"] == "rubrik"
    assert job.state == JobState.DONE and job.title_args == {"antal": 1}


def test_a_failed_job_shows_a_swedish_message_not_a_trace(
    app, login, world, small_thresholds, monkeypatch
):
    def broken(run):
        raise RuntimeError("Traceback: secret internals")

    monkeypatch.setitem(KINDS, "rapport", broken)
    admin = login("admin")
    job_url = admin.post(f"/rapport/sammanstall?{_rollup(world)}").headers["Location"]
    _run_jobs(app)
    text = admin.get(job_url).get_data(as_text=True)
    assert "Misslyckades" in admin.get("/jobb").get_data(as_text=True)
    assert "Det gick inte att ta fram filen" in text and "secret internals" not in text
    (job,) = _jobs(app)
    assert job.state == JobState.FAILED and job.error == FAILED


def test_the_job_page_reads_a_constant_number_of_statements(app, login, world, small_thresholds):
    admin = login("admin")
    job_url = admin.post(f"/rapport/sammanstall?{_rollup(world)}").headers["Location"]
    _run_jobs(app)
    with count_statements(app) as counted:
        assert admin.get(job_url).status_code == 200
    assert counted["n"] <= 6


def test_orders_need_the_form_token(app, login, world, small_thresholds):
    admin = login("admin")
    refused = admin.http.post(f"/rapport/sammanstall?{_rollup(world)}", data={})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Job.id))) == 0
        db.session.remove()


def test_a_roll_up_too_large_for_a_pdf_is_made_without_one(app, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_JOB_MIN_BRISTER", 1)
    monkeypatch.setitem(app.config, "REPORT_JOB_PDF_MAX_BRISTER", 1)
    admin = login("admin")
    assert "för stor för en PDF-fil" in admin.get(f"/rapport?{_rollup(world)}").get_data(
        as_text=True
    )
    job_url = admin.post(f"/rapport/sammanstall?{_rollup(world)}").headers["Location"]
    _run_jobs(app)
    names = re.findall(r"download>([^<]+)</a>", admin.get(job_url).get_data(as_text=True))
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["csv", "docx", "txt", "xlsx"]
