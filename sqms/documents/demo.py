"""Demo documents: the quality policy (published, signed, being acknowledged) and two procedures.

Call `build_documents_demo(password=...)` after the demo organisation exists; it signs with the
demo accounts `quality`, `owner` and `admin`, whose password the caller passes in.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from sqms.core.models import User
from sqms.documents import services
from sqms.documents.models import AckCampaign, DocType, Document, Meaning, RevisionStatus
from sqms.org.models import Site

POLICY_BODY = """# 품질방침

우리는 고객의 목소리에서 출발하여 **측정 가능한 서비스 표준**을 세우고, 이를 지속적으로
개선합니다.

1. 고객 요구사항을 정기적으로 조사하고 서비스 표준에 반영한다.
2. 모든 서비스 성과를 측정하고, 목표에 미달하면 원인을 찾아 시정한다.
3. 직원이 표준을 이해하고 실천하도록 교육하고 권한을 부여한다.
4. 관련 법규와 고객과의 약속을 준수한다.
"""

COMPLAINT_BODY = """# 고객불만 처리 절차

## 1. 목적
고객불만을 신속하고 일관되게 접수, 조사, 회신한다.

## 2. 절차
| 단계 | 담당 | 기한 |
|---|---|---|
| 접수 및 등록 | 상담원 | 즉시 |
| 원인 조사 | 팀장 | 3영업일 |
| 고객 회신 | 상담원 | 5영업일 |
"""

CALL_BODY = """# 상담 통화 품질 평가 절차

품질 평가자는 매월 상담원별 통화 5건을 무작위로 선정하여 평가표에 따라 평가한다.
"""


def _approve_and_publish(
    *,
    document: Document,
    author: User,
    reviewer: User,
    approver: User,
    password: str,
    sites: list[Site] | None = None,
) -> AckCampaign | None:
    revision = document.revisions.get(number=1)
    services.revision_transition(actor=author, revision=revision, to=RevisionStatus.IN_REVIEW)
    services.revision_sign(
        actor=reviewer,
        revision=revision,
        password=password,
        meaning=Meaning.REVIEWED,
        printed_name=reviewer.get_full_name() or reviewer.username,
    )
    services.revision_sign(
        actor=approver,
        revision=revision,
        password=password,
        meaning=Meaning.APPROVED,
        printed_name=approver.get_full_name() or approver.username,
    )
    deadline = timezone.localdate() + dt.timedelta(days=14) if sites else None
    return services.revision_publish(
        actor=approver, revision=revision, deadline=deadline, sites=sites or []
    )


@transaction.atomic
def build_documents_demo(*, password: str) -> list[Document]:
    """Create the demo documents once; returns them (an empty list when they already exist)."""
    if Document.objects.filter(number="QP-001").exists():
        return []
    users = {u.username: u for u in User.objects.filter(username__in=["admin", "quality", "owner"])}
    quality, owner, admin = users["quality"], users["owner"], users["admin"]
    policy = services.document_create(
        actor=quality,
        number="QP-001",
        title_ko="품질방침",
        title_en="Quality policy",
        doc_type=DocType.POLICY,
        owner=quality,
        review_interval_months=12,
        body=POLICY_BODY,
    )
    _approve_and_publish(
        document=policy,
        author=quality,
        reviewer=owner,
        approver=admin,
        password=password,
        sites=list(Site.objects.filter(archived_at__isnull=True)),
    )
    complaint = services.document_create(
        actor=owner,
        number="PR-VOC-01",
        title_ko="고객불만 처리 절차",
        title_en="Complaint handling procedure",
        doc_type=DocType.PROCEDURE,
        owner=owner,
        review_interval_months=24,
        body=COMPLAINT_BODY,
    )
    _approve_and_publish(
        document=complaint, author=owner, reviewer=quality, approver=quality, password=password
    )
    calls = services.document_create(
        actor=owner,
        number="PR-QA-02",
        title_ko="상담 통화 품질 평가 절차",
        title_en="Call quality evaluation procedure",
        doc_type=DocType.PROCEDURE,
        owner=owner,
        review_interval_months=12,
        body=CALL_BODY,
    )
    return [policy, complaint, calls]
