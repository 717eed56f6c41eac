"""Protection facilities (``Facility``) and their sealed addresses (``FacilityAddress``), the
stays of victims in them (``Placement``, one row per facility: a move ends one and starts the
next), requests to stay longer (``PlacementExtension``) and the waitlist (``WaitlistEntry``).

A placement delivers an approved shelter service request of the ``support`` app; the program's
policy linked to that request sets the longest stay. A facility's address is never on a
facility row, a list, a timeline entry, an audit entry or a notice: it is a ``FacilityAddress``
read only through ``services.facility_address_reveal``. Free text is sealed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from onestop.accounts.models import Region
from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class FacilityKind(models.TextChoices):
    EMERGENCY = "emergency", _("긴급 보호시설")
    LONG_TERM = "long_term", _("장기 보호시설")


class GenderServed(models.TextChoices):
    FEMALE = "female", _("여성 전용")
    MALE = "male", _("남성 전용")
    ANY = "any", _("성별 무관")


class Facility(BaseModel):
    """A shelter run by ``agency`` (usually an agency of kind ``shelter``). ``name`` is a
    neutral name that says nothing about where it is; ``capacity`` counts beds."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=FacilityKind.choices)
    gender_served = models.CharField(max_length=10, choices=GenderServed.choices)
    capacity = models.PositiveSmallIntegerField()
    pets_allowed = models.BooleanField(default=False)
    region = models.CharField(max_length=20, choices=Region.choices)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "facilities"
        indexes = [models.Index(fields=["kind", "active", "region"])]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="facility_name_per_agency"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="facility_has_a_bed"),
        ]

    def __str__(self) -> str:
        return self.name


class FacilityAddress(BaseModel):
    """Where a facility is, sealed. Never listed, exported, notified, logged or shared with a
    partner; read one facility at a time through ``facility_address_reveal`` (audited)."""

    facility = models.OneToOneField(
        Facility, on_delete=models.CASCADE, related_name="sealed_address"
    )
    address = EncryptedTextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"sealed address of facility {self.facility_id}"


class PlacementStatus(models.TextChoices):
    # She holds a bed: from the moment she is placed (an arrival to come keeps her bed) until
    # the placement ends.
    ACTIVE = "active", _("입소 중·입소 예정")
    ENDED = "ended", _("퇴소")


class EndReason(models.TextChoices):
    DEPARTED = "departed", _("퇴소")
    MOVED = "moved", _("다른 시설로 이동")
    DID_NOT_ARRIVE = "did_not_arrive", _("입소하지 않음")
    OTHER = "other", _("기타")


class Placement(BaseModel):
    """One stay of a case's victim in one facility, delivering one approved shelter service
    request. ``planned_end_on`` is the departure day (extensions included). A move ends this
    placement (``end_reason=moved``) and starts the next, which points back with ``moved_from``.

    A facility is never over capacity: every writer locks the facility row, then counts its
    active placements (see ``services``)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="placements")
    service_request = models.ForeignKey(
        "support.ServiceRequest", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=PlacementStatus.choices, default=PlacementStatus.ACTIVE
    )
    starts_on = models.DateField()
    planned_end_on = models.DateField()
    # The first day of the stay this placement belongs to (a move keeps it): the policy's
    # longest stay counts from it.
    stay_starts_on = models.DateField()
    pets = models.BooleanField(default=False)
    moved_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="moved_to"
    )
    placed_at = models.DateTimeField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    end_note = EncryptedTextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-placed_at"]
        indexes = [
            models.Index(fields=["facility", "status"]),
            models.Index(fields=["case", "status"]),
            models.Index(fields=["status", "planned_end_on"]),
        ]
        constraints = [
            # One bed at a time for a victim, and one for a request.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="active"), name="one_active_placement_per_case"
            ),
            models.UniqueConstraint(
                fields=["service_request"],
                condition=Q(status="active"),
                name="one_active_placement_per_request",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__gt=F("starts_on")),
                name="placement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(stay_starts_on__lte=F("starts_on")),
                name="placement_within_its_stay",
            ),
            models.CheckConstraint(
                condition=(Q(status="active") & Q(ended_on__isnull=True) & Q(end_reason=""))
                | (Q(status="ended") & Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="ended_placement_has_day_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"placement {self.pk} ({self.status})"


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("승인 대기")
    APPROVED = "approved", _("승인됨")
    REFUSED = "refused", _("승인 안 됨")
    CANCELLED = "cancelled", _("취소됨")


class PlacementExtension(BaseModel):
    """A request to move a placement's departure day later, decided by a supervisor of the
    case's agency who did not ask for it. Approved, it moves ``Placement.planned_end_on``."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="extensions")
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.REQUESTED
    )
    previous_end_on = models.DateField()
    requested_end_on = models.DateField()
    reason = EncryptedTextField(blank=True)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement"],
                condition=Q(status="requested"),
                name="one_pending_extension_per_placement",
            ),
            models.CheckConstraint(
                condition=Q(requested_end_on__gt=F("previous_end_on")),
                name="extension_moves_departure_later",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="extension_not_self_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"extension {self.pk} ({self.status})"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("대기 중")
    PLACED = "placed", _("입소함")
    CANCELLED = "cancelled", _("취소됨")


class WaitlistEntry(BaseModel):
    """A case waiting for a bed that fits: the facility kind, whether she brings pets, the
    victim's gender (copied when she was put on the list). When a bed frees in a facility that
    fits, the entry shows first on that facility's board and the case team hears of it."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    service_request = models.ForeignKey(
        "support.ServiceRequest", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=FacilityKind.choices)
    pets = models.BooleanField(default=False)
    gender = models.CharField(max_length=10)
    status = models.CharField(
        max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placement = models.ForeignKey(
        Placement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]
        verbose_name_plural = "waitlist entries"
        indexes = [models.Index(fields=["status", "kind", "requested_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["service_request"],
                condition=Q(status="waiting"),
                name="one_waiting_entry_per_request",
            ),
            models.CheckConstraint(
                condition=~Q(status="placed") | Q(placement__isnull=False),
                name="placed_entry_has_its_placement",
            ),
        ]

    def __str__(self) -> str:
        return f"waitlist entry {self.pk} ({self.status})"
