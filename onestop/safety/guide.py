"""The safety plan's guide, as data: its sections, the questions she answers in her own words, the
checklists (stable codes; a code never changes meaning, a retired one is removed from here and
simply no longer shown) and the trusted people's fields.

Every question and item has a neutral label for the printed sheet: a sheet he finds should read
as an ordinary to-do note, not as a plan against him."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MAX_ANSWER = 1000
MAX_PEOPLE = 6


@dataclass(frozen=True)
class Question:
    """A free-text answer (sealed with the plan). ``personal`` answers invite names or phone
    numbers: they are left out of a print without names."""

    code: str
    label: Promise
    print_label: Promise
    help: Promise | str = ""
    max_length: int = MAX_ANSWER
    rows: int = 3
    personal: bool = False

    @property
    def field(self) -> str:
        return f"q_{self.code}"


@dataclass(frozen=True)
class CheckItem:
    code: str
    label: Promise
    explain: Promise
    print_label: Promise | None = None

    @property
    def printed(self) -> Promise:
        return self.print_label or self.label


@dataclass(frozen=True)
class PersonAttribute:
    """One thing written about a trusted person. ``personal``: a name or a way to reach her,
    left out of a print without names; ``code_word``: left out of a print without code words."""

    code: str
    label: Promise
    print_label: Promise
    max_length: int
    help: Promise | str = ""
    personal: bool = False
    code_word: bool = False


@dataclass(frozen=True)
class Section:
    code: str
    title: Promise
    print_title: Promise
    intro: Promise
    questions: tuple[Question, ...] = ()
    checklist: tuple[CheckItem, ...] = ()
    has_people: bool = False
    optional: bool = False


PERSON_ATTRIBUTES: tuple[PersonAttribute, ...] = (
    PersonAttribute("name", _("이름 (또는 부르는 이름)"), _("이름"), 50, personal=True),
    PersonAttribute(
        "contact",
        _("연락 방법"),
        _("연락처"),
        100,
        help=_("전화번호, 메신저 등. 그가 모르는 방법이면 더 좋습니다."),
        personal=True,
    ),
    PersonAttribute(
        "knows",
        _("이 사람이 알고 있는 것"),
        _("알고 있는 것"),
        300,
        help=_("예: 지금 상황, 이 계획, 그의 사진이나 차량"),
    ),
    PersonAttribute(
        "signal",
        _("정해 둔 암호 말이나 신호"),
        _("약속한 말"),
        100,
        help=_("예: '우산 챙겼어?'라고 문자하면 112에 대신 신고해 달라는 뜻"),
        code_word=True,
    ),
)


def person_field(index: int, attribute: str) -> str:
    return f"person{index}_{attribute}"


CHECKS_FIELD = "checks"
PEOPLE_FIELD = "people"


SECTIONS: tuple[Section, ...] = (
    Section(
        code="signals",
        title=_("위험 신호와 112 신고"),
        print_title=_("급할 때"),
        intro=_(
            "위험하다고 느끼면 망설이지 말고 112에 신고하세요. 괜한 신고라는 것은 없습니다. "
            "미리 정해 두면 그 순간에 덜 망설이게 됩니다."
        ),
        questions=(
            Question(
                "signals_warning",
                _("어떤 일이 생기면 위험이 커졌다고 느끼나요?"),
                _("조심할 때"),
                help=_(
                    "예: 집 앞에서 기다린다, 협박하는 말을 한다, 술을 마셨다, 연락이 갑자기 끊긴다"
                ),
            ),
            Question(
                "signals_call_112",
                _("이럴 때는 바로 112에 신고하기로 정해 둡니다"),
                _("바로 전화할 때"),
            ),
            Question(
                "signals_cannot_speak",
                _("말을 할 수 없을 때는 어떻게 신고할까요?"),
                _("말하기 어려울 때"),
                help=_(
                    "112로 문자를 보낼 수 있습니다. 전화를 걸고 말을 못 하면 끊지 말고 버튼을 "
                    "누르거나 두드려 신호를 보내세요."
                ),
                max_length=500,
                rows=2,
            ),
        ),
        checklist=(
            CheckItem(
                "sos_setting",
                _("휴대전화 긴급 SOS 기능 켜기"),
                _(
                    "전원(측면) 버튼을 여러 번 누르면 긴급 전화가 걸리고 정해 둔 사람에게 위치가 "
                    "가는 기능입니다. 설정의 '안전 및 긴급' 또는 '긴급 구조 요청'에서 켭니다."
                ),
                _("긴급 버튼 설정"),
            ),
            CheckItem(
                "sos_contacts",
                _("긴급 연락처 등록하기"),
                _("SOS를 누르면 연락이 갈 사람입니다. 그 사람이 이 계획을 알고 있는지 확인하세요."),
            ),
            CheckItem(
                "sms_112",
                _("112 문자 신고 알아 두기"),
                _("말하기 어려우면 112로 문자를 보낼 수 있습니다. 있는 곳과 상황을 짧게 적으세요."),
                _("112 문자 보내는 법"),
            ),
            CheckItem(
                "lock_screen_call",
                _("잠금 화면에서 긴급 통화 거는 법 익히기"),
                _("잠금을 풀지 않고도 잠금 화면의 '긴급 통화'로 112에 걸 수 있습니다."),
            ),
        ),
    ),
    Section(
        code="people",
        title=_("믿을 수 있는 사람들"),
        print_title=_("연락할 사람"),
        intro=_(
            "위험할 때 연락할 수 있는 사람을 적어 두세요. 미리 이야기해 두면 더 빨리 도울 수 "
            "있습니다. 평범한 말처럼 들리는 암호 말을 정해 두면 그가 옆에 있어도 도움을 청할 수 "
            "있습니다."
        ),
        questions=(
            Question(
                "people_neighbours",
                _("이웃, 경비실, 관리사무소에 부탁해 둘 일"),
                _("부탁해 둔 일"),
                help=_("예: 그를 보면 알려 달라, 큰 소리가 나면 112에 신고해 달라"),
                max_length=500,
                rows=2,
            ),
        ),
        checklist=(
            CheckItem(
                "told_someone",
                _("적어도 한 사람에게 지금 상황 알리기"),
                _(
                    "혼자만 알고 있으면 도움이 늦어집니다. 누구에게 얼마나 알릴지는 본인이 "
                    "정합니다."
                ),
                _("한 사람에게 알리기"),
            ),
            CheckItem(
                "code_word_practised",
                _("암호 말을 정하고 함께 연습하기"),
                _("받는 사람이 그 말을 들으면 무엇을 할지(112 신고, 데리러 오기) 정해 두세요."),
                _("약속한 말 연습"),
            ),
        ),
        has_people=True,
    ),
    Section(
        code="routes",
        title=_("안전한 경로와 장소"),
        print_title=_("다니는 길과 들를 곳"),
        intro=_(
            "같은 시간, 같은 길은 기다리기 쉽습니다. 오가는 길과 가는 길에 들어갈 수 있는 곳을 "
            "미리 정해 두세요."
        ),
        questions=(
            Question("routes_home", _("집에 오가는 길"), _("집 오가는 길")),
            Question("routes_work", _("직장(일하는 곳)에 오가는 길"), _("일터 오가는 길")),
            Question(
                "routes_school",
                _("학교(또는 아이의 학교·어린이집)에 오가는 길"),
                _("학교 오가는 길"),
            ),
            Question(
                "routes_safe_places",
                _("늦게까지 열려 있어 들어갈 수 있는 곳"),
                _("들를 수 있는 곳"),
                help=_(
                    "지구대·파출소, 24시간 편의점(여성안심지킴이집으로 지정된 곳이 있습니다), "
                    "병원 응급실, 사람이 많은 가게"
                ),
            ),
            Question(
                "routes_transport",
                _("밤늦게 다닐 때 이용할 방법"),
                _("늦게 다닐 때"),
                help=_("예: 함께 걷는 사람, 택시 앱의 안심 귀가 알림, 지자체 안심귀가 서비스"),
                max_length=500,
                rows=2,
            ),
        ),
        checklist=(
            CheckItem(
                "vary_routine",
                _("다니는 시간과 길을 가끔 바꾸기"),
                _("매일 같은 시간에 같은 길로 다니지 않도록 해 보세요."),
            ),
            CheckItem(
                "safe_places_known",
                _("가는 길에 들어갈 수 있는 곳 확인하기"),
                _("지구대·파출소, 24시간 편의점의 위치를 실제로 한 번 확인해 두세요."),
            ),
            CheckItem(
                "arrival_check_in",
                _("도착하면 믿는 사람에게 알리기로 약속하기"),
                _("위치 공유는 믿는 사람과만, 필요한 때만 켭니다."),
                _("도착 알리기"),
            ),
        ),
    ),
    Section(
        code="ready",
        title=_("미리 챙겨 둘 것"),
        print_title=_("챙겨 둘 것"),
        intro=_(
            "급히 집을 떠나야 할 때를 위해 한곳에 모아 두거나 믿는 사람에게 맡겨 두세요. "
            "챙긴 것에 표시하세요."
        ),
        questions=(
            Question(
                "ready_where",
                _("챙긴 것을 어디에 둘까요 (또는 누구에게 맡길까요)?"),
                _("둔 곳"),
                max_length=500,
                rows=2,
            ),
            Question("ready_other", _("그 밖에 챙길 것"), _("그 밖에"), max_length=500, rows=2),
        ),
        checklist=(
            CheckItem("id_card", _("신분증"), _("주민등록증, 운전면허증, 여권")),
            CheckItem("cash_cards", _("현금과 카드"), _("현금 조금과 본인 이름의 카드")),
            CheckItem("medicine", _("약과 처방전"), _("늘 먹는 약과 처방전, 안경")),
            CheckItem(
                "document_copies",
                _("중요한 서류 사본"),
                _("가족관계증명서, 통장, 임대차 계약서, 보험 서류. 사진으로 찍어 두어도 됩니다."),
                _("서류 사본"),
            ),
            CheckItem(
                "charger", _("충전기와 보조 배터리"), _("휴대전화가 꺼지면 연락도 끊깁니다.")
            ),
            CheckItem("spare_keys", _("여분 열쇠"), _("집, 차 열쇠")),
            CheckItem(
                "evidence_copies",
                _("증거 사본"),
                _(
                    "문자·통화 기록 캡처, 사진, 녹음, 날짜별 메모의 사본. 그가 볼 수 없는 곳(믿는 "
                    "사람, 상담 기관)에 두세요."
                ),
                _("기록 사본"),
            ),
            CheckItem(
                "order_copies",
                _("보호 결정문과 신고 접수 번호"),
                _("잠정조치·긴급응급조치 결정문, 112 신고 접수 번호. 다시 신고할 때 보여 주세요."),
                _("받은 서류와 접수 번호"),
            ),
        ),
    ),
    Section(
        code="appears",
        title=_("그가 나타나면: 집 / 직장 / 학교"),
        print_title=_("장소별 메모"),
        intro=_(
            "그가 나타났을 때 무엇을 할지 장소마다 미리 정해 두세요. 안전이 먼저입니다. 그와 "
            "이야기하려 하지 말고 피한 뒤 112에 신고하세요."
        ),
        questions=(
            Question(
                "appears_home",
                _("집에 나타나면"),
                _("집에서"),
                help=_(
                    "예: 문을 열지 않는다, 잠글 수 있는 방과 휴대전화, 112 신고, 이웃에게 알리기"
                ),
            ),
            Question(
                "appears_work",
                _("직장에 나타나면"),
                _("일터에서"),
                help=_("예: 미리 알려 둘 사람(상사, 경비, 안내 데스크), 출입을 막는 방법"),
            ),
            Question(
                "appears_school",
                _("학교(또는 아이의 학교·어린이집)에 나타나면"),
                _("학교에서"),
                help=_("예: 선생님께 아이를 데려갈 수 있는 사람을 알려 두기"),
            ),
            Question(
                "appears_elsewhere",
                _("길이나 다른 곳에서 마주치면"),
                _("밖에서"),
                help=_("예: 사람 많은 곳으로 간다, 가까운 가게에 들어가 도움을 청한다, 112"),
            ),
        ),
        checklist=(
            CheckItem(
                "tell_workplace",
                _("직장에 알릴지 정하기"),
                _(
                    "알리면 경비나 동료가 도울 수 있습니다. 무엇을 누구에게 알릴지는 본인이 "
                    "정합니다."
                ),
                _("일터에 알릴지"),
            ),
            CheckItem(
                "tell_school",
                _("학교·어린이집에 알릴지 정하기"),
                _("아이를 데려갈 수 있는 사람을 정해 알려 두세요."),
                _("학교에 알릴지"),
            ),
            CheckItem(
                "door_secured",
                _("현관 잠금 점검하기"),
                _(
                    "현관 비밀번호를 바꾸고, 보조 잠금장치나 현관 카메라를 생각해 보세요. "
                    "지원받을 수 있는지 담당자에게 물어보세요."
                ),
                _("현관 잠금"),
            ),
        ),
    ),
    Section(
        code="phone",
        title=_("휴대전화와 계정 보안 점검"),
        print_title=_("휴대전화 점검"),
        intro=_(
            "그가 휴대전화나 계정으로 위치나 대화를 볼 수 있다면 다른 계획도 새어 나갈 수 "
            "있습니다. 하나씩 확인하세요. 한꺼번에 바꾸면 그가 눈치챌 수 있으니 순서는 담당자와 "
            "상의해도 좋습니다."
        ),
        questions=(
            Question(
                "phone_notes",
                _("확인하며 발견한 것, 담당자와 상의할 것"),
                _("확인한 것"),
            ),
        ),
        checklist=(
            CheckItem(
                "location_sharing_off",
                _("위치 공유 끄기"),
                _(
                    "지도 앱, 메신저, '내 기기 찾기'·가족 찾기, 스마트워치의 위치 공유 목록에 그가 "
                    "있는지 확인하고 끕니다."
                ),
            ),
            CheckItem(
                "unknown_apps",
                _("모르는 앱 확인하기"),
                _(
                    "설치한 기억이 없는 앱, '기기 관리자'나 '접근성' 권한을 가진 앱을 확인하세요. "
                    "몰래 위치나 대화를 빼 가는 앱일 수 있습니다. 지우기 전에 담당자와 상의하세요 "
                    "(증거가 될 수 있고, 지우면 그가 알 수 있습니다)."
                ),
            ),
            CheckItem(
                "passwords_changed",
                _("비밀번호 바꾸기"),
                _(
                    "그가 짐작할 수 있는 비밀번호(생일, 함께 쓰던 것)를 바꿉니다. 휴대전화 잠금 "
                    "비밀번호도 바꾸세요."
                ),
            ),
            CheckItem(
                "two_step",
                _("2단계 인증 켜기"),
                _(
                    "로그인할 때 문자나 인증 앱의 번호를 한 번 더 확인하게 하면, 비밀번호를 알아도 "
                    "들어올 수 없습니다."
                ),
            ),
            CheckItem(
                "signed_in_devices",
                _("로그인된 기기 확인하기"),
                _(
                    "카카오톡(PC 버전 포함), 구글, 애플, 네이버 계정의 '로그인된 기기' 목록을 보고 "
                    "모르는 기기는 로그아웃합니다."
                ),
            ),
            CheckItem(
                "cloud_backup",
                _("클라우드·백업 공유 확인하기"),
                _(
                    "사진 자동 백업, 공유 앨범, 가족 공유 저장 공간으로 사진(찍은 장소가 담긴)과 "
                    "대화가 보일 수 있습니다."
                ),
            ),
            CheckItem(
                "sns_privacy",
                _("SNS 공개 범위 줄이기"),
                _(
                    "게시물과 친구 목록을 비공개로 하고, 위치 태그와 지금 있는 곳 사진은 올리지 "
                    "마세요. 친구들에게도 나를 태그하지 말라고 부탁하세요."
                ),
            ),
            CheckItem(
                "family_plan",
                _("가족 요금제·함께 쓰는 계정 확인하기"),
                _(
                    "통신사 가족 결합, 함께 쓰는 앱 마켓·동영상 계정으로 위치나 기록이 보일 수 "
                    "있습니다. 휴대전화 명의자가 그라면 통화 내역을 볼 수도 있습니다."
                ),
            ),
            CheckItem(
                "trackers",
                _("차와 가방에 위치 추적기가 있는지 보기"),
                _(
                    "모르는 스마트 태그(에어태그 등)가 있는지 살피세요. 휴대전화가 '모르는 추적기' "
                    "알림을 주면 무시하지 마세요."
                ),
                _("차·가방 살펴보기"),
            ),
            CheckItem(
                "spare_phone",
                _("필요하면 그가 모르는 휴대전화 마련하기"),
                _("비상용으로 그가 모르는 번호의 휴대전화를 두는 방법도 있습니다."),
                _("비상용 휴대전화"),
            ),
        ),
    ),
    Section(
        code="family",
        title=_("아이·반려동물"),
        print_title=_("아이·반려동물"),
        intro=_("해당될 때만 적으세요."),
        questions=(
            Question(
                "family_pickup",
                _("아이를 데리러 갈 수 있는 사람과 연락처"),
                _("아이 데리러 갈 사람"),
                max_length=500,
                rows=2,
                personal=True,
            ),
            Question(
                "family_children_plan",
                _("아이와 정해 둔 것"),
                _("아이와 약속한 것"),
                help=_("예: 위험하면 어디로 가는지, 112 거는 법, 그가 데리러 오면 따라가지 않기"),
            ),
            Question(
                "family_pets",
                _("반려동물을 맡아 줄 사람이나 곳"),
                _("반려동물 맡길 곳"),
                max_length=500,
                rows=2,
                personal=True,
            ),
        ),
        checklist=(
            CheckItem(
                "children_know_112",
                _("아이에게 112 거는 법 알려 주기"),
                _("아이 나이에 맞게, 겁주지 않고 알려 주세요."),
            ),
            CheckItem(
                "pet_plan",
                _("반려동물 맡길 곳 정하기"),
                _("반려동물과 함께 갈 수 있는 보호시설이 있는지 담당자에게 물어보세요."),
            ),
        ),
        optional=True,
    ),
)

SECTION_BY_CODE: dict[str, Section] = {section.code: section for section in SECTIONS}
QUESTIONS: dict[str, Question] = {q.code: q for s in SECTIONS for q in s.questions}
CHECK_ITEMS: dict[str, CheckItem] = {i.code: i for s in SECTIONS for i in s.checklist}
PERSON_ATTRIBUTE_BY_CODE: dict[str, PersonAttribute] = {a.code: a for a in PERSON_ATTRIBUTES}


def section_title(code: str) -> str:
    section = SECTION_BY_CODE.get(code)
    return str(section.title) if section else code
