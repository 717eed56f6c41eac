"""Re-upload monitoring end to end, against a local web server and a drop folder (never the
internet): a banked picture re-uploaded — as it was, mirrored, cropped — opens a takedown
request on its case, found by monitoring, with the capture's hashes kept; an unrelated picture
opens nothing; a second run writes nothing new; content back at a removed URL is re-uploaded;
what is not sure waits for a person; private addresses are refused; dropped files are read
with their URLs and deleted; sources are validated field by field and only the desk keeps
them; runs do not overlap; and the task path (run now, the sweep) works through the worker."""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, EventKind
from onestop.conftest import run_pending_tasks
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.takedown import tracking
from onestop.takedown.errors import TakedownActionForbidden
from onestop.takedown.models import (
    BankItem,
    FoundBy,
    MatchCandidate,
    MonitoringRun,
    MonitoringSource,
    Platform,
    PlatformKind,
    ProofKind,
    Relation,
    SourceKind,
    TakedownRequest,
    TakedownStatus,
    TakedownStep,
)
from onestop.takedown.monitoring import (
    SourceInput,
    monitoring_run,
    monitoring_run_enqueue,
    monitoring_source_save,
    monitoring_sweep,
)
from onestop.takedown.services import bank_add
from onestop.takedown.tests.monitoring_world import (  # noqa: F401 (fixtures, found by pytest)
    cropped,
    fixture_board,
    fixture_case,
    fixture_desk,
    fixture_item,
    fixture_monitoring_settings,
    fixture_site,
    folder_source,
    mirrored,
    picture,
    sha,
    stickered,
    url_source,
)
from onestop.takedown.tests.test_crawl import Site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monitoring_settings")]


def stop(actor: Staff, source: MonitoringSource) -> MonitoringSource:
    return monitoring_source_save(
        actor=actor,
        source_id=source.pk,
        data=SourceInput(
            name=source.name,
            kind=source.kind,
            urls=source.urls,
            folder=source.folder,
            every_hours=source.every_hours,
            active=False,
        ),
    )


def reupload_page(site: Site) -> dict[str, str]:
    """A board post showing the banked picture as it was, mirrored and cropped, and an
    unrelated picture; → their URLs by name."""
    bodies = {
        "same": picture("sample-b.jpg"),
        "mirror": mirrored("sample-b.jpg"),
        "crop": cropped("sample-b.jpg"),
        "other": picture("labelme/q2821.jpg"),
    }
    urls = {name: site.add(f"/img/{name}.jpg", body) for name, body in bodies.items()}
    urls["page"] = site.add(
        "/board/post/7",
        b"<html><body>"
        + b"".join(f'<img src="/img/{name}.jpg">'.encode() for name in bodies)
        + b"</body></html>",
    )
    return urls


def written() -> tuple[int, ...]:
    return (
        TakedownRequest.objects.count(),
        TakedownStep.objects.count(),
        MatchCandidate.objects.count(),
        MonitoringSource.objects.count(),
        MonitoringRun.objects.count(),
        CaseEvent.objects.filter(kind=EventKind.TAKEDOWN_FOUND).count(),
        AuditEntry.objects.count(),
    )


def field_errors(exc: ValidationFailed) -> set[str]:
    return {e.field or "" for e in exc.errors}


# --- a run ----------------------------------------------------------------------------------------


