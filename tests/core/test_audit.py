from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sqms.core.audit import audit_verify
from sqms.core.models import AuditAction, AuditEntry
from sqms.core.roles import Role
from sqms.org import services
from sqms.org.models import Site
from tests.factories import make_site, make_user

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_it_records_create_update_and_archive_with_field_changes():
    actor = make_user(Role.QUALITY_MANAGER)
    site = services.site_create(actor=actor, code="SEL", name="서울")
    services.org_record_update(actor=actor, obj=site, fields={"name": "서울 본사"}, reason="개명")
    services.org_record_archive(actor=actor, obj=site, reason="폐점")
    entries = list(
        AuditEntry.objects.filter(object_id=str(site.pk), content_type__model="site").order_by(
            "seq"
        )
    )
    assert [e.action for e in entries] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.UPDATE,
    ]
    assert entries[0].changes["code"] == [None, "SEL"]
    assert entries[1].changes == {"name": ["서울", "서울 본사"]}
    assert entries[1].reason == "개명"
    assert entries[2].changes["archived_at"][0] is None
    assert all(e.actor == actor for e in entries)


def test_it_writes_nothing_for_an_update_that_changes_nothing():
    site = make_site()
    before = AuditEntry.objects.count()
    services.org_record_update(actor=None, obj=site, fields={"name": site.name})
    assert AuditEntry.objects.count() == before


def test_it_records_many_to_many_changes():
    a, b = make_site(), make_site()
    service = services.service_create(actor=None, code="X", name="X", sites=[a])
    services.org_record_update(actor=None, obj=service, fields={}, m2m={"sites": [a, b]})
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None
    assert last.changes == {"sites": [[a.pk], sorted([a.pk, b.pk])]}


def test_it_refuses_to_change_or_delete_entries_through_the_orm():
    make_site()
    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(reason="x")


def test_it_verifies_an_intact_chain():
    for _ in range(3):
        make_site()
    checked, broken = audit_verify()
    assert broken is None
    assert checked == AuditEntry.objects.count()


def test_it_reports_a_hand_edited_entry():
    for _ in range(3):
        make_site()
    target = AuditEntry.objects.order_by("seq")[1]
    _raw("UPDATE core_auditentry SET reason = %s WHERE id = %s", ["조작", target.pk])
    _, broken = audit_verify()
    assert broken is not None
    assert (broken.seq, broken.problem) == (target.seq, "hash")
    out = io.StringIO()
    with pytest.raises(CommandError, match=f"#{target.seq}"):
        call_command("verify_audit", stdout=out)


def test_it_reports_a_removed_entry_in_the_middle_and_at_the_end():
    for _ in range(4):
        make_site()
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [seqs[1]])
    _, broken = audit_verify()
    assert broken is not None
    assert broken.seq == seqs[1]

    _raw("DELETE FROM core_auditentry WHERE seq > %s", [seqs[1]])
    _, broken = audit_verify()
    assert broken is not None
    assert broken.seq == seqs[1]


def test_it_reports_a_truncated_tail():
    for _ in range(3):
        make_site()
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [last.seq])
    _, broken = audit_verify()
    assert broken is not None
    assert (broken.seq, broken.problem) == (last.seq, "missing")


