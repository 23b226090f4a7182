"""Run rules: each rule on hand-made sequences, and the vectorised engine against a
plain point-by-point reading of the rule definitions (Western Electric Statistical
Quality Control Handbook, 1956; Nelson, J. Quality Technology 16(4), 1984)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqms_analytics.rules import Rule, RuleSet, evaluate_rules, rules_of

WE, NE = RuleSet.WESTERN_ELECTRIC, RuleSet.NELSON


def flagged(values, rule: str, center=0.0, sigma=1.0) -> list[int]:
    res = evaluate_rules(values, center, sigma, rules=[rule])
    return res.hits[0].index.tolist()


# --- a slow oracle straight from the definitions -----------------------------------


def oracle(z: np.ndarray, rule: Rule) -> list[int]:
    n = z.size
    out = []
    for i in range(n):
        hit = False
        f, k = rule.family, rule.number
        if k == 1:
            hit = abs(z[i]) > 3
        elif (f is WE and k == 2) or (f is NE and k == 5):
            hit = _k_of_m(z, i, 2, 3, 2.0)
        elif (f is WE and k == 3) or (f is NE and k == 6):
            hit = _k_of_m(z, i, 4, 5, 1.0)
        elif (f is WE and k == 4) or (f is NE and k == 2):
            length = 8 if f is WE else 9
            if i >= length - 1:
                w = z[i - length + 1 : i + 1]
                hit = bool(np.all(w > 0) or np.all(w < 0))
        elif k == 3:
            if i >= 5:
                d = np.diff(z[i - 5 : i + 1])
                hit = bool(np.all(d > 0) or np.all(d < 0))
        elif k == 4:
            if i >= 13:
                d = np.diff(z[i - 13 : i + 1])
                hit = all(d[j] * d[j + 1] < 0 for j in range(12))
        elif k == 7:
            hit = i >= 14 and bool(np.all(np.abs(z[i - 14 : i + 1]) < 1))
        elif k == 8:
            hit = i >= 7 and bool(np.all(np.abs(z[i - 7 : i + 1]) > 1))
        if hit:
            out.append(i)
    return out


def _k_of_m(z: np.ndarray, i: int, k: int, m: int, zone: float) -> bool:
    window = z[max(0, i - m + 1) : i + 1]
    if z[i] > zone:
        return int(np.sum(window > zone)) >= k
    if z[i] < -zone:
        return int(np.sum(window < -zone)) >= k
    return False


@pytest.mark.parametrize("rule", rules_of(WE) + rules_of(NE), ids=lambda r: r.name)
def test_it_agrees_with_a_point_by_point_reading_of_each_rule(rule: Rule) -> None:
    rng = np.random.default_rng(7)
    # Rounded values produce ties, values on zone boundaries and on the centre line.
    z = np.round(rng.normal(0, 1.4, 3000) * 2) / 2
    z[100:130] = np.arange(30) * 0.1  # a long rise
    z[200:220] = np.tile([0.5, -0.5], 10)  # alternation inside zone C
    result = evaluate_rules(z, 0.0, 1.0, rules=[rule])
    assert result.hits[0].index.tolist() == oracle(z, rule)


# --- each rule on a hand-made sequence ----------------------------------------------


def test_it_flags_a_point_beyond_a_limit_but_not_one_on_it() -> None:
    assert flagged([0, 3.0, -3.0, 3.01, -3.5], "western-electric-1") == [3, 4]


def test_it_reports_two_of_three_on_the_completing_point_and_while_it_continues() -> None:
    # Points 1 and 3 are beyond 2σ, point 2 is not: the pattern completes at 3.
    assert flagged([0, 2.5, 0.1, 2.1, 2.2, 0, 0, 0], "western-electric-2") == [3, 4]


def test_it_requires_the_two_of_three_on_the_same_side() -> None:
    assert flagged([2.5, -2.5, 0.0], "western-electric-2") == []
    assert flagged([-2.5, 0, -2.5], "western-electric-2") == [2]


def test_it_treats_a_point_exactly_on_a_zone_boundary_as_inside() -> None:
    assert flagged([2.0, 2.0, 2.0], "western-electric-2") == []
    assert flagged([1.0, 1.0, 1.0, 1.0, 1.0], "western-electric-3") == []


def test_it_flags_four_of_five_beyond_one_sigma() -> None:
    assert flagged([1.5, 1.5, 0, 1.5, 1.5, 0], "western-electric-3") == [4]


def test_it_flags_a_run_from_its_eighth_point_on_and_names_the_whole_run() -> None:
    values = [-1, *[0.5] * 10, -1]
    res = evaluate_rules(values, 0.0, 1.0, rules=["western-electric-4"])
    hits = res.hits[0]
    assert hits.index.tolist() == [8, 9, 10]
    assert res.members(hits, 0) == tuple(range(1, 9))
    assert res.members(hits, 2) == tuple(range(1, 11))


def test_it_breaks_a_run_on_the_centre_line() -> None:
    values = [0.5] * 5 + [0.0] + [0.5] * 5
    assert flagged(values, "western-electric-4") == []


def test_it_uses_nine_points_for_nelson_2() -> None:
    assert flagged([0.2] * 9, "nelson-2") == [8]
    assert flagged([0.2] * 8, "nelson-2") == []


def test_it_flags_six_points_steadily_rising_but_not_with_a_tie() -> None:
    assert flagged([0, 0.1, 0.2, 0.3, 0.4, 0.5], "nelson-3") == [5]
    assert flagged([0, 0.1, 0.2, 0.2, 0.4, 0.5, 0.6], "nelson-3") == []
    assert flagged([0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.1], "nelson-3") == [5, 6]


def test_it_flags_fourteen_points_alternating() -> None:
    values = [0.1 * (-1) ** i for i in range(14)]
    assert flagged(values, "nelson-4") == [13]
    assert flagged(values[:13], "nelson-4") == []


def test_it_flags_fifteen_points_hugging_the_centre_line() -> None:
    assert flagged([0.5] * 7 + [-0.5] * 8, "nelson-7") == [14]
    assert flagged([0.5] * 14 + [1.0], "nelson-7") == []


def test_it_flags_eight_points_avoiding_zone_c_on_both_sides() -> None:
    assert flagged([1.5, -1.5] * 4, "nelson-8") == [7]


def test_it_lists_every_rule_a_point_violates() -> None:
    values = [0.5] * 8 + [3.5]
    res = evaluate_rules(values, 0.0, 1.0, rules=WE)
    assert res.by_point()[8] == ["western-electric-1", "western-electric-4"]


def test_it_names_the_points_of_a_two_of_three_pattern() -> None:
    res = evaluate_rules([2.5, 0.0, 2.5], 0.0, 1.0, rules=["nelson-5"])
    signal = next(res.signals())
    assert signal.point == 2
    assert signal.members == (0, 2)


def test_it_applies_every_rule_of_a_chosen_set() -> None:
    assert [r.name for r in rules_of("nelson")] == [f"nelson-{k}" for k in range(1, 9)]
    assert [r.name for r in rules_of("western-electric")] == [
        f"western-electric-{k}" for k in range(1, 5)
    ]
    assert rules_of("none") == ()


def test_it_uses_per_point_sigma_for_the_zones() -> None:
    # The same deviation is 2.5σ where σ is small and 0.5σ where it is large.
    values = [2.5, 2.5, 2.5]
    assert flagged(values, "western-electric-2", sigma=[1.0, 5.0, 1.0]) == [2]


def test_it_handles_ten_points_without_rules() -> None:
    res = evaluate_rules(np.arange(10.0), 5.0, 1.0, rules="none")
    assert res.in_control
    assert res.flagged().sum() == 0


# --- invariants (hypothesis) --------------------------------------------------------

small_ints = st.lists(st.integers(-12, 12), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(small_ints, st.integers(-1000, 1000), st.integers(-6, 6), st.integers(0, 2))
def test_it_is_invariant_to_shifting_and_scaling_the_data(
    data: list[int], shift: int, power: int, sigma_power: int
) -> None:
    # Integers, integer shifts and power-of-two scales keep the arithmetic exact, so
    # any difference would be the rules' own.
    x = np.array(data, dtype=float)
    sigma = 2.0**sigma_power
    scale = 2.0**power
    a = evaluate_rules(x, 0.0, sigma, rules=NE)
    b = evaluate_rules(x * scale + shift, float(shift), sigma * scale, rules=NE)
    assert a.by_point() == b.by_point()


@settings(max_examples=100, deadline=None)
@given(small_ints)
def test_it_flags_the_mirror_image_of_a_pattern(data: list[int]) -> None:
    x = np.array(data, dtype=float)
    a = evaluate_rules(x, 0.0, 4.0, rules=NE)
    b = evaluate_rules(-x, 0.0, 4.0, rules=NE)
    assert a.by_point() == b.by_point()
