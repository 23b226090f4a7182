"""End-to-end checks in a real browser: log-in, language, organisation records, audit, roles."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from sqms.core.models import AuditAction
from sqms.core.roles import Role
from sqms.org import services
from sqms.org.models import Employee
from tests.factories import PASSWORD, make_employee, make_job_role, make_site, make_team, make_user

pytestmark = pytest.mark.browser

PageFactory = Callable[..., Page]  # the `new_page` fixture

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def ko(text: Any) -> str:
    """What the Korean interface shows for a message id or a lazy translation."""
    with translation.override("ko"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def submit(page: Page) -> None:
    page.locator("main form button[type=submit]").first.click()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(password)
    submit(page)
    expect(page).to_have_url(re.compile(r"/$"))


def test_it_switches_the_interface_from_korean_to_english_and_remembers_it(
    page: Page, new_page: PageFactory
) -> None:
    qm = make_user(Role.QUALITY_MANAGER, username="qm-lang")
    log_in(page, qm.username)

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ko")
    expect(page.locator("#lang-select")).to_have_value("ko")
    # The app's own words are Korean, not only the language picker's "한국어".
    expect(page.locator("main h1")).to_contain_text(HANGUL)
    expect(page.locator("nav.sidebar")).to_contain_text(HANGUL)

    page.wait_for_load_state()  # the picker submits through a deferred script
    page.locator("#lang-select").select_option("en")

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#lang-select")).to_have_value("en")
    expect(page.locator("main h1")).to_contain_text(f"Welcome, {qm.username}")
    expect(page.locator("nav.sidebar")).not_to_contain_text(HANGUL)

    # The next page is English too.
    page.locator("nav.sidebar a[href='/org/employees/']").first.click()
    expect(page).to_have_url(re.compile(r"/org/employees/$"))
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Employees")

    # The choice is saved on the user: it follows them to a fresh browser that asks for Korean.
    qm.refresh_from_db()
    assert qm.language == "en"
    other = new_page()
    log_in(other, qm.username)
    expect(other.locator("html")).to_have_attribute("lang", "en")


def test_it_creates_an_employee_and_shows_it_in_the_history_and_the_audit_trail(page: Page) -> None:
    site = make_site(name="부산 센터")
    team = make_team(site)
    make_site(name="대구 센터")
    qm = make_user(Role.QUALITY_MANAGER, username="qm-create")
    log_in(page, qm.username)

    page.goto("/org/employees/")
    page.locator("main a[href='/org/employees/new/']").click()
    expect(page).to_have_url(re.compile(r"/org/employees/new/$"))
    page.locator("#id_employee_no").fill("E-9001")
    page.locator("#id_name").fill("김민지")
    page.locator("#id_site").select_option(str(site.pk))
    page.locator("#id_team").select_option(str(team.pk))
    page.locator("#id_email").fill("minji@example.com")
    page.locator("#id_phone").fill("010-1234-5678")
    page.locator("#id_hired_on").fill("2024-03-04")
    submit(page)

    expect(page).to_have_url(re.compile(r"/org/employees/\d+/$"))
    employee = Employee.objects.get(employee_no="E-9001")
    assert page.url.endswith(f"/org/employees/{employee.pk}/")
    assert (employee.name, employee.site, employee.team) == ("김민지", site, team)
    expect(page.locator("main h1")).to_contain_text("김민지 (E-9001)")
    expect(page.locator("main dl.props")).to_contain_text("minji@example.com")

    created = ko(AuditAction.CREATE.label)
    history_tab = page.locator("nav.tabs a[href='?tab=history']")
    history_tab.click()
    expect(page).to_have_url(re.compile(r"\?tab=history$"))
    expect(history_tab).to_have_attribute("aria-selected", "true")
    row = page.locator("#tab-body tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(qm.username)
    expect(row).to_contain_text(created)
    expect(row).to_contain_text("E-9001")

    page.locator("nav.sidebar a[href='/audit/']").click()
    expect(page).to_have_url(re.compile(r"/audit/$"))
    entry = page.locator("main tbody tr", has_text="김민지 (E-9001)")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(qm.username)
    expect(entry).to_contain_text(created)


def test_it_shows_a_duplicate_employee_number_next_to_the_field_and_keeps_the_input(
    page: Page, artifacts: Path
) -> None:
    site = make_site()
    existing = make_employee(site)
    qm = make_user(Role.QUALITY_MANAGER, username="qm-dup")
    log_in(page, qm.username)

    page.goto("/org/employees/new/")
    page.locator("#id_employee_no").fill(existing.employee_no)
    page.locator("#id_name").fill("이서준")
    page.locator("#id_site").select_option(str(site.pk))
    submit(page)

    with translation.override("ko"):
        expected = Employee().unique_error_message(Employee, ("employee_no",)).messages[0]
    error = page.locator("#id_employee_no_error")
    expect(error).to_be_visible()
    expect(error).to_have_text(expected)
    expect(page.locator("#id_employee_no")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_employee_no")).to_have_value(existing.employee_no)
    expect(page.locator("#id_name")).to_have_value("이서준")
    expect(page.locator("#id_site")).to_have_value(str(site.pk))
    assert page.url.endswith("/org/employees/new/")
    assert Employee.objects.count() == 1
    page.screenshot(path=artifacts / "employee-form-error-ko.png", full_page=True)


def test_it_filters_the_employee_list_as_you_type(page: Page) -> None:
    site = make_site()
    kim = services.employee_create(actor=None, employee_no="E-2001", name="김민지", site=site)
    lee = services.employee_create(actor=None, employee_no="E-2002", name="이서준", site=site)
    qm = make_user(Role.QUALITY_MANAGER, username="qm-filter")
    log_in(page, qm.username)

    page.goto("/org/employees/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    page.locator("form.filters input[name=q]").fill(lee.name)
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(lee.employee_no)
    expect(page).to_have_url(re.compile(r"[?&]q="))

    # The Filter button gives the same answer.
    page.locator("form.filters input[name=q]").fill(kim.employee_no)
    page.locator("form.filters button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(kim.name)


def test_it_gives_staff_a_read_only_employee_list(page: Page, artifacts: Path) -> None:
    employee = make_employee()
    staff = make_user(Role.STAFF, username="staff-ro")
    log_in(page, staff.username)

    page.goto("/org/employees/")
    expect(page.locator("main tbody")).to_contain_text(employee.name)
    expect(page.locator("a[href='/org/employees/new/']")).to_have_count(0)

    page.locator("main tbody a", has_text=employee.name).click()
    expect(page).to_have_url(re.compile(rf"/org/employees/{employee.pk}/$"))
    expect(page.locator(f"a[href='/org/employees/{employee.pk}/edit/']")).to_have_count(0)
    expect(page.locator(f"form[action='/org/employees/{employee.pk}/archive/']")).to_have_count(0)

    response = page.goto("/org/employees/new/")
    assert response is not None
    assert response.status == 403
    page.screenshot(path=artifacts / "forbidden-ko.png", full_page=True)


def test_it_locks_the_login_after_five_failures(page: Page, artifacts: Path) -> None:
    user = make_user(Role.STAFF, username="victim")

    def attempt(password: str, username: str = user.username) -> int:
        page.goto("/accounts/login/")
        page.locator("main input[name=username]").fill(username)
        page.locator("main input[name=password]").fill(password)
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith("/accounts/login/")
        ) as info:
            submit(page)
        page.wait_for_load_state()
        status: int = info.value.status
        return status

    for n in range(1, 5):
        assert attempt(f"wrong-{n}") == 200
        expect(page.locator("main .errorlist")).to_be_visible()
    # The fifth failure reaches the limit: its answer is already the lock-out page.
    assert attempt("wrong-5") == 429

    # Sixth attempt, even with the right password: refused with the lock-out page.
    assert attempt(PASSWORD) == 429
    expect(page.locator("main [role=alert] h1")).to_have_text(ko("Too many failed log-ins"))
    page.screenshot(path=artifacts / "locked-out-ko.png", full_page=True)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))

    # The address is blocked too: another account from the same address is refused.
    bystander = make_user(Role.STAFF, username="bystander")
    assert attempt(PASSWORD, bystander.username) == 429


def test_it_renders_clean_korean_home_list_and_form_pages(page: Page, artifacts: Path) -> None:
    site = make_site(name="서울 센터")
    team = make_team(site)
    role = make_job_role()
    for n, name in enumerate(["김민지", "이서준", "박지호", "최예린", "정하늘"], start=1):
        services.employee_create(
            actor=None,
            employee_no=f"E-{1000 + n}",
            name=name,
            site=site,
            team=team if n % 2 else None,
            job_role=role if n < 4 else None,
        )
    qm = make_user(Role.QUALITY_MANAGER, username="qm-look")
    log_in(page, qm.username)

    def check_layout() -> None:
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        # No untranslated English: the only Latin words are the brand, the user name, the
        # employee numbers ("E-…") and the language picker's "English".
        words = set(re.findall(r"[A-Za-z][A-Za-z'-]+", page.locator("body").inner_text()))
        english = words - {"SQMS", qm.username, "E-", "English"}
        assert not english, f"untranslated English on the Korean page {page.url}: {english}"
        # The stylesheet applied: the top bar is laid out as a flex row, not a bare block.
        assert page.locator("header.topbar").evaluate("e => getComputedStyle(e).display") == "flex"
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), "the page scrolls sideways"

    check_layout()
    page.screenshot(path=artifacts / "home-ko.png", full_page=True)

    page.goto("/org/employees/")
    expect(page.locator("main tbody tr")).to_have_count(5)
    check_layout()
    page.screenshot(path=artifacts / "employees-ko.png", full_page=True)

    page.locator("main a[href='/org/employees/new/']").click()
    expect(page).to_have_url(re.compile(r"/org/employees/new/$"))
    page.screenshot(path=artifacts / "employee-form-ko.png", full_page=True)
    check_layout()
