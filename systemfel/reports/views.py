"""Pages for the annual report, its exports, the statistics and each myndighet's page."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, gettext
from flask_login import current_user, login_required

from systemfel.access import current_scope, signed_in_user
from systemfel.bounds import whole_number
from systemfel.brister import domain as brister_domain
from systemfel.clock import local_today
from systemfel.errors import ConflictError
from systemfel.extensions import db
from systemfel.followups.domain import PromiseState
from systemfel.formtools import run_on_form, run_verb, show_conflict, submitted_version
from systemfel.jobs import services as job_services
from systemfel.jobs.forms import OrderForm
from systemfel.pdf import render_pdf
from systemfel.reports import documents, domain, jobs, queries, services, summaries, wording
from systemfel.reports.domain import RapportDocument
from systemfel.reports.forms import (
    ExcludeForm,
    IncludeForm,
    MeasureAddForm,
    MeasuresForm,
    RapportTextForm,
    add_measure_form,
    fill_themes,
    measures_form,
    posted_themes,
    text_form,
)
from systemfel.reports.models import Rapport, RapportVersion
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.models import Verksamhet
from systemfel.workdays import calendar_around

blueprint = Blueprint("reports", __name__)

# Posted by the form that shows 6 b's themes and the appendix choice (an unticked box is absent).
THEMES_SHOWN = "teman_visade"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _doc_context(document: RapportDocument) -> dict:
    """What the report templates need beside the document (shared with the roll-up job)."""
    return jobs.doc_context(document)


def _threshold() -> int:
    return int(current_app.config["SMALL_COUNT_THRESHOLD"])


def _generate(ids: frozenset[int], year: int, rapport: Rapport | None):
    """The report of the verksamheter and year as it reads now, with the draft's texts."""
    return services.generate(
        scope=current_scope(),
        verksamhet_ids=ids,
        year=year,
        rapport=rapport,
        threshold=_threshold(),
    )


def _chosen() -> tuple[frozenset[int], int]:
    """The verksamheter and year asked for; a verksamhet outside the user's scope is a 404."""
    scope = current_scope()
    asked = frozenset(request.values.getlist("verksamhet", type=whole_number))
    if not asked and scope.verksamhet_ids is not None and len(scope.verksamhet_ids) == 1:
        asked = scope.verksamhet_ids
    if not scope.covers_all(asked):
        abort(404)
    if asked and len(queries.verksamheter(scope, asked)) != len(asked):
        abort(404)
    year = request.values.get("ar", type=whole_number) or local_today().year
    if not 2000 <= year <= 2100:
        abort(404)
    return asked, year


def _choices() -> list[Verksamhet]:
    return queries.verksamheter_in(current_scope())


def _may_edit() -> bool:
    """May the signed-in user write and freeze reports (the samordnare signs them)?"""
    return current_scope().allows(Operation.EDIT_RAPPORT)


@blueprint.route("/rapport", methods=["GET", "POST"])
@login_required
def rapport():
    """Generate the report for verksamheter and a year; the samordnare edits and freezes it."""
    ids, year = _chosen()
    if request.method == "POST" and not _may_edit():
        abort(403)  # before the report is built: that is the expensive part
    if not ids:
        return render_template("reports/choose.html", choices=_choices(), year=year)
    size = _background_size(ids, year)
    if size is not None:  # a large roll-up: made by a background job, not here
        return _rollup_page(ids, year, size, 200 if request.method == "GET" else 409)
    if request.method == "GET":
        return _rapport_as_saved(ids, year)
    rapport = services.draft_for(current_scope(), ids, year)
    document, entries, rows = _generate_page(ids, year, rapport)
    form = text_form(entries, formdata=request.form, themes=document.themes)
    if not form.validate():
        return _render_rapport(ids, year, rapport, document, entries, rows, 422, form=form)
    outcome = run_on_form(
        form, lambda: _save_draft(form, ids, year, document, entries), conflict_notice=True
    )
    if outcome.ok:
        flash(gettext("Texterna är sparade."), "success")
        return redirect(_rapport_url(ids, year))
    rapport = services.draft_for(current_scope(), ids, year)  # as saved now, beside the refused
    if outcome.conflict is None:
        return _render_rapport(ids, year, rapport, document, entries, rows, 422, form=form)
    _show_theirs(form, rapport, document)
    return _render_rapport(
        ids, year, rapport, document, entries, rows, 409, form=form, conflict=outcome.conflict
    )


