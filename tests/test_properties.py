"""Property tests: arbitrary Unicode never crashes the engine; normalisation is idempotent; spans stay in range."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.identify import default_identifier
from scanner.identify.normalize import fold, normalize

WORDS = st.sampled_from([
    "Hikvision", "Dahua", "DS-2CD2143G2-I", "для", "або еквівалент", "HiWatch", "Хіквіжн", "IPC-HDW5421S",
    "compatible with", "not", "Dahau", "HiKOKI", "DH28PEC", "ß", "İ", "ﬁ", "\u0301", "®", "—", "\u2011",
])
TITLES = st.one_of(st.text(max_size=300), st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=25).map(" ".join))


@settings(max_examples=400, deadline=None)
@given(TITLES)
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once


@settings(max_examples=400, deadline=None)
@given(TITLES, st.one_of(st.none(), st.text(max_size=30)), st.one_of(st.none(), st.text(max_size=30)))
def test_engine_never_crashes_and_spans_stay_inside_the_input(text: str, brand: str | None,
                                                               model: str | None) -> None:
    verdict = default_identifier().identify(text, brand=brand, model=model)
    assert 0.0 <= verdict.confidence <= 1.0
    assert isinstance(verdict.explanation, str) and verdict.explanation
    for ev in verdict.evidence:
        if ev.span is not None:
            source = {"text": text, "brand": brand, "model": model}.get(ev.field) or text
            assert 0 <= ev.span[0] <= ev.span[1] <= len(source)
    verdict.to_dict()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_normalized_origin_maps_every_character(text: str) -> None:
    norm = normalize(text)
    if norm.origin is not None:
        assert len(norm.origin) == len(norm.text)
        assert all(0 <= i < max(len(text), 1) for i in norm.origin)
