"""The monitoring and review pages through the real views: a permission matrix (every role of
the agency, the desk of another agency), sources kept and refused through the form with the
error beside its field and nothing written, "run now" through the worker, decisions and
low-quality reviews from the queue (404 for another agency's), what the queue shows — item id,
distance, the URL as a no-referrer link, a case reference only to those who see the case, never
the victim — no-store pages, and no query per row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case
from onestop.conftest import run_pending_tasks
from onestop.takedown.models import (
    BankItem,
    CandidateDecision,
    FoundBy,
    MatchCandidate,
    MonitoringRun,
    MonitoringSource,
    Platform,
    TakedownRequest,
)
from onestop.takedown.monitoring import monitoring_run
from onestop.takedown.services import bank_add
from onestop.takedown.tests.monitoring_world import (  # noqa: F401 (fixtures, found by pytest)
    fixture_board,
    fixture_case,
    fixture_desk,
    fixture_item,
    fixture_monitoring_settings,
    fixture_site,
    fixture_waiting,
    picture,
    stickered,
    url_source,
)
from onestop.takedown.tests.test_crawl import Site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monitoring_settings")]
VICTIM_NAME = "김지영"  # the name ``open_case`` gives her
DESK = {Role.DELETION_STAFF, Role.SUPERVISOR}


@pytest.fixture
def people(
    staff: dict[str, Staff], make_staff: Callable[..., Staff], other_agency: Any
) -> dict[str, Staff]:
    found = {f"own-{role}": user for role, user in staff.items()}
    for role in DESK:
        found[f"other-{role}"] = make_staff(other_agency, role)
    return found


def sees_desk(label: str) -> bool:
    return label.split("-", 1)[1] in DESK


@pytest.fixture
def source(desk: Staff, site: Site) -> MonitoringSource:
    return url_source(desk, "게시판 A", site.url("/board/1"))


def logged_in(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def counts() -> tuple[int, ...]:
    return (
        MonitoringSource.objects.count(),
        TakedownRequest.objects.count(),
        MatchCandidate.objects.exclude(decision=CandidateDecision.PENDING).count(),
        BankItem.objects.filter(reviewed_at__isnull=False).count(),
        AuditEntry.objects.count(),
    )


def test_only_the_desk_opens_the_monitoring_pages(
    people: dict[str, Staff], source: MonitoringSource
) -> None:
    pages = [
        ("get", reverse("takedown_monitoring:sources")),
        ("get", reverse("takedown_monitoring:source_new")),
        ("get", reverse("takedown_monitoring:source_edit", args=[source.pk])),
        ("get", reverse("takedown_monitoring:review")),
    ]
    for label, user in people.items():
        client = logged_in(user)
        for method, url in pages:
            answer = getattr(client, method)(url)
            assert answer.status_code == (200 if sees_desk(label) else 403), (label, url)
            if answer.status_code == 200:
                assert answer["Cache-Control"] == "no-store"
        before = counts()
        posts = [
            reverse("takedown_monitoring:source_new"),
            reverse("takedown_monitoring:source_edit", args=[source.pk]),
        ]
        for url in posts:
            answer = client.post(url, {"name": f"새 {label}", "kind": "urls", "urls": ""})
            assert answer.status_code == (422 if sees_desk(label) else 403), (label, url)
        run = client.post(reverse("takedown_monitoring:source_run", args=[source.pk]))
        if not sees_desk(label):
            assert run.status_code == 403, label
            assert counts() == before, label
    assert Client().get(reverse("takedown_monitoring:sources")).status_code == 302  # sign in


def test_a_source_through_the_form_and_its_refusals(desk: Staff, site: Site) -> None:
    client = logged_in(desk)
    before = counts()
    answer = client.post(
        reverse("takedown_monitoring:source_new"),
        {
            "name": "",
            "kind": "urls",
            "urls": "ftp://x.example/a\nhttps://ok.example/",
            "every_hours": "0",
        },
    )
    assert answer.status_code == 422
    form = answer.context["form"]
    assert set(form.errors) == {"name", "urls", "every_hours"}
    assert form.errors["urls"] == [
        "http:// 또는 https:// 로 시작하는 전체 주소가 아닙니다: ftp://x.example/a"
    ]
    assert form["urls"].value() == "ftp://x.example/a\nhttps://ok.example/"  # the input is kept
    assert counts() == before
    answer = client.post(
        reverse("takedown_monitoring:source_new"),
        {
            "name": "게시판 B",
            "kind": "urls",
            "urls": site.url("/img/x.jpg"),
            "every_hours": "12",
            "active": "on",
        },
    )
    assert answer.status_code == 302
    source = MonitoringSource.objects.get()
    assert (source.name, source.every_hours, source.active) == ("게시판 B", 12, True)
    answer = client.post(
        reverse("takedown_monitoring:source_edit", args=[source.pk]),
        {"name": "게시판 B", "kind": "folder", "folder": "../../etc", "every_hours": "12"},
    )
    assert answer.status_code == 422
    assert list(answer.context["form"].errors) == ["folder"]
    answer = client.post(
        reverse("takedown_monitoring:source_edit", args=[source.pk]),
        {"name": "게시판 B", "kind": "folder", "folder": "crawler", "every_hours": "6"},
    )
    assert answer.status_code == 302
    source.refresh_from_db()
    assert (source.kind, source.folder, source.urls, source.active) == (
        "folder",
        "crawler",
        "",
        False,
    )
    assert (
        client.get(
            reverse(
                "takedown_monitoring:source_edit", args=["00000000-0000-0000-0000-000000000000"]
            )
        ).status_code
        == 404
    )


def test_run_now_queues_a_run_the_worker_does(
    desk: Staff, site: Site, case: Case, item: BankItem, board: Platform
) -> None:
    url = site.add("/img/same.jpg", picture("sample-b.jpg"))
    source = url_source(desk, "게시판 A", url)
    run_pending_tasks()  # (what opening the case queued)
    client = logged_in(desk)
    answer = client.post(reverse("takedown_monitoring:source_run", args=[source.pk]))
    assert answer.status_code == 302
    assert run_pending_tasks() == 1
    run = MonitoringRun.objects.get()
    assert (run.candidates, run.matched) == (1, 1)
    assert TakedownRequest.objects.get().found_by == FoundBy.MONITORING
    page = client.get(reverse("takedown_monitoring:sources")).content.decode()
    assert f'id="run-{run.pk}"' in page
    assert "게시판 A" in page
    assert url not in page  # the page lists sources and counts, not what was found
    # a stopped source: the refusal is said above the page, nothing is queued
    source.active = False
    source.save()
    answer = client.post(reverse("takedown_monitoring:source_run", args=[source.pk]))
    assert answer.status_code == 422
    assert run_pending_tasks() == 0


def test_the_queue_shows_the_item_the_distance_and_the_url_never_her(
    waiting: MatchCandidate,
    desk: Staff,
    supervisor: Staff,
    case: Case,
    item: BankItem,
) -> None:
    faint = bank_add(case=case, data=picture("I16.png"), actor=None, actor_label="test")
    page = logged_in(desk).get(reverse("takedown_monitoring:review")).content.decode()
    assert f'id="candidate-{waiting.pk}"' in page
    assert f"<code>{str(item.pk)[:8]}</code>" in page
    assert f"해시 거리 {waiting.distance}" in page
    assert (
        f'<a href="{waiting.url}" rel="noreferrer noopener nofollow" target="_blank">'
        f"<code>{waiting.url}</code></a>"
    ) in page
    assert f'id="item-{faint.pk}"' in page
    assert VICTIM_NAME not in page
    assert case.reference not in page  # the desk member is not on the case's team
    # the agency's supervisor sees the case: its reference, linked
    page = logged_in(supervisor).get(reverse("takedown_monitoring:review")).content.decode()
    assert case.reference in page
    assert reverse("takedown:case", args=[case.pk]) in page
    assert VICTIM_NAME not in page


def test_deciding_from_the_queue(
    waiting: MatchCandidate,
    desk: Staff,
    people: dict[str, Staff],
    case: Case,
    board: Platform,
) -> None:
    url = reverse("takedown_monitoring:candidate_decide", args=[waiting.pk])
    before = counts()
    for label, user in people.items():
        if label == "own-deletion_staff":
            continue
        if label == "own-supervisor":
            continue
        answer = logged_in(user).post(url, {"decision": "match"})
        assert answer.status_code == (404 if label.startswith("other-") else 403), label
    assert counts() == before
    client = logged_in(desk)
    # a bad choice: beside its field, nothing written
    answer = client.post(url, {"decision": "match", "platform": "not-a-platform"})
    assert answer.status_code == 422
    assert "platform" in answer.context["rows"][0]["form"].errors
    assert counts() == before
    answer = client.post(url, {"decision": "match", "note": "같은 사진"})
    assert answer.status_code == 302
    request = TakedownRequest.objects.get()
    assert (request.found_by, request.platform_id, request.case_id) == (
        FoundBy.REVIEW,
        board.pk,
        case.pk,
    )
    # decided already: the queue no longer lists it, and a second decision is refused
    answer = client.post(url, {"decision": "not_match"})
    assert answer.status_code == 422
    assert TakedownRequest.objects.count() == 1


def test_a_low_quality_item_is_kept_or_withdrawn_from_the_queue(
    desk: Staff, case: Case, make_staff: Callable[..., Staff], other_agency: Any
) -> None:
    kept = bank_add(case=case, data=picture("I16.png"), actor=None, actor_label="test")
    elsewhere = make_staff(other_agency, Role.DELETION_STAFF)
    url = reverse("takedown_monitoring:item_review", args=[kept.pk])
    assert logged_in(elsewhere).post(url, {"keep": "keep"}).status_code == 404
    answer = logged_in(desk).post(url, {"keep": "maybe"})
    assert answer.status_code == 422
    kept.refresh_from_db()
    assert kept.reviewed_at is None
    assert logged_in(desk).post(url, {"keep": "withdraw", "note": "흐린 사진"}).status_code == 302
    kept.refresh_from_db()
    assert kept.reviewed_by == desk
    assert kept.withdrawn_at is not None


def test_the_pages_do_not_query_per_row(
    site: Site,
    desk: Staff,
    item: BankItem,
    board: Platform,
    case: Case,
) -> None:
    def queries(url: str) -> int:
        client = logged_in(desk)
        client.get(url)  # (warm: the session, the language)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    sticker = stickered("sample-b.jpg")
    first = url_source(
        desk, "게시판 1", site.add("/a/1.jpg", sticker), site.add("/a/2.jpg", sticker)
    )
    monitoring_run(source_id=first.pk)
    bank_add(case=case, data=picture("I16.png"), actor=None, actor_label="test")
    review, sources = (
        queries(reverse("takedown_monitoring:review")),
        queries(reverse("takedown_monitoring:sources")),
    )
    second = url_source(
        desk, "게시판 2", site.add("/b/1.jpg", sticker), site.add("/b/2.jpg", sticker)
    )
    monitoring_run(source_id=second.pk)
    monitoring_run(source_id=first.pk)
    assert MatchCandidate.objects.count() == 4
    assert queries(reverse("takedown_monitoring:review")) == review
    assert queries(reverse("takedown_monitoring:sources")) == sources
