"""The backend seam's contract, written once for every implementation.

A backend joins by adding one fixture that returns a `Served` over the three dated pages
of `write_series` plus the bundled sample, and its name to `BACKENDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from index import IndexDir, build
from search.engine import KINDS, Backend, UnknownSnapshotError, WhooshEngine
from tests.conftest import SAMPLE, SAMPLE_ID, SERIES_PARAGRAPHS, make_page, write_series

BACKENDS = ["whoosh_backend", "http_backend", "postgres_backend"]


@dataclass
class Served:
    """A backend over the test pages, and how to add one more page to what it serves."""

    backend: Backend
    add: Callable[[Path], None]


@pytest.fixture
def whoosh_backend(tmp_path: Path) -> Iterator[Served]:
    index_dir = IndexDir(tmp_path / "ix")
    report = build(index_dir, [SAMPLE, *write_series(tmp_path / "pages")])
    assert not report.failed

    def add(path: Path) -> None:
        assert not build(index_dir, [path]).failed

    engine = WhooshEngine(index_dir)
    yield Served(engine, add)
    engine.close()


@pytest.fixture
def http_backend(tmp_path: Path) -> Iterator[Served]:
    """A real `search serve` process on a free loopback port, through `HttpBackend`."""
    from search.engine import HttpBackend
    from tests.service_support import running_server

    index_dir = IndexDir(tmp_path / "ix")
    assert not build(index_dir, [SAMPLE, *write_series(tmp_path / "pages")]).failed
    with running_server(index_dir.root, tmp_path) as server:

        def add(path: Path) -> None:
            assert server.post_page(path).status_code in (200, 201)

        client = HttpBackend(server.url)
        yield Served(client, add)
        client.close()


@pytest.fixture
def postgres_backend(tmp_path: Path, pg_url: str) -> Iterator[Served]:
    """The PostgreSQL backend over a fresh database of the session's throwaway server."""
    from index.postgres import build as build_postgres
    from search.engine import PostgresBackend

    assert not build_postgres(pg_url, [SAMPLE, *write_series(tmp_path / "pages")]).failed

    def add(path: Path) -> None:
        assert not build_postgres(pg_url, [path]).failed

    backend = PostgresBackend(pg_url)
    yield Served(backend, add)
    backend.close()


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest) -> Served:
    value: Served = request.getfixturevalue(request.param)
    return value


@pytest.fixture
def backend(served: Served) -> Backend:
    return served.backend


DAYS = ["daily-2026-11-22", "daily-2026-11-23", "daily-2026-11-24"]


def test_is_a_backend(backend: Backend) -> None:
    assert isinstance(backend, Backend)


def test_snapshots_oldest_first(backend: Backend) -> None:
    ids = [info.id for info in backend.snapshots()]
    assert ids == [*DAYS, SAMPLE_ID]
    assert backend.snapshots()[-1].headline.startswith("Poutine")


def test_resolve_snapshot(backend: Backend) -> None:
    assert backend.resolve_snapshot(None) is None
    assert backend.resolve_snapshot("latest") == SAMPLE_ID
    assert backend.resolve_snapshot(DAYS[0]) == DAYS[0]
    with pytest.raises(UnknownSnapshotError, match="no snapshot 'nope'"):
        backend.resolve_snapshot("nope")


def test_document_count_counts_every_kind(backend: Backend) -> None:
    kinds = sum(len(backend.documents(kind=kind)) for kind in KINDS)
    assert backend.document_count() == kinds > 0


def test_words_are_analysed_as_the_index_does(backend: Backend) -> None:
    (word,) = backend.words("l’Alliance")
    assert word.raw == "Alliance" and word.plain == "alliance"
    assert ("fr", "allianc") in word.stems
    assert backend.words("") == []


def test_tokens_carry_offsets_and_stems(backend: Backend) -> None:
    tokens = backend.tokens("Les soldats déployés", "fr")
    assert [(t.start, t.end, t.plain) for t in tokens] == [
        (0, 3, "les"),
        (4, 11, "soldats"),
        (12, 20, "deployes"),
    ]
    assert tokens[2].stems == {"deploy"}


def test_search_highlights_and_collapses_repeats(backend: Backend) -> None:
    results = backend.search("syndicats")
    # One paragraph on days 1 and 2: one hit, dated by both days.
    (hit,) = results.hits
    assert hit.kind == "paragraph" and hit.snapshot == DAYS[1]
    assert hit.dates == tuple(day.removeprefix("daily-") for day in DAYS[:2])
    start, end = hit.highlights[0]
    assert hit.text[start:end] == "syndicats"


def test_search_restricted_to_a_kind_and_a_snapshot(backend: Backend) -> None:
    hits = backend.search("Koursk", kind="paragraph", snapshot="latest").hits
    assert hits and all(h.kind == "paragraph" and h.snapshot == SAMPLE_ID for h in hits)
    assert backend.search("Koursk", snapshot=DAYS[0]).hits == ()
    # A currency is one document, shown by its newest point; one snapshot shows its own.
    (gbp,) = backend.search("gbp", kind="rate", limit=None).hits
    assert (gbp.snapshot, gbp.dates) == (SAMPLE_ID, ())
    (first,) = backend.search("gbp", kind="rate", snapshot=DAYS[0]).hits
    assert first.data is not None and first.data["raw"] == "0.87"


def test_match_every_or_any_word(backend: Backend) -> None:
    words = backend.words("ministre syndicats")
    total, _ = backend.match(words, kind="paragraph")
    assert total == 0
    total, hits = backend.match(words, every=False, kind="paragraph", limit=None)
    # The minister in two wordings (days 1-2, day 3), the unions once (days 1-2).
    assert total == len(hits) == 3
    total, hits = backend.match(words, every=False, kind="paragraph", snapshot=DAYS[0])
    assert total == len(hits) == 2
    assert backend.match([], kind="paragraph") == (0, ())


