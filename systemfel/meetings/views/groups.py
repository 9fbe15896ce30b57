"""Pages for ledningsgrupper: the list, a group, its members and its calendar feed."""

import hmac

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_login import login_required

from systemfel.access import current_scope, requires
from systemfel.auth.models import User
from systemfel.extensions import db
from systemfel.formtools import run_on_form, run_verb, status_for, submitted_version
from systemfel.meetings import documents, present, queries, services
from systemfel.meetings.domain import GruppTyp
from systemfel.meetings.forms import GroupForm, MemberForm, VersionForm
from systemfel.meetings.models import Ledningsgrupp
from systemfel.meetings.views.common import (
    blueprint,
    button_version,
    can_manage,
    flash_outcome,
    group_or_404,
)
from systemfel.notifications.links import public_url
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.models import Verksamhet


@blueprint.route("/ledningsgrupper")
@login_required
def groups():
    """The ledningsgrupper over the user's verksamheter."""
    return render_template("meetings/groups.html", groups=queries.groups_for(scope=current_scope()))


def _group_form(verksamheter: list[Verksamhet], group: Ledningsgrupp | None) -> GroupForm:
    form = GroupForm(obj=group if request.method == "GET" else None)
    form.verksamhet_ids.choices = [(v.id, v.namn) for v in verksamheter]
    return form


def _group_fields(form: GroupForm, verksamheter: list[Verksamhet]) -> services.GroupFields:
    chosen = set(form.verksamhet_ids.data or [])
    return services.GroupFields(
        namn=form.namn.data or "",
        typ=GruppTyp(form.typ.data),
        verksamheter=[v for v in verksamheter if v.id in chosen],
        staende_punkter=form.staende_punkter.data or "",
    )


@blueprint.route("/ledningsgrupper/ny", methods=["GET", "POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def new_group():
    """Create a ledningsgrupp."""
    verksamheter = queries.verksamheter_in(current_scope())
    form = _group_form(verksamheter, None)
    if request.method == "GET":
        form.typ.data = GruppTyp.ARBETANDE.value
        form.verksamhet_ids.data = [v.id for v in verksamheter] if len(verksamheter) == 1 else []
    if form.validate_on_submit():
        fields = _group_fields(form, verksamheter)
        outcome = run_on_form(
            form, lambda: services.create_group(fields=fields, scope=current_scope())
        )
        if outcome.ok and outcome.value is not None:
            flash(gettext("Ledningsgruppen är skapad. Lägg till ledamöter."), "success")
            return redirect(url_for("meetings.group", group_id=outcome.value.id))
    return render_template("meetings/group_form.html", form=form, group=None), status_for(form)


@blueprint.route("/ledningsgrupper/<int:group_id>")
@login_required
def group(group_id: int):
    """A group: members, standing items, meetings, the calendar address."""
    group = group_or_404(group_id)
    return _render_group(group, _member_form(group))


def _member_form(group: Ledningsgrupp) -> MemberForm:
    form = MemberForm()
    form.user_id.choices = [("", gettext("Ingen inloggning"))] + [
        (u.id, f"{u.namn} ({u.email})") for u in queries.member_logins(group)
    ]
    return form


def _render_group(group: Ledningsgrupp, member_form: MemberForm, status: int = 200):
    feed = public_url("meetings.calendar_feed", group_id=group.id, token=group.ics_token)
    return render_template(
        "meetings/group.html",
        group=group,
        moten=queries.moten_of(group),
        member_form=member_form,
        action_form=VersionForm(),
        feed_url=feed,
        can_edit=can_manage(),
    ), status


@blueprint.route("/ledningsgrupper/<int:group_id>/andra", methods=["GET", "POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def edit_group(group_id: int):
    """Change a group's name, kind, verksamheter and standing items."""
    group = group_or_404(group_id)
    verksamheter = queries.verksamheter_in(current_scope())
    form = _group_form(verksamheter, group)
    if request.method == "GET":
        form.verksamhet_ids.data = sorted(group.verksamhet_ids)
        form.version.data = group.version
    if form.validate_on_submit():
        fields = _group_fields(form, verksamheter)
        outcome = run_on_form(
            form,
            lambda: services.update_group(
                group=group,
                fields=fields,
                expected_version=submitted_version(form),
                scope=current_scope(),
            ),
        )
        if outcome.ok:
            flash(gettext("Ledningsgruppen är sparad."), "success")
            return redirect(url_for("meetings.group", group_id=group.id))
    return render_template("meetings/group_form.html", form=form, group=group), status_for(form)


@blueprint.route("/ledningsgrupper/<int:group_id>/ledamoter", methods=["POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def add_member(group_id: int):
    """Add a member to the group."""
    group = group_or_404(group_id)
    form = _member_form(group)
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data) if form.user_id.data else None
        outcome = run_on_form(
            form,
            lambda: services.add_member(
                group=group,
                namn=form.namn.data or "",
                organisation=form.organisation.data or "",
                epost=form.epost.data or "",
                user=user,
                scope=current_scope(),
            ),
        )
        if outcome.ok:
            flash(gettext("Ledamoten är tillagd."), "success")
            return redirect(url_for("meetings.group", group_id=group.id) + "#ledamoter")
    return _render_group(group, form, 422)


@blueprint.route(
    "/ledningsgrupper/<int:group_id>/ledamoter/<int:member_id>/ta-bort", methods=["POST"]
)
@requires(Operation.MANAGE_VERKSAMHET)
def remove_member(group_id: int, member_id: int):
    """Remove a member from the group."""
    group = group_or_404(group_id)
    member = next((m for m in group.ledamoter if m.id == member_id), None)
    if member is None:
        abort(404)
    button_version()
    outcome = run_verb(lambda: services.remove_member(member=member, scope=current_scope()))
    flash_outcome(outcome, gettext("Ledamoten är borttagen."))
    return redirect(url_for("meetings.group", group_id=group.id) + "#ledamoter")


@blueprint.route("/ledningsgrupper/<int:group_id>/kalenderlank", methods=["POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def new_calendar_link(group_id: int):
    """Give the calendar feed a new secret address."""
    group = group_or_404(group_id)
    button_version()
    outcome = run_verb(lambda: services.new_calendar_token(group=group, scope=current_scope()))
    flash_outcome(outcome, gettext("Kalenderlänken är ny. Den gamla fungerar inte längre."))
    return redirect(url_for("meetings.group", group_id=group.id) + "#kalender")


@blueprint.route("/ledningsgrupper/<int:group_id>/kalender/<token>.ics")
def calendar_feed(group_id: int, token: str):
    """The group's meetings as a calendar to subscribe to; the secret address is the key."""
    group = db.session.get(Ledningsgrupp, group_id)
    if group is None or not hmac.compare_digest(group.ics_token.encode(), token.encode()):
        abort(404)
    with force_locale("sv"):
        events = [
            present.ics_event(mote, public_url("meetings.mote", mote_id=mote.id))
            for mote in queries.moten_of(group)
        ]
        body = documents.mote_ics(events, calendar_name=group.namn)
    return Response(
        body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"}
    )
