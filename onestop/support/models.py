"""Support services: what a program offers and within which limits (``Program``,
``ServicePolicy``), what a case asked for and was granted (``ServiceRequest``), the partner who
delivers it (``ProviderReferral``) and what was delivered (``Delivery``).

A policy is never edited: a change is a new row of the same program and service, effective from
a later date. A request approved under a policy keeps a link to that very row, so a later change
of the rules never rewrites what was decided. Free text is sealed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from onestop.accounts.models import Region
from onestop.cases.models import RiskGrade
from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class ServiceKind(models.TextChoices):
    COUNSELING = "counseling", _("심리상담")
    HOME_THERAPY = "home_therapy", _("찾아가는 심리치료")
    LEGAL = "legal", _("법률 지원")
    MEDICAL = "medical", _("의료비 지원")
    ACCOMPANIMENT = "accompaniment", _("동행 지원")
    SECURITY = "security", _("민간 경호")
    RELOCATION = "relocation", _("이전비 지원")
    SHELTER_EMERGENCY = "shelter_emergency", _("긴급 주거 지원 (보호시설)")
    SHELTER_LONG_TERM = "shelter_long_term", _("장기 주거 지원")
    DELETION = "deletion", _("불법촬영물 등 삭제 지원")


SHELTER_KINDS = frozenset({ServiceKind.SHELTER_EMERGENCY, ServiceKind.SHELTER_LONG_TERM})


class Unit(models.TextChoices):
    """What a request's quantity counts."""

    SESSIONS = "sessions", _("회")
    WON = "won", _("원")
    DAYS = "days", _("일")
    TIMES = "times", _("건")


# The unit of each service's quantity; a service without one is granted as a whole.
UNIT_OF: dict[str, str] = {
    ServiceKind.COUNSELING: Unit.SESSIONS,
    ServiceKind.HOME_THERAPY: Unit.SESSIONS,
    ServiceKind.MEDICAL: Unit.WON,
    ServiceKind.RELOCATION: Unit.WON,
    ServiceKind.SECURITY: Unit.DAYS,
    ServiceKind.SHELTER_EMERGENCY: Unit.DAYS,
    ServiceKind.SHELTER_LONG_TERM: Unit.DAYS,
    ServiceKind.ACCOMPANIMENT: Unit.TIMES,
}


class LegalHelp(models.TextChoices):
    COMPLAINT = "complaint", _("고소장 작성·제출")
    LAWSUIT = "lawsuit", _("소송 대리")
    COURT_ACCOMPANIMENT = "court_accompaniment", _("법정 동행")
    ADVICE = "advice", _("법률 상담")


class AccompanimentTo(models.TextChoices):
    POLICE = "police", _("경찰서")
    COURT = "court", _("법원")
    HOSPITAL = "hospital", _("병원")
    OTHER = "other", _("기타")


# Which subtypes a service takes (a service not listed takes none).
SUBTYPES: dict[str, type[models.TextChoices]] = {
    ServiceKind.LEGAL: LegalHelp,
    ServiceKind.ACCOMPANIMENT: AccompanimentTo,
}


