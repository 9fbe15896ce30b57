"""Pages for ledningsgrupper and their meetings: agenda, minutes, documents and calendar."""

import hmac
from datetime import datetime

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
from sqlalchemy import select

from systemfel.access import current_scope, requires, scope_of
from systemfel.auth.domain import Role
from systemfel.auth.models import User, user_verksamhet
from systemfel.brister.domain import Niva, Utfall
from systemfel.brister.queries import brist_or_404, find_by_nummer
from systemfel.clock import STOCKHOLM
from systemfel.dbtypes import utcnow
from systemfel.errors import ConflictError, DomainError
from systemfel.extensions import db
from systemfel.formtools import (
    commit_or_refuse,
    commit_or_show,
    show_conflict,
    show_error,
    status_for,
    submitted_version,
)
from systemfel.meetings import documents, present, queries, services
from systemfel.meetings.domain import Beslut, BeslutTyp, GruppTyp, MotesStatus, Sektion
from systemfel.meetings.forms import (
    AddItemForm,
    GroupForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    VersionForm,
)
from systemfel.meetings.models import Ledningsgrupp, Mote, Punkt
from systemfel.notifications.services import enqueue
from systemfel.pdf import render_pdf
from systemfel.verksamheter.models import Verksamhet

blueprint = Blueprint("meetings", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _member_id() -> int | None:
    """A ledningsgrupp login sees only the groups it is a member of."""
    return current_user.id if current_user.role == Role.LEDNINGSGRUPP else None


def _group_or_404(group_id: int) -> Ledningsgrupp:
    group = queries.get_group(group_id, scope_of(current_user), _member_id())
    if group is None:
        abort(404)
    return group


def _meeting_or_404(mote_id: int) -> Mote:
    mote = queries.get_meeting(mote_id, scope_of(current_user), _member_id())
    if mote is None:
        abort(404)
    return mote


def _punkt_or_404(mote: Mote, punkt_id: int) -> Punkt:
    punkt = next((p for p in mote.punkter if p.id == punkt_id), None)
    if punkt is None:
        abort(404)
    return punkt


def _verksamheter_choices() -> list[Verksamhet]:
    query = select(Verksamhet).order_by(Verksamhet.namn)
    scope = scope_of(current_user)
    if scope is not None:
        query = query.where(Verksamhet.id.in_(scope))
    return list(db.session.scalars(query))


# --- Ledningsgrupper -------------------------------------------------------------------------


@blueprint.route("/ledningsgrupper")
@login_required
def groups():
    """The ledningsgrupper over the user's verksamheter."""
    return render_template(
        "meetings/groups.html", groups=queries.groups_for(scope_of(current_user), _member_id())
    )


def _group_fields(form: GroupForm, verksamheter: list[Verksamhet]) -> services.GroupFields:
    chosen = set(form.verksamhet_ids.data or [])
    return services.GroupFields(
        namn=form.namn.data or "",
        typ=GruppTyp(form.typ.data),
        verksamheter=[v for v in verksamheter if v.id in chosen],
        staende_punkter=form.staende_punkter.data or "",
    )


@blueprint.route("/ledningsgrupper/ny", methods=["GET", "POST"])
@requires("can_manage_verksamhet")
def new_group():
    """Create a ledningsgrupp."""
    verksamheter = _verksamheter_choices()
    form = GroupForm()
    form.verksamhet_ids.choices = [(v.id, v.namn) for v in verksamheter]
    if request.method == "GET":
        form.typ.data = GruppTyp.ARBETANDE.value
        form.verksamhet_ids.data = [v.id for v in verksamheter] if len(verksamheter) == 1 else []
    created: list[Ledningsgrupp] = []
    if form.validate_on_submit() and commit_or_show(
        form,
        lambda: created.append(services.create_group(fields=_group_fields(form, verksamheter))),
    ):
        flash(gettext("Ledningsgruppen är skapad. Lägg till ledamöter."), "success")
        return redirect(url_for("meetings.group", group_id=created[0].id))
    return render_template("meetings/group_form.html", form=form, group=None), status_for(form)


@blueprint.route("/ledningsgrupper/<int:group_id>")
@login_required
def group(group_id: int):
    """A group: members, standing items, meetings, the calendar address."""
    group = _group_or_404(group_id)
    return _render_group(group, _member_form(group))


def _member_form(group: Ledningsgrupp) -> MemberForm:
    form = MemberForm()
    in_group = select(user_verksamhet.c.user_id).where(
        user_verksamhet.c.verksamhet_id.in_(group.verksamhet_ids)
    )
    users = db.session.scalars(
        select(User)
        .where(
            User.role == Role.LEDNINGSGRUPP,
            User.is_active_account.is_(True),
            User.id.in_(in_group),
        )
        .order_by(User.namn)
    )
    form.user_id.choices = [("", gettext("Ingen inloggning"))] + [
        (u.id, f"{u.namn} ({u.email})") for u in users
    ]
    return form


def _render_group(group: Ledningsgrupp, member_form: MemberForm, status: int = 200):
    feed = url_for(
        "meetings.calendar_feed", group_id=group.id, token=group.ics_token, _external=True
    )
    return render_template(
        "meetings/group.html",
        group=group,
        meetings=queries.meetings_of(group),
        member_form=member_form,
        action_form=VersionForm(),
        feed_url=feed,
        can_edit=current_user.role.can_manage_verksamhet,
    ), status


@blueprint.route("/ledningsgrupper/<int:group_id>/andra", methods=["GET", "POST"])
@requires("can_manage_verksamhet")
def edit_group(group_id: int):
    """Change a group's name, kind, verksamheter and standing items."""
    group = _group_or_404(group_id)
    verksamheter = _verksamheter_choices()
    form = GroupForm(obj=group if request.method == "GET" else None)
    form.verksamhet_ids.choices = [(v.id, v.namn) for v in verksamheter]
    if request.method == "GET":
        form.verksamhet_ids.data = sorted(group.verksamhet_ids)
        form.version.data = group.version
    if form.validate_on_submit():
        fields = _group_fields(form, verksamheter)
        outside = group.verksamhet_ids - {v.id for v in verksamheter}
        fields.verksamheter.extend(v for v in group.verksamheter if v.id in outside)
        if commit_or_show(
            form,
            lambda: services.update_group(
                group=group, fields=fields, expected_version=submitted_version(form)
            ),
        ):
            flash(gettext("Ledningsgruppen är sparad."), "success")
            return redirect(url_for("meetings.group", group_id=group.id))
    return render_template("meetings/group_form.html", form=form, group=group), status_for(form)


@blueprint.route("/ledningsgrupper/<int:group_id>/ledamoter", methods=["POST"])
@requires("can_manage_verksamhet")
def add_member(group_id: int):
    """Add a member to the group."""
    group = _group_or_404(group_id)
    form = _member_form(group)
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data) if form.user_id.data else None
        if commit_or_show(
            form,
            lambda: services.add_member(
                group=group,
                namn=form.namn.data,
                organisation=form.organisation.data,
                epost=form.epost.data or "",
                user=user,
            ),
        ):
            flash(gettext("Ledamoten är tillagd."), "success")
            return redirect(url_for("meetings.group", group_id=group.id) + "#ledamoter")
    return _render_group(group, form, 422)


