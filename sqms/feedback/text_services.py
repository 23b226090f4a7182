"""Writes of text analytics: themes, annotations of free-text answers and complaints, staff
corrections, and the training of the sentiment classifier.

The analysis itself is `sqms_analytics.text` (pure functions). Here the texts are collected,
the results stored as `TextAnnotation` rows, and the model parameters kept as JSON in a
`TextModel` row. Tokenising (kiwipiepy) happens once per text, when it is first seen; later
retraining and theme changes work on the stored keywords and terms.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.audit import audit_record
from sqms.core.exceptions import SqmsError
from sqms.core.models import AuditAction, User
from sqms.core.records import record_create, record_update
from sqms.feedback.models import (
    Answer,
    Complaint,
    QuestionKind,
    Sentiment,
    SentimentMethod,
    TextAnnotation,
    TextCorrection,
    TextModel,
    TextSource,
    Theme,
)
from sqms_analytics import text as ta
from sqms_analytics.errors import InputError

CORRECTION_WEIGHT = 3.0
MAX_KEYWORDS = 60
MAX_THEME_KEYWORDS = 100
BATCH = 500


def min_per_class() -> int:
    """Labelled examples each of positive and negative needs before the classifier is used."""
    return int(getattr(settings, "SQMS_TEXT_MIN_PER_CLASS", 30))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


# --- themes ------------------------------------------------------------------------------------


def clean_keywords(raw: str | Iterable[str]) -> list[str]:
    """Keywords from a comma- or line-separated text (or a list): trimmed, lower-cased Latin,
    each once, in the order given."""
    items = raw.replace("\n", ",").split(",") if isinstance(raw, str) else list(raw)
    out: dict[str, None] = {}
    for item in items:
        word = " ".join(str(item).split())
        if word:
            out.setdefault(word.lower(), None)
    words = list(out)
    if len(words) > MAX_THEME_KEYWORDS:
        raise ValidationError(
            {"keywords": _("A theme can have at most %(n)d keywords.") % {"n": MAX_THEME_KEYWORDS}}
        )
    if any(len(w) > 60 for w in words):
        raise ValidationError({"keywords": _("A keyword can have at most 60 characters.")})
    return words


def theme_create(
    *,
    actor: User | None,
    name_ko: str,
    name_en: str = "",
    keywords: str | Iterable[str] = (),
    active: bool = True,
) -> Theme:
    theme = Theme(
        name_ko=name_ko.strip(),
        name_en=name_en.strip(),
        keywords=clean_keywords(keywords),
        active=active,
    )
    created: Theme = record_create(actor=actor, obj=theme)
    return created


def theme_update(*, actor: User | None, theme: Theme, fields: Mapping[str, Any]) -> Theme:
    values = dict(fields)
    if "keywords" in values:
        values["keywords"] = clean_keywords(values["keywords"])
    for name in ("name_ko", "name_en"):
        if name in values:
            values[name] = str(values[name]).strip()
    updated: Theme = record_update(actor=actor, obj=theme, fields=values)
    return updated


def _active_themes() -> list[ta.Theme]:
    return [
        ta.Theme(str(t.pk), tuple(t.keywords or ()))
        for t in Theme.objects.filter(active=True).order_by("name_ko", "pk")
    ]


# --- collecting texts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    source: str
    pk: int
    text: str
    written_at: Any
    survey_id: int | None
    service_id: int | None
    site_id: int | None
    score_label: str


def _score_labels(response_ids: Sequence[int]) -> dict[int, str]:
    """The training label each response's rating gives its comments: CSAT first, then NPS."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Answer.objects.filter(
        response_id__in=response_ids,
        question__kind__in=(QuestionKind.CSAT, QuestionKind.NPS),
        value__isnull=False,
    ).values_list("response_id", "question__kind", "value")
    for rid, kind, value in rows:
        if value is not None:
            found[rid].setdefault(kind, value)
    out: dict[int, str] = {}
    for rid, kinds in found.items():
        for kind in (QuestionKind.CSAT, QuestionKind.NPS):
            if kind in kinds:
                out[rid] = ta.score_label(str(kind), kinds[kind]) or ""
                break
    return out


def _answer_items(*, new_only: bool) -> list[Item]:
    qs = Answer.objects.filter(question__kind=QuestionKind.TEXT).exclude(text="")
    if new_only:
        qs = qs.filter(text_annotation__isnull=True)
    rows = list(
        qs.order_by("pk").values_list(
            "pk",
            "text",
            "response_id",
            "response__submitted_at",
            "response__survey_id",
            "response__service_id",
            "response__site_id",
        )
    )
    labels = _score_labels(sorted({r[2] for r in rows}))
    return [
        Item(TextSource.ANSWER, r[0], r[1], r[3], r[4], r[5], r[6], labels.get(r[2], ""))
        for r in rows
    ]


