"""Domain errors raised by services and turned into messages at the edge."""

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One thing wrong, and where: a form field, and the row when a form has many rows."""

    message: str
    field: str | None = None
    # The id of the row the field belongs to, in a form of many rows (a punkt in the minutes).
    row: int | None = None
    # The message's %(name)s values, filled in when it is worded in the reader's language (a
    # date stays a date so that it is written the reader's way).
    params: dict[str, Any] = dataclass_field(default_factory=dict, compare=False)


class DomainError(Exception):
    """Base of the errors a user can cause and be told about.

    `errors` holds every problem found, each with the field (and row) it belongs to; a
    service that finds several at once passes them all so the form shows them together.
    """

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        params: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or [FieldError(message, field, params=params or {})]


class ValidationError(DomainError):
    """The values given break a rule; `field` names the form field when there is one."""


class ConflictError(DomainError):
    """Someone else changed the record since it was loaded."""

    def __init__(self, message: str, current_version: int, changes: list | None = None):
        super().__init__(message)
        self.current_version = current_version
        self.changes = changes or []


class PermissionDenied(DomainError):
    """The user's role does not allow this."""


class OutOfScope(PermissionDenied):
    """The record belongs to a verksamhet the actor may not see or change."""
