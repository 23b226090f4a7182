"""The review pack as translated sections (title, source link, notes, table), for the page and
the PDF alike. The pack itself is language-neutral JSON, frozen when the meeting is held."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from sqms.improvement.models import ActionStatus, Severity
from sqms.monitoring.models import SignalKind
from sqms.policy.models import Level
from sqms.policy.rules import Health


@dataclass
class Section:
    key: str
    title: str
    url: str = ""
    notes: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    more: list[tuple[str, str]] = field(default_factory=list)
    """Further sources: (label, path)."""

    @property
    def table(self) -> list[tuple[str, list[str]]]:
        """Each row with the link of its source record ("" for none)."""
        return [(self.links[i] if i < len(self.links) else "", r) for i, r in enumerate(self.rows)]


def num(value: Any, suffix: str = "") -> str:
    if value is None:
        return _("no data")
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    return f"{text}{suffix}"


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _previous(data: dict[str, Any]) -> Section:
    s = Section("previous_actions", _("Status of actions from the previous review"))
    review = data.get("review")
    if review is None:
        s.notes.append(_("There is no earlier held review."))
        return s
    s.url = review["url"]
    s.notes.append(
        _("%(title)s: %(done)s of %(total)s actions done.")
        % {"title": review["title"], "done": data.get("done", 0), "total": len(data["rows"])}
    )
    s.headers = [_("Action"), _("Owner"), _("Due"), _("Status")]
    for r in data["rows"]:
        s.rows.append([r["title"], r["owner"], r["due_on"], _label(ActionStatus, r["status"])])
        s.links.append(r["url"])
    return s


def _objectives(data: dict[str, Any], lang_en: bool) -> Section:
    s = Section("objectives", _("Quality objectives' progress"), url=data.get("url", ""))
    s.notes.append(
        _(
            "Progress = (current - baseline) ÷ (target - baseline), from the standard's results "
            "of the last 28 days up to the end of the period."
        )
    )
    s.headers = [
        _("Objective"),
        _("Level"),
        _("Baseline"),
        _("Target"),
        _("Current"),
        _("Progress"),
        _("Health"),
        _("Deadline"),
    ]
    for r in data["rows"]:
        statement = (r.get("statement_en") or r["statement"]) if lang_en else r["statement"]
        s.rows.append(
            [
                statement,
                _label(Level, r["level"]),
                num(r["baseline"]),
                num(r["target"]),
                num(r["current"]),
                num(r["progress"], " %") if r["progress"] is not None else _("no data"),
                _label(Health, r["health"]),
                r["deadline"],
            ]
        )
        s.links.append(r["url"])
    if not data["rows"]:
        s.notes.append(_("No objectives are set."))
    return s


def _standards(data: dict[str, Any]) -> Section:
    s = Section(
        "standards", _("Service standards: compliance and signals"), url=data.get("url", "")
    )
    if data.get("signals_url"):
        s.more.append((_("Signals"), data["signals_url"]))
    sig = data["signals"]
    s.notes.append(
        _("Signals in the period: %(total)s, still open: %(open)s.")
        % {"total": sig["total"], "open": sig["open"]}
    )
    if sig["by_kind"]:
        s.notes.append(
            ", ".join(f"{_label(SignalKind, k)}: {v}" for k, v in sorted(sig["by_kind"].items()))
        )
    s.headers = [
        _("Standard"),
        _("Records"),
        _("Periods with data"),
        _("Periods meeting the standard"),
        _("Compliance"),
        _("Latest value"),
    ]
    for r in data["rows"]:
        s.rows.append(
            [
                f"{r['code']} {r['name']}",
                num(r["records"]),
                num(r["periods"]),
                num(r["complying"]),
                num(r["compliance"], " %") if r["compliance"] is not None else _("no data"),
                num(r["latest"]),
            ]
        )
        s.links.append(r["url"])
    return s


def _customers(data: dict[str, Any]) -> Section:
    s = Section("customers", _("Customer satisfaction and complaints"), url=data["url"])
    s.headers = [_("Measure"), _("Value"), _("Answers")]
    s.rows.append([_("Survey responses"), num(data["responses"]), ""])
    s.links.append("")
    nps, csat = data.get("nps"), data.get("csat")
    s.rows.append(["NPS", num(nps["value"]) if nps else _("no data"), num(nps["n"]) if nps else ""])
    s.links.append("")
    s.rows.append(
        [
            _("CSAT (share satisfied)"),
            num(csat["value"], " %") if csat else _("no data"),
            num(csat["n"]) if csat else "",
        ]
    )
    s.links.append("")
    complaints = data.get("complaints")
    if complaints is None:
        s.notes.append(_("Complaints are not recorded in SQMS yet."))
    else:
        s.rows.append([_("Complaints received"), num(complaints["received"]), ""])
        s.links.append(complaints.get("url", ""))
        if complaints.get("url"):
            s.more.append((_("Complaints"), complaints["url"]))
    return s


def _nonconformances(data: dict[str, Any]) -> Section:
    s = Section("nonconformances", _("Nonconformances and action effectiveness"), url=data["url"])
    eff = data["effectiveness"]
    s.headers = [_("Measure"), _("Value")]
    s.rows = [
        [_("Opened in the period"), num(data["opened"])],
        [_("Closed in the period"), num(data["closed"])],
        [_("Open at the end of the period"), num(data["open_now"])],
        [
            _("Effective actions (closed in the period, latest check improved)"),
            _("%(effective)s of %(verified)s") % eff
            + (f" ({num(eff['rate'], ' %')})" if eff["rate"] is not None else ""),
        ],
    ]
    for severity, count in sorted(data["by_severity"].items()):
        s.rows.append(
            [_("Opened: %(severity)s") % {"severity": _label(Severity, severity)}, num(count)]
        )
    s.links = [""] * len(s.rows)
    return s


def _audit(data: dict[str, Any]) -> Section:
    s = Section("audit", _("Audit results"), url=data["url"])
    s.notes.append(
        _(
            "SQMS has no internal-audit module yet: this section shows the integrity check of "
            "the audit trail instead."
        )
    )
    s.headers = [_("Measure"), _("Value")]
    s.rows = [
        [
            _("Audit trail integrity"),
            _("intact")
            if data["intact"]
            else _("broken at entry %(seq)s") % {"seq": data["broken_at"]},
        ],
        [_("Entries checked"), num(data["checked"])],
        [_("Changes recorded in the period"), num(data["entries_in_period"])],
    ]
    s.links = [""] * len(s.rows)
    return s


def _risks(_data: dict[str, Any]) -> Section:
    s = Section("risks", _("Risks and incidents"))
    s.notes.append(_("Risks and incidents are not recorded in SQMS yet."))
    return s


def _opportunities(data: dict[str, Any]) -> Section:
    s = Section("opportunities", _("Opportunities for improvement"))
    s.headers = [_("Source"), _("Number"), _("Title")]
    s.notes.append(
        _("Improvement actions created in the period: %(n)s.") % {"n": data["improvement_actions"]}
    )
    for key, label in (
        ("initiatives", _("Improvement initiative")),
        ("suggestions", _("Suggestion")),
    ):
        block = data.get(key)
        if block is None:
            continue
        for r in block["rows"]:
            s.rows.append([str(label), r["number"], r["title"]])
            s.links.append("")
        s.notes.append(_("%(label)s: %(n)s in the period.") % {"label": label, "n": block["count"]})
        if block.get("url"):
            s.more.append((str(label), block["url"]))
    return s


def pack_sections(pack: dict[str, Any], *, lang_en: bool = False) -> list[Section]:
    if not pack:
        return []
    return [
        _previous(pack["previous_actions"]),
        _objectives(pack["objectives"], lang_en),
        _standards(pack["standards"]),
        _customers(pack["customers"]),
        _nonconformances(pack["nonconformances"]),
        _audit(pack["audit"]),
        _risks(pack.get("risks", {})),
        _opportunities(pack["opportunities"]),
    ]
