"""Verbs on tenant data: verksamheter, their kommuner, myndigheter and områden."""

from sqlalchemy import func, select

from systemfel.errors import OutOfScope, ValidationError
from systemfel.extensions import db
from systemfel.i18n import N_
from systemfel.privacy.guard import refuse_personnummer
from systemfel.verksamheter import domain
from systemfel.verksamheter.domain import MyndighetTyp, Operation, Sammandrag
from systemfel.verksamheter.models import Kommun, Myndighet, Omrade, Verksamhet
from systemfel.verksamheter.scope import NOT_YOURS, Scope


def create_verksamhet(*, scope: Scope, namn: str, kommuner: list[str]) -> Verksamhet:
    """Create a verksamhet with its kommuner and the standard lists of myndigheter and områden."""
    scope.require_everything()
    namn = namn.strip()
    if db.session.scalar(select(Verksamhet.id).where(func.lower(Verksamhet.namn) == namn.lower())):
        raise ValidationError(N_("Det finns redan en verksamhet med det namnet."), field="namn")
    verksamhet = Verksamhet(namn=namn, kommuner=[Kommun(namn=name) for name in kommuner])
    db.session.add(verksamhet)
    for name, typ in domain.STANDARD_MYNDIGHETER:
        db.session.add(Myndighet(verksamhet=verksamhet, namn=name, typ=typ, epost=""))
    for name in domain.STANDARD_OMRADEN:
        db.session.add(Omrade(verksamhet=verksamhet, namn=name))
    db.session.flush()
    return verksamhet


def update_verksamhet(
    *,
    scope: Scope,
    verksamhet: Verksamhet,
    namn: str,
    kommuner: list[str],
    has_routines: bool | None = None,
    routines_description: str | None = None,
    epost: str | None = None,
) -> None:
    """Rename a verksamhet, set its kommuner, routines for brister and mailbox.

    The mailbox is the Reply-To of its mail and the organizer of its meetings.
    """
    scope.require(Operation.MANAGE_VERKSAMHET, verksamhet.id)
    namn = namn.strip()
    clash = db.session.scalar(
        select(Verksamhet.id).where(
            func.lower(Verksamhet.namn) == namn.lower(), Verksamhet.id != verksamhet.id
        )
    )
    if clash:
        raise ValidationError(N_("Det finns redan en verksamhet med det namnet."), field="namn")
    verksamhet.namn = namn
    if has_routines is not None:
        verksamhet.has_routines = has_routines
    if routines_description is not None:
        refuse_personnummer(routines_description=routines_description)
        verksamhet.routines_description = " ".join(routines_description.split())
    if epost is not None:
        verksamhet.epost = _mailbox(epost)
    existing = {kommun.namn: kommun for kommun in verksamhet.kommuner}
    verksamhet.kommuner = [existing.get(name) or Kommun(namn=name) for name in kommuner]
    db.session.flush()


def _mailbox(epost: str) -> str:
    """One address, as typed without spaces; refused (next to the field) when it is none."""
    address = epost.strip()
    if address and (domain.invalid_addresses([address]) or len(address) > 254):
        raise ValidationError(N_("Ange en e-postadress, till exempel po@kommun.se."), field="epost")
    return address


def _unique_name(
    model: type[Myndighet] | type[Omrade], verksamhet_id: int, namn: str, own_id: int | None
) -> None:
    clash = db.session.scalar(
        select(model.id).where(
            model.verksamhet_id == verksamhet_id,
            func.lower(model.namn) == namn.strip().lower(),
            model.id != (own_id or 0),
        )
    )
    if clash:
        raise ValidationError(N_("Namnet finns redan i listan."), field="namn")


def _require_list_of(scope: Scope, verksamhet_id: int, entry: Myndighet | Omrade | None) -> None:
    """Refuse unless the actor manages the verksamhet and an existing entry is one of its own."""
    scope.require(Operation.MANAGE_VERKSAMHET, verksamhet_id)
    if entry is not None and entry.verksamhet_id != verksamhet_id:
        raise OutOfScope(NOT_YOURS)


def save_myndighet(
    *,
    scope: Scope,
    verksamhet_id: int,
    namn: str,
    typ: MyndighetTyp,
    epost: list[str],
    is_active: bool,
    sammandrag: Sammandrag | None = None,
    myndighet: Myndighet | None = None,
) -> Myndighet:
    """Create or update a myndighet of a verksamhet (and how often it gets a letter, if given)."""
    _require_list_of(scope, verksamhet_id, myndighet)
    _unique_name(Myndighet, verksamhet_id, namn, myndighet.id if myndighet else None)
    if myndighet is None:
        myndighet = Myndighet(verksamhet_id=verksamhet_id)
        db.session.add(myndighet)
    myndighet.namn = namn.strip()
    myndighet.typ = typ
    myndighet.epost = "\n".join(epost)
    myndighet.is_active = is_active
    if sammandrag is not None:
        myndighet.sammandrag = sammandrag
    db.session.flush()
    return myndighet


def save_omrade(
    *,
    scope: Scope,
    verksamhet_id: int,
    namn: str,
    is_active: bool,
    omrade: Omrade | None = None,
) -> Omrade:
    """Create or update an område of a verksamhet."""
    _require_list_of(scope, verksamhet_id, omrade)
    _unique_name(Omrade, verksamhet_id, namn, omrade.id if omrade else None)
    if omrade is None:
        omrade = Omrade(verksamhet_id=verksamhet_id)
        db.session.add(omrade)
    omrade.namn = namn.strip()
    omrade.is_active = is_active
    db.session.flush()
    return omrade
