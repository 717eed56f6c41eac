"""The world the monitoring and review tests share: pictures as re-uploaders leave them (from the
PDQ corpus, edited), a local web server, the deletion desk, a case with a banked picture, a
platform on the local server's host name, sources, and a candidate waiting for a person.

Not a test module: the test modules import what they use from it, fixtures included, so that
pytest finds them. A fixture's function is ``fixture_<name>`` and pytest knows it as ``<name>``,
so a test's ``board`` parameter does not shadow an imported name (ruff F811).
``monitoring_settings`` is not autouse here: each module asks for it in ``pytestmark``."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from onestop.accounts.models import Role, Staff
from onestop.cases.models import Case
from onestop.takedown.bankindex import bank_cache_clear
from onestop.takedown.models import (
    BankItem,
    MatchCandidate,
    MonitoringSource,
    Platform,
    PlatformKind,
    SourceKind,
)
from onestop.takedown.monitoring import SourceInput, monitoring_run, monitoring_source_save
from onestop.takedown.services import bank_add
from onestop.takedown.tests.test_crawl import Site, serving

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "pdq" / "images"

# --- pictures, as re-uploaders leave them ---------------------------------------------------------


def picture(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def edited(name: str, edit: Callable[[Image.Image], Image.Image]) -> bytes:
    image = edit(Image.open(CORPUS / name).convert("RGB"))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def mirrored(name: str) -> bytes:
    return edited(name, lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT))


def cropped(name: str, share: float = 0.05) -> bytes:
    def crop(im: Image.Image) -> Image.Image:
        dx, dy = int(im.width * share), int(im.height * share)
        return im.crop((dx, dy, im.width - dx, im.height - dy))

    return edited(name, crop)


def stickered(name: str, share: float = 0.35) -> bytes:
    """A sticker over a corner: far enough from the banked picture to need a person (32-52)."""

    def cover(im: Image.Image) -> Image.Image:
        ImageDraw.Draw(im).rectangle(
            (0, 0, int(im.width * share), int(im.height * share)), fill=(255, 0, 0)
        )
        return im

    return edited(name, cover)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- platforms and sources ------------------------------------------------------------------------


def local_platform() -> Platform:
    return Platform.objects.create(
        name="로컬 게시판",
        kind=PlatformKind.COMMUNITY,
        country="KR",
        domains="localhost",
        report_channel="신고 게시판",
        response_hours=48,
    )


def url_source(actor: Staff, name: str, *urls: str, **kw: Any) -> MonitoringSource:
    return monitoring_source_save(
        actor=actor, data=SourceInput(name=name, kind=SourceKind.URLS, urls="\n".join(urls), **kw)
    )


def folder_source(
    actor: Staff, name: str = "크롤러 수집함", folder: str = "crawler"
) -> MonitoringSource:
    return monitoring_source_save(
        actor=actor, data=SourceInput(name=name, kind=SourceKind.FOLDER, folder=folder)
    )


# --- the world ------------------------------------------------------------------------------------


@pytest.fixture(name="monitoring_settings")
def fixture_monitoring_settings(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.TAKEDOWN_MONITOR_ALLOW_PRIVATE = True  # (the test server is on 127.0.0.1)
    settings.TAKEDOWN_DROP_ROOT = tmp_path / "drop"
    settings.TAKEDOWN_DROP_SETTLE_SECONDS = 0
    (tmp_path / "drop" / "crawler").mkdir(parents=True)
    bank_cache_clear()
    yield
    bank_cache_clear()


@pytest.fixture(name="site")
def fixture_site() -> Iterator[Site]:
    with serving() as served:
        yield served


@pytest.fixture(name="desk")
def fixture_desk(staff: dict[str, Staff]) -> Staff:
    return staff[Role.DELETION_STAFF]


@pytest.fixture(name="case")
def fixture_case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


@pytest.fixture(name="item")
def fixture_item(case: Case) -> BankItem:
    return bank_add(case=case, data=picture("sample-b.jpg"), actor=None, actor_label="test")


@pytest.fixture(name="board")
def fixture_board() -> Platform:
    """A platform on the local server's host name (created directly: the platform form asks
    for a public domain name)."""
    return local_platform()


WAITING_SOURCE = "게시판 S"


@pytest.fixture(name="waiting")
def fixture_waiting(site: Site, desk: Staff, item: BankItem, board: Platform) -> MatchCandidate:
    """Her picture under a sticker, found by monitoring: in the review band."""
    url = site.add("/img/sticker.jpg", stickered("sample-b.jpg"))
    monitoring_run(source_id=url_source(desk, WAITING_SOURCE, url).pk)
    candidate = MatchCandidate.objects.get()
    assert 32 <= candidate.distance <= 52
    return candidate
