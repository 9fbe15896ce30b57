"""Pages for brister: the list, export, registering, the detail page and working a brist."""

from typing import TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from systemfel import once
from systemfel.access import current_scope, requires, signed_in_user
from systemfel.bounds import whole_number
from systemfel.brister import events, history, jobs, queries, services
from systemfel.brister.domain import Change, Niva, Status, Utfall, allowed_moves, next_level
from systemfel.brister.forms import (
    STATUS_CHOICES,
    STATUS_FILTER_OPEN,
    BristForm,
    CloseForm,
    EscalateForm,
    FilterForm,
    NewBristForm,
    ObservationForm,
    ReopenForm,
    StatusForm,
)
from systemfel.brister.models import Brist
from systemfel.clock import local_today
from systemfel.errors import ConflictError
from systemfel.extensions import db
from systemfel.formtools import (
    run_on_form,
    show_conflict,
    status_for,
    submitted_version,
)
from systemfel.i18n import N_
from systemfel.jobs import services as job_services
from systemfel.jobs.forms import OrderForm
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.models import Verksamhet
from systemfel.verksamheter.scope import Scope

T = TypeVar("T")

blueprint = Blueprint("brister", __name__)
# History is rendered when read, in the reader's language (also in conflict notices elsewhere).
blueprint.add_app_template_global(history.lines, "history_lines")
blueprint.add_app_template_global(history.title, "history_title")
blueprint.add_app_template_global(history.happened, "history_happened")


@blueprint.app_context_processor
def niva_help() -> dict:
    """Kunskapsguiden's definitions, shown wherever a level is chosen."""
    return {"niva_help": {niva.value: gettext(niva.help) for niva in Niva}}


def _read_filters() -> tuple[FilterForm, queries.BristFilter, str, int]:
    """Read the list's filters from the query string; invalid values are shown and ignored."""
    scope = current_scope()
    verksamheter = _verksamheter_for(scope)
    chosen = request.args.get("verksamhet", type=whole_number)
    chosen = chosen if chosen in {v.id for v in verksamheter} else None
    choices = _filter_choices(chosen, verksamheter, scope)
    form = FilterForm(request.args)
    anything = [("", gettext("Alla"))]
    form.status.choices = STATUS_CHOICES
    form.niva.choices = anything + [(n.value, gettext(n.label)) for n in Niva]
    form.sort.choices = [(key, gettext(label)) for key, label in SORT_LABELS.items()]
    form.verksamhet.choices = anything + [(v.id, v.namn) for v in verksamheter]
    form.myndighet.choices = anything + choices.myndigheter
    form.omrade.choices = anything + choices.omraden
    form.ansvarig.choices = anything + choices.users
    form.validate()

    def valid(field):
        return None if field.errors or field.data in ("", None) else field.data

    status = valid(form.status)
    criteria = queries.BristFilter(
        scope=scope,
        status=Status(status) if status and status != STATUS_FILTER_OPEN else None,
        is_open=True if status == STATUS_FILTER_OPEN else None,
        niva=Niva(valid(form.niva)) if valid(form.niva) else None,
        myndighet_id=valid(form.myndighet),
        omrade_id=valid(form.omrade),
        ansvarig_id=valid(form.ansvarig),
        year=valid(form.year),
        verksamhet_id=chosen,
        text=valid(form.q) or "",
    )
    page = request.args.get("sida", type=whole_number) or 1
    return form, criteria, valid(form.sort) or queries.DEFAULT_SORT, max(page, 1)


SORT_LABELS = {
    "nummer": N_("Nyast först"),
    "aldst": N_("Äldst först"),
    "rubrik": N_("Rubrik"),
    "niva": N_("Nivå"),
    "status": N_("Status"),
    "observerad": N_("Först observerad, senaste först"),
    "uppdaterad": N_("Senast ändrad först"),
}


def _filter_choices(
    chosen: int | None, verksamheter: list[Verksamhet], scope: Scope
) -> queries.FilterChoices:
    """The myndigheter, områden and staff the filters offer: those of one verksamhet.

    Every verksamhet has its own rows (15 myndigheter, 9 områden, its staff), so over several
    the names repeat and over the whole country they run into thousands of options. A user
    who sees several chooses a verksamhet first; until then only the values the query string
    names (a link from another page) are offered, so such a link still filters.
    """
    if chosen is None and len(verksamheter) == 1:
        chosen = verksamheter[0].id
    if chosen is not None:
        return queries.filter_choices(frozenset({chosen}))
    return queries.filter_choices(
        scope.verksamhet_ids,
        only=queries.ChosenIds(
            myndighet_id=request.args.get("myndighet", type=whole_number),
            omrade_id=request.args.get("omrade", type=whole_number),
            user_id=request.args.get("ansvarig", type=whole_number),
        ),
    )