@blueprint.route(
    "/ledningsgrupper/<int:group_id>/ledamoter/<int:member_id>/ta-bort", methods=["POST"]
)
@requires("can_manage_verksamhet")
def remove_member(group_id: int, member_id: int):
    """Remove a member from the group."""
    group = _group_or_404(group_id)
    member = next((m for m in group.ledamoter if m.id == member_id), None)
    if member is None or not VersionForm().validate_on_submit():
        abort(404 if member is None else 400)
    services.remove_member(member=member)
    db.session.commit()
    flash(gettext("Ledamoten är borttagen."), "success")
    return redirect(url_for("meetings.group", group_id=group.id) + "#ledamoter")


@blueprint.route("/ledningsgrupper/<int:group_id>/kalenderlank", methods=["POST"])
@requires("can_manage_verksamhet")
def new_calendar_link(group_id: int):
    """Give the calendar feed a new secret address."""
    group = _group_or_404(group_id)
    if not VersionForm().validate_on_submit():
        abort(400)
    services.new_calendar_token(group=group)
    db.session.commit()
    flash(gettext("Kalenderlänken är ny. Den gamla fungerar inte längre."), "success")
    return redirect(url_for("meetings.group", group_id=group.id) + "#kalender")


@blueprint.route("/ledningsgrupper/<int:group_id>/kalender/<token>.ics")
def calendar_feed(group_id: int, token: str):
    """The group's meetings as a calendar to subscribe to; the secret address is the key."""
    group = db.session.get(Ledningsgrupp, group_id)
    if group is None or not hmac.compare_digest(group.ics_token.encode(), token.encode()):
        abort(404)
    with force_locale("sv"):
        events = [
            present.ics_event(mote, url_for("meetings.meeting", mote_id=mote.id, _external=True))
            for mote in queries.meetings_of(group)
        ]
        body = documents.meeting_ics(events, calendar_name=group.namn)
    return Response(
        body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"}
    )


