from onestop.core.errors import Conflict, DomainError, PermissionDenied


class InvalidSafetyPlan(DomainError):
    code = "invalid"


class SafetyPlanForbidden(PermissionDenied):
    code = "forbidden"


class SafetyPlanChanged(Conflict):
    """Someone else saved the plan after this form was opened: saving it as it is would undo
    their changes without anyone seeing them."""

    code = "changed"
