from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignInForm(forms.Form):
    code = forms.CharField(label=_("사례 코드"), max_length=20, required=False)
    passphrase = forms.CharField(
        label=_("비밀 문구"), max_length=200, required=False, widget=forms.PasswordInput
    )