def _verksamheter_for(scope: Scope) -> list[Verksamhet]:
    """The verksamheter in `scope` by name; a user's own are loaded with the user already."""
    if scope.is_everything:
        return list(db.session.scalars(select(Verksamhet).order_by(Verksamhet.namn)))
    return [verksamhet for verksamhet in current_user.verksamheter if scope.covers(verksamhet.id)]


@blueprint.route("/brister")
@login_required
def list_brister():
    """The filtered, sorted, paginated list of brister."""
    form, criteria, sort, page = _read_filters()
    result = queries.list_brister(criteria, sort, page, current_app.config["PAGE_SIZE"])
    if result.is_beyond_end:
        abort(404)  # a page after the last (an old link, a hand-written URL)
    args = {key: value for key, value in request.args.items() if key != "sida"}
    several = len(form.verksamhet.choices) > 2  # "Alla" and more than one
    return render_template(
        "brister/list.html",
        form=form,
        result=result,
        args=args,
        count_limit=queries.COUNT_LIMIT,
        choose_verksamhet_first=several and criteria.verksamhet_id is None,
    )


@blueprint.route("/brister.csv")
@login_required
def export_csv():
    """The filtered list as CSV for Excel; small client counts are suppressed, as in the report.

    A selection over EXPORT_JOB_MIN_ROWS is not written in the request: the page offers to
    order the file as a background job instead.
    """
    _form, criteria, sort, _page = _read_filters()
    limit = int(current_app.config["EXPORT_JOB_MIN_ROWS"])
    rows = queries.count_matching(criteria, limit=limit)
    if rows > limit:
        params = jobs.export_params(criteria, sort)
        return render_template(
            "brister/export_job.html",
            limit=limit,
            job=job_services.latest(kind=jobs.CSV_EXPORT, params=params, user=signed_in_user()),
        )
    lines = jobs.csv_lines(criteria, sort, current_app.config["SMALL_COUNT_THRESHOLD"])
    filename = f"brister-{local_today().isoformat()}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blueprint.route("/brister.csv", methods=["POST"])
@login_required
def order_csv():
    """Order the CSV file of a large selection as a background job; show its progress."""
    if not OrderForm().validate_on_submit():
        abort(400)
    _form, criteria, sort, _page = _read_filters()
    total = queries.count_matching(criteria)
    job = job_services.start(
        kind=jobs.CSV_EXPORT,
        params=jobs.export_params(criteria, sort),
        user=signed_in_user(),
        scope=current_scope(),
        title=jobs.TITLE,
        title_args={"antal": total},
    )
    db.session.commit()
    return redirect(url_for("jobs.show", job_id=job.id), code=303)


def _fill_choices(form: BristForm, verksamhet_id: int, brist: Brist | None = None) -> None:
    """Offer the verksamhet's active lists, keeping values an existing brist already has."""
    choices = queries.choices_for(frozenset({verksamhet_id}))
    kept_myndigheter = (
        {brist.myndighet_id, *(m.id for m in brist.other_myndigheter)} if brist else set()
    )
    myndigheter = [m for m in choices["myndigheter"] if m.is_active or m.id in kept_myndigheter]
    form.myndighet_id.choices = [("", gettext("Välj myndighet"))] + [
        (m.id, m.namn) for m in myndigheter
    ]
    form.other_myndighet_ids.choices = [(m.id, m.namn) for m in myndigheter]
    omraden = [o for o in choices["omraden"] if o.is_active or (brist and o.id == brist.omrade_id)]
    form.omrade_id.choices = [("", gettext("Välj område"))] + [(o.id, o.namn) for o in omraden]
    staff = [
        u
        for u in choices["users"]
        if (u.is_active_account and u.role.can_work_brister)
        or (brist and u.id == brist.ansvarig_id)
    ]
    form.ansvarig_id.choices = [("", gettext("Välj ansvarig"))] + [(u.id, u.namn) for u in staff]


def _fields(form: BristForm) -> services.BristFields:
    return services.BristFields(
        titel=form.titel.data or "",
        beskrivning=form.beskrivning.data or "",
        niva=Niva(form.niva.data),
        myndighet_id=form.myndighet_id.data,
        other_myndighet_ids=list(form.other_myndighet_ids.data or []),
        omrade_id=form.omrade_id.data,
        first_observed_on=form.first_observed_on.data,
        antal_klienter=form.antal_klienter.data,
        konsekvenser=form.konsekvenser.data or "",
        forslag_atgard=form.forslag_atgard.data or "",
        ansvarig_id=form.ansvarig_id.data,
    )


