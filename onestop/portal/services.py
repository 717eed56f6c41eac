"""Writers of portal access: opening it for a case, signing in, and the staff-mediated reset.

Signing in never tells a stranger anything: an unknown code, a wrong passphrase and a locked
access get the same refusal, and an unknown code still costs one passphrase check, so the time
taken does not tell either. Five failures lock the access for 15 minutes; every failure is
audited (on the case when the code exists) and counted per address too."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case
from onestop.cases.permissions import can_move_workflow
from onestop.cases.services import case_lock_visible
from onestop.core import clock
from onestop.core.actors import PORTAL_ACTOR_LABEL
from onestop.core.errors import DomainError, PermissionDenied, ValidationFailed
from onestop.core.ratelimit import Rate, rate_limit_hit
from onestop.intake.models import WebApplication
from onestop.intake.services import (
    ApplicationInput,
    validate_application,
    web_application_for_token,
    web_application_join,
    web_application_receive,
)
from onestop.portal.errors import InvalidPortalInput, PortalBusy, PortalSignInFailed
from onestop.portal.models import PortalAccess

# No 0/O, 1/I/L: read aloud over the phone or copied from paper without mistakes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MIN_PASSPHRASE = 8
MAX_PASSPHRASE = 200
MAX_FAILURES = 5
LOCK = dt.timedelta(minutes=15)
ADDRESS_RATE = Rate(limit=30, window=15 * 60)
# Checked when a code is unknown, so that it costs what a known one costs.
_DUMMY_HASH = make_password("not a passphrase anyone has")


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """``ABCDE-FGHJK``: easier to read back."""
    return f"{code[:5]}-{code[5:]}"


def _passphrase_problems(passphrase: str, *, field: str = "passphrase") -> list[DomainError]:
    if not MIN_PASSPHRASE <= len(passphrase) <= MAX_PASSPHRASE:
        return [
            InvalidPortalInput(
                _("비밀 문구는 %(min)d자 이상 %(max)d자 이하로 정해 주세요.")
                % {"min": MIN_PASSPHRASE, "max": MAX_PASSPHRASE},
                field=field,
            )
        ]
    if len(set(passphrase)) < 4:
        return [InvalidPortalInput(_("같은 글자만 되풀이한 문구는 쓸 수 없습니다."), field=field)]
    return []


@transaction.atomic
def portal_access_open(
    *, actor: Staff | None, case: Case, passphrase: str, code_word: str
) -> tuple[PortalAccess, str]:
    """Open portal access for the case with the passphrase and code word she chose; returns the
    access and her case code (shown to her once). The caller holds the case (the intake service
    for a new application, or ``portal_access_open_for_case`` for staff)."""
    errors = _passphrase_problems(passphrase)
    errors += _code_word_problems(code_word)
    code_word = (code_word or "").strip()
    if PortalAccess.objects.filter(case=case).exists():
        errors.append(InvalidPortalInput(_("이 사례는 이미 포털을 씁니다."), field="case"))
    if errors:
        raise ValidationFailed(errors)
    code = new_code()
    while PortalAccess.objects.filter(code=code).exists():  # (31^10: practically never)
        code = new_code()
    access = PortalAccess.objects.create(
        case=case, code=code, passphrase_hash=make_password(passphrase), code_word=code_word
    )
    audit_record(
        actor=actor,
        actor_label=None if actor is not None else PORTAL_ACTOR_LABEL,
        action="portal.open",
        target=case,
        data={"access": str(access.pk)},
    )
    return access, code


@transaction.atomic
def portal_access_open_for_case(
    *, actor: Staff, case_id: UUID, passphrase: str, code_word: str
) -> tuple[PortalAccess, str]:
    """Staff open the portal for a victim on the phone or in person: she chooses the passphrase
    and the code word; staff read her the case code."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_move_workflow(actor, case):
        raise PermissionDenied(_("포털 접속을 열 권한이 없습니다."))
    return portal_access_open(actor=actor, case=case, passphrase=passphrase, code_word=code_word)


# --- applying ---------------------------------------------------------------------------------

APPLY_RATE = Rate(limit=5, window=60 * 60)
# A retried submit may show her case code again (its first answer may never have reached her),
# but only with the form's own token and her passphrase, and only for this long.
REPLAY_WINDOW = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Applied:
    access: PortalAccess
    code: str  # her case code: shown on the page that answers the application, never stored
    replay: bool = False


def _code_word_problems(code_word: str) -> list[DomainError]:
    if not 2 <= len((code_word or "").strip()) <= 50:
        return [
            InvalidPortalInput(_("확인용 암호 단어를 2~50자로 정해 주세요."), field="code_word")
        ]
    return []


def _replay(*, application: WebApplication, passphrase: str) -> Applied:
    access = PortalAccess.objects.filter(case_id=application.case_id).first()
    fresh = clock.now() - application.received_at <= REPLAY_WINDOW
    if access is None or not fresh or not check_password(passphrase, access.passphrase_hash):
        raise ValidationFailed(
            [
                InvalidPortalInput(
                    _("이 신청서는 이미 접수되었습니다. 사례 코드로 로그인하세요."),
                    field="submission_token",
                )
            ]
        )
    return Applied(access=access, code=access.code, replay=True)


