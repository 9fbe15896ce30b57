"""Domain errors raised by services and turned into messages at the edge."""


class DomainError(Exception):
    """Base of the errors a user can cause and be told about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


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