def test_a_banked_picture_re_uploaded_opens_requests_with_its_evidence(
    site: Site, desk: Staff, case: Case, item: BankItem, board: Platform
) -> None:
    # given her picture banked, and a board post showing it three ways beside another picture
    urls = reupload_page(site)
    source = url_source(desk, "게시판 A", urls["page"])
    # when the source is monitored
    run = monitoring_run(source_id=source.pk)
    # then each copy of her picture opens one request on her case, found by monitoring
    assert run is not None
    assert (run.candidates, run.matched, run.reviews, run.errors) == (4, 3, 0, 0)
    assert run.finished_at is not None
    requests = {r.url: r for r in TakedownRequest.objects.all()}
    assert set(requests) == {urls["same"], urls["mirror"], urls["crop"]}
    for name in ("same", "mirror", "crop"):
        request = requests[urls[name]]
        assert request.case_id == case.pk
        assert request.platform_id == board.pk
        assert request.bank_item_id == item.pk
        assert request.found_by == FoundBy.MONITORING
        assert request.status == TakedownStatus.FOUND
        assert request.distance is not None
        assert request.distance <= 31
        assert not request.is_reupload
        # the evidence is preserved: when, and the hashes of exactly what was served
        assert request.evidence_preserved
        assert request.capture_sha256 == sha(site.pages[f"/img/{name}.jpg"].body)
        assert request.capture_pdq
        (step,) = request.steps.all()
        assert (step.status_to, step.actor_id, step.actor_label) == ("found", None, "monitoring")
    assert requests[urls["same"]].distance == 0
    assert MatchCandidate.objects.count() == 0  # the unrelated picture: nothing
    assert CaseEvent.objects.filter(case=case, kind=EventKind.TAKEDOWN_FOUND).count() == 3
    # the run is recorded and audited with counts only: no hash, no victim, no URL of hers
    entry = AuditEntry.objects.get(action="takedown.monitoring_run")
    assert entry.actor_label == "monitoring"
    assert entry.data == {
        "run": str(run.pk),
        "candidates": 4,
        "matched": 3,
        "reviews": 0,
        "errors": 0,
        "new_requests": 3,
        "reuploads": 0,
        "new_reviews": 0,
        "aborted": False,
    }
    assert run.detail == [
        {"kind": "summary", "new_requests": 3, "reuploads": 0, "new_reviews": 0, "skipped": 0}
    ]
    recorded = json.dumps([run.detail, [e.data for e in AuditEntry.objects.all()]])
    hashes = {h.pdq for h in item.hashes.all()}
    for request in requests.values():
        hashes |= {request.capture_sha256, request.capture_pdq}
    assert not any(value in recorded for value in hashes)
    assert case.victim.name not in recorded
    assert urls["same"] not in recorded


def test_a_second_run_finds_the_same_and_writes_nothing_new(
    site: Site, desk: Staff, case: Case, item: BankItem, board: Platform
) -> None:
    urls = reupload_page(site)
    source = url_source(desk, "게시판 A", urls["page"])
    monitoring_run(source_id=source.pk)
    before = (
        TakedownRequest.objects.count(),
        TakedownStep.objects.count(),
        CaseEvent.objects.count(),
        MatchCandidate.objects.count(),
    )
    again = monitoring_run(source_id=source.pk)
    assert again is not None
    assert (again.candidates, again.matched, again.reviews, again.errors) == (4, 3, 0, 0)
    assert again.detail[0]["new_requests"] == 0
    after = (
        TakedownRequest.objects.count(),
        TakedownStep.objects.count(),
        CaseEvent.objects.count(),
        MatchCandidate.objects.count(),
    )
    assert after == before
    assert MonitoringRun.objects.filter(source=source).count() == 2


def test_content_back_at_a_removed_url_is_re_uploaded(
    site: Site, desk: Staff, manager: Staff, case: Case, item: BankItem, board: Platform
) -> None:
    # given a request the platform honoured: asked, then removed
    body = mirrored("sample-b.jpg")
    url = site.add("/img/again.jpg", body)
    source = url_source(desk, "게시판 A", url)
    monitoring_run(source_id=source.pk)
    request = TakedownRequest.objects.get()
    tracking.mandate_record(
        actor=manager,
        case_id=case.pk,
        data=tracking.MandateInput(relation=Relation.VICTIM, proof_kind=ProofKind.ID_CHECKED),
    )
    for to in (TakedownStatus.REQUESTED, TakedownStatus.REMOVED):
        tracking.takedown_request_step(
            actor=manager,
            case_id=case.pk,
            request_id=request.pk,
            data=tracking.StepInput(to_status=to),
        )
    # when the same content is found at that URL again
    run = monitoring_run(source_id=source.pk)
    # then the request is re-uploaded, by monitoring, with the new capture; still one request
    assert run is not None
    assert run.detail[0]["reuploads"] == 1
    request.refresh_from_db()
    assert request.status == TakedownStatus.REUPLOADED
    assert request.closed_at is None
    last = request.steps.order_by("-recorded_at", "-at").first()
    assert last is not None
    assert (last.status_from, last.status_to, last.actor_label) == (
        "removed",
        "reuploaded",
        "monitoring",
    )
    assert request.capture_sha256 == sha(body)
    assert TakedownRequest.objects.count() == 1
    # and a third run leaves it as it is
    monitoring_run(source_id=source.pk)
    request.refresh_from_db()
    assert request.status == TakedownStatus.REUPLOADED
    assert request.steps.count() == 4


