"""Panels of the case page that other apps contribute.

The case page belongs to ``cases``, but consent, risk, support and the rest live in higher
layers, which ``cases`` must not import. Each of them registers a provider here when Django
starts (in its ``AppConfig.ready``); the case view asks every provider for its panel. A provider
reads through its own app's selectors, so each panel is filtered by its own app's rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django import forms

from onestop.accounts.models import Staff
from onestop.cases.models import Case, CaseEvent


@dataclass(frozen=True)
class CasePanel:
    """A template and its context, in the page's main or side column."""

    template_name: str
    context: dict[str, Any] = field(default_factory=dict)
    column: Literal["main", "side"] = "main"


# (case, user, forms bound to a refused submit, by name) → the panel, or None to show nothing.
PanelProvider = Callable[[Case, Staff, Mapping[str, forms.Form]], CasePanel | None]

_providers: list[tuple[int, str, PanelProvider]] = []


def _register[P](registry: list[tuple[int, str, P]], name: str, provider: P, order: int) -> None:
    """Add (or replace, by name) a provider; lower ``order`` comes first."""
    registry[:] = [entry for entry in registry if entry[1] != name]
    registry.append((order, name, provider))
    registry.sort(key=lambda entry: (entry[0], entry[1]))


def register_case_panel(name: str, provider: PanelProvider, *, order: int) -> None:
    _register(_providers, name, provider, order)


def case_panels(
    *, case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> dict[str, list[CasePanel]]:
    columns: dict[str, list[CasePanel]] = {"main": [], "side": []}
    for _order, _name, provider in _providers:
        panel = provider(case, user, bound)
        if panel is not None:
            columns[panel.column].append(panel)
    return columns


# The dashboard takes panels the same way: (user) → the panel, or None.
DashboardPanelProvider = Callable[[Staff], CasePanel | None]

_dashboard_providers: list[tuple[int, str, DashboardPanelProvider]] = []


def register_dashboard_panel(name: str, provider: DashboardPanelProvider, *, order: int) -> None:
    _register(_dashboard_providers, name, provider, order)


def dashboard_panels(*, user: Staff) -> list[CasePanel]:
    return [
        panel
        for _order, _name, provider in _dashboard_providers
        if (panel := provider(user)) is not None
    ]


# A timeline entry written by a higher layer is described by that layer: (event) → one line in
# the reader's language, from the codes in ``event.data`` (never stored text, which would stay in
# the writer's language).
EventDetail = Callable[[CaseEvent], str]

_event_details: dict[str, EventDetail] = {}


def register_event_detail(kinds: Iterable[str], detail: EventDetail) -> None:
    for kind in kinds:
        _event_details[kind] = detail


def registered_event_detail(event: CaseEvent) -> str | None:
    """The registered description of this event, or None when its kind has none."""
    detail = _event_details.get(event.kind)
    return None if detail is None else detail(event)
