"""Writers of agencies and staff accounts, each audited in its own transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from uuid import UUID

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from onestop.accounts.errors import (
    AccountActionForbidden,
    AlreadyExists,
    ApiKeyNotFound,
    InvalidAccount,
)
from onestop.accounts.models import Agency, AgencyKind, ApiKey, ApiScope, Region, Role, Staff
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
USERNAME_RE = re.compile(r"^[a-zA-Z0-9._-]{3,150}$")


@transaction.atomic
def agency_add(
    *,
    actor: Staff | None,
    code: str,
    kind: str,
    name: str,
    region: str,
    default_center: bool = False,
) -> Agency:
    errors: list[DomainError] = []
    if not CODE_RE.match(code):
        errors.append(
            InvalidAccount(
                _("기관 코드는 영문 소문자·숫자·하이픈 2~40자여야 합니다."), field="code"
            )
        )
    if kind not in AgencyKind.values:
        errors.append(
            InvalidAccount(
                _("기관 종류는 다음 중 하나여야 합니다: %s") % ", ".join(AgencyKind.values),
                field="kind",
            )
        )
    if region not in Region.values:
        errors.append(
            InvalidAccount(
                _("지역은 다음 중 하나여야 합니다: %s") % ", ".join(Region.values), field="region"
            )
        )
    if not name.strip() or len(name) > 200:
        errors.append(InvalidAccount(_("기관 이름을 1~200자로 입력하세요."), field="name"))
    if default_center and kind != AgencyKind.ONESTOP_CENTER:
        errors.append(
            InvalidAccount(
                _("기본 센터는 원스톱 지원센터(onestop_center)여야 합니다."),
                field="default_center",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    if Agency.objects.filter(code=code).exists():
        raise AlreadyExists(_("기관 코드 '%s'은(는) 이미 있습니다.") % code, field="code")
    if default_center and Agency.objects.select_for_update().filter(is_default_center=True):
        raise AlreadyExists(_("기본 센터가 이미 지정되어 있습니다."), field="default_center")
    agency = Agency.objects.create(
        code=code, kind=kind, name=name.strip(), region=region, is_default_center=default_center
    )
    audit_record(
        actor=actor,
        action="agency.add",
        target=agency,
        data={"code": code, "kind": kind, "region": region, "default_center": default_center},
    )
    return agency


@transaction.atomic
def staff_add(
    *,
    actor: Staff | None,
    agency_code: str,
    username: str,
    role: str,
    password: str | None,
    display_name: str = "",
) -> Staff:
    errors: list[DomainError] = []
    agency = Agency.objects.filter(code=agency_code).first()
    if agency is None:
        errors.append(InvalidAccount(_("기관 '%s'이(가) 없습니다.") % agency_code, field="agency"))
    if not USERNAME_RE.match(username):
        errors.append(
            InvalidAccount(_("아이디는 영문·숫자·._- 3~150자여야 합니다."), field="username")
        )
    if role not in Role.values:
        errors.append(
            InvalidAccount(
                _("역할은 다음 중 하나여야 합니다: %s") % ", ".join(Role.values), field="role"
            )
        )
    candidate = Staff(username=username, display_name=display_name)
    if password is not None:
        try:
            validate_password(password, user=candidate)
        except ValidationError as exc:
            errors.append(InvalidAccount(" ".join(exc.messages), field="password"))
    if errors:
        raise ValidationFailed(errors)
    if Staff.objects.filter(username__iexact=username).exists():
        raise AlreadyExists(_("아이디 '%s'은(는) 이미 있습니다.") % username, field="username")
    staff = Staff(username=username, agency=agency, role=role, display_name=display_name.strip())
    if password is None:
        staff.set_unusable_password()
    else:
        staff.set_password(password)
    staff.save()
    audit_record(
        actor=actor,
        action="staff.add",
        target=staff,
        data={"username": username, "agency": agency_code, "role": role},
    )
    return staff


# --- partner API keys ---------------------------------------------------------------------------

API_KEY_PREFIX = "osk_"
# Touching ``last_used_at`` on every request would make one hot row of each key; once a minute
# is enough to show when a key was last used.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def api_key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


@transaction.atomic
def apikey_issue(
    *,
    actor: Staff | None,
    agency_code: str,
    scope: str,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for a partner agency. Returns the key row and the key itself, which is not
    stored and cannot be shown again."""
    errors: list[DomainError] = []
    agency = Agency.objects.filter(code=agency_code).first()
    if agency is None:
        errors.append(InvalidAccount(_("기관 '%s'이(가) 없습니다.") % agency_code, field="agency"))
    if scope not in ApiScope.values:
        errors.append(
            InvalidAccount(
                _("범위는 다음 중 하나여야 합니다: %s") % ", ".join(ApiScope.values), field="scope"
            )
        )
    elif scope == ApiScope.POLICE_REFERRAL and agency and agency.kind != AgencyKind.POLICE:
        errors.append(
            InvalidAccount(
                _("경찰 연계(police_referral) 키는 경찰 기관에만 발급합니다."), field="scope"
            )
        )
    if expires_at is not None and expires_at <= clock.now():
        errors.append(InvalidAccount(_("만료 시각은 미래여야 합니다."), field="expires_at"))
    if errors or agency is None:
        raise ValidationFailed(errors)
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        agency=agency,
        scope=scope,
        key_digest=api_key_digest(raw_key),
        hint=raw_key[:12],
        issued_by=actor,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="apikey.issue",
        target=key,
        data={"agency": agency.code, "scope": scope, "hint": key.hint},
    )
    return key, raw_key