def test_what_is_not_sure_waits_for_a_person(
    site: Site, desk: Staff, case: Case, item: BankItem, board: Platform
) -> None:
    # a low-quality banked item (it never matches by itself), a sticker over her picture
    # (review band), and her picture on a host of no known platform
    faint = bank_add(case=case, data=picture("I16.png"), actor=None, actor_label="test")
    assert faint.quality < 50
    urls = {
        "faint": site.add("/img/faint.png", picture("I16.png"), "image/png"),
        "sticker": site.add("/img/sticker.jpg", stickered("sample-b.jpg")),
        "unknown": site.url("/img/same.jpg", host="127.0.0.1"),
    }
    site.add("/img/same.jpg", picture("sample-b.jpg"))
    source = url_source(desk, "게시판 B", *urls.values())
    run = monitoring_run(source_id=source.pk)
    assert run is not None
    assert (run.candidates, run.matched, run.reviews, run.errors) == (3, 0, 3, 0)
    assert TakedownRequest.objects.count() == 0
    waiting = {c.url: c for c in MatchCandidate.objects.all()}
    assert set(waiting) == set(urls.values())
    assert waiting[urls["faint"]].bank_item_id == faint.pk
    assert waiting[urls["faint"]].distance == 0
    assert 32 <= waiting[urls["sticker"]].distance <= 52
    assert waiting[urls["sticker"]].bank_item_id == item.pk
    assert waiting[urls["unknown"]].distance == 0  # a match, but to whom would we write?
    for candidate in waiting.values():
        assert candidate.decision == "pending"
        assert candidate.source_id == source.pk
        assert candidate.url_index == tracking.url_index(candidate.url)
        assert candidate.capture_sha256 == sha(
            site.pages[candidate.url.split(str(site.port))[1]].body
        )
    # found again, they are not asked about twice
    monitoring_run(source_id=source.pk)
    assert MatchCandidate.objects.count() == 3


def test_private_addresses_are_refused_when_not_allowed(
    site: Site, desk: Staff, case: Case, item: BankItem, board: Platform, settings: Any
) -> None:
    url = site.add("/img/same.jpg", picture("sample-b.jpg"))
    source = url_source(desk, "게시판 A", url)
    settings.TAKEDOWN_MONITOR_ALLOW_PRIVATE = False
    run = monitoring_run(source_id=source.pk)
    assert run is not None
    assert (run.candidates, run.matched, run.errors) == (0, 0, 1)
    assert run.detail[1:] == [
        {"kind": "error", "code": "refused_address", "host": "localhost", "count": 1}
    ]
    assert site.asked == []
    assert TakedownRequest.objects.count() == 0


def test_a_drop_folder_with_and_without_urls_and_emptied(
    desk: Staff, supervisor: Staff, case: Case, item: BankItem, settings: Any
) -> None:
    tracking.platform_save(
        actor=supervisor,
        data=tracking.PlatformInput(
            name="웹하드 예시",
            kind=PlatformKind.FILE_SHARING,
            country="KR",
            domains="webhard.example",
            report_channel="https://webhard.example/report",
            response_hours=24,
        ),
    )
    folder = Path(settings.TAKEDOWN_DROP_ROOT) / "crawler"
    with_url, without = mirrored("sample-b.jpg"), cropped("sample-b.jpg")
    (folder / "0001.jpg").write_bytes(with_url)
    (folder / "0001.jpg.url").write_text("https://webhard.example/v/77\n")
    (folder / "0002.jpg").write_bytes(without)
    (folder / "0003.txt").write_bytes(b"not a picture")
    (folder / "0004.jpg").write_bytes(picture("labelme/q0004.jpg"))
    source = folder_source(desk)
    assert source.folder == "crawler"
    run = monitoring_run(source_id=source.pk)
    assert run is not None
    assert (run.candidates, run.matched, run.reviews, run.errors) == (4, 1, 1, 1)
    request = TakedownRequest.objects.get()
    assert request.url == "https://webhard.example/v/77"
    assert request.found_by == FoundBy.MONITORING
    assert request.capture_sha256 == sha(with_url)
    candidate = MatchCandidate.objects.get()
    assert candidate.url == ""
    assert candidate.url_index == tracking.url_index(f"sha256:{sha(without)}")
    assert candidate.bank_item_id == item.pk
    # we keep hashes only: every file looked at is gone
    assert list(folder.iterdir()) == []
    # dropped again (the crawler found it again), it is the same candidate
    (folder / "0002-again.jpg").write_bytes(without)
    monitoring_run(source_id=source.pk)
    assert MatchCandidate.objects.count() == 1
    assert list(folder.iterdir()) == []


