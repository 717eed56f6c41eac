"""The open hash export (``docs/hash-export.md``): one CSV row per PDQ hash of an image (with its
variants), per good frame of a video, and per exact digest; only items a platform may be asked
to block (not withdrawn, not waiting for review, a mandate and a consent to deletion support in
force); never anything that says whose they are; read back by ``read_export``; recorded in the
audit log with counts only; downloaded by the desk of the items' agency, and by the operator's
``onestop bank export`` for every agency."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
from collections.abc import Callable
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.test import AsyncClient, Client
from django.urls import reverse
from PIL import Image, ImageDraw

from onestop.accounts.models import Agency, Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case
from onestop.consent.models import ConsentGrant
from onestop.consent.services import ConsentInput, consent_record, consent_withdraw
from onestop.core import clock
from onestop.takedown.export import (
    COLUMNS,
    ExportRow,
    bank_export_open,
    export_rows,
    export_scope,
    read_export,
)
from onestop.takedown.models import BankHash, BankItem, ContentLabel
from onestop.takedown.services import bank_add
from onestop.takedown.tracking import (
    MandateInput,
    bank_item_review,
    bank_item_withdraw,
    mandate_record,
    mandate_revoke,
)

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "pdq"


def picture(seed: int) -> bytes:
    """A made-up picture (shapes and a caption, never a person) with plenty of structure."""
    rng = random.Random(seed)
    image = Image.new("RGB", (480, 360), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y = rng.randrange(480), rng.randrange(360)
        box = (x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    draw.text((20, 20), f"TEST {seed}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def featureless() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 200), (128, 128, 128)).save(out, format="PNG")
    return out.getvalue()


def desk_of(staff: dict[str, Staff]) -> Staff:
    return staff[Role.DELETION_STAFF]


def support(case: Case, lead: Staff, *, mandate: bool = True, consent: bool = True) -> None:
    """She asked for deletion support (a mandate) and consented to it, through the services."""
    if mandate:
        mandate_record(
            actor=lead,
            case_id=case.pk,
            data=MandateInput(relation="victim", proof_kind="id_checked"),
        )
    if consent:
        consent_record(
            case_id=case.pk,
            actor=lead,
            data=ConsentInput(
                purpose="deletion_support",
                recipient_kinds=("deletion_center",),
                data_categories=["evidence"],
                method="signed_form",
                given_at=clock.now() - dt.timedelta(hours=1),
            ),
        )


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    made = open_case(manager)
    support(made, manager)
    return made


def bank(case: Case, data: bytes, actor: Staff, **fields: Any) -> BankItem:
    return bank_add(case=case, data=data, actor=actor, actor_label="", **fields)


def everything() -> list[ExportRow]:
    return list(export_rows(scope=export_scope(actor=None)))


def text_of(rows: list[ExportRow]) -> str:
    from onestop.takedown.export import export_lines

    return "".join(export_lines(rows))


# --- the rows ---------------------------------------------------------------------------------


def test_an_image_gives_a_pdq_row_per_variant_then_its_exact_digests(
    case: Case, manager: Staff
) -> None:
    data = picture(1)
    item = bank(case, data, manager, label=ContentLabel.NONCONSENSUAL)
    rows = everything()
    hashes = {(h.variant, h.pdq, h.quality) for h in BankHash.objects.filter(item=item)}
    assert len(hashes) >= 11  # the picture and the variants banked for it
    pdq_rows = [r for r in rows if r.type == "pdq"]
    assert {(r.variant, r.hash, r.quality) for r in pdq_rows} == hashes
    assert len(pdq_rows) == len(hashes)
    assert [r.variant for r in pdq_rows][:9] == [  # in the order they are banked
        "original", "rot90", "rot180", "rot270", "flip_h", "flip_v", "transpose", "transverse",
        "crop5",
    ]  # fmt: skip
    assert {"flip_h", "rot90", "crop5", "crop10", "half"} <= {r.variant for r in pdq_rows}
    assert all(r.frame is None for r in pdq_rows)
    assert rows[-2:] == [
        ExportRow(
            id=str(item.pk),
            type="md5",
            hash=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            quality=None,
            label="nonconsensual_sharing",
        ),
        ExportRow(
            id=str(item.pk),
            type="sha256",
            hash=hashlib.sha256(data).hexdigest(),
            quality=None,
            label="nonconsensual_sharing",
        ),
    ]
    assert {r.id for r in rows} == {str(item.pk)}
    assert {r.label for r in rows} == {"nonconsensual_sharing"}


def test_a_video_gives_a_row_per_good_frame(case: Case, manager: Staff) -> None:
    pytest.importorskip("vpdq")
    clip = (CORPUS / "video" / "chair-20-sd-bar.mp4").read_bytes()
    item = bank(case, clip, manager)
    rows = everything()
    frames = [
        (h.frame, h.pdq, h.quality)
        for h in BankHash.objects.filter(item=item, quality__gte=50).order_by("frame")
    ]
    assert frames
    vpdq_rows = [r for r in rows if r.type == "vpdq"]
    assert [(r.frame, r.hash, r.quality) for r in vpdq_rows] == frames
    assert all(r.variant == "" for r in vpdq_rows)
    assert [r.type for r in rows] == ["vpdq"] * len(frames) + ["md5", "sha256"]
    assert rows[-1].hash == hashlib.sha256(clip).hexdigest()


def test_items_banked_before_the_digests_were_kept_have_no_digest_rows(
    case: Case, manager: Staff
) -> None:
    item = bank(case, picture(2), manager)
    BankItem.objects.filter(pk=item.pk).update(md5="", sha256="")  # as an older item is
    rows = everything()
    assert {r.type for r in rows} == {"pdq"}


def test_rows_come_in_batches_without_skipping_or_repeating_an_item(
    case: Case, manager: Staff, django_assert_num_queries: Any
) -> None:
    items = [bank(case, picture(seed), manager) for seed in (3, 4, 5)]
    BankItem.objects.update(banked_at=items[0].banked_at)  # the same moment: ids break the tie
    scope = export_scope(actor=None)
    whole = list(export_rows(scope=scope))
    # two batches of two items and one of none: two queries per batch, one to find the end
    with django_assert_num_queries(5):
        paged = list(export_rows(scope=scope, batch=2))
    assert paged == whole
    assert sorted({r.id for r in whole}) == sorted(str(i.pk) for i in items)
    assert len(whole) == sum(BankHash.objects.filter(item=i).count() + 2 for i in items)


def test_since_takes_only_what_was_banked_from_then(case: Case, manager: Staff) -> None:
    bank(case, picture(6), manager)
    later = bank(case, picture(7), manager)
    rows = list(export_rows(scope=export_scope(actor=None, since=later.banked_at)))
    assert {r.id for r in rows} == {str(later.pk)}


# --- what is left out -------------------------------------------------------------------------


def test_only_items_a_platform_may_be_asked_to_block_are_exported(
    agency: Agency,
    case: Case,
    manager: Staff,
    staff: dict[str, Staff],
    open_case: Callable[..., Case],
) -> None:
    kept = bank(case, picture(10), manager)
    withdrawn = bank(case, picture(11), manager)
    bank_item_withdraw(actor=manager, case_id=case.pk, item_id=withdrawn.pk, note="본인 요청")
    waiting = bank(case, featureless(), manager)
    assert waiting.needs_review
    no_mandate = open_case(manager, name="박서연", phone="010-2222-3333")
    support(no_mandate, manager, mandate=False)
    without_mandate = bank(no_mandate, picture(12), manager)
    no_consent = open_case(manager, name="최민지", phone="010-4444-5555")
    support(no_consent, manager, consent=False)
    without_consent = bank(no_consent, picture(13), manager)
    withdrew = open_case(manager, name="정하은", phone="010-6666-7777")
    support(withdrew, manager)
    grant = ConsentGrant.objects.get(case=withdrew)
    consent_withdraw(case_id=withdrew.pk, grant_id=grant.pk, actor=manager, note="철회")
    after_withdrawal = bank(withdrew, picture(14), manager)
    revoked = open_case(manager, name="한소연", phone="010-8888-9999")
    support(revoked, manager)
    mandate = revoked_mandate_of(revoked)
    mandate_revoke(actor=manager, case_id=revoked.pk, mandate_id=mandate, note="대리권 종료")
    after_revocation = bank(revoked, picture(15), manager)

    exported = {r.id for r in everything()}

    assert exported == {str(kept.pk)}
    for left_out in (
        withdrawn,
        waiting,
        without_mandate,
        without_consent,
        after_withdrawal,
        after_revocation,
    ):
        assert str(left_out.pk) not in exported
    # once a person looked at the featureless item and kept it, it goes out with its quality
    bank_item_review(actor=desk_of(staff), item_id=waiting.pk, keep=True)
    rows = [r for r in everything() if r.id == str(waiting.pk)]
    assert rows
    assert {r.quality for r in rows if r.type == "pdq"} == {0}


def revoked_mandate_of(case: Case) -> Any:
    from onestop.takedown.models import DeletionMandate

    return DeletionMandate.objects.get(case=case).pk


def test_a_consent_that_expired_or_is_not_yet_given_does_not_count(
    case: Case, manager: Staff
) -> None:
    item = bank(case, picture(16), manager)
    grant = ConsentGrant.objects.get(case=case)
    ConsentGrant.objects.filter(pk=grant.pk).update(
        expires_at=clock.now() - dt.timedelta(minutes=1)
    )
    assert everything() == []
    ConsentGrant.objects.filter(pk=grant.pk).update(
        given_at=clock.now() + dt.timedelta(hours=1), expires_at=None
    )
    assert everything() == []
    ConsentGrant.objects.filter(pk=grant.pk).update(given_at=clock.now() - dt.timedelta(hours=1))
    assert {r.id for r in everything()} == {str(item.pk)}


def test_nothing_of_the_case_or_of_her_is_in_the_export(case: Case, manager: Staff) -> None:
    bank(case, picture(17), manager)
    text = text_of(everything())
    assert text.count("\r\n") > 10
    assert case.reference not in text
    assert case.victim.name not in text
    assert "010-1234-5678" not in text
    assert str(case.pk) not in text
    assert str(case.pk).replace("-", "") not in text
    assert text.isascii()


# --- the format -------------------------------------------------------------------------------


def test_the_csv_is_valid_and_reads_back_the_same(case: Case, manager: Staff) -> None:
    bank(case, picture(18), manager)
    rows = everything()
    text = text_of(rows)
    assert text.startswith("id,type,hash,quality,label,variant,frame\r\n")
    assert text.endswith("\r\n")
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(table[0]) == COLUMNS
    assert all(len(line) == len(COLUMNS) for line in table)
    assert len(table) == len(rows) + 1
    assert list(read_export(io.StringIO(text, newline=""))) == rows
    assert list(read_export(text.splitlines())) == rows


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("id,kind,hash\r\n", "header"),
        ("id,type,hash,quality,label,variant,frame\r\nx,phash,00,,other,,\r\n", "unknown type"),
        ("id,type,hash,quality,label,variant,frame\r\nx,md5,ABC,,other,,\r\n", "hex"),
        ("id,type,hash,quality,label,variant,frame\r\nx,md5\r\n", "2 fields"),
    ],
)
def test_the_reader_refuses_what_is_not_the_format(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        list(read_export(io.StringIO(text, newline="")))


# --- the audit --------------------------------------------------------------------------------


def test_an_export_is_recorded_with_counts_and_never_a_hash(
    case: Case, manager: Staff, staff: dict[str, Staff]
) -> None:
    item = bank(case, picture(19), manager)
    hashes = BankHash.objects.filter(item=item).count()
    export = bank_export_open(actor=desk_of(staff))
    entry = AuditEntry.objects.get(action="takedown.export")
    assert entry.actor == desk_of(staff)
    assert entry.data == {"items": 1, "rows": hashes + 2, "since": "", "scope": "agency"}
    rows = list(export.rows())
    assert len(rows) == hashes + 2
    recorded = json.dumps([e.data for e in AuditEntry.objects.all()])
    assert not any(r.hash in recorded for r in rows)


def test_anyone_but_the_desk_is_refused_and_nothing_is_recorded(
    case: Case, manager: Staff, counselor: Staff
) -> None:
    from onestop.takedown.errors import TakedownActionForbidden

    bank(case, picture(20), manager)
    before = AuditEntry.objects.count()
    for who in (manager, counselor):
        with pytest.raises(TakedownActionForbidden):
            bank_export_open(actor=who)
    assert AuditEntry.objects.count() == before


# --- the web desk -----------------------------------------------------------------------------


def url() -> str:
    return reverse("takedown_export:download")


def streamed(response: Any) -> str:
    assert response.streaming  # rows are sent as they are read, not built up first
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.DELETION_STAFF, 200),
        (Role.SUPERVISOR, 200),
        (Role.CASE_MANAGER, 403),
        (Role.HOTLINE_COUNSELOR, 403),
        (Role.EXPERT, 403),
        (Role.SHELTER_STAFF, 403),
        (Role.PROVIDER, 403),
        (Role.POLICE_LIAISON, 403),
        (Role.STATISTICIAN, 403),
        (Role.ADMIN, 403),
    ],
)
def test_only_the_desk_sees_the_page_and_downloads(
    client: Client, case: Case, manager: Staff, staff: dict[str, Staff], role: str, status: int
) -> None:
    bank(case, picture(21), manager)
    client.force_login(staff[role])
    before = AuditEntry.objects.filter(action="takedown.export").count()
    page = client.get(url())
    download = client.post(url())
    assert (page.status_code, download.status_code) == (status, status)
    after = AuditEntry.objects.filter(action="takedown.export").count()
    assert after == before + (1 if status == 200 else 0)


def test_signed_out_is_sent_to_sign_in(client: Client) -> None:
    assert client.get(url()).status_code == 302
    assert client.post(url()).status_code == 302
    assert not AuditEntry.objects.filter(action="takedown.export").exists()


def test_the_desk_downloads_its_own_agencys_items_only(
    client: Client,
    case: Case,
    manager: Staff,
    staff: dict[str, Staff],
    other_agency: Agency,
    make_staff: Callable[..., Staff],
    open_case: Callable[..., Case],
) -> None:
    ours = bank(case, picture(22), manager)
    elsewhere_manager = make_staff(other_agency, Role.CASE_MANAGER)
    elsewhere = open_case(elsewhere_manager, name="윤서연", phone="010-3333-1111")
    support(elsewhere, elsewhere_manager)
    theirs = bank(elsewhere, picture(23), elsewhere_manager)
    client.force_login(desk_of(staff))

    page = client.get(url())
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert page.context["overview"].counts.items == 1
    assert case.reference not in page.content.decode()

    response = client.post(url())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    day = clock.now().astimezone(clock.SEOUL)
    assert response["Content-Disposition"] == (
        f'attachment; filename="onestop-hashes-{day:%Y%m%d}.csv"'
    )
    assert response["Cache-Control"] == "no-store"
    text = streamed(response)
    rows = list(read_export(io.StringIO(text, newline="")))
    assert {r.id for r in rows} == {str(ours.pk)}
    assert str(theirs.pk) not in text
    assert case.reference not in text
    assert case.victim.name not in text


def test_the_desk_can_ask_for_what_was_banked_since_a_time(
    client: Client, case: Case, manager: Staff, staff: dict[str, Staff]
) -> None:
    bank(case, picture(24), manager)
    client.force_login(desk_of(staff))
    tomorrow = (clock.now() + dt.timedelta(days=1)).astimezone(clock.SEOUL)
    response = client.post(url(), {"since": f"{tomorrow:%Y-%m-%dT%H:%M}"})
    text = streamed(response)
    assert text == "id,type,hash,quality,label,variant,frame\r\n"
    entry = AuditEntry.objects.get(action="takedown.export")
    assert entry.data["items"] == 0
    assert entry.data["since"].startswith(f"{tomorrow:%Y-%m-%dT%H:%M}")
    refused = client.post(url(), {"since": "not a time"})
    assert refused.status_code == 422
    assert AuditEntry.objects.filter(action="takedown.export").count() == 1


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_rows_are_streamed_as_they_are_read(
    case: Case, manager: Staff, staff: dict[str, Staff]
) -> None:
    """``onestop serve`` is ASGI: a synchronous stream would be read whole into memory first
    (and warned about); the download streams asynchronously, with the same rows."""
    item = bank(case, picture(29), manager)
    expected = text_of(everything())
    client = AsyncClient()

    async def download() -> tuple[Any, str]:
        await client.aforce_login(desk_of(staff))
        response: Any = await client.post(url())
        body = b"".join([part async for part in response.streaming_content])
        return response, body.decode("utf-8")

    response, text = async_to_sync(download)()
    assert response.status_code == 200
    assert response.is_async
    assert text == expected
    assert {r.id for r in read_export(io.StringIO(text, newline=""))} == {str(item.pk)}
    assert AuditEntry.objects.filter(action="takedown.export").count() == 1


# --- the command line -------------------------------------------------------------------------


def command(*argv: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stderr(io.StringIO()):
        call_command("bank", *argv, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_exports_every_agency_into_a_file_and_records_it(
    case: Case,
    manager: Staff,
    other_agency: Agency,
    make_staff: Callable[..., Staff],
    open_case: Callable[..., Case],
    tmp_path: Path,
) -> None:
    ours = bank(case, picture(25), manager)
    elsewhere_manager = make_staff(other_agency, Role.CASE_MANAGER)
    elsewhere = open_case(elsewhere_manager, name="윤서연", phone="010-3333-1111")
    support(elsewhere, elsewhere_manager)
    theirs = bank(elsewhere, picture(26), elsewhere_manager)
    target = tmp_path / "hashes.csv"

    out, err = command("export", "--out", str(target))

    assert out == ""
    with target.open(encoding="utf-8", newline="") as exported:
        rows = list(read_export(exported))
    assert {r.id for r in rows} == {str(ours.pk), str(theirs.pk)}
    assert f"{len(rows)} rows" in err
    assert target.stat().st_mode & 0o077 == 0  # the owner's only
    assert [p.name for p in tmp_path.iterdir()] == ["hashes.csv"]
    entry = AuditEntry.objects.get(action="takedown.export")
    assert entry.actor is None
    assert entry.actor_label == "cli"
    assert entry.data == {"items": 2, "rows": len(rows), "since": "", "scope": "all"}


def test_the_command_writes_to_stdout_and_takes_since(case: Case, manager: Staff) -> None:
    first = bank(case, picture(27), manager)
    out, _err = command("export")
    assert {r.id for r in read_export(io.StringIO(out, newline=""))} == {str(first.pk)}
    later = (first.banked_at + dt.timedelta(seconds=1)).astimezone(clock.SEOUL)
    out, _err = command("export", "--since", later.replace(tzinfo=None).isoformat())
    assert out == "id,type,hash,quality,label,variant,frame\r\n"
    assert AuditEntry.objects.filter(action="takedown.export").count() == 2


def test_bank_add_still_answers_as_the_contract_says(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(picture(28))
    out, _err = command("add", "--case", case.reference, str(path))
    (line,) = [json.loads(text) for text in out.splitlines()]
    assert line == {
        "file": str(path),
        "item": str(BankItem.objects.get().pk),
        "kind": "image",
        "quality": 100,
    }
