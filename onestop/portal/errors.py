from onestop.core.errors import DomainError, PermissionDenied


class InvalidPortalInput(DomainError):
    code = "invalid"


class PortalSignInFailed(PermissionDenied):
    """One answer for every failed sign-in: unknown code, wrong passphrase, locked — so nothing
    tells a stranger whether a code exists."""

    status_code = 401
    code = "sign_in_failed"
