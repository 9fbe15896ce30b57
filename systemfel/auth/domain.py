"""Roles, what each may do, and the login lockout rule."""

from datetime import datetime, timedelta
from enum import StrEnum

from systemfel.i18n import N_
from systemfel.verksamheter.domain import Operation


class Role(StrEnum):
    """A user's role. Data is always scoped to the user's verksamheter, except for admin."""

    OMBUD = "ombud"
    SAMORDNARE = "samordnare"
    LEDNINGSGRUPP = "ledningsgrupp"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """Return the Swedish name of the role."""
        return ROLE_LABELS[self]

    @property
    def can_work_brister(self) -> bool:
        """Register, edit, observe, escalate and move brister."""
        return self in {Role.OMBUD, Role.SAMORDNARE, Role.ADMIN}

    @property
    def can_close_brister(self) -> bool:
        """Close a brist with an outcome (the verksamhetschef's decision)."""
        return self in {Role.SAMORDNARE, Role.ADMIN}

    @property
    def can_edit_rapport(self) -> bool:
        """Write, freeze and roll up the annual report (the samordnare signs it)."""
        return self in {Role.SAMORDNARE, Role.ADMIN}

    @property
    def can_manage_verksamhet(self) -> bool:
        """Manage users, myndigheter and områden of one's verksamheter."""
        return self in {Role.SAMORDNARE, Role.ADMIN}

    @property
    def is_system_wide(self) -> bool:
        """See and manage every verksamhet."""
        return self == Role.ADMIN

    @property
    def operations(self) -> frozenset[Operation]:
        """What the role may do with the data of the verksamheter it covers."""
        granted = {Operation.SEE}
        if self.can_work_brister:
            granted.add(Operation.WORK_BRISTER)
        if self.can_close_brister:
            granted.add(Operation.CLOSE_BRISTER)
        if self.can_edit_rapport:
            granted.add(Operation.EDIT_RAPPORT)
        if self.can_manage_verksamhet:
            granted.add(Operation.MANAGE_VERKSAMHET)
        return frozenset(granted)


ROLE_LABELS = {
    Role.OMBUD: N_("Personligt ombud"),
    Role.SAMORDNARE: N_("Samordnare / verksamhetschef"),
    Role.LEDNINGSGRUPP: N_("Ledningsgrupp (läsbehörighet)"),
    Role.ADMIN: N_("Systemadministratör"),
}


def roles_assignable_by(role: Role) -> list[Role]:
    """Return the roles a user with `role` may give others: only admin makes admins."""
    if role == Role.ADMIN:
        return list(Role)
    if role == Role.SAMORDNARE:
        return [Role.OMBUD, Role.SAMORDNARE, Role.LEDNINGSGRUPP]
    return []


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Is the account locked at `now`?"""
    return locked_until is not None and now < locked_until


def after_failed_login(
    failures: int, now: datetime, max_failures: int, lockout: timedelta
) -> tuple[int, datetime | None]:
    """Count a failed login; at `max_failures` lock the account and start counting afresh."""
    failures += 1
    if failures >= max_failures:
        return 0, now + lockout
    return failures, None


MIN_PASSWORD_LENGTH = 10


def password_problem(password: str) -> str | None:
    """Return what is wrong with a new password, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("Lösenordet måste ha minst 10 tecken.")
    if password.isdigit() or password.isalpha():
        return N_("Lösenordet måste innehålla både bokstäver och siffror eller andra tecken.")
    return None
