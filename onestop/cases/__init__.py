"""Cases: the one Case that carries a victim from intake to closure — its reference, status
workflow, team, timeline and staff notifications — and the one place (``selectors``) that decides
who may see a case. Not responsible for how a case is opened from a call (``intake``)."""
