"""Demo improvement data: a cause taxonomy and nonconformances in several states.

Call `build_improvement_demo(password=...)` after the demo organisation (and, optionally, the
standards demo) exists. It works as the demo accounts `quality` and `owner`; the closed record is
signed by `quality`, whose password the caller passes in. Without a password nothing is closed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from sqms.core.models import User
from sqms.core.roles import Role
from sqms.improvement import services
from sqms.improvement.models import (
    ActionKind,
    ActionStatus,
    Bone,
    Cause,
    CheckKind,
    Initiative,
    NcStatus,
    Nonconformance,
    Priority,
    Severity,
    SourceType,
    Stage,
    Suggestion,
)
from sqms.org.models import Service, Site
from sqms.standards.models import ServiceStandard, StandardVersion

TAXONOMY: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("PPL", "인력", Bone.PEOPLE, [("PPL-01", "교육 부족"), ("PPL-02", "인력 부족(피크 시간)")]),
    ("PRC", "프로세스", Bone.PROCESS, [("PRC-01", "절차 미비"), ("PRC-02", "인계 누락")]),
    ("POL", "정책", Bone.POLICY, [("POL-01", "불명확한 보상 기준")]),
    ("ENV", "장소/환경", Bone.PLACE, [("ENV-01", "소음")]),
    ("EQT", "장비/기술", Bone.EQUIPMENT, [("EQT-01", "CTI 장애"), ("EQT-02", "CRM 응답 지연")]),
    ("MSR", "측정", Bone.MEASUREMENT, [("MSR-01", "측정 기준 불일치")]),
    ("CUS", "고객", Bone.CUSTOMER, [("CUS-01", "고객 정보 오류")]),
    ("SUP", "공급자", Bone.SUPPLIER, [("SUP-01", "협력사 지연")]),
]


def _taxonomy(actor: User) -> dict[str, Cause]:
    causes: dict[str, Cause] = {}
    for code, name, bone, items in TAXONOMY:
        category = services.category_create(actor=actor, code=code, name=name, bone=bone)
        for c_code, c_name in items:
            causes[c_code] = services.cause_create(
                actor=actor, category=category, code=c_code, name=c_name
            )
    return causes


def _advance(actor: User, nc: Nonconformance, *targets: str) -> Nonconformance:
    for to in targets:
        nc = services.nonconformance_transition(actor=actor, nc=nc, to=to)
    return nc


@transaction.atomic
def build_improvement_demo(*, password: str = "") -> list[Nonconformance]:
    """The nonconformances (made once), then the register, suggestions, lessons and the
    nonconformance of the monitoring demo's deterioration (each part skipped when present)."""
    if (
        Nonconformance.objects.filter(number__startswith="NC-")
        .exclude(source_type=SourceType.SIGNAL, source_content_type__isnull=False)
        .exists()
    ):
        made = list(
            Nonconformance.objects.exclude(
                source_type=SourceType.SIGNAL, source_content_type__isnull=False
            ).order_by("pk")[:4]
        )
    else:
        made = _nonconformances(password)
    quality = User.objects.get(username="quality")
    owner = User.objects.get(username="owner")
    _register(quality, owner, made, password)
    deterioration_demo(quality, owner)
    return [Nonconformance.objects.get(pk=n.pk) for n in made]


