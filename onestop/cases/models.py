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
    """Intake channels, as in the case-import and yearly-statistics contracts."""

    HOTLINE = "hotline", _("긴급전화 (1366)")
    POLICE = "police", _("경찰 연계")
    WEB = "web", _("홈페이지 신청")
    CHAT = "chat", _("온라인 채팅·메신저")
    WALK_IN = "walk_in", _("방문")
    OTHER = "other", _("기타")


class Relationship(models.TextChoices):
    """The perpetrator's relationship to the victim, as in the police referral contract."""

    FORMER_PARTNER = "former_partner", _("전 연인·전 배우자")
    CURRENT_PARTNER = "current_partner", _("현 연인·배우자")
    FAMILY = "family", _("가족·친척")
    ACQUAINTANCE = "acquaintance", _("지인")
    COLLEAGUE = "colleague", _("직장 동료")
    STRANGER = "stranger", _("모르는 사람")
    ONLINE_ONLY = "online_only", _("온라인으로만 아는 사람")
    UNKNOWN = "unknown", _("알 수 없음")


class StalkingBehaviour(models.TextChoices):
    """Forms of stalking, as in the police referral contract (Stalking Punishment Act, art. 2,
    and what victims report beyond it)."""

    COMMUNICATION = "communication", _("전화·문자·SNS 등으로 연락")
    WATCHING_WAITING = "watching_waiting", _("지켜보거나 기다림")
    APPROACHING_FOLLOWING = "approaching_following", _("접근하거나 따라다님")
    VISITING_HOME_WORK = "visiting_home_work", _("집·직장에 찾아옴")
    DAMAGING_PROPERTY = "damaging_property", _("물건 훼손")
    ONLINE_EXPOSURE = "online_exposure", _("개인정보·사진 온라인 유포")
    THREATS = "threats", _("위협하는 말이나 행동")
    THIRD_PARTY_CONTACT = "third_party_contact", _("주변인을 통한 연락")
    # Finer kinds a victim names in her incident log (issue 6); the contracts do not know them,
    # so a case's own behaviours hold each as the contract's kind (``CONTRACT_BEHAVIOUR``).
    GIFTS = "gifts", _("물건·선물을 보내거나 두고 감")
    BANK_TRANSFER_MEMO = "bank_transfer_memo", _("계좌로 돈을 보내며 메모로 말을 걸어옴")
    SECONDHAND_APP = "secondhand_app", _("중고거래 앱 등 다른 앱으로 연락")
    OTHER = "other", _("기타 (사칭 등)")


# The police referral, case import and yearly statistics contracts name nine kinds; the finer
# kinds count as the one they are a form of. Incidents keep the finer kind.
CONTRACT_BEHAVIOUR: dict[str, str] = {
    StalkingBehaviour.GIFTS: StalkingBehaviour.OTHER,
    StalkingBehaviour.BANK_TRANSFER_MEMO: StalkingBehaviour.COMMUNICATION,
    StalkingBehaviour.SECONDHAND_APP: StalkingBehaviour.COMMUNICATION,
}


def contract_behaviours(codes: list[str]) -> list[str]:
    """``codes`` as the contracts name them (finer kinds mapped), in order, without repeats."""
    return list(dict.fromkeys(CONTRACT_BEHAVIOUR.get(code, code) for code in codes))


class FurtherHarm(models.TextChoices):
    """Further harm beside the stalking, as in the case-import contract."""

    DATING_VIOLENCE = "dating_violence", _("교제폭력")
    THREATS = "threats", _("협박")
    ASSAULT = "assault", _("폭행")
    SEXUAL_VIOLENCE = "sexual_violence", _("성폭력")
    PROPERTY = "property", _("재산 피해")
    DIGITAL = "digital", _("디지털 성범죄")


class RiskGrade(models.TextChoices):
    """A risk grade as a partner states it (the police referral contract's scale)."""

    VERY_HIGH = "very_high", _("매우 높음")
    HIGH = "high", _("높음")
    MEDIUM = "medium", _("보통")
    LOW = "low", _("낮음")
    UNKNOWN = "unknown", _("알 수 없음")


# Levels that flag a case: private security becomes possible, a case conference is proposed.
HIGH_RISK_LEVELS = frozenset({RiskGrade.HIGH, RiskGrade.VERY_HIGH})
# Levels in order, lowest first (``unknown`` is below every assessed level).
RISK_ORDER: tuple[str, ...] = (
    RiskGrade.UNKNOWN,
    RiskGrade.LOW,
    RiskGrade.MEDIUM,
    RiskGrade.HIGH,
    RiskGrade.VERY_HIGH,
)


