"""Process capability against published values and independent derivations.

[M] Montgomery, Introduction to Statistical Quality Control, 6th ed. (2009).
[qcc] Scrucca (2004), R News 4/1: process.capability() on the piston rings.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sqms_analytics.capability import (
    anderson_darling,
    cp_interval,
    cpk_interval,
    process_capability,
    within_sigma,
)
from sqms_analytics.errors import InputError

from . import reference_data


def test_it_reproduces_montgomerys_piston_ring_cp() -> None:
    # [M] ch. 6, piston rings, specifications 74.000 ± 0.05 mm and σ̂ = R̄/d2 = 0.0099:
    # Ĉp = (74.05 − 73.95)/(6 × 0.0099) = 1.68.
    data = reference_data.pistonrings()[:25]
    result = process_capability(data, lsl=73.95, usl=74.05, sigma_within=0.0099)
    assert result.cp == pytest.approx(1.68, abs=5e-3)


def test_it_reproduces_the_qcc_piston_ring_indices() -> None:
    # [qcc] process.capability(q, spec.limits = c(73.95, 74.05)) prints Cp = 1.67,
    # Cp_l = 1.71, Cp_u = 1.63, Cp_k = 1.63 (σ = R̄/d2 of the 25 trial samples); they
    # also follow by hand from the printed Center 74.00118 and StdDev 0.009991.
    result = process_capability(reference_data.pistonrings()[:25], lsl=73.95, usl=74.05)
    assert result.cp == pytest.approx(1.67, abs=5e-3)
    assert result.cpl == pytest.approx(1.71, abs=5e-3)
    assert result.cpu == pytest.approx(1.63, abs=5e-3)
    assert result.cpk == pytest.approx(1.63, abs=5e-3)
    assert result.target == 74.0  # the middle of the specification by default


def test_it_uses_bissells_interval_for_cpk() -> None:
    # [M] ch. 8 (Bissell 1990): Ĉpk[1 ± z_{α/2}√(1/(9nĈpk²) + 1/(2(n−1)))].
    n, cpk = 20, 1.33
    half = 1.959964 * np.sqrt(1 / (9 * n * cpk**2) + 1 / (2 * (n - 1)))
    lo, hi = cpk_interval(cpk, n, 0.95)
    assert lo == pytest.approx(cpk * (1 - half), rel=1e-6)
    assert hi == pytest.approx(cpk * (1 + half), rel=1e-6)


def test_it_bounds_cp_with_chi_square_quantiles() -> None:
    # Ĉp√(χ²_{α/2,n−1}/(n−1)) ≤ Cp ≤ Ĉp√(χ²_{1−α/2,n−1}/(n−1)).
    interval = cp_interval(1.5, 25, 0.95)
    assert interval is not None
    assert interval[0] == pytest.approx(1.5 * np.sqrt(stats.chi2.ppf(0.025, 24) / 24))
    assert interval[1] == pytest.approx(1.5 * np.sqrt(stats.chi2.ppf(0.975, 24) / 24))


def test_it_uses_overall_sigma_for_pp_and_ppk() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(10, 2, 200)
    result = process_capability(x, lsl=2, usl=20)
    s = x.std(ddof=1)
    assert result.pp == pytest.approx(18 / (6 * s))
    assert result.ppk == pytest.approx(min(x.mean() - 2, 20 - x.mean()) / (3 * s))
    # Individual values: within σ is MR̄/d2(2).
    assert result.sigma_within == pytest.approx(np.abs(np.diff(x)).mean() / 1.128)


def test_it_computes_cpm_against_the_target() -> None:
    x = np.array([9.0, 10, 11, 10, 9, 11, 10, 10, 12, 8])
    result = process_capability(x, lsl=4, usl=16, target=9.0)
    sw = result.sigma_within
    assert result.cpm == pytest.approx(12 / (6 * np.sqrt(sw**2 + (x.mean() - 9) ** 2)))


def test_it_handles_a_one_sided_specification() -> None:
    x = np.random.default_rng(6).normal(5, 1, 100)
    result = process_capability(x, usl=9)
    assert result.cp is None
    assert result.cpl is None
    assert result.cpm is None
    assert result.cpk == result.cpu
    assert result.ci.cp is None


def test_it_offers_the_pooled_standard_deviation() -> None:
    data = reference_data.pistonrings()[:25]
    s = data.std(axis=1, ddof=1)
    assert within_sigma(data, "pooled") == pytest.approx(np.sqrt(np.mean(s**2)) / 0.9975, 1e-3)
    assert within_sigma(data) == pytest.approx(np.ptp(data, axis=1).mean() / 2.326)


def test_it_computes_the_same_anderson_darling_statistic_as_scipy() -> None:
    x = np.random.default_rng(8).normal(size=60)
    assert anderson_darling(x).statistic == pytest.approx(
        stats.anderson(x, dist="norm", method="interpolate").statistic
    )


def test_it_warns_when_the_data_are_far_from_normal() -> None:
    x = np.random.default_rng(9).exponential(1.0, 300)
    result = process_capability(x, usl=8)
    assert "not_normal" in result.warnings
    assert result.normality is not None
    assert result.normality.p_value < 0.001
    normal = process_capability(np.random.default_rng(10).normal(size=300), lsl=-4, usl=4)
    assert "not_normal" not in normal.warnings


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"lsl": 5.0, "usl": 1.0}, "lsl_not_below_usl"),
        ({}, "no_spec_limits"),
        ({"lsl": 0.0, "usl": 10.0, "target": 12.0}, "target_outside_spec"),
    ],
)
def test_it_rejects_inconsistent_specifications(kwargs: dict[str, float], code: str) -> None:
    with pytest.raises(InputError) as info:
        process_capability([1.0, 2.0, 3.0, 2.5], **kwargs)
    assert info.value.code == code
