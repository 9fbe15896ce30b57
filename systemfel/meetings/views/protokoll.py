"""Pages for the protokoll: writing it, carrying out its decisions, justering."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from wtforms import Field

from systemfel.access import current_scope
from systemfel.brister.domain import Niva, Utfall
from systemfel.dbtypes import utcnow
from systemfel.errors import ConflictError, DomainError, FieldError
from systemfel.formtools import Outcome, run_verb, show_conflict, submitted_version
from systemfel.meetings import present, services
from systemfel.meetings.domain import (
    DECISION_FIELDS,
    NOT_STARTED,
    Beslut,
    BeslutTyp,
    MotesStatus,
    OrganTyp,
    decision_kinds_at,
    escalation_targets,
    has_started,
    only_fields_of,
    proposed_beslut,
)
from systemfel.meetings.forms import ProtokollForm, PunktProtokollForm, VersionForm
from systemfel.meetings.models import Ledamot, Mote, Punkt
from systemfel.meetings.queries import lage_of, local_date
from systemfel.meetings.views.common import (
    blueprint,
    button_version,
    can_justera,
    can_manage,
    flash_outcome,
    mote_or_404,
)


@blueprint.route("/moten/<int:mote_id>/protokoll", methods=["GET", "POST"])
@login_required
def protokoll(mote_id: int):
    """Write the minutes; saving them as held applies every decision to its brist."""
    mote = mote_or_404(mote_id)
    can_edit = can_manage()
    if request.method == "POST" and not can_edit:
        abort(403)
    if mote.status == MotesStatus.PLANERAT:
        flash(gettext("Fastställ dagordningen innan protokollet skrivs."), "error")
        return redirect(url_for("meetings.mote", mote_id=mote.id))
    if request.method == "POST" and not has_started(mote.starts_at, utcnow()):
        flash(gettext(NOT_STARTED), "error")
        return redirect(url_for("meetings.protokoll", mote_id=mote.id))
    punkter = mote.visible_punkter
    lagen = lage_of(p.brist_id for p in punkter if p.brist_id is not None)
    form = ProtokollForm(data=None if request.method == "POST" else _protokoll_data(mote, lagen))
    _offer_higher_levels(form, punkter, lagen)
    groups = _decision_groups(form, punkter, lagen)
    form.narvarande.choices = [(m.id, f"{m.namn}, {m.organisation}") for m in _members(mote)]
    outcome: Outcome | None = None
    if can_edit and form.validate_on_submit() and "tillbaka" not in request.form:
        if "granska" in request.form:
            # The irreversible step is confirmed on a page of its own that lists it all.
            outcome = _check_protokoll(mote, punkter, form)
            if outcome.ok:
                return _confirmation(mote, punkter, form)
            return _render_protokoll(mote, punkter, form, groups, can_edit, outcome)
        apply = "verkstall" in request.form
        outcome = _save_protokoll(mote, punkter, form, apply)
        if outcome.ok:
            flash(
                gettext("Protokollet är sparat och besluten är verkställda.")
                if apply
                else gettext("Protokollet är sparat."),
                "success",
            )
            return redirect(url_for("meetings.protokoll", mote_id=mote.id))
    return _render_protokoll(mote, punkter, form, groups, can_edit, outcome)


def _render_protokoll(
    mote: Mote,
    punkter: list[Punkt],
    form: ProtokollForm,
    groups: dict[int, list[tuple[BeslutTyp, tuple[str, ...]]]],
    can_edit: bool,
    outcome: Outcome | None,
):
    conflict = outcome.conflict if outcome else None
    started = has_started(mote.starts_at, utcnow())
    refused = _has_errors(form) or (outcome is not None and not outcome.ok)
    return render_template(
        "meetings/minutes.html",
        mote=mote,
        group=mote.ledningsgrupp,
        form=form,
        rows=list(zip(punkter, form.punkter, present.doc_items(mote), strict=False)),
        decision_groups=groups,
        can_edit=can_edit and mote.status != MotesStatus.PROTOKOLL_JUSTERAT and started,
        started=started,
        decisions_open=mote.status == MotesStatus.DAGORDNING_FASTSTALLD,
        can_justera=can_justera(mote),
        action_form=VersionForm(formdata=None, version=mote.version),
        conflict=conflict,
        status_line=present.status_line(mote),
    ), 409 if conflict else 422 if refused else 200


def _written(punkter: list[Punkt], form: ProtokollForm) -> list[services.PunktProtokoll] | None:
    """The posted minutes per punkt, or None when they are for another agenda than this."""
    entries = {entry.form.punkt_id.data: entry.form for entry in form.punkter}
    if sorted(entries) != sorted(str(p.id) for p in punkter):
        return None
    return [_punkt_protokoll(p, entries[str(p.id)]) for p in punkter]


def _check_protokoll(mote: Mote, punkter: list[Punkt], form: ProtokollForm) -> Outcome:
    """Would the minutes be carried out as posted? Refusals land beside their fields."""
    written = _written(punkter, form)
    if written is None:
        error = FieldError(services.DAGORDNING_CHANGED)
        _show_protokoll_errors(form, (error,))
        return Outcome(errors=(error,))
    # A check writes nothing: no commit (which would expire every item and reload each).
    try:
        services.check_protokoll(
            mote=mote,
            protokoll=written,
            expected_version=submitted_version(form),
            scope=current_scope(),
        )
    except ConflictError as conflict:
        outcome: Outcome = Outcome(errors=tuple(conflict.errors), conflict=conflict)
    except DomainError as error:
        outcome = Outcome(errors=tuple(error.errors))
    else:
        outcome = Outcome()
    _show_protokoll_errors(form, outcome.errors)
    return outcome


def _confirmation(mote: Mote, punkter: list[Punkt], form: ProtokollForm):
    """The second step: what will be carried out, and the posted minutes to carry it out."""
    written = _written(punkter, form) or []
    items = present.doc_items(mote)
    chosen = set(form.narvarande.data or [])
    carried = [
        (item.number, item.rubrik, present.beslut_in_words(entry.beslut))
        for entry, item in zip(written, items, strict=False)
        if entry.beslut is not None and not entry.is_deferred and entry.punkt.brist_id
    ]
    deferred = [
        (item.number, item.rubrik)
        for entry, item in zip(written, items, strict=False)
        if entry.is_deferred
    ]
    kept = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in {"csrf_token", "granska", "spara", "verkstall", "tillbaka"}
    ]
    return render_template(
        "meetings/verkstall.html",
        mote=mote,
        group=mote.ledningsgrupp,
        carried=carried,
        deferred=deferred,
        present=[f"{m.namn}, {m.organisation}" for m in _members(mote) if m.id in chosen],
        kept=kept,
    )


def _has_errors(form: ProtokollForm) -> bool:
    """Any error on the form or a punkt's field (the list of punkter keeps no live count)."""
    return bool(form.errors) or any(entry.form.errors for entry in form.punkter)