class ProtectiveMeasureKind(models.TextChoices):
    """Protective measures of the Stalking Punishment Act, as the police referral contract names
    them."""

    EMERGENCY = "emergency", _("응급조치")
    URGENT_EMERGENCY = "urgent_emergency", _("긴급응급조치 (100m 접근금지·전기통신 접근금지)")
    PROVISIONAL_WARNING = "provisional_warning", _("잠정조치 1호: 서면 경고")
    PROVISIONAL_100M = "provisional_100m", _("잠정조치 2호: 100m 이내 접근금지")
    PROVISIONAL_TELECOM = "provisional_telecom", _("잠정조치 3호: 전기통신 이용 접근금지")
    PROVISIONAL_MONITORING = "provisional_monitoring", _("잠정조치 3호의2: 위치추적 전자장치 부착")
    PROVISIONAL_DETENTION = "provisional_detention", _("잠정조치 4호: 유치장·구치소 유치")


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
    DELETION = "deletion", _("삭제지원 담당자")


class EventKind(models.TextChoices):
    OPENED = "opened", _("사례 생성")
    CONTACT = "contact", _("상담 기록")
    STATUS_CHANGED = "status_changed", _("상태 변경")
    REOPENED = "reopened", _("재개")
    TEAM_ASSIGNED = "team_assigned", _("담당 배정")
    TEAM_REMOVED = "team_removed", _("담당 해제")
    NOTE = "note", _("메모")
    COMPLAINT_WITHDRAWN = "complaint_withdrawn", _("고소 취하")
    POLICE_REFERRAL = "police_referral", _("경찰 연계 접수")
    REFERRAL_TAKEN = "referral_taken", _("경찰 연계 확인")
    SEALED_LOCATION_ADDED = "sealed_location_added", _("봉인 주소 등록")
    CONSENT_RECORDED = "consent_recorded", _("동의 기록")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("동의 철회")
    DISCLOSED = "disclosed", _("정보 제공")
    INCIDENT_RECORDED = "incident_recorded", _("피해 사건 기록")
    RISK_ASSESSED = "risk_assessed", _("위험 평가")
    MEASURE_RECORDED = "measure_recorded", _("보호조치 기록")
    MEASURE_EXTENDED = "measure_extended", _("보호조치 연장")
    MEASURE_ENDED = "measure_ended", _("보호조치 종료·취소")
    MEASURE_BREACHED = "measure_breached", _("보호조치 위반")
    CONFERENCE_REFERRED = "conference_referred", _("사례회의 의뢰")
    CONFERENCE_DISCUSSED = "conference_discussed", _("사례회의 논의")
    CONFERENCE_ACTION = "conference_action", _("사례회의 조치")
    SERVICE_REQUESTED = "service_requested", _("지원 서비스 신청")
    SERVICE_DECIDED = "service_decided", _("지원 서비스 승인 결정")
    SERVICE_REFERRED = "service_referred", _("협력기관 의뢰")
    SERVICE_RESPONDED = "service_responded", _("협력기관 응답")
    SERVICE_DELIVERED = "service_delivered", _("지원 서비스 제공")
    SERVICE_CLOSED = "service_closed", _("지원 서비스 종결")
    PLACEMENT = "placement", _("보호시설 입소·퇴소")
    EVIDENCE_ADDED = "evidence_added", _("증거 자료 추가")
    WEB_APPLICATION = "web_application", _("홈페이지 신청 접수")
    APPLICATION_TAKEN = "application_taken", _("홈페이지 신청 확인")
    SAFETY_PLAN_SAVED = "safety_plan_saved", _("안전 계획 저장")
    MESSAGE_FROM_VICTIM = "message_from_victim", _("피해자 메시지")
    DELETION_MANDATE = "deletion_mandate", _("삭제 지원 요청")
    TAKEDOWN_FOUND = "takedown_found", _("유포물 발견")
    TAKEDOWN_STEP = "takedown_step", _("삭제 요청 진행")
    REMINDER = "reminder", _("알림")


class IncidentSource(models.TextChoices):
    """Who told us about an incident."""

    VICTIM = "victim", _("피해자 진술")
    POLICE = "police", _("경찰")
    STAFF = "staff", _("직원 관찰")
    PARTNER = "partner", _("협력 기관")
    # She wrote it herself in the portal; staff never choose it.
    SELF_REPORTED = "self_reported", _("피해자 직접 기록 (포털)")


