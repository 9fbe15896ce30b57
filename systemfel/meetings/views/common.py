"""The meetings blueprint and what its pages share: loading what the user may see, buttons."""

from flask import Blueprint, abort, flash
from flask_babel import gettext
from flask_login import current_user

from systemfel.access import current_scope
from systemfel.formtools import Outcome, submitted_version
from systemfel.meetings import queries
from systemfel.meetings.domain import MotesStatus
from systemfel.meetings.forms import VersionForm
from systemfel.meetings.models import Ledningsgrupp, Mote, Punkt
from systemfel.verksamheter.domain import Operation

blueprint = Blueprint("meetings", __name__)


def group_or_404(group_id: int) -> Ledningsgrupp:
    """Return the group if the user's scope sees it; else a plain 404."""
    group = queries.get_group(group_id, scope=current_scope())
    if group is None:
        abort(404)
    return group


def mote_or_404(mote_id: int) -> Mote:
    """Return the meeting if the user's scope sees its group; else a plain 404."""
    mote = queries.get_mote(mote_id, scope=current_scope())
    if mote is None:
        abort(404)
    return mote


def punkt_or_404(mote: Mote, punkt_id: int) -> Punkt:
    """Return the meeting's punkt with this id; else a plain 404."""
    punkt = next((p for p in mote.punkter if p.id == punkt_id), None)
    if punkt is None:
        abort(404)
    return punkt


def can_manage() -> bool:
    """May the user plan meetings, edit agendas and write minutes?"""
    return current_scope().allows(Operation.MANAGE_VERKSAMHET)


def can_justera(mote: Mote) -> bool:
    """May the user approve the minutes now: the chosen justerare, or a samordnare?"""
    own = mote.justerare is not None and mote.justerare.user_id == current_user.id
    return mote.status == MotesStatus.GENOMFORT and (own or can_manage())


def button_version() -> int:
    """The version a posted button carries; a button without a valid form is a 400."""
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    return submitted_version(form)


def flash_outcome(outcome: Outcome, success: str, *, after_conflict: str = "") -> None:
    """Say what a button's verb did: `success`, or each reason it was refused."""
    if outcome.ok:
        flash(success, "success")
        return
    for error in outcome.errors:
        message = gettext(error.message)
        if outcome.conflict is not None and after_conflict:
            message = f"{message} {after_conflict}"
        flash(message, "error")
