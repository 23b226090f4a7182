"""``sqms analyze``: formats, languages, the JSON contract and bad input (exit code 2,
a message naming the row and column, nothing written)."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqms_analytics.cli import main

from . import reference_data

DATA = reference_data.DATA
PISTON = [
    "chart",
    "--type",
    "xbar-r",
    "--input",
    str(DATA / "pistonrings.csv"),
    "--value",
    "diameter",
    "--subgroup",
    "sample",
    "--phase1-col",
    "trial",
]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "in.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_it_prints_the_chart_contract_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*PISTON, "--format", "json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert {"chart", "center", "ucl", "lcl", "sigma", "points", "companion"} <= set(d)
    assert d["chart"] == "xbar-r"
    assert d["ucl"] == pytest.approx(74.01458, abs=5e-6)
    point = d["points"][36]
    assert set(point) == {"label", "value", "center", "ucl", "lcl", "phase", "violations"}
    assert point["label"] == "37"
    assert point["phase"] == 2
    assert "western-electric-1" in point["violations"]
    assert d["points"][0]["phase"] == 1
    comp = d["companion"]
    assert comp["chart"] == "r"
    assert set(comp["points"][0]) == set(point)
    assert comp["center"] == pytest.approx(0.02324, abs=5e-6)


def test_it_keeps_labels_exactly_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = (
        "day,defects,n,phase\n2024-01-01,3,50,예\n2024-01-02,4,50,예\n"
        "2024-01-03,9,40,예\n2024-01-04,2,60,아니오\n"
    )
    path = write(tmp_path, csv)
    code, out, _ = run(
        [
            "chart",
            "--type",
            "p",
            "--input",
            path,
            "--value",
            "defects",
            "--size",
            "n",
            "--subgroup",
            "day",
            "--phase1-col",
            "phase",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    assert [p["label"] for p in d["points"]] == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
    ]
    assert [p["phase"] for p in d["points"]] == [1, 1, 1, 2]
    assert d["ucl"] is None  # sizes vary: per-point limits
    assert d["center"] == pytest.approx(16 / 140)


def test_it_excludes_labelled_subgroups_from_the_estimate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Montgomery's circuit boards without samples 6 and 20: c̄ = 19.67 (see the
    # reference tests); the excluded points are still plotted.
    code, out, _ = run(
        [
            "chart",
            "--type",
            "c",
            "--input",
            str(DATA / "circuit.csv"),
            "--value",
            "x",
            "--subgroup",
            "sample",
            "--exclude",
            "6,20",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    assert d["center"] == pytest.approx(19.67, abs=5e-3)
    assert len(d["points"]) == 26
    assert d["excluded"] == ["6", "20"]


def test_it_uses_known_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "chart",
            "--type",
            "imr",
            "--input",
            str(DATA / "loan_costs.csv"),
            "--value",
            "cost",
            "--center",
            "300",
            "--sigma",
            "5",
            "--rules",
            "nelson",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    assert (d["center"], d["ucl"], d["lcl"], d["sigma"]) == (300, 315, 285, 5)
    assert d["companion"]["points"][0]["value"] is None  # no moving range for point 1


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_it_prints_a_readable_table_in_korean_or_english(
    lang: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQMS_LANGUAGE", lang)
    code, out, _ = run(PISTON, capsys)
    assert code == 0
    if lang == "ko":
        assert "관리상한(UCL)" in out
        assert "관리이탈" in out
    else:
        assert "upper control limit (UCL)" in out
        assert "out of control" in out
    assert "74.01458" in out


def test_it_lets_lang_override_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQMS_LANGUAGE", "en")
    code, out, _ = run([*PISTON, "--lang", "ko"], capsys)
    assert code == 0
    assert "중심선" in out


def test_it_writes_a_self_contained_html_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "chart.html"
    code, _, _ = run([*PISTON, "--format", "html", "--output", str(target)], capsys)
    assert code == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Plotly.newPlot" in page
    assert '<script src="http' not in page  # plotly.js is inline, not from a CDN
    assert len(page) > 1_000_000


def test_it_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "chart.png"
    code, _, _ = run([*PISTON, "--format", "png", "--output", str(target)], capsys)
    assert code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_it_needs_an_output_file_for_png(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([*PISTON, "--format", "png", "--lang", "en"], capsys)
    assert code == 2
    assert out == ""
    assert "--output" in err


@pytest.mark.parametrize(
    ("csv", "args", "message_ko", "message_en"),
    [
        (
            "s,d,n\n1,3,50\n2,x,50\n",
            ["--type", "p", "--value", "d", "--size", "n"],
            "3행 'd' 열",
            "row 3, column 'd': not a number",
        ),
        (
            "s,d,n\n1,3,50\n2,-1,50\n",
            ["--type", "p", "--value", "d", "--size", "n"],
            "3행 'd' 열: 음수",
            "row 3, column 'd': negative",
        ),
        (
            "s,d,n\n1,3,50\n2,1,0\n",
            ["--type", "p", "--value", "d", "--size", "n"],
            "3행 'n' 열",
            "row 3, column 'n': the sample size must be greater than 0",
        ),
        (
            "s,d,n\n1,3,50\n2,,50\n",
            ["--type", "c", "--value", "d"],
            "3행 'd' 열: 빈 칸",
            "row 3, column 'd': the cell is empty",
        ),
        (
            "s,v\n1,3\n1,4\n2,5\n",
            ["--type", "xbar-r", "--value", "v", "--subgroup", "s"],
            "4행 'v' 열: 부분군 크기가 1",
            "row 4, column 'v': the subgroup has size 1",
        ),
        ("s,v\n1,\n2,\n", ["--type", "imr", "--value", "v"], "2행 'v' 열", "row 2, column 'v'"),
        ("s,v\n1,3\n", ["--type", "imr", "--value", "w"], "'w'", "there is no column 'w'"),
    ],
)
def test_it_rejects_bad_input_with_row_and_column_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    csv: str,
    args: list[str],
    message_ko: str,
    message_en: str,
) -> None:
    path = write(tmp_path, csv)
    target = tmp_path / "out.json"
    for lang, message in (("ko", message_ko), ("en", message_en)):
        code, out, err = run(
            [
                "chart",
                "--input",
                path,
                *args,
                "--format",
                "json",
                "--output",
                str(target),
                "--lang",
                lang,
            ],
            capsys,
        )
        assert code == 2
        assert message in err
        assert "Traceback" not in err
        assert out == ""
        assert not target.exists()


def test_it_rejects_an_lsl_above_the_usl(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        [
            "capability",
            "--input",
            str(DATA / "loan_costs.csv"),
            "--value",
            "cost",
            "--lsl",
            "320",
            "--usl",
            "280",
            "--lang",
            "en",
        ],
        capsys,
    )
    assert code == 2
    assert out == ""
    assert "LSL 320.0 must be below the USL 280.0" in err


def test_it_prints_capability_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "capability",
            "--input",
            str(DATA / "pistonrings.csv"),
            "--value",
            "diameter",
            "--subgroup",
            "sample",
            "--lsl",
            "73.95",
            "--usl",
            "74.05",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    keys = {
        "cp",
        "cpl",
        "cpu",
        "cpk",
        "cpm",
        "pp",
        "ppk",
        "mean",
        "sigma_within",
        "sigma_overall",
        "n",
        "ci",
    }
    assert keys <= set(d)
    assert d["n"] == 200
    assert d["ci"]["cp"][0] < d["cp"] < d["ci"]["cp"][1]


def test_it_prints_a_pareto_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "유형,건수\n지연,30\n불친절,50\n오류,20\n")
    code, out, _ = run(
        ["pareto", "--input", path, "--category", "유형", "--count", "건수", "--format", "json"],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    assert [r["category"] for r in d["rows"]] == ["불친절", "지연", "오류"]
    assert set(d["rows"][0]) == {"category", "count", "percent", "cum_count", "cum_percent"}
    code, out, _ = run(
        ["pareto", "--input", path, "--category", "유형", "--count", "건수", "--lang", "ko"], capsys
    )
    assert "파레토도" in out


def test_it_reads_cp949_and_semicolons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("유형;건수\n지연;3\n오류;1\n".encode("cp949"))
    code, out, _ = run(
        [
            "pareto",
            "--input",
            str(path),
            "--category",
            "유형",
            "--count",
            "건수",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    assert json.loads(out)["rows"][0]["category"] == "지연"


def test_it_prints_alpha_and_nps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["q1,q2,q3,nps"] + [
        f"{a},{b},{c},{s}"
        for a, b, c, s in [
            (1, 2, 1, 10),
            (2, 2, 3, 9),
            (3, 4, 3, 7),
            (4, 4, 5, 3),
            (5, 5, 4, 0),
            (3, 3, 3, 8),
            (2, 1, 2, 10),
        ]
    ]
    path = write(tmp_path, "\n".join(rows) + "\n")
    code, out, _ = run(
        ["alpha", "--input", path, "--items", "q1,q2,q3", "--format", "json"], capsys
    )
    assert code == 0
    d = json.loads(out)
    assert {"alpha", "ci", "n", "k", "if_item_deleted"} <= set(d)
    assert (d["n"], d["k"]) == (7, 3)
    code, out, _ = run(["nps", "--input", path, "--score", "nps", "--format", "json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert {"nps", "promoters", "passives", "detractors", "n", "ci"} <= set(d)
    assert (d["promoters"], d["passives"], d["detractors"]) == (3, 2, 2)


def test_it_compares_before_and_after(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = (
        ["period,minutes"]
        + [f"전,{v}" for v in (12, 14, 13, 15, 12, 16, 14, 13)]
        + [f"후,{v}" for v in (9, 8, 10, 9, 8, 9, 10, 8)]
    )
    path = write(tmp_path, "\n".join(lines) + "\n")
    code, out, _ = run(
        [
            "compare",
            "--input",
            path,
            "--value",
            "minutes",
            "--period",
            "period",
            "--better",
            "lower",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    d = json.loads(out)
    assert d["verdict"] == "improved"
    assert d["labels"] == {"before": "전", "after": "후"}


def test_it_prints_the_burn_rate_policy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["burn-rate", "--objective", "0.999", "--period", "30d", "--format", "json"], capsys
    )
    assert code == 0
    d = json.loads(out)
    assert [a["burn_rate"] for a in d["alerts"]] == pytest.approx([14.4, 6, 3, 1])
    code, out, _ = run(["burn-rate", "--objective", "0.999", "--lang", "ko"], capsys)
    assert "소진율" in out
    assert "오류 예산" in out


def test_it_runs_as_a_module(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqms_analytics",
            "analyze",
            "chart",
            "--type",
            "u",
            "--input",
            str(DATA / "pcmanufact.csv"),
            "--value",
            "x",
            "--size",
            "size",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["center"] == pytest.approx(1.93)
    bad = subprocess.run(
        [sys.executable, "-m", "sqms_analytics", "chart", "--type", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


CELLS = st.sampled_from(["1", "2", "3", "7", "2.5", "", "x", "-3", "0", "50", "1e3", "nan"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["xbar-r", "xbar-s", "imr", "p", "np", "c", "u", "ewma", "cusum"]),
    rows=st.lists(st.tuples(st.sampled_from(["a", "b", "c", ""]), CELLS, CELLS), max_size=12),
    rules=st.sampled_from(["western-electric", "nelson", "none"]),
)
def test_it_never_shows_a_traceback_or_nan_whatever_the_csv(
    kind: str, rows: list[tuple[str, str, str]], rules: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_text("s,v,n\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
        argv = ["chart", "--type", kind, "--input", str(path), "--value", "v", "--size", "n",
                "--rules", rules, "--format", "json"]  # fmt: skip
        if kind.startswith("xbar"):
            argv += ["--subgroup", "s"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    if code == 0:
        text = out.getvalue()
        assert "NaN" not in text
        assert "Infinity" not in text
        json.loads(text)
    else:
        assert code == 2
        assert err.getvalue().strip()
        assert out.getvalue() == ""
