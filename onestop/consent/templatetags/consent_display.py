"""Labels for the codes the consent ledger stores."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from onestop.consent.services import category_labels

register = template.Library()


@register.filter
def categories(codes: Iterable[str]) -> str:
    return category_labels(codes or [])