def _background_size(ids: frozenset[int], year: int) -> int | None:
    """The brister a roll-up reads when it is too large to make in a request, else None.

    A single verksamhet's report is always made at once (it is the one edited); a roll-up
    over REPORT_JOB_MIN_BRISTER brister is made by a background job.
    """
    if len(ids) < 2:
        return None
    size = queries.report_size(current_scope(), ids, year)
    return size if size > int(current_app.config["REPORT_JOB_MIN_BRISTER"]) else None


def _rollup_page(ids: frozenset[int], year: int, size: int, status: int = 200):
    """A large roll-up: what it covers, the button that orders it, the latest order's state."""
    job = job_services.latest(
        kind=jobs.ROLLUP, params=jobs.rollup_params(ids, year), user=signed_in_user()
    )
    return render_template(
        "reports/rollup.html",
        ids=sorted(ids),
        year=year,
        size=size,
        verksamheter=queries.verksamheter(current_scope(), ids),
        job=job,
        refused=status != 200,
        pdf_max=int(current_app.config["REPORT_JOB_PDF_MAX_BRISTER"]),
    ), status


@blueprint.route("/rapport/sammanstall", methods=["POST"])
@login_required
def start_rollup():
    """Order a large roll-up as a background job (the same order twice gives the same job)."""
    ids, year = _chosen()
    if len(ids) < 2 or not OrderForm().validate_on_submit():
        abort(400)
    job = job_services.start(
        kind=jobs.ROLLUP,
        params=jobs.rollup_params(ids, year),
        user=signed_in_user(),
        scope=current_scope(),
        title=jobs.TITLE,
        title_args={"ar": year, "antal": len(ids)},
    )
    db.session.commit()
    return redirect(url_for("jobs.show", job_id=job.id), code=303)


def _generate_page(ids: frozenset[int], year: int, rapport: Rapport | None):
    """The report as `_generate` builds it, and every measure of 6 c as the edit form shows it."""
    return services.generate_for_editing(
        scope=current_scope(),
        verksamhet_ids=ids,
        year=year,
        rapport=rapport,
        threshold=_threshold(),
    )


def _save_draft(
    form: RapportTextForm,
    ids: frozenset[int],
    year: int,
    document: RapportDocument,
    entries: list,
) -> Rapport:
    """The service call that keeps the posted texts, themes and appendix choice."""
    texts = form.texts()
    teman, appendix = None, None
    if request.form.get(THEMES_SHOWN):  # a form without the 6 b part leaves it alone
        placement, titles, summaries = posted_themes(form, document.themes, entries)
        teman = domain.edit_themes(
            document.themes, entries, placement, titles, summaries, rollup=len(ids) > 1
        )
        appendix = bool(form["appendix"].data)
    return services.save_draft(
        scope=current_scope(),
        verksamhet_ids=ids,
        year=year,
        introduction=texts["introduction"],
        closing=texts["closing"],
        summaries=form.summaries(),
        expected_version=submitted_version(form),
        user=current_user,
        teman=teman,
        appendix=appendix,
    )


