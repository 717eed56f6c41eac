from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("접수")
    ASSESSING = "assessing", _("위험 평가")
    PLANNING = "planning", _("지원 계획")
    IN_SUPPORT = "in_support", _("지원 중")
    MONITORING = "monitoring", _("사후 관리")
    CLOSED = "closed", _("종결")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("긴급전화 (1366)")
    POLICE_REFERRAL = "police_referral", _("경찰 연계")
    CHAT = "chat", _("온라인 채팅")
    MESSENGER = "messenger", _("메신저 (카카오톡)")
    WEB = "web", _("홈페이지 신청")
    WALK_IN = "walk_in", _("방문")


class Relationship(models.TextChoices):
    FORMER_PARTNER = "former_partner", _("전 연인")
    CURRENT_PARTNER = "current_partner", _("현 연인")
    SPOUSE = "spouse", _("배우자")
    FORMER_SPOUSE = "former_spouse", _("전 배우자")
    FAMILY = "family", _("가족·친척")
    COLLEAGUE = "colleague", _("직장 동료")
    ACQUAINTANCE = "acquaintance", _("지인")
    ONLINE_ACQUAINTANCE = "online_acquaintance", _("온라인에서 알게 된 사람")
    STRANGER = "stranger", _("모르는 사람")
    UNKNOWN = "unknown", _("알 수 없음")


class StalkingBehaviour(models.TextChoices):
    """The acts of the Stalking Punishment Act, art. 2, plus what victims report beyond them."""

    APPROACHING_FOLLOWING = "approaching_following", _("접근하거나 따라다님")
    WAITING_WATCHING = "waiting_watching", _("집·직장 부근에서 기다리거나 지켜봄")
    COMMUNICATION = "communication", _("전화·문자·SNS 등으로 연락")
    LEAVING_OBJECTS = "leaving_objects", _("물건을 보내거나 두고 감")
    PROPERTY_DAMAGE = "property_damage", _("주거지 부근 물건 훼손")
    PERSONAL_DATA_MISUSE = "personal_data_misuse", _("개인정보 유포·게시")
    IMPERSONATION = "impersonation", _("신분 도용·사칭")
    THIRD_PARTY_CONTACT = "third_party_contact", _("주변인을 통한 연락")


class FurtherHarm(models.TextChoices):
    DATING_VIOLENCE = "dating_violence", _("교제폭력")
    THREATS = "threats", _("협박")
    ASSAULT = "assault", _("폭행")
    SEXUAL_VIOLENCE = "sexual_violence", _("성폭력")
    DIGITAL_SEX_CRIME = "digital_sex_crime", _("디지털 성범죄")
    PROPERTY_DAMAGE = "property_damage", _("재물손괴")


class CloseReason(models.TextChoices):
    SUPPORT_COMPLETED = "support_completed", _("지원 완료")
    VICTIM_REQUEST = "victim_request", _("피해자 요청")
    NO_CONTACT = "no_contact", _("연락 두절")
    TRANSFERRED = "transferred", _("타 기관 이관")
    DUPLICATE = "duplicate", _("중복 사례")
    OTHER = "other", _("기타")


class TeamRole(models.TextChoices):
    LEAD = "lead", _("담당 사례관리자")
    CASE_MANAGER = "case_manager", _("사례관리자")
    COUNSELOR = "counselor", _("상담원")
    EXPERT = "expert", _("전문가")


class EventKind(models.TextChoices):
    OPENED = "opened", _("사례 생성")
    CONTACT = "contact", _("상담 기록")
    STATUS_CHANGED = "status_changed", _("상태 변경")
    REOPENED = "reopened", _("재개")
    TEAM_ASSIGNED = "team_assigned", _("담당 배정")
    TEAM_REMOVED = "team_removed", _("담당 해제")
    NOTE = "note", _("메모")
    COMPLAINT_WITHDRAWN = "complaint_withdrawn", _("고소 취하")


class Case(BaseModel):
    reference = models.CharField(max_length=30, unique=True)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    victim = models.ForeignKey("people.Victim", on_delete=models.PROTECT, related_name="cases")
    perpetrator = models.ForeignKey(
        "people.Perpetrator", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    relationship = models.CharField(
        max_length=30, choices=Relationship.choices, default=Relationship.UNKNOWN
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    status = models.CharField(
        max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    stalking_behaviours = models.JSONField(default=list)
    further_harms = models.JSONField(default=list)
    summary = EncryptedTextField(blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=30, choices=CloseReason.choices, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["agency", "status", "opened_at"]),
            models.Index(fields=["victim", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="closed", closed_at__isnull=False) & ~Q(close_reason=""))
                | (~Q(status="closed") & Q(closed_at__isnull=True, close_reason="")),
                name="closed_case_has_time_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


class CaseTeamMember(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=TeamRole.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "staff"], name="one_membership_per_staff"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(role="lead"), name="one_lead_per_case"
            ),
        ]
        indexes = [models.Index(fields=["staff", "case"])]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.staff_id}:{self.role}"


class CaseEvent(BaseModel):
    """One entry of a case's timeline. ``data`` never holds identity; free text is sealed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    data = models.JSONField(default=dict)
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class CaseReferenceCounter(models.Model):
    """The last number handed out per year, locked while the next one is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Notification(BaseModel):
    """An in-app notice for one staff member. Names no victim: only the case reference."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    source_event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "source_event"], name="one_notice_per_event_and_recipient"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"
