"""Offline text analytics of Korean and English comments: keywords, themes, sentiment, trends.

Pipeline (one pass per text, see :func:`extract` and :func:`analyse`):

* **Language** by the share of Hangul among the letters (:func:`detect_language`).
* **Tokens.** Korean text goes through kiwipiepy's morphological analyser (loaded once per
  process, lazily: :func:`get_kiwi`). Its nouns (NNG, NNP) and the Latin words inside Korean
  text (SL) are the *keywords*. English text is split with a regular expression, lower-cased,
  stripped of simple plurals and of the stop words in :data:`EN_STOP_WORDS`.
* **Sentiment features** (*terms*) come from the same tokens: content morphemes (nouns, verb and
  adjective stems, roots, adverbs) or English content words, each prefixed with ``~`` when a
  negation governs it (Korean: 안/못 before, 않/못하/없 after, the prefixes 불/비/무/미;
  English: not, no, never, …n't, without before the next content word).
* **Themes** are assigned by overlap between the text's keywords and each theme's seed keywords
  (:func:`assign_themes`); frequent keywords of unassigned texts are suggested as new themes
  (:func:`suggest_themes`).
* **Sentiment** comes from a multinomial Naive Bayes classifier trained on the organisation's own
  rated comments (:func:`train_sentiment`), or from a small polarity lexicon
  (:data:`LEXICON`, :func:`lexicon_score`) while too few labelled examples exist, and for texts
  with no term the classifier knows.

Every function is deterministic: the same input gives the same output.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from sqms_analytics.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Language = Literal["ko", "en"]
Label = Literal["positive", "neutral", "negative"]
Method = Literal["classifier", "lexicon"]

POSITIVE: Final = "positive"
NEUTRAL: Final = "neutral"
NEGATIVE: Final = "negative"
LABELS: Final[tuple[str, ...]] = (POSITIVE, NEUTRAL, NEGATIVE)
UNASSIGNED: Final = "unassigned"
NEGATION_MARK: Final = "~"
MAX_CHARS: Final = 5000  # longer texts are cut: a comment, not a document

# --- language ----------------------------------------------------------------------------------

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")


def hangul_share(text: str) -> float:
    """Share of Hangul among the Hangul and Latin letters of ``text`` (0 when it has none)."""
    ko = len(_HANGUL.findall(text))
    en = len(_LATIN.findall(text))
    return ko / (ko + en) if ko + en else 0.0


def detect_language(text: str, *, threshold: float = 0.3, default: Language = "ko") -> Language:
    """ "ko" when at least ``threshold`` of the letters are Hangul, "en" when there are Latin
    letters and fewer Hangul, ``default`` for a text without letters."""
    ko = len(_HANGUL.findall(text))
    en = len(_LATIN.findall(text))
    if ko + en == 0:
        return default
    return "ko" if ko / (ko + en) >= threshold else "en"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- word lists --------------------------------------------------------------------------------

EN_STOP_WORDS: Final[frozenset[str]] = _words(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can could did do does doing done down during each etc
    even ever every few for from further get got had has have having he her here hers herself him
    himself his how i i'm i've if in into is it it's its itself just let me more most much must my
    myself nor now of off on once one only or other our ours ourselves out over own quite rather
    really same she should so some still such than that that's the their theirs them themselves
    then there there's these they this those through thus to too under until up upon us very was
    we we're were what when where which while who whom why will with would yet you your yours
    yourself yourselves today yesterday time times day days thing things lot lots bit please
    would've could've also ok okay"""
)
"""English words that never become keywords (negators are handled separately)."""

EN_NEGATORS: Final[frozenset[str]] = _words(
    """not no never nothing nobody none nor without cannot can't cant don't dont doesn't doesnt
    didn't didnt isn't isnt wasn't wasnt aren't weren't won't wont wouldn't shouldn't couldn't
    couldnt haven't hasn't hadn't hardly barely"""
)
EN_SCOPE_BREAK: Final[frozenset[str]] = frozenset({"but", "however", "although", "though"})
EN_NEGATION_WINDOW: Final = 1  # the next content word; stop words in between are skipped

KO_STOP_NOUNS: Final[frozenset[str]] = _words(
    """것 수 등 때 정도 부분 경우 이번 오늘 어제 저희 우리 저 제 점 번 분 쪽 곳 중 데 거
    관련 이상 이하 생각 느낌 하루 좀"""
)
"""Korean nouns too general to be keywords."""