@blueprint.route("/brister/ny", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def register():
    """Register a new brist; with several verksamheter, choose which one first."""
    verksamheter = _verksamheter_for(current_scope())
    chosen = request.args.get("verksamhet", type=whole_number)
    if len(verksamheter) == 1:
        chosen = verksamheter[0].id
    verksamhet = next((v for v in verksamheter if v.id == chosen), None)
    if verksamhet is None:
        if chosen is not None:
            abort(404)
        return render_template("brister/choose_verksamhet.html", verksamheter=verksamheter)
    form = NewBristForm()
    _fill_choices(form, verksamhet.id)
    if request.method == "GET":
        form.first_observed_on.data = local_today()
        form.antal_klienter.data = 1
        if verksamhet.id in current_user.verksamhet_ids:
            form.ansvarig_id.data = current_user.id
    if form.validate_on_submit():
        if earlier := once.claim(form, current_user.id):
            return earlier
        outcome = run_on_form(
            form,
            lambda: services.register_brist(
                verksamhet=verksamhet,
                user=current_user,
                scope=current_scope(),
                fields=_fields(form),
                prefix=current_app.config["BRIST_NUMBER_PREFIX"],
            ),
        )
        if outcome.ok and (brist := outcome.value) is not None:
            flash(gettext("Bristen %(nummer)s är registrerad.", nummer=brist.nummer), "success")
            return once.saved(form, url_for("brister.detail", brist_id=brist.id))
        once.release(form)
    return render_template(
        "brister/form.html", form=form, verksamhet=verksamhet, brist=None
    ), status_for(form)


@blueprint.route("/brister/<int:brist_id>")
@login_required
def detail(brist_id: int):
    """Everything about one brist, with its observations and full history."""
    brist = queries.brist_or_404(brist_id, current_scope())
    return render_template(
        "brister/detail.html",
        brist=brist,
        totals=queries.totals_of(brist),
        merged_here=queries.merged_here(brist),
        can_work=current_user.role.can_work_brister,
        can_close=current_user.role.can_close_brister,
        moves=allowed_moves(brist.status),
        next_niva=next_level(brist.niva),
        today=local_today(),
        **events.page_context(brist, current_scope()),
    )


@blueprint.route("/brister/<int:brist_id>/redigera", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def edit(brist_id: int):
    """Edit a brist; a save on an outdated copy is refused and shows what changed."""
    brist = queries.brist_or_404(brist_id, current_scope())
    if brist.is_closed and request.method == "GET":  # a post keeps its input and says why
        flash(gettext("En stängd brist kan inte ändras. Öppna den igen först."), "error")
        return redirect(url_for("brister.detail", brist_id=brist.id))
    form = BristForm(obj=brist if request.method == "GET" else None)
    _fill_choices(form, brist.verksamhet_id, brist)
    if request.method == "GET":
        form.niva.data = brist.niva.value
        form.other_myndighet_ids.data = [m.id for m in brist.other_myndigheter]
        form.version.data = str(brist.version)
    conflict = None
    if form.validate_on_submit():
        changes, conflict = _save_edit(form, brist)
        if changes is not None:
            message = gettext("Ändringarna är sparade.") if changes else gettext("Inget ändrades.")
            flash(message, "success")
            return redirect(url_for("brister.detail", brist_id=brist.id))
    status = 409 if conflict else status_for(form)
    return render_template(
        "brister/form.html",
        form=form,
        verksamhet=brist.verksamhet,
        brist=brist,
        conflict=conflict,
    ), status


def _save_edit(form: BristForm, brist: Brist) -> tuple[list[Change] | None, ConflictError | None]:
    """Save the posted edit: (changes, None) when saved, else (None, the conflict if any).

    After a conflict the form shows, beside each field the user filled in differently, the
    value saved now.
    """
    fields = _fields(form)
    outcome = run_on_form(
        form,
        lambda: services.update_brist(
            brist=brist,
            user=current_user,
            scope=current_scope(),
            fields=fields,
            expected_version=submitted_version(form),
        ),
        conflict_notice=True,
    )
    if outcome.conflict:
        shown = services.snapshot(brist)
        theirs = {name: shown[name] for name in services.differing_fields(brist, fields)}
        show_conflict(form, saved_version=brist.version, theirs=theirs)
    return (outcome.value if outcome.ok else None), outcome.conflict


def _action_page(template: str, brist: Brist, form, conflict=None, status=None, **context):
    code = status or (409 if conflict else status_for(form))
    return render_template(template, brist=brist, form=form, conflict=conflict, **context), code


def _apply(form, brist: Brist, action, success: str):
    """Run a service for a posted form and commit.

    Returns (redirect, None) when done, (None, conflict) when someone else changed the brist
    first, and (None, None) when the service refused the values (shown beside the fields).
    """
    outcome = run_on_form(form, action, conflict_notice=True)
    if outcome.conflict:
        form.version.data = str(outcome.conflict.current_version)
    if not outcome.ok:
        return None, outcome.conflict
    flash(success, "success")
    return redirect(url_for("brister.detail", brist_id=brist.id)), None


@blueprint.route("/brister/<int:brist_id>/observation", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def observe(brist_id: int):
    """Record that the flaw was seen again."""
    brist = queries.brist_or_404(brist_id, current_scope())
    form = ObservationForm()
    if request.method == "GET":
        form.observed_on.data = local_today()
        form.antal_klienter.data = 1
    if form.validate_on_submit():
        if earlier := once.claim(form, current_user.id):
            return earlier
        done, conflict = _apply(
            form,
            brist,
            lambda: services.add_observation(
                brist=brist,
                user=current_user,
                scope=current_scope(),
                observed_on=form.observed_on.data,
                antal_klienter=form.antal_klienter.data,
                anteckning=form.anteckning.data or "",
            ),
            gettext("Observationen är sparad."),
        )
        if done:
            return once.saved(form, done.location)
        once.release(form)
    return _action_page("brister/observe.html", brist, form)


@blueprint.route("/brister/<int:brist_id>/eskalera", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def escalate(brist_id: int):
    """Escalate a brist to a higher level, with a reason."""
    brist = queries.brist_or_404(brist_id, current_scope())
    form = EscalateForm()
    higher = list(Niva)[list(Niva).index(brist.niva) + 1 :]
    form.niva.choices = [(n.value, gettext(n.label)) for n in higher]
    if request.method == "GET":
        form.version.data = str(brist.version)
        form.niva.data = higher[0].value if higher else None
    conflict = None
    if form.validate_on_submit():
        done, conflict = _apply(
            form,
            brist,
            lambda: services.escalate_brist(
                brist=brist,
                user=current_user,
                scope=current_scope(),
                to_niva=Niva(form.niva.data),
                reason=form.reason.data,
                expected_version=submitted_version(form),
            ),
            gettext("Bristen är eskalerad."),
        )
        if done:
            return done
    return _action_page("brister/escalate.html", brist, form, conflict, higher=higher)


@blueprint.route("/brister/<int:brist_id>/status", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def change_status(brist_id: int):
    """Move an open brist to another status."""
    brist = queries.brist_or_404(brist_id, current_scope())
    form = StatusForm()
    form.status.choices = [(s.value, gettext(s.label)) for s in sorted(allowed_moves(brist.status))]
    if request.method == "GET":
        form.version.data = str(brist.version)
    conflict = None
    if form.validate_on_submit():
        done, conflict = _apply(
            form,
            brist,
            lambda: services.move_brist(
                brist=brist,
                user=current_user,
                scope=current_scope(),
                to_status=Status(form.status.data),
                comment=form.comment.data or "",
                expected_version=submitted_version(form),
            ),
            gettext("Statusen är ändrad."),
        )
        if done:
            return done
    return _action_page("brister/status.html", brist, form, conflict)


@blueprint.route("/brister/<int:brist_id>/stang", methods=["GET", "POST"])
@requires(Operation.CLOSE_BRISTER)
def close(brist_id: int):
    """Close a brist with an outcome (samordnare)."""
    brist = queries.brist_or_404(brist_id, current_scope())
    form = CloseForm()
    if request.method == "GET":
        form.version.data = str(brist.version)
    conflict = None
    if form.validate_on_submit():
        merged_into = None
        if form.merged_into.data:
            merged_into = queries.find_by_nummer(form.merged_into.data, brist.verksamhet_id)
            if merged_into is None:
                form.merged_into.errors.append(gettext("Det finns ingen brist med det numret."))
                return _action_page("brister/close.html", brist, form)
        done, conflict = _apply(
            form,
            brist,
            lambda: services.close_brist(
                brist=brist,
                user=current_user,
                scope=current_scope(),
                utfall=Utfall(form.utfall.data),
                merged_into=merged_into,
                comment=form.comment.data or "",
                expected_version=submitted_version(form),
            ),
            gettext("Bristen är stängd."),
        )
        if done:
            return done
    return _action_page("brister/close.html", brist, form, conflict)


@blueprint.route("/brister/<int:brist_id>/oppna-igen", methods=["GET", "POST"])
@requires(Operation.WORK_BRISTER)
def reopen(brist_id: int):
    """Open a closed brist again; it keeps its history."""
    brist = queries.brist_or_404(brist_id, current_scope())
    form = ReopenForm()
    if request.method == "GET":
        form.version.data = str(brist.version)
    conflict = None
    if form.validate_on_submit():
        done, conflict = _apply(
            form,
            brist,
            lambda: services.reopen_brist(
                brist=brist,
                user=current_user,
                scope=current_scope(),
                reason=form.reason.data,
                expected_version=submitted_version(form),
            ),
            gettext("Bristen är öppnad igen."),
        )
        if done:
            return done
    return _action_page("brister/reopen.html", brist, form, conflict)
