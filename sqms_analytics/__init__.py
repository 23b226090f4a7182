"""SQMS analytics: SPC charts, run rules, capability, survey statistics, SLO burn
rates, effectiveness tests, Pareto and risk scoring.

Pure NumPy/SciPy: nothing here imports Django or ``sqms``. Functions take arrays
and return frozen dataclasses; errors in the input raise
:class:`~sqms_analytics.errors.InputError`, which names the offending element.
"""

from sqms_analytics.capability import (
    Capability,
    anderson_darling,
    process_capability,
    within_sigma,
)
from sqms_analytics.charts import (
    ChartType,
    ControlChart,
    MetricKind,
    Series,
    c_chart,
    cusum_chart,
    ewma_chart,
    imr_chart,
    np_chart,
    p_chart,
    recommend_chart,
    u_chart,
    xbar_r_chart,
    xbar_s_chart,
)
from sqms_analytics.effectiveness import Comparison, Verdict, compare_means, compare_proportions
from sqms_analytics.errors import AnalyticsError, InputError
from sqms_analytics.pareto import ParetoResult, pareto_analysis
from sqms_analytics.risk import (
    ActionPriority,
    FmeaScore,
    RiskMatrix,
    RiskScore,
    action_priority,
    fmea,
    risk_score,
)
from sqms_analytics.rules import Rule, RuleResult, RuleSet, evaluate_rules
from sqms_analytics.slo import (
    BurnRateAlert,
    BurnRateReport,
    SloStatus,
    burn_rate_policy,
    evaluate_burn_rate,
    slo_status,
)
from sqms_analytics.surveys import (
    AlphaResult,
    KeyDriverResult,
    NpsResult,
    ScaleResult,
    ServqualResult,
    ces,
    cronbach_alpha,
    csat,
    key_drivers,
    nps,
    servqual,
)

__all__ = [
    "ActionPriority",
    "AlphaResult",
    "AnalyticsError",
    "BurnRateAlert",
    "BurnRateReport",
    "Capability",
    "ChartType",
    "Comparison",
    "ControlChart",
    "FmeaScore",
    "InputError",
    "KeyDriverResult",
    "MetricKind",
    "NpsResult",
    "ParetoResult",
    "RiskMatrix",
    "RiskScore",
    "Rule",
    "RuleResult",
    "RuleSet",
    "ScaleResult",
    "Series",
    "ServqualResult",
    "SloStatus",
    "Verdict",
    "action_priority",
    "anderson_darling",
    "burn_rate_policy",
    "c_chart",
    "ces",
    "compare_means",
    "compare_proportions",
    "cronbach_alpha",
    "csat",
    "cusum_chart",
    "evaluate_burn_rate",
    "evaluate_rules",
    "ewma_chart",
    "fmea",
    "imr_chart",
    "key_drivers",
    "np_chart",
    "nps",
    "p_chart",
    "pareto_analysis",
    "process_capability",
    "recommend_chart",
    "risk_score",
    "servqual",
    "slo_status",
    "u_chart",
    "within_sigma",
    "xbar_r_chart",
    "xbar_s_chart",
]