def _members(mote: Mote) -> list[Ledamot]:
    return mote.ledningsgrupp.ledamoter


def _save_protokoll(mote: Mote, punkter: list[Punkt], form: ProtokollForm, apply: bool) -> Outcome:
    """Save the posted minutes; a refusal lands beside the punkt's field it names.

    After a conflict the form also shows what is saved now, beside each field that differs.
    """
    entries = {entry.form.punkt_id.data: entry.form for entry in form.punkter}
    if sorted(entries) != sorted(str(p.id) for p in punkter):
        # Another agenda than the one shown (items added or removed since): refused like any
        # other input, with the user's text kept to copy.
        error = FieldError(services.DAGORDNING_CHANGED)
        _show_protokoll_errors(form, (error,))
        return Outcome(errors=(error,))
    written = [_punkt_protokoll(p, entries[str(p.id)]) for p in punkter]
    chosen = set(form.narvarande.data or [])
    present_members = [m for m in _members(mote) if m.id in chosen]
    outcome = run_verb(
        lambda: services.save_protokoll(
            mote=mote,
            protokoll=written,
            expected_version=submitted_version(form),
            apply=apply,
            user=current_user,
            scope=current_scope(),
            present=present_members,
        )
    )
    if outcome.conflict is None:
        _show_protokoll_errors(form, outcome.errors)
    else:
        differing = services.differing_protokoll(
            mote=mote, protokoll=written, present=present_members
        )
        words = present.protokoll_in_words(mote)
        fields = {key: _field_of(form, *key) for key in differing}
        theirs = {field.name: words[key] for key, field in fields.items() if field is not None}
        show_conflict(form, saved_version=mote.version, theirs=theirs)
    return outcome