KO_CONTENT_TAGS: Final[frozenset[str]] = frozenset({"NNG", "NNP", "VV", "VA", "XR", "MAG", "SL"})
KO_NOUN_TAGS: Final[frozenset[str]] = frozenset({"NNG", "NNP"})
KO_NEG_BEFORE: Final[frozenset[str]] = frozenset({"안", "못"})  # MAG: 안 좋다, 못 받았다
KO_NEG_PREFIX: Final[frozenset[str]] = frozenset({"불", "비", "무", "미"})  # XPN: 불친절
KO_NEG_AFTER: Final[frozenset[str]] = frozenset({"않", "없", "없이"})  # 좋지 않다, 불만 없다
KO_LIGHT_VERBS: Final[frozenset[str]] = frozenset({"하", "되", "있", "이", "그렇"})
KO_CLAUSE_BREAK: Final[frozenset[str]] = frozenset({"SF", "SP", "SS", "SE", "SO", "SW"})

LEXICON: Final[Mapping[str, float]] = {
    # Korean stems and nouns as kiwipiepy writes them
    "좋": 1.0, "친절": 1.0, "감사": 1.0, "고맙": 1.0, "만족": 1.0, "빠르": 1.0, "빨리": 0.5,
    "신속": 1.0, "편리": 1.0, "편하": 1.0, "최고": 2.0, "훌륭": 2.0, "정확": 1.0, "깔끔": 1.0,
    "도움": 1.0, "추천": 1.0, "쉽": 1.0, "칭찬": 1.0, "상냥": 1.0, "꼼꼼": 1.0, "해결": 0.5,
    "잘": 0.5, "문제없이": 1.0, "기쁘": 1.0, "든든": 1.0, "믿음": 1.0, "자세히": 0.5, "친철": 1.0,
    "불만": -1.0, "불편": -1.0, "느리": -1.0, "늦": -1.0, "오래": -1.0, "길": -0.5,
    "지연": -1.0, "오류": -1.0, "에러": -1.0, "문제": -1.0, "짜증": -2.0, "실망": -2.0,
    "최악": -2.0, "부족": -1.0, "어렵": -1.0, "복잡": -1.0, "비싸": -1.0, "답답": -1.0,
    "화나": -1.0, "화": -1.0, "기다리": -0.5, "끊기": -1.0, "황당": -2.0, "무시": -1.0,
    "불안": -1.0, "고장": -1.0, "장애": -1.0, "불친절": -1.0, "귀찮": -1.0, "엉망": -2.0,
    "아쉽": -1.0, "나쁘": -1.0, "틀리": -1.0, "모르": -0.5, "헛걸음": -1.0, "불쾌": -2.0,
    # English, lower-case, plurals stripped
    "good": 1.0, "great": 2.0, "excellent": 2.0, "friendly": 1.0, "helpful": 1.0,
    "fast": 1.0, "quick": 1.0, "quickly": 1.0, "easy": 1.0, "thank": 1.0, "thanks": 1.0,
    "satisfied": 1.0, "polite": 1.0, "kind": 1.0, "clear": 1.0, "recommend": 1.0,
    "love": 2.0, "perfect": 2.0, "efficient": 1.0, "resolved": 1.0, "nice": 1.0,
    "professional": 1.0, "smooth": 1.0, "convenient": 1.0, "happy": 1.0, "best": 2.0,
    "bad": -1.0, "slow": -1.0, "long": -0.5, "rude": -2.0, "poor": -1.0, "terrible": -2.0,
    "awful": -2.0, "error": -1.0, "crash": -1.0, "crashed": -1.0, "problem": -1.0,
    "issue": -0.5, "difficult": -1.0, "confusing": -1.0, "expensive": -1.0,
    "disappointed": -2.0, "disappointing": -2.0, "unhelpful": -1.0, "late": -1.0,
    "broken": -1.0, "fail": -1.0, "failed": -1.0, "worst": -2.0, "wait": -0.5,
    "waited": -0.5, "waiting": -0.5, "annoying": -1.0, "useless": -2.0, "unfriendly": -1.0,
    "complaint": -1.0, "wrong": -1.0, "angry": -2.0, "frustrating": -2.0, "delay": -1.0,
    "delayed": -1.0, "bug": -1.0, "unclear": -1.0, "impolite": -2.0,
}  # fmt: skip
"""Polarity of a term in customer comments (positive > 0); a negated term counts reversed."""