@transaction.atomic
def apikey_revoke(*, actor: Staff | None, key_id: str) -> tuple[ApiKey, bool]:
    """Revoke a key at once. Returns the key and whether this call revoked it (``False`` when it
    already was)."""
    try:
        pk = UUID(key_id)
    except ValueError:
        pk = None
    key = ApiKey.objects.select_for_update().filter(pk=pk).first() if pk else None
    if key is None:
        raise ApiKeyNotFound(_("키 '%s'이(가) 없습니다.") % key_id, field="key_id")
    if key.revoked_at is not None:
        return key, False
    key.revoked_at = clock.now()
    key.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="apikey.revoke", target=key, data={"hint": key.hint})
    return key, True


def apikey_authenticate(*, raw_key: str) -> ApiKey | None:
    """The live key (not revoked, not expired) with this value, its agency loaded; else None.
    Notes when it was used (at most once a minute)."""
    if not raw_key.startswith(API_KEY_PREFIX) or len(raw_key) > 200:
        return None
    now = clock.now()
    key = (
        ApiKey.objects.select_related("agency")
        .filter(key_digest=api_key_digest(raw_key), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if key is None:
        return None
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        touched = (
            ApiKey.objects.filter(pk=key.pk)
            .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION))
            .update(last_used_at=now)
        )
        if touched:  # another request may have noted it a moment ago
            key.last_used_at = now
    return key


# --- on duty ------------------------------------------------------------------------------------


# Who works in shifts, taking contacts and referrals as they arrive.
SHIFT_ROLES = frozenset({Role.HOTLINE_COUNSELOR, Role.CASE_MANAGER, Role.SUPERVISOR})


@transaction.atomic
def staff_set_on_duty(*, actor: Staff, on_duty: bool) -> Staff:
    """Start or end a shift: on-duty staff receive live alerts of new referrals. Ending a shift
    is always allowed; starting one only in a role that works in shifts."""
    if on_duty and actor.role not in SHIFT_ROLES:
        raise AccountActionForbidden(_("이 역할은 근무(당직)를 시작할 수 없습니다."))
    staff = Staff.objects.select_for_update().get(pk=actor.pk)
    if staff.on_duty == on_duty:
        return staff
    staff.on_duty = on_duty
    staff.save(update_fields=["on_duty"])
    audit_record(
        actor=actor, action="staff.duty_start" if on_duty else "staff.duty_end", target=staff
    )
    actor.on_duty = on_duty
    return staff
