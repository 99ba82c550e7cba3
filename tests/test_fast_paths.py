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
from search.engine._whoosh import _matched_terms
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


@pytest.mark.parametrize("arrays", [True, None], ids=["arrays", "one-shot"])
def test_a_search_runs_its_query_once(
    engine: Engine, arrays: bool | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count comes with the hits: neither path runs the query a second time to
    count it (Whoosh's `Results.__len__` would, after one of its shortcuts)."""
    import whoosh.searching

    passes: list[str] = []
    docs_for_query = whoosh.searching.Searcher.docs_for_query

    def counted(searcher: whoosh.searching.Searcher, *args: object, **kwargs: object) -> object:
        passes.append("again")
        return docs_for_query(searcher, *args, **kwargs)

    monkeypatch.setattr(whoosh.searching.Searcher, "docs_for_query", counted)
    one = Engine(engine.index_dir, arrays=arrays)
    try:
        few = one.search("Moscou Pyongyang", limit=1)
        every = one.search("Moscou Pyongyang", limit=50)
        assert 1 < every.total == len(every.hits) < 50 and few.total == every.total
        assert one.search("Koursk", limit=5).total > 1
    finally:
        one.close()
    assert passes == []


@pytest.mark.parametrize("arrays", [True, None], ids=["arrays", "one-shot"])
def test_while_typing_totals_stay_exact(tmp_path: Path, arrays: bool | None) -> None:
    """Not `exact` (the TUI as it types), a total is still the number of matches: it
    costs nothing more, so nothing is estimated."""
    paragraphs = [f"Le tram numéro {i} roule à Brno{' encore' * (i % 50)}." for i in range(1, 701)]
    page = tmp_path / "trams-2026-11-25.txt"
    page.write_text(make_page(paragraphs=paragraphs), "utf-8")
    index_dir = IndexDir(tmp_path / "ix")
    assert not build(index_dir, [page]).failed
    engine = Engine(index_dir, arrays=arrays)
    try:
        exact = engine.search("tram Brno", limit=5)
        typed = engine.search("tram Brno", limit=5, exact=False)
        assert (exact.total, exact.estimated) == (typed.total, typed.estimated) == (700, False)
        assert typed.hits == exact.hits and "estimated" not in typed.to_json()
    finally:
        engine.close()


@pytest.mark.parametrize("arrays", [True, None], ids=["arrays", "one-shot"])
@pytest.mark.parametrize("field", ["plain", "fr", "en"])
def test_words_analysed_one_at_a_time_are_the_text_analysed_whole(
    engine: Engine, field: str, arrays: bool | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long-lived engine analyses each word once for highlighting, a one-shot engine
    each text: the same terms and spans."""
    import search.engine._whoosh as whoosh_engine

    monkeypatch.setattr(whoosh_engine, "_ANALYSED", {})  # analysed afresh by this engine
    engine = Engine(engine.index_dir, arrays=arrays)
    texts = [hit.text for hit in engine.documents(kind="paragraph")]
    texts += [
        "L’alliance jusqu’à Koursk, qu’il s’agisse d’obus : 3.14 ou 2,5 % ; aujourd’hui",
        "Œuvres et cœurs — Straße ÉTATS-UNIS l'ONU lʼEurope _x_ 1,000.50 don’t THE Running",
        "",
    ]
    assert len(texts) > 10
    analyzer = engine.searcher.schema[field].analyzer
    for text in texts:
        whole = tuple((t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True))
        assert engine._words_of(field, text) == whole, text
    engine.close()


def test_words_from_memory_are_the_words_on_disk(tmp_path: Path) -> None:
    """A long-lived engine expands prefixes, finds typos and marks words from the commit's
    words held in memory; a one-shot engine looks them up on disk: the same, over
    several segments and after a commit."""
    index_dir = IndexDir(tmp_path / "ix")
    build(index_dir, [SAMPLE])
    page = tmp_path / "prague-post-2026-11-25.txt"
    page.write_text(make_page(paragraphs=["Kourou et Kursk : des fusées à Koursk."]), "utf-8")
    memory, disk = Engine(index_dir, arrays=True), Engine(index_dir, arrays=None)
    try:
        for step in ("one segment", "two segments"):
            if step == "two segments":
                build(index_dir, [page])
                memory.refresh(), disk.refresh()
            reader = disk.searcher.reader()
            words = sorted(t for term in reader.lexicon("plain") if len(t := term.decode()) > 3)
            assert len(words) > 200
            typos = {w[:-1] for w in words} | {w[0] + w[2] + w[1] + w[3:] for w in words[::7]}
            typos |= {w[:2] + "x" + w[3:] for w in words[::5]} | {"koursj", "kursk", "zzzz"}
            for typo in sorted(t for t in typos if len(t) >= 4) + [""]:
                assert memory.within_one_typo(typo) == disk.within_one_typo(typo), (step, typo)
            prefixes = sorted({w[:n] for w in words for n in (1, 3, 5)} | {"zq", "kour"})
            for number, prefix in enumerate(prefixes):
                query = build_query(memory.words(prefix), prefix_last=True)
                if query is None:
                    continue
                found = _matched_terms(query, reader, memory._lexicon())
                assert found == _matched_terms(query, reader), (step, prefix)
                if number % 5 == 0:
                    assert memory.search(prefix) == disk.search(prefix), (step, prefix)
            assert "kursk" in memory.within_one_typo("koursk") or step == "one segment"
    finally:
        memory.close()
        disk.close()


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"snapshot": "prague-post-2026-11-24"}, id="one-snapshot"),
        pytest.param({"sort": "newest"}, id="newest"),
        pytest.param({"sort": "oldest"}, id="oldest"),
    ],
)
def test_ties_come_in_one_order_on_both_paths(engine: Engine, options: dict[str, str]) -> None:
    """Where every match is collected (one snapshot, by date), equal scores come newest
    first and then by document number, as the array scorer and the top hits give them."""
    one_shot = Engine(engine.index_dir, arrays=False)
    try:
        tied = 0
        for text in ("couronne", "dollar", "euro", "franc", "livre", "Corée", "missiles"):
            mine, theirs = (
                engine.search(text, limit=50, **options),
                one_shot.search(text, limit=50, **options),
            )
            assert [h.id for h in mine.hits] == [h.id for h in theirs.hits], text
            scores = [h.score for h in mine.hits]
            tied += len(scores) - len(set(scores))
        assert tied > 0  # the queries do hold ties
    finally:
        one_shot.close()
