"""The English catalog: every message translated, nothing fuzzy, placeholders kept, the compiled
``.mo`` in step with the ``.po``; and real pages served in English carry no Korean text but the
user's own data (the language switch's "한국어" is Korean on purpose)."""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Agency, ApiKey, Staff
from onestop.accounts.services import agency_add, apikey_issue
from onestop.cases.models import Case
from onestop.core import clock
from onestop.intake.models import PoliceReferral
from onestop.intake.referrals import parse_police_referral
from onestop.intake.services import police_referral_receive, request_digest

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

HANGUL = re.compile("[\uac00-\ud7a3]+")
# The language switch names Korean in Korean, on purpose.
LANGUAGE_SWITCH = re.compile(r'<button[^>]*\blang="ko"[^>]*>한국어</button>')
# Korean text the pages show that is not marked for translation in the code (so no catalog can
# translate it). Keep this list empty if you can: fix the code, then remove the entry.
UNMARKED: frozenset[str] = frozenset()


# --- the catalog ----------------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstrs(self) -> dict[str, str]:
        """``msgstr`` or ``msgstr[n]`` → translation."""
        return {k: v for k, v in self.fields.items() if k.startswith("msgstr")}

    @property
    def key(self) -> str:
        """The entry's key in a compiled catalog (context, EOT, message id)."""
        ctxt = self.fields.get("msgctxt")
        return self.msgid if ctxt is None else f"{ctxt}\x04{self.msgid}"