# --- Meetings --------------------------------------------------------------------------------


def _meeting_form(group: Ledningsgrupp, mote: Mote | None) -> MeetingForm:
    form = MeetingForm()
    form.justerare_id.choices = [("", gettext("Välj senare"))] + [
        (m.id, f"{m.namn}, {m.organisation}") for m in group.ledamoter
    ]
    if request.method == "GET" and mote is not None:
        local = mote.starts_at.astimezone(STOCKHOLM)
        form.datum.data, form.starttid.data = local.date(), local.time()
        form.sluttid.data = mote.ends_at.astimezone(STOCKHOLM).time() if mote.ends_at else None
        form.plats.data, form.justerare_id.data = mote.plats, mote.justerare_id
        form.version.data = mote.version
    return form


def _meeting_fields(group: Ledningsgrupp, form: MeetingForm) -> services.MeetingFields:
    starts = datetime.combine(form.datum.data, form.starttid.data, STOCKHOLM)
    ends = (
        datetime.combine(form.datum.data, form.sluttid.data, STOCKHOLM)
        if form.sluttid.data
        else None
    )
    justerare = next((m for m in group.ledamoter if m.id == form.justerare_id.data), None)
    return services.MeetingFields(starts, ends, form.plats.data or "", justerare)


@blueprint.route("/ledningsgrupper/<int:group_id>/moten/nytt", methods=["GET", "POST"])
@requires("can_manage_verksamhet")
def new_meeting(group_id: int):
    """Plan a meeting of the group."""
    group = _group_or_404(group_id)
    form = _meeting_form(group, None)
    created: list[Mote] = []
    if form.validate_on_submit() and commit_or_show(
        form,
        lambda: created.append(
            services.plan_meeting(group=group, fields=_meeting_fields(group, form))
        ),
    ):
        flash(gettext("Mötet är planerat. Föreslå dagordningen när det är dags."), "success")
        return redirect(url_for("meetings.meeting", mote_id=created[0].id))
    return render_template(
        "meetings/meeting_form.html", form=form, group=group, mote=None
    ), status_for(form)


@blueprint.route("/moten/<int:mote_id>/andra", methods=["GET", "POST"])
@requires("can_manage_verksamhet")
def edit_meeting(mote_id: int):
    """Change a meeting's time, place or justerare."""
    mote = _meeting_or_404(mote_id)
    form = _meeting_form(mote.ledningsgrupp, mote)
    if form.validate_on_submit() and commit_or_show(
        form,
        lambda: services.update_meeting(
            mote=mote,
            fields=_meeting_fields(mote.ledningsgrupp, form),
            expected_version=submitted_version(form),
        ),
    ):
        flash(gettext("Mötet är sparat."), "success")
        return redirect(url_for("meetings.meeting", mote_id=mote.id))
    return render_template(
        "meetings/meeting_form.html", form=form, group=mote.ledningsgrupp, mote=mote
    ), status_for(form)


@blueprint.route("/moten/<int:mote_id>")
@login_required
def meeting(mote_id: int):
    """The meeting: its agenda (draft or fastställd) and what can be done next."""
    mote = _meeting_or_404(mote_id)
    return _render_meeting(mote, AddItemForm(formdata=None))


