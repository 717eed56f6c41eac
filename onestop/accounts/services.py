"""Writers of agencies and staff accounts, each audited in its own transaction."""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from onestop.accounts.errors import AlreadyExists, InvalidAccount
from onestop.accounts.models import Agency, AgencyKind, Region, Role, Staff
from onestop.audit.services import audit_record
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
