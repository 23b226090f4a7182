"""Control charts against published reference values.

Sources:
- [M] D. C. Montgomery, Introduction to Statistical Quality Control, 6th ed., Wiley 2009.
- [qcc] L. Scrucca, "qcc: an R package for quality control charting and statistical
  process control", R News 4/1 (2004), and the qcc package's data sets and examples,
  which reproduce Montgomery's examples.
Values are compared to the digits printed there; where the book rounds an
intermediate value (x̿ = 74.001, R̄ = 0.023) the tolerance is one unit in the last
printed digit.
"""

from __future__ import annotations

import numpy as np
import pytest

from sqms_analytics import charts

from . import reference_data


def test_it_reproduces_the_piston_ring_xbar_r_limits() -> None:
    pistonrings = reference_data.pistonrings()
    # [qcc] qcc(pistonrings[1:25, ], type = "xbar") prints Center = 74.00118,
    # LCL = 73.98777, UCL = 74.01458; [M] ch. 6, piston-ring example: R̄ = 0.023
    # (qcc: 0.02324).
    chart = charts.xbar_r_chart(pistonrings[:25])
    assert chart.main.center_line == pytest.approx(74.00118, abs=5e-6)
    assert chart.main.ucl_line == pytest.approx(74.01458, abs=5e-6)
    assert chart.main.lcl_line == pytest.approx(73.98777, abs=5e-6)
    assert chart.companion is not None
    assert chart.companion.center_line == pytest.approx(0.02324, abs=5e-6)
    # [M] ch. 6, piston rings: R chart UCL = D4·R̄ = 2.114 × 0.023 = 0.049, LCL = 0.
    assert chart.companion.ucl_line == pytest.approx(0.049, abs=5e-4)
    assert chart.companion.lcl_line == 0.0
    assert chart.in_control  # [M]: "no indication of an out-of-control condition"


def test_it_plots_the_piston_ring_phase_ii_samples_against_phase_i_limits() -> None:
    pistonrings = reference_data.pistonrings()
    # [qcc] qcc(pistonrings[1:25, ], newdata = pistonrings[26:40, ]) and [M] §6.2.1:
    # samples 37, 38 and 39 are beyond the upper control limit.
    chart = charts.xbar_r_chart(pistonrings, phase1=25, rules="none")
    beyond = charts.xbar_r_chart(pistonrings, phase1=25, rules=["western-electric-1"])
    assert chart.main.ucl_line == pytest.approx(74.01458, abs=5e-6)
    assert (beyond.main.rules.hits[0].index + 1).tolist() == [37, 38, 39]
    assert chart.phase.tolist() == [1] * 25 + [2] * 15


def test_it_reproduces_the_piston_ring_xbar_s_limits() -> None:
    pistonrings = reference_data.pistonrings()
    # [M] ch. 6, X̄ and S charts for the piston rings: x̿ = 74.001, s̄ = 0.0094,
    # UCL = 74.001 + 1.427(0.0094) = 74.014,
    # LCL = 73.988; S chart UCL = B4·s̄ = 2.089(0.0094) = 0.0196, LCL = 0.
    chart = charts.xbar_s_chart(pistonrings[:25])
    assert chart.main.center_line == pytest.approx(74.001, abs=1e-3)
    assert chart.main.ucl_line == pytest.approx(74.014, abs=1e-3)
    assert chart.main.lcl_line == pytest.approx(73.988, abs=1e-3)
    assert chart.companion is not None
    assert chart.companion.center_line == pytest.approx(0.0094, abs=5e-5)
    assert chart.companion.ucl_line == pytest.approx(0.0196, abs=1e-4)
    assert chart.companion.lcl_line == 0.0


OJ = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
      8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip


def test_it_reproduces_the_orange_juice_p_chart() -> None:
    # [M] ch. 7, orange-juice cans (qcc ``orangejuice``, the 30 trial samples, n = 50):
    # p̄ = 0.2313, UCL = 0.4102, LCL = 0.0524; samples 15 and 23 are above the UCL.
    chart = charts.p_chart(OJ, [50] * 30, rules=["western-electric-1"])
    assert chart.main.center_line == pytest.approx(0.2313, abs=5e-5)
    assert chart.main.ucl_line == pytest.approx(0.4102, abs=5e-5)
    assert chart.main.lcl_line == pytest.approx(0.0524, abs=5e-5)
    assert (chart.main.rules.hits[0].index + 1).tolist() == [15, 23]


