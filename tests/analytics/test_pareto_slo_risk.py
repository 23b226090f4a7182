"""Pareto, SLO burn rates, effectiveness tests, risk scoring and FMEA.

[SRE] Beyer et al., The Site Reliability Workbook (O'Reilly 2018), ch. 5
"Alerting on SLOs", table 5-8 (recommended multiwindow, multi-burn-rate alerts).
[AIAG-VDA] AIAG & VDA FMEA Handbook, 1st ed. (2019), action priority table.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from scipy import stats

from sqms_analytics import effectiveness, pareto, risk, slo
from sqms_analytics.errors import InputError

# --- Pareto --------------------------------------------------------------------------


def test_it_sorts_categories_and_accumulates_percentages() -> None:
    r = pareto.pareto_analysis(["a", "b", "c", "d"], [5, 50, 25, 20])
    assert [row.category for row in r.rows] == ["b", "c", "d", "a"]
    assert [row.cum_count for row in r.rows] == [50, 75, 95, 100]
    assert [row.percent for row in r.rows] == [50, 25, 20, 5]
    assert r.rows[-1].cum_percent == pytest.approx(100)
    # b + c reach 75 %, d brings the total past 80 %: the vital few are b, c, d.
    assert r.vital_few == ("b", "c", "d")


def test_it_counts_raw_records_and_keeps_ties_in_order_of_appearance() -> None:
    r = pareto.pareto_analysis(["late", "rude", "late", "wrong", "rude", "late"])
    assert [(row.category, row.count) for row in r.rows] == [
        ("late", 3), ("rude", 2), ("wrong", 1)]  # fmt: skip
    r = pareto.pareto_analysis(["y", "x", "z"], [1, 1, 1])
    assert [row.category for row in r.rows] == ["y", "x", "z"]


def test_it_stops_the_vital_few_exactly_at_the_cutoff() -> None:
    r = pareto.pareto_analysis(["a", "b", "c"], [60, 20, 20])
    assert r.vital_few == ("a", "b")


def test_it_rejects_negative_counts() -> None:
    with pytest.raises(InputError) as info:
        pareto.pareto_analysis(["a", "b"], [3, -1])
    assert (info.value.code, info.value.index) == ("negative", 1)


# --- SLOs ------------------------------------------------------------------------------


def test_it_uses_the_workbooks_burn_rates_for_a_30_day_slo() -> None:
    # [SRE] table 5-8: page at 14.4 (1 h / 5 min, 2 % of budget) and 6 (6 h / 30 min,
    # 5 %); ticket at 3 (1 d / 2 h, 10 %) and 1 (3 d / 6 h, 10 %).
    policy = slo.burn_rate_policy("30d")
    got = [(a.severity, a.long_window, a.short_window, a.burn_rate, a.budget_share) for a in policy]
    assert got == [
        ("page", timedelta(hours=1), timedelta(minutes=5), pytest.approx(14.4), 0.02),
        ("page", timedelta(hours=6), timedelta(minutes=30), pytest.approx(6.0), 0.05),
        ("ticket", timedelta(days=1), timedelta(hours=2), pytest.approx(3.0), 0.10),
        ("ticket", timedelta(days=3), timedelta(hours=6), pytest.approx(1.0), 0.10),
    ]


def test_it_scales_burn_rates_to_spend_the_same_budget_share_in_another_period() -> None:
    for alert in slo.burn_rate_policy("7d"):
        assert alert.burn_rate * alert.long_window / timedelta(days=7) == pytest.approx(
            alert.budget_share
        )
    assert slo.burn_rate_policy("28d")[0].burn_rate == pytest.approx(14.4 * 28 / 30)
    assert [a.long_window for a in slo.burn_rate_policy("2d")] == [
        timedelta(hours=1), timedelta(hours=6), timedelta(days=1)]  # fmt: skip


def test_it_computes_compliance_and_the_remaining_error_budget() -> None:
    s = slo.slo_status([99_950], [100_000], 0.999)
    assert s.compliance == pytest.approx(0.9995)
    assert s.error_budget == pytest.approx(0.001)
    assert s.allowed_bad == pytest.approx(100)
    assert s.budget_consumed == pytest.approx(0.5)
    assert s.budget_remaining == pytest.approx(0.5)
    assert s.met


def test_it_fires_only_when_both_windows_burn_fast() -> None:
    minutes = 3 * 24 * 60
    total = np.full(minutes, 1000.0)
    bad = np.zeros(minutes)
    bad[-60:] = 20.0  # 2 % errors for the last hour: burn 20 on a 99.9 % SLO
    report = slo.evaluate_burn_rate(total - bad, total, objective=0.999, bucket="1m")
    page_1h = report.alerts[0]
    assert page_1h.long_burn == pytest.approx(20.0)
    assert page_1h.short_burn == pytest.approx(20.0)
    assert page_1h.firing
    assert not report.alerts[1].firing  # 6 h window: burn 20/6 ≈ 3.3 < 6
    bad[-5:] = 0.0  # recovered in the last 5 minutes: the short window resets the page
    report = slo.evaluate_burn_rate(total - bad, total, objective=0.999, bucket="1m")
    assert not report.alerts[0].firing


def test_it_parses_durations() -> None:
    assert slo.parse_duration("30d") == timedelta(days=30)
    assert slo.parse_duration("5m") == slo.parse_duration("5min") == timedelta(minutes=5)
    with pytest.raises(InputError):
        slo.parse_duration("soon")


# --- effectiveness -----------------------------------------------------------------------


def test_it_reports_an_improvement_in_a_proportion_with_a_z_test() -> None:
    r = effectiveness.compare_proportions([120], [1000], [80], [1000], higher_is_better=False)
    p1, p2, pooled = 0.12, 0.08, 0.10
    z = (p2 - p1) / np.sqrt(pooled * (1 - pooled) * 2 / 1000)
    assert r.test == "z"
    assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert r.difference == pytest.approx(-0.04)
    assert r.verdict is effectiveness.Verdict.IMPROVED
    assert r.ci is not None
    assert r.ci[1] < 0


def test_it_switches_to_fishers_exact_test_for_small_counts() -> None:
    r = effectiveness.compare_proportions([1], [20], [6], [20], higher_is_better=True)
    assert r.test == "fisher"
    assert r.p_value == pytest.approx(stats.fisher_exact([[1, 19], [6, 14]]).pvalue)


def test_it_checks_that_the_after_period_is_in_control() -> None:
    before = np.full(10, 12)
    after = np.array([8, 7, 9, 8, 30, 8, 7, 9, 8, 8])
    r = effectiveness.compare_proportions(
        before, [100] * 10, after, [100] * 10, higher_is_better=False
    )
    assert r.after_in_control is False


def test_it_compares_means_with_welchs_t_test() -> None:
    rng = np.random.default_rng(20)
    a, b = rng.normal(10, 2, 40), rng.normal(8.5, 3, 50)
    r = effectiveness.compare_means(a, b, higher_is_better=False)
    expected = stats.ttest_ind(b, a, equal_var=False)
    assert r.test == "welch"
    assert r.p_value == pytest.approx(expected.pvalue)
    assert r.verdict is effectiveness.Verdict.IMPROVED
    assert r.after_in_control is True


def test_it_uses_mann_whitney_for_small_skewed_samples() -> None:
    rng = np.random.default_rng(21)
    a = rng.exponential(10, 15) ** 2
    b = rng.exponential(3, 15) ** 2
    r = effectiveness.compare_means(a, b, higher_is_better=True)
    assert r.test == "mann-whitney"
    assert r.p_value == pytest.approx(stats.mannwhitneyu(b, a).pvalue)
    assert r.verdict in (effectiveness.Verdict.WORSE, effectiveness.Verdict.NO_EVIDENCE)
    assert r.ci is not None
    assert r.ci[0] <= r.difference <= r.ci[1]


def test_it_finds_no_evidence_when_nothing_changed() -> None:
    rng = np.random.default_rng(22)
    r = effectiveness.compare_means(
        rng.normal(5, 1, 100), rng.normal(5, 1, 100), higher_is_better=True
    )
    assert r.verdict is effectiveness.Verdict.NO_EVIDENCE


# --- risk and FMEA ------------------------------------------------------------------------


def test_it_scores_likelihood_times_impact_on_a_configurable_matrix() -> None:
    assert risk.risk_score(2, 2).level == "low"
    assert risk.risk_score(3, 3).level == "medium"
    assert risk.risk_score(4, 4).level == "high"
    assert risk.risk_score(5, 4).score == 20
    assert risk.risk_score(5, 4).level == "critical"
    matrix = risk.RiskMatrix(3, 3, (("green", 2), ("amber", 4), ("red", 9)))
    assert risk.risk_score(2, 2, matrix).level == "amber"
    with pytest.raises(InputError):
        risk.risk_score(4, 1, matrix)


@pytest.mark.parametrize(
    ("s", "o", "d", "ap"),
    [
        # [AIAG-VDA] action priority table (DFMEA/PFMEA).
        (10, 10, 10, "H"),
        (9, 5, 1, "M"),  # S 9–10, O 4–5, D 1
        (9, 3, 5, "M"),  # S 9–10, O 2–3, D 5–6
        (9, 3, 3, "L"),
        (10, 1, 10, "L"),  # very low occurrence
        (8, 6, 1, "M"),  # S 7–8, O 6–7, D 1
        (7, 4, 7, "H"),
        (7, 4, 5, "M"),
        (5, 8, 7, "H"),
        (5, 8, 3, "M"),
        (5, 6, 1, "L"),
        (5, 4, 8, "M"),
        (3, 9, 9, "M"),
        (3, 9, 2, "L"),
        (3, 7, 10, "L"),
        (1, 10, 10, "L"),
    ],
)
def test_it_assigns_the_aiag_vda_action_priority(s: int, o: int, d: int, ap: str) -> None:
    result = risk.fmea(s, o, d)
    assert result.action_priority.value == ap
    assert result.rpn == s * o * d


def test_it_rejects_ratings_outside_one_to_ten() -> None:
    with pytest.raises(InputError) as info:
        risk.fmea(11, 1, 1)
    assert info.value.field == "severity"
