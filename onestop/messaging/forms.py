"""The message box (both sides) and the staff's "read" marker. The rules (empty, too long) are
the service's: the form only carries the text."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.messaging.services import MAX_BODY


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("메시지"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": MAX_BODY, "autocomplete": "off", "data-chat-input": ""}
        ),
    )


class MarkReadForm(forms.Form):
    up_to = forms.DateTimeField(widget=forms.HiddenInput)
