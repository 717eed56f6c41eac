"""Labels of the codes the board shows, in the reader's language."""

from __future__ import annotations

from django import template

from onestop.people.models import ContactMethod, Gender

register = template.Library()


@register.filter
def gender_label(code: str) -> str:
    return str(Gender(code).label) if code in Gender.values else code


@register.filter
def contact_label(code: str) -> str:
    return str(ContactMethod(code).label) if code in ContactMethod.values else code