def _show_theirs(
    form: RapportTextForm, rapport: Rapport | None, document: RapportDocument | None = None
) -> None:
    """After a refused save on an outdated copy: what is saved now beside each differing text.

    A theme's summary as saved is the one the report shows now (default or edited).
    """
    saved = services.texts_of(rapport)
    shown = bool(request.form.get(THEMES_SHOWN))  # else no theme text was posted
    posted = {n: t for n, t in form.texts().items() if shown or not n.startswith("tema_")}
    if document is not None and shown:
        saved |= {
            services.theme_field(theme.key, "text"): theme.summary for theme in document.themes
        }
    differing = brister_domain.differing({name: "" for name in posted} | saved, posted)
    theirs = {name: saved.get(name, "") for name in differing}
    show_conflict(form, saved_version=rapport.version if rapport else 0, theirs=theirs)


def _rapport_as_saved(
    ids: frozenset[int], year: int, status: int = 200, freeze_refusal: ConflictError | None = None
):
    """The report page with the draft's texts in the form."""
    rapport = services.draft_for(current_scope(), ids, year)
    document, entries, rows = _generate_page(ids, year, rapport)
    return _render_rapport(
        ids, year, rapport, document, entries, rows, status, freeze_refusal=freeze_refusal
    )


def _render_rapport(
    ids: frozenset[int],
    year: int,
    rapport: Rapport | None,
    document: RapportDocument,
    entries: list,
    rows: list[domain.MeasureRow],
    status: int,
    *,
    form: RapportTextForm | None = None,
    conflict: ConflictError | None = None,
    freeze_refusal: ConflictError | None = None,
    exclude_form: ExcludeForm | None = None,
    exclude_conflict: ConflictError | None = None,
    measures: MeasuresForm | None = None,
    add: MeasureAddForm | None = None,
    measures_conflict: ConflictError | None = None,
    add_conflict: ConflictError | None = None,
):
    """The report page: the document, its frozen versions and what changed since, the texts.

    A form not given is shown as the draft is saved now.
    """
    version = rapport.version if rapport else 0
    if form is None:
        form = text_form(entries, themes=document.themes)
        form.fill(services.texts_of(rapport), version)
        fill_themes(form, document.themes, document.appendix)
    if measures is None:
        measures = measures_form(rows)
        measures.version.data = version
    if add is None:
        add = add_measure_form(formdata=None)
        add.version.data = version
    add.verksamhet.choices = [(name, name) for name in document.verksamheter]
    latest = services.latest_version(rapport)
    changes = []
    if latest is not None:
        frozen = domain.document_from_dict(latest.content)
        changes = wording.changes(domain.compare_facts(list(frozen.entries()), entries))
    return render_template(
        "reports/report.html",
        form=form,
        ids=sorted(ids),
        year=year,
        rapport=rapport,
        latest=latest,
        changes=changes,
        can_edit=_may_edit(),
        conflict=conflict,
        freeze_refusal=freeze_refusal,
        exclude_form=exclude_form or _exclude_form(entries, rapport),
        exclude_conflict=exclude_conflict,
        include_version=rapport.version if rapport else 0,
        measure_rows=rows,
        measures_form=measures,
        add_form=add,
        measures_conflict=measures_conflict,
        add_conflict=add_conflict,
        slug=domain.measure_slug,
        **_doc_context(document),
    ), status


def _rapport_url(ids: frozenset[int], year: int, endpoint: str = "reports.rapport", **more) -> str:
    return url_for(endpoint, ar=year, verksamhet=sorted(ids), **more)


# --- 6 b / item 2: leave a brist out of the year's report, take it back ------------------------


def _exclude_form(entries: list, rapport: Rapport | None, formdata=None) -> ExcludeForm:
    """The form to leave one of the report's brister out; its choices are the report's."""
    form = ExcludeForm(formdata=formdata)
    rollup = len({e.verksamhet for e in entries}) > 1  # numbers repeat: name the verksamhet
    form.brist.choices = [
        (e.brist_id, f"{e.verksamhet + ' ' if rollup else ''}{e.nummer} {e.titel}") for e in entries
    ]
    if formdata is None:
        form.version.data = rapport.version if rapport else 0
    return form