def _nonconformances(password: str) -> list[Nonconformance]:
    quality = User.objects.get(username="quality")
    owner = User.objects.get(username="owner")
    staff = User.objects.filter(username="staff").first()
    causes = _taxonomy(quality)
    service_list = list(Service.objects.order_by("code")[:2])
    site_list = list(Site.objects.order_by("code")[:2])
    service = service_list[0] if service_list else None
    other = service_list[-1] if service_list else None
    site = (
        next((s for s in site_list if service and service.sites.filter(pk=s.pk).exists()), None)
        if service
        else None
    )
    version = StandardVersion.objects.select_related("standard").order_by("pk").first()
    now = timezone.now()
    today = timezone.localdate()
    made: list[Nonconformance] = []

    # 1. A signal from monitoring, analysed, actions done, verified with a positive check, closed.
    nc = services.nonconformance_create(
        actor=quality,
        title="응대 대기시간 기준 미달 (p 관리도 신호)",
        source_type=SourceType.SIGNAL,
        severity=Severity.MAJOR,
        description="주간 30초 초과 대기 비율이 관리한계를 벗어났다.",
        detected_at=now - dt.timedelta(days=120),
        service=service,
        site=site,
        process="인바운드 상담",
        standard_version=version,
        evidence={"chart": "p", "points": [{"label": "W07", "value": 0.21, "ucl": 0.16}]},
        evidence_text="p 관리도 W07 지점이 UCL 초과 (Western Electric 1).",
        containment="피크 시간대 백오피스 인력 2명을 상담에 임시 투입.",
        correction="대기 고객에게 콜백 예약 안내.",
    )
    nc = _advance(quality, nc, NcStatus.CONTAINED)
    for text in [
        "왜 대기시간이 늘었나? 월요일 오전 인입이 급증했다.",
        "왜 대응하지 못했나? 근무표가 과거 평균 기준으로 짜였다.",
        "왜 평균 기준인가? 인력 계획 절차에 요일별 예측이 없다.",
    ]:
        services.why_add(actor=quality, nc=nc, text=text)
    for bone, text in [
        (Bone.PEOPLE, "신입 비율 높음"),
        (Bone.PROCESS, "근무표 수립 절차 미비"),
        (Bone.EQUIPMENT, "CTI 대기열 설정"),
        (Bone.CUSTOMER, "월초 문의 집중"),
    ]:
        services.fishbone_add(actor=quality, nc=nc, bone=bone, text=text)
    services.root_cause_set(
        actor=quality,
        nc=nc,
        cause=causes["PRC-01"],
        statement="인력 계획 절차에 요일·시간대별 수요 예측이 없다.",
    )
    nc = _advance(quality, nc, NcStatus.ANALYSED)
    action = services.action_create(
        actor=quality,
        nc=nc,
        kind=ActionKind.CORRECTIVE,
        title="인력 계획 절차 개정(요일별 예측 반영)",
        owner=owner,
        due_on=today - dt.timedelta(days=60),
        change_target="process",
        change_description="인력 계획 절차",
    )
    nc = _advance(quality, nc, NcStatus.ACTION_PLANNED)
    services.action_note_add(actor=owner, action=action, text="절차 개정안 작성, 검토 완료.")
    services.action_set_status(
        actor=owner, action=action, status=ActionStatus.DONE, today=today - dt.timedelta(days=61)
    )
    nc = _advance(quality, nc, NcStatus.IMPLEMENTED)
    services.effectiveness_check_create(
        actor=quality,
        nc=nc,
        kind=CheckKind.PROPORTION,
        higher_is_better=False,
        metric_label="30초 초과 대기 비율",
        before_from=today - dt.timedelta(days=150),
        before_to=today - dt.timedelta(days=91),
        after_from=today - dt.timedelta(days=60),
        after_to=today - dt.timedelta(days=1),
        before="\n".join(f"{d}, 400" for d in [62, 58, 66, 60, 64, 59, 63, 61]),
        after="\n".join(f"{d}, 400" for d in [30, 28, 33, 29, 31, 27, 32, 30]),
    )
    nc = _advance(quality, nc, NcStatus.VERIFIED)
    if password:
        services.nonconformance_close(
            actor=quality,
            nc=nc,
            password=password,
            printed_name="품질관리 팀장",
            meaning="시정조치가 효과적임을 확인하고 종결합니다.",
        )
    made.append(nc)

    # 2. A complaint, contained, with an open, overdue action planned.
    nc2 = services.nonconformance_create(
        actor=owner,
        title="환불 안내 오류로 인한 고객불만",
        source_type=SourceType.COMPLAINT,
        severity=Severity.MINOR,
        detected_at=now - dt.timedelta(days=20),
        service=other,
        source_reference="불만 접수 2026-0312",
        containment="해당 고객에게 정정 안내 및 사과.",
    )
    nc2 = _advance(owner, nc2, NcStatus.CONTAINED)
    services.root_cause_set(
        actor=owner, nc=nc2, cause=causes["PPL-01"], statement="환불 정책 변경 교육 누락."
    )
    nc2 = _advance(owner, nc2, NcStatus.ANALYSED)
    services.action_create(
        actor=owner,
        nc=nc2,
        kind=ActionKind.CORRECTIVE,
        title="환불 정책 변경 교육 실시",
        owner=owner,
        due_on=today - dt.timedelta(days=2),
        change_target="training",
        change_description="환불 정책 교육",
    )
    _advance(owner, nc2, NcStatus.ACTION_PLANNED)
    made.append(nc2)

    # 3. A staff report, still open.
    made.append(
        services.nonconformance_create(
            actor=staff or owner,
            title="상담 스크립트의 잘못된 전화번호",
            source_type=SourceType.STAFF_REPORT,
            detected_at=now - dt.timedelta(days=1),
            service=service,
            site=site,
        )
    )
    # 4. An audit finding, cancelled as a duplicate.
    nc4 = services.nonconformance_create(
        actor=quality,
        title="녹취 보관기간 미준수",
        source_type=SourceType.AUDIT_FINDING,
        severity=Severity.MAJOR,
        detected_at=now - dt.timedelta(days=10),
        service=other,
    )
    services.nonconformance_transition(
        actor=quality, nc=nc4, to=NcStatus.CANCELLED, reason="중복 등록"
    )
    made.append(nc4)
    return [Nonconformance.objects.get(pk=n.pk) for n in made]


