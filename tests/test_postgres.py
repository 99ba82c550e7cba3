"""The PostgreSQL backend on a real server: analysis, query syntax, builds, errors, the CLI.

The seam's own contract runs over it in test_backend_contract.py; these are the parts
that only a database has (transactions, locks, connections) and the user's view of
search behaviour (accents, elisions, stems, prefixes, typos) checked directly.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from index import IndexBusyError, IndexMissingError, IndexStateError
from index.postgres import SCHEMA_VERSION, build, has_index, normalise
from search.cli import cli
from search.engine import PostgresBackend
from tests.conftest import SAMPLE, SAMPLE_ID, make_page, write_series
from tests.pg_support import PgCluster


@pytest.fixture
def pg(tmp_path: Path, pg_url: str) -> Iterator[PostgresBackend]:
    """A backend over the sample and the three dated pages."""
    assert not build(pg_url, [SAMPLE, *write_series(tmp_path / "pages")]).failed
    backend = PostgresBackend(pg_url)
    yield backend
    backend.close()


def _texts(backend: PostgresBackend, query: str, **options: str) -> list[str]:
    return [hit.text for hit in backend.search(query, limit=None, **options).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        pytest.param("koursk", "Koursk", id="lower case"),
        pytest.param("KOURSK", "Koursk", id="upper case"),
        pytest.param("Kour", "Koursk", id="prefix of the last word"),
        pytest.param("Kursk", "Koursk", id="one typo"),
        pytest.param("alliance", "alliance", id="elision split off"),
        pytest.param("syndicat", "syndicats", id="French stem"),
        pytest.param("economie", "économies", id="accents and stems"),
    ],
)
def test_a_user_finds_what_they_mean(pg: PostgresBackend, query: str, found: str) -> None:
    results = pg.search(query)
    assert results.hits, query
    hit = results.hits[0]
    assert any(hit.text[a:b] == found for a, b in hit.highlights), (query, hit.highlights)


def test_typo_is_forgiven_only_when_nothing_matches(pg: PostgresBackend) -> None:
    assert pg.search("Kursk").fuzzy
    assert not pg.search("Koursk").fuzzy
    assert pg.search("Kurs").hits == ()  # four letters: no typo forgiven


def test_phrase_exclusion_or_and_filters(pg: PostgresBackend) -> None:
    assert _texts(pg, '"place Venceslas"')
    assert not _texts(pg, '"Venceslas place"')
    budget = set(_texts(pg, "ministre"))
    assert budget and not set(_texts(pg, "ministre -mardi")) & set(_texts(pg, "mardi"))
    either = set(_texts(pg, "syndicats OR retraites"))
    assert either == set(_texts(pg, "syndicats")) | set(_texts(pg, "retraites"))
    assert all(h.kind == "rate" for h in pg.search("gbp kind:rate", limit=None).hits)
    late = pg.search("ministre", since="2026-11-24", limit=None).hits
    assert late and all(h.date >= "2026-11-24" for h in late)
    early = pg.search("ministre until:2026-11-23", limit=None).hits
    assert early and all(h.date <= "2026-11-23" for h in early)


def test_sort_and_offset(pg: PostgresBackend) -> None:
    every = pg.search("gbp", kind="rate", limit=None, sort="newest").hits
    assert [h.date for h in every] == sorted((h.date for h in every), reverse=True)
    oldest = pg.search("gbp", kind="rate", limit=None, sort="oldest").hits
    assert [h.date for h in oldest] == sorted(h.date for h in oldest)
    second = pg.search("gbp", kind="rate", limit=2, offset=1, sort="newest")
    assert second.hits == every[1:3] and second.total == len(every)


def test_highlights_are_offsets_into_the_text(pg: PostgresBackend) -> None:
    for hit in pg.search("déployés", limit=None).hits + pg.search("ministre finances").hits:
        assert hit.highlights
        for start, end in hit.highlights:
            assert 0 <= start < end <= len(hit.text)


def test_normalise_splits_elisions_and_folds() -> None:
    assert normalise("L’alliance d'Œdipe, ʼl") == "alliance oedipe l"


# ------------------------------------------------------------------------- builds


def test_build_is_incremental_by_content(tmp_path: Path, pg_url: str) -> None:
    pages = write_series(tmp_path / "pages")
    first = build(pg_url, pages)
    assert first.added == [p.stem for p in pages] and first.documents > 0
    again = build(pg_url, pages)
    assert again.unchanged == first.added and again.documents == first.documents
    pages[0].write_text(make_page(headline="Changed", paragraphs=["Un texte tout neuf ici."]))
    changed = build(pg_url, pages)
    assert changed.updated == [pages[0].stem]
    backend = PostgresBackend(pg_url)
    try:
        assert backend.search("neuf").hits[0].snapshot == pages[0].stem
        assert len(backend.snapshots()) == 3
        assert backend.document_count() == changed.documents
    finally:
        backend.close()


def test_rebuild_keeps_only_the_given_pages(tmp_path: Path, pg_url: str) -> None:
    build(pg_url, [SAMPLE, *write_series(tmp_path / "pages")])
    report = build(pg_url, [SAMPLE], rebuild=True)
    assert report.added == [SAMPLE_ID]
    backend = PostgresBackend(pg_url)
    try:
        assert [s.id for s in backend.snapshots()] == [SAMPLE_ID]
    finally:
        backend.close()


def test_a_failed_file_is_reported_and_the_others_indexed(tmp_path: Path, pg_url: str) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    report = build(pg_url, [bad, SAMPLE])
    assert report.added == [SAMPLE_ID]
    assert [path for path, _ in report.failed] == [str(bad)]


def test_a_build_that_fails_leaves_the_database_as_it_was(tmp_path: Path, pg_url: str) -> None:
    build(pg_url, [SAMPLE])
    pages = write_series(tmp_path / "pages")

    def interrupt(done: int, total: int) -> None:
        if done == total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(pg_url, pages, progress=interrupt)
    backend = PostgresBackend(pg_url)
    try:
        assert [s.id for s in backend.snapshots()] == [SAMPLE_ID]
    finally:
        backend.close()


def test_a_second_builder_waits_then_says_busy(pg_url: str) -> None:
    with psycopg.connect(pg_url) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (0x736E6170,))
        with pytest.raises(IndexBusyError, match="being updated by another build"):
            build(pg_url, [SAMPLE], lock_wait=0)
        with pytest.raises(IndexBusyError):
            build(pg_url, [SAMPLE], lock_wait=0.2)


def test_schema_is_versioned(pg_url: str) -> None:
    build(pg_url, [SAMPLE])
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (
            SCHEMA_VERSION,
        )
        partitions = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'documents'::regclass"
        ).fetchone()
        assert partitions == (1,)  # one year so far


# ------------------------------------------------------------------------- errors


def test_an_empty_database_has_no_index(pg_cluster: object, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE schema_version")
    assert not has_index(pg_url)
    with pytest.raises(IndexMissingError, match="no snapsearch index in postgresql://"):
        PostgresBackend(pg_url)


def test_an_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(IndexStateError, match="cannot reach PostgreSQL at .*check that"):
        PostgresBackend("postgresql://nobody@127.0.0.1:1/none")


# ------------------------------------------------------------------------- the CLI


def _run(url: str, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        cli, list(args), env={"SEARCH_BACKEND": url, "NO_COLOR": "1"}, prog_name="search"
    )
    return result.exit_code, result.stdout, result.stderr


def test_cli_builds_queries_and_lists_the_database(tmp_path: Path, pg_url: str) -> None:
    pages = [str(p) for p in write_series(tmp_path / "pages")]
    code, out, _ = _run(pg_url, "index", "build", "--json", *pages)
    assert code == 0 and json.loads(out)["added"] == [Path(p).stem for p in pages]
    code, out, _ = _run(pg_url, "index", "status", "--json")
    status = json.loads(out)
    assert code == 0 and len(status["snapshots"]) == 3 and "postgresql://" in status["index"]
    code, out, _ = _run(pg_url, "query", "--json", "syndicats")
    assert code == 0 and json.loads(out)["hits"][0]["dates"] == ["2026-11-22", "2026-11-23"]
    code, out, _ = _run(pg_url, "query", "zzzzzz")
    assert code == 1


def test_cli_indexes_the_sample_into_an_empty_database(pg_cluster: PgCluster) -> None:
    url = pg_cluster.new_database(template="template1")  # no schema yet
    try:
        code, out, err = _run(url, "query", "Koursk")
        assert code == 0 and "indexing the bundled sample" in err and "Koursk" in out
        code, out, _ = _run(url, "index", "status")
        assert code == 0 and SAMPLE_ID in out and "in PostgreSQL snapsearch@127.0.0.1" in out
    finally:
        pg_cluster.drop_database(url)


def test_cli_errors_are_one_line(pg_url: str) -> None:
    code, _, err = _run("postgresql://nobody@127.0.0.1:1/none", "query", "x")
    assert code == 2 and err.startswith("error: cannot reach PostgreSQL") and err.count("\n") == 1
    code, _, err = _run("mysql://x", "query", "x")
    assert code == 2 and "postgresql://" in err


def test_importing_the_cli_loads_no_database_driver() -> None:
    code = "import sys, search.cli; print(any(m.startswith('psycopg') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_only_two_modules_import_the_database_driver() -> None:
    """psycopg stays below the seam, in the two modules that own the database."""
    root = Path(__file__).resolve().parent.parent
    owners = {root / "index" / "postgres.py", root / "search" / "engine" / "_postgres.py"}
    for package in ("index", "search", "tui"):
        for path in sorted((root / package).rglob("*.py")):
            imports = re.findall(r"^\s*(?:from|import) (psycopg\w*)", path.read_text("utf-8"), re.M)
            assert path in owners or not imports, f"{path} imports {imports}"


def test_a_dropped_connection_is_opened_again(pg: PostgresBackend, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'snapsearch' AND datname = current_database()"
        )
    assert pg.search("Koursk").hits
