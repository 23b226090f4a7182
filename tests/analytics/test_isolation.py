"""sqms_analytics stands alone: importing all of it loads neither Django nor sqms."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import pkgutil, importlib, sys
import sqms_analytics
for mod in pkgutil.walk_packages(sqms_analytics.__path__, "sqms_analytics."):
    if mod.name != "sqms_analytics.__main__":
        importlib.import_module(mod.name)
bad = sorted(m for m in sys.modules
             if m.split(".")[0] in ("django", "sqms", "ninja", "huey"))
print(",".join(bad))
"""


def test_it_imports_nothing_from_django_or_sqms() -> None:
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""
