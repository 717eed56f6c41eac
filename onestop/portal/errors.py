from onestop.core.errors import DomainError, PermissionDenied, Throttled


class InvalidPortalInput(DomainError):
    code = "invalid"


class PortalSignInFailed(PermissionDenied):
    """One answer for every failed sign-in: unknown code, wrong passphrase, locked — so nothing
    tells a stranger whether a code exists."""

    status_code = 401
    code = "sign_in_failed"


class PortalBusy(Throttled):
    """Too many applications from one address: try later, or call 1366."""

    code = "too_many_applications"
