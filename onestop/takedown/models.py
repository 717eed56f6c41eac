"""The hash bank: what a victim's content looks like to a hash, never the content itself.

A ``BankItem`` is one image or video banked for a case's deletion support; its ``BankHash`` rows
are the hashes kept for it (the image as it is and its variants; a video's frames). Hashes are
personal data of the most sensitive kind (they identify her intimate images): every hash value
is sealed, the exact-copy digest is kept only as a blind index, and reading the bank is audited
by the services. Items of quality below 50 wait for a person before they match anything."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class MediaKind(models.TextChoices):
    IMAGE = "image", _("이미지")
    VIDEO = "video", _("동영상")


class ContentLabel(models.TextChoices):
    """What a banked item is, in the words shared with platforms (the export's ``label``)."""

    ILLEGAL_RECORDING = "illegal_recording", _("불법촬영물")
    NONCONSENSUAL = "nonconsensual_sharing", _("비동의 유포물")
    SYNTHETIC = "synthetic", _("합성·편집물 (딥페이크)")
    PERSONAL_INFO = "personal_info", _("신상정보 노출")
    OTHER = "other", _("기타")


class BankItem(BaseModel):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=MediaKind.choices)
    quality = models.PositiveSmallIntegerField()
    needs_review = models.BooleanField(default=False)
    sha256_index = models.CharField(max_length=64, db_index=True)
    banked_at = models.DateTimeField(db_index=True)  # the cached index refreshes by it
    banked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    banked_by_label = models.CharField(max_length=150, blank=True)
    label = models.CharField(
        max_length=30, choices=ContentLabel.choices, default=ContentLabel.ILLEGAL_RECORDING
    )
    # the exact-copy digests, sealed, for the export to platforms (MD5 is what many still use)
    sha256 = EncryptedTextField(blank=True)
    md5 = EncryptedTextField(blank=True)
    # kept as evidence under the evidence rules (an ``evidence.EvidenceFile``), else not kept
    evidence_file_id = models.UUIDField(null=True, blank=True)
    # a person looked at a low-quality item and kept it (its matches always go to review)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, db_index=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256_index"], name="bank_item_once_per_case")
        ]

    def __str__(self) -> str:
        return f"bank item {self.pk}"


class BankHash(BaseModel):
    """One hash of an item: a PDQ variant of an image (``variant``), or one frame of a video
    (``frame``). ``pdq`` is sealed."""

    item = models.ForeignKey(BankItem, on_delete=models.CASCADE, related_name="hashes")
    variant = models.CharField(max_length=20, blank=True)
    frame = models.PositiveIntegerField(null=True, blank=True)
    pdq = EncryptedTextField()
    quality = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"bank hash {self.pk}"


class Relation(models.TextChoices):
    """Who may ask for deletion (성폭력방지법 제7조의3): the victim, her spouse, children or
    siblings, or an agent she authorised."""

    VICTIM = "victim", _("피해자 본인")
    SPOUSE = "spouse", _("배우자")
    CHILD = "child", _("직계친족 (자녀)")
    SIBLING = "sibling", _("형제자매")
    AGENT = "agent", _("위임받은 대리인")


class ProofKind(models.TextChoices):
    ID_CHECKED = "id_checked", _("신분증 확인")
    FAMILY_CERTIFICATE = "family_certificate", _("가족관계증명서")
    POWER_OF_ATTORNEY = "power_of_attorney", _("위임장 및 신분증 사본")


class DeletionMandate(BaseModel):
    """A request for deletion support, and who made it. Takedown requests go to platforms only
    while the case has one in force. Anyone but the victim is recorded with the proof checked."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    requester_name = EncryptedTextField(blank=True)
    proof_kind = models.CharField(max_length=30, choices=ProofKind.choices)
    proof_note = EncryptedTextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"deletion mandate {self.pk}"


class PlatformKind(models.TextChoices):
    ADULT_SITE = "adult_site", _("성인 사이트")
    SEARCH_ENGINE = "search_engine", _("검색 엔진")
    SOCIAL_MEDIA = "social_media", _("소셜 미디어")
    FILE_SHARING = "file_sharing", _("파일 공유 (웹하드·토렌트)")
    MESSENGER = "messenger", _("메신저")
    COMMUNITY = "community", _("커뮤니티·게시판")
    OTHER = "other", _("기타")


class Platform(BaseModel):
    """Where content is found and whom to ask to take it down. ``domains`` (one per line)
    recognise a found URL's platform; ``response_hours`` is how long the platform is expected to
    take before a request counts as overdue."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=PlatformKind.choices)
    country = models.CharField(max_length=2)
    domains = models.TextField(blank=True)
    report_channel = models.TextField()
    response_hours = models.PositiveIntegerField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_foreign(self) -> bool:
        return self.country.upper() != "KR"

    def domain_list(self) -> list[str]:
        return [d.strip().lower() for d in self.domains.splitlines() if d.strip()]