# --- improvement register, suggestions, lessons -----------------------------------------------

INITIATIVES: list[tuple[str, str, str, str, float | None, float | None]] = [
    # title, priority, target stage, unit (as a user types it), expected, realised
    ("월요일 오전 콜백 예약 도입", Priority.HIGH, Stage.ACT, "%", 10.0, 8.5),
    ("FAQ 챗봇 답변 보강", Priority.MEDIUM, Stage.DO, "%", 5.0, None),
    ("상담 스크립트 표준화", Priority.MEDIUM, Stage.CHECK, "초", -20.0, None),
    ("신입 상담원 멘토링 제도", Priority.LOW, Stage.PLAN, "점", 0.3, None),
    ("환불 안내 체크리스트", Priority.HIGH, Stage.COMPLETED, "건", -10.0, -12.0),
]

SUGGESTIONS: list[tuple[str, str]] = [
    (
        "점심시간 교대 근무 조정",
        "점심시간에 대기 고객이 몰리니 교대 시간을 30분씩 나누면 좋겠습니다.",
    ),
    ("자주 묻는 질문 화면 공유", "상담 화면에 자주 묻는 질문 10개를 바로 띄워 주세요."),
    ("콜백 예약 문자 개선", "콜백 예약 문자에 예상 통화 시간을 넣어 주세요."),
    ("신규 요금제 교육 자료", "신규 요금제 출시 전에 짧은 영상 교육이 있으면 좋겠습니다."),
    ("헤드셋 교체 주기 단축", "헤드셋 잡음 때문에 고객이 다시 말해 달라는 경우가 많습니다."),
    ("CRM 검색 속도", "고객 검색이 5초 이상 걸려 응대가 늦어집니다."),
    ("불만 고객 에스컬레이션 기준", "언제 팀장에게 넘겨야 하는지 기준을 명확히 해 주세요."),
    ("상담 메모 템플릿", "상담 메모 작성 양식을 통일하면 인계가 쉬워집니다."),
    ("야간 채팅 상담 인력", "야간 채팅 대기가 길어 인력 보강이 필요합니다."),
    ("VIP 고객 전용 회선 안내", "VIP 고객에게 전용 회선 번호를 다시 안내해 주세요."),
    ("고객 만족도 설문 문항 축소", "설문 문항이 많아 응답률이 낮습니다."),
    ("휴게실 소음 차단", "휴게실 소음이 상담석까지 들립니다."),
    ("모바일 앱 오류 공유 채널", "앱 장애를 상담원에게 바로 알리는 채널이 필요합니다."),
    ("환불 규정 요약표", "환불 규정을 한 장으로 요약해 주세요."),
    ("상담 품질 피드백 주기", "품질 피드백을 월 1회에서 주 1회로 바꾸면 좋겠습니다."),
    ("대기 안내 멘트 단축", "대기 안내 멘트가 너무 길다는 의견이 많습니다."),
    ("재문의 고객 표시", "7일 이내 재문의 고객을 화면에 표시해 주세요."),
    ("교육 일정 사전 공지", "교육 일정을 2주 전에 알려 주세요."),
    ("협력사 연락망 정비", "협력사 담당자 연락처가 오래되었습니다."),
    ("주말 근무 희망 조사", "주말 근무 희망을 미리 받아 근무표에 반영해 주세요."),
]


