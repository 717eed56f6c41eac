"""Risk instruments and assessments.

An ``Instrument`` is one version of a risk tool, stored as data (its validated JSON definition):
items, scoring, bands, red flags, or structured professional judgement (SPJ). A version never
changes once stored; a changed tool is a new version. An ``Assessment`` is one dated use of an
instrument on a case. Both are append-only: ``save`` refuses to update a stored row and
``delete`` refuses outright, on the model and on its query sets."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from onestop.cases.models import RISK_ORDER, RiskGrade
from onestop.core.fields import EncryptedTextField
from onestop.core.models import BaseModel
from onestop.risk.errors import RecordImmutable

# The levels an assessment can end at, lowest first (``unknown`` is not a result).
ASSESSED_LEVELS: tuple[str, ...] = tuple(
    str(level) for level in RISK_ORDER if level != RiskGrade.UNKNOWN
)


class InstrumentMode(models.TextChoices):
    SCORED = "scored", _("점수형")
    SPJ = "spj", _("구조화된 전문가 판단")


class InstrumentOrigin(models.TextChoices):
    BUNDLED = "bundled", _("OneStop 기본 제공")
    IMPORTED = "imported", _("기관이 가져옴")


class Answer(models.TextChoices):
    YES = "yes", _("예")
    NO = "no", _("아니오")
    UNKNOWN = "unknown", _("모름")


class AnswerSource(models.TextChoices):
    """Who gave the answer."""

    VICTIM = "victim", _("피해자")
    POLICE = "police", _("경찰")
    STAFF = "staff", _("직원 관찰")


class Rating(models.TextChoices):
    """An item's rating in structured professional judgement."""

    PRESENT = "present", _("있음")
    PARTIAL = "partial", _("부분적으로 있음")
    ABSENT = "absent", _("없음")


class AppendOnlyQuerySet[M: models.Model](models.QuerySet[M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise RecordImmutable(_("이 기록은 고칠 수 없습니다."))

    def delete(self) -> NoReturn:
        raise RecordImmutable(_("이 기록은 지울 수 없습니다."))


class AppendOnlyModel(BaseModel):
    """A row that is written once and never changed or removed."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RecordImmutable(_("이 기록은 고칠 수 없습니다."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RecordImmutable(_("이 기록은 지울 수 없습니다."))


class Instrument(AppendOnlyModel):
    """One version of a risk instrument. ``definition`` is the pack as validated by
    ``risk.packs``; ``digest`` is the SHA-256 of its canonical JSON, so importing the same pack
    again is recognised and a different pack under the same version is refused."""

    code = models.CharField(max_length=80)
    version = models.CharField(max_length=40)
    mode = models.CharField(max_length=10, choices=InstrumentMode.choices)
    definition = models.JSONField()
    digest = models.CharField(max_length=64)
    origin = models.CharField(max_length=10, choices=InstrumentOrigin.choices)

    objects = AppendOnlyQuerySet["Instrument"].as_manager()

    class Meta:
        ordering = ["code", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_instrument_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


def _raise_only_condition() -> Q:
    """The final level is the computed one or a higher one: one allowed pair per term."""
    terms = [
        Q(computed_level=computed, final_level__in=ASSESSED_LEVELS[rank:])
        for rank, computed in enumerate(ASSESSED_LEVELS)
    ]
    return reduce(operator.or_, terms)


class Assessment(AppendOnlyModel):
    """One assessment of a case with one instrument version, at one time.

    ``answers`` holds, per item code, ``{"answer", "source"}`` (scored) or ``{"rating"}`` (SPJ);
    the free text — SPJ rationales (a JSON object of item code → text), the summary judgement
    and the reason for raising the level — is sealed. ``computed_level`` is the instrument's
    result (for SPJ, the assessor's judged level); ``final_level`` is never lower."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(default=dict)
    rationales = EncryptedTextField(blank=True)
    score = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    red_flags = models.JSONField(default=list)
    computed_level = models.CharField(max_length=20, choices=RiskGrade.choices)
    final_level = models.CharField(max_length=20, choices=RiskGrade.choices)
    raised = models.BooleanField(default=False)
    raise_reason = EncryptedTextField(blank=True)
    summary = EncryptedTextField(blank=True)

    objects = AppendOnlyQuerySet["Assessment"].as_manager()

    class Meta:
        ordering = ["-assessed_at"]
        indexes = [models.Index(fields=["case", "assessed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(computed_level__in=ASSESSED_LEVELS)
                & Q(final_level__in=ASSESSED_LEVELS),
                name="assessment_levels_assessed",
            ),
            models.CheckConstraint(
                condition=_raise_only_condition(), name="assessment_final_never_below_computed"
            ),
            models.CheckConstraint(
                condition=(Q(raised=False) & Q(final_level=F("computed_level")))
                | (Q(raised=True) & ~Q(final_level=F("computed_level")) & ~Q(raise_reason="")),
                name="assessment_raise_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"assessment {self.assessed_at:%Y-%m-%d} {self.final_level}"
