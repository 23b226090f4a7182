"""Reference data sets for the analytics tests, read from data/ (each transcribed from
the source its test names). Plain functions, not fixtures: these tests need no
conftest and no Django."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"


def read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def pistonrings() -> np.ndarray:
    """Montgomery's piston-ring inside diameters (mm), qcc's ``pistonrings``: 40
    samples of 5; the first 25 are the phase I data, 26–40 the phase II data."""
    values = np.array([float(r["diameter"]) for r in read("pistonrings.csv")])
    out = values.reshape(40, 5)
    out.setflags(write=False)
    return out