def test_two_runs_of_one_source_do_not_overlap(
    site: Site, desk: Staff, item: BankItem, board: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = site.add("/img/same.jpg", picture("sample-b.jpg"))
    source = url_source(desk, "게시판 A", url)
    now = clock.now()
    unfinished = MonitoringRun.objects.create(source=source, started_at=now)
    assert monitoring_run(source_id=source.pk) is None
    assert site.asked == []
    # a run that died long ago does not hold the source forever
    MonitoringRun.objects.filter(pk=unfinished.pk).update(started_at=now - dt.timedelta(hours=7))
    assert monitoring_run(source_id=source.pk) is not None
    # a stopped source does not run
    stop(desk, source)
    assert monitoring_run(source_id=source.pk) is None


def test_a_failure_while_recording_is_counted_and_the_run_goes_on(
    site: Site,
    desk: Staff,
    case: Case,
    item: BankItem,
    board: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from onestop.takedown import monitoring

    first = site.add("/img/a.jpg", picture("sample-b.jpg"))
    second = site.add("/img/b.jpg", mirrored("sample-b.jpg"))
    real = tracking.request_open_found
    calls = {"n": 0}

    def flaky(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the database went away for a moment")
        return real(**kwargs)

    monkeypatch.setattr(monitoring, "request_open_found", flaky)
    source = url_source(desk, "게시판 A", first, second)
    run = monitoring_run(source_id=source.pk)
    assert run is not None
    assert (run.candidates, run.matched, run.errors) == (2, 1, 1)
    assert [r.url for r in TakedownRequest.objects.all()] == [second]
    assert run.detail[1:] == [
        {"kind": "error", "code": "record_failed", "host": "localhost", "count": 1}
    ]


def bomb_png(side: int = 30_000) -> bytes:
    """A PNG whose header claims 900 million pixels (a decompression bomb), a few bytes long."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + chunk(b"IEND", b"")
    )


def test_hostile_media_is_counted_and_the_run_goes_on(
    site: Site, desk: Staff, case: Case, item: BankItem, board: Platform
) -> None:
    urls = [
        site.add("/img/bomb.png", bomb_png(), "image/png"),
        site.add("/img/cut.jpg", picture("sample-b.jpg")[:2000]),
        site.add("/img/same.jpg", picture("sample-b.jpg")),
    ]
    run = monitoring_run(source_id=url_source(desk, "게시판 A", *urls).pk)
    assert run is not None
    assert (run.candidates, run.matched, run.errors) == (3, 1, 2)
    assert {(line["code"], line["count"]) for line in run.detail[1:]} == {
        ("too_large", 1),
        ("unreadable", 1),
    }
    assert [r.url for r in TakedownRequest.objects.all()] == [urls[2]]


# --- sources --------------------------------------------------------------------------------------


def test_sources_are_the_desks_to_keep(staff: dict[str, Staff]) -> None:
    data = SourceInput(name="게시판", kind=SourceKind.URLS, urls="https://board.example/list")
    for role, user in staff.items():
        before = written()
        if role in (Role.DELETION_STAFF, Role.SUPERVISOR):
            source = monitoring_source_save(
                actor=user, data=SourceInput(**{**vars(data), "name": f"게시판 {role}"})
            )
            assert source.created_by == user
        else:
            with pytest.raises(TakedownActionForbidden):
                monitoring_source_save(actor=user, data=data)
            assert written() == before, role


def test_a_source_is_kept_in_one_form_and_audited(desk: Staff) -> None:
    source = url_source(
        desk,
        "  게시판 A  ",
        "HTTPS://Board.Example/list#top",
        "https://board.example/list",
        "http://board.example:80/new",
        every_hours=6,
    )
    assert source.name == "게시판 A"
    assert source.url_list() == ["https://board.example/list", "http://board.example/new"]
    assert source.every_hours == 6
    assert source.folder == ""
    entry = AuditEntry.objects.get(action="takedown.monitoring_source_save")
    assert entry.data == {
        "source": str(source.pk),
        "name": "게시판 A",
        "kind": "urls",
        "urls": 2,
        "every_hours": 6,
        "active": True,
        "new": True,
    }
    changed = monitoring_source_save(
        actor=desk,
        source_id=source.pk,
        data=SourceInput(name="게시판 A", kind=SourceKind.URLS, urls="https://x.example/"),
    )
    assert changed.pk == source.pk
    assert changed.url_list() == ["https://x.example/"]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        (SourceInput(name="", kind="urls", urls="https://a.example/"), {"name"}),
        (SourceInput(name="x" * 201, kind="urls", urls="https://a.example/"), {"name"}),
        (SourceInput(name="게시판", kind="ftp"), {"kind"}),
        (SourceInput(name="게시판", kind="urls", urls=""), {"urls"}),
        (SourceInput(name="게시판", kind="urls", urls="ftp://a.example/x"), {"urls"}),
        (SourceInput(name="게시판", kind="urls", urls="a.example/x"), {"urls"}),
        (SourceInput(name="게시판", kind="urls", urls="http://10.0.0.8/admin"), {"urls"}),
        (SourceInput(name="게시판", kind="urls", urls="http://localhost:8000/"), {"urls"}),
        (
            SourceInput(
                name="게시판",
                kind="urls",
                urls="\n".join(f"https://a.example/{i}" for i in range(501)),
            ),
            {"urls"},
        ),
        (SourceInput(name="폴더", kind="folder", folder=""), {"folder"}),
        (SourceInput(name="폴더", kind="folder", folder="../../etc"), {"folder"}),
        (SourceInput(name="폴더", kind="folder", folder="/etc"), {"folder"}),
        (SourceInput(name="폴더", kind="folder", folder="no-such-crawler"), {"folder"}),
        (
            SourceInput(name="게시판", kind="urls", urls="https://a.example/", every_hours=0),
            {"every_hours"},
        ),
        (
            SourceInput(name="게시판", kind="urls", urls="https://a.example/", every_hours=721),
            {"every_hours"},
        ),
        (
            SourceInput(name="게시판", kind="urls", urls="https://a.example/", every_hours=None),
            {"every_hours"},
        ),
        (
            SourceInput(name="", kind="urls", urls="gopher://x", every_hours=0),
            {"name", "urls", "every_hours"},
        ),
    ],
)
def test_a_source_with_bad_fields_is_refused_field_by_field_and_nothing_is_written(
    desk: Staff, settings: Any, data: SourceInput, fields: set[str]
) -> None:
    settings.TAKEDOWN_MONITOR_ALLOW_PRIVATE = False
    before = written()
    with pytest.raises(ValidationFailed) as refused:
        monitoring_source_save(actor=desk, data=data)
    assert field_errors(refused.value) == fields
    assert written() == before


def test_a_name_is_one_source_and_no_drop_root_no_folder(desk: Staff, settings: Any) -> None:
    url_source(desk, "게시판 A", "https://a.example/")
    before = written()
    with pytest.raises(ValidationFailed) as refused:
        url_source(desk, "게시판 a", "https://b.example/")
    assert field_errors(refused.value) == {"name"}
    settings.TAKEDOWN_DROP_ROOT = None
    with pytest.raises(ValidationFailed) as refused:
        folder_source(desk)
    assert field_errors(refused.value) == {"folder"}
    assert written() == before


# --- the task path --------------------------------------------------------------------------------


def test_run_now_goes_through_the_worker(
    site: Site,
    desk: Staff,
    staff: dict[str, Staff],
    case: Case,
    item: BankItem,
    board: Platform,
) -> None:
    url = site.add("/img/same.jpg", picture("sample-b.jpg"))
    source = url_source(desk, "게시판 A", url)
    run_pending_tasks()  # (what opening the case queued)
    # somebody off the desk may not
    before = written()
    with pytest.raises(TakedownActionForbidden):
        monitoring_run_enqueue(actor=staff[Role.CASE_MANAGER], source_id=source.pk)
    assert written() == before
    assert run_pending_tasks() == 0
    # the desk may; the worker runs it
    monitoring_run_enqueue(actor=desk, source_id=source.pk)
    assert AuditEntry.objects.filter(action="takedown.monitoring_run_enqueue").count() == 1
    assert run_pending_tasks() == 1
    run = MonitoringRun.objects.get()
    assert (run.candidates, run.matched) == (1, 1)
    assert TakedownRequest.objects.get().found_by == FoundBy.MONITORING
    # a stopped source is not run
    stop(desk, source)
    with pytest.raises(ValidationFailed) as refused:
        monitoring_run_enqueue(actor=desk, source_id=source.pk)
    assert field_errors(refused.value) == {"source"}
    assert run_pending_tasks() == 0


def test_the_sweep_runs_what_is_due_once(
    site: Site,
    desk: Staff,
    case: Case,
    item: BankItem,
    board: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from onestop.takedown.tasks import monitoring_run_task, monitoring_sweep_task

    moment = {"now": dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SEOUL)}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    url = site.add("/img/same.jpg", picture("sample-b.jpg"))
    daily = url_source(desk, "매일", url, every_hours=24)
    url_source(desk, "멈춤", url, active=False)
    run_pending_tasks()  # (what opening the case queued)
    # never run: due; the sweep (through the worker) queues it, and the worker runs it
    monitoring_sweep_task.enqueue()
    assert run_pending_tasks() == 2  # the sweep, then the run it queued
    assert MonitoringRun.objects.filter(source=daily).count() == 1
    # queued twice before the worker gets to it, a due run runs once
    moment["now"] += dt.timedelta(hours=24)
    assert monitoring_sweep() == 1
    assert monitoring_sweep() == 1
    assert run_pending_tasks() == 2
    assert MonitoringRun.objects.filter(source=daily).count() == 2
    # not due: nothing
    moment["now"] += dt.timedelta(hours=23)
    assert monitoring_sweep() == 0
    # a task run twice with the same id is a second run that writes nothing new
    monitoring_run_task.enqueue(source_id=str(daily.pk))
    monitoring_run_task.enqueue(source_id=str(daily.pk))
    assert run_pending_tasks() == 2
    assert MonitoringRun.objects.filter(source=daily).count() == 4
    assert TakedownRequest.objects.count() == 1
    assert TakedownStep.objects.count() == 1


def test_the_monitor_command_runs_a_source_and_queues_the_sweep(
    site: Site, desk: Staff, case: Case, item: BankItem, board: Platform
) -> None:
    url = site.add("/img/same.jpg", picture("sample-b.jpg"))
    source = url_source(desk, "게시판 A", url)
    run_pending_tasks()  # (what opening the case queued)
    out = io.StringIO()
    call_command("monitor", "run", "--source", "게시판 A", stdout=out)
    line = json.loads(out.getvalue())
    run = MonitoringRun.objects.get()
    assert line == {
        "source": "게시판 A",
        "ran": True,
        "run": str(run.pk),
        "candidates": 1,
        "matched": 1,
        "reviews": 0,
        "errors": 0,
    }
    out = io.StringIO()
    call_command("monitor", "sources", stdout=out)
    listed = json.loads(out.getvalue())
    assert (listed["name"], listed["due"]) == ("게시판 A", False)
    stop(desk, source)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("monitor", "run", "--source", "게시판 A", stdout=out)
    assert exited.value.code == 1
    assert json.loads(out.getvalue()) == {"source": "게시판 A", "ran": False}
    url_source(desk, "게시판 B", url)
    out = io.StringIO()
    call_command("monitor", "sweep", stdout=out)
    assert json.loads(out.getvalue()) == {"queued": 1}
    assert run_pending_tasks() == 1
    assert MonitoringRun.objects.count() == 2


# --- on PostgreSQL: two runs started at once ----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_started_at_once_do_not_overlap(
    site: Site, desk: Staff, case: Case, item: BankItem, board: Platform
) -> None:
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")
    url = site.add("/img/same.jpg", picture("sample-b.jpg"))
    site.slow["/img/same.jpg"] = 1.0  # the first run is still fetching when the second starts
    source = url_source(desk, "게시판 A", url)
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def body(index: int) -> None:
        try:
            barrier.wait(10)
            results[index] = monitoring_run(source_id=source.pk)
        except BaseException as exc:  # (reported by the assertion below)
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ran = [r for r in results if isinstance(r, MonitoringRun)]
    assert len(ran) == 1, results
    assert results.count(None) == 1
    assert MonitoringRun.objects.count() == 1
    assert TakedownRequest.objects.count() == 1
    assert site.paths_asked() == ["/img/same.jpg"]