def _render_meeting(mote: Mote, add_form: AddItemForm, status: int = 200):
    add_form.version.data = mote.version
    return render_template(
        "meetings/meeting.html",
        mote=mote,
        group=mote.ledningsgrupp,
        sections=present.sections_of(mote),
        removed=[p for p in mote.punkter if p.is_removed],
        action_form=VersionForm(formdata=None, version=mote.version),
        add_form=add_form,
        can_edit=current_user.role.can_manage_verksamhet,
        can_justera=_can_justera(mote),
        status_line=present.status_line(mote),
        statuses=MotesStatus,
    ), status


def _can_justera(mote: Mote) -> bool:
    own = mote.justerare is not None and mote.justerare.user_id == current_user.id
    return mote.status == MotesStatus.GENOMFORT and (own or current_user.role.can_manage_verksamhet)


def _agenda_action(mote: Mote, action, success: str):
    """Run an agenda button's service call; a refusal or conflict is shown, nothing half-saved."""
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(submitted_version(form))
        db.session.commit()
        flash(success, "success")
    except ConflictError as error:
        db.session.rollback()
        flash(gettext(error.message) + " " + gettext("Sidan visar nu det senaste."), "error")
    except DomainError as error:
        db.session.rollback()
        flash(gettext(error.message), "error")
    return redirect(url_for("meetings.meeting", mote_id=mote.id) + "#dagordning")


@blueprint.route("/moten/<int:mote_id>/dagordning/foresla", methods=["POST"])
@requires("can_manage_verksamhet")
def propose(mote_id: int):
    """Propose the agenda from the rules, or regenerate it keeping manual edits."""
    mote = _meeting_or_404(mote_id)
    return _agenda_action(
        mote,
        lambda version: services.propose_agenda(mote=mote, expected_version=version),
        gettext("Dagordningen är föreslagen. Ändringar du gjort för hand finns kvar."),
    )


@blueprint.route(
    "/moten/<int:mote_id>/dagordning/punkter/<int:punkt_id>/<action>", methods=["POST"]
)
@requires("can_manage_verksamhet")
def item_action(mote_id: int, punkt_id: int, action: str):
    """Move an item up or down, take it off the agenda, or put it back."""
    mote = _meeting_or_404(mote_id)
    punkt = _punkt_or_404(mote, punkt_id)
    verbs = {
        "upp": lambda v: services.move_item(mote=mote, punkt=punkt, step=-1, expected_version=v),
        "ned": lambda v: services.move_item(mote=mote, punkt=punkt, step=1, expected_version=v),
        "ta-bort": lambda v: services.remove_item(mote=mote, punkt=punkt, expected_version=v),
        "aterstall": lambda v: services.restore_item(mote=mote, punkt=punkt, expected_version=v),
    }
    if action not in verbs:
        abort(404)
    return _agenda_action(mote, verbs[action], gettext("Dagordningen är ändrad."))


@blueprint.route("/moten/<int:mote_id>/dagordning/punkter", methods=["POST"])
@requires("can_manage_verksamhet")
def add_item(mote_id: int):
    """Add a free item, or a brist by its number, to the draft agenda."""
    mote = _meeting_or_404(mote_id)
    form = AddItemForm()
    if form.validate_on_submit():
        brist = None
        nummer = (form.brist.data or "").strip().upper()
        if nummer:
            brist = next(
                (b for v in mote.ledningsgrupp.verksamhet_ids if (b := find_by_nummer(nummer, v))),
                None,
            )
            if brist is None:
                form.brist.errors = [
                    gettext("Det finns ingen brist med det numret i gruppens verksamheter.")
                ]
        if not form.errors:
            try:
                services.add_item(
                    mote=mote,
                    rubrik=form.rubrik.data or "",
                    sektion=Sektion(form.sektion.data),
                    brist=brist,
                    expected_version=submitted_version(form),
                    scope=scope_of(current_user),
                )
                db.session.commit()
                flash(gettext("Punkten är tillagd."), "success")
                return redirect(url_for("meetings.meeting", mote_id=mote.id) + "#dagordning")
            except DomainError as error:
                db.session.rollback()
                show_error(form, error)
    return _render_meeting(mote, form, 422)