def _complaint_items(*, new_only: bool) -> list[Item]:
    qs = Complaint.objects.all()
    if new_only:
        qs = qs.filter(text_annotation__isnull=True)
    rows = qs.order_by("pk").values_list(
        "pk", "subject", "description", "received_at", "service_id", "site_id"
    )
    return [
        Item(TextSource.COMPLAINT, r[0], f"{r[1]}\n{r[2]}".strip(), r[3], None, r[4], r[5], "")
        for r in rows
    ]


# --- the model ---------------------------------------------------------------------------------


def current_model() -> TextModel | None:
    return TextModel.objects.order_by("-version").first()


def _loaded(row: TextModel | None) -> ta.SentimentModel | None:
    if row is None or row.method != SentimentMethod.CLASSIFIER or not row.params:
        return None
    try:
        return ta.SentimentModel.from_dict(row.params)
    except InputError:
        return None


def _method(analysis: ta.TextAnalysis) -> str:
    return (
        SentimentMethod.CLASSIFIER if analysis.method == "classifier" else SentimentMethod.LEXICON
    )


# --- analysis ----------------------------------------------------------------------------------


@transaction.atomic
def text_analyse(*, everything: bool = False, kiwi: Any = None) -> int:
    """Annotate the texts that have no annotation yet (or, with ``everything``, re-tokenise
    every text). Staff corrections are kept. Returns the number of texts analysed."""
    row = current_model()
    model, version = _loaded(row), (row.version if row is not None else 0)
    themes = _active_themes()
    items = _answer_items(new_only=not everything) + _complaint_items(new_only=not everything)
    if not items:
        return 0
    existing: dict[tuple[str, int], TextAnnotation] = {}
    if everything:
        for ann in TextAnnotation.objects.all():
            key = (ann.source, ann.answer_id or ann.complaint_id or 0)
            existing[key] = ann
    now = timezone.now()
    done = 0
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        results = ta.analyse([i.text for i in chunk], themes=themes, model=model, kiwi=kiwi)
        creates: list[TextAnnotation] = []
        updates: list[TextAnnotation] = []
        theme_sets: list[tuple[TextAnnotation, tuple[str, ...]]] = []
        for item, res in zip(chunk, results, strict=True):
            old = existing.get((item.source, item.pk))
            if old is None:
                ann = TextAnnotation(
                    source=item.source,
                    answer_id=item.pk if item.source == TextSource.ANSWER else None,
                    complaint_id=item.pk if item.source == TextSource.COMPLAINT else None,
                )
                creates.append(ann)
            else:
                ann = old
                updates.append(ann)
            ann.survey_id = item.survey_id
            ann.service_id = item.service_id
            ann.site_id = item.site_id
            ann.written_at = item.written_at
            ann.text_hash = text_hash(item.text)
            ann.language = res.language
            ann.keywords = list(res.keywords[:MAX_KEYWORDS])
            ann.terms = list(res.terms)
            ann.score_label = item.score_label
            ann.analysed_at = now
            if not ann.corrected_sentiment:
                ann.sentiment = res.sentiment
                ann.method = _method(res)
                ann.confidence = round(res.confidence, 4)
                ann.model_version = version
            if not ann.themes_corrected:
                theme_sets.append((ann, res.themes))
        TextAnnotation.objects.bulk_create(creates)
        if updates:
            TextAnnotation.objects.bulk_update(
                updates,
                [
                    "survey_id",
                    "service_id",
                    "site_id",
                    "written_at",
                    "text_hash",
                    "language",
                    "keywords",
                    "terms",
                    "score_label",
                    "analysed_at",
                    "sentiment",
                    "method",
                    "confidence",
                    "model_version",
                ],
            )
        _set_themes(theme_sets)
        done += len(chunk)
    return done


def _set_themes(pairs: Sequence[tuple[TextAnnotation, Sequence[str]]]) -> None:
    through = TextAnnotation.themes.through
    ids = [a.pk for a, _ in pairs]
    through.objects.filter(textannotation_id__in=ids).delete()
    through.objects.bulk_create(
        [through(textannotation_id=a.pk, theme_id=int(key)) for a, keys in pairs for key in keys]
    )


@transaction.atomic
def text_relabel(*, row: TextModel | None = None) -> int:
    """Re-derive sentiment (with the given or current model) and themes (with the active
    themes) of every annotation from its stored terms and keywords; corrections stay."""
    row = row if row is not None else current_model()
    model, version = _loaded(row), (row.version if row is not None else 0)
    themes = _active_themes()
    changed: list[TextAnnotation] = []
    pairs: list[tuple[TextAnnotation, Sequence[str]]] = []
    for ann in TextAnnotation.objects.only(
        "pk", "terms", "keywords", "language", "corrected_sentiment", "themes_corrected"
    ).iterator(chunk_size=2000):
        if not ann.corrected_sentiment:
            res = ta.classify(
                ta.TextFeatures(ann.language, tuple(ann.keywords), tuple(ann.terms)),  # type: ignore[arg-type]
                model=model,
            )
            ann.sentiment = res.sentiment
            ann.method = _method(res)
            ann.confidence = round(res.confidence, 4)
            ann.model_version = version
            changed.append(ann)
        if not ann.themes_corrected:
            pairs.append((ann, ta.assign_themes(ann.keywords, themes)))
    TextAnnotation.objects.bulk_update(
        changed, ["sentiment", "method", "confidence", "model_version"], batch_size=1000
    )
    for start in range(0, len(pairs), 2000):
        _set_themes(pairs[start : start + 2000])
    return len(changed)


