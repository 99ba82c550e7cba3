"""Top hits are the best-scoring matches, whichever way the engine finds them.

A synthetic archive of daily pages (`benchmarks/synth.py`), so that a word matches
hundreds of documents: the top hits of a search, with or without a restriction, are the
first of the full ranking (every match scored, by score then newest day), and the count
is the number of matches, both for the array scorer (long-lived engines) and for
Whoosh's own collector (one-shot commands). Whoosh's shortcuts for top hits lost some
of the best ones and undercounted (see `WhooshEngine._top`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.synth import generate
from index import IndexDir, build
from search.engine import Results, WhooshEngine
from tests.conftest import SAMPLE

QUERIES = [
    "K",
    "Ko",
    "Koursk",
    "Koursk d",
    "Koursk dép",
    "Corée du N",
    "missiles balistique",
    "programme spatial",
    "Moscou Pyongyang",
    "obus d’a",
    "sanctoins",  # a typo: forgiven
    "dollar",
    "guerre Ukraine",
    '"Corée du Nord"',  # a phrase: every candidate checked
]
WHERE = [
    {},
    {"kind": "paragraph"},
    {"since": "2026-12-01"},
    {"limit": 3, "offset": 2},
    {"sort": "newest"},
    {"snapshot": "latest"},
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> IndexDir:
    folder = tmp_path_factory.mktemp("archive")
    corpus = generate(SAMPLE, folder / "pages", 120, seed=3)
    index_dir = IndexDir(folder / "ix")
    # Three builds: segments of their own, and documents updated (deleted and added).
    files = list(corpus.files[:120])
    for part in (files[:40], files[40:80], files[80:]):
        assert not build(index_dir, part).failed
    return index_dir


@pytest.fixture(scope="module", params=[True, None], ids=["arrays", "one-shot"])
def engine(request: pytest.FixtureRequest, archive: IndexDir) -> Iterator[WhooshEngine]:
    found = WhooshEngine(archive, arrays=request.param)
    yield found
    found.close()


@pytest.fixture(scope="module")
def reference(archive: IndexDir) -> Iterator[WhooshEngine]:
    """Whoosh alone, every match collected."""
    found = WhooshEngine(archive, arrays=False)
    yield found
    found.close()


def _full(reference: WhooshEngine, query: str, **where: object) -> Results:
    """Every match, scored, in order: no limit, so nothing is cut short."""
    where = {k: v for k, v in where.items() if k not in ("limit", "offset")}
    return reference.search(query, limit=None, **where)  # type: ignore[arg-type]


@pytest.mark.parametrize("where", WHERE, ids=lambda w: ",".join(w) or "all")
@pytest.mark.parametrize("query", QUERIES)
def test_top_hits_are_the_best_matches(
    engine: WhooshEngine, reference: WhooshEngine, query: str, where: dict[str, object]
) -> None:
    found = engine.search(query, **where)  # type: ignore[arg-type]
    full = _full(reference, query, **where)
    offset = int(where.get("offset", 0))  # type: ignore[call-overload]
    limit = int(where.get("limit", 10))  # type: ignore[call-overload]
    expected = full.hits[offset : offset + limit]
    assert found.total == full.total
    assert [hit.id for hit in found.hits] == [hit.id for hit in expected]
    for got, want in zip(found.hits, expected, strict=True):
        assert math.isclose(got.score, want.score, rel_tol=1e-12)


def test_the_archive_is_big_enough_to_cut(reference: WhooshEngine) -> None:
    """The queries match far more documents than a page of hits shows."""
    assert reference.search("Koursk d", limit=None).total > 50
    assert reference.search("missiles balistique", kind="paragraph").total > 50


def test_one_shot_commands_do_not_load_numpy(archive: IndexDir, tmp_path: Path) -> None:
    """The array scorer is imported by the first search of an engine that uses it: a
    one-shot command's engine, only for a search within dates."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from index import IndexDir;"
        "from search.engine import WhooshEngine;"
        f"e = WhooshEngine(IndexDir(Path({str(archive.root)!r})), arrays=None);"
        "e.search('Koursk d'); print('numpy' in sys.modules);"
        "e.search('Koursk d', since='2026-12-01'); print('numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "True"], done.stderr
