from __future__ import annotations

from typing import TYPE_CHECKING

from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied

if TYPE_CHECKING:
    from onestop.intake.selectors import IntakeMatch


class PossibleDuplicate(Conflict):
    """The caller may already have a case: show the matches before creating anything."""

    code = "possible_duplicate"

    def __init__(self, message: str, *, matches: list[IntakeMatch]) -> None:
        super().__init__(message)
        self.matches = matches


class InvalidIntake(DomainError):
    code = "invalid"


class ReferralForbidden(PermissionDenied):
    """The key is valid but its agency may not send police referrals."""

    code = "forbidden"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class DuplicateReport(Conflict):
    code = "duplicate_report"


class ReferralNotFound(NotFound):
    code = "not_found"


class ReferralAlreadyTaken(Conflict):
    code = "already_taken"
