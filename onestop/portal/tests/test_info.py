"""The public information pages: an index and one page per audience, open without sign-in,
nothing cached, no request or link to another site (but the quick exit's neutral page), every
number on them taken from the sources, and linked from the portal's home page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from onestop.portal.info import AUDIENCES

pytestmark = pytest.mark.django_db

SECTIONS = {
    "students": ["looks-like", "warning-signs", "now", "center"],
    "adults": ["looks-like", "warning-signs", "now", "center"],
    "workplaces": ["looks-like", "warning-signs", "now", "employer", "manager", "center"],
}
# Every figure the pages may state, with where it comes from (shared/DOMAIN.md, shared/seeds/).
SOURCED_NUMBERS = {
    "1366", "24",  # the women's emergency hotline (seeds 000, 004), 24 hours a day (DOMAIN)
    "100",  # urgent emergency measure: 100 m no-approach (DOMAIN)
    "1", "439", "34", "30.1", "23.9",  # one year of the Seoul center: victims, forms (seed 003)
    "65.1",  # former partners among perpetrators (seed 003)
    "50", "1,000",  # calls and messages one victim received a day (seed 003)
    "10", "7",  # seven in ten suffered further harm (seed 003)
    "2022",  # the Sindang Station murder of a stalked colleague (seed 002)
}  # fmt: skip
QUICK_EXIT = re.compile(r'<a class="quick-exit[^>]*>')


def page(client: Client, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert answer["Referrer-Policy"] == "same-origin"
    return str(answer.content.decode())


def main_text(html: str) -> str:
    body = html.split('<main id="main"', 1)[1]
    return unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("audience", list(SECTIONS))
def test_each_audience_page_has_its_sections_and_needs_no_sign_in(audience: str) -> None:
    html = page(Client(), reverse("portal:info_audience", args=[audience]))
    for slug in SECTIONS[audience]:
        assert f'id="{slug}"' in html
        assert f'href="#{slug}"' in html  # the page's own contents list
    for section in AUDIENCES[audience].sections:
        assert str(section.title) in html
    assert "<title>생활 안내</title>" in html
    assert "data-quick-exit" in html
    text = main_text(html)
    assert "1366" in text
    assert "지우지 말고" in text  # keep the messages


def test_what_each_audience_is_told() -> None:
    client = Client()
    students = main_text(page(client, reverse("portal:info_audience", args=["students"])))
    adults = main_text(page(client, reverse("portal:info_audience", args=["adults"])))
    workplaces = main_text(page(client, reverse("portal:info_audience", args=["workplaces"])))
    for text in (students, adults):
        for harm in ("스토킹", "교제폭력", "불법촬영", "유포", "협박"):
            assert harm in text
    for service in ("상담", "법률", "의료", "동행", "신변 보호", "이사", "보호시설", "삭제 지원"):
        assert service in students
        assert service in adults
        assert service in workplaces
    assert "믿을 수 있는 어른" in students
    assert "고소를 취하해도 스토킹 사건은 끝나지 않습니다" in adults
    for duty in ("불이익 금지", "비밀 유지", "보호"):
        assert duty in workplaces
    assert "직원이 피해를 알려 오면" in workplaces


def test_the_index_lists_every_audience_and_home_links_to_them() -> None:
    client = Client()
    index = page(client, reverse("portal:info"))
    home = page(client, reverse("portal:home"))
    assert "알아 두면 좋은 정보" in home
    for slug, audience in AUDIENCES.items():
        url = reverse("portal:info_audience", args=[slug])
        assert f'href="{url}"' in index
        assert f'href="{url}"' in home
        assert str(audience.name) in index


@pytest.mark.parametrize("audience", ["parents", "STUDENTS", "student"])
def test_an_unknown_audience_is_not_found(audience: str) -> None:
    assert Client().get(reverse("portal:info_audience", args=[audience])).status_code == 404


@pytest.mark.parametrize("slug", ["", *SECTIONS])
def test_no_other_site_is_linked_or_loaded_but_the_quick_exit(slug: str) -> None:
    url = reverse("portal:info_audience", args=[slug]) if slug else reverse("portal:info")
    html = page(Client(), url)
    assert len(QUICK_EXIT.findall(html)) == 1
    rest = QUICK_EXIT.sub("", html)
    assert "http" not in rest
    assert '="//' not in rest  # nor a scheme-relative address


@pytest.mark.parametrize("slug", list(SECTIONS))
def test_every_number_on_the_pages_comes_from_the_sources(slug: str) -> None:
    text = main_text(page(Client(), reverse("portal:info_audience", args=[slug])))
    numbers = set(re.findall(r"\d[\d,.]*\d|\d", text))
    assert numbers <= SOURCED_NUMBERS, numbers - SOURCED_NUMBERS


def test_the_pages_answer_get_only() -> None:
    assert Client().post(reverse("portal:info")).status_code == 405
