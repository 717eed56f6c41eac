"""The demo's deletion support: the platforms the deletion desk works with (Korean and foreign,
all fictitious, on ``.example`` domains), and one case of the center whose former partner
threatened to spread pictures taken while they were together — her request for deletion
support and her consent to it, two pictures banked by hash, and five URLs where they were
found, each at another point of its takedown: removed (a webhard), overdue (a community board),
escalated to the regulator (a foreign adult site that did not answer), asked and waiting (a
foreign social network), just found (a search engine's image results).

Everything goes through the tracking services, so the timeline and the audit chain hold it as the
real path would. The "pictures" are drawn here (shapes and a caption; never a person), and the
case is found when the steps run, as the other series find theirs."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Protocol
from uuid import UUID

from PIL import Image, ImageDraw

from onestop.accounts.models import Staff
from onestop.cases.models import Case, CaseStatus, CaseTeamMember, FurtherHarm, TeamRole
from onestop.cases.services import case_team_assign
from onestop.consent.services import ConsentInput, consent_record
from onestop.core import clock
from onestop.demo.evidence import evidence_case
from onestop.takedown.models import ContentLabel, Platform, TakedownRequest
from onestop.takedown.tracking import (
    FoundInput,
    MandateInput,
    PlatformInput,
    StepInput,
    bank_item_add_by_staff,
    mandate_record,
    platform_save,
    takedown_evidence_preserve,
    takedown_request_open,
    takedown_request_step,
)

CENTER = "seoul-onestop"
DESK = "deletion"  # the deletion support center's desk keeps the platform list
CENTER_DESK = "deletion1"  # the center's deletion-support worker, on the case's team

# name, kind, country, domains, report channel, expected response (hours)
PLATFORMS: list[tuple[str, str, str, str, str, int]] = [
    (
        "파일나라 웹하드 (가상)",
        "file_sharing",
        "KR",
        "filenara.example",
        "불법촬영물 삭제 요청 전용 창구: https://filenara.example/report "
        "(전기통신사업법상 삭제 의무, 담당 02-0000-1111)",
        24,
    ),
    (
        "유머판 커뮤니티 (가상)",
        "community",
        "KR",
        "humorpan.example",
        "게시물 신고 → 권리침해 신고: https://humorpan.example/cs/report, "
        "운영팀 cs@humorpan.example",
        72,
    ),
    (
        "NightTube (fictitious adult site)",
        "adult_site",
        "US",
        "nighttube.example\nnttcdn.example",
        "Content removal form: https://nighttube.example/removal (English only), "
        "abuse@nighttube.example",
        168,
    ),
    (
        "Pixgram (fictitious social network)",
        "social_media",
        "US",
        "pixgram.example",
        "Non-consensual intimate imagery report: https://help.pixgram.example/ncii "
        "(Korean form available)",
        48,
    ),
    (
        "Seekr (fictitious search engine)",
        "search_engine",
        "US",
        "seekr.example",
        "Remove explicit non-consensual images from results: "
        "https://support.seekr.example/remove-nci",
        120,
    ),
]


class Loader(Protocol):
    now: dt.datetime
    staff: dict[str, Staff]

    def at(self, moment: dt.datetime, run: Callable[[], None]) -> None: ...


def drawn_picture(seed: int, caption: str) -> bytes:
    """A made-up 'photo': coloured shapes and a caption, drawn here (never a person), with
    enough structure for a PDQ hash of full quality."""
    rng = random.Random(f"onestop-demo-deletion-{seed}")  # noqa: S311  (synthetic data)
    image = Image.new("RGB", (640, 480), tuple(rng.randrange(40, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(36):
        x, y = rng.randrange(640), rng.randrange(480)
        box = (x, y, x + rng.randrange(30, 260), y + rng.randrange(30, 220))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)
        else:
            draw.rectangle(box, fill=colour)
    draw.text((24, 24), caption, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def screenshot(picture: bytes, site: str) -> bytes:
    """What staff capture on the page: the picture re-encoded under the site's caption bar."""
    image = Image.open(io.BytesIO(picture)).convert("RGB")
    page = Image.new("RGB", (image.width, image.height + 60), (250, 250, 250))
    page.paste(image, (0, 60))
    ImageDraw.Draw(page).text((16, 20), site, fill=(30, 30, 30))
    out = io.BytesIO()
    page.save(out, format="JPEG", quality=80)
    return out.getvalue()