# What staff may say told them about an incident.
STAFF_INCIDENT_SOURCES: tuple[str, ...] = tuple(
    code for code in IncidentSource.values if code != IncidentSource.SELF_REPORTED
)


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
    # Empty when a partner system opened the case (a police referral); the audit log names it.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=30, choices=CloseReason.choices, blank=True)
    # The level of the case's latest risk assessment (written only by the risk app, through
    # ``case_risk_level_set``); high and very high flag the case everywhere it is listed.
    risk_level = models.CharField(
        max_length=20, choices=RiskGrade.choices, default=RiskGrade.UNKNOWN
    )
    risk_assessed_at = models.DateTimeField(null=True, blank=True)

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

    @property
    def risk_flagged(self) -> bool:
        return self.risk_level in HIGH_RISK_LEVELS


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
    # A notice is about a timeline event of a case, or is a reminder (which may name no case).
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, related_name="+")
    kind = models.CharField(max_length=40)
    source_event = models.ForeignKey(
        CaseEvent, on_delete=models.CASCADE, null=True, related_name="+"
    )
    reminder = models.ForeignKey(
        "cases.Reminder", on_delete=models.CASCADE, null=True, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "source_event"], name="one_notice_per_event_and_recipient"
            ),
            models.UniqueConstraint(
                fields=["recipient", "reminder"], name="one_notice_per_reminder_and_recipient"
            ),
            models.CheckConstraint(
                condition=Q(source_event__isnull=False) | Q(reminder__isnull=False),
                name="notice_has_event_or_reminder",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class Incident(BaseModel):
    """Something the perpetrator did, on a date: a call, a visit, a breach of a protective
    measure. Counted for escalation (conferences) and for reassessment (risk); the evidence app
    adds attachments to it. ``note`` and ``place`` are sealed. A victim records her own in the
    portal (source ``self_reported``, nobody in ``recorded_by``)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    occurred_at = models.DateTimeField()
    behaviours = models.JSONField(default=list)
    count = models.PositiveIntegerField(default=1)
    source = models.CharField(max_length=20, choices=IncidentSource.choices)
    note = EncryptedTextField(blank=True)
    # Where it happened, in her words; may be her address: sealed, never in a partner's
    # projection, a list or a log.
    place = EncryptedTextField(blank=True)
    # Set when the incident broke a protective measure.
    measure = models.ForeignKey(
        "cases.ProtectiveMeasure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="breaches",
    )
    # Empty when a partner system reported it (a police referral); the audit log names it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["case", "occurred_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="incident_count_positive"),
        ]

    def __str__(self) -> str:
        return f"incident {self.occurred_at:%Y-%m-%d}"


class ProtectiveMeasure(BaseModel):
    """A police emergency measure, an urgent emergency measure or a court provisional measure on
    a case. ``ends_on`` is the current end, extensions included (each extension is its own row);
    ``covers`` (who is protected) and ``note`` are sealed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(max_length=30, choices=ProtectiveMeasureKind.choices)
    issued_by = models.CharField(max_length=200)
    decision_ref = models.CharField(max_length=100, blank=True)
    covers = EncryptedTextField(blank=True)
    starts_on = models.DateField()
    # Empty only for a police emergency measure, which is taken once on the spot.
    ends_on = models.DateField(null=True, blank=True)
    original_ends_on = models.DateField(null=True, blank=True)
    note = EncryptedTextField(blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["ends_on"]), models.Index(fields=["case", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="measure_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_on}..{self.ends_on or ''}"


class ProtectiveMeasureExtension(BaseModel):
    """One court decision extending a provisional measure (at most two, 3 months each)."""

    measure = models.ForeignKey(
        ProtectiveMeasure, on_delete=models.CASCADE, related_name="extensions"
    )
    number = models.PositiveSmallIntegerField()
    previous_ends_on = models.DateField()
    ends_on = models.DateField()
    decided_on = models.DateField()
    decision_ref = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "number"], name="one_extension_per_number"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("previous_ends_on")),
                name="extension_moves_end_later",
            ),
        ]

    def __str__(self) -> str:
        return f"extension {self.number} → {self.ends_on}"


class Reminder(BaseModel):
    """A reminder sent once: ``key`` names the thing and its due date, so a sweep that runs twice
    (or two sweeps at once) sends it once. ``data`` never holds identity."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField()
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-due_at"]

    def __str__(self) -> str:
        return self.key