def test_it_records_changes_made_in_the_admin(client):
    admin = make_user(Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.post(
        "/admin/org/site/add/", {"code": "ADM", "name": "관리자 생성", "time_zone": "Asia/Seoul"}
    )
    assert response.status_code == 302
    site = Site.objects.get(code="ADM")
    response = client.post(
        f"/admin/org/site/{site.pk}/change/",
        {"code": "ADM", "name": "바뀐 이름", "time_zone": "Asia/Seoul"},
    )
    assert response.status_code == 302
    response = client.post(f"/admin/org/site/{site.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    actions = list(
        AuditEntry.objects.filter(content_type__model="site", object_id=str(site.pk))
        .order_by("seq")
        .values_list("action", "actor_id")
    )
    assert actions == [("create", admin.pk), ("update", admin.pk), ("delete", admin.pk)]
    assert audit_verify()[1] is None


def test_it_shows_history_and_exports_csv_with_formulas_neutralised(client_for):
    site = services.site_create(actor=None, code="CSV", name='=HYPERLINK("x")')
    client = client_for(Role.AUDITOR)
    page = client.get("/audit/", {"q": "HYPERLINK"})
    assert page.status_code == 200
    assert "HYPERLINK" in page.content.decode()
    export = client.get("/audit/export.csv", {"object_id": str(site.pk)})
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body
    assert ",=HYPERLINK" not in body


def test_it_filters_the_audit_log(client_for):
    make_site(name="가나다")
    make_site(name="라마바")
    client = client_for(Role.AUDITOR)
    body = client.get("/audit/", {"q": "라마바"}).content.decode()
    assert "라마바" in body
    assert "가나다" not in body
    bad = client.get("/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert bad.status_code == 200


def test_it_runs_verify_audit_from_the_sqms_command(capsys, monkeypatch):
    from django.core.management import base

    from sqms.cli import main

    # A command run from the command line closes every connection when it ends; the test's
    # transaction lives on one of them.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)

    make_site()
    assert main(["sqms", "verify-audit"]) == 0
    assert "1" in capsys.readouterr().out
    entry = AuditEntry.objects.order_by("seq").first()
    assert entry is not None
    _raw("UPDATE core_auditentry SET object_repr = %s WHERE id = %s", ["조작", entry.pk])
    with pytest.raises(SystemExit) as exited:
        main(["sqms", "verify-audit"])
    assert exited.value.code == 1
    assert f"#{entry.seq}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                ("Kind", "—", "Standard breached"),
                ("Status", "Open", "Acknowledged"),
                ("Evidence", "—", '{"points": 2, "summary": "요약"}'),
                ("Unknown field", "a", "b"),
                ("flag", "Yes", "No"),
            ],
        ),
        (
            "ko",
            [
                ("유형", "—", "표준 미달"),
                ("상태", "열림", "숙지 확인 완료"),
                ("증빙", "—", '{"points": 2, "summary": "요약"}'),
                ("Unknown field", "a", "b"),
                ("flag", "예", "아니요"),
            ],
        ),
    ],
)
def test_it_shows_changes_by_label_and_choices_by_name(language, expected):
    from django.contrib.contenttypes.models import ContentType
    from django.utils import translation

    from sqms.core.templatetags.sqms_tags import audit_changes
    from sqms.monitoring.models import Signal

    entry = AuditEntry(
        content_type=ContentType.objects.get_for_model(Signal),
        changes={
            "kind": [None, "breach"],
            "status": ["open", "acknowledged"],
            "evidence": [None, {"summary": "요약", "points": 2}],
            "Unknown field": ["a", "b"],
            "flag": [True, False],
        },
    )
    with translation.override(language):
        assert audit_changes(entry) == expected


def test_it_names_the_system_in_the_readers_language_and_a_user_as_stored(client_for):
    from django.conf import settings
    from django.utils import translation

    by_system = services.site_create(actor=None, code="SYS", name="시스템이 만든 사업장")
    user = make_user(Role.ADMIN, username="system")
    by_user = services.site_create(actor=user, code="USR", name="Kim")
    client = client_for(Role.AUDITOR)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = client.get("/audit/").content.decode()
    assert "<td>시스템</td>" in page
    assert "<td>system</td>" in page  # a user who is called "system" keeps their name
    entries = [
        AuditEntry.objects.get(
            content_type__model="site", object_id=str(site.pk), action=AuditAction.CREATE
        )
        for site in (by_system, by_user)
    ]
    with translation.override("en"):
        assert [e.actor_shown for e in entries] == ["System", "system"]
    with translation.override("ko"):
        assert [e.actor_shown for e in entries] == ["시스템", "system"]