# --- kiwipiepy -----------------------------------------------------------------------------------

_KIWI: Any = None
_KIWI_LOCK = threading.Lock()


def get_kiwi() -> Any:
    """The process-wide kiwipiepy analyser, created on first use (it takes about a second)."""
    global _KIWI
    if _KIWI is None:
        with _KIWI_LOCK:
            if _KIWI is None:
                from kiwipiepy import Kiwi

                _KIWI = Kiwi()
    return _KIWI


# --- features ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextFeatures:
    """What one text contributes: its language, keywords (each once, in order of appearance)
    and sentiment terms (with repeats; ``~`` marks a negated term)."""

    language: Language
    keywords: tuple[str, ...]
    terms: tuple[str, ...]


_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[.,;:!?]")


def normalise_en(word: str) -> str:
    """Lower-case and strip a simple English plural: fees → fee, queries → query."""
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or w in EN_STOP_WORDS:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _en_features(text: str) -> TextFeatures:
    keywords: dict[str, None] = {}
    terms: list[str] = []
    scope = 0
    for raw in _EN_WORD.findall(text.lower()):
        if raw in ".,;:!?" or raw in EN_SCOPE_BREAK:
            scope = 0
            continue
        if raw in EN_NEGATORS or raw.endswith("n't"):
            scope = EN_NEGATION_WINDOW
            continue
        word = normalise_en(raw)
        if raw in EN_STOP_WORDS or word in EN_STOP_WORDS or len(word) < 2:
            continue
        keywords.setdefault(word, None)
        terms.append(NEGATION_MARK + word if scope > 0 else word)
        scope = max(scope - 1, 0)
    return TextFeatures("en", tuple(keywords), tuple(terms))


def _negate(term: str) -> str:
    return term[1:] if term.startswith(NEGATION_MARK) else NEGATION_MARK + term


def _ko_features(tokens: Iterable[Any]) -> TextFeatures:
    keywords: dict[str, None] = {}
    terms: list[str] = []
    last = -1  # index in terms of the latest content term of this clause
    pending = False  # a 안/못/불 waits for the next content term
    for tok in tokens:
        form: str = tok.form
        tag: str = str(tok.tag)
        if tag in KO_CLAUSE_BREAK:
            last, pending = -1, False
            continue
        if tag == "MAG" and form in KO_NEG_BEFORE:
            pending = True
            continue
        if tag == "XPN" and form in KO_NEG_PREFIX:
            pending = True
            continue
        if form in KO_NEG_AFTER and tag in ("VX", "VA", "MAG"):
            if last >= 0:
                terms[last] = _negate(terms[last])
                last = -1
            pending = False
            continue
        if form in KO_LIGHT_VERBS and tag in ("VV", "VX", "VA", "VCP", "XSV", "XSA"):
            if pending and last >= 0:  # 친절하지 못하다: 못 governs the term before 하
                terms[last] = _negate(terms[last])
                pending = False
            continue
        if tag not in KO_CONTENT_TAGS:
            continue
        if tag == "SL":
            low = form.lower()
            if low in EN_NEGATORS or low.endswith("n't"):
                pending = True
                continue
            word = normalise_en(form)
            if word in EN_STOP_WORDS or len(word) < 2:
                continue
            keywords.setdefault(word, None)
        else:
            word = form
            if tag in KO_NOUN_TAGS and word not in KO_STOP_NOUNS:
                keywords.setdefault(word, None)
        terms.append(NEGATION_MARK + word if pending else word)
        pending = False
        last = len(terms) - 1
    return TextFeatures("ko", tuple(keywords), tuple(terms))


