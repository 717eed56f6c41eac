"""Signing a victim in to the portal for the evidence tests."""

from __future__ import annotations

import time

from django.test import Client

from onestop.cases.models import Case
from onestop.portal.services import portal_access_open
from onestop.portal.views import SEEN_KEY, SESSION_KEY

PASSPHRASE = "봄날의 벚꽃길 2024"


def signed_in(case: Case) -> Client:
    """A browser signed in to the portal as the victim of ``case``."""
    access, _code = portal_access_open(
        actor=None, case=case, passphrase=PASSPHRASE, code_word="해바라기"
    )
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(access.pk)
    session[SEEN_KEY] = time.time()
    session.save()
    return client
