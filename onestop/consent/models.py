from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel


class Purpose(models.TextChoices):
    SUPPORT_SERVICES = "support_services", _("지원 서비스 제공")
    SHARE_WITH_POLICE = "share_with_police", _("경찰과 공유")
    SHARE_WITH_PROVIDERS = "share_with_providers", _("협력기관과 공유")
    STATISTICS = "statistics", _("통계 작성")
    DELETION_SUPPORT = "deletion_support", _("불법촬영물 등 삭제 지원")


class DataCategory(models.TextChoices):
    IDENTITY = "identity", _("인적 사항")
    CONTACT = "contact", _("연락처")
    ADDRESS = "address", _("주소")
    INCIDENT = "incident", _("피해 사실")
    RISK = "risk", _("위험도")
    COUNSELING_NOTES = "counseling_notes", _("상담 일지")
    EVIDENCE = "evidence", _("증거 자료")


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", _("서명한 동의서")
    ELECTRONIC = "electronic", _("전자 동의")
    VERBAL_RECORDED = "verbal_recorded", _("구두 동의 (녹음·기록)")


class GivenBy(models.TextChoices):
    VICTIM = "victim", _("피해자 본인")
    LEGAL_GUARDIAN = "legal_guardian", _("법정대리인")
    AUTHORISED_AGENT = "authorised_agent", _("위임받은 대리인")


class ConsentSource(models.TextChoices):
    STAFF = "staff", _("직원이 기록")
    POLICE_REFERRAL = "police_referral", _("경찰 연계로 접수")
    PORTAL = "portal", _("피해자 포털")


class DisclosureBasis(models.TextChoices):
    CONSENT = "consent", _("피해자 동의")
    URGENT_DANGER_TO_LIFE = "urgent_danger_to_life", _("생명·신체에 대한 급박한 위험")


class DisclosureVia(models.TextChoices):
    API = "api", _("시스템 연계 (API)")
    PHONE = "phone", _("전화")
    DOCUMENT = "document", _("문서")
    IN_PERSON = "in_person", _("대면")
    OTHER = "other", _("기타")


class ConsentGrant(BaseModel):
    """One consent: to this purpose, for this recipient (one agency, or every agency of some
    kinds), covering these categories of data. Never edited: a change is a withdrawal and a new
    grant."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    recipient_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient_kinds = models.JSONField(default=list, blank=True)
    data_categories = models.JSONField(default=list)
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    given_by = models.CharField(max_length=20, choices=GivenBy.choices, default=GivenBy.VICTIM)
    given_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=150, blank=True)
    witness = models.CharField(max_length=100, blank=True, help_text="e.g. the police officer id")
    note = EncryptedTextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-given_at"]
        indexes = [models.Index(fields=["case", "purpose", "withdrawn_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("given_at")),
                name="consent_expires_after_given",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.pk} ({self.purpose})"


class Disclosure(BaseModel):
    """Data of a case that left its agency: to whom, for which purpose, which categories, on
    which basis (a consent, or a stated legal basis with its justification), by whom, how."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    recipient_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    data_categories = models.JSONField(default=list)
    basis = models.CharField(max_length=30, choices=DisclosureBasis.choices)
    consent = models.ForeignKey(
        ConsentGrant, on_delete=models.PROTECT, null=True, blank=True, related_name="disclosures"
    )
    justification = EncryptedTextField(blank=True)
    via = models.CharField(max_length=20, choices=DisclosureVia.choices)
    what = EncryptedTextField(blank=True)
    # For data a system hands out again and again (a status polled by the police): a digest of
    # what was given, so unchanged data given again is the same disclosure, not a new one.
    content_digest = models.CharField(max_length=64, blank=True)
    disclosed_at = models.DateTimeField()
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    disclosed_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-disclosed_at"]
        indexes = [models.Index(fields=["case", "disclosed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(basis="consent") & Q(consent__isnull=False))
                | (
                    Q(basis="urgent_danger_to_life")
                    & Q(consent__isnull=True)
                    & ~Q(justification="")
                ),
                name="disclosure_has_its_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"disclosure {self.pk} → {self.recipient_agency_id}"