def test_count_since_a_day(backend: Backend) -> None:
    phrases = [backend.words("ministre finances"), backend.words("syndicats")]
    assert backend.count(phrases, kind="paragraph") == 5
    assert backend.count(phrases, kind="paragraph", since="2026-11-23") == 3
    assert backend.count([], kind="paragraph") == 0


def test_frequency(backend: Backend) -> None:
    """Distinct texts and series: a paragraph on two days counts once."""
    assert backend.frequency("plain", "syndicats") == 1
    assert backend.frequency("kind", "title") == 2  # "Budget" on three days, the sample
    assert backend.frequency("plain", "zzzz") == 0


def test_document_and_its_neighbour(backend: Backend) -> None:
    hit = backend.document(f"{SAMPLE_ID}:p3", "Koursk")
    assert hit is not None and hit.paragraph == 3
    assert any(hit.text[a:b] == "Koursk" for a, b in hit.highlights)
    neighbour = backend.document(f"{SAMPLE_ID}:p4")
    assert neighbour is not None and neighbour.paragraph == 4 and neighbour.highlights == ()
    assert backend.document("nope:p1") is None


def test_documents_oldest_first(backend: Backend) -> None:
    hits = backend.documents(series="rate:GBP")
    assert [h.snapshot for h in hits] == [*DAYS, SAMPLE_ID]
    assert [h.data and h.data["raw"] for h in hits[:3]] == ["0.87", "0.88", "0.86"]


def test_newest_and_newest_copy(backend: Backend) -> None:
    dates = [h.date for h in backend.newest(3, series="rate:GBP")]
    assert dates == ["2026-11-24", "2026-11-24", "2026-11-23"]  # day 3 and the sample
    assert len(backend.newest(None, series="rate:USD")) == 2 + 1  # days 1-2 and the sample
    assert backend.newest(1, series="rate:XXX") == []
    (old,) = backend.search("syndicats", snapshot=DAYS[0]).hits
    newest = backend.newest_copy(old)
    assert newest.snapshot == DAYS[1] and newest.text == old.text
    assert newest.highlights == old.highlights


def test_values_of_a_keyword_field(backend: Backend) -> None:
    assert {"GBP", "USD", "JPY"} <= set(backend.values("code"))
    assert "quote:BEL20" in backend.values("series")


def test_refresh_sees_a_new_snapshot(served: Served, tmp_path: Path) -> None:
    backend = served.backend
    before = backend.document_count()
    page = tmp_path / "daily-2026-11-25.txt"
    page.write_text(make_page(headline="Nouveau", paragraphs=["Un pont neuf sur la Vltava."]))
    served.add(page)
    backend.refresh()
    assert backend.document_count() > before
    assert backend.resolve_snapshot("latest") == "daily-2026-11-25"
    assert backend.search("Vltava").hits[0].snapshot == "daily-2026-11-25"


# ------------------------------------------------------- the query syntax and its options


def _texts(backend: Backend, text: str, **options: object) -> list[str]:
    return [hit.text for hit in backend.search(text, limit=None, **options).hits]  # type: ignore[arg-type]


def test_search_phrases_exclusions_or_and_groups(backend: Backend) -> None:
    assert _texts(backend, '"économies dans les transports"') == _texts(
        backend, "économies transports"
    )
    assert _texts(backend, '"transports dans les économies"') == []
    unions = _texts(backend, "syndicats OR retraites")
    assert sorted(unions) == sorted(_texts(backend, "syndicats") + _texts(backend, "retraites"))
    without = _texts(backend, "ministre -mardi", kind="paragraph")
    assert without == [SERIES_PARAGRAPHS[1]]
    assert _texts(backend, '(syndicats OR retraites) -"place Venceslas"') == _texts(
        backend, "retraites"
    )
    assert _texts(backend, "kind:rate gbp") == _texts(backend, "gbp", kind="rate")


def test_search_dates_sort_and_offset(backend: Backend) -> None:
    text = "gouvernement OR ministre OR syndicats"

    def days(**options: str) -> list[str]:
        found = backend.search(text, limit=None, kind="paragraph", **options)  # type: ignore[arg-type]
        return [hit.date for hit in found.hits]

    # Each text dated by its newest day within the range asked.
    assert days(since="2026-11-22", until="2026-11-22") == ["2026-11-22"] * 3
    assert days(sort="oldest") == ["2026-11-23", "2026-11-23", "2026-11-24", "2026-11-24"]
    assert days(sort="newest") == ["2026-11-24", "2026-11-24", "2026-11-23", "2026-11-23"]
    every = backend.search(text, limit=None, kind="paragraph", sort="oldest").hits
    assert (
        backend.search(text, limit=2, offset=1, kind="paragraph", sort="oldest").hits == every[1:3]
    )
    rate = backend.search("gbp", kind="rate", until="2026-11-23").hits
    assert [(h.date, h.data and h.data["raw"]) for h in rate] == [("2026-11-23", "0.88")]


def test_a_total_is_exact_unless_an_estimate_is_allowed(backend: Backend) -> None:
    exact = backend.search("Koursk OR Moscou")
    assert not exact.estimated and exact.total >= len(exact.hits) > 0
    typed = backend.search("Koursk OR Moscou", exact=False)
    assert typed.hits == exact.hits and typed.total >= len(typed.hits)
    assert typed.estimated or typed.total == exact.total
