"""Who wrote something when it was not a staff member.

A victim acting in the portal has no ``Staff`` row: services she calls take her case (the portal
view found it from her signed-in access) and record ``actor=None`` with this label, on the
timeline and in the audit log, so "who did this" reads "the victim, in the portal"."""

from __future__ import annotations

PORTAL_ACTOR_LABEL = "portal"
