"""REST endpoints of text analytics: read the themes and the annotations of comments."""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from sqms.core.access import ensure
from sqms.core.roles import Area
from sqms.feedback import text_selectors as sel
from sqms.feedback.models import Sentiment, Survey, TextSource, Theme

router = Router(tags=["text analytics"])


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1)


class ThemeOut(Schema):
    id: int
    name_ko: str
    name_en: str
    keywords: list[str]
    active: bool


class AnnotationOut(Schema):
    id: int
    source: str
    answer_id: int | None
    complaint_id: int | None
    survey_id: int | None
    service_id: int | None
    site_id: int | None
    written_at: dt.datetime
    language: str
    keywords: list[str]
    theme_ids: list[int]
    sentiment: str
    method: str
    confidence: float
    model_version: int
    text: str

    @staticmethod
    def resolve_theme_ids(obj: Any) -> list[int]:
        return [t.pk for t in obj.themes.all()]

    @staticmethod
    def resolve_text(obj: Any) -> str:
        return sel.annotation_text(obj)


class AnnotationFilters(Schema):
    survey_id: int | None = Field(None, ge=1, le=2**63 - 1)
    sentiment: Sentiment | None = None
    theme_id: int | None = Field(None, ge=1, le=2**63 - 1)
    source: TextSource | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def _op(name: str) -> dict[str, Any]:
    return {"operation_id": f"sqms_feedback_api_{name}", "url_name": f"feedback_{name}"}


@router.get("/text/themes/", response=list[ThemeOut], **_op("text_theme_list"))
@paginate(Pages, page_size=100)
def text_theme_list(request: HttpRequest) -> Any:
    ensure(request.user, Area.FEEDBACK)
    return Theme.objects.order_by("name_ko", "pk")


@router.get("/text/annotations/", response=list[AnnotationOut], **_op("text_annotation_list"))
@paginate(Pages, page_size=50)
def text_annotation_list(request: HttpRequest, filters: Query[AnnotationFilters]) -> Any:
    """Keywords, themes and sentiment of comments (no contact details), newest first."""
    ensure(request.user, Area.FEEDBACK)
    f = sel.TextFilters(
        survey=Survey.objects.filter(pk=filters.survey_id).first() if filters.survey_id else None,
        sentiment=filters.sentiment or "",
        theme=Theme.objects.filter(pk=filters.theme_id).first() if filters.theme_id else None,
        source=filters.source or "",
        start=filters.start,
        end=filters.end,
    )
    if (filters.survey_id and f.survey is None) or (filters.theme_id and f.theme is None):
        return sel.annotations_visible_to(request.user).none()
    return sel.text_annotations(user=request.user, filters=f)