class Program(BaseModel):
    """A support program (e.g. "Seoul stalking victim support 2024"): it runs in a region (or
    everywhere, when ``region`` is empty) from ``starts_on``; a case's services are granted under
    the program in force for its agency's region on the day of approval."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=20, choices=Region.choices, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    source = models.CharField(
        max_length=300, blank=True, help_text="where the rules were published"
    )

    class Meta:
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="program_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServicePolicy(BaseModel):
    """What a program grants for one service, from ``effective_from`` until the program's next
    policy for that service. Empty limits do not limit.

    - ``min_risk_level``: the case's risk must be at least this, unless
      ``police_protection_qualifies`` and the police recommended protection;
    - per case (under this program): ``max_sessions``, ``max_amount_won``, ``max_days`` or
      ``max_months`` (a stay, counted in calendar months from the first day);
    - per day of private security: ``max_hours_per_day``, ``max_guards_per_shift``;
    - across every case of the program: ``budget_sessions``, ``budget_amount_won``;
    - ``pets_allowed``: the scheme lets her bring her pets (a shelter must allow them too)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="policies")
    service_kind = models.CharField(max_length=30, choices=ServiceKind.choices)
    effective_from = models.DateField()
    offered = models.BooleanField(default=True)
    min_risk_level = models.CharField(max_length=20, choices=RiskGrade.choices, blank=True)
    police_protection_qualifies = models.BooleanField(default=False)
    max_sessions = models.PositiveIntegerField(null=True, blank=True)
    max_amount_won = models.PositiveBigIntegerField(null=True, blank=True)
    max_days = models.PositiveIntegerField(null=True, blank=True)
    max_months = models.PositiveSmallIntegerField(null=True, blank=True)
    max_hours_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    max_guards_per_shift = models.PositiveSmallIntegerField(null=True, blank=True)
    budget_sessions = models.PositiveIntegerField(null=True, blank=True)
    budget_amount_won = models.PositiveBigIntegerField(null=True, blank=True)
    pets_allowed = models.BooleanField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["program", "service_kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "service_kind", "effective_from"],
                name="one_policy_per_service_and_day",
            ),
            models.CheckConstraint(
                condition=Q(max_days__isnull=True) | Q(max_months__isnull=True),
                name="policy_stay_in_days_or_months",
            ),
            models.CheckConstraint(
                condition=Q(max_hours_per_day__isnull=True) | Q(max_hours_per_day__lte=24),
                name="policy_hours_per_day_within_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code}:{self.service_kind}@{self.effective_from}"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("승인 대기")
    APPROVED = "approved", _("승인됨")
    REFUSED = "refused", _("승인 안 됨")
    CANCELLED = "cancelled", _("취소됨")
    CLOSED = "closed", _("종결")


# Requests whose quantity counts against a per-case limit or a program budget.
GRANTED_STATUSES = (RequestStatus.APPROVED, RequestStatus.CLOSED)


class ServiceRequest(BaseModel):
    """One service in a case's support plan: asked for (with a quantity in the service's unit),
    approved by a supervisor who did not ask for it (under the policy then in force, possibly
    for less) or refused, delivered through referrals, and closed."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    service_kind = models.CharField(max_length=30, choices=ServiceKind.choices)
    subtype = models.CharField(max_length=30, blank=True)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    reason = EncryptedTextField(blank=True)
    quantity_requested = models.PositiveBigIntegerField(null=True, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    hours_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    guards_per_shift = models.PositiveSmallIntegerField(null=True, blank=True)
    pets = models.BooleanField(default=False)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    policy = models.ForeignKey(
        ServicePolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    quantity_approved = models.PositiveBigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = EncryptedTextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["case", "service_kind", "status"]),
            models.Index(fields=["policy", "status"]),
            # the program's budget: what every case was granted for one service
            models.Index(fields=["program", "service_kind", "status"]),
            models.Index(fields=["status", "requested_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=GRANTED_STATUSES)
                | (Q(policy__isnull=False) & Q(decided_by__isnull=False)),
                name="granted_request_has_policy_and_approver",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="request_not_self_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"service request {self.pk} ({self.service_kind})"

    @property
    def unit(self) -> str:
        return UNIT_OF.get(self.service_kind, "")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("의뢰됨")
    ACCEPTED = "accepted", _("수락")
    DECLINED = "declined", _("거절")
    WITHDRAWN = "withdrawn", _("의뢰 철회")
    COMPLETED = "completed", _("제공 완료")


# A request has at most one referral in these statuses (a database constraint).
OPEN_REFERRAL_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


class ProviderReferral(BaseModel):
    """An approved service sent to the partner who delivers it (an agency, and when chosen a
    named person of it: a counselor of the expert network, a lawyer of the pool). The partner sees
    the request's projection — the fields its service needs that the victim consented to share —
    and nothing else. ``meeting_point`` and ``schedule`` are written for this partner."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="referrals")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    provider_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    purpose = models.CharField(max_length=30)
    categories = models.JSONField(default=list)
    meeting_point = EncryptedTextField(blank=True)
    schedule = EncryptedTextField(blank=True)
    instructions = EncryptedTextField(blank=True)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by_label = models.CharField(max_length=150, blank=True)
    decline_reason = EncryptedTextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["provider", "status", "sent_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=OPEN_REFERRAL_STATUSES),
                name="one_open_referral_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"provider referral {self.pk}"


class DeliveryKind(models.TextChoices):
    SESSION = "session", _("상담·치료 회기")
    GUARD_SHIFT = "guard_shift", _("경호 근무")
    PAYMENT = "payment", _("지급")
    ACCOMPANIMENT = "accompaniment", _("동행")
    LEGAL_STEP = "legal_step", _("법률 지원 진행")


class Delivery(BaseModel):
    """What was delivered, recorded by the partner (or the case team): a session, a guard shift
    (with its guards and hours), a payment (amount and receipt), an accompaniment, a legal step.
    Never edited; a mistake is corrected by a cancelling entry of the case team."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="deliveries")
    referral = models.ForeignKey(
        ProviderReferral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    kind = models.CharField(max_length=20, choices=DeliveryKind.choices)
    occurred_on = models.DateField()
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    guards = models.PositiveSmallIntegerField(null=True, blank=True)
    minutes = models.PositiveIntegerField(null=True, blank=True)
    amount_won = models.PositiveBigIntegerField(null=True, blank=True)
    receipt = EncryptedTextField(blank=True)
    note = EncryptedTextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=150, blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_on", "starts_at", "recorded_at"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["request", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="one_delivery_per_idempotency_key",
            ),
            models.CheckConstraint(
                condition=~Q(kind="guard_shift")
                | (
                    Q(starts_at__isnull=False)
                    & Q(ends_at__isnull=False)
                    & Q(ends_at__gt=F("starts_at"))
                    & Q(guards__gte=1)
                ),
                name="guard_shift_has_time_and_guards",
            ),
            models.CheckConstraint(
                condition=~Q(kind="payment") | Q(amount_won__gte=1),
                name="payment_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.kind})"


class ProgramGrantTotal(BaseModel):
    """How much of one service a program has granted in all (sessions, won, days): approvals
    add, cancelling an approved request takes back. It is the row that orders approvals against
    a program's budget — locked, read and updated by each of them — so a budget check reads one
    row instead of every grant of the program."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    service_kind = models.CharField(max_length=30, choices=ServiceKind.choices)
    granted = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "service_kind"], name="one_grant_total_per_program_service"
            ),
            models.CheckConstraint(condition=Q(granted__gte=0), name="grant_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.service_kind}={self.granted}"
