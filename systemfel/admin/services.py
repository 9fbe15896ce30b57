"""Verbs on reference data and accounts: verksamheter, myndigheter, områden, users."""

import secrets

from sqlalchemy import func, select

from systemfel.admin import domain
from systemfel.admin.domain import MyndighetTyp
from systemfel.admin.models import Kommun, Myndighet, Omrade, Verksamhet
from systemfel.auth.domain import Role, roles_assignable_by
from systemfel.auth.models import User, new_session_token
from systemfel.auth.services import find_user_by_email, set_password
from systemfel.errors import PermissionDenied, ValidationError
from systemfel.extensions import db
from systemfel.i18n import N_


def create_verksamhet(*, namn: str, kommuner: list[str]) -> Verksamhet:
    """Create a verksamhet with its kommuner and the standard lists of myndigheter and områden."""
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
    *, verksamhet: Verksamhet, namn: str, kommuner: list[str], has_routines: bool | None = None
) -> None:
    """Rename a verksamhet, set its kommuner and whether it has routines for brister."""
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
    existing = {kommun.namn: kommun for kommun in verksamhet.kommuner}
    verksamhet.kommuner = [existing.get(name) or Kommun(namn=name) for name in kommuner]
    db.session.flush()


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


def save_myndighet(
    *,
    verksamhet_id: int,
    namn: str,
    typ: MyndighetTyp,
    epost: list[str],
    is_active: bool,
    myndighet: Myndighet | None = None,
) -> Myndighet:
    """Create or update a myndighet of a verksamhet."""
    _unique_name(Myndighet, verksamhet_id, namn, myndighet.id if myndighet else None)
    if myndighet is None:
        myndighet = Myndighet(verksamhet_id=verksamhet_id)
        db.session.add(myndighet)
    myndighet.namn = namn.strip()
    myndighet.typ = typ
    myndighet.epost = "\n".join(epost)
    myndighet.is_active = is_active
    db.session.flush()
    return myndighet


def save_omrade(
    *, verksamhet_id: int, namn: str, is_active: bool, omrade: Omrade | None = None
) -> Omrade:
    """Create or update an område of a verksamhet."""
    _unique_name(Omrade, verksamhet_id, namn, omrade.id if omrade else None)
    if omrade is None:
        omrade = Omrade(verksamhet_id=verksamhet_id)
        db.session.add(omrade)
    omrade.namn = namn.strip()
    omrade.is_active = is_active
    db.session.flush()
    return omrade


def _check_role(actor_role: Role, role: Role) -> None:
    if role not in roles_assignable_by(actor_role):
        raise PermissionDenied(N_("Du kan inte ge den rollen."), field="role")


def create_user(
    *,
    actor_role: Role,
    email: str,
    namn: str,
    role: Role,
    verksamheter: list[Verksamhet],
    password: str | None = None,
) -> tuple[User, str]:
    """Create an account; return it with its first password (generated when not given)."""
    _check_role(actor_role, role)
    if find_user_by_email(email):
        raise ValidationError(_address_taken(actor_role), field="email")
    if role != Role.ADMIN and not verksamheter:
        raise ValidationError(N_("Välj minst en verksamhet."), field="verksamheter")
    user = User(
        email=email.strip().lower(),
        namn=namn.strip(),
        role=role,
        verksamheter=verksamheter,
        password_hash="!",  # noqa: S106 - not a usable hash; the real one is set just below
        session_token=new_session_token(),
    )
    db.session.add(user)
    password = password or generate_temporary_password()
    set_password(user=user, password=password)
    return user, password


def _address_taken(actor_role: Role) -> str:
    """What to say when the address has an account, whichever verksamhet it is in.

    Only an admin, who sees every verksamhet, is told that it exists; a samordnare would
    otherwise learn who works in a verksamhet they cannot see.
    """
    if actor_role.is_system_wide:
        return N_("Det finns redan ett konto med den e-postadressen.")
    return N_(
        "Den e-postadressen kan inte användas för ett nytt konto. Kontakta "
        "systemadministratören om personen ska ha ett konto här."
    )


def update_user(
    *,
    actor_role: Role,
    user: User,
    namn: str,
    role: Role,
    verksamheter: list[Verksamhet],
    is_active: bool,
) -> None:
    """Change an account's name, role, verksamheter or active flag; deactivating logs out."""
    if user.role not in roles_assignable_by(actor_role):
        raise PermissionDenied(N_("Du kan inte ändra det kontot."))
    _check_role(actor_role, role)
    if role != Role.ADMIN and not verksamheter:
        raise ValidationError(N_("Välj minst en verksamhet."), field="verksamheter")
    if user.is_active_account and not is_active:
        user.session_token = new_session_token()
    user.namn = namn.strip()
    user.role = role
    user.verksamheter = verksamheter
    user.is_active_account = is_active
    db.session.flush()


def reset_password(*, actor_role: Role, user: User) -> str:
    """Give the user a new temporary password and end their sessions; return the password."""
    if user.role not in roles_assignable_by(actor_role):
        raise PermissionDenied(N_("Du kan inte ändra det kontot."))
    password = generate_temporary_password()
    set_password(user=user, password=password)
    return password


def generate_temporary_password() -> str:
    """Return a random password that meets the password rules."""
    return f"{secrets.token_urlsafe(9)}-{secrets.randbelow(90) + 10}"