@blueprint.route("/rapport/utelamna", methods=["POST"])
@login_required
def exclude():
    """Leave a brist out of the year's report, with a reason; only the samordnare does."""
    ids, year = _chosen()
    if not _may_edit():
        abort(403)
    if not ids:
        abort(404)
    rapport = services.draft_for(current_scope(), ids, year)
    document, entries = _generate(ids, year, rapport)
    form = _exclude_form(entries, rapport, formdata=request.form)
    if not form.validate():
        return _rapport_with_exclude_form(ids, year, form, 422)
    outcome = run_on_form(
        form,
        lambda: services.exclude_brist(
            scope=current_scope(),
            verksamhet_ids=ids,
            year=year,
            brist_id=form.brist.data,
            reason=form.reason.data or "",
            expected_version=submitted_version(form),
            user=current_user,
        ),
        conflict_notice=True,
    )
    if outcome.ok:
        flash(gettext("Bristen är utelämnad ur redovisningen."), "success")
        return redirect(_rapport_url(ids, year) + "#utelamnade")
    status = 409 if outcome.conflict is not None else 422
    return _rapport_with_exclude_form(ids, year, form, status, outcome.conflict)


def _rapport_with_exclude_form(
    ids: frozenset[int],
    year: int,
    form: ExcludeForm | None,
    status: int,
    conflict: ConflictError | None = None,
):
    """The report page as saved, with the refused exclusion kept in its form."""
    rapport = services.draft_for(current_scope(), ids, year)
    document, entries, rows = _generate_page(ids, year, rapport)
    form = form or _exclude_form(entries, rapport)
    if conflict is not None:
        form.version.data = rapport.version if rapport else 0
    return _render_rapport(
        ids,
        year,
        rapport,
        document,
        entries,
        rows,
        status,
        exclude_form=form,
        exclude_conflict=conflict,
    )


@blueprint.route("/rapport/ta-med", methods=["POST"])
@login_required
def include():
    """Take a brist left out back into the year's report."""
    ids, year = _chosen()
    if not _may_edit():
        abort(403)
    form = IncludeForm()
    if not ids or not form.validate_on_submit():
        abort(400)
    outcome = run_verb(
        lambda: services.include_brist(
            scope=current_scope(),
            verksamhet_ids=ids,
            year=year,
            brist_id=form.brist.data,
            expected_version=submitted_version(form),
            user=current_user,
        )
    )
    if outcome.conflict is not None:
        return _rapport_with_exclude_form(ids, year, None, 409, outcome.conflict)
    if not outcome.ok:
        abort(400)  # not left out, or not one of the report's brister
    flash(gettext("Bristen är med i redovisningen igen."), "success")
    return redirect(_rapport_url(ids, year) + "#utelamnade")


# --- 6 c: measures ---------------------------------------------------------------------------


def _editor_choice() -> tuple[frozenset[int], int]:
    """The report asked for, by one who may edit it (before anything is built)."""
    ids, year = _chosen()
    if not _may_edit():
        abort(403)
    if not ids:
        abort(404)
    return ids, year


@blueprint.route("/rapport/atgarder", methods=["POST"])
@login_required
def measures():
    """Keep which measures 6 c lists, their texts and their order."""
    ids, year = _editor_choice()
    rapport = services.draft_for(current_scope(), ids, year)
    document, entries, rows = _generate_page(ids, year, rapport)
    form = measures_form(rows, formdata=request.form)
    if form.validate():
        outcome = run_on_form(
            form, lambda: _save_measures(form, rows, ids, year), conflict_notice=True
        )
        if outcome.ok:
            flash(gettext("Åtgärderna är sparade."), "success")
            return redirect(_rapport_url(ids, year) + "#atgarder")
        if outcome.conflict is not None:
            rapport = services.draft_for(current_scope(), ids, year)
            document, entries, now = _generate_page(ids, year, rapport)
            saved = {row.measure.key: row.measure.text for row in now}
            theirs = {
                f"text_{domain.measure_slug(key)}": saved[key]
                for key, _, text, _ in form.rows((form.keys.data or "").split())
                if key in saved and saved[key] != text.strip()
            }
            show_conflict(form, saved_version=rapport.version if rapport else 0, theirs=theirs)
            return _render_rapport(
                ids, year, rapport, document, entries, rows, 409,
                measures=form, measures_conflict=outcome.conflict,
            )  # fmt: skip
    return _render_rapport(ids, year, rapport, document, entries, rows, 422, measures=form)


