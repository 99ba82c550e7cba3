"""The shortcuts that keep search-as-you-type fast give the answers of the slow way."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.query import NumericRange, Prefix, Term

from index import IndexDir, build
from index.analysis import START_LETTERS
from index.documents import digest
from search.engine import WhooshEngine as Engine
from search.engine._count import one_word_count
from search.engine._query import build_query
from tests.conftest import SAMPLE, make_page


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("fast")
    other = folder / "prague-post-2026-11-25.txt"
    other.write_text(
        make_page(
            headline="Koursk, encore",
            paragraphs=["Les soldats déployés à Koursk ont reçu des obus et des missiles."],
            rates={"USD": "1.05", "KRW": "1450.2"},
        ),
        "utf-8",
    )
    index_dir = IndexDir(folder / "ix")
    build(index_dir, [SAMPLE, other])
    return Engine(index_dir)


def _short_prefixes(engine: Engine) -> list[str]:
    words = {term.decode() for term in engine.searcher.reader().lexicon("plain")}
    return sorted({w[:size] for w in words for size in range(1, START_LETTERS + 1)})


def _ids(engine: Engine, query: object) -> set[int]:
    return set(engine.searcher.docs_for_query(query))


def test_short_prefixes_find_what_prefix_queries_find(engine: Engine) -> None:
    prefixes = _short_prefixes(engine)
    assert len(prefixes) > 100
    for prefix in prefixes:
        assert _ids(engine, Term("start", prefix)) == _ids(engine, Prefix("plain", prefix)), prefix


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("K", id="one-letter"),
        pytest.param("de", id="two-letters-stop-word"),
        pytest.param("E", id="every-rate"),
        pytest.param("Kou", id="prefix"),
        pytest.param("soldats", id="stems"),
        pytest.param("dollar", id="rate-names"),
        pytest.param("1", id="digit"),
        pytest.param("zzzz", id="nothing"),
    ],
)
def test_one_word_count_is_the_number_of_matches(engine: Engine, text: str) -> None:
    query = build_query(engine.words(text))
    assert query is not None
    expected = len(engine.searcher.search(query, limit=None))
    assert one_word_count(engine.searcher, query) == expected
    assert engine.search(text).total == expected


def test_count_leaves_out_deleted_documents(tmp_path: Path) -> None:
    page = tmp_path / "prague-post-2026-11-25.txt"
    page.write_text(make_page(paragraphs=["Kim arrive à Koursk avec des obus."]), "utf-8")
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [SAMPLE, page])
    page.write_text(make_page(paragraphs=["Rien de neuf à Prague aujourd’hui."]), "utf-8")
    assert build(index_dir, [page]).updated == [page.stem]
    engine = Engine(index_dir)
    for text in ("K", "Kou", "obus", "Prague"):
        query = build_query(engine.words(text))
        assert query is not None
        assert engine.search(text).total == len(engine.searcher.search(query, limit=None)), text


def test_days_are_found_by_range(engine: Engine) -> None:
    """A text's days are indexed one term each: a range finds exactly the texts of the
    snapshots within it."""
    found = _ids(engine, NumericRange("days", 20261125, None))
    on_day = engine.documents(snapshot="prague-post-2026-11-25")
    texts = {f"{h.kind}:{digest(h.text)}" for h in on_day if h.kind in ("title", "paragraph")}
    assert len(texts) == 2
    assert {engine.searcher.stored_fields(n)["id"] for n in found} == texts


def test_remembered_searches_are_forgotten_after_a_commit(tmp_path: Path) -> None:
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [SAMPLE])
    engine = Engine(index_dir)
    before = engine.search("Koursk")
    assert engine.search("Koursk") is before
    page = tmp_path / "prague-post-2026-11-25.txt"
    page.write_text(make_page(paragraphs=["Des renforts arrivent à Koursk ce matin."]), "utf-8")
    build(index_dir, [page])
    engine.refresh()
    after = engine.search("Koursk")
    assert after.total == before.total + 1
    assert page.stem in {hit.snapshot for hit in after.hits}
    engine.close()


def test_a_search_counts_its_matches_at_most_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoosh's `Results.__len__` runs the whole query again; a one-word search never needs
    it (posting lengths), a longer one once, for its total, and only when its top hits
    are not all its matches."""
    import whoosh.searching

    counts: list[int] = []
    length = whoosh.searching.Results.__len__

    def counted(results: whoosh.searching.Results) -> int:
        counts.append(1)
        return int(length(results))

    monkeypatch.setattr(whoosh.searching.Results, "__len__", counted)
    engine.search("Koursk", limit=5)
    assert counts == []
    every = engine.search("Moscou Pyongyang", limit=50)
    assert counts == [] and 1 < every.total == len(every.hits) < 50
    assert engine.search("Moscou Pyongyang", limit=1).total == every.total
    assert counts == [1]


def test_while_typing_a_costly_total_is_estimated(tmp_path: Path) -> None:
    """Not `exact` (the TUI as it types), an intersection's total is estimated from a
    sample of its rarest part, to two significant digits, instead of walking every match
    again; one word, or few matches, are still counted exactly."""
    # Lengths vary, so scores do: ties at the cut would make the engine fetch them all.
    paragraphs = [f"Le tram numéro {i} roule à Brno{' encore' * (i % 50)}." for i in range(1, 701)]
    page = tmp_path / "trams-2026-11-25.txt"
    page.write_text(make_page(paragraphs=paragraphs), "utf-8")
    index_dir = IndexDir(tmp_path / "ix")
    assert not build(index_dir, [page]).failed
    engine = Engine(index_dir)
    try:
        exact = engine.search("tram Brno", limit=5)
        assert (exact.total, exact.estimated) == (700, False)
        typed = engine.search("tram Brno", limit=5, exact=False)
        assert typed.estimated and typed.total == 700 and typed.hits == exact.hits
        assert typed.to_json()["estimated"] is True
        one_word = engine.search("tram", limit=5, exact=False)
        assert (one_word.total, one_word.estimated) == (700, False)
        few = engine.search("numéro 12", limit=50, exact=False)
        assert not few.estimated and few.total == len(few.hits)
    finally:
        engine.close()