@blueprint.route("/moten/<int:mote_id>/dagordning/faststall", methods=["POST"])
@requires("can_manage_verksamhet")
def faststall(mote_id: int):
    """Settle the agenda; it is then a record that later changes to brister do not alter."""
    mote = _meeting_or_404(mote_id)
    return _agenda_action(
        mote,
        lambda v: services.faststall_agenda(mote=mote, user=current_user, expected_version=v),
        gettext("Dagordningen är fastställd."),
    )


@blueprint.route("/moten/<int:mote_id>/dagordning/skicka", methods=["POST"])
@requires("can_manage_verksamhet")
def send_agenda(mote_id: int):
    """E-mail the fastställd agenda to the members, with the meeting as a calendar invitation."""
    mote = _meeting_or_404(mote_id)
    if not VersionForm().validate_on_submit():
        abort(400)
    if mote.status == MotesStatus.PLANERAT:
        flash(gettext("Fastställ dagordningen innan den skickas."), "error")
        return redirect(url_for("meetings.meeting", mote_id=mote.id))
    members = [m for m in mote.ledningsgrupp.ledamoter if m.epost]
    if not members:
        flash(gettext("Ingen ledamot har en e-postadress."), "error")
        return redirect(url_for("meetings.meeting", mote_id=mote.id))
    _enqueue_agenda(mote, members)
    mote.agenda_sent_at = utcnow()
    db.session.commit()
    flash(
        gettext("Dagordningen läggs i utkorgen till %(antal)d ledamöter.", antal=len(members)),
        "success",
    )
    return redirect(url_for("meetings.meeting", mote_id=mote.id))


def _enqueue_agenda(mote: Mote, members: list) -> None:
    url = url_for("meetings.meeting", mote_id=mote.id, _external=True)
    with force_locale("sv"):
        doc = present.meeting_doc(mote)
        invitation = documents.meeting_ics(
            [present.ics_event(mote, url, current_app.config["MAIL_FROM"])],
            calendar_name=mote.ledningsgrupp.namn,
            method="REQUEST",
        )
        agenda = documents.agenda_docx(doc)
        when = documents.swedish_datetime_range(doc.starts_at, doc.ends_at)
        for member in members:
            enqueue(
                key=f"agenda:{mote.id}:{mote.ics_sequence}:{member.id}",
                to=[member.epost],
                subject=f"Dagordning: {mote.ledningsgrupp.namn} {when}",
                template="agenda",
                context={"doc": doc, "member": member, "url": url, "when": when},
                attachments=[
                    ("kallelse.ics", "text/calendar; method=REQUEST", invitation),
                    ("dagordning.docx", DOCX, agenda),
                ],
            )


# --- Minutes ---------------------------------------------------------------------------------


@blueprint.route("/moten/<int:mote_id>/protokoll", methods=["GET", "POST"])
@login_required
def minutes(mote_id: int):
    """Write the minutes; saving them as held applies every decision to its brist."""
    mote = _meeting_or_404(mote_id)
    can_edit = current_user.role.can_manage_verksamhet
    if request.method == "POST" and not can_edit:
        abort(403)
    if mote.status == MotesStatus.PLANERAT:
        flash(gettext("Fastställ dagordningen innan protokollet skrivs."), "error")
        return redirect(url_for("meetings.meeting", mote_id=mote.id))
    punkter = mote.visible_punkter
    form = MinutesForm(data=None if request.method == "POST" else _minutes_data(mote))
    members = mote.ledningsgrupp.ledamoter
    form.narvarande.choices = [(m.id, f"{m.namn}, {m.organisation}") for m in members]
    conflict = None
    if can_edit and form.validate_on_submit():
        apply = "verkstall" in request.form
        saved, conflict = _save_minutes(mote, punkter, form, apply)
        if saved:
            flash(
                gettext("Protokollet är sparat och besluten är verkställda.")
                if apply
                else gettext("Protokollet är sparat."),
                "success",
            )
            return redirect(url_for("meetings.minutes", mote_id=mote.id))
    return render_template(
        "meetings/minutes.html",
        mote=mote,
        group=mote.ledningsgrupp,
        form=form,
        rows=list(zip(punkter, form.punkter, present.doc_items(mote), strict=False)),
        can_edit=can_edit and mote.status != MotesStatus.PROTOKOLL_JUSTERAT,
        decisions_open=mote.status == MotesStatus.DAGORDNING_FASTSTALLD,
        can_justera=_can_justera(mote),
        action_form=VersionForm(formdata=None, version=mote.version),
        conflict=conflict,
        status_line=present.status_line(mote),
    ), 409 if conflict else status_for(form)