def _offer_higher_levels(
    form: ProtokollForm, punkter: list[Punkt], lagen: dict[int, tuple[Niva, bool]]
) -> None:
    """The "Eskaleras till" list offers only the levels above each brist's nivå now.

    A posted lower level still reaches the service, which refuses it with its own message
    beside the field (the select's own check would answer in WTForms' words).
    """
    brist_of = {str(p.id): p.brist_id for p in punkter}
    for entry in form.punkter:
        field = entry.form.beslut_till_niva
        brist_id = brist_of.get(entry.form.punkt_id.data or "")
        if brist_id is None or brist_id not in lagen:
            continue
        niva = lagen[brist_id][0]
        field.choices = [("", gettext("Välj nivå"))] + [
            (level.value, gettext(level.label)) for level in escalation_targets(niva)
        ]
        field.validate_choice = False


# The form's fields of each kind of decision (domain.DECISION_FIELDS, by the form's names):
# a bevakning's date has a field of its own, so each kind's group is complete in itself.
FORM_FIELDS: dict[BeslutTyp, tuple[str, ...]] = {
    typ: tuple(
        "beslut_bevaka_on" if typ == BeslutTyp.BEVAKA and name == "senast_on" else f"beslut_{name}"
        for name in names
    )
    for typ, names in DECISION_FIELDS.items()
}


def _decision_groups(
    form: ProtokollForm, punkter: list[Punkt], lagen: dict[int, tuple[Niva, bool]]
) -> dict[int, list[tuple[BeslutTyp, tuple[str, ...]]]]:
    """Per punkt, the kinds of decision offered at its brist's nivå, each with its fields.

    The radio offers only those kinds; the page shows each kind's fields in a <details> of
    its own, open for the chosen kind (see minutes.html).
    """
    groups: dict[int, list[tuple[BeslutTyp, tuple[str, ...]]]] = {}
    by_id = {str(p.id): p for p in punkter}
    for entry in form.punkter:
        punkt = by_id.get(entry.form.punkt_id.data or "")
        if punkt is None or punkt.brist_id not in lagen:
            continue
        kinds = decision_kinds_at(lagen[punkt.brist_id][0])
        radio = entry.form.beslut_typ
        radio.choices = [(typ.value, gettext(typ.label)) for typ in kinds]
        radio.validate_choice = False
        groups[punkt.id] = [(typ, FORM_FIELDS[typ]) for typ in kinds if FORM_FIELDS[typ]]
    return groups


def _protokoll_data(mote: Mote, lagen: dict[int, tuple[Niva, bool]]) -> dict:
    mote_on = local_date(mote.starts_at)
    punkter = mote.visible_punkter
    named = {tuple(row) for row in mote.narvarande}
    return {
        "version": mote.version,
        "narvarande": [
            m.id for m in _members(mote) if not named or (m.namn, m.organisation) in named
        ],
        "punkter": [_punkt_data(p, mote_on, lagen) for p in punkter],
    }