def extract(
    texts: Sequence[str], *, kiwi: Any = None, max_chars: int = MAX_CHARS
) -> list[TextFeatures]:
    """Language, keywords and sentiment terms of each text. Texts with any Hangul are analysed
    by kiwipiepy in one batch (``kiwi`` defaults to :func:`get_kiwi`), which also keeps their
    Latin words; texts without Hangul by the English rules."""
    cut = [t[:max_chars] if isinstance(t, str) else "" for t in texts]
    out: list[TextFeatures] = []
    via_kiwi: list[int] = []
    for i, t in enumerate(cut):
        lang = detect_language(t)
        if _HANGUL.search(t):
            via_kiwi.append(i)
            out.append(TextFeatures(lang, (), ()))
        elif lang == "en":
            out.append(_en_features(t))
        else:
            out.append(TextFeatures(lang, (), ()))
    if via_kiwi:
        analyser = kiwi if kiwi is not None else get_kiwi()
        batch = [cut[i] for i in via_kiwi]
        try:
            results = analyser.tokenize(batch)
        except Exception:  # kiwipiepy in single-thread mode (num_workers=0) has no batch mode
            results = [analyser.tokenize(t) for t in batch]
        for i, tokens in zip(via_kiwi, results, strict=True):
            got = _ko_features(tokens)
            out[i] = TextFeatures(out[i].language, got.keywords, got.terms)
    return out


def keywords(text: str, *, kiwi: Any = None) -> tuple[str, ...]:
    """The keywords of one text (see :func:`extract`)."""
    return extract([text], kiwi=kiwi)[0].keywords


# --- keyword ranking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedKeyword:
    keyword: str
    language: Language
    count: int  # texts of the target that contain it
    share: float  # count / number of target texts
    z: float | None  # log-odds z-score against the reference; None without a reference


def _kw_language(word: str) -> Language:
    return "ko" if _HANGUL.search(word) else "en"


def rank_keywords(
    target: Sequence[Sequence[str]],
    reference: Sequence[Sequence[str]] | None = None,
    *,
    top: int = 20,
    min_count: int = 2,
    prior: float = 0.5,
) -> list[RankedKeyword]:
    """Rank the keywords of ``target`` (one keyword list per text; document frequency).

    Without a ``reference`` the ranking is by count. With one (for example the other comments of
    the same period), it is by the weighted log-odds ratio with an informative Dirichlet prior
    (Monroe, Colaresi & Quinn 2008): ``δ = log((y_t+a)/(n_t+A−y_t−a)) − log((y_r+a)/(n_r+A−y_r−a))``
    with ``a = prior · share in both corpora``, divided by its standard error. Ties break
    alphabetically. Keywords in fewer than ``min_count`` target texts are left out.
    """
    if top < 1 or min_count < 1 or prior <= 0:
        raise InputError("bad_parameter", name="top/min_count/prior", value=f"{top}/{min_count}")
    n_t = len(target)
    if n_t == 0:
        return []
    df_t = Counter(w for doc in target for w in set(doc))
    if reference is None:
        rows = [(-c, w) for w, c in df_t.items() if c >= min_count]
        rows.sort()
        return [RankedKeyword(w, _kw_language(w), -c, -c / n_t, None) for c, w in rows[:top]]
    df_r = Counter(w for doc in reference for w in set(doc))
    total_t = sum(df_t.values())
    total_r = sum(df_r.values())
    grand = total_t + total_r
    big_a = prior * len(df_t.keys() | df_r.keys())
    scored: list[tuple[float, str, int]] = []
    for w, y_t in df_t.items():
        if y_t < min_count:
            continue
        y_r = df_r.get(w, 0)
        a = big_a * (y_t + y_r) / grand
        d = math.log((y_t + a) / (total_t + big_a - y_t - a)) - math.log(
            (y_r + a) / (total_r + big_a - y_r - a)
        )
        z = d / math.sqrt(1.0 / (y_t + a) + 1.0 / (y_r + a))
        scored.append((-z, w, y_t))
    scored.sort()
    return [RankedKeyword(w, _kw_language(w), c, c / n_t, -z) for z, w, c in scored[:top]]


