"""Pages for meetings and their dagordning: plan, propose, edit items, fastställ, send."""

from collections.abc import Callable
from datetime import datetime

from babel.lists import format_list
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, ngettext
from flask_login import current_user, login_required

from systemfel.access import current_scope, requires
from systemfel.brister.models import Brist
from systemfel.brister.queries import brist_or_404, find_by_nummer
from systemfel.clock import STOCKHOLM
from systemfel.formtools import run_on_form, run_verb, status_for, submitted_version
from systemfel.meetings import present, services
from systemfel.meetings.domain import MotesStatus, Sektion, agenda_reach
from systemfel.meetings.forms import AddPunktForm, MoteForm, VersionForm
from systemfel.meetings.models import Ledningsgrupp, Mote
from systemfel.meetings.views.common import (
    blueprint,
    button_version,
    can_justera,
    can_manage,
    flash_outcome,
    group_or_404,
    mote_or_404,
    punkt_or_404,
)
from systemfel.notifications.links import public_url
from systemfel.verksamheter.domain import Operation


def _mote_form(group: Ledningsgrupp, mote: Mote | None) -> MoteForm:
    form = MoteForm()
    form.justerare_id.choices = [("", gettext("Välj senare"))] + [
        (m.id, f"{m.namn}, {m.organisation}") for m in group.ledamoter
    ]
    form.ordforande_id.choices = list(form.justerare_id.choices)
    form.sekreterare_id.choices = list(form.justerare_id.choices)
    if request.method == "GET" and mote is not None:
        # Stored as names: the member of that name is the one chosen.
        by_name = {m.namn: m.id for m in group.ledamoter}
        form.ordforande_id.data = by_name.get(mote.ordforande_namn)
        form.sekreterare_id.data = by_name.get(mote.sekreterare_namn)
        local = mote.starts_at.astimezone(STOCKHOLM)
        form.datum.data, form.starttid.data = local.date(), local.time()
        form.sluttid.data = mote.ends_at.astimezone(STOCKHOLM).time() if mote.ends_at else None
        form.plats.data, form.justerare_id.data = mote.plats, mote.justerare_id
        form.version.data = mote.version
    return form


def _mote_fields(group: Ledningsgrupp, form: MoteForm) -> services.MoteFields:
    starts = datetime.combine(form.datum.data, form.starttid.data, STOCKHOLM)
    ends = (
        datetime.combine(form.datum.data, form.sluttid.data, STOCKHOLM)
        if form.sluttid.data
        else None
    )
    members = {m.id: m for m in group.ledamoter}
    return services.MoteFields(
        starts,
        ends,
        form.plats.data or "",
        members.get(form.justerare_id.data),
        ordforande=members.get(form.ordforande_id.data),
        sekreterare=members.get(form.sekreterare_id.data),
    )


