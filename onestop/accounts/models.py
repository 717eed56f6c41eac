from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onestop.core.models import BaseModel


class Region(models.TextChoices):
    SEOUL = "seoul", _("서울특별시")
    BUSAN = "busan", _("부산광역시")
    DAEGU = "daegu", _("대구광역시")
    INCHEON = "incheon", _("인천광역시")
    GWANGJU = "gwangju", _("광주광역시")
    DAEJEON = "daejeon", _("대전광역시")
    ULSAN = "ulsan", _("울산광역시")
    SEJONG = "sejong", _("세종특별자치시")
    GYEONGGI = "gyeonggi", _("경기도")
    GANGWON = "gangwon", _("강원특별자치도")
    CHUNGBUK = "chungbuk", _("충청북도")
    CHUNGNAM = "chungnam", _("충청남도")
    JEONBUK = "jeonbuk", _("전북특별자치도")
    JEONNAM = "jeonnam", _("전라남도")
    GYEONGBUK = "gyeongbuk", _("경상북도")
    GYEONGNAM = "gyeongnam", _("경상남도")
    JEJU = "jeju", _("제주특별자치도")


class AgencyKind(models.TextChoices):
    ONESTOP_CENTER = "onestop_center", _("원스톱 지원센터")
    HOTLINE_1366 = "hotline_1366", _("1366 센터")
    POLICE = "police", _("경찰")
    SHELTER = "shelter", _("보호시설")
    COUNSELING = "counseling", _("상담기관")
    LEGAL = "legal", _("법률지원")
    MEDICAL = "medical", _("의료기관")
    SECURITY = "security", _("민간경호")
    RELOCATION = "relocation", _("이사지원")
    DELETION_CENTER = "deletion_center", _("삭제지원센터")
    CITY_OFFICE = "city_office", _("시·도청")


class Role(models.TextChoices):
    HOTLINE_COUNSELOR = "hotline_counselor", _("상담원")
    CASE_MANAGER = "case_manager", _("사례관리자")
    SUPERVISOR = "supervisor", _("팀장")
    EXPERT = "expert", _("전문가")
    SHELTER_STAFF = "shelter_staff", _("보호시설 직원")
    DELETION_STAFF = "deletion_staff", _("삭제지원 담당자")
    PROVIDER = "provider", _("협력기관 담당자")
    POLICE_LIAISON = "police_liaison", _("경찰 연계 담당")
    STATISTICIAN = "statistician", _("통계 담당")
    ADMIN = "admin", _("시스템 관리자")


class ApiScope(models.TextChoices):
    """What a partner system's key may call."""

    POLICE_REFERRAL = "police_referral", _("경찰 연계")
    PROVIDER = "provider", _("협력기관")
    PLATFORM = "platform", _("플랫폼")


class Agency(BaseModel):
    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=30, choices=AgencyKind.choices)
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=20, choices=Region.choices)
    is_default_center = models.BooleanField(default=False)

    class Meta:
        ordering = ["region", "name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default_center"],
                condition=Q(is_default_center=True),
                name="one_default_center",
            ),
            models.CheckConstraint(
                condition=Q(is_default_center=False) | Q(kind="onestop_center"),
                name="default_center_is_onestop_center",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Staff(AbstractUser):
    """A person who logs in: one account per person, one agency, one role."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=30, choices=Role.choices)
    display_name = models.CharField(max_length=100, blank=True)
    on_duty = models.BooleanField(default=False)

    REQUIRED_FIELDS = ["agency", "role"]

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        return self.display_name or self.username


class ApiKey(BaseModel):
    """A partner system's key. Only a SHA-256 digest of the key is kept: the key itself is shown
    once, when issued. Keys carry 256 random bits, so a fast digest cannot be brute-forced and a
    lookup by digest is all that authentication needs."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_keys")
    scope = models.CharField(max_length=30, choices=ApiScope.choices)
    key_digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="the first characters, to tell keys apart")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"key {self.pk} ({self.scope})"

    @property
    def label(self) -> str:
        """How the key appears as an actor in the audit log."""
        return f"apikey:{self.pk}"
