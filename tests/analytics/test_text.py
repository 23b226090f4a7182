"""Text analytics: language, keywords (kiwipiepy for Korean), negation, themes, sentiment, trends.

Reference values are worked out by hand in the comments next to each assertion.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sqms_analytics import text as T
from sqms_analytics.errors import InputError


def test_it_detects_the_language_by_the_share_of_hangul() -> None:
    assert T.detect_language("대기 시간이 길었습니다") == "ko"
    assert T.detect_language("The wait was too long") == "en"
    assert T.detect_language("앱 error 발생") == "ko"  # 4 Hangul of 9 letters
    assert T.detect_language("12345 !!") == "ko"  # no letters: the default
    assert T.detect_language("12345", default="en") == "en"
    assert T.hangul_share("가a") == pytest.approx(0.5)


def test_it_takes_korean_nouns_and_latin_words_as_keywords() -> None:
    f = T.extract(["대기 시간이 너무 길었고 앱 오류가 났어요. KakaoPay 결제도 안 돼요"])[0]
    assert f.language == "ko"
    assert f.keywords == ("대기", "시간", "앱", "오류", "kakaopay", "결제")
    assert "너무" not in f.keywords  # an adverb is a sentiment term, not a keyword
    assert "너무" in f.terms


def test_it_uses_english_stop_words_and_strips_plurals() -> None:
    f = T.extract(["The fees were too high and the queries took ages"])[0]
    assert f.language == "en"
    assert f.keywords == ("fee", "high", "query", "took", "age")
    assert T.normalise_en("Classes") == "class"
    assert T.normalise_en("status") == "status"
    assert T.normalise_en("boxes") == "box"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("직원이 친절했어요", "positive"),
        ("직원이 불친절했어요", "negative"),  # 불- negates 친절
        ("친절하지 않았어요", "negative"),  # -지 않다
        ("친절하지 못했어요", "negative"),  # -지 못하다
        ("안 좋았어요", "negative"),  # 안 before
        ("불만 없습니다", "positive"),  # 없다 negates 불만
        ("문제없이 처리됐습니다", "positive"),
        ("앱 오류가 계속 나요", "negative"),
        ("The staff were friendly", "positive"),
        ("The staff were not friendly", "negative"),
        ("wasn't at all helpful", "negative"),  # stop words between: still negated
        ("No problems, thanks!", "positive"),
        ("not friendly, but the wait was short", "negative"),
        ("The form has three pages", "neutral"),
    ],
)
def test_the_lexicon_handles_negation(text: str, label: str) -> None:
    (a,) = T.analyse([text])
    assert a.method == "lexicon"
    assert a.sentiment == label, a.terms


def test_negation_stops_at_the_end_of_a_clause() -> None:
    # "안" in the first sentence must not reach "좋" in the second.
    f = T.extract(["안 왔어요. 좋았어요"])[0]
    assert "좋" in f.terms
    assert "~좋" not in f.terms


def test_it_assigns_themes_by_keyword_overlap() -> None:
    themes = [
        T.Theme("wait", ("대기", "wait", "대기 시간", "queue")),
        T.Theme("app", ("앱", "오류", "app", "error")),
        T.Theme("fees", ("요금", "수수료", "fee")),
    ]
    a = T.analyse(
        ["대기 시간이 길고 앱 오류도 있었어요", "Errors in the app", "수수료가 비싸요", "좋아요"],
        themes=themes,
    )
    # text 1: wait matches 대기 and "대기 시간" (2), app matches 앱 and 오류 (2): tie → order
    assert a[0].themes == ("wait", "app")
    assert a[1].themes == ("app",)  # plural "errors" matches the seed "error"
    assert a[2].themes == ("fees",)
    assert a[3].themes == ()
    assert T.assign_themes(["queue", "app"], themes) == ("wait", "app")


def test_it_suggests_themes_from_frequent_unassigned_keywords() -> None:
    kws = [("주차", "공간"), ("주차",), ("주차", "대기"), ("대기",), ("parking",)]
    assigned = [(), (), ("wait",), ("wait",), ()]
    got = T.suggest_themes(kws, assigned, [T.Theme("wait", ("대기",))], min_count=2)
    assert [(s.keyword, s.count, s.examples) for s in got] == [("주차", 2, (0, 1))]
    with pytest.raises(InputError):
        T.suggest_themes(kws, assigned[:2])


def test_it_ranks_keywords_by_count_and_by_log_odds() -> None:
    target = [("대기", "시간"), ("대기",), ("대기", "직원"), ("직원",)]
    by_count = T.rank_keywords(target, min_count=1)
    assert [(k.keyword, k.count) for k in by_count] == [
        ("대기", 3),
        ("직원", 2),
        ("시간", 1),
    ]
    assert by_count[0].share == pytest.approx(0.75)
    reference = [("직원",), ("직원",), ("직원", "친절"), ("친절",)]
    ranked = T.rank_keywords(target, reference, min_count=1)
    assert ranked[0].keyword == "대기"
    # 대기: y_t=3, y_r=0; totals 6 and 5; vocabulary 4 words, prior 0.5 → A=2, a=2·3/11
    a = 2 * 3 / 11
    d = math.log((3 + a) / (6 + 2 - 3 - a)) - math.log(a / (5 + 2 - a))
    assert ranked[0].z == pytest.approx(d / math.sqrt(1 / (3 + a) + 1 / a))
    z = {k.keyword: k.z for k in ranked}
    assert z["직원"] is not None
    assert z["직원"] < 0
    assert T.rank_keywords([]) == []


def test_it_labels_comments_from_their_scores() -> None:
    assert [T.score_label("csat", v) for v in (5, 4, 3, 2, 1)] == [
        "positive",
        "positive",
        "neutral",
        "negative",
        "negative",
    ]
    assert [T.score_label("nps", v) for v in (10, 9, 8, 7, 6, 0)] == [
        "positive",
        "positive",
        "neutral",
        "neutral",
        "negative",
        "negative",
    ]
    assert T.score_label("ces", 5) is None
    assert T.score_label("csat", None) is None


def _corpus(n: int) -> tuple[list[tuple[str, ...]], list[str]]:
    """Invented vocabulary that the lexicon does not know: only training can learn it."""
    docs: list[tuple[str, ...]] = []
    labels: list[str] = []
    for i in range(n):
        docs.append(("zorp", "blee", f"p{i % 7}"))
        labels.append("positive")
        docs.append(("grak", "blee", f"n{i % 5}"))
        labels.append("negative")
    return docs, labels


def test_the_classifier_learns_the_organisations_own_words() -> None:
    docs, labels = _corpus(30)
    result = T.train_sentiment(docs, labels, min_per_class=30)
    assert result.model is not None
    assert result.n_per_class == {"positive": 30, "neutral": 0, "negative": 30}
    assert result.accuracy == pytest.approx(1.0)
    assert result.model.classes == ("positive", "negative")
    assert result.model.predict(["zorp"])[0] == "positive"  # type: ignore[index]
    assert result.model.predict(["grak"])[0] == "negative"  # type: ignore[index]
    assert result.model.predict(["unknown"]) is None
    # The lexicon alone cannot label these words.
    assert T.lexicon_score(["zorp", "grak"]) == 0
    f = T.TextFeatures("en", (), ("grak",))
    assert T.classify(f, model=result.model).sentiment == "negative"
    assert T.classify(f, model=result.model).method == "classifier"
    assert T.classify(f).method == "lexicon"


def test_the_classifier_matches_hand_computed_naive_bayes() -> None:
    docs = [("a", "a"), ("b",), ("a", "b")]
    labels = ["positive", "negative", "negative"]
    result = T.train_sentiment(docs, labels, min_per_class=1, folds=2)
    m = result.model
    assert m is not None
    assert result.accuracy is None  # one positive example: no cross-validation
    # vocabulary (a, b); positive counts (2, 0), negative (1, 2); Laplace 1
    assert m.vocabulary == ("a", "b")
    np.testing.assert_allclose(np.exp(m.log_likelihood[0]), [3 / 4, 1 / 4])
    np.testing.assert_allclose(np.exp(m.log_likelihood[1]), [2 / 5, 3 / 5])
    np.testing.assert_allclose(np.exp(m.log_prior), [1 / 3, 2 / 3])
    p = m.scores(["a"])
    assert p is not None
    pos, neg = (1 / 3) * (3 / 4), (2 / 3) * (2 / 5)
    assert p[0] == pytest.approx(pos / (pos + neg))


def test_corrections_weigh_more_in_training() -> None:
    docs = [("x",), ("x",), ("x",), ("y",)]
    plain = T.train_sentiment(
        docs, ["negative", "negative", "positive", "positive"], min_per_class=1, folds=2
    )
    weighted = T.train_sentiment(
        docs,
        ["negative", "negative", "positive", "positive"],
        weights=[1, 1, 5, 1],
        min_per_class=1,
        folds=2,
    )
    assert plain.model is not None
    assert weighted.model is not None
    assert plain.model.predict(["x"])[0] == "negative"  # type: ignore[index]
    assert weighted.model.predict(["x"])[0] == "positive"  # type: ignore[index]


def test_it_falls_back_to_the_lexicon_until_enough_examples_exist() -> None:
    docs, labels = _corpus(29)
    result = T.train_sentiment(docs, labels, min_per_class=30)
    assert result.model is None
    assert result.reason == "too_few_examples"
    assert result.accuracy is None
    # unlabelled and empty examples do not count
    result = T.train_sentiment([("a",), ()], [None, "positive"], min_per_class=1)
    assert result.n_per_class["positive"] == 0


def test_the_model_survives_json() -> None:
    import json

    docs, labels = _corpus(30)
    model = T.train_sentiment(docs, labels).model
    assert model is not None
    again = T.SentimentModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.predict(["zorp", "p1"]) == model.predict(["zorp", "p1"])
    with pytest.raises(InputError):
        T.SentimentModel.from_dict({"classes": ["a"]})


def test_it_rejects_bad_training_input() -> None:
    with pytest.raises(InputError):
        T.train_sentiment([("a",)], [])
    with pytest.raises(InputError):
        T.train_sentiment([("a",)], ["positive"], weights=[0])
    with pytest.raises(InputError):
        T.train_sentiment([("a",)], ["positive"], folds=1)


def test_it_counts_themes_per_period_with_shares() -> None:
    trend = T.label_trends(
        ["2026-02", "2026-01", "2026-01", "2026-02", "2026-02"],
        [("wait",), ("wait", "app"), (), ("app",), ("app",)],
    )
    assert trend.periods == ("2026-01", "2026-02")
    assert trend.labels == ("app", "wait", "unassigned")
    np.testing.assert_array_equal(trend.counts, [[1, 1, 1], [2, 1, 0]])
    np.testing.assert_array_equal(trend.totals, [2, 3])
    np.testing.assert_allclose(trend.share, [[0.5, 0.5, 0.5], [2 / 3, 1 / 3, 0]])
    fixed = T.label_trends(["a"], [("x",)], order=("y", "x"))
    assert fixed.counts.tolist() == [[0, 1]]
    with pytest.raises(InputError):
        T.label_trends(["a"], [])


def test_it_is_deterministic_and_keeps_the_input_order() -> None:
    texts = ["좋아요", "Too slow", "", "대기 시간이 길어요"] * 3
    first = T.analyse(texts)
    assert first == T.analyse(texts)
    assert [a.language for a in first[:4]] == ["ko", "en", "ko", "ko"]


def test_it_works_with_a_single_thread_analyser() -> None:
    # kiwipiepy with num_workers=0 refuses batches; extract() then goes text by text.
    from types import SimpleNamespace

    class OneAtATime:
        def tokenize(self, text: object) -> list[SimpleNamespace]:
            if not isinstance(text, str):
                raise Exception("`asyncAnalyze` doesn't work at single thread mode.")
            return [SimpleNamespace(form=w, tag="NNG") for w in text.split()]

    got = T.extract(["대기 시간", "앱 오류"], kiwi=OneAtATime())
    assert [f.keywords for f in got] == [("대기", "시간"), ("앱", "오류")]
