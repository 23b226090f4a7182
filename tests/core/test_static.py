from __future__ import annotations

from django.contrib.staticfiles import finders


def test_it_serves_htmx_and_plotly_from_the_installed_packages():
    for path in ("vendor/plotly.min.js", "django_htmx/htmx-2.min.js", "sqms/sqms.css"):
        found = finders.find(path)
        assert found, path
    plotly = finders.find("vendor/plotly.min.js")
    assert isinstance(plotly, str)
    assert "site-packages" in plotly or "plotly" in plotly


def test_it_collects_plotly_for_production(tmp_path, settings):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "vendor" / "plotly.min.js").stat().st_size > 1_000_000
    assert (tmp_path / "django_htmx" / "htmx-2.min.js").exists()
