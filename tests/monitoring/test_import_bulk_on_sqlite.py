"""The SQLite import path's tests (test_import_bulk.py) run on SQLite even when the suite runs
on PostgreSQL, as CI does: this module is collected on PostgreSQL only (see conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MODULE = Path(__file__).with_name("test_import_bulk.py")


def test_the_sqlite_import_path_passes_its_tests_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST"))}
    env["SQMS_VAR_DIR"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", str(MODULE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout
    assert "skipped" not in proc.stdout