def _punkt_data(punkt: Punkt, mote_on: date, lagen: dict[int, tuple[Niva, bool]]) -> dict:
    """What the form shows of a punkt: its notes, and the decision (or the proposed one).

    No decision written yet: the proposal, completed into a decision valid at the brist's
    nivå now (and closed or not: `lagen`; domain.proposed_beslut), so saving it as it stands
    is never refused.
    """
    beslut = _saved_beslut(punkt)
    if beslut is None and punkt.brist_id in lagen:
        niva, is_closed = lagen[punkt.brist_id]
        beslut = proposed_beslut(punkt.forslag, niva, mote_on, is_closed=is_closed)
    return {
        "punkt_id": str(punkt.id),
        "anteckning": punkt.anteckning,
        "is_deferred": punkt.is_deferred,
        "beslut_typ": beslut.typ.value if beslut else None,
        "beslut_text": punkt.beslut_text,
        "beslut_ansvarig": punkt.beslut_ansvarig,
        "beslut_senast_on": beslut.senast_on if beslut and beslut.typ != BeslutTyp.BEVAKA else None,
        "beslut_bevaka_on": beslut.senast_on if beslut and beslut.typ == BeslutTyp.BEVAKA else None,
        "beslut_till_niva": beslut.till_niva.value if beslut and beslut.till_niva else "",
        "beslut_utfall": beslut.utfall.value if beslut and beslut.utfall else "",
        "beslut_organ_typ": punkt.beslut_organ_typ.value if punkt.beslut_organ_typ else "",
        "beslut_organ_namn": punkt.beslut_organ_namn,
    }


def _saved_beslut(punkt: Punkt) -> Beslut | None:
    if punkt.beslut_typ is None:
        return None
    return Beslut(
        typ=punkt.beslut_typ,
        senast_on=punkt.beslut_senast_on,
        till_niva=punkt.beslut_till_niva,
        utfall=punkt.beslut_utfall,
    )


def _punkt_protokoll(punkt: Punkt, entry: PunktProtokollForm) -> services.PunktProtokoll:
    beslut = None
    if punkt.brist_id is not None and entry.beslut_typ.data in set(BeslutTyp):
        typ = BeslutTyp(entry.beslut_typ.data)
        beslut = Beslut(
            typ=typ,
            text=entry.beslut_text.data or "",
            ansvarig=entry.beslut_ansvarig.data or "",
            senast_on=(
                entry.beslut_bevaka_on.data
                if typ == BeslutTyp.BEVAKA
                else entry.beslut_senast_on.data
            ),
            till_niva=Niva(entry.beslut_till_niva.data) if entry.beslut_till_niva.data else None,
            utfall=Utfall(entry.beslut_utfall.data) if entry.beslut_utfall.data else None,
            organ_typ=(
                OrganTyp(entry.beslut_organ_typ.data) if entry.beslut_organ_typ.data else None
            ),
            organ_namn=entry.beslut_organ_namn.data or "",
        )
        beslut = only_fields_of(beslut)
    return services.PunktProtokoll(
        punkt=punkt,
        anteckning=entry.anteckning.data or "",
        is_deferred=bool(entry.is_deferred.data),
        beslut=beslut,
    )


def _field_of(form: ProtokollForm, name: str | None, row: int | None) -> Field | None:
    """The form's field `name`; with `row`, that field of the punkt with that id."""
    if name is None:
        return None
    if row is None:
        return form._fields.get(name)
    entry = next((e.form for e in form.punkter if e.form.punkt_id.data == str(row)), None)
    if entry is None:
        return None
    if name == "beslut_senast_on" and entry.beslut_typ.data == BeslutTyp.BEVAKA:
        name = "beslut_bevaka_on"  # a bevakning's date has its own field
    return entry._fields.get(name)


def _show_protokoll_errors(form: ProtokollForm, errors: tuple[FieldError, ...]) -> None:
    """Show each error beside its field (a punkt's, by row), else at the top of the form.

    The page's summary links to each punkt's field with an error.
    """
    for error in errors:
        message = gettext(error.message)
        field = _field_of(form, error.field, error.row)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


@blueprint.route("/moten/<int:mote_id>/protokoll/justera", methods=["POST"])
@login_required
def justera(mote_id: int):
    """Approve the minutes; they are then locked."""
    mote = mote_or_404(mote_id)
    if not can_justera(mote) and mote.status == MotesStatus.GENOMFORT:
        abort(403)
    version = button_version()
    outcome = run_verb(
        lambda: services.justera(
            mote=mote, user=current_user, expected_version=version, scope=current_scope()
        )
    )
    flash_outcome(outcome, gettext("Protokollet är justerat och låst."))
    return redirect(url_for("meetings.protokoll", mote_id=mote.id))
