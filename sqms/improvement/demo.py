"""Demo improvement data: a cause taxonomy and nonconformances in several states.

Call `build_improvement_demo(password=...)` after the demo organisation (and, optionally, the
standards demo) exists. It works as the demo accounts `quality` and `owner`; the closed record is
signed by `quality`, whose password the caller passes in. Without a password nothing is closed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from sqms.core.models import User
from sqms.improvement import services
from sqms.improvement.models import (
    ActionKind,
    ActionStatus,
    Bone,
    Cause,
    CheckKind,
    NcStatus,
    Nonconformance,
    Severity,
    SourceType,
)
from sqms.org.models import Service, Site
from sqms.standards.models import StandardVersion

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
    if Nonconformance.objects.exists():
        return list(Nonconformance.objects.all())
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