def portal_apply(
    *, data: ApplicationInput, passphrase: str, passphrase_again: str, code_word: str,
    address: str,
) -> Applied:  # fmt: skip
    """A first application from the portal: everything checked at once (nothing written on any
    problem), then — in one transaction — her case opened at the receiving center with the
    consents she gave, and her portal access with the passphrase and code word she chose.

    A retried submit (same form token) is answered from the first one, not applied twice."""
    earlier = web_application_for_token(data.submission_token)
    if earlier is not None:
        return _replay(application=earlier, passphrase=passphrase)
    errors = validate_application(data, joining=False)
    errors += _passphrase_problems(passphrase)
    if passphrase != passphrase_again:
        errors.append(
            InvalidPortalInput(_("두 번 적은 비밀 문구가 다릅니다."), field="passphrase_again")
        )
    errors += _code_word_problems(code_word)
    if errors:
        raise ValidationFailed(errors)
    if (wait := rate_limit_hit(bucket=f"portal-apply:{address}", rate=APPLY_RATE)) is not None:
        raise PortalBusy(
            _("이 연결에서 신청이 너무 많았습니다. 잠시 뒤 다시 하거나 1366에 전화해 주세요."),
            retry_after=wait,
        )
    try:
        with transaction.atomic():
            application = web_application_receive(data=data)
            access, code = portal_access_open(
                actor=None, case=application.case, passphrase=passphrase, code_word=code_word
            )
    except IntegrityError:  # the same form, sent twice at once: the other one was stored
        earlier = web_application_for_token(data.submission_token)
        if earlier is None:
            raise
        return _replay(application=earlier, passphrase=passphrase)
    return Applied(access=access, code=code)


@transaction.atomic
def portal_apply_more(*, access_id: UUID, data: ApplicationInput) -> WebApplication:
    """A further application she sends while signed in: it joins her own case."""
    access = PortalAccess.objects.select_related("case").get(pk=access_id)
    earlier = web_application_for_token(data.submission_token)
    if earlier is not None and earlier.case_id == access.case_id:
        return earlier  # a retried submit
    errors = validate_application(data, joining=True)
    if not access.case.is_open:
        errors.append(
            InvalidPortalInput(
                _("지원이 끝난 사례입니다. 다시 도움이 필요하면 1366에 전화하거나 로그아웃한 뒤 "
                  "새로 신청해 주세요."),
                field="case",
            )
        )  # fmt: skip
    if errors:
        raise ValidationFailed(errors)
    return web_application_join(case=access.case, data=data)


def portal_sign_in(*, code: str, passphrase: str, address: str) -> PortalAccess:
    """The access, when the code and passphrase match and it is not locked; else the one
    refusal ``PortalSignInFailed`` (after recording the failure)."""
    refusal = PortalSignInFailed(
        _(
            "사례 코드나 비밀 문구가 맞지 않습니다. 여러 번 틀리면 잠시 잠깁니다. 잊었다면 "
            "상담원에게 확인용 암호 단어를 말하고 새 비밀 문구를 정하세요."
        )
    )
    if rate_limit_hit(bucket=f"portal-sign-in:{address}", rate=ADDRESS_RATE) is not None:
        check_password(passphrase, _DUMMY_HASH)
        raise refusal
    with transaction.atomic():
        access = PortalAccess.objects.select_for_update().filter(code=normalise_code(code)).first()
        now = clock.now()
        if access is None:
            check_password(passphrase, _DUMMY_HASH)
            raise refusal
        matches = check_password(passphrase, access.passphrase_hash)
        locked = access.locked_until is not None and access.locked_until > now
        if matches and not locked:
            access.failed_attempts = 0
            access.locked_until = None
            access.last_login_at = now
            access.save(update_fields=["failed_attempts", "locked_until", "last_login_at"])
            audit_record(
                actor=None, actor_label=PORTAL_ACTOR_LABEL, action="portal.sign_in",
                target=access.case, data={"access": str(access.pk)}, ip=address or None,
            )  # fmt: skip
            return access
        if not locked:
            access.failed_attempts += 1
            if access.failed_attempts >= MAX_FAILURES:
                access.failed_attempts = 0
                access.locked_until = now + LOCK
            access.save(update_fields=["failed_attempts", "locked_until"])
        locked_now = access.locked_until is not None and access.locked_until > now
        audit_record(
            actor=None,
            actor_label=PORTAL_ACTOR_LABEL,
            action="portal.sign_in_failed",
            target=access.case,
            data={"access": str(access.pk), "locked": locked_now},
            ip=address or None,
        )
    raise refusal


def portal_passphrase_reset(
    *, actor: Staff, case_id: UUID, code_word: str, new_passphrase: str
) -> PortalAccess:
    """She forgot her passphrase and calls: staff of her case ask for her code word; when it
    matches, she chooses a new passphrase (and the lock is lifted). A wrong code word is
    refused, and the refusal is audited (committed on its own) — a caller pretending to be her
    gets nothing, and her team can see that someone tried."""
    with transaction.atomic():
        case = case_lock_visible(actor=actor, case_id=case_id)
        if not can_move_workflow(actor, case):
            raise PermissionDenied(_("비밀 문구를 새로 정할 권한이 없습니다."))
        access = PortalAccess.objects.select_for_update().filter(case=case).first()
        if access is None:
            raise ValidationFailed(
                [InvalidPortalInput(_("이 사례는 포털을 쓰지 않습니다."), field="case")]
            )
        errors = _passphrase_problems(new_passphrase, field="new_passphrase")
        given = (code_word or "").strip()
        if not secrets.compare_digest(given.encode(), access.code_word.strip().encode()):
            audit_record(actor=actor, action="portal.reset_refused", target=case, data={})
            errors.append(
                InvalidPortalInput(_("확인용 암호 단어가 맞지 않습니다."), field="code_word")
            )
            refused = ValidationFailed(errors)
        elif errors:
            raise ValidationFailed(errors)
        else:
            access.passphrase_hash = make_password(new_passphrase)
            access.failed_attempts = 0
            access.locked_until = None
            access.save(update_fields=["passphrase_hash", "failed_attempts", "locked_until"])
            audit_record(
                actor=actor, action="portal.reset", target=case, data={"access": str(access.pk)}
            )
            return access
    raise refused