def _demo_colleagues(password: str) -> list[User]:
    """Logins for a dozen demo employees across the teams, so that suggestions, votes and
    participation per team have something to show."""
    from sqms.core.services import user_create
    from sqms.org.models import Employee

    people: list[User] = []
    seen_teams: dict[int, int] = {}
    for employee in Employee.objects.filter(team__isnull=False).order_by("employee_no"):
        if employee.user_id is not None:
            if employee.user is not None and employee.user.username in ("owner", "staff"):
                people.append(employee.user)
            continue
        if seen_teams.get(employee.team_id or 0, 0) >= 2 or len(people) >= 14:
            continue
        username = f"emp{employee.employee_no.lower()}"
        user = User.objects.filter(username=username).first() or user_create(
            actor=None,
            username=username,
            password=password or secrets.token_urlsafe(24),
            role=Role.STAFF,
            last_name=employee.name[:1],
            first_name=employee.name[1:],
            email=employee.email,
        )
        employee.user = user
        employee.save(update_fields=["user"])
        seen_teams[employee.team_id or 0] = seen_teams.get(employee.team_id or 0, 0) + 1
        people.append(user)
    return people


def _register(quality: User, owner: User, made: list[Nonconformance], password: str) -> None:
    if Initiative.objects.exists() or Suggestion.objects.exists():
        return
    service = Service.objects.order_by("code").first()
    order: list[str] = [Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT, Stage.COMPLETED]
    initiatives: list[Initiative] = []
    for title, priority, target, unit, expected, realised in INITIATIVES:
        initiative = services.initiative_create(
            actor=quality,
            title=title,
            owner=owner,
            priority=priority,
            service=service,
            unit=unit,
            description=f"{title}: 개선 계획과 기대 효과를 정리한다.",
            expected_benefit=Decimal(str(expected)) if expected is not None else None,
        )
        for to in order[1 : order.index(target) + 1]:
            if to in (Stage.ACT, Stage.COMPLETED) and initiative.realised_benefit is None:
                initiative = services.initiative_update(
                    actor=quality,
                    initiative=initiative,
                    fields={"realised_benefit": Decimal(str(realised))},
                )
            initiative = services.initiative_move(actor=quality, initiative=initiative, to=to)
        initiatives.append(initiative)

    people = _demo_colleagues(password)
    if not people:
        people = [owner]
    suggestions = []
    for n, (title, body) in enumerate(SUGGESTIONS):
        submitter = people[n % len(people)]
        suggestion = services.suggestion_submit(
            actor=submitter, title=title, body=body, anonymous=n % 4 == 3, service=service
        )
        for voter in people[(n % 5) + 1 : (n % 5) + 1 + (n * 7) % 6]:
            if voter != submitter:
                services.suggestion_vote_toggle(actor=voter, suggestion=suggestion)
        if n % 3 == 0:
            services.suggestion_comment_add(
                actor=people[(n + 2) % len(people)],
                suggestion=suggestion,
                text="좋은 의견입니다. 우리 팀도 같은 문제를 겪고 있습니다.",
            )
        suggestions.append(suggestion)
    services.suggestion_accept(actor=quality, suggestion=suggestions[0], owner=owner)
    services.suggestion_accept(
        actor=quality, suggestion=suggestions[5], owner=owner, priority=Priority.HIGH
    )
    services.suggestion_merge(actor=quality, suggestion=suggestions[13], into=suggestions[6])
    services.suggestion_decline(
        actor=quality,
        suggestion=suggestions[11],
        reason="휴게실 리모델링이 다음 달 예정되어 있어 별도 조치하지 않습니다.",
    )

    closed = next((nc for nc in made if nc.status == NcStatus.CLOSED), None)
    if closed is not None:
        services.lesson_publish(
            actor=quality,
            nonconformance=closed,
            title="요일별 수요 예측 없는 근무표는 대기시간 악화로 이어진다",
            what_happened="월요일 오전 인입 급증에 근무표가 대응하지 못해 30초 초과 대기 비율이 "
            "관리한계를 넘었다.",
            what_we_learned="인력 계획 절차에 요일·시간대별 수요 예측을 반영하고, 월초와 "
            "월요일 오전에는 백오피스 지원 인력을 미리 배치한다.",
            tags="대기시간, 인력계획, 근무표",
        )
    completed = next((i for i in initiatives if i.stage == Stage.COMPLETED), None)
    if completed is not None:
        services.lesson_publish(
            actor=quality,
            initiative=completed,
            title="Checklists cut refund errors (환불 안내 체크리스트)",
            what_happened="Refund explanations were wrong after a policy change.",
            what_we_learned="A one-page checklist used on every refund call removed most errors; "
            "update it with every policy change.",
            tags="refund, checklist, 환불",
        )


