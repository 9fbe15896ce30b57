"""Roles, what each may do, and the login lockout rule."""

from datetime import datetime, timedelta

import pytest

from systemfel.auth.domain import (
    MIN_PASSWORD_LENGTH,
    Role,
    after_failed_login,
    is_locked,
    password_problem,
    roles_assignable_by,
)

# role: (can_work_brister, can_close_brister, can_edit_rapport, can_manage_verksamhet,
#        is_system_wide)
PERMISSIONS = {
    Role.OMBUD: (True, False, False, False, False),
    Role.SAMORDNARE: (True, True, True, True, False),
    Role.LEDNINGSGRUPP: (False, False, False, False, False),
    Role.ADMIN: (True, True, True, True, True),
}
PROPERTIES = [
    "can_work_brister",
    "can_close_brister",
    "can_edit_rapport",
    "can_manage_verksamhet",
    "is_system_wide",
]

NOW = datetime(2026, 3, 10, 9, 30)
LOCKOUT = timedelta(minutes=15)


def test_permission_table_covers_every_role():
    assert set(PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("index", range(len(PROPERTIES)), ids=PROPERTIES)
def test_role_permissions(role, index):
    assert getattr(role, PROPERTIES[index]) is PERMISSIONS[role][index]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_label(role):
    assert role.label
    assert role.label != role.value


@pytest.mark.parametrize(
    ("role", "assignable"),
    [
        (Role.ADMIN, [Role.OMBUD, Role.SAMORDNARE, Role.LEDNINGSGRUPP, Role.ADMIN]),
        (Role.SAMORDNARE, [Role.OMBUD, Role.SAMORDNARE, Role.LEDNINGSGRUPP]),
        (Role.OMBUD, []),
        (Role.LEDNINGSGRUPP, []),
    ],
)
def test_roles_assignable_by(role, assignable):
    assert roles_assignable_by(role) == assignable


@pytest.mark.parametrize("role", list(Role))
def test_only_admin_makes_admins(role):
    assert (Role.ADMIN in roles_assignable_by(role)) is (role == Role.ADMIN)


@pytest.mark.parametrize(
    ("locked_until", "locked"),
    [
        (None, False),
        (NOW + timedelta(seconds=1), True),
        (NOW + LOCKOUT, True),
        (NOW, False),
        (NOW - timedelta(seconds=1), False),
    ],
)
def test_is_locked(locked_until, locked):
    assert is_locked(locked_until, NOW) is locked


@pytest.mark.parametrize("failures", [0, 1, 2, 3])
def test_failed_login_below_the_limit_only_counts(failures):
    assert after_failed_login(failures, NOW, max_failures=5, lockout=LOCKOUT) == (
        failures + 1,
        None,
    )


def test_failed_login_at_the_limit_locks_and_resets_the_counter():
    assert after_failed_login(4, NOW, max_failures=5, lockout=LOCKOUT) == (0, NOW + LOCKOUT)


def test_failed_login_beyond_the_limit_still_locks():
    assert after_failed_login(9, NOW, max_failures=5, lockout=LOCKOUT) == (0, NOW + LOCKOUT)


def test_a_single_allowed_failure_locks_at_once():
    assert after_failed_login(0, NOW, max_failures=1, lockout=LOCKOUT) == (0, NOW + LOCKOUT)


def test_repeated_failures_lock_on_the_last_allowed_attempt():
    failures, locked_until = 0, None
    for _ in range(4):
        failures, locked_until = after_failed_login(failures, NOW, 5, LOCKOUT)
        assert locked_until is None
    failures, locked_until = after_failed_login(failures, NOW, 5, LOCKOUT)
    assert (failures, locked_until) == (0, NOW + LOCKOUT)
    assert is_locked(locked_until, NOW + LOCKOUT - timedelta(seconds=1))
    assert not is_locked(locked_until, NOW + LOCKOUT)


def test_minimum_password_length_is_ten():
    assert MIN_PASSWORD_LENGTH == 10


@pytest.mark.parametrize(
    "password",
    [
        "",
        "abc123",
        "abcdefgh1",  # nine characters
        "1234567890",  # only digits
        "abcdefghij",  # only letters
        "åäöÅÄÖåäöå",  # only letters, Swedish ones too
        "Lösenordet",
    ],
)
def test_weak_passwords_are_refused(password):
    assert password_problem(password) is not None


def test_a_short_password_is_told_about_length():
    assert "10 tecken" in (password_problem("kort1") or "")


def test_a_letters_only_password_is_told_about_mixing():
    assert "bokstäver och siffror" in (password_problem("bokstaverna") or "")


@pytest.mark.parametrize(
    "password",
    [
        "abcdefghi1",  # exactly ten characters
        "1234567890!",
        "rätt häst batteri",  # a passphrase: spaces are not letters
        "Sommar2026!",
    ],
)
def test_acceptable_passwords(password):
    assert password_problem(password) is None