# --- themes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A maintained theme: its key (the caller's id) and seed keywords in Korean and English.
    A seed of several words (``"대기 시간"``) matches when the text has all of them."""

    key: str
    keywords: tuple[str, ...]


def _seed_parts(seed: str) -> tuple[str, ...]:
    return tuple(normalise_en(p) if not _HANGUL.search(p) else p for p in seed.strip().split() if p)


def assign_themes(text_keywords: Sequence[str], themes: Sequence[Theme]) -> tuple[str, ...]:
    """Keys of the themes whose seeds the text's keywords match, most matches first (ties in
    the order of ``themes``); empty when none matches (the text is unassigned)."""
    have = set(text_keywords)
    scored: list[tuple[int, int, str]] = []
    for order, theme in enumerate(themes):
        hits = 0
        for seed in theme.keywords:
            parts = _seed_parts(seed)
            if parts and all(p in have for p in parts):
                hits += 1
        if hits:
            scored.append((-hits, order, theme.key))
    scored.sort()
    return tuple(key for _, _, key in scored)


def theme_seed_words(themes: Sequence[Theme]) -> frozenset[str]:
    return frozenset(p for t in themes for s in t.keywords for p in _seed_parts(s))


@dataclass(frozen=True)
class ThemeSuggestion:
    keyword: str
    language: Language
    count: int  # unassigned texts that contain it
    examples: tuple[int, ...]  # indices (into the input) of up to three such texts


def suggest_themes(
    text_keywords: Sequence[Sequence[str]],
    assigned: Sequence[Sequence[str]],
    themes: Sequence[Theme] = (),
    *,
    min_count: int = 3,
    top: int = 10,
) -> list[ThemeSuggestion]:
    """Frequent keywords of the unassigned texts that no theme uses yet: candidates for new
    themes, by count (ties alphabetical)."""
    if len(text_keywords) != len(assigned):
        raise InputError("length_mismatch", field="assigned")
    seeds = theme_seed_words(themes)
    counts: Counter[str] = Counter()
    examples: dict[str, list[int]] = {}
    for i, (kws, got) in enumerate(zip(text_keywords, assigned, strict=True)):
        if got:
            continue
        for w in set(kws):
            if w in seeds:
                continue
            counts[w] += 1
            ex = examples.setdefault(w, [])
            if len(ex) < 3:
                ex.append(i)
    rows = sorted((-c, w) for w, c in counts.items() if c >= min_count)
    return [ThemeSuggestion(w, _kw_language(w), -c, tuple(examples[w])) for c, w in rows[:top]]


# --- sentiment: lexicon ------------------------------------------------------------------------


def lexicon_score(terms: Sequence[str], lexicon: Mapping[str, float] = LEXICON) -> float:
    """Sum of the polarities of the terms; a negated term (``~좋``) counts reversed."""
    score = 0.0
    for t in terms:
        if t.startswith(NEGATION_MARK):
            score -= lexicon.get(t[1:], 0.0)
        else:
            score += lexicon.get(t, 0.0)
    return score


def lexicon_label(score: float) -> Label:
    if score > 0:
        return "positive"
    if score < 0:
        return "negative"
    return "neutral"


# --- sentiment: classifier ---------------------------------------------------------------------


def score_label(kind: str, value: float | None) -> Label | None:
    """The training label a rating gives its comment: CSAT (1–5) ≥ 4 positive, ≤ 2 negative,
    3 neutral; NPS (0–10) ≥ 9 positive, ≤ 6 negative, 7–8 neutral. None for other kinds."""
    if value is None:
        return None
    if kind == "csat":
        return "positive" if value >= 4 else "negative" if value <= 2 else "neutral"
    if kind == "nps":
        return "positive" if value >= 9 else "negative" if value <= 6 else "neutral"
    return None


@dataclass(frozen=True)
class SentimentModel:
    """Multinomial Naive Bayes over sentiment terms (Laplace smoothing ``alpha``)."""

    classes: tuple[str, ...]
    vocabulary: tuple[str, ...]
    log_prior: FloatArray  # (classes,)
    log_likelihood: FloatArray  # (classes, vocabulary)
    alpha: float
    index: Mapping[str, int] = field(repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            object.__setattr__(self, "index", {w: i for i, w in enumerate(self.vocabulary)})

    def scores(self, terms: Sequence[str]) -> FloatArray | None:
        """Posterior probability per class, or None when no term is in the vocabulary."""
        idx = [j for t in terms if (j := self.index.get(t)) is not None]
        if not idx:
            return None
        logp = self.log_prior + self.log_likelihood[:, idx].sum(axis=1)
        logp = logp - logp.max()
        p = np.exp(logp)
        out: FloatArray = p / p.sum()
        return out

    def predict(self, terms: Sequence[str]) -> tuple[str, float] | None:
        p = self.scores(terms)
        if p is None:
            return None
        k = int(np.argmax(p))
        return self.classes[k], float(p[k])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters; :meth:`from_dict` restores the same model."""
        return {
            "kind": "multinomial_nb",
            "classes": list(self.classes),
            "vocabulary": list(self.vocabulary),
            "log_prior": [float(x) for x in self.log_prior],
            "log_likelihood": [[float(x) for x in row] for row in self.log_likelihood],
            "alpha": self.alpha,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SentimentModel:
        try:
            classes = tuple(str(c) for c in data["classes"])
            vocab = tuple(str(w) for w in data["vocabulary"])
            prior = np.asarray(data["log_prior"], dtype=np.float64)
            lik = np.asarray(data["log_likelihood"], dtype=np.float64).reshape(
                len(classes), len(vocab)
            )
            alpha = float(data["alpha"])
        except (KeyError, TypeError, ValueError):
            raise InputError("bad_parameter", name="model", value="…") from None
        if prior.shape != (len(classes),):
            raise InputError("shape_mismatch", field="log_prior")
        return cls(classes, vocab, prior, lik, alpha)


def _fit(
    docs: Sequence[Sequence[str]],
    labels: Sequence[str],
    weights: FloatArray,
    classes: tuple[str, ...],
    alpha: float,
) -> SentimentModel:
    vocab = tuple(sorted({t for d in docs for t in d}))
    index = {w: i for i, w in enumerate(vocab)}
    cls_of = {c: k for k, c in enumerate(classes)}
    counts = np.zeros((len(classes), len(vocab)), dtype=np.float64)
    class_w = np.zeros(len(classes), dtype=np.float64)
    for doc, label, w in zip(docs, labels, weights, strict=True):
        k = cls_of[label]
        class_w[k] += w
        for t in doc:
            counts[k, index[t]] += w
    smoothed = counts + alpha
    log_lik = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
    log_prior = np.log(class_w) - math.log(float(class_w.sum()))
    return SentimentModel(classes, vocab, log_prior, log_lik, alpha, index)


@dataclass(frozen=True)
class Training:
    """Outcome of :func:`train_sentiment`. ``model`` is None when too few examples exist; then
    ``reason`` says why and the lexicon stays in use."""

    model: SentimentModel | None
    n_per_class: Mapping[str, int]
    accuracy: float | None  # stratified k-fold cross-validated accuracy (unweighted)
    folds: int
    reason: str  # "" | "too_few_examples"


def train_sentiment(
    docs: Sequence[Sequence[str]],
    labels: Sequence[str | None],
    *,
    weights: Sequence[float] | None = None,
    min_per_class: int = 30,
    folds: int = 5,
    alpha: float = 1.0,
) -> Training:
    """Train the sentiment classifier on labelled terms.

    Examples with label None, or with no term, are skipped. Positive and negative must each
    have at least ``min_per_class`` examples; neutral joins when it has as many too. ``weights``
    lets staff corrections count more than labels read from scores. The accuracy is estimated by
    stratified ``folds``-fold cross-validation (example *i* of a class goes to fold *i* mod k),
    then the model is fitted on every example.
    """
    if len(docs) != len(labels):
        raise InputError("length_mismatch", field="labels")
    if min_per_class < 1 or folds < 2 or alpha <= 0:
        raise InputError("bad_parameter", name="min_per_class/folds/alpha", value=str(folds))
    w_all = np.ones(len(docs)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w_all.shape != (len(docs),) or not np.all(np.isfinite(w_all)) or np.any(w_all <= 0):
        raise InputError("bad_weights", field="weights")
    keep = [i for i, (d, lab) in enumerate(zip(docs, labels, strict=True)) if lab in LABELS and d]
    n_per = Counter(str(labels[i]) for i in keep)
    counts = {c: n_per.get(c, 0) for c in LABELS}
    if counts[POSITIVE] < min_per_class or counts[NEGATIVE] < min_per_class:
        return Training(None, counts, None, folds, "too_few_examples")
    classes = tuple(c for c in LABELS if counts[c] >= min_per_class)
    keep = [i for i in keep if labels[i] in classes]
    x = [docs[i] for i in keep]
    y = [str(labels[i]) for i in keep]
    w = w_all[keep]
    k = min(folds, min(counts[c] for c in classes))
    model = _fit(x, y, w, classes, alpha)
    if k < 2:
        return Training(model, counts, None, k, "")
    fold = np.zeros(len(y), dtype=np.int64)
    seen: Counter[str] = Counter()
    for j, lab in enumerate(y):
        fold[j] = seen[lab] % k
        seen[lab] += 1
    correct = 0
    for f in range(k):
        train = [j for j in range(len(y)) if fold[j] != f]
        part = _fit([x[j] for j in train], [y[j] for j in train], w[train], classes, alpha)
        for i in np.flatnonzero(fold == f).tolist():
            got = part.predict(x[i])
            guess = got[0] if got is not None else classes[int(np.argmax(part.log_prior))]
            correct += int(guess == y[i])
    return Training(model, counts, correct / len(y), k, "")


# --- analysis ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextAnalysis:
    language: Language
    keywords: tuple[str, ...]
    terms: tuple[str, ...]
    themes: tuple[str, ...]  # theme keys, best first; empty = unassigned
    sentiment: Label
    method: Method
    confidence: float  # classifier posterior of the label; for the lexicon |score| / 2, at most 1
    lexicon_score: float


def classify(
    features: TextFeatures,
    *,
    themes: Sequence[Theme] = (),
    model: SentimentModel | None = None,
    lexicon: Mapping[str, float] = LEXICON,
) -> TextAnalysis:
    """Themes and sentiment of one text's features."""
    score = lexicon_score(features.terms, lexicon)
    got = model.predict(features.terms) if model is not None else None
    if got is not None:
        label, conf = got
        method: Method = "classifier"
    else:
        label, conf, method = lexicon_label(score), min(abs(score) / 2.0, 1.0), "lexicon"
    return TextAnalysis(
        features.language,
        features.keywords,
        features.terms,
        assign_themes(features.keywords, themes),
        label,  # type: ignore[arg-type]
        method,
        conf,
        score,
    )


def analyse(
    texts: Sequence[str],
    *,
    themes: Sequence[Theme] = (),
    model: SentimentModel | None = None,
    kiwi: Any = None,
    lexicon: Mapping[str, float] = LEXICON,
) -> list[TextAnalysis]:
    """Keywords, themes and sentiment of every text, in input order."""
    return [
        classify(f, themes=themes, model=model, lexicon=lexicon) for f in extract(texts, kiwi=kiwi)
    ]


# --- trends ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    """Counts of labels per period. A text may carry several labels (themes), so the shares of
    one period can add up to more than 1; texts without a label count as ``UNASSIGNED``."""

    periods: tuple[str, ...]
    labels: tuple[str, ...]
    counts: IntArray  # (periods, labels)
    totals: IntArray  # texts per period
    share: FloatArray  # counts / totals (0 for a period without texts)


def label_trends(
    periods: Sequence[str],
    labels: Sequence[Sequence[str]],
    *,
    order: Sequence[str] | None = None,
) -> Trend:
    """Count each label per period (periods sorted as strings, e.g. ``2026-03``).

    ``order`` fixes the label columns (labels not in it are dropped); otherwise labels are
    sorted by total count, then alphabetically, with ``UNASSIGNED`` last.
    """
    if len(periods) != len(labels):
        raise InputError("length_mismatch", field="labels")
    pers = tuple(sorted(set(periods)))
    tallies: Counter[tuple[str, str]] = Counter()
    totals_c: Counter[str] = Counter()
    by_label: Counter[str] = Counter()
    for p, labs in zip(periods, labels, strict=True):
        totals_c[p] += 1
        for lab in set(labs) or {UNASSIGNED}:
            tallies[(p, lab)] += 1
            by_label[lab] += 1
    if order is not None:
        cols = tuple(order)
    else:
        cols = tuple(sorted(by_label, key=lambda lab: (lab == UNASSIGNED, -by_label[lab], lab)))
    counts = np.array([[tallies[(p, c)] for c in cols] for p in pers], dtype=np.int64).reshape(
        len(pers), len(cols)
    )
    totals = np.array([totals_c[p] for p in pers], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(totals[:, None] > 0, counts / np.maximum(totals[:, None], 1), 0.0)
    for arr in (counts, totals, share):
        arr.flags.writeable = False
    return Trend(pers, cols, counts, totals, share.astype(np.float64))


__all__ = [
    "EN_STOP_WORDS",
    "LEXICON",
    "UNASSIGNED",
    "RankedKeyword",
    "SentimentModel",
    "TextAnalysis",
    "TextFeatures",
    "Theme",
    "ThemeSuggestion",
    "Training",
    "Trend",
    "analyse",
    "assign_themes",
    "classify",
    "detect_language",
    "extract",
    "get_kiwi",
    "keywords",
    "label_trends",
    "lexicon_label",
    "lexicon_score",
    "rank_keywords",
    "score_label",
    "suggest_themes",
    "train_sentiment",
]