def _save_measures(
    form: MeasuresForm, rows: list[domain.MeasureRow], ids: frozenset[int], year: int
) -> Rapport:
    """The service call: the shown measures' choices, texts as edited, in the places asked."""
    drafted = {row.measure.key: row.drafted for row in rows}
    posted = form.rows((form.keys.data or "").split())
    placed = sorted(enumerate(posted), key=lambda item: (item[1][3] or len(posted) + 1, item[0]))
    edits = {
        key: domain.MeasureEdit(include, "" if text.strip() == drafted.get(key) else text)
        for key, include, text, _ in posted
    }
    return services.save_measures(
        scope=current_scope(),
        verksamhet_ids=ids,
        year=year,
        edits=edits,
        order=[key for _, (key, _, _, _) in placed],
        expected_version=submitted_version(form),
        user=current_user,
    )


@blueprint.route("/rapport/atgarder/ny", methods=["POST"])
@login_required
def add_measure():
    """Add a measure the samordnare writes herself."""
    ids, year = _editor_choice()
    form = add_measure_form(formdata=request.form)
    form.verksamhet.choices = [(v.namn, v.namn) for v in queries.verksamheter(current_scope(), ids)]
    conflict = None
    if form.validate():
        outcome = run_on_form(
            form,
            lambda: services.add_measure(
                scope=current_scope(),
                verksamhet_ids=ids,
                year=year,
                on=form.on.data,
                text=form.text.data or "",
                verksamhet=form.verksamhet.data or "",
                expected_version=submitted_version(form),
                user=current_user,
            ),
            conflict_notice=True,
        )
        if outcome.ok:
            flash(gettext("Åtgärden är tillagd."), "success")
            return redirect(_rapport_url(ids, year) + "#atgarder")
        conflict = outcome.conflict
    rapport = services.draft_for(current_scope(), ids, year)
    document, entries, rows = _generate_page(ids, year, rapport)
    if conflict is not None:
        show_conflict(form, saved_version=rapport.version if rapport else 0, theirs={})
    status = 409 if conflict is not None else 422
    return _render_rapport(
        ids, year, rapport, document, entries, rows, status, add=form, add_conflict=conflict
    )


@blueprint.route("/rapport/frys", methods=["POST"])
@login_required
def freeze():
    """Freeze the report as it reads now; only the samordnare does."""
    ids, year = _chosen()
    if not _may_edit():
        abort(403)
    if not ids or not RapportTextForm().validate_on_submit():
        abort(400)
    outcome = run_verb(
        lambda: services.freeze_rapport(
            scope=current_scope(),
            verksamhet_ids=ids,
            year=year,
            user=current_user,
            threshold=_threshold(),
        )
    )
    if outcome.conflict is not None:
        return _rapport_as_saved(ids, year, status=409, freeze_refusal=outcome.conflict)
    if not outcome.ok or outcome.value is None:
        abort(403)  # refused outside the scope: _chosen and _may_edit let nothing through
    version = outcome.value
    flash(gettext("Version %(n)d är fryst.", n=version.number), "success")
    return redirect(url_for("reports.version", version_id=version.id))


def _version_or_404(version_id: int) -> RapportVersion:
    version = db.session.get(RapportVersion, version_id)
    if version is None or not current_scope().covers_all(version.rapport.verksamhet_ids):
        abort(404)
    return version


def _version_line(version: RapportVersion) -> str:
    return gettext(
        "Fryst version %(n)d, %(datum)s, %(vem)s",
        n=version.number,
        datum=local_today(version.frozen_at).isoformat(),  # Stockholm's day, as "per <date>"
        vem=version.frozen_by.namn,
    )


