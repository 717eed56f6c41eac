"""The bank kept in memory (``bankindex``): loaded once, then brought up to date on each use —
an item banked later is found without reading the whole bank again, a withdrawn item is never
reported, a transaction that committed late is caught by the overlap or by the count check —
and every answer equals a fresh ``bank_load()`` + ``bank_match()``."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.core import clock
from onestop.takedown.bankindex import (
    bank_cache_clear,
    bank_cache_stats,
    bank_cached,
    bank_match_cached,
    bank_rebuild,
)
from onestop.takedown.models import BankItem
from onestop.takedown.services import bank_add, bank_load, bank_match
from onestop.takedown.tracking import bank_item_withdraw

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "pdq" / "images"
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SEOUL)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    bank_cache_clear()
    yield
    bank_cache_clear()


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    moment = {"now": T0}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])

    def move(when: dt.datetime) -> None:
        moment["now"] = when

    return move


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


def picture(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def mirrored(name: str) -> bytes:
    image = Image.open(CORPUS / name).convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def bank(case: Case, name: str) -> BankItem:
    return bank_add(case=case, data=picture(name), actor=None, actor_label="test")


def items_found(data: bytes) -> list[str]:
    return [f.item for f in bank_match_cached(data=data)]


def test_an_item_banked_after_the_first_load_is_found_without_reading_the_bank_again(
    case: Case, at: Callable[[dt.datetime], None]
) -> None:
    # given the bank loaded once with one picture
    first = bank(case, "sample-b.jpg")
    assert items_found(picture("sample-b.jpg")) == [str(first.pk)]
    assert bank_cache_stats().rebuilds == 1
    # when another picture is banked a minute later
    at(T0 + dt.timedelta(minutes=1))
    second = bank(case, "labelme/q0003.jpg")
    at(T0 + dt.timedelta(minutes=2))
    # then it is found (mirrored too), and the bank was brought up to date, not read again
    assert items_found(mirrored("labelme/q0003.jpg")) == [str(second.pk)]
    assert items_found(picture("sample-b.jpg")) == [str(first.pk)]
    stats = bank_cache_stats()
    assert stats.rebuilds == 1
    assert stats.added == 1
    assert stats.items == 2
    assert stats.hashes == BankItem.objects.get(pk=first.pk).hashes.count() + second.hashes.count()


def test_a_withdrawn_item_is_never_reported_again(
    case: Case, manager: Staff, at: Callable[[dt.datetime], None]
) -> None:
    kept = bank(case, "sample-b.jpg")
    gone = bank(case, "labelme/q0122.jpg")
    assert items_found(picture("labelme/q0122.jpg")) == [str(gone.pk)]
    # when the item is withdrawn
    at(T0 + dt.timedelta(minutes=3))
    bank_item_withdraw(actor=manager, case_id=case.pk, item_id=gone.pk, note="그녀의 사진이 아님")
    # then neither it nor its variants are found, and the rest still is, without a rebuild
    assert items_found(picture("labelme/q0122.jpg")) == []
    assert items_found(mirrored("labelme/q0122.jpg")) == []
    assert items_found(picture("sample-b.jpg")) == [str(kept.pk)]
    stats = bank_cache_stats()
    assert stats.rebuilds == 1
    assert stats.dropped == 1
    assert stats.items == 1


def test_a_late_commit_is_caught_by_the_overlap_and_an_older_one_by_the_count_check(
    case: Case, at: Callable[[dt.datetime], None]
) -> None:
    bank(case, "sample-b.jpg")
    bank_cached()  # (refreshed at T0)
    # an item stamped two minutes before the last refresh (its transaction committed late)
    at(T0 - dt.timedelta(minutes=2))
    late = bank(case, "labelme/q0291.jpg")
    at(T0 + dt.timedelta(minutes=2))
    assert items_found(picture("labelme/q0291.jpg")) == [str(late.pk)]
    assert bank_cache_stats().rebuilds == 1
    # an item stamped long before (beyond the overlap): the count check finds the bank short
    at(T0 - dt.timedelta(hours=1))
    older = bank(case, "labelme/q0746.jpg")
    at(T0 + dt.timedelta(minutes=3))
    bank_cached(check=True)
    assert bank_cache_stats().rebuilds == 2
    assert items_found(picture("labelme/q0746.jpg")) == [str(older.pk)]


def test_a_deleted_item_makes_the_count_check_rebuild(case: Case) -> None:
    item = bank(case, "labelme/q1050.jpg")
    assert items_found(picture("labelme/q1050.jpg")) == [str(item.pk)]
    BankItem.objects.filter(pk=item.pk).delete()  # (as retention destruction will)
    bank_cached(check=True)
    assert bank_cache_stats().rebuilds == 2
    assert items_found(picture("labelme/q1050.jpg")) == []


QUERIES = [
    "sample-b.jpg",
    "letterboxed_sample-b.jpg",
    "labelme/q0003.jpg",
    "labelme/q0122.jpg",
    "labelme/q2821.jpg",
    "labelme/q0746.jpg",
    "I16.png",
    "dihedral/bridge-5-flipx.jpg",
    "bridge-mods/blur-a-lot.jpg",
    "rgb.jpeg",
]


def test_answers_equal_a_fresh_bank_at_every_step(
    case: Case,
    open_case: Callable[..., Case],
    manager: Staff,
    at: Callable[[dt.datetime], None],
) -> None:
    other = open_case(manager, name="박서연", phone="010-2222-3333")

    def same_as_fresh() -> None:
        fresh = bank_load()
        for name in QUERIES:
            for data in (picture(name), mirrored(name)):
                assert bank_match_cached(data=data) == bank_match(bank=fresh, data=data), name

    bank(case, "sample-b.jpg")
    bank(case, "labelme/q0003.jpg")
    same_as_fresh()
    at(T0 + dt.timedelta(minutes=1))
    bank(other, "sample-b.jpg")  # the same picture for another case: both are named
    bank(case, "I16.png")  # low quality: review only
    bank(other, "dihedral/bridge-1-original.jpg")
    withdrawn = bank(case, "labelme/q0122.jpg")
    same_as_fresh()
    at(T0 + dt.timedelta(minutes=2))
    bank_item_withdraw(actor=manager, case_id=case.pk, item_id=withdrawn.pk, note="오등록")
    bank(other, "labelme/q2821.jpg")
    same_as_fresh()
    assert bank_cache_stats().rebuilds == 1
    # a full rebuild gives the same answers again
    stats = bank_rebuild()
    assert stats.rebuilds == 2
    same_as_fresh()


def test_lookups_from_several_threads_at_once_agree(case: Case) -> None:
    item = bank(case, "sample-b.jpg")
    bank(case, "labelme/q0003.jpg")
    bank_cached()
    data = mirrored("sample-b.jpg")
    expected = bank_match_cached(data=data, refresh=False)
    assert [f.item for f in expected] == [str(item.pk)]
    answers: list[object] = []
    barrier = threading.Barrier(4)

    def look() -> None:
        barrier.wait()
        for _ in range(3):
            answers.append(bank_match_cached(data=data, refresh=False))

    threads = [threading.Thread(target=look) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [expected] * 12
