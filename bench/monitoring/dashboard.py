"""Speed (c) on its own: the service dashboard's server time over 10-million-record rollups.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sqms_bench_dashboard \
        .venv/bin/python bench/monitoring/dashboard.py

The dashboard reads rollups only, so instead of importing ten million service records this
seeds, with COPY (SQLite: executemany), the rollup rows a year of them leaves behind: for every
standard, a day cell for the whole service and for every site, team, channel, site × channel and
team × channel, and for hourly standards an hour cell for the whole service and every site, team,
channel and agent (about two million rows). The drill-down, which reads records, is not measured
here. The database is dropped and recreated. Prints one JSON line: p50/p95 in milliseconds over
BENCH_REQUESTS (default 50) requests of a logged-in quality manager through the test client.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/sqms_bench_dashboard"
DAYS = 365
SEED = 77


def _segments(
    period: str, sites: list[int], teams: list[tuple[int, int]], channels: list[str], agents: Any
) -> list[tuple[str, int | None, int | None, str, int | None]]:
    """(segment, site, team, channel, agent) of every cell kind of one standard."""
    from sqms.monitoring.series import segment_key
    from sqms.standards.models import Period

    out: list[tuple[str, int | None, int | None, str, int | None]] = [("", None, None, "", None)]
    out += [(segment_key(site=s), s, None, "", None) for s in sites]
    out += [(segment_key(team=t), s, t, "", None) for t, s in teams]
    out += [(segment_key(channel=c), None, None, c, None) for c in channels]
    if period == Period.HOUR:
        out += [(segment_key(agent=a), s, t, "", a) for a, t, s in agents]
    else:
        out += [(segment_key(site=s, channel=c), s, None, c, None) for s in sites for c in channels]
        out += [(segment_key(team=t, channel=c), s, t, c, None) for t, s in teams for c in channels]
    return out


def seed_rollups(days: int = DAYS, service_pk: int | None = None) -> int:
    """Rollup rows of a year of records for every standard (of one service when given);
    returns the number of rows."""
    from django.db import connection
    from django.utils import timezone

    from sqms.monitoring.models import Grain, Rollup
    from sqms.monitoring.series import QUANTILES, org_tz
    from sqms.org.models import Employee, Team
    from sqms.standards.models import Period, ServiceStandard, StandardVersion

    rng = np.random.default_rng(SEED)
    tz = org_tz()
    today = timezone.now().astimezone(tz).date()
    first_day = today - dt.timedelta(days=days - 1)
    columns = [
        "standard_id", "version_id", "grain", "period_start", "segment", "site_id", "team_id",
        "channel", "agent_id", "n", "n_meeting", "total", "total_sq", "sketch", "value",
        "updated_at",
    ]  # fmt: skip
    now = timezone.now().isoformat()
    total_rows = 0
    standards = ServiceStandard.objects.select_related("metric", "service")
    if service_pk is not None:
        standards = standards.filter(service_id=service_pk)
    for standard in standards:
        version = StandardVersion.objects.filter(standard=standard).order_by("version").first()
        if version is None:
            continue
        sites = list(standard.service.sites.values_list("pk", flat=True))
        teams = list(Team.objects.filter(site__in=sites).values_list("pk", "site_id"))
        agents = list(
            Employee.objects.filter(team__isnull=False, site__in=sites).values_list(
                "pk", "team_id", "site_id"
            )
        )
        channels = list(standard.service.channels or ["phone"])
        hourly = version.period == Period.HOUR
        segments = _segments(version.period, sites, teams, channels, agents)
        starts = []
        for d in range(days):
            day = first_day + dt.timedelta(days=d)
            if hourly:
                starts += [
                    dt.datetime.combine(day, dt.time(h), tzinfo=tz).isoformat() for h in range(24)
                ]
            else:
                starts.append(dt.datetime.combine(day, dt.time(), tzinfo=tz).isoformat())
        quantile = standard.metric.aggregation in QUANTILES
        grain = Grain.HOUR if hourly else Grain.DAY
        rows: list[tuple[Any, ...]] = []
        for seg, site, team, channel, agent in segments:
            m = len(starts)
            scale = 3 if hourly else 60
            n = rng.poisson(scale if seg else scale * 10, m) + 1
            share = np.clip(rng.normal(0.93, 0.03, m), 0, 1)
            n_meeting = np.minimum(n, np.round(n * share)).astype(int)
            mean = rng.normal(30.0, 3.0, m)
            for i in range(m):
                sketch = "{}"
                if quantile:
                    keys = list(range(60, 60 + 40))
                    counts = rng.multinomial(int(n[i]), np.full(40, 1 / 40)).tolist()
                    sketch = json.dumps({"z": 0, "k": keys, "c": counts})
                total = float(mean[i] * n[i])
                rows.append(
                    (
                        standard.pk, version.pk, grain, starts[i], seg, site, team, channel,
                        agent, int(n[i]), int(n_meeting[i]), total, total * mean[i], sketch,
                        float(100.0 * n_meeting[i] / n[i]) if not quantile else float(mean[i]),
                        now,
                    )
                )  # fmt: skip
            if len(rows) >= 200_000:
                _write(connection, Rollup._meta.db_table, columns, rows)
                total_rows += len(rows)
                rows = []
        _write(connection, Rollup._meta.db_table, columns, rows)
        total_rows += len(rows)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Rollup._meta.db_table}" if connection.vendor == "postgresql"
                       else "ANALYZE")  # fmt: skip
    return total_rows


def _write(connection: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    from django.db import transaction

    # one transaction per block: SQLite in autocommit would sync every row
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                rows,
            )


def quality_manager() -> Any:
    from sqms.core.models import User
    from sqms.core.roles import Role

    user = User.objects.filter(
        role=Role.QUALITY_MANAGER, is_active=True, scoped_sites__isnull=True
    ).first()
    if user is None:
        user = User.objects.create_user(
            "bench-qm", "bench-qm@example.com", "bench-password-1234", role=Role.QUALITY_MANAGER
        )
    return user


def measure(params: dict[str, Any], requests: int = 50, user: Any = None) -> dict[str, float | int]:
    """Server time of `requests` dashboard requests (after one warm-up): p50 and p95 in ms."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user or quality_manager())
    url = reverse("monitoring:dashboard")
    times = []
    size = 0
    for i in range(requests + 1):
        t = time.perf_counter()
        response = client.get(url, params)
        elapsed = time.perf_counter() - t
        if response.status_code != 200:
            raise RuntimeError(f"dashboard answered {response.status_code}")
        if i:
            times.append(elapsed)
        size = len(response.content)
    ms = np.array(times) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "requests": requests,
        "bytes": size,
    }


def child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        from bench.monitoring.run import _recreate_pg

        _recreate_pg(url)
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    call_command("migrate", verbosity=0)
    from bench.monitoring.run import setup_org
    from sqms.demo.org import build_org
    from sqms.standards.demo import build_standards_demo

    build_org()
    build_standards_demo()
    org = setup_org()
    t = time.perf_counter()
    # SQLite inserts row by row: there only the measured service's standards are seeded.
    n_rows = seed_rollups(service_pk=org["service_pk"] if connection.vendor == "sqlite" else None)
    seeded = time.perf_counter() - t
    requests = int(os.environ.get("BENCH_REQUESTS", 50))
    out: dict[str, Any] = {
        "backend": connection.vendor,
        "rollups": n_rows,
        "seed_s": round(seeded, 1),
        "c_dashboard": measure({"service": org["service_pk"]}, requests),
    }
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = PG_DEFAULT
    child()
