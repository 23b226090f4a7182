"""``python -m sqms_analytics [analyze] chart …``: the CLI without the sqms console script."""

from __future__ import annotations

import sys

from sqms_analytics.cli import main

if __name__ == "__main__":
    argv = sys.argv[1:]
    sys.exit(main(argv[1:] if argv[:1] == ["analyze"] else argv))
