"""PDF export of a management review (pack and minutes) with the NanumGothic fonts embedded.

The fonts come from the koreanize-matplotlib package; its module is not imported (it needs
distutils), only its location is looked up.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sqms.policy.models import Review
from sqms.policy.present import Section, pack_sections

FONT = "NanumGothic"


@cache
def font_dir() -> Path:
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("koreanize-matplotlib (NanumGothic fonts) is not installed")
    return Path(spec.origin).parent / "fonts"


class _Pdf(FPDF):
    header_text = ""

    def header(self) -> None:
        self.set_font(FONT, "", 8)
        self.set_text_color(110)
        self.cell(0, 6, self.header_text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(200)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(110)
        self.cell(
            0,
            6,
            _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"},
            align="C",
        )


def _heading(pdf: FPDF, text: str, size: int = 13) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)


def _para(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, headers: list[str], rows: list[list[str]]) -> None:
    if not headers or not rows:
        return
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        headings_style=_heading_style(), line_height=5, text_align="LEFT", padding=1
    ) as table:
        head = table.row()
        for h in headers:
            head.cell(h)
        for r in rows:
            row = table.row()
            for value in r:
                row.cell(str(value))
    pdf.ln(2)


def _heading_style() -> Any:
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(235, 238, 243))


def _section(pdf: FPDF, section: Section) -> None:
    _heading(pdf, section.title, 11)
    for note in section.notes:
        _para(pdf, note)
    _table(pdf, section.headers, section.rows)
    pdf.ln(2)


def review_pdf(
    *,
    review: Review,
    pack: dict[str, Any],
    actions: list[Any],
    signatures: list[Any],
    compress: bool = True,
) -> bytes:
    """The pack and the minutes of the review, as PDF bytes."""
    pdf = _Pdf(format="A4")
    pdf.set_compression(compress)
    fonts = font_dir()
    pdf.add_font(FONT, "", fonts / "NanumGothic.ttf")
    pdf.add_font(FONT, "B", fonts / "NanumGothicBold.ttf")
    pdf.set_title(review.title)
    pdf.set_creator("SQMS")
    pdf.set_lang(get_language() or "ko")
    pdf.header_text = f"SQMS · {_('Management review')} · {review.title}"
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _heading(pdf, review.title, 16)
    attendees = ", ".join(
        [u.get_full_name() or u.username for u in review.attendees.all()]
        + [n.strip() for n in review.other_attendees.splitlines() if n.strip()]
    )
    _table(
        pdf,
        [_("Item"), _("Value")],
        [
            [_("Meeting date"), review.meeting_date.isoformat()],
            [_("Period"), f"{review.period_start.isoformat()} – {review.period_end.isoformat()}"],
            [_("Status"), str(review.get_status_display())],
            [_("Attendees"), attendees or "—"],
            [
                _("Pack compiled"),
                str(pack.get("compiled_at", ""))[:16].replace("T", " ")
                + ("" if review.is_frozen else " " + _("(live, not frozen yet)")),
            ],
        ],
    )
    _heading(pdf, _("Review pack"), 14)
    for section in pack_sections(pack, lang_en=(get_language() or "").startswith("en")):
        _section(pdf, section)
    pdf.add_page()
    _heading(pdf, _("Minutes"), 14)
    _para(pdf, review.minutes or _("No minutes recorded yet."))
    if review.decisions:
        _heading(pdf, _("Decisions"), 11)
        _para(pdf, review.decisions)
    _heading(pdf, _("Actions"), 11)
    if actions:
        _table(
            pdf,
            [_("Action"), _("Owner"), _("Due"), _("Status")],
            [
                [
                    a.title,
                    a.owner.get_full_name() or a.owner.username,
                    a.due_on.isoformat(),
                    str(a.get_status_display()),
                ]
                for a in actions
            ],
        )
    else:
        _para(pdf, _("No actions were decided."))
    _heading(pdf, _("Signatures"), 11)
    if signatures:
        _table(
            pdf,
            [_("Printed name"), _("Meaning"), _("Signed at"), _("Valid")],
            [
                [
                    row.signature.printed_name,
                    row.signature.meaning,
                    timezone.localtime(row.signature.signed_at).strftime("%Y-%m-%d %H:%M"),
                    _("Valid")
                    if row.valid
                    else _("No longer valid: the minutes changed after signing"),
                ]
                for row in signatures
            ],
        )
    else:
        _para(pdf, _("The minutes are not signed yet."))
    return bytes(pdf.output())
