"""The translation-state rule (DESIGN §3): which language governs a localized text, and which
translations are stale after a change. A table of cases, then properties over any change."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itpp_api.localized import (
    TranslationRequestError,
    TranslationStateData,
    default_source,
    next_translation_state,
    next_translations,
    plan_texts,
)

JA_EN = {"ja": "サイバー防衛", "en": "Cyber defence"}


def state(source: str, *stale: str) -> TranslationStateData:
    return {"source": source, "stale": list(stale)}


CASES: list[tuple[str, Any, dict[str, str], Any, str | None, tuple[str, ...], Any]] = [
    # (case, old text, new text, old state, source override, reviewed, expected state)
    ("a new text governed by Japanese", None, JA_EN, None, None, (), state("ja")),
    (
        "a new text without Japanese: its first language",
        None,
        {"en": "a", "fr": "b"},
        None,
        None,
        (),
        state("en"),
    ),
    ("a new text with a named source", None, JA_EN, None, "en", (), state("en")),
    ("nothing changed", JA_EN, JA_EN, state("ja"), None, (), state("ja")),
    (
        "only the translation changed: it is fresh, nothing stale",
        JA_EN,
        {**JA_EN, "en": "Cyber"},
        state("ja"),
        None,
        (),
        state("ja"),
    ),
    (
        "the source changed alone: the translation is stale",
        JA_EN,
        {**JA_EN, "ja": "サイバー"},
        state("ja"),
        None,
        (),
        state("ja", "en"),
    ),
    (
        "source and translation changed together: nothing stale",
        JA_EN,
        {"ja": "サイバー", "en": "Cyber"},
        state("ja"),
        None,
        (),
        state("ja"),
    ),
    (
        "a stale translation updated becomes fresh",
        JA_EN,
        {**JA_EN, "en": "Cyber"},
        state("ja", "en"),
        None,
        (),
        state("ja"),
    ),
    (
        "a stale translation stays stale while other texts change",
        {**JA_EN, "fr": "Cyber"},
        {**JA_EN, "fr": "Cyberdéfense"},
        state("ja", "en"),
        None,
        (),
        state("ja", "en"),
    ),
    (
        "a stale translation reviewed without change is fresh",
        JA_EN,
        JA_EN,
        state("ja", "en"),
        None,
        ("en",),
        state("ja"),
    ),
    (
        "the source changed but a translation was reviewed as still right",
        JA_EN,
        {**JA_EN, "ja": "サイバー防衛。"},
        state("ja"),
        None,
        ("en",),
        state("ja"),
    ),
    (
        "a removed stale language leaves the stale list",
        {**JA_EN, "fr": "x"},
        JA_EN,
        state("ja", "fr"),
        None,
        (),
        state("ja"),
    ),
    (
        "a language added with the source change is fresh, the others stale",
        {**JA_EN, "fr": "x"},
        {"ja": "新", "en": "Cyber defence", "de": "neu", "fr": "x"},
        state("ja"),
        None,
        (),
        state("ja", "en", "fr"),
    ),
    (
        "the source removed: the source moves to Japanese if left",
        {"en": "a", "ja": "b", "fr": "c"},
        {"ja": "b", "fr": "c"},
        state("en", "fr"),
        None,
        (),
        state("ja", "fr"),
    ),
    (
        "the source removed: else to the first language left",
        {"ja": "a", "en": "b", "fr": "c"},
        {"en": "b", "fr": "c"},
        state("ja"),
        None,
        (),
        state("en"),
    ),
    (
        "a named new source, no text changed: nothing becomes stale",
        JA_EN,
        JA_EN,
        state("ja"),
        "en",
        (),
        state("en"),
    ),
    (
        "a named new source that was stale is the source now, never stale",
        JA_EN,
        JA_EN,
        state("ja", "en"),
        "en",
        (),
        state("en"),
    ),
    (
        "a named new source whose text changed: the others are stale",
        JA_EN,
        {**JA_EN, "en": "Cyber"},
        state("ja"),
        "en",
        (),
        state("en", "ja"),
    ),
    (
        "no stored state (before migration): Japanese governs",
        JA_EN,
        {**JA_EN, "ja": "新"},
        None,
        None,
        (),
        state("ja", "en"),
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "old_state", "override", "reviewed", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_next_translation_state_follows_the_rule(
    old: Any,
    new: dict[str, str],
    old_state: Any,
    override: str | None,
    reviewed: tuple[str, ...],
    expected: TranslationStateData,
) -> None:
    assert next_translation_state(old, new, old_state, override, reviewed) == expected


def test_a_source_override_outside_the_text_is_refused() -> None:
    with pytest.raises(ValueError, match="not a language"):
        next_translation_state(JA_EN, JA_EN, state("ja"), "fr")


def test_a_request_naming_an_unknown_field_or_a_missing_language_lists_each_problem() -> None:
    with pytest.raises(TranslationRequestError) as raised:
        next_translations(
            {"title": JA_EN},
            {"title": JA_EN},
            {"title": state("ja")},
            source_languages={"title": "fr", "summary": "en"},
            reviewed_translations={"title": ["de"]},
        )
    assert [(e.loc, e.type) for e in raised.value.errors] == [
        (("source_languages", "title"), "language_not_in_text"),
        (("source_languages", "summary"), "unknown_localized_field"),
        (("reviewed_translations", "title"), "language_not_in_text"),
    ]


def test_plan_texts_name_sections_by_number_and_objectives_by_position() -> None:
    texts = plan_texts(
        {"ja": "計画"},
        [
            {"number": "4.1", "heading": None, "body": {"ja": "本文"}},
            {"number": "1.1", "heading": {"ja": "見出し"}, "body": {"ja": "本文"}},
        ],
        [{"ja": "目標"}],
    )
    assert list(texts) == [
        "title",
        "sections[4.1].body",
        "sections[1.1].heading",
        "sections[1.1].body",
        "objectives[0]",
    ]


# --- properties over any change ---------------------------------------------------------------

TAGS = ["ja", "en", "fr", "de"]
texts = st.dictionaries(st.sampled_from(TAGS), st.sampled_from(["a", "b", "c"]), min_size=1)


@st.composite
def changes(draw: st.DrawFn) -> tuple[Any, ...]:
    old = draw(texts)
    new = draw(texts)
    old_state = state(
        draw(st.sampled_from(list(old))),
        *draw(st.lists(st.sampled_from(list(old)), unique=True)),
    )
    old_state["stale"] = [t for t in old_state["stale"] if t != old_state["source"]]
    override = draw(st.none() | st.sampled_from(list(new)))
    reviewed = draw(st.lists(st.sampled_from(list(new)), unique=True))
    return old, new, old_state, override, reviewed


@given(changes())
def test_the_state_always_names_a_language_of_the_text_and_never_stales_the_source(
    change: tuple[Any, ...],
) -> None:
    old, new, old_state, override, reviewed = change
    result = next_translation_state(old, new, old_state, override, reviewed)
    assert result["source"] in new
    assert result["source"] not in result["stale"]
    assert set(result["stale"]) <= set(new)
    assert len(set(result["stale"])) == len(result["stale"])
    if override is not None:
        assert result["source"] == override
    elif old_state["source"] in new:
        assert result["source"] == old_state["source"]
    else:
        assert result["source"] == default_source(new)


@given(changes())
def test_changed_and_reviewed_languages_are_fresh_and_unchanged_ones_follow_the_source(
    change: tuple[Any, ...],
) -> None:
    old, new, old_state, override, reviewed = change
    result = next_translation_state(old, new, old_state, override, reviewed)
    changed = {tag for tag in new if old.get(tag) != new[tag]}
    assert not (changed | set(reviewed)) & set(result["stale"])
    source_changed = old_state["source"] in changed or result["source"] in changed
    for tag in set(new) - changed - set(reviewed) - {result["source"]}:
        was_stale = tag in old_state["stale"]
        assert (tag in result["stale"]) == (was_stale or source_changed)


@given(texts, st.data())
def test_applying_the_same_text_again_changes_nothing(
    text: dict[str, str], data: st.DataObject
) -> None:
    first = next_translation_state(None, text, None)
    stale = data.draw(st.lists(st.sampled_from(list(text)), unique=True))
    # Stale languages are listed in the text's order.
    current = state(first["source"], *(t for t in text if t in stale and t != first["source"]))
    assert next_translation_state(text, text, current) == current