def _save_minutes(
    mote: Mote, punkter: list[Punkt], form: MinutesForm, apply: bool
) -> tuple[bool, ConflictError | None]:
    """Save the posted minutes; after a conflict the form shows what is saved now."""
    entries = {entry.form.punkt_id.data: entry.form for entry in form.punkter}
    if sorted(entries) != sorted(str(p.id) for p in punkter):
        # Another agenda than the one shown (items added or removed since): refused like any
        # other input, with the user's text kept to copy.
        form.form_errors.append(
            gettext("Dagordningen har ändrats sedan sidan laddades. Ladda om sidan.")
        )
        return False, None
    minutes = [_minute(p, entries[str(p.id)]) for p in punkter]
    chosen = set(form.narvarande.data or [])
    present_members = [m for m in mote.ledningsgrupp.ledamoter if m.id in chosen]
    saved, conflict = commit_or_refuse(
        form,
        lambda: services.save_minutes(
            mote=mote,
            minutes=minutes,
            expected_version=submitted_version(form),
            apply=apply,
            user=current_user,
            scope=scope_of(current_user),
            present=present_members,
        ),
        show=_show_item_error,
    )
    if conflict:
        differing = services.differing_minutes(mote=mote, minutes=minutes, present=present_members)
        words = present.minutes_in_words(mote)
        fields = {key: _field_named(form, key) for key in differing}
        theirs = {field.name: words[key] for key, field in fields.items() if field}
        show_conflict(form, saved_version=mote.version, theirs=theirs)
    return saved, conflict


def _minutes_data(mote: Mote) -> dict:
    named = {tuple(row) for row in mote.narvarande}
    members = mote.ledningsgrupp.ledamoter
    return {
        "version": mote.version,
        "narvarande": [m.id for m in members if not named or (m.namn, m.organisation) in named],
        "punkter": [
            {
                "punkt_id": str(p.id),
                "anteckning": p.anteckning,
                "is_deferred": p.is_deferred,
                "beslut_typ": p.beslut_typ.value
                if p.beslut_typ
                else (p.forslag.value if p.forslag and p.brist_id else None),
                "beslut_text": p.beslut_text,
                "beslut_ansvarig": p.beslut_ansvarig,
                "beslut_senast_on": p.beslut_senast_on,
                "beslut_till_niva": p.beslut_till_niva.value if p.beslut_till_niva else "",
                "beslut_utfall": p.beslut_utfall.value if p.beslut_utfall else "",
            }
            for p in mote.visible_punkter
        ],
    }


def _minute(punkt: Punkt, entry) -> services.Minute:
    beslut = None
    if punkt.brist_id is not None and entry.beslut_typ.data:
        beslut = Beslut(
            typ=BeslutTyp(entry.beslut_typ.data),
            text=entry.beslut_text.data or "",
            ansvarig=entry.beslut_ansvarig.data or "",
            senast_on=entry.beslut_senast_on.data,
            till_niva=Niva(entry.beslut_till_niva.data) if entry.beslut_till_niva.data else None,
            utfall=Utfall(entry.beslut_utfall.data) if entry.beslut_utfall.data else None,
        )
    return services.Minute(
        punkt=punkt,
        anteckning=entry.anteckning.data or "",
        is_deferred=bool(entry.is_deferred.data),
        beslut=beslut,
    )


def _field_named(form: MinutesForm, key: str):
    """The field a service names: "<field>-<punkt id>" is an item's, else one of the form's."""
    name, _, punkt_id = key.rpartition("-")
    for entry in form.punkter:
        if entry.form.punkt_id.data == punkt_id:
            name = {"text": "beslut_text", "typ": "beslut_typ"}.get(name, name)
            return getattr(entry.form, name, None) or getattr(entry.form, f"beslut_{name}", None)
    return getattr(form, key, None) if key else None


def _show_item_error(form: MinutesForm, error: DomainError) -> None:
    """Put an error beside the field it names (an item's too), and in the summary."""
    field = _field_named(form, error.field or "")
    if field is None:
        show_error(form, error)
        return
    field.errors = [*field.errors, gettext(error.message)]
    form.form_errors.append(gettext(error.message))


