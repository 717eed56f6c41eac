"""What the risk services refuse."""

from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class InvalidAssessment(DomainError):
    code = "invalid"


class InvalidPack(DomainError):
    """One problem of an instrument pack; ``field`` is its JSON path (``items[3].weight``)."""

    code = "invalid_pack"


class InstrumentNotFound(NotFound):
    code = "not_found"


class InstrumentVersionExists(Conflict):
    """This code and version are stored with other content: versions never change."""

    code = "version_exists"


class RiskActionForbidden(PermissionDenied):
    code = "forbidden"


class CaseClosedForAssessment(Conflict):
    code = "case_closed"


class RecordImmutable(Conflict):
    """An instrument version or an assessment was asked to change or go: they never do."""

    code = "immutable"