def _frozen_document(version: RapportVersion) -> RapportDocument:
    """A frozen version as it read the day it was frozen, with its version line."""
    return domain.document_from_dict(
        version.content,
        _version_line(version),
        frozen_at=version.frozen_at,
        frozen_on=local_today(version.frozen_at),
    )


@blueprint.route("/rapport/versioner/<int:version_id>")
@login_required
def version(version_id: int):
    """A frozen version, exactly as it was frozen."""
    frozen = _version_or_404(version_id)
    document = _frozen_document(frozen)
    return render_template(
        "reports/version.html",
        version=frozen,
        ids=sorted(frozen.rapport.verksamhet_ids),
        **_doc_context(document),
    )


def _document_for_export() -> tuple[RapportDocument, str]:
    if "version" in request.args:  # a frozen version: one that is not an id is not found
        frozen = _version_or_404(request.args.get("version", 0, type=whole_number))
        stem = f"uppmarksammade-brister-{frozen.rapport.year}-v{frozen.number}"
        return _frozen_document(frozen), stem
    ids, year = _chosen()
    if not ids:
        abort(404)
    if _background_size(ids, year) is not None:  # ordered from the report page instead
        abort(redirect(_rapport_url(ids, year), code=303))
    document, _ = _generate(ids, year, services.draft_for(current_scope(), ids, year))
    return document, f"uppmarksammade-brister-{year}-utkast"


@blueprint.route("/rapport/export.<fmt>")
@login_required
def export(fmt: str):
    """The report as DOCX, PDF, plain text, or its data as CSV or XLSX."""
    document, stem = _document_for_export()
    body: bytes | str
    with force_locale("sv"):
        if fmt == "docx":
            body, mimetype = documents.rapport_docx(document), DOCX
        elif fmt == "txt":
            body, mimetype = documents.rapport_text(document), "text/plain; charset=utf-8"
        elif fmt == "csv":
            body, mimetype = documents.entries_csv(document), "text/csv; charset=utf-8"
        elif fmt == "xlsx":
            body, mimetype = documents.rapport_xlsx(document), XLSX
        elif fmt == "pdf":
            body = render_pdf(
                render_template(
                    "reports/print.html",
                    author=documents.author(document),
                    header=documents.header_line(document),
                    subject=documents.SUBJECT,
                    **_doc_context(document),
                )
            )
            mimetype = "application/pdf"
        else:
            abort(404)
    disposition = f'attachment; filename="{stem}.{fmt}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@blueprint.route("/statistik", endpoint="statistics")
@login_required
def statistics_page():
    """Brister by nivå, myndighet, område and year; closure times; agencies' answers."""
    year = request.args.get("ar", type=whole_number)
    if year is not None and not 2000 <= year <= 2100:
        year = None
    stats, computed_at = summaries.for_page(current_scope(), year)
    years = sorted(stats.years, reverse=True)
    return render_template(
        "reports/statistics.html", stats=stats, year=year, years=years, computed_at=computed_at
    )


# --- Myndigheter ------------------------------------------------------------------------------


@blueprint.route("/myndigheter")
@login_required
def myndigheter():
    """The myndigheter of the reader's verksamheter, each with open requests and brister."""
    return render_template(
        "reports/myndigheter.html", rows=queries.myndigheter_in_scope(current_scope())
    )


@blueprint.route("/myndigheter/<int:myndighet_id>")
@login_required
def myndighet(myndighet_id: int):
    """One myndighet before a meeting with it: requests, answers, promises, brister; printable.

    A myndighet of a verksamhet outside the reader's scope is a plain 404.
    """
    scope = current_scope()
    found = queries.myndighet_in_scope(myndighet_id, scope)
    if found is None:
        abort(404)
    today = local_today()
    page = queries.myndighet_page(found, scope, today, calendar_around(today.year))
    return render_template(
        "reports/myndighet.html", page=page, today=today, PromiseState=PromiseState
    )
