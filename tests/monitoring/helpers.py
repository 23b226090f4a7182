"""Shared builders for the monitoring tests: an organisation and CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqms.monitoring import services
from sqms.monitoring.models import ImportRun, RecordSource
from sqms.org import services as org_services
from tests.factories import make_service, make_site

HEADER = "external_id,service,site,channel,received_at,first_response_at,handle_seconds,category"


def make_org() -> dict[str, Any]:
    site = make_site()
    other = make_site()
    service = make_service([site, other])
    team = org_services.team_create(actor=None, site=site, code=f"T-{site.code}", name="1팀")
    return {"site": site, "other": other, "service": service, "team": team}


def make_source(name: str = "ACD", **kwargs: Any) -> RecordSource:
    return services.source_create(actor=None, name=name, **kwargs)


def csv_text(org: dict[str, Any], rows: list[tuple[str, ...]] | None = None, n: int = 3) -> str:
    s, sv = org["site"].code, org["service"].code
    lines = [HEADER]
    for i in range(1, n + 1):
        day = f"2026-03-0{i % 9 + 1}"
        lines.append(f"C{i},{sv},{s},phone,{day} 09:00:00,{day} 09:00:20,{30 * i},문의")
    for row in rows or []:
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "records.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run_file(
    path: Path, source: RecordSource, *, policy: str = "", encoding: str = "auto"
) -> ImportRun:
    with path.open("rb") as f:
        run = services.import_run_create(
            actor=None,
            source=source,
            file_name=path.name,
            chunks=iter(lambda: f.read(65536), b""),
            policy=policy,
            encoding=encoding,
        )
    return services.import_run_execute(run=run)
