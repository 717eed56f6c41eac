from onestop.core.errors import DomainError, NotFound, PermissionDenied


class InvalidEvidence(DomainError):
    code = "invalid"


class EvidenceNotFound(NotFound):
    code = "not_found"


class EvidenceActionForbidden(PermissionDenied):
    code = "forbidden"


class EvidenceIntegrityError(DomainError):
    """A stored file no longer matches the SHA-256 taken when it was added."""

    status_code = 500
    code = "integrity"