class DeletionSeries:
    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.case: UUID | None = None
        self.lead: Staff | None = None
        self.pictures: dict[str, bytes] = {}
        self.items: dict[str, UUID] = {}
        self.requests: dict[str, UUID] = {}

    def schedule(self) -> None:
        now = self.loader.now
        day = dt.timedelta(days=1)
        hour = dt.timedelta(hours=1)
        at = self.loader.at
        at(now - 60 * day, self._platforms)
        at(now - 16 * day, self._mandate_and_bank)
        # the webhard: found, asked, removed overnight (recorded the next morning)
        at(
            now - 15 * day,
            self._found("webhard", "https://filenara.example/contents/view/48213977"),
        )
        at(now - 15 * day + hour, self._ask("webhard"))
        at(now - 14 * day + 2 * hour, self._removed_last_night("webhard"))
        # the foreign adult site: asked, no answer in its week, escalated to the regulator
        url = "https://www.nighttube.example/video/8f3k2l9q"
        at(now - 15 * day + 2 * hour, self._found("adult", url, keep=True))
        at(now - 15 * day + 3 * hour, self._ask("adult"))
        at(now - 3 * day, self._step("adult", "no_response", "1주 기한이 지나도록 답이 없음."))
        at(
            now - 2 * day,
            self._step(
                "adult",
                "escalated",
                "해외 사이트 무응답: 방송통신심의위원회에 디지털성범죄 심의·접속차단 요청 "
                "(접수번호 2026-디성-0000, 데모).",
            ),
        )
        # the community board: asked six days ago, its three days have passed: overdue
        at(now - 9 * day, self._found("community", "https://humorpan.example/board/free/1938822"))
        at(now - 6 * day, self._ask("community"))
        # the foreign social network: asked yesterday, waiting
        at(now - 3 * day, self._found("social", "https://pixgram.example/p/Cq7xZ2mLk/"))
        at(now - 1 * day, self._ask("social"))
        # the search engine: found today, preserved, not asked yet
        url = "https://images.seekr.example/view?id=a81f3c07"
        at(now - 5 * hour, self._found("search", url))

    # --- helpers ----------------------------------------------------------------------------

    def _the_case(self) -> tuple[Case, Staff] | None:
        """An open, supported case of the center where he threatened to spread pictures (or
        any open supported case), with its lead; not the case that keeps the evidence demo."""
        skip = evidence_case()
        cases = (
            Case.objects.filter(
                agency__code=CENTER,
                status__in=[CaseStatus.IN_SUPPORT, CaseStatus.MONITORING],
            )
            .exclude(pk__in=[skip[0]] if skip else [])
            .order_by("opened_at")
        )
        ordered = sorted(cases, key=lambda c: FurtherHarm.DIGITAL not in c.further_harms)
        for case in ordered:
            lead = (
                CaseTeamMember.objects.filter(case=case, role=TeamRole.LEAD)
                .select_related("staff")
                .first()
            )
            if lead is not None and lead.staff.username != "supervisor":
                return case, lead.staff
        return None

    # --- the series -------------------------------------------------------------------------

    def _platforms(self) -> None:
        desk = self.loader.staff[DESK]
        for name, kind, country, domains, channel, hours in PLATFORMS:
            platform_save(
                actor=desk,
                data=PlatformInput(
                    name=name,
                    kind=kind,
                    country=country,
                    domains=domains,
                    report_channel=channel,
                    response_hours=hours,
                ),
            )

    def _mandate_and_bank(self) -> None:
        found = self._the_case()
        if found is None:
            return
        case, lead = found
        self.case, self.lead = case.pk, lead
        consent_record(
            case_id=case.pk,
            actor=lead,
            data=ConsentInput(
                purpose="deletion_support",
                recipient_kinds=("deletion_center",),
                data_categories=["identity", "contact", "evidence"],
                method="signed_form",
                given_at=clock.now() - dt.timedelta(minutes=40),
                note="유포 협박 사진의 삭제 지원과 해시 등록에 서면 동의",
            ),
        )
        mandate_record(
            actor=lead,
            case_id=case.pk,
            data=MandateInput(relation="victim", proof_kind="id_checked"),
        )
        # the center's own deletion-support worker joins the team for this case
        case_team_assign(
            case_id=case.pk,
            actor=lead,
            staff_id=self.loader.staff[CENTER_DESK].pk,
            role=TeamRole.DELETION,
        )
        for key, seed, label in (
            ("first", 1, ContentLabel.NONCONSENSUAL),
            ("second", 2, ContentLabel.SYNTHETIC),
        ):
            picture = drawn_picture(seed, f"DEMO IMAGE {seed} - not a real person")
            self.pictures[key] = picture
            item = bank_item_add_by_staff(
                actor=lead,
                case_id=case.pk,
                name=f"demo-{seed}.png",
                data=picture,
                label=label,
                keep_as_evidence=False,
            )
            self.items[key] = item.pk

    def _found(self, key: str, url: str, *, keep: bool = False) -> Callable[[], None]:
        """Staff find her picture at ``url`` and preserve the evidence (the capture's time and
        hashes; for the foreign site, the capture itself as case evidence)."""

        def run() -> None:
            if self.case is None or self.lead is None:
                return
            item = "first" if key in ("webhard", "adult", "search") else "second"
            request = takedown_request_open(
                actor=self.lead,
                case_id=self.case,
                data=FoundInput(url=url, bank_item_id=self.items[item], note="직원 검색으로 발견"),
            )
            self.requests[key] = request.pk
            platform = Platform.objects.get(pk=request.platform_id)
            takedown_evidence_preserve(
                actor=self.lead,
                case_id=self.case,
                request_id=request.pk,
                name=f"capture-{key}.jpg",
                data=screenshot(self.pictures[item], platform.name),
                captured_at=clock.now() - dt.timedelta(minutes=10),
                keep_file=keep,
            )

        return run

    def _step(self, key: str, to: str, note: str = "") -> Callable[[], None]:
        def run() -> None:
            if self.case is None or self.lead is None or key not in self.requests:
                return
            takedown_request_step(
                actor=self.lead,
                case_id=self.case,
                request_id=self.requests[key],
                data=StepInput(to_status=to, note=note),
            )

        return run

    def _ask(self, key: str) -> Callable[[], None]:
        return self._step(key, "requested", "신고 창구로 삭제 요청 (증거 보전 후)")

    def _removed_last_night(self, key: str) -> Callable[[], None]:
        """The platform answered late at night; staff record it the next morning, dated when
        it happened."""

        def run() -> None:
            if self.case is None or self.lead is None or key not in self.requests:
                return
            request = TakedownRequest.objects.get(pk=self.requests[key])
            answered = max(
                clock.now() - dt.timedelta(hours=11), request.requested_at or clock.now()
            )
            takedown_request_step(
                actor=self.lead,
                case_id=self.case,
                request_id=request.pk,
                data=StepInput(
                    to_status="removed", at=answered, note="웹하드 담당자 회신: 게시물 삭제·차단"
                ),
            )

        return run
