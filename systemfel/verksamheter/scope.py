"""The request's Scope: which verksamheter an actor covers and what it may do there.

Built once per request from the signed-in user (`systemfel.access.current_scope`), or as
`Scope.everything()` by the scheduler's jobs, the CLI and the demo data. Queries filter with
`scope.where(column)` and services call `scope.require(...)`, so visibility is applied in one
place and a service can never act outside its actor's scope, whatever a view passes it.
"""

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute

from systemfel.errors import OutOfScope
from systemfel.i18n import N_
from systemfel.verksamheter.domain import Operation

# A column holding a verksamhet id, as a model attribute or an expression.
VerksamhetColumn = sa.ColumnElement[int] | QueryableAttribute[int]

NOT_YOURS = N_("Du har inte behörighet till det här i den verksamheten.")


@dataclass(frozen=True)
class Scope:
    """Which verksamheter an actor covers (None: all of them) and what it may do there."""

    verksamhet_ids: frozenset[int] | None
    operations: frozenset[Operation] = field(default_factory=lambda: frozenset({Operation.SEE}))
    # A ledningsgrupp login sees only the groups it is a member of: its user id, else None.
    member_user_id: int | None = None

    @classmethod
    def everything(cls) -> "Scope":
        """The scope of the system itself (jobs, CLI, demo data): everything, every operation."""
        return cls(verksamhet_ids=None, operations=frozenset(Operation))

    @property
    def is_everything(self) -> bool:
        """Does the scope cover every verksamhet (a system administrator, a job)?"""
        return self.verksamhet_ids is None

    def covers(self, verksamhet_id: int | None) -> bool:
        """Is the verksamhet's data visible in this scope?"""
        return self.verksamhet_ids is None or verksamhet_id in self.verksamhet_ids

    def covers_all(self, verksamhet_ids: AbstractSet[int]) -> bool:
        """Is every one of the verksamheter visible in this scope?"""
        return self.verksamhet_ids is None or verksamhet_ids <= self.verksamhet_ids

    def allows(self, operation: Operation, verksamhet_id: int | None = None) -> bool:
        """May the actor do `operation` (in the verksamhet, when one is named)?"""
        if operation not in self.operations:
            return False
        return verksamhet_id is None or self.covers(verksamhet_id)

    def require(self, operation: Operation, verksamhet_id: int | None = None) -> None:
        """Refuse with OutOfScope unless the actor may do `operation` in the verksamhet."""
        if not self.allows(operation, verksamhet_id):
            raise OutOfScope(NOT_YOURS)

    def require_everything(self) -> None:
        """Refuse with OutOfScope unless the scope covers every verksamhet (an administrator)."""
        if not self.is_everything:
            raise OutOfScope(NOT_YOURS)

    def where(self, column: VerksamhetColumn) -> list[sa.ColumnElement[bool]]:
        """The conditions that limit a query on a verksamhet_id `column` to this scope."""
        if self.verksamhet_ids is None:
            return []
        return [column.in_(self.verksamhet_ids)]
