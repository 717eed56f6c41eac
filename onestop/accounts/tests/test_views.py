"""Signing in and out, and switching the language."""

import pytest
from django.urls import reverse

from onestop.audit.models import AuditEntry
from onestop.conftest import PASSWORD


@pytest.mark.django_db
def test_login_page_renders_in_korean(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert "직원 로그인" in html
    assert 'autocomplete="current-password"' in html


@pytest.mark.django_db
def test_login_lands_on_the_dashboard(client, counselor):
    response = client.post(
        reverse("accounts:login"), {"username": counselor.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("cases:dashboard")


@pytest.mark.django_db
def test_failed_login_is_shown_and_audited(client, counselor):
    response = client.post(
        reverse("accounts:login"), {"username": counselor.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.data == {"username": counselor.username}


@pytest.mark.django_db
def test_signed_in_user_skips_the_login_page(client, counselor):
    client.force_login(counselor)
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_logout_is_post_only(client, counselor):
    client.force_login(counselor)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("cases:dashboard")).status_code == 302


@pytest.mark.django_db
def test_language_switch_to_english_and_back(client, counselor):
    client.force_login(counselor)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("cases:dashboard")}
    )
    assert response.status_code == 302
    html = client.get(reverse("cases:dashboard")).content.decode()
    assert '<html lang="en">' in html
    assert "New intake" in html
    assert "Dashboard" in html
    client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    html = client.get(reverse("cases:dashboard")).content.decode()
    assert "새 상담 접수" in html
