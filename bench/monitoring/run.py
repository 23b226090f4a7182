"""Speed of import and evaluation (issue #4, Speed): SQLite and PostgreSQL side by side.

    .venv/bin/python bench/monitoring/run.py          # what `make bench` runs

Environment: BENCH_RECORDS (CSV rows for (a), default 1,000,000), BENCH_HISTORY (stored records
for the large history of (b), default 10,000,000; the small history is a tenth of it),
BENCH_BATCH (default 10,000), BENCH_B_REPEATS (default 3), DATABASE_URL or a PostgreSQL at
postgres://postgres@127.0.0.1:5432/sqms_bench (its database is dropped and recreated),
BENCH_SKIP_SQLITE=1 or BENCH_SKIP_PG=1 to measure one backend only.

For each backend a fresh database is built in a child process, which prints its figures as
JSON; the parent prints ONE JSON line holding both:

(a) `sqms import-records FILE --source NAME` end to end, evaluation included (the task queue
    runs immediately), against a raw baseline on the same file in the same run: PostgreSQL
    COPY (SQLite: csv + executemany) into a scratch table plus one SQL aggregation per standard;
(b) incremental batches of BENCH_BATCH records, import + evaluation, on top of the small and
    the large history: BENCH_B_REPEATS batches (default 3) on each, one after another, their
    median and the ratio of the two medians (`b_*_each_s` lists every batch). Each history is
    a year of records written in order of arrival, as daily imports leave it (the small one,
    then the rest in a second pass), so a day's records lie together in the table; on
    PostgreSQL each history is vacuumed and analysed after its bulk load, untimed, so that
    autovacuum does not run during the batch;
(c) the server time of the service dashboard (URL name "monitoring:dashboard"): p50/p95 over
    50 requests of a logged-in quality manager through the test client (after one warm-up), on
    the rollups the large history left (`c_dashboard_*`), then again on the rollups a year of
    ten million records leaves for every segment combination, seeded directly
    (`c_seeded_*`, see bench/monitoring/dashboard.py; the dashboard reads rollups only, the
    drill-down to records is not measured); null when that view does not exist.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/sqms_bench"
SEED = 4242
N_SITES, TEAMS_PER_SITE, AGENTS_PER_TEAM = 5, 2, 8
HEADER = [
    "external_id", "service", "site", "team", "channel", "agent", "received_at",
    "first_response_at", "resolved_at", "handle_seconds", "resolved_first_contact", "category",
    "queued_at", "answered_at",
]  # fmt: skip


# --- parent -----------------------------------------------------------------------------------


def _pg_reachable(url: str) -> bool:
    try:
        import psycopg

        base = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, connect_timeout=3):
            return True
    except Exception:
        return False


def _child(env_extra: dict[str, str]) -> dict[str, Any] | None:
    env = {**os.environ, **env_extra}
    env.pop("PYTEST_CURRENT_TEST", None)
    proc = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(proc.stderr[-4000:])
    for line in reversed(proc.stdout.strip().splitlines()):
        if line.startswith("{"):
            result: dict[str, Any] = json.loads(line)
            return result
    return {"error": (proc.stderr or proc.stdout)[-500:]}


def main() -> None:
    figures: dict[str, Any] = {
        "records": int(os.environ.get("BENCH_RECORDS", 1_000_000)),
        "history": int(os.environ.get("BENCH_HISTORY", 10_000_000)),
        "batch": int(os.environ.get("BENCH_BATCH", 10_000)),
    }
    with tempfile.TemporaryDirectory(prefix="sqms-bench-") as tmp:
        env = {"SQMS_VAR_DIR": tmp, "BENCH_DIR": tmp}
        skip = {k for k in ("SQLITE", "PG") if os.environ.get(f"BENCH_SKIP_{k}") == "1"}
        figures["sqlite"] = None if "SQLITE" in skip else _child({**env, "DATABASE_URL": ""})
        url = os.environ.get("DATABASE_URL") or PG_DEFAULT
        if "PG" not in skip and url.startswith("postgres") and _pg_reachable(url):
            figures["postgresql"] = _child({**env, "DATABASE_URL": url})
        else:
            figures["postgresql"] = None
    print(json.dumps(figures, separators=(",", ":")))


# --- child: data ------------------------------------------------------------------------------


def _fmt(seconds: np.ndarray) -> np.ndarray:
    """Local (Asia/Seoul) wall-clock text of UTC epoch seconds."""
    local = (np.round(seconds) + 9 * 3600).astype("int64").astype("datetime64[s]")
    return np.char.replace(np.datetime_as_string(local, unit="s"), "T", " ")


def write_csv(
    path: Path,
    n: int,
    *,
    org: dict[str, Any],
    prefix: str,
    span_days: float,
    seed: int,
    in_order: bool = False,
) -> None:
    """n seeded records over the last `span_days` days, streamed in blocks: in random order of
    time, or `in_order` of arrival (oldest first), as a history that was imported day by day
    lies in its table."""
    rng = np.random.default_rng(seed)
    now = time.time()
    span = span_days * 86400
    block = 200_000
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for start in range(0, n, block):
            m = min(block, n - start)
            if in_order:  # this block's slice of the span, sorted
                lo, hi = span * start / n, span * (start + m) / n
                received = now - span + np.sort(rng.uniform(lo, hi, m))
            else:
                received = now - rng.uniform(0, span, m)
            first = received + rng.lognormal(np.log(1800), 0.9, m)
            resolved = first + rng.exponential(3600, m)
            queued = received + rng.uniform(1, 10, m)
            answered = queued + rng.lognormal(np.log(12), 0.8, m)
            team_i = rng.integers(0, len(org["teams"]), m)
            agent_i = rng.integers(0, AGENTS_PER_TEAM, m)
            chan = np.where(rng.random(m) < 0.7, "phone", "chat")
            cols = [
                _fmt(received), _fmt(first), _fmt(resolved), _fmt(queued), _fmt(answered),
            ]  # fmt: skip
            handle = np.round(rng.gamma(4, 90, m), 1)
            fcr = rng.random(m) < 0.8
            cat = np.where(rng.random(m) < 0.01, "complaint", "inquiry")
            rows = []
            for i in range(m):
                team_code, site_code = org["teams"][team_i[i]]
                rows.append(
                    (
                        f"{prefix}{start + i}",
                        org["service"],
                        site_code,
                        team_code,
                        chan[i],
                        f"{team_code}-A{agent_i[i]}",
                        cols[0][i],
                        cols[1][i],
                        cols[2][i],
                        handle[i],
                        "Y" if fcr[i] else "N",
                        cat[i],
                        cols[3][i],
                        cols[4][i],
                    )
                )
            writer.writerows(rows)


def setup_org() -> dict[str, Any]:
    from decimal import Decimal

    from sqms.monitoring.services import source_create
    from sqms.org import services as org
    from sqms.standards import services as std
    from sqms.standards.models import Aggregation, Direction, MetricSource, Period, Unit

    sites = [org.site_create(actor=None, code=f"B{i}", name=f"센터 {i}") for i in range(N_SITES)]
    teams = []
    for site in sites:
        for j in range(TEAMS_PER_SITE):
            team = org.team_create(actor=None, site=site, code=f"{site.code}T{j}", name=f"팀{j}")
            teams.append((team.code, site.code))
            for a in range(AGENTS_PER_TEAM):
                org.employee_create(actor=None, employee_no=f"{team.code}-A{a}",
                                    name=f"상담원{a}", site=site, team=team)  # fmt: skip
    service = org.service_create(actor=None, code="BENCH", name="벤치 서비스",
                                 channels=["phone", "chat"], sites=sites)  # fmt: skip
    source_create(
        actor=None,
        name="bench",
        mapping={"extra.queued_at": "queued_at", "extra.answered_at": "answered_at"},
        time_zone="Asia/Seoul",
    )
    dur = {"source": MetricSource.RECORD_DURATION, "direction": Direction.LOWER_IS_BETTER}
    metrics = [
        std.metric_create(actor=None, code="B-FRT", name="첫 응답", start_field="received_at",
                          end_field="first_response_at", unit=Unit.MINUTES,
                          aggregation=Aggregation.SHARE_MEETING_THRESHOLD, **dur),
        std.metric_create(actor=None, code="B-P90", name="첫 응답 p90",
                          start_field="received_at", end_field="first_response_at",
                          unit=Unit.MINUTES, aggregation=Aggregation.P90, **dur),
        std.metric_create(actor=None, code="B-ASA", name="응답", start_field="queued_at",
                          end_field="answered_at", unit=Unit.SECONDS,
                          aggregation=Aggregation.SHARE_MEETING_THRESHOLD, **dur),
        std.metric_create(actor=None, code="B-FCR", name="FCR",
                          source=MetricSource.RECORD_FLAG, value_field="resolved_first_contact",
                          aggregation=Aggregation.SHARE_MEETING_THRESHOLD,
                          direction=Direction.HIGHER_IS_BETTER, unit=Unit.PERCENT),
    ]  # fmt: skip
    # levels the generated data mostly meets, so signals stay the exception they are in life
    plans = [
        (metrics[0], 60, Period.DAY, ["site"]),
        (metrics[1], 120, Period.DAY, ["channel"]),
        (metrics[2], 30, Period.HOUR, ["site"]),
        (metrics[3], 1, Period.WEEK, ["team"]),
    ]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    for i, (metric, threshold, period, segments) in enumerate(plans):
        std.standard_create(
            actor=None, code=f"B-STD{i}", name=f"벤치 기준 {i}", service=service, metric=metric,
            threshold=Decimal(threshold), compliance_objective=Decimal(70), period=period,
            segments=segments, basis="own_capability", effective_from=start,
        )  # fmt: skip
    return {"service": service.code, "teams": teams, "service_pk": service.pk}


DETECT_SECONDS = [0.0]
EVALUATE_SECONDS = [0.0]


def _time_detection() -> None:
    """Count the time spent in evaluation (detection included) and in signal detection apart,
    so the figures show where an import's time goes (both run inside the timed import, as in
    production)."""
    from sqms.monitoring import detection, evaluation

    def timed(inner: Any, bucket: list[float]) -> Any:
        def wrapper(**kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return inner(**kwargs)
            finally:
                bucket[0] += time.perf_counter() - t

        return wrapper

    detection.signals_detect = timed(detection.signals_detect, DETECT_SECONDS)
    evaluation.touched_evaluate = timed(evaluation.touched_evaluate, EVALUATE_SECONDS)


def import_cli(path: Path) -> float:
    from django.core.management import call_command

    DETECT_SECONDS[0] = EVALUATE_SECONDS[0] = 0.0
    t = time.perf_counter()
    call_command("import_records", str(path), "--source", "bench", "--policy", "keep",
                 "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    return time.perf_counter() - t


# --- child: raw baseline ----------------------------------------------------------------------

SQLITE_AGG = [
    # share of first responses within 60 minutes per local day and site
    "SELECT date(received_at), site, count(*), sum(CASE WHEN "
    "(julianday(first_response_at) - julianday(received_at)) * 1440 <= 60 THEN 1 ELSE 0 END) "
    "FROM raw_records GROUP BY 1, 2",
    "SELECT date(received_at), channel, count(*), "
    "avg((julianday(first_response_at) - julianday(received_at)) * 1440) "
    "FROM raw_records GROUP BY 1, 2",
    "SELECT strftime('%Y-%m-%d %H', received_at), site, count(*), sum(CASE WHEN "
    "(julianday(answered_at) - julianday(queued_at)) * 86400 <= 20 THEN 1 ELSE 0 END) "
    "FROM raw_records GROUP BY 1, 2",
    "SELECT strftime('%Y-%W', received_at), team, count(*), "
    "sum(CASE WHEN fcr = 'Y' THEN 1 ELSE 0 END) FROM raw_records GROUP BY 1, 2",
]
PG_AGG = [
    "SELECT date_trunc('day', received_at AT TIME ZONE 'Asia/Seoul'), site, count(*), "
    "count(*) FILTER (WHERE first_response_at - received_at <= interval '60 minutes') "
    "FROM raw_records GROUP BY 1, 2",
    "SELECT date_trunc('day', received_at AT TIME ZONE 'Asia/Seoul'), channel, count(*), "
    "percentile_cont(0.9) WITHIN GROUP (ORDER BY "
    "extract(epoch FROM first_response_at - received_at) / 60) FROM raw_records GROUP BY 1, 2",
    "SELECT date_trunc('hour', received_at AT TIME ZONE 'Asia/Seoul'), site, count(*), "
    "count(*) FILTER (WHERE answered_at - queued_at <= interval '20 seconds') "
    "FROM raw_records GROUP BY 1, 2",
    "SELECT date_trunc('week', received_at AT TIME ZONE 'Asia/Seoul'), team, count(*), "
    "count(*) FILTER (WHERE fcr = 'Y') FROM raw_records GROUP BY 1, 2",
]
RAW_COLUMNS = (
    "external_id text, service text, site text, team text, channel text, agent text, "
    "received_at {ts}, first_response_at {ts}, resolved_at {ts}, handle_seconds float, "
    "fcr text, category text, queued_at {ts}, answered_at {ts}"
)


def raw_baseline(path: Path) -> float:
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cursor:
        insert = f"INSERT INTO raw_records VALUES ({', '.join(['%s'] * 14)})"  # noqa: S608
        if connection.vendor == "postgresql":
            # local wall-clock text is read in the session's zone, as the importer reads it
            cursor.execute("DROP TABLE IF EXISTS raw_records")
            cursor.execute(
                f"CREATE UNLOGGED TABLE raw_records ({RAW_COLUMNS.format(ts='timestamptz')})"
            )
            cursor.execute("SET TIME ZONE 'Asia/Seoul'")
            copy_sql = "COPY raw_records FROM STDIN WITH (FORMAT csv, HEADER true)"
            with cursor.cursor.copy(copy_sql) as copy, path.open("rb") as f:
                while block := f.read(1 << 20):
                    copy.write(block)
            cursor.execute("SET TIME ZONE 'UTC'")
            queries = PG_AGG
        else:
            # timestamps stay local text: the aggregations group by local day and hour directly
            cursor.execute("DROP TABLE IF EXISTS raw_records")
            cursor.execute(f"CREATE TABLE raw_records ({RAW_COLUMNS.format(ts='text')})")
            with path.open(encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                batch: list[list[str]] = []
                for row in reader:
                    batch.append(row)
                    if len(batch) >= 10_000:
                        cursor.executemany(insert, batch)
                        batch = []
                if batch:
                    cursor.executemany(insert, batch)
            queries = SQLITE_AGG
        for sql in queries:
            cursor.execute(sql)
            cursor.fetchall()
        cursor.execute("DROP TABLE raw_records")
    return time.perf_counter() - t


# --- child: stored history without the importer (setup, not timed) ---------------------------


def load_history(path: Path) -> None:
    """Put a CSV's records in the table quickly (the history under test (b)), then build the
    rollups set-based; neither is timed."""
    from django.test import override_settings

    from sqms.monitoring.evaluation import evaluate_all
    from sqms.monitoring.models import RecordSource
    from sqms.monitoring.services import import_run_create, import_run_execute, lookups_for  # noqa: F401

    source = RecordSource.objects.get(name="bench")
    # The whole history is one file; the upload limit guards the browser, not this loader.
    with path.open("rb") as f, override_settings(SQMS_IMPORT_MAX_BYTES=1 << 40):
        chunks = iter(lambda: f.read(1 << 20), b"")
        run = import_run_create(
            actor=None, source=source, file_name=path.name, chunks=chunks, policy="keep_good"
        )
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False  # history: rollups are built once below
    try:
        import_run_execute(run=run)
    finally:
        HUEY.immediate = True
    evaluate_all(detect=False)
    _settle()


def _settle() -> None:
    """Vacuum and analyse what the bulk load left, as autovacuum would soon after it.

    Left to autovacuum, the vacuum of millions of fresh rows runs during the timed batch and on
    the same two cores, and (b) measures that rather than the batch. A history that grew day by
    day has long been vacuumed."""
    from django.db import connection

    from sqms.monitoring.models import Rollup, ServiceRecord

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (ServiceRecord, Rollup):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


def dashboard_figures(service_pk: int, prefix: str) -> dict[str, Any]:
    """(c): p50/p95 server time of the service dashboard, with the number of rollup rows."""
    from django.urls import NoReverseMatch, reverse

    from bench.monitoring.dashboard import measure
    from sqms.monitoring.models import Rollup

    try:
        reverse("monitoring:dashboard")
    except NoReverseMatch:
        return {f"{prefix}_p95_ms": None}
    figures = measure({"service": service_pk}, int(os.environ.get("BENCH_REQUESTS", 50)))
    return {
        f"{prefix}_rollups": Rollup.objects.count(),
        f"{prefix}_p50_ms": figures["p50_ms"],
        f"{prefix}_p95_ms": figures["p95_ms"],
        f"{prefix}_requests": figures["requests"],
    }


def child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        os.environ.pop("DATABASE_URL", None)
    else:
        _recreate_pg(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from huey.contrib.djhuey import HUEY

    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    HUEY.immediate = True  # evaluation runs inside the timed import, as the worker would
    call_command("migrate", verbosity=0)
    _time_detection()
    from django.db import connection

    records = int(os.environ.get("BENCH_RECORDS", 1_000_000))
    history = int(os.environ.get("BENCH_HISTORY", 10_000_000))
    batch = int(os.environ.get("BENCH_BATCH", 10_000))
    repeats = int(os.environ.get("BENCH_B_REPEATS", 3))
    work = Path(os.environ.get("BENCH_DIR", tempfile.gettempdir())) / connection.vendor
    work.mkdir(parents=True, exist_ok=True)
    org = setup_org()
    out: dict[str, Any] = {"backend": connection.vendor}

    # (a) import + evaluation of a fresh file vs the raw baseline on the same file
    big = work / "records.csv"
    write_csv(big, records, org=org, prefix="A", span_days=365, seed=SEED)
    out["a_import_s"] = round(import_cli(big), 3)
    out["a_import_evaluation_s"] = round(EVALUATE_SECONDS[0], 3)
    out["a_import_detection_s"] = round(DETECT_SECONDS[0], 3)
    out["a_raw_s"] = round(raw_baseline(big), 3)
    out["a_ratio"] = round(out["a_import_s"] / out["a_raw_s"], 2)
    big.unlink()
    _clear_records()

    # (b) a batch on top of a small and then a large history
    small_n = max(history // 10, 1)
    hist = work / "history.csv"
    write_csv(hist, small_n, org=org, prefix="H", span_days=365, seed=SEED + 1, in_order=True)
    load_history(hist)
    out["b_history_small"] = small_n
    out["b_history_order"] = "arrival"
    out["b_batches"] = repeats
    small = _batches(work, org, batch, repeats, prefix="X", seed=SEED + 10)
    out |= {f"b_small_{k}": v for k, v in small.items()}
    more = history - small_n
    write_csv(hist, more, org=org, prefix="G", span_days=365, seed=SEED + 3, in_order=True)
    load_history(hist)
    hist.unlink()
    out["b_history_large"] = history
    large = _batches(work, org, batch, repeats, prefix="Y", seed=SEED + 20)
    out |= {f"b_large_{k}": v for k, v in large.items()}
    out["b_ratio"] = round(out["b_large_s"] / out["b_small_s"], 2)

    # (c) the dashboard on the large history, then on a year of rollups of every segment
    try:
        out |= dashboard_figures(org["service_pk"], "c_dashboard")
        from bench.monitoring.dashboard import seed_rollups
        from sqms.monitoring.models import Rollup

        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Rollup._meta.db_table}")  # noqa: S608
        seed_rollups()
        out |= dashboard_figures(org["service_pk"], "c_seeded")
    except Exception as exc:
        sys.stderr.write(f"dashboard not measured: {exc!r}\n")
        out.setdefault("c_dashboard_p95_ms", None)
    print(json.dumps(out))


def _batches(
    work: Path, org: dict[str, Any], batch: int, repeats: int, *, prefix: str, seed: int
) -> dict[str, Any]:
    """(b): `repeats` batches of new records over the last day, one after another, each
    import + evaluation timed; the median of each figure and every batch's time."""
    times, evaluation, detection = [], [], []
    for i in range(repeats):
        path = work / f"batch-{prefix}{i}.csv"
        write_csv(path, batch, org=org, prefix=f"{prefix}{i}-", span_days=1, seed=seed + i)
        times.append(import_cli(path))
        evaluation.append(EVALUATE_SECONDS[0])
        detection.append(DETECT_SECONDS[0])
        path.unlink()
    return {
        "s": round(float(np.median(times)), 3),
        "evaluation_s": round(float(np.median(evaluation)), 3),
        "detection_s": round(float(np.median(detection)), 3),
        "each_s": [round(t, 3) for t in times],
    }


def _clear_records() -> None:
    from django.db import connection

    from sqms.monitoring.models import ImportRowError, ImportRun, Rollup, ServiceRecord

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Rollup._meta.db_table}")  # noqa: S608
        cursor.execute(f"DELETE FROM {ServiceRecord._meta.db_table}")  # noqa: S608
    ImportRowError.objects.all().delete()
    ImportRun.objects.all().delete()


def _recreate_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    base = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if "--child" in sys.argv:
        child()
    else:
        main()
