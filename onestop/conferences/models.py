"""Expert case conferences: a case is referred (by its risk, a professional's judgement, an
escalation, a repeat after it was discussed, or an emergency), put on a meeting's agenda, and
discussed there; each agency brings what it knows (facts apart from opinion, and what it held
back), the meeting decides, and SMART actions follow the case until they are done.

Free text is sealed. Nothing here names the victim: a case appears by its reference."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class ReferralReason(models.TextChoices):
    RISK_LEVEL = "risk_level", _("높은 위험도")
    PROFESSIONAL_JUDGEMENT = "professional_judgement", _("담당자 판단")
    ESCALATION = "escalation", _("피해 반복·심화")
    REPEAT = "repeat", _("회의 후 재발")
    EMERGENCY = "emergency", _("긴급")


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("제안됨")
    ACCEPTED = "accepted", _("안건 채택")
    DECLINED = "declined", _("채택 안 함")
    DISCUSSED = "discussed", _("논의됨")


# A case has at most one referral in these statuses (a database constraint).
OPEN_REFERRAL_STATUSES = (ReferralStatus.PROPOSED, ReferralStatus.ACCEPTED)


class ConferenceKind(models.TextChoices):
    REGULAR = "regular", _("정기 회의")
    EMERGENCY = "emergency", _("긴급 회의")


class ConferenceStatus(models.TextChoices):
    PLANNED = "planned", _("예정")
    HELD = "held", _("개최됨")
    CLOSED = "closed", _("회의록 마감")
    CANCELLED = "cancelled", _("취소됨")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("진행 중")
    DONE = "done", _("완료")
    CANCELLED = "cancelled", _("취소")


class ConferenceReferral(BaseModel):
    """A request to discuss a case at a conference. ``proposed_by`` is empty when the system
    proposed it (the criteria in ``criteria.py``); ``note`` is the written reason of a
    professional judgement or an emergency call; ``decline_reason`` why it was not taken."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(default=list)
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    note = EncryptedTextField(blank=True)
    proposed_at = models.DateTimeField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = EncryptedTextField(blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        indexes = [
            models.Index(fields=["status", "proposed_at"]),
            models.Index(fields=["case", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["proposed", "accepted"]),
                name="one_open_conference_referral_per_case",
            ),
            models.CheckConstraint(
                condition=(Q(status="discussed") & Q(discussed_at__isnull=False))
                | (~Q(status="discussed") & Q(discussed_at__isnull=True)),
                name="discussed_referral_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(decided_at__isnull=False),
                name="decided_referral_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES


class Conference(BaseModel):
    """One meeting, hosted by a one-stop center for its own cases."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        max_length=20, choices=ConferenceKind.choices, default=ConferenceKind.REGULAR
    )
    scheduled_at = models.DateTimeField()
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=ConferenceStatus.choices, default=ConferenceStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A planned meeting that will not take place: when, by whom, and why (sealed).
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["scheduled_at"]
        indexes = [models.Index(fields=["agency", "status", "scheduled_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["planned", "cancelled"]) | Q(held_at__isnull=False),
                name="held_conference_has_time",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="cancelled") & Q(cancelled_at__isnull=False) & Q(held_at__isnull=True)
                )
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="cancelled_conference_has_time",
            ),
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_at__isnull=False))
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="closed_conference_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"conference {self.scheduled_at:%Y-%m-%d %H:%M} ({self.kind})"

    @property
    def is_open_for_records(self) -> bool:
        """Pre-meeting information, decisions and actions are recorded until minutes close (and
        never on a cancelled meeting)."""
        return self.status in (ConferenceStatus.PLANNED, ConferenceStatus.HELD)


class ConferenceAttendee(BaseModel):
    """Who takes part, by agency: a staff account, or a name and role (a partner's officer)."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="attendees")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "staff"],
                condition=Q(staff__isnull=False),
                name="one_attendance_per_staff",
            ),
            models.CheckConstraint(
                condition=Q(staff__isnull=False) | ~Q(name=""), name="attendee_is_named"
            ),
        ]

    def __str__(self) -> str:
        return f"attendee {self.pk}"


class AgendaItem(BaseModel):
    """A case on a meeting's agenda, there because of a referral."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="agenda")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        ConferenceReferral, on_delete=models.PROTECT, related_name="agenda_items"
    )
    order = models.PositiveSmallIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "case"], name="case_once_per_agenda"),
            models.UniqueConstraint(fields=["conference", "order"], name="agenda_order_unique"),
        ]

    def __str__(self) -> str:
        return f"agenda item {self.order}"


class PreMeetingInfo(BaseModel):
    """What one agency brings about a case: facts apart from opinion, and what it withheld
    (and why). All three are sealed."""

    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="pre_meeting_info"
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    facts = EncryptedTextField(blank=True)
    opinion = EncryptedTextField(blank=True)
    withheld = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"pre-meeting info {self.pk}"


class Decision(BaseModel):
    """A decision taken on an agenda item; sealed, never edited."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    text = EncryptedTextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"decision {self.pk}"


class Action(BaseModel):
    """A SMART action decided on an agenda item: what (sealed), which agency, who (optional),
    by when. While open it follows the host agency's meetings: when the meeting that holds it
    closes, it is carried to the next planned one (``carried_to``)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="actions")
    what = EncryptedTextField()
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    # When it was done or cancelled.
    completed_at = models.DateTimeField(null=True, blank=True)
    carried_to = models.ForeignKey(
        Conference,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_actions",
    )
    times_carried = models.PositiveSmallIntegerField(default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["carried_to", "status"]),
            models.Index(fields=["owner", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="open") & Q(completed_at__isnull=True))
                | (~Q(status="open") & Q(completed_at__isnull=False)),
                name="finished_action_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"action {self.pk} ({self.status})"
