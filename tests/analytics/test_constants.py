"""Control-chart constants: the printed table against an independent derivation.

Printed values: Montgomery, Introduction to Statistical Quality Control (6th ed.),
Appendix VI "Factors for constructing variables control charts".
"""

from __future__ import annotations

import math

import pytest

from sqms_analytics import constants as k


def test_it_uses_the_printed_values() -> None:
    # Montgomery, Appendix VI: d2(2) = 1.128, d3(2) = 0.853, c4(5) = 0.9400,
    # d2(5) = 2.326, D4(2) = 3.267, D4(5) = 2.114, D3(7) = 0.076, B4(5) = 2.089.
    assert k.d2(2) == 1.128
    assert k.d3(2) == 0.853
    assert k.c4(5) == 0.9400
    assert k.d2(5) == 2.326
    assert k.d4_factor(2) == 3.267
    assert k.d4_factor(5) == 2.114
    assert k.d3_factor(7) == 0.076
    assert k.d3_factor(6) == 0.0
    assert round(k.b4(5), 3) == 2.089
    assert round(k.a2(5), 3) == 0.577


@pytest.mark.parametrize("n", range(2, 26))
def test_it_matches_the_range_distribution_to_the_printed_digits(n: int) -> None:
    # d2 and d3 are moments of the range of n standard normals (Tippett 1925),
    # computed here by numerical integration; c4 has a closed form.
    assert round(k.d2_exact(n), 3) == k.d2(n)
    assert abs(k.d3_exact(n) - k.d3(n)) <= 0.0006
    assert round(k.c4_exact(n), 4) == k.c4(n)
    # The printed D3/D4 carry the rounding of older tables in a few places.
    exact_d4 = 1 + 3 * k.d3_exact(n) / k.d2_exact(n)
    assert abs(exact_d4 - k.d4_factor(n)) <= 0.0011


def test_it_computes_constants_beyond_the_table() -> None:
    assert k.d2(25) < k.d2(30) == k.d2_exact(30) < k.d2(40)
    assert k.c4(30) == pytest.approx(math.sqrt(2 / 29) * math.gamma(15) / math.gamma(14.5))
    assert k.d3(30) < k.d3(25)


def test_it_rejects_a_subgroup_of_one() -> None:
    with pytest.raises(ValueError, match="subgroup size"):
        k.d2(1)