FIELD_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def parse_po(path: Path) -> list[Entry]:
    """The entries of a PO file (obsolete ``#~`` entries left out), the header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    last: str | None = None

    def finish() -> None:
        nonlocal current, last
        if current is not None and current.fields:
            entries.append(current)
        current, last = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if current is None or (line.startswith("#") and current.fields):
            finish()
            current = Entry(line=number)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif line.startswith("#"):
            continue
        elif match := FIELD_LINE.match(line):
            last = match.group(1)
            if last == "msgid" and "msgid" in current.fields:  # no blank line between entries
                finish()
                current = Entry(line=number)
                last = "msgid"
            current.fields[last] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and last is not None:
            current.fields[last] += ast.literal_eval(line)
        else:
            raise AssertionError(f"{path.name}:{number}: cannot read {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def messages() -> list[Entry]:
    """Every message of the English catalog, without the header."""
    entries = [entry for entry in parse_po(PO) if entry.msgid]
    assert len(entries) > 400, "the catalog looks truncated"
    return entries


# %s, %d, %(name)s, %5.2f …, but not a literal %%.
PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
# {{ name }}, {name}, {0}, {name!r:>10}.
BRACES = re.compile(r"\{\{\s*[\w.|:\"' ]+?\s*\}\}|\{[\w.]*(?:![rsa])?(?::[^{}]*)?\}")


def placeholders(text: str) -> tuple[list[str], Counter[str], Counter[str]]:
    """Positional %-placeholders in order, named %-placeholders, brace placeholders."""
    positional: list[str] = []
    named: Counter[str] = Counter()
    for match in PERCENT.finditer(text):
        if match.group() == "%%":
            continue
        if match.group("name") is not None:
            named[match.group()] += 1
        else:
            positional.append(match.group())
    braces = Counter(re.sub(r"\s+", "", match.group()) for match in BRACES.finditer(text))
    return positional, named, braces


def where(entry: Entry) -> str:
    return f"{PO.name}:{entry.line} {entry.msgid!r}"


def test_every_message_is_translated(messages):
    untranslated = [
        where(entry)
        for entry in messages
        if not entry.msgstrs or not all(s.strip() for s in entry.msgstrs.values())
    ]
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)


def test_plural_messages_have_every_form(messages):
    header = next(entry for entry in parse_po(PO) if not entry.msgid)
    match = re.search(r"nplurals\s*=\s*(\d+)", header.fields["msgstr"])
    assert match, "the header has no Plural-Forms"
    nplurals = int(match.group(1))
    wrong = []
    for entry in messages:
        expected = (
            {f"msgstr[{n}]" for n in range(nplurals)}
            if "msgid_plural" in entry.fields
            else {"msgstr"}
        )
        if set(entry.msgstrs) != expected:
            wrong.append(f"{where(entry)}: {sorted(entry.msgstrs)}")
    assert not wrong, "wrong plural forms:\n" + "\n".join(wrong)


def test_no_message_is_fuzzy(messages):
    fuzzy = [where(entry) for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy:\n" + "\n".join(fuzzy)


def test_placeholders_are_kept(messages):
    wrong = []
    for entry in messages:
        for key, translation in entry.msgstrs.items():
            singular = key in ("msgstr", "msgstr[0]")
            source = entry.msgid if singular else entry.fields["msgid_plural"]
            if placeholders(source) != placeholders(translation):
                wrong.append(f"{where(entry)} {key}={translation!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_placeholder_check_sees_every_kind():
    assert placeholders("%s자, %(n)s건, %d초, 100%%, {{ counter }}, {name}") == (
        ["%s", "%d"],
        Counter({"%(n)s": 1}),
        Counter({"{{counter}}": 1, "{name}": 1}),
    )
    assert placeholders("%(a)s %(b)s") != placeholders("%(a)s %(a)s")
    assert placeholders("%s %d") != placeholders("%d %s")


def compiled(path: Path) -> dict[Any, str]:
    with path.open("rb") as mo:
        catalog: dict[Any, str] = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    return catalog


def test_the_compiled_catalog_matches_the_po(messages):
    """The committed ``.mo`` holds exactly the ``.po``'s translations (compile again if not:
    ``onestop compilemessages -l en``)."""
    expected: dict[Any, str] = {}
    for entry in messages:
        if "msgid_plural" in entry.fields:
            for key, translation in entry.msgstrs.items():
                expected[(entry.key, int(key[len("msgstr[") : -1]))] = translation
        else:
            expected[entry.key] = entry.fields["msgstr"]
    actual = {key: value for key, value in compiled(MO).items() if key != ""}
    assert actual == expected


def test_msgfmt_compiles_the_po_to_the_committed_mo(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed")
    out = tmp_path / "django.mo"
    run = subprocess.run(  # noqa: S603 (a fixed program on our own file)
        [msgfmt, "--check", "-o", str(out), str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert compiled(out) == compiled(MO)


# --- pages in English ----------------------------------------------------------------------------

POLICE_CODE = "police-mapo"


@pytest.fixture
def agency() -> Agency:
    """The Seoul center, named in English so that a whole page can be free of Korean."""
    return agency_add(
        actor=None,
        code="seoul-onestop",
        kind="onestop_center",
        name="Seoul OneStop",
        region="seoul",
    )


@pytest.fixture
def police_key(agency: Agency) -> tuple[ApiKey, str]:
    """A Seoul police agency (its referrals go to ``agency``) and its referral key."""
    agency_add(actor=None, code=POLICE_CODE, kind="police", name="Mapo Police", region="seoul")
    return apikey_issue(actor=None, agency_code=POLICE_CODE, scope="police_referral")


def referral_body() -> dict[str, Any]:
    now = clock.now().astimezone(clock.SEOUL)
    return {
        "police_report_id": "SMPA-2026-000777",
        "reported_at": (now - dt.timedelta(hours=1)).isoformat(timespec="seconds"),
        "station": "Mapo Police Station",
        "officer": {"name": "Sergeant Park", "phone": "02-3149-0000"},
        "victim": {
            "name": "Yuna Choi",
            "phone": "010-2468-1357",
            "birth_year": 1996,
            "gender": "female",
            "address": "8 Seongmisan-ro 29-gil, Mapo-gu, Seoul",
            "safe_contact": {"method": "sms", "from": "18:00", "to": "21:00", "note": "Text only"},
        },
        "perpetrator": {
            "name": "Mr. Lee",
            "relationship": "former_partner",
            "phone": "010-9876-5432",
            "address": None,
        },
        "behaviours": ["communication", "watching_waiting", "visiting_home_work"],
        "summary": "Over 50 calls a day since the break-up; waits outside her home.",
        "police_risk_grade": "very_high",
        "protection_recommended": True,
        "protective_measures": [
            {"kind": "urgent_emergency", "from": now.date().isoformat(), "to": None},
            {"kind": "provisional_monitoring", "from": now.date().isoformat(), "to": None},
        ],
        "consent": {
            "given": True,
            "given_at": (now - dt.timedelta(minutes=30)).isoformat(timespec="seconds"),
            "method": "signed_form",
            "purposes": ["support_services", "share_with_police"],
            "data_categories": ["identity", "contact", "incident", "risk", "address"],
            "officer_id": "A-1234",
        },
    }


def receive_referral(key: ApiKey) -> PoliceReferral:
    body = referral_body()
    answer = police_referral_receive(
        api_key=key,
        idempotency_key=f"idem-{uuid4()}",
        body_digest=request_digest(body),
        data=parse_police_referral(body),
    )
    return answer.referral


def english_client(user: Staff | None = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def korean_left(html: str) -> list[str]:
    """Each piece of Korean text on the page (but the language switch and the allow-list), with
    some of what surrounds it."""
    html = LANGUAGE_SWITCH.sub("", html)
    return [
        html[max(0, m.start() - 60) : m.end() + 60].replace("\n", " ")
        for m in HANGUL.finditer(html)
        if not any(m.group() in allowed for allowed in UNMARKED)
    ]


def page(client: Client, url: str, *, post: dict[str, Any] | None = None, status: int = 200) -> str:
    response = client.post(url, post, follow=True) if post is not None else client.get(url)
    assert response.status_code == status, (url, response.status_code)
    html = response.content.decode()
    assert '<html lang="en">' in html, url
    return html


def assert_english(html: str, url: str) -> None:
    left = korean_left(html)
    assert not left, f"Korean left on {url}:\n" + "\n".join(left)


@pytest.mark.django_db
def test_the_sign_in_page_is_english():
    client = english_client()
    url = reverse("accounts:login")
    html = page(client, url)
    assert "Staff sign-in" in html
    assert_english(html, url)
    assert LANGUAGE_SWITCH.search(html), "the switch back to Korean is there, in Korean"


@pytest.mark.django_db
def test_the_case_pages_are_english(
    manager: Staff, open_case: Callable[..., Any], police_key: tuple[ApiKey, str]
):
    case: Case = open_case(
        manager,
        name="Jane Doe",
        phone="010-5555-0101",
        perpetrator_name="John Roe",
        further_harms=["threats"],
        safe_contact_times="Weekdays after 6 pm",
        summary="Calls 50 times a day since the break-up.",
    )
    client = english_client(manager)
    detail = reverse("cases:detail", args=[case.pk])
    shown = {"case": page(client, detail)}
    shown["sealed address added"] = page(
        client,
        reverse("cases:sealed_location_add", args=[case.pk]),
        post={"kind": "new_home", "address": "12 Example-ro, Mapo-gu, Seoul"},
    )
    now = clock.now().astimezone(clock.SEOUL)
    shown["consent recorded"] = page(
        client,
        reverse("consent:record", args=[case.pk]),
        post={
            "purpose": "share_with_police",
            "recipient_agency": str(Agency.objects.get(code=POLICE_CODE).pk),
            "data_categories": ["contact", "incident", "risk"],
            "method": "verbal_recorded",
            "given_by": "victim",
            "given_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "note": "Asked on the phone.",
        },
    )
    assert "Consent for &#x27;Sharing with the police&#x27; recorded." in shown["consent recorded"]
    shown["disclosure recorded"] = page(
        client,
        reverse("consent:disclose", args=[case.pk]),
        post={
            "recipient_agency": str(Agency.objects.get(code=POLICE_CODE).pk),
            "purpose": "share_with_police",
            "data_categories": ["incident"],
            "via": "phone",
            "what": "Summary of the calls.",
        },
    )
    shown["sealed addresses shown"] = page(
        client, reverse("cases:sealed_locations", args=[case.pk]), post={}
    )
    assert "12 Example-ro" in shown["sealed addresses shown"]

    referral = receive_referral(police_key[0])
    shown["dashboard, on duty"] = page(client, reverse("accounts:duty"), post={"on_duty": "1"})
    assert "Shift started." in shown["dashboard, on duty"]
    assert "Open and take" in shown["dashboard, on duty"]
    shown["referral taken"] = page(
        client, reverse("intake:referral_take", args=[referral.pk]), post={}
    )
    assert "You have taken police referral" in shown["referral taken"]
    assert "Provisional measure no. 3-2" in shown["referral taken"]
    shown["dashboard, off duty"] = page(client, reverse("accounts:duty"), post={"on_duty": "0"})
    shown["intake"] = page(client, reverse("intake:new"))
    shown["search"] = page(client, reverse("cases:search") + "?q=0101")
    shown["consent refused"] = page(
        client,
        reverse("consent:record", args=[case.pk]),
        post={"data_categories": ["contact"], "given_at": "2999-01-01T00:00"},
        status=422,
    )
    assert "Choose how consent was given." in shown["consent refused"]
    shown["not found"] = page(client, reverse("cases:detail", args=[uuid4()]), status=404)

    for name, html in shown.items():
        assert_english(html, name)


@pytest.mark.django_db
def test_the_page_check_sees_korean():
    """The same page in Korean fails the check: it is not vacuous."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="ko">' in html
    assert korean_left(html)


@pytest.mark.django_db
def test_api_errors_are_english_for_an_english_client(police_key: tuple[ApiKey, str]):
    """A partner system that asks for English gets its refusals in English."""
    _key, raw = police_key
    body = referral_body()
    body["summary"] = "RRN 950101-2234567 on file"
    body["reported_at"] = "yesterday"
    body["victim"]["safe_contact"]["from"] = "6 pm"
    response = Client().post(
        "/api/v1/referrals/police",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_IDEMPOTENCY_KEY="idem-english-1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422, response.content
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["summary"] == (
        "Resident registration numbers are not accepted. Send the year of birth (birth_year) only."
    )
    assert errors["reported_at"] == "Must be an ISO 8601 date and time."
    assert errors["victim.safe_contact.from"] == "Must be in HH:MM format (e.g. 18:00)."
    assert not HANGUL.search(json.dumps(response.json(), ensure_ascii=False))