@blueprint.route("/ledningsgrupper/<int:group_id>/moten/nytt", methods=["GET", "POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def new_mote(group_id: int):
    """Plan a meeting of the group."""
    group = group_or_404(group_id)
    form = _mote_form(group, None)
    if form.validate_on_submit():
        fields = _mote_fields(group, form)
        outcome = run_on_form(
            form, lambda: services.plan_mote(group=group, fields=fields, scope=current_scope())
        )
        if outcome.ok and outcome.value is not None:
            flash(gettext("Mötet är planerat. Föreslå dagordningen när det är dags."), "success")
            return redirect(url_for("meetings.mote", mote_id=outcome.value.id))
    return render_template(
        "meetings/meeting_form.html", form=form, group=group, mote=None
    ), status_for(form)


@blueprint.route("/moten/<int:mote_id>/andra", methods=["GET", "POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def edit_mote(mote_id: int):
    """Change a meeting's time, place or justerare."""
    mote = mote_or_404(mote_id)
    form = _mote_form(mote.ledningsgrupp, mote)
    if form.validate_on_submit():
        fields = _mote_fields(mote.ledningsgrupp, form)
        outcome = run_on_form(
            form,
            lambda: services.update_mote(
                mote=mote,
                fields=fields,
                expected_version=submitted_version(form),
                scope=current_scope(),
            ),
        )
        if outcome.ok:
            flash(gettext("Mötet är sparat."), "success")
            return redirect(url_for("meetings.mote", mote_id=mote.id))
    return render_template(
        "meetings/meeting_form.html", form=form, group=mote.ledningsgrupp, mote=mote
    ), status_for(form)


@blueprint.route("/moten/<int:mote_id>/stall-in", methods=["GET", "POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def cancel_mote(mote_id: int):
    """Call the meeting off, on a second step: what it does is said before it is done."""
    mote = mote_or_404(mote_id)
    form = VersionForm()
    if request.method == "GET":
        form.version.data = mote.version
    if form.validate_on_submit():
        url = public_url("meetings.mote", mote_id=mote.id)
        outcome = run_on_form(
            form,
            lambda: services.cancel_mote(
                mote=mote,
                url=url,
                expected_version=submitted_version(form),
                scope=current_scope(),
                user=current_user,
            ),
        )
        if outcome.ok:
            flash(gettext("Mötet är inställt."), "success")
            return redirect(url_for("meetings.mote", mote_id=mote.id))
    return render_template(
        "meetings/cancel.html",
        form=form,
        mote=mote,
        group=mote.ledningsgrupp,
        tells=bool(mote.agenda_sent_at),
    ), status_for(form)


@blueprint.route("/moten/<int:mote_id>")
@login_required
def mote(mote_id: int):
    """The meeting: its agenda (draft or fastställd) and what can be done next."""
    mote = mote_or_404(mote_id)
    return _render_mote(mote, AddPunktForm(formdata=None))


def _render_mote(mote: Mote, add_form: AddPunktForm, status: int = 200):
    add_form.version.data = mote.version
    return render_template(
        "meetings/meeting.html",
        mote=mote,
        group=mote.ledningsgrupp,
        sections=present.sections_of(mote),
        removed=[p for p in mote.punkter if p.is_removed],
        action_form=VersionForm(formdata=None, version=mote.version),
        add_form=add_form,
        can_edit=can_manage(),
        can_justera=can_justera(mote),
        status_line=present.status_line(mote),
        statuses=MotesStatus,
        update_due=services.was_sent_before_change(mote),
        reach_sentence=_reach_sentence(mote),
    ), status


def _reach_sentence(mote: Mote) -> str:
    """The line before sending: "… till 1 av 4 ledamöter; X, Y och Z saknar e-post."."""
    reach = agenda_reach([(m.namn, m.epost) for m in mote.ledningsgrupp.ledamoter])
    if reach.total == 0:
        return gettext("Gruppen har inga ledamöter att skicka dagordningen till.")
    sentence = ngettext(
        "Dagordningen skickas till %(reached)d av %(num)d ledamot",
        "Dagordningen skickas till %(reached)d av %(num)d ledamöter",
        reach.total,
        reached=reach.reached,
    )
    if not reach.missing:
        return sentence + "."
    names = format_list(list(reach.missing), locale=get_locale())
    return sentence + "; " + gettext("%(names)s saknar e-post.", names=names)


def _dagordning_button(mote: Mote, verb: Callable[[int], object], success: str):
    """Run an agenda button's verb at the version the page showed; say how it went."""
    version = button_version()
    outcome = run_verb(lambda: verb(version))
    flash_outcome(outcome, success, after_conflict=gettext("Sidan visar nu det senaste."))
    return redirect(url_for("meetings.mote", mote_id=mote.id) + "#dagordning")


@blueprint.route("/moten/<int:mote_id>/dagordning/foresla", methods=["POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def propose(mote_id: int):
    """Propose the agenda from the rules, or regenerate it keeping manual edits."""
    mote = mote_or_404(mote_id)
    return _dagordning_button(
        mote,
        lambda v: services.propose_dagordning(mote=mote, expected_version=v, scope=current_scope()),
        gettext("Dagordningen är föreslagen. Ändringar du gjort för hand finns kvar."),
    )


@blueprint.route(
    "/moten/<int:mote_id>/dagordning/punkter/<int:punkt_id>/<action>", methods=["POST"]
)
@requires(Operation.MANAGE_VERKSAMHET)
def punkt_action(mote_id: int, punkt_id: int, action: str):
    """Move an item up or down, take it off the agenda, or put it back."""
    mote = mote_or_404(mote_id)
    punkt = punkt_or_404(mote, punkt_id)
    scope = current_scope()
    verbs: dict[str, Callable[[int], object]] = {
        "upp": lambda v: services.move_punkt(
            mote=mote, punkt=punkt, step=-1, expected_version=v, scope=scope
        ),
        "ned": lambda v: services.move_punkt(
            mote=mote, punkt=punkt, step=1, expected_version=v, scope=scope
        ),
        "ta-bort": lambda v: services.remove_punkt(
            mote=mote, punkt=punkt, expected_version=v, scope=scope
        ),
        "aterstall": lambda v: services.restore_punkt(
            mote=mote, punkt=punkt, expected_version=v, scope=scope
        ),
    }
    if action not in verbs:
        abort(404)
    return _dagordning_button(mote, verbs[action], gettext("Dagordningen är ändrad."))


def _brist_numbered(mote: Mote, form: AddPunktForm) -> Brist | None:
    """The brist the form names by number, among the group's verksamheter the user sees."""
    nummer = (form.brist.data or "").strip().upper()
    if not nummer:
        return None
    scope = current_scope()
    seen = sorted(v for v in mote.ledningsgrupp.verksamhet_ids if scope.covers(v))
    brist = next((b for v in seen if (b := find_by_nummer(nummer, v))), None)
    if brist is None:
        form.brist.errors = [gettext(services.NO_SUCH_BRIST)]
    return brist


@blueprint.route("/moten/<int:mote_id>/dagordning/punkter", methods=["POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def add_punkt(mote_id: int):
    """Add a free item, or a brist by its number, to the draft agenda."""
    mote = mote_or_404(mote_id)
    form = AddPunktForm()
    if form.validate_on_submit():
        brist = _brist_numbered(mote, form)
        if not form.errors:
            outcome = run_on_form(
                form,
                lambda: services.add_punkt(
                    mote=mote,
                    rubrik=form.rubrik.data or "",
                    sektion=Sektion(form.sektion.data),
                    brist=brist,
                    expected_version=submitted_version(form),
                    scope=current_scope(),
                ),
            )
            if outcome.ok:
                flash(gettext("Punkten är tillagd."), "success")
                return redirect(url_for("meetings.mote", mote_id=mote.id) + "#dagordning")
    return _render_mote(mote, form, 422)


@blueprint.route("/moten/<int:mote_id>/dagordning/faststall", methods=["POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def faststall(mote_id: int):
    """Settle the agenda; it is then a record that later changes to brister do not alter."""
    mote = mote_or_404(mote_id)
    return _dagordning_button(
        mote,
        lambda v: services.faststall_dagordning(
            mote=mote, user=current_user, expected_version=v, scope=current_scope()
        ),
        gettext("Dagordningen är fastställd."),
    )


@blueprint.route("/moten/<int:mote_id>/dagordning/skicka", methods=["POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def send_dagordning(mote_id: int):
    """E-mail the fastställd agenda to the members, with the meeting as a calendar invitation."""
    mote = mote_or_404(mote_id)
    button_version()
    url = public_url("meetings.mote", mote_id=mote.id)
    outcome = run_verb(
        lambda: services.send_dagordning(
            mote=mote, url=url, scope=current_scope(), user=current_user
        )
    )
    flash_outcome(
        outcome,
        ngettext(
            "Dagordningen läggs i utkorgen till %(num)d ledamot.",
            "Dagordningen läggs i utkorgen till %(num)d ledamöter.",
            outcome.value or 0,
        ),
    )
    return redirect(url_for("meetings.mote", mote_id=mote.id))


@blueprint.route("/brister/<int:brist_id>/ledningsgrupp", methods=["POST"])
@requires(Operation.WORK_BRISTER)
def mark(brist_id: int):
    """An ombud asks for the brist to be taken up in the ledningsgrupp, or takes it back."""
    brist = brist_or_404(brist_id, current_scope())
    button_version()
    marked = request.form.get("markera") == "ja"
    outcome = run_verb(
        lambda: services.mark_for_group(
            brist=brist, user=current_user, marked=marked, scope=current_scope()
        )
    )
    flash_outcome(
        outcome,
        gettext("Bristen föreslås till ledningsgruppens nästa dagordning.")
        if marked
        else gettext("Bristen föreslås inte längre till ledningsgruppen."),
    )
    return redirect(url_for("brister.detail", brist_id=brist.id))
