"""The Scope value: what it covers and allows, for any set of verksamheter and operations."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from systemfel.auth.domain import Role
from systemfel.errors import OutOfScope
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.scope import Scope

ids = st.frozensets(st.integers(1, 2**31 - 1), max_size=8)
operations = st.frozensets(st.sampled_from(list(Operation)))


@given(
    covered=ids, asked=st.integers(1, 2**31 - 1), granted=operations, op=st.sampled_from(Operation)
)
def test_a_scope_allows_exactly_its_operations_in_exactly_its_verksamheter(
    covered, asked, granted, op
):
    scope = Scope(verksamhet_ids=covered, operations=granted)
    expected = asked in covered and op in granted
    assert scope.allows(op, asked) is expected
    if expected:
        scope.require(op, asked)
    else:
        with pytest.raises(OutOfScope):
            scope.require(op, asked)


@given(covered=ids, asked=ids)
def test_covers_all_is_the_subset_rule(covered, asked):
    assert Scope(verksamhet_ids=covered).covers_all(asked) is (asked <= covered)


@given(asked=st.integers(1, 2**31 - 1), some=ids, op=st.sampled_from(Operation))
def test_everything_covers_every_verksamhet_and_allows_every_operation(asked, some, op):
    everything = Scope.everything()
    assert everything.is_everything
    assert everything.covers(asked) and everything.covers_all(some)
    assert everything.allows(op, asked)


def test_a_scope_without_verksamheter_covers_nothing():
    nothing = Scope(verksamhet_ids=frozenset(), operations=frozenset(Operation))
    assert not nothing.covers(1)
    with pytest.raises(OutOfScope):
        nothing.require(Operation.SEE, 1)


@pytest.mark.parametrize("role", list(Role))
def test_a_roles_operations_say_what_its_permissions_say(role):
    granted = role.operations
    assert Operation.SEE in granted
    assert (Operation.WORK_BRISTER in granted) is role.can_work_brister
    assert (Operation.CLOSE_BRISTER in granted) is role.can_close_brister
    assert (Operation.EDIT_RAPPORT in granted) is role.can_edit_rapport
    assert (Operation.MANAGE_VERKSAMHET in granted) is role.can_manage_verksamhet


def test_a_ledningsgrupp_login_only_reads():
    assert Role.LEDNINGSGRUPP.operations == frozenset({Operation.SEE})
