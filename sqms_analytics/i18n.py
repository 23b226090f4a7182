"""Korean and English text for the CLI and error messages.

A plain dict catalogue: this package must not depend on Django's translation
machinery. Korean terms follow the project glossary (관리도, 관리상한(UCL), …).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqms_analytics.errors import AnalyticsError

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"


def resolve_language(explicit: str | None = None) -> str:
    """``--lang`` if given, else SQMS_LANGUAGE, else Korean."""
    for candidate in (explicit, os.environ.get("SQMS_LANGUAGE")):
        if candidate:
            code = candidate.strip().lower().replace("_", "-").split("-")[0]
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


_ERRORS: dict[str, tuple[str, str]] = {
    # code: (ko, en)
    "not_numeric": ("숫자가 아닙니다: '{value}'", "not a number: '{value}'"),
    "not_one_dimensional": ("값은 1차원 배열이어야 합니다", "values must be one-dimensional"),
    "not_two_dimensional": (
        "값은 2차원 표(행 × 열)여야 합니다",
        "values must be a two-dimensional table (rows × columns)",
    ),
    "empty": ("값이 없습니다", "there are no values"),
    "not_finite": ("유한한 숫자가 아닙니다: '{value}'", "not a finite number: '{value}'"),
    "missing_value": ("빈 칸입니다", "the cell is empty"),
    "negative": ("음수는 허용되지 않습니다: {value}", "negative values are not allowed: {value}"),
    "zero_size": (
        "표본 크기는 0보다 커야 합니다: {value}",
        "the sample size must be greater than 0: {value}",
    ),
    "not_integer": ("정수여야 합니다: {value}", "must be a whole number: {value}"),
    "length_mismatch": (
        "'{first}'({n_first}개)와 '{second}'({n_second}개)의 길이가 다릅니다",
        "'{first}' ({n_first}) and '{second}' ({n_second}) differ in length",
    ),
    "bad_phase1_count": (
        "1단계 부분군 수 {count}은(는) 1 이상 {n} 이하여야 합니다",
        "the phase I count {count} must be between 1 and {n}",
    ),
    "bad_exclude_index": (
        "제외할 점의 위치가 범위(0–{n})를 벗어납니다",
        "an excluded point lies outside 0–{n}",
    ),
    "too_few_points": (
        "추정에 필요한 데이터가 부족합니다: 최소 {minimum}개 필요, {available}개 있음",
        "too few data for the estimate: need at least {minimum}, have {available}",
    ),
    "sigma_not_positive": (
        "표준편차(또는 중심선)는 0보다 커야 합니다: {value}",
        "the standard deviation (or centre) must be positive: {value}",
    ),
    "no_variation": (
        "데이터에 변동이 없어 관리한계를 추정할 수 없습니다",
        "the data do not vary, so no limits can be estimated",
    ),
    "subgroup_too_small": (
        "부분군 크기가 {size}입니다. 이 관리도는 크기 2 이상의 부분군이 필요합니다",
        "the subgroup has size {size}; this chart needs subgroups of 2 or more",
    ),
    "empty_subgroup": ("부분군에 값이 없습니다", "the subgroup has no values"),
    "count_exceeds_size": (
        "불량 수 {count}이(가) 표본 크기 {size}보다 큽니다",
        "the count {count} exceeds the sample size {size}",
    ),
    "np_size_varies": (
        "np 관리도는 표본 크기가 일정해야 합니다. 크기가 다르면 p 관리도를 쓰십시오",
        "an np chart needs a constant sample size; use a p chart instead",
    ),
    "bad_proportion": (
        "비율은 0과 1 사이여야 합니다: {value}",
        "a proportion must lie between 0 and 1: {value}",
    ),
    "bad_parameter": (
        "매개변수 {name}의 값이 올바르지 않습니다: {value}",
        "invalid value for {name}: {value}",
    ),
    "unknown_rules": ("알 수 없는 이상패턴 판정규칙입니다: {value}", "unknown run rules: {value}"),
    "no_spec_limits": (
        "규격 하한(LSL)이나 상한(USL)이 하나 이상 필요합니다",
        "give at least one specification limit (LSL or USL)",
    ),
    "lsl_not_below_usl": (
        "규격 하한 {lsl}이(가) 상한 {usl}보다 작아야 합니다",
        "the LSL {lsl} must be below the USL {usl}",
    ),
    "target_outside_spec": (
        "목표값 {target}이(가) 규격 범위 밖에 있습니다",
        "the target {target} lies outside the specification",
    ),
    "out_of_range": (
        "값 {value}이(가) 허용 범위 {low}–{high}의 정수가 아닙니다",
        "{value} is not a whole number from {low} to {high}",
    ),
    "too_few_items": (
        "문항이 2개 이상 필요합니다 (현재 {k}개)",
        "need at least 2 items (have {k})",
    ),
    "too_few_respondents": (
        "응답이 부족합니다: 최소 {minimum}개 필요, {available}개 있음",
        "too few responses: need at least {minimum}, have {available}",
    ),
    "shape_mismatch": (
        "'{first}'와 '{second}'의 크기가 맞지 않습니다",
        "'{first}' and '{second}' do not match in shape",
    ),
    "servqual_dimensions_needed": (
        "문항이 {k}개입니다. 22문항이 아니면 차원별 문항을 지정하십시오",
        "{k} items: name the items of each dimension unless there are 22",
    ),
    "bad_weights": (
        "가중치가 올바르지 않습니다 (음수가 아닌 값, 합계 > 0)",
        "invalid weights (non-negative, sum above 0)",
    ),
    "bad_duration": (
        "기간 형식이 올바르지 않습니다: '{value}' (예: 30d, 6h, 5m)",
        "invalid duration '{value}' (e.g. 30d, 6h, 5m)",
    ),
    "bad_objective": (
        "목표 비율은 0과 1 사이여야 합니다: {value}",
        "the objective must lie between 0 and 1: {value}",
    ),
    "good_exceeds_total": (
        "정상 건수 {good}이(가) 전체 건수 {total}보다 큽니다",
        "good events {good} exceed total events {total}",
    ),
    "file_not_found": ("파일을 찾을 수 없습니다: {path}", "file not found: {path}"),
    "csv_unreadable": (
        "CSV 파일을 읽을 수 없습니다: {reason}",
        "cannot read the CSV file: {reason}",
    ),
    "csv_no_rows": ("CSV 파일에 데이터 행이 없습니다", "the CSV file has no data rows"),
    "missing_column": (
        "열 '{name}'이(가) 없습니다. 있는 열: {available}",
        "there is no column '{name}'; available: {available}",
    ),
    "bad_flag": (
        "예/아니오 값이 아닙니다: '{value}' (TRUE/FALSE, 1/0, 예/아니오)",
        "not a yes/no value: '{value}' (TRUE/FALSE, 1/0, yes/no, 예/아니오)",
    ),
    "unknown_label": (
        "부분군 '{label}'이(가) 데이터에 없습니다",
        "the subgroup '{label}' is not in the data",
    ),
    "inconsistent_flag": (
        "같은 부분군 안에서 1단계 표시가 다릅니다",
        "the phase I flag differs within one subgroup",
    ),
    "needs_option": ("{option} 옵션이 필요합니다", "the option {option} is required"),
    "conflicting_options": (
        "{first}와 {second}는 함께 쓸 수 없습니다",
        "{first} and {second} cannot be used together",
    ),
    "two_periods": (
        "기간 열에는 두 개의 값(이전/이후)이 있어야 합니다. 찾은 값: {found}",
        "the period column must hold two values (before/after); found: {found}",
    ),
    "png_needs_output": (
        "--format png에는 --output 파일이 필요합니다",
        "--format png needs an --output file",
    ),
    "output_unwritable": (
        "출력 파일을 쓸 수 없습니다: {reason}",
        "cannot write the output: {reason}",
    ),
}

# Labels and headings; terms follow the project glossary.
_TEXT: dict[str, tuple[str, str]] = {
    "chart.xbar-r": ("X̄-R 관리도", "X̄-R chart"),
    "chart.xbar-s": ("X̄-S 관리도", "X̄-S chart"),
    "chart.imr": ("I-MR 관리도(개별값-이동범위)", "I-MR chart (individuals and moving range)"),
    "chart.p": ("p 관리도(불량률)", "p chart (fraction nonconforming)"),
    "chart.np": ("np 관리도(불량 개수)", "np chart (number nonconforming)"),
    "chart.c": ("c 관리도(결점 수)", "c chart (nonconformities)"),
    "chart.u": ("u 관리도(단위당 결점 수)", "u chart (nonconformities per unit)"),
    "chart.ewma": ("EWMA 관리도", "EWMA chart"),
    "chart.cusum": ("CUSUM 관리도", "CUSUM chart"),
    "series.xbar": ("평균(X̄)", "mean (X̄)"),
    "series.r": ("범위(R)", "range (R)"),
    "series.s": ("표준편차(S)", "standard deviation (S)"),
    "series.i": ("개별값(I)", "individual value (I)"),
    "series.mr": ("이동범위(MR)", "moving range (MR)"),
    "series.p": ("불량률(p)", "fraction (p)"),
    "series.np": ("불량 개수(np)", "count (np)"),
    "series.c": ("결점 수(c)", "count (c)"),
    "series.u": ("단위당 결점 수(u)", "per unit (u)"),
    "series.ewma": ("EWMA", "EWMA"),
    "series.cusum-upper": ("상측 CUSUM(C+)", "upper CUSUM (C+)"),
    "series.cusum-lower": ("하측 CUSUM(C−)", "lower CUSUM (C−)"),
    "center": ("중심선", "centre line"),
    "ucl": ("관리상한(UCL)", "upper control limit (UCL)"),
    "lcl": ("관리하한(LCL)", "lower control limit (LCL)"),
    "ucl.short": ("관리상한(UCL)", "UCL"),
    "lcl.short": ("관리하한(LCL)", "LCL"),
    "center.short": ("중심선", "CL"),
    "sigma": ("표준편차(σ)", "standard deviation (σ)"),
    "label": ("부분군", "subgroup"),
    "value": ("값", "value"),
    "phase": ("단계", "phase"),
    "violations": ("관리이탈", "out of control"),
    "varies": ("점마다 다름", "varies by point"),
    "rules": ("이상패턴 판정규칙", "run rules"),
    "rules.western-electric": ("Western Electric 규칙", "Western Electric rules"),
    "rules.nelson": ("Nelson 규칙", "Nelson rules"),
    "rules.none": ("적용 안 함", "none"),
    "in_control": (
        "관리 상태: 모든 점이 관리한계 안에 있고 이상패턴이 없습니다",
        "in control: no point beyond the limits and no run-rule signal",
    ),
    "out_of_control": ("관리이탈 {count}건", "out of control: {count} signal(s)"),
    "signal": ("{label}: {rule} (구성 점: {points})", "{label}: {rule} (points: {points})"),
    "excluded": ("추정에서 제외한 부분군", "subgroups left out of the estimate"),
    "standards_given": ("주어진 표준값(중심선, σ) 사용", "standards given (centre, σ)"),
    "capability": ("공정능력(지수)", "process capability (indices)"),
    "mean": ("평균", "mean"),
    "sigma_within": ("군내 표준편차", "within-subgroup σ"),
    "sigma_overall": ("전체 표준편차", "overall σ"),
    "n": ("표본 수(n)", "n"),
    "ci": ("신뢰구간", "confidence interval"),
    "lsl": ("규격 하한(LSL)", "LSL"),
    "usl": ("규격 상한(USL)", "USL"),
    "target": ("목표값", "target"),
    "normality": ("정규성 검정(Anderson–Darling)", "normality (Anderson–Darling)"),
    "warning.not_normal": (
        "경고: 데이터가 정규분포와 크게 다릅니다. 지수 해석에 주의하십시오",
        "warning: the data are far from normal; read the indices with care",
    ),
    "warning.few_observations": (
        "경고: 관측값이 30개 미만이라 신뢰구간이 넓습니다",
        "warning: fewer than 30 observations; the intervals are wide",
    ),
    "pareto": ("파레토도", "Pareto chart"),
    "category": ("항목", "category"),
    "count": ("건수", "count"),
    "percent": ("비율(%)", "percent"),
    "cum_count": ("누적 건수", "cumulative count"),
    "cum_percent": ("누적 비율(%)", "cumulative percent"),
    "vital_few": ("핵심 소수 항목(누적 {cutoff:g}%까지)", "vital few (up to {cutoff:g} %)"),
    "total": ("합계", "total"),
    "alpha": ("Cronbach 알파", "Cronbach's alpha"),
    "items": ("문항", "item"),
    "k": ("문항 수(k)", "items (k)"),
    "respondents": ("응답 수(n)", "responses (n)"),
    "if_item_deleted": ("문항 제거 시 알파", "alpha if item deleted"),
    "item_total": ("수정된 문항-총점 상관", "corrected item-total correlation"),
    "missing.pairwise": ("결측 처리: 쌍별 제거", "missing answers: pairwise"),
    "missing.listwise": ("결측 처리: 목록별 제거", "missing answers: listwise"),
    "nps": ("순추천지수(NPS)", "Net Promoter Score (NPS)"),
    "promoters": ("추천고객", "promoters"),
    "passives": ("중립고객", "passives"),
    "detractors": ("비추천고객", "detractors"),
    "survey": ("설문", "survey"),
    "csat": ("고객만족도(CSAT)", "customer satisfaction (CSAT)"),
    "ces": ("고객노력지수(CES)", "customer effort score (CES)"),
    "servqual": (
        "SERVQUAL 격차 점수(인식 − 기대)",
        "SERVQUAL gap scores (perception − expectation)",
    ),
    "dimension": ("차원", "dimension"),
    "expectation": ("기대", "expectation"),
    "perception": ("인식", "perception"),
    "gap": ("격차", "gap"),
    "weight": ("가중치", "weight"),
    "unweighted": ("가중치 없는 전체 격차", "unweighted overall gap"),
    "weighted": ("중요도 가중 전체 격차", "importance-weighted overall gap"),
    "dim.tangibles": ("유형성", "tangibles"),
    "dim.reliability": ("신뢰성", "reliability"),
    "dim.responsiveness": ("응답성", "responsiveness"),
    "dim.assurance": ("확신성", "assurance"),
    "dim.empathy": ("공감성", "empathy"),
    "effectiveness": ("효과성 검증(이전/이후 비교)", "effectiveness (before/after comparison)"),
    "before": ("이전", "before"),
    "after": ("이후", "after"),
    "difference": ("차이(이후 − 이전)", "difference (after − before)"),
    "test": ("검정", "test"),
    "p_value": ("p-값", "p-value"),
    "effect_size": ("효과 크기", "effect size"),
    "verdict": ("판정", "verdict"),
    "verdict.improved": ("개선됨", "improved"),
    "verdict.no_evidence": ("개선 근거 없음", "no evidence of change"),
    "verdict.worse": ("악화됨", "worse"),
    "after_in_control": ("이후 기간 관리 상태", "after period in control"),
    "yes": ("예", "yes"),
    "no": ("아니오", "no"),
    "not_assessed": ("판단 불가(데이터 부족)", "not assessed (too few data)"),
    "test.z": ("두 비율 z 검정", "two-proportion z test"),
    "test.fisher": ("Fisher 정확 검정", "Fisher's exact test"),
    "test.welch": ("Welch t 검정", "Welch's t test"),
    "test.mann-whitney": ("Mann–Whitney U 검정", "Mann–Whitney U test"),
    "effect.cohen_h": ("Cohen h", "Cohen's h"),
    "effect.hedges_g": ("Hedges g", "Hedges' g"),
    "effect.rank_biserial": ("순위 양류 상관", "rank-biserial r"),
    "slo": ("서비스 수준 목표(SLO)", "service level objective (SLO)"),
    "objective": ("목표", "objective"),
    "period": ("기간", "period"),
    "error_budget": ("오류 예산", "error budget"),
    "compliance": ("준수율", "compliance"),
    "budget_consumed": ("오류 예산 사용", "error budget consumed"),
    "budget_remaining": ("오류 예산 잔여", "error budget remaining"),
    "burn_rate": ("소진율", "burn rate"),
    "current_burn": ("현재 소진율", "current burn rate"),
    "severity.page": ("긴급 호출(page)", "page"),
    "severity.ticket": ("티켓(ticket)", "ticket"),
    "alert": ("경보", "alert"),
    "long_window": ("긴 창", "long window"),
    "short_window": ("짧은 창", "short window"),
    "budget_share": ("소진 예산 비율", "budget spent"),
    "firing": ("발생", "firing"),
    "threshold": ("임계 소진율", "threshold"),
    "error": ("오류", "error"),
    "location.row_column": ("{row}행 '{column}' 열", "row {row}, column '{column}'"),
    "location.row": ("{row}행", "row {row}"),
    "location.column": ("'{column}' 열", "column '{column}'"),
    "location.index": ("{index}번째 값", "item {index}"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "ko" else pair[1]


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """Translated label; an unknown key is returned as is (it is then a name)."""
    pair = _TEXT.get(key)
    if pair is None:
        return key
    text = _pick(pair, lang)
    return text.format(**params) if params else text


def error_message(error: AnalyticsError, lang: str = DEFAULT_LANGUAGE) -> str:
    """The error's sentence with its location (row and column) first."""
    pair = _ERRORS.get(error.code)
    if pair is None:
        body = error.code
    else:
        try:
            body = _pick(pair, lang).format(**error.params)
        except (KeyError, IndexError, ValueError):
            body = _pick(pair, lang)
    row = getattr(error, "row", None)
    column = getattr(error, "column", None)
    index = getattr(error, "index", None)
    field = getattr(error, "field", None)
    if row is not None and column is not None:
        where = t("location.row_column", lang, row=row, column=column)
    elif row is not None:
        where = t("location.row", lang, row=row)
    elif column is not None:
        where = t("location.column", lang, column=column)
    elif index is not None:
        where = t("location.index", lang, index=index + 1)
        if field:
            where = f"{field}: {where}"
    elif field:
        where = field
    else:
        return body
    return f"{where}: {body}"


def has_error_text(code: str) -> bool:
    return code in _ERRORS


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "error_message",
    "has_error_text",
    "resolve_language",
    "t",
]
