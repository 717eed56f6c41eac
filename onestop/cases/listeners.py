"""Higher layers react to a case's timeline without ``cases`` importing them.

A listener is registered for event kinds when Django starts (in its app's ``AppConfig.ready``,
like the panels of ADR 10). Writing an event of such a kind enqueues ``dispatch_case_event`` in
the writer's transaction, so the reaction happens exactly when the change commits and never for
a rolled-back one. Each listener runs in its own transaction in the task worker and must be
idempotent: a task may run twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from onestop.cases.models import CaseEvent

CaseEventListener = Callable[[CaseEvent], None]

_listeners: dict[str, tuple[frozenset[str], CaseEventListener]] = {}


def register_case_event_listener(
    name: str, listener: CaseEventListener, *, kinds: Iterable[str]
) -> None:
    """Add (or replace, by name) a listener for events of these kinds."""
    _listeners[name] = (frozenset(kinds), listener)


def listens_to(kind: str) -> bool:
    return any(kind in kinds for kinds, _listener in _listeners.values())


def listeners_for(kind: str) -> list[tuple[str, CaseEventListener]]:
    return [
        (name, listener) for name, (kinds, listener) in sorted(_listeners.items()) if kind in kinds
    ]