@blueprint.route("/moten/<int:mote_id>/protokoll/justera", methods=["POST"])
@login_required
def justera(mote_id: int):
    """Approve the minutes; they are then locked."""
    mote = _meeting_or_404(mote_id)
    if not _can_justera(mote) and mote.status == MotesStatus.GENOMFORT:
        abort(403)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.justera(mote=mote, user=current_user, expected_version=submitted_version(form))
        db.session.commit()
        flash(gettext("Protokollet är justerat och låst."), "success")
    except DomainError as error:
        db.session.rollback()
        flash(gettext(error.message), "error")
    return redirect(url_for("meetings.minutes", mote_id=mote.id))


# --- Documents -------------------------------------------------------------------------------


def _filename(mote: Mote, kind: str, ext: str) -> str:
    return f"{kind}-{mote.starts_at.astimezone(STOCKHOLM):%Y-%m-%d}.{ext}"


def _check_kind(mote: Mote, kind: str) -> None:
    if kind not in ("dagordning", "protokoll"):
        abort(404)
    if kind == "protokoll" and mote.status not in queries.HELD:
        abort(404)


@blueprint.route("/moten/<int:mote_id>/<kind>/utskrift")
@login_required
def printable(mote_id: int, kind: str):
    """The agenda or the minutes as a page made for printing."""
    mote = _meeting_or_404(mote_id)
    _check_kind(mote, kind)
    doc = present.meeting_doc(mote)
    return render_template("meetings/print.html", **_print_context(doc, kind, mote))


def _print_context(doc: documents.MeetingDoc, kind: str, mote: Mote) -> dict:
    when = documents.swedish_datetime_range(doc.starts_at, doc.ends_at)
    return {"doc": doc, "kind": kind, "mote": mote, "when": when}


@blueprint.route("/moten/<int:mote_id>/<kind>.<fmt>")
@login_required
def download(mote_id: int, kind: str, fmt: str):
    """The agenda or the minutes as DOCX or PDF, always with Swedish headings."""
    mote = _meeting_or_404(mote_id)
    _check_kind(mote, kind)
    with force_locale("sv"):
        doc = present.meeting_doc(mote)
        if fmt == "docx":
            make = documents.agenda_docx if kind == "dagordning" else documents.minutes_docx
            body, mimetype = make(doc), DOCX
        elif fmt == "pdf":
            html = render_template(
                "meetings/print.html", **_print_context(doc, kind, mote), for_pdf=True
            )
            body, mimetype = render_pdf(html), "application/pdf"
        else:
            abort(404)
    disposition = f'attachment; filename="{_filename(mote, kind, fmt)}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@blueprint.route("/moten/<int:mote_id>/kallelse.ics")
@login_required
def invitation(mote_id: int):
    """The meeting as a calendar file to open in one's calendar."""
    mote = _meeting_or_404(mote_id)
    url = url_for("meetings.meeting", mote_id=mote.id, _external=True)
    with force_locale("sv"):
        body = documents.meeting_ics(
            [present.ics_event(mote, url)], calendar_name=mote.ledningsgrupp.namn
        )
    disposition = f'attachment; filename="{_filename(mote, "mote", "ics")}"'
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": disposition})


# --- Brister marked for the group --------------------------------------------------------------


@blueprint.route("/brister/<int:brist_id>/ledningsgrupp", methods=["POST"])
@requires("can_work_brister")
def mark(brist_id: int):
    """An ombud asks for the brist to be taken up in the ledningsgrupp, or takes it back."""
    brist = brist_or_404(brist_id, current_scope())  # TEMP-MERGE
    if not VersionForm().validate_on_submit():
        abort(400)
    marked = request.form.get("markera") == "ja"
    services.mark_for_group(brist=brist, user=current_user, marked=marked)
    db.session.commit()
    flash(
        gettext("Bristen föreslås till ledningsgruppens nästa dagordning.")
        if marked
        else gettext("Bristen föreslås inte längre till ledningsgruppen."),
        "success",
    )
    return redirect(url_for("brister.detail", brist_id=brist.id))