class TakedownStatus(models.TextChoices):
    FOUND = "found", _("발견")
    REQUESTED = "requested", _("삭제 요청")
    REMOVED = "removed", _("삭제 완료")
    REFUSED = "refused", _("삭제 거부")
    NO_RESPONSE = "no_response", _("무응답")
    ESCALATED = "escalated", _("방송통신심의위원회 차단 요청")
    BLOCKED = "blocked", _("접속 차단")
    REUPLOADED = "reuploaded", _("재유포")


class FoundBy(models.TextChoices):
    STAFF = "staff", _("직원 검색")
    MONITORING = "monitoring", _("재유포 모니터링")
    REVIEW = "review", _("검토 후 확인")


class TakedownRequest(BaseModel):
    """One URL where her content was found, and everything done to take it down there. The URL
    is sealed and blind-indexed (one request per URL per case). Before the platform is asked,
    the evidence is preserved: the URL, when it was captured, and the captured content's hashes
    (and the capture itself, when kept as evidence)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="requests")
    url = EncryptedTextField()
    url_index = models.CharField(max_length=64)
    bank_item = models.ForeignKey(
        BankItem, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    distance = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=TakedownStatus.choices, default=TakedownStatus.FOUND
    )
    found_by = models.CharField(max_length=20, choices=FoundBy.choices)
    found_at = models.DateTimeField()
    is_reupload = models.BooleanField(default=False)
    captured_at = models.DateTimeField(null=True, blank=True)
    capture_sha256 = EncryptedTextField(blank=True)
    capture_pdq = EncryptedTextField(blank=True)
    evidence_file_id = models.UUIDField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    times_requested = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-found_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "url_index"], name="takedown_once_per_url")
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"takedown request {self.pk}"

    @property
    def evidence_preserved(self) -> bool:
        return self.captured_at is not None and bool(self.capture_sha256)


class TakedownStep(BaseModel):
    """One dated step of a request: ``at`` is when it happened (a platform's answer may be
    recorded the next morning), ``recorded_at`` when it was written down."""

    request = models.ForeignKey(TakedownRequest, on_delete=models.CASCADE, related_name="steps")
    status_from = models.CharField(max_length=20, choices=TakedownStatus.choices, blank=True)
    status_to = models.CharField(max_length=20, choices=TakedownStatus.choices)
    at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "recorded_at"]

    def __str__(self) -> str:
        return f"takedown step {self.pk}"


class SourceKind(models.TextChoices):
    URLS = "urls", _("URL 목록")
    FOLDER = "folder", _("폴더 수집")


class MonitoringSource(BaseModel):
    """Where re-upload monitoring looks: a list of page or media URLs (fetched), or a folder
    where a crawler drops files (each with an optional ``NAME.url`` giving where it was found).
    Not victim data: sites and folders, not her content."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=SourceKind.choices)
    urls = models.TextField(blank=True)
    folder = models.CharField(max_length=500, blank=True)
    active = models.BooleanField(default=True)
    every_hours = models.PositiveIntegerField(default=24)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def url_list(self) -> list[str]:
        return [u.strip() for u in self.urls.splitlines() if u.strip()]


class MonitoringRun(BaseModel):
    """One pass of a source: how many candidates were hashed, matched, sent to review, failed."""

    source = models.ForeignKey(MonitoringSource, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    candidates = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    reviews = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"monitoring run {self.pk}"


class CandidateDecision(models.TextChoices):
    PENDING = "pending", _("검토 대기")
    MATCH = "match", _("일치 확인")
    NOT_MATCH = "not_match", _("불일치")


class MatchCandidate(BaseModel):
    """Found content within review distance (32 to 52), or matched by a hash of low quality, waiting
    for a person. The reviewer sees the bank item, its case reference (if she works that case),
    the distance and the URL — never who the victim is."""

    bank_item = models.ForeignKey(BankItem, on_delete=models.PROTECT, related_name="candidates")
    url = EncryptedTextField(blank=True)
    # blind index of the URL, or of the capture's SHA-256 when a dropped file came without one
    url_index = models.CharField(max_length=64)
    distance = models.PositiveSmallIntegerField()
    capture_sha256 = EncryptedTextField(blank=True)
    capture_pdq = EncryptedTextField(blank=True)
    source = models.ForeignKey(
        MonitoringSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    found_at = models.DateTimeField()
    decision = models.CharField(
        max_length=20, choices=CandidateDecision.choices, default=CandidateDecision.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request = models.ForeignKey(
        TakedownRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["found_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_item", "url_index"], name="candidate_once_per_place"
            )
        ]

    def __str__(self) -> str:
        return f"match candidate {self.pk}"