# --- the monitoring demo's deterioration -------------------------------------------------------

DETERIORATION_STANDARD = "STD-CARD-ASA"


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def deterioration_demo(quality: User, owner: User) -> Nonconformance | None:
    """Raise the nonconformance of the monitoring demo's injected deterioration, analyse it
    and record the corrective action at the recovery, leaving the effectiveness check and the
    signed closure to the user. Skipped when the monitoring demo or its signal is absent."""
    try:
        from sqms.monitoring import demo as monitoring_demo
        from sqms.monitoring.models import Signal
    except ImportError:
        return None
    deterioration = getattr(monitoring_demo, "DETERIORATION", None)
    if not deterioration:
        return None
    standard_code = DETERIORATION_STANDARD
    try:
        if isinstance(deterioration, dict):
            # {"site": code, "standard": code, ...} with deterioration_window() -> (start, end)
            site_code = deterioration["site"]
            standard_code = deterioration.get("standard", standard_code)
            start, end = monitoring_demo.deterioration_window()
        else:
            site_code, start, end = deterioration
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    start_day, end_day = _as_date(start), _as_date(end)
    standard = ServiceStandard.objects.filter(code=standard_code).first()
    site = Site.objects.filter(code=site_code).first()
    if standard is None or site is None or start_day is None or end_day is None:
        return None
    signals = Signal.objects.filter(standard=standard, site=site).order_by("first_period", "pk")
    # The signal that saw the deterioration: it starts inside the window.
    signal = (
        signals.filter(
            first_period__date__gte=start_day - dt.timedelta(days=1),
            first_period__date__lt=end_day,
        ).first()
        or signals.filter(first_period__date__lt=end_day, last_period__date__gte=start_day).first()
    )
    if signal is None:
        return None
    nc = services.nonconformance_raise_from_signal(actor=quality, signal=signal)
    if nc is None or nc.status != NcStatus.OPEN:
        return nc
    nc = services.nonconformance_update(
        actor=quality,
        nc=nc,
        fields={
            "severity": Severity.MAJOR,
            "containment": "대기 고객에게 콜백 예약을 안내하고 백오피스 인력 2명을 임시 투입.",
            "process": "카드 상담",
        },
    )
    nc = _advance(quality, nc, NcStatus.CONTAINED)
    for text in [
        "왜 응답 시간이 늘었나? 오전 피크에 상담 가능 인원이 부족했다.",
        "왜 부족했나? 신규 카드 출시 문의가 늘었는데 근무표가 그대로였다.",
        "왜 근무표가 그대로였나? 출시 일정이 인력 계획에 전달되지 않았다.",
    ]:
        services.why_add(actor=quality, nc=nc, text=text)
    for bone, text in [
        (Bone.PEOPLE, "신규 상품 교육 미완료"),
        (Bone.PROCESS, "출시 일정이 인력 계획에 미반영"),
        (Bone.EQUIPMENT, "ACD 대기열 우선순위 설정"),
        (Bone.CUSTOMER, "신규 카드 출시 문의 급증"),
        (Bone.MEASUREMENT, "실시간 대기 알림 기준 없음"),
    ]:
        services.fishbone_add(actor=quality, nc=nc, bone=bone, text=text)
    cause = Cause.objects.filter(code="PRC-02").first() or Cause.objects.order_by("pk").first()
    if cause is None:
        return nc
    services.root_cause_set(
        actor=quality,
        nc=nc,
        cause=cause,
        statement="상품 출시 일정이 인력 계획 절차에 전달되지 않아 피크 인력이 부족했다.",
    )
    nc = _advance(quality, nc, NcStatus.ANALYSED)
    action = services.action_create(
        actor=quality,
        nc=nc,
        kind=ActionKind.CORRECTIVE,
        title="출시 일정 연계 인력 계획 절차 수립 및 피크 인력 증원",
        owner=owner,
        due_on=end_day,
        change_target="process",
        change_description="인력 계획 절차",
    )
    nc = _advance(quality, nc, NcStatus.ACTION_PLANNED)
    services.action_set_status(actor=owner, action=action, status=ActionStatus.DONE, today=end_day)
    return _advance(quality, nc, NcStatus.IMPLEMENTED)
