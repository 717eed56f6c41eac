"""The published programs, as the Seoul Metropolitan Government announced them (see
``../shared/seeds``): loaded by a data migration, and by tests after a flush. Counseling session
caps, medical fee caps and budgets were not published: they stay empty (unlimited) until a
supervisor sets them (``onestop programs set``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

SECURITY = {
    "min_risk_level": "high",
    "police_protection_qualifies": True,
    "max_days": 7,
    "max_hours_per_day": 10,
    "max_guards_per_shift": 2,
    "note": "2 guards, up to 10 hours a day, up to a week (Seoul, 2023)",
}
OFFERED_WITHOUT_LIMITS = (
    "counseling",
    "home_therapy",
    "legal",
    "medical",
    "accompaniment",
    "deletion",
)

PROGRAMS: list[dict[str, Any]] = [
    {
        "code": "seoul-stalking-2023",
        "name": "서울시 스토킹 피해자 지원 2023",
        "name_en": "Seoul stalking victim support 2023",
        "region": "seoul",
        "starts_on": dt.date(2023, 1, 1),
        "ends_on": dt.date(2023, 12, 31),
        "source": "Seoul Metropolitan Government, new measures to protect stalking victims (2023)",
        "policies": {
            "security": SECURITY,
            "relocation": {"max_amount_won": 2_000_000, "note": "moving costs up to 2,000,000 won"},
            "shelter_emergency": {"max_days": 30, "note": "emergency residence up to 30 days"},
            "shelter_long_term": {"max_months": 12, "note": "long-term residence up to a year"},
        },
    },
    {
        "code": "seoul-stalking-2024",
        "name": "서울시 스토킹 피해자 지원 2024",
        "name_en": "Seoul stalking victim support 2024",
        "region": "seoul",
        "starts_on": dt.date(2024, 1, 1),
        "ends_on": None,
        "source": "Seoul One-Stop Support Center for Stalking Victims, yearly results (2024-11-29)",
        "policies": {
            "security": SECURITY,
            "relocation": {"max_amount_won": 1_000_000, "note": "relocation up to 1,000,000 won"},
            "shelter_emergency": {
                "max_months": 6,
                "pets_allowed": True,
                "note": "shelter up to six months, pets allowed",
            },
            "shelter_long_term": {"max_months": 12, "note": "long-term residence up to a year"},
        },
    },
]


def load_published_programs(program_model: Any, policy_model: Any) -> int:
    """Create the published programs and their policies that are not there yet (by code);
    returns how many programs were created. Takes the model classes, so a migration can pass
    its historical models."""
    created = 0
    for spec in PROGRAMS:
        fields = {k: v for k, v in spec.items() if k != "policies"}
        program, was_created = program_model.objects.get_or_create(
            code=fields.pop("code"), defaults=fields
        )
        if not was_created:
            continue
        created += 1
        for kind in (*OFFERED_WITHOUT_LIMITS, *spec["policies"]):
            limits = spec["policies"].get(kind, {})
            policy_model.objects.create(
                program=program, service_kind=kind, effective_from=program.starts_on, **limits
            )
    return created
