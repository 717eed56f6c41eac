"""Prevention and support information at a glance, by audience (students, adults, workplaces):
the portal's public pages read it from here.

Responsible for: what the pages say — what stalking, dating violence and digital sex crimes look
like for each audience, warning signs, what to do now, what the center can do, and for workplaces
what the employer and a manager should do. Not for: how it is shown (``info_views`` and the
``portal/info*.html`` templates).

Every statement rests on ``shared/DOMAIN.md`` and the source articles in ``shared/seeds/``; a
number or a law that those do not give is left out (ADR 21). Figures of services (guard hours,
relocation subsidies, shelter stays) depend on the program in force (``support``'s policies),
so the pages describe the services and leave their limits to the case worker."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Point:
    """One statement; ``label`` (a few words) is shown in bold before it when given."""

    text: Promise
    label: Promise | None = None


@dataclass(frozen=True)
class Section:
    slug: str  # the section's anchor on the page
    title: Promise
    points: tuple[Point, ...]
    intro: Promise | None = None


@dataclass(frozen=True)
class Audience:
    slug: str
    name: Promise
    summary: Promise
    sections: tuple[Section, ...]


# --- shared by every audience --------------------------------------------------------------------

_DIGITAL = (
    Point(_("몰래 몸을 찍거나, 동의 없이 촬영하는 것."), _("불법촬영")),
    Point(
        _(
            "사진이나 영상을 동의 없이 단체 대화방, SNS, 사이트에 올리거나 다른 사람에게 보내는 "
            "것. 찍을 때 동의했더라도 퍼뜨리는 데 동의하지 않았다면 피해입니다."
        ),
        _("유포"),
    ),
    Point(
        _("사진이나 영상을 퍼뜨리겠다며 만나자고 하거나, 돈이나 더 많은 사진을 요구하는 것."),
        _("협박"),
    ),
    Point(
        _("얼굴 사진을 성적인 이미지나 영상에 합성(딥페이크)해 만들거나 돌려보는 것."),
        _("합성"),
    ),
    Point(_("이름, 학교나 직장, 연락처 같은 신상을 퍼뜨리는 것."), _("신상 공개")),
)

_KEEP_EVIDENCE = (
    Point(
        _(
            "메시지, 통화 기록, 사진을 지우지 말고 그대로 두세요. 화면을 캡처할 때는 날짜, "
            "시간, 보낸 사람이 보이게 하세요."
        ),
        _("증거 남기기"),
    ),
    Point(
        _("언제, 어디서, 무슨 일이 있었는지 날짜별로 짧게 적어 두세요."),
        _("기록하기"),
    ),
    Point(
        _(
            "피해 사진이나 영상이 올라온 곳은 게시물 주소(링크)와 화면을 남겨 두세요. 삭제를 "
            "요청하기 전에 증거를 먼저 보관합니다."
        ),
        _("촬영물 피해"),
    ),
)

_HOTLINE_POINT = Point(
    _(
        "여성긴급전화 1366은 24시간 상담합니다. 스토킹, 교제폭력, 디지털 성범죄 모두 상담할 "
        "수 있습니다."
    ),
    _("24시간 상담"),
)

_POLICE_POINT = Point(_("지금 위험하면 바로 경찰에 신고하세요."), _("위험할 때"))

_CENTER = Section(
    slug="center",
    title=_("센터가 도울 수 있는 일"),
    intro=_(
        "한 번 신청하면 필요한 지원을 한 곳에서 연결합니다. 기관마다 같은 이야기를 되풀이하지 "
        "않아도 됩니다."
    ),
    points=(
        Point(_("전문 상담가의 심리 상담. 필요하면 집으로 찾아가 상담합니다."), _("상담")),
        Point(_("고소, 소송 같은 법률 지원."), _("법률")),
        Point(_("치료에 드는 의료비 지원."), _("의료")),
        Point(_("경찰서, 법원, 병원에 함께 갑니다."), _("동행")),
        Point(
            _("가해자와 마주칠 위험이 높거나 경찰이 보호가 필요하다고 볼 때 민간 경호."),
            _("신변 보호"),
        ),
        Point(_("가해자가 사는 곳을 알 때 이사 비용 지원."), _("이사")),
        Point(
            _(
                "위치가 비밀로 지켜지는 보호시설. 머무는 동안에도 출퇴근, 외출, 휴대전화 "
                "사용을 이어 갈 수 있고, 반려동물과 함께 머물 수 있는 곳도 있습니다."
            ),
            _("보호시설"),
        ),
        Point(
            _(
                "불법촬영물과 합성물, 퍼진 신상 정보를 찾아 플랫폼에 삭제를 요청하고, 다시 "
                "올라오는지 지켜봅니다. 수사와 법률 지원에도 연결합니다."
            ),
            _("삭제 지원"),
        ),
        Point(
            _(
                "다른 기관과는 동의한 범위에서만 정보를 나눕니다. 동의는 언제든 철회할 수 "
                "있습니다. 피해자가 누구인지, 어디에 사는지는 비밀로 지킵니다."
            ),
            _("비밀 보장"),
        ),
        Point(
            _("지원 내용과 한도는 지역과 그 해의 사업에 따라 다릅니다. 담당자와 함께 정합니다."),
            _("알아 둘 점"),
        ),
    ),
)


# --- students ----------------------------------------------------------------------------------

STUDENTS = Audience(
    slug="students",
    name=_("학생"),
    summary=_("학교 안팎과 온라인에서 생길 수 있는 일, 그리고 도움받는 방법입니다."),
    sections=(
        Section(
            slug="looks-like",
            title=_("이런 일이 피해입니다"),
            points=(
                Point(
                    _(
                        "싫다고 했는데도 전화, 문자, 메신저, SNS로 계속 연락하거나, 학교나 "
                        "집 앞에서 기다리거나, 따라오는 것."
                    ),
                    _("스토킹"),
                ),
                Point(
                    _(
                        "사귀는 사람이 휴대전화를 검사하고, 누구를 만나는지 통제하고, "
                        "헤어지자고 하면 위협하거나 때리는 것."
                    ),
                    _("교제폭력"),
                ),
                *_DIGITAL,
            ),
        ),
        Section(
            slug="warning-signs",
            title=_("이런 신호가 보이면"),
            points=(
                Point(_("싫다고 했는데도 연락이 멈추지 않는다.")),
                Point(_("내가 어디에, 누구와 있는지 늘 확인하려 한다.")),
                Point(_("휴대전화 비밀번호나 위치 공유를 요구한다.")),
                Point(_("헤어지자고 하면 사진을 퍼뜨리겠다거나 해치겠다고 한다.")),
                Point(_("모르는 계정이 내 사진이나 이름을 올렸다고 친구가 알려 준다.")),
            ),
        ),
        Section(
            slug="now",
            title=_("지금 할 수 있는 일"),
            points=(
                _POLICE_POINT,
                _HOTLINE_POINT,
                Point(
                    _(
                        "혼자 견디지 말고 믿을 수 있는 어른(보호자, 선생님, 학교 상담 "
                        "선생님)에게 알리세요."
                    ),
                    _("알리기"),
                ),
                *_KEEP_EVIDENCE,
                Point(
                    _("협박하는 사람의 요구에 응하지 말고, 먼저 상담하세요."),
                    _("협박을 받으면"),
                ),
                Point(
                    _(
                        "친구가 피해를 말하면 탓하지 말고 들어 주세요. 피해 사진이나 영상을 "
                        "받았다면 다른 사람에게 보내지 말고 믿을 수 있는 어른에게 알리세요."
                    ),
                    _("친구가 피해를 당했다면"),
                ),
            ),
        ),
        _CENTER,
    ),
)


# --- adults ------------------------------------------------------------------------------------

ADULTS = Audience(
    slug="adults",
    name=_("성인"),
    summary=_("스토킹, 교제폭력, 디지털 성범죄의 모습과 지금 할 수 있는 일입니다."),
    sections=(
        Section(
            slug="looks-like",
            title=_("이런 일이 피해입니다"),
            points=(
                Point(
                    _(
                        "원하지 않는데도 되풀이해 연락하고(전화, 문자, 메신저, SNS), 집이나 "
                        "직장 앞에서 지켜보거나 기다리고, 다가오거나 따라오는 것. 서울의 "
                        "원스톱 지원센터가 1년 동안 지원한 피해자 439명이 겪은 스토킹은 연락 "
                        "34%, 지켜보기·기다리기 30.1%, 접근·따라다니기 23.9%였습니다."
                    ),
                    _("스토킹"),
                ),
                Point(
                    _(
                        "가해자의 65.1%는 전 연인이었습니다. 헤어진 뒤 하루 50통이 넘는 전화와 "
                        "1,000통의 메시지를 받은 피해자도 있었습니다."
                    ),
                    _("가까운 사람"),
                ),
                Point(
                    _(
                        "연인이나 전 연인이 통제하고, 위협하고, 때리는 것. 스토킹 피해자 10명 "
                        "중 7명은 교제폭력, 협박, 폭행 같은 피해를 함께 겪었습니다."
                    ),
                    _("교제폭력"),
                ),
                *_DIGITAL,
            ),
        ),
        Section(
            slug="warning-signs",
            title=_("이런 신호가 보이면"),
            intro=_(
                "스토킹은 폭력이나 살인 같은 강력범죄로 이어질 수 있습니다. 가볍게 넘기지 마세요."
            ),
            points=(
                Point(_("연락을 끊었는데 다른 번호나 새 계정으로 다시 연락해 온다.")),
                Point(_("내 일정이나 가는 곳을 알고 나타난다.")),
                Point(_("찾아가겠다, 가만두지 않겠다, 사진을 퍼뜨리겠다고 한다.")),
                Point(_("가족, 친구, 직장에 연락해 나에 대해 묻는다.")),
                Point(_("접근금지 같은 조치를 어기고 다시 나타난다.")),
            ),
        ),
        Section(
            slug="now",
            title=_("지금 할 수 있는 일"),
            points=(
                _POLICE_POINT,
                _HOTLINE_POINT,
                Point(
                    _(
                        "경찰에 긴급응급조치(100m 이내 접근금지, 전화·문자 같은 전기통신을 "
                        "이용한 접근금지)를 요청할 수 있습니다. 법원의 잠정조치(서면 경고, "
                        "접근금지, 전기통신 이용 접근금지, 위치추적 전자장치 부착, 유치)도 "
                        "있습니다. 센터가 절차를 함께합니다."
                    ),
                    _("보호조치"),
                ),
                Point(
                    _(
                        "고소를 취하해도 스토킹 사건은 끝나지 않습니다. 취하하라는 요구에 "
                        "혼자 대응하지 말고 상담하세요."
                    ),
                    _("고소 취하 요구"),
                ),
                *_KEEP_EVIDENCE,
                Point(
                    _(
                        "카카오톡 대화는 '대화 내보내기'로 파일을 만들어 두면 날짜별 기록으로 "
                        "쓸 수 있습니다."
                    ),
                    _("대화 보관"),
                ),
                Point(
                    _(
                        "집, 직장, 오가는 길에서 위험할 때 어떻게 할지 나만의 안전 계획을 "
                        "세워 두세요. 담당자와 함께 만들 수 있습니다."
                    ),
                    _("안전 계획"),
                ),
                Point(
                    _("새 주소나 머무는 곳은 꼭 알아야 하는 사람에게만 알리세요."),
                    _("주소 지키기"),
                ),
            ),
        ),
        _CENTER,
    ),
)


# --- workplaces --------------------------------------------------------------------------------

WORKPLACES = Audience(
    slug="workplaces",
    name=_("직장"),
    summary=_(
        "직원이 피해를 알렸을 때 회사와 관리자가 할 일입니다. 피해를 겪는 분을 위한 안내는 "
        "'성인' 페이지에 있습니다."
    ),
    sections=(
        Section(
            slug="looks-like",
            title=_("직장에서는 이렇게 나타납니다"),
            points=(
                Point(
                    _(
                        "가해자가 회사 앞, 로비, 주차장에서 기다리거나, 회사 대표 전화나 "
                        "메일로 직원을 찾는다."
                    ),
                    _("스토킹"),
                ),
                Point(
                    _(
                        "동료가 가해자일 수도 있습니다. 원하지 않는 연락을 되풀이하고, "
                        "퇴근길을 따라오고, 근무 일정을 캐묻습니다. 2022년 신당역에서는 직장 "
                        "동료를 스토킹하던 사람이 그 동료를 살해했습니다."
                    ),
                    _("동료에 의한 스토킹"),
                ),
                Point(
                    _(
                        "동료를 몰래 찍거나, 사진을 합성하거나, 단체 대화방에 퍼뜨리는 것도 "
                        "디지털 성범죄입니다."
                    ),
                    _("디지털 성범죄"),
                ),
                Point(
                    _("교제폭력 피해는 출근, 업무, 동료 관계에도 영향을 줍니다."),
                    _("교제폭력"),
                ),
            ),
        ),
        Section(
            slug="warning-signs",
            title=_("동료에게 이런 모습이 보이면"),
            points=(
                Point(_("특정 사람의 전화나 방문을 연결하지 말아 달라고 부탁한다.")),
                Point(_("출퇴근 시간이나 길을 자꾸 바꾸고, 혼자 퇴근하기를 두려워한다.")),
                Point(_("누군가 직원의 근무 일정, 자리, 연락처를 물어 온다.")),
                Point(_("휴대전화 알림에 놀라거나 일에 집중하기 어려워한다.")),
            ),
        ),
        Section(
            slug="now",
            title=_("지금 할 수 있는 일"),
            intro=_("피해를 겪는 직원과 곁에 있는 동료를 위한 안내입니다."),
            points=(
                _POLICE_POINT,
                _HOTLINE_POINT,
                *_KEEP_EVIDENCE[:2],
                Point(
                    _(
                        "회사로 온 전화, 메일, 방문 기록도 지우지 말고 보관해 달라고 관리자에게 "
                        "요청하세요."
                    ),
                    _("회사에 남은 기록"),
                ),
                Point(
                    _("혼자 퇴근하지 않도록 동료와 함께 움직이는 방법을 정해 두세요."),
                    _("함께 움직이기"),
                ),
            ),
        ),
        Section(
            slug="employer",
            title=_("사업주가 지킬 것"),
            points=(
                Point(
                    _(
                        "피해 직원이 일터에서 안전하도록 조치합니다. 출입 관리, 본인이 동의한 "
                        "범위에서 안내·경비 담당자에게 알리기, 자리와 근무 시간·장소 조정, "
                        "필요하면 재택근무나 휴가."
                    ),
                    _("보호"),
                ),
                Point(
                    _(
                        "피해를 알렸다는 이유로, 또는 피해 때문에 해고, 징계, 원하지 않는 "
                        "전보나 근무 변경, 평가에서의 불이익을 주지 않습니다."
                    ),
                    _("불이익 금지"),
                ),
                Point(
                    _(
                        "피해 사실과 직원의 연락처, 근무지, 근무 일정, 주소는 꼭 알아야 하는 "
                        "사람에게만, 본인이 동의한 만큼만 알립니다. 가족이나 지인이라며 묻는 "
                        "사람에게도 알려 주지 않습니다."
                    ),
                    _("비밀 유지"),
                ),
                Point(
                    _(
                        "가해자가 동료라면 두 사람을 떼어 놓되, 피해 직원이 원하지 않는데 "
                        "피해 직원을 옮기지 않습니다."
                    ),
                    _("분리"),
                ),
                Point(
                    _("폭력예방교육에서 스토킹과 디지털 성범죄의 예방과 대응도 다루세요."),
                    _("예방 교육"),
                ),
            ),
        ),
        Section(
            slug="manager",
            title=_("직원이 피해를 알려 오면 (관리자)"),
            points=(
                Point(
                    _(
                        "조용한 곳에서 이야기를 듣고, 탓하거나 캐묻지 않습니다. 알려 줘서 "
                        "고맙다고 말해 주세요."
                    ),
                    _("듣기"),
                ),
                Point(
                    _("지금 위험한지 먼저 묻고, 위험하면 경찰에 신고하도록 돕습니다."),
                    _("안전 먼저"),
                ),
                Point(
                    _("무엇이 필요한지 본인에게 묻고, 누구에게 알릴지 함께 정합니다."),
                    _("함께 정하기"),
                ),
                Point(
                    _("가해자에게 직접 연락하거나 따지지 않습니다. 위험을 키울 수 있습니다."),
                    _("직접 나서지 않기"),
                ),
                Point(
                    _(
                        "출입 기록, CCTV 영상, 회사로 온 전화와 메일처럼 회사에 남은 증거를 "
                        "지워지기 전에 보관합니다."
                    ),
                    _("증거 보관"),
                ),
                Point(
                    _("근무 조정과 안전 조치를 정하고, 그 뒤에도 괜찮은지 때때로 다시 묻습니다."),
                    _("조치와 확인"),
                ),
                Point(
                    _(
                        "여성긴급전화 1366(24시간)과 센터를 알려 주세요. 상담, 법률, 동행, "
                        "신변 보호를 한 곳에서 연결합니다."
                    ),
                    _("연결"),
                ),
                Point(
                    _(
                        "들은 내용과 한 조치를 날짜별로 적고, 관계없는 사람이 볼 수 없게 "
                        "보관합니다."
                    ),
                    _("기록"),
                ),
            ),
        ),
        _CENTER,
    ),
)


AUDIENCES: dict[str, Audience] = {
    audience.slug: audience for audience in (STUDENTS, ADULTS, WORKPLACES)
}


def audience_get(slug: str) -> Audience | None:
    return AUDIENCES.get(slug)