def test_it_revises_the_orange_juice_limits_without_samples_15_and_23() -> None:
    # [M] ch. 7, orange-juice cans, revised limits: p̄ = 0.2150, UCL = 0.3893, LCL = 0.0407; the
    # excluded points stay on the chart, and sample 21 now exceeds the UCL.
    exclude = np.zeros(30, dtype=bool)
    exclude[[14, 22]] = True
    chart = charts.p_chart(OJ, [50] * 30, exclude=exclude, rules=["western-electric-1"])
    assert chart.main.center_line == pytest.approx(0.2150, abs=5e-5)
    assert chart.main.ucl_line == pytest.approx(0.3893, abs=5e-5)
    assert chart.main.lcl_line == pytest.approx(0.0407, abs=5e-5)
    assert chart.n == 30
    assert (chart.main.rules.hits[0].index + 1).tolist() == [15, 21, 23]


def test_it_reproduces_the_orange_juice_limits_after_the_adjustment() -> None:
    # [M] ch. 7, orange-juice cans, 24 new samples after the machine adjustment (qcc
    # ``orangejuice``, trial = FALSE): p̄ = 0.1108, UCL = 0.2440, LCL = 0.
    new = [9, 6, 12, 5, 6, 4, 6, 3, 7, 6, 2, 4, 3, 6, 5, 4, 8, 5, 6, 7, 5, 6, 3, 5]
    chart = charts.p_chart(new, [50] * 24)
    assert chart.main.center_line == pytest.approx(0.1108, abs=5e-5)
    assert chart.main.ucl_line == pytest.approx(0.2440, abs=5e-5)
    assert chart.main.lcl_line == 0.0


CIRCUIT = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16,
           19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17, 15]  # fmt: skip


def test_it_reproduces_the_circuit_board_c_chart() -> None:
    # [M] ch. 7, nonconformities on printed circuit boards (qcc ``circuit``, 26 samples
    # of 100 boards): c̄ = 19.85, UCL = 33.22, LCL = 6.48; samples 6 and 20 lie outside.
    # The book rounds c̄ before adding 3√c̄, hence one unit in the last digit.
    chart = charts.c_chart(CIRCUIT, rules=["western-electric-1"])
    assert chart.main.center_line == pytest.approx(19.85, abs=5e-3)
    assert chart.main.ucl_line == pytest.approx(33.22, abs=1e-2)
    assert chart.main.lcl_line == pytest.approx(6.48, abs=1e-2)
    assert (chart.main.rules.hits[0].index + 1).tolist() == [6, 20]


def test_it_revises_the_circuit_board_limits_without_samples_6_and_20() -> None:
    # [M] ch. 7, circuit boards, revised: c̄ = 19.67, UCL = 32.97, LCL = 6.36.
    chart = charts.c_chart(CIRCUIT, exclude=[5, 19])
    assert chart.main.center_line == pytest.approx(19.67, abs=5e-3)
    assert chart.main.ucl_line == pytest.approx(32.97, abs=5e-3)
    assert chart.main.lcl_line == pytest.approx(6.36, abs=5e-3)
    assert chart.excluded.nonzero()[0].tolist() == [5, 19]


def test_it_reproduces_the_personal_computer_u_chart() -> None:
    # [M] ch. 7, personal-computer nonconformities (qcc ``pcmanufact``, 5 computers
    # per sample):
    # ū = 1.93, UCL = 3.79, LCL = 0.07.
    counts = [10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5]
    chart = charts.u_chart(counts, [5] * 20)
    assert chart.main.center_line == pytest.approx(1.93, abs=5e-3)
    assert chart.main.ucl_line == pytest.approx(3.79, abs=5e-3)
    assert chart.main.lcl_line == pytest.approx(0.07, abs=5e-3)


def test_it_reproduces_the_loan_cost_individuals_chart() -> None:
    # [M] ch. 6, individuals chart of mortgage-loan processing costs (20 weeks): x̄ = 300.5,
    # MR̄ = 7.79, UCL = 300.5 + 3(7.79/1.128) = 321.22, LCL = 279.78;
    # MR chart UCL = D4·MR̄ = 3.267(7.79) = 25.45.
    costs = [310, 288, 297, 298, 307, 303, 294, 297, 308, 306,
             294, 299, 297, 299, 314, 295, 293, 306, 301, 304]  # fmt: skip
    chart = charts.imr_chart(costs)
    assert chart.main.center_line == pytest.approx(300.5)
    assert chart.companion is not None
    assert chart.companion.center_line == pytest.approx(7.79, abs=5e-3)
    assert chart.main.ucl_line == pytest.approx(321.22, abs=1e-2)
    assert chart.main.lcl_line == pytest.approx(279.78, abs=1e-2)
    assert chart.companion.ucl_line == pytest.approx(25.45, abs=5e-3)
    assert chart.in_control
