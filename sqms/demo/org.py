"""The demo organisation: a Korean customer contact centre with four branch offices."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqms.core.models import User
from sqms.core.roles import Role
from sqms.core.services import user_create
from sqms.org import services
from sqms.org.models import Channel, Employee, JobRole, Service, Site, Team

PASSWORD = "sqms-demo"  # noqa: S105  (printed by `make run`; demo data only)

SITES = [
    ("SEL", "서울 본사 고객센터", "서울특별시 중구 세종대로 110"),
    ("BSN", "부산 지점", "부산광역시 부산진구 중앙대로 680"),
    ("DGU", "대구 지점", "대구광역시 중구 공평로 88"),
    ("GWJ", "광주 지점", "광주광역시 서구 내방로 111"),
    ("DJN", "대전 지점", "대전광역시 서구 둔산로 100"),
]
TEAMS = [("VOC", "상담 {n}팀"), ("SUP", "지원 {n}팀")]
JOB_ROLES = [
    ("AGT", "상담원", "고객 문의와 요청을 전화, 채팅, 이메일, 방문으로 처리합니다."),
    ("SAG", "선임 상담원", "어려운 문의를 맡고 신입 상담원을 지도합니다."),
    ("TL", "팀장", "팀의 서비스 수준과 인력 배치를 책임집니다."),
    ("QA", "품질 평가자", "상담 품질을 점검하고 피드백합니다."),
    ("TRN", "교육 담당", "교육 과정을 운영하고 역량을 평가합니다."),
    ("BM", "지점장", "지점의 운영과 품질목표 달성을 책임집니다."),
]
SERVICES = [
    (
        "CARD-LOST",
        "카드 분실·도난 신고",
        [Channel.PHONE, Channel.APP],
        "24시간 카드 분실 접수와 재발급 안내",
    ),
    (
        "BILLING",
        "요금·청구 문의",
        [Channel.PHONE, Channel.CHAT, Channel.EMAIL],
        "청구서, 납부, 환불 문의",
    ),
    (
        "ACCOUNT",
        "계좌 개설 상담",
        [Channel.VISIT, Channel.PHONE],
        "지점 방문 계좌 개설과 서류 안내",
    ),
    ("CHAT-GEN", "채팅 일반 상담", [Channel.CHAT, Channel.WEB], "웹과 앱 채팅 일반 문의"),
    (
        "COMPLAINT",
        "민원 접수",
        [Channel.PHONE, Channel.EMAIL, Channel.VISIT, Channel.WEB],
        "고객불만 접수와 처리 안내",
    ),
    ("TECH", "기술 지원", [Channel.PHONE, Channel.CHAT, Channel.EMAIL], "인터넷뱅킹·앱 사용 지원"),
    ("RETENTION", "해지 상담", [Channel.PHONE], "해지 요청 고객 상담과 혜택 안내"),
    ("VIP", "VIP 전담 상담", [Channel.PHONE, Channel.VISIT, Channel.EMAIL], "우수 고객 전담 창구"),
]
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = [
    "민준",
    "서연",
    "도윤",
    "지우",
    "하준",
    "서윤",
    "시우",
    "지민",
    "주원",
    "하은",
    "예준",
    "수아",
    "지호",
    "윤서",
    "현우",
    "채원",
    "준서",
    "지유",
    "건우",
    "다은",
    "우진",
    "은서",
    "선우",
    "예린",
]
ACCOUNTS = [
    ("admin", Role.ADMIN, "관리자", ""),
    ("quality", Role.QUALITY_MANAGER, "품질관리", "팀장"),
    ("owner", Role.PROCESS_OWNER, "프로세스", "책임자"),
    ("staff", Role.STAFF, "상담", "직원"),
    ("auditor", Role.AUDITOR, "내부", "심사원"),
    ("executive", Role.EXECUTIVE, "경영", "임원"),
]


@dataclass
class DemoOrg:
    users: dict[str, User] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)


def demo_org_exists() -> bool:
    return Site.objects.filter(code=SITES[0][0]).exists()


def build_org() -> DemoOrg:
    """Create the demo organisation; the caller checks `demo_org_exists()` first."""
    rng = random.Random(2026)  # noqa: S311 - a fixed seed gives every newcomer the same organisation
    demo = DemoOrg()
    for username, role, last, first in ACCOUNTS:
        demo.users[username] = user_create(
            actor=None,
            username=username,
            password=PASSWORD,
            role=role,
            email=f"{username}@demo.sqms.local",
            last_name=last,
            first_name=first,
        )
    demo.users["admin"].is_staff = demo.users["admin"].is_superuser = True
    demo.users["admin"].save(update_fields=["is_staff", "is_superuser"])

    for code, name, address in SITES:
        demo.sites.append(
            services.site_create(
                actor=None,
                code=code,
                name=name,
                address=address,
                phone=f"1588-{rng.randint(1000, 9999)}",
            )
        )
    # The staff account works in Busan and sees that branch only.
    demo.sites[1].scoped_users.add(demo.users["staff"])

    roles = {
        code: services.job_role_create(actor=None, code=code, name=name, description=desc)
        for code, name, desc in JOB_ROLES
    }
    teams: list[Team] = []
    for site in demo.sites:
        for j, (code, label) in enumerate(TEAMS):
            teams.append(
                services.team_create(
                    actor=None,
                    site=site,
                    code=f"{site.code}-{code}",
                    name=f"{site.name} {label.format(n=j + 1)}",
                )
            )

    employees: list[Employee] = []
    names: set[str] = set()
    for n in range(80):
        team = teams[n % len(teams)]
        while (name := rng.choice(SURNAMES) + rng.choice(GIVEN)) in names:
            pass
        names.add(name)
        position = n // len(teams)
        job_role = roles["TL"] if position == 0 else roles["SAG"] if position == 1 else roles["AGT"]
        if n in (2, 12):
            job_role = roles["QA"]
        if n == 4:
            job_role = roles["TRN"]
        if n < 5 * 2 and n % 2 == 1 and position == 0:
            job_role = roles["BM"]
        employees.append(
            services.employee_create(
                actor=None,
                employee_no=f"E{1001 + n}",
                name=name,
                site=team.site,
                team=team,
                job_role=job_role,
                email=f"e{1001 + n}@demo.sqms.local",
                hired_on=dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3600)),
            )
        )
    # Logins of the process owner and the staff member are employees too.
    owner = employees[0]
    owner.user = demo.users["owner"]
    owner.save(update_fields=["user"])
    busan_agent = next(
        e for e in employees if e.site_id == demo.sites[1].pk and e.job_role == roles["AGT"]
    )
    busan_agent.user = demo.users["staff"]
    busan_agent.save(update_fields=["user"])

    for i, (code, name, channels, desc) in enumerate(SERVICES):
        offered = demo.sites if code != "VIP" else demo.sites[:2]
        services.service_create(
            actor=None,
            code=code,
            name=name,
            description=desc,
            owner=employees[i * 3],
            channels=channels,
            sites=offered,
        )
    return demo


def demo_counts() -> dict[str, int]:
    return {
        "sites": Site.objects.count(),
        "teams": Team.objects.count(),
        "employees": Employee.objects.count(),
        "job_roles": JobRole.objects.count(),
        "services": Service.objects.count(),
    }
