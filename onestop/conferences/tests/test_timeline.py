"""The case page's timeline describes conference entries from their codes, in the reader's
language (the conferences app registers the description with ``cases``)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from onestop.conferences.services import referral_create

pytestmark = pytest.mark.django_db


def test_a_referral_on_the_timeline_reads_in_korean_and_in_english(case, manager):
    referral_create(case_id=case.pk, actor=manager, note="가해자가 직장 앞에 다시 나타남")
    client = Client()
    client.force_login(manager)
    korean = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert '<p class="event-detail">담당자 판단 · 제안됨</p>' in korean
    client.cookies["django_language"] = "en"
    english = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert '<p class="event-detail">Professional judgement · Proposed</p>' in english