def training_set() -> tuple[list[list[str]], list[str | None], list[float], int]:
    """Terms, labels and weights for training: a staff correction overrides the label from the
    score and weighs ``CORRECTION_WEIGHT``; also returns how many corrections were used."""
    docs: list[list[str]] = []
    labels: list[str | None] = []
    weights: list[float] = []
    corrections = 0
    rows = TextAnnotation.objects.values_list("terms", "score_label", "corrected_sentiment")
    for terms, score_label, corrected in rows.order_by("pk").iterator(chunk_size=2000):
        if corrected:
            docs.append(list(terms))
            labels.append(corrected)
            weights.append(CORRECTION_WEIGHT)
            corrections += 1
        elif score_label:
            docs.append(list(terms))
            labels.append(score_label)
            weights.append(1.0)
    return docs, labels, weights, corrections


@transaction.atomic
def text_model_train(*, actor: User | None = None) -> TextModel:
    """Train on the rated and corrected comments and store the result as a new model version;
    when too few examples exist the new version records that the lexicon stays in use. Every
    annotation is then relabelled with the new version."""
    docs, labels, weights, corrections = training_set()
    result = ta.train_sentiment(docs, labels, weights=weights, min_per_class=min_per_class())
    top = TextModel.objects.aggregate(v=Max("version"))["v"] or 0
    row = TextModel(
        version=top + 1,
        trained_at=timezone.now(),
        method=SentimentMethod.CLASSIFIER if result.model else SentimentMethod.LEXICON,
        params=result.model.to_dict() if result.model else {},
        n_per_class=dict(result.n_per_class),
        n_corrections=corrections,
        accuracy=result.accuracy,
        folds=result.folds if result.model else 0,
    )
    row.full_clean()
    row.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=row)
    text_relabel(row=row)
    return row


def text_refresh(*, actor: User | None = None, everything: bool = False, kiwi: Any = None) -> int:
    """What the periodic task does: analyse new texts, retrain, relabel. Returns the number
    of texts analysed."""
    count = text_analyse(everything=everything, kiwi=kiwi)
    text_model_train(actor=actor)
    return count


# --- corrections -------------------------------------------------------------------------------


@transaction.atomic
def text_correct(
    *,
    actor: User,
    annotation: TextAnnotation,
    sentiment: str = "",
    themes: Sequence[Theme] | None = None,
    reason: str = "",
) -> list[TextCorrection]:
    """Correct a comment's sentiment and/or themes (``themes=[]`` marks it unassigned). Each
    change is kept as a `TextCorrection` (audited) and used in the next training."""
    if sentiment and sentiment not in Sentiment.values:
        raise ValidationError({"sentiment": _("Choose a valid sentiment.")})
    reason = reason.strip()[:500]
    made: list[TextCorrection] = []
    if sentiment and sentiment != annotation.sentiment:
        made.append(
            TextCorrection(
                annotation=annotation,
                field=TextCorrection.Field.SENTIMENT,
                old_value=annotation.sentiment,
                new_value=sentiment,
                reason=reason,
                actor=actor,
            )
        )
        annotation.sentiment = sentiment
        annotation.corrected_sentiment = sentiment
        annotation.method = SentimentMethod.CORRECTED
        annotation.confidence = 1.0
        annotation.save(update_fields=["sentiment", "corrected_sentiment", "method", "confidence"])
    if themes is not None:
        before = sorted(annotation.themes.all(), key=lambda t: t.pk)
        after = sorted({t.pk: t for t in themes}.values(), key=lambda t: t.pk)
        if [t.pk for t in before] != [t.pk for t in after]:
            made.append(
                TextCorrection(
                    annotation=annotation,
                    field=TextCorrection.Field.THEME,
                    old_value=", ".join(t.name_ko for t in before)[:300],
                    new_value=", ".join(t.name_ko for t in after)[:300],
                    reason=reason,
                    actor=actor,
                )
            )
            annotation.themes.set(after)
            annotation.themes_corrected = True
            annotation.save(update_fields=["themes_corrected"])
    if not made:
        raise SqmsError(_("Nothing was changed."))
    for correction in made:
        record_create(actor=actor, obj=correction)
    return made
